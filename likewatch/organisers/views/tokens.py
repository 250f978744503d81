"""API tokens for the write API: shown once, stored hashed, revocable."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_POST

from likewatch.organisers import audit
from likewatch.organisers.forms import ApiTokenForm
from likewatch.organisers.models import ApiToken, digest


@sensitive_variables("token")
def issue(user, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`: the row and the token itself, which is never stored."""
    token = ApiToken.PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user, name=name, hint=token[len(ApiToken.PREFIX) :][:6], token_hash=digest(token)
    )
    return row, token


@sensitive_variables("token")
@login_required
def tokens(request):
    form = ApiTokenForm(request.POST or None)
    token = None
    if request.method == "POST" and form.is_valid():
        row, token = issue(request.user, form.cleaned_data["name"])
        audit.record(
            request.user,
            "token.create",
            _("Created the API token “%(name)s”.") % {"name": row.name},
            changes={"token": row.pk},
        )
        form = ApiTokenForm()
    response = render(
        request,
        "organisers/tokens.html",
        {"form": form, "token": token, "tokens": request.user.api_tokens.all()},
    )
    # The page showing a new token must never be kept by a browser or proxy.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def revoke(request, token_id: int):
    row = get_object_or_404(ApiToken, pk=token_id, user=request.user, revoked_at__isnull=True)
    row.revoked_at = timezone.now()
    row.save(update_fields=["revoked_at"])
    audit.record(
        request.user,
        "token.revoke",
        _("Revoked the API token “%(name)s”.") % {"name": row.name},
        changes={"token": row.pk},
    )
    messages.success(request, _("Token revoked."))
    return redirect("manage:tokens")
