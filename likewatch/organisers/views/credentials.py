"""Platform tokens entered by the installation's operators (staff), encrypted at rest."""

from __future__ import annotations

import asyncio

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from likewatch.organisers import audit
from likewatch.organisers.credentials import source_config
from likewatch.organisers.forms import CredentialForm
from likewatch.organisers.models import PlatformCredential
from likewatch.organisers.roles import staff_view
from likewatch.sources import registry
from likewatch.sources.errors import SourceError
from likewatch.tracking.models import Page


def token_platforms() -> list[str]:
    """Platforms whose source reads a single access token (the "token" setting)."""
    return [
        platform
        for platform in registry.platforms()
        if any(c.setting == "token" for c in registry.source_class(platform).credentials)
    ]


@sensitive_post_parameters("token")
@sensitive_variables("token")
@staff_view
def credentials(request):
    form = CredentialForm(request.POST or None, platforms=token_platforms())
    if request.method == "POST" and form.is_valid():
        platform = form.cleaned_data["platform"]
        token = form.cleaned_data["token"]
        credential = PlatformCredential.objects.filter(platform=platform).first()
        replaced = credential is not None
        credential = credential or PlatformCredential(platform=platform)
        credential.token = token
        credential.expires_at = form.cleaned_data["expires_at"]
        credential.updated_at, credential.updated_by = timezone.now(), request.user
        credential.checked_at, credential.check_ok, credential.check_message = None, None, ""
        credential.save()
        audit.record(
            request.user,
            "credential.replace" if replaced else "credential.add",
            _("Saved a %(platform)s token ending in %(last4)s.")
            % {"platform": platform, "last4": credential.last4 or "…"},
            changes={"platform": platform, "expires_at": audit._plain(credential.expires_at)},
        )
        messages.success(request, _("Token saved. Use the test button to check it."))
        return redirect("manage:credentials")
    rows = PlatformCredential.objects.all()
    return render(
        request,
        "organisers/credentials.html",
        {"form": form, "credentials": rows, "now": timezone.now()},
    )


@require_POST
@staff_view
def test(request, platform: str):
    credential = get_object_or_404(PlatformCredential, platform=platform)
    ok, message = check(credential)
    credential.checked_at, credential.check_ok, credential.check_message = (
        timezone.now(),
        ok,
        message,
    )
    credential.save(update_fields=["checked_at", "check_ok", "check_message"])
    (messages.success if ok else messages.error)(request, message)
    return redirect("manage:credentials")


def check(credential: PlatformCredential) -> tuple[bool, str]:
    """Ask the platform for one known page with the stored token: (works, what happened)."""
    page = Page.objects.filter(platform=credential.platform).order_by("-last_success_at").first()
    if page is None:
        return False, _("Add a page of this platform first: the test reads one known page.")
    # Built here, outside any event loop, so the source reads the stored token directly.
    source = registry.make_source(credential.platform, source_config(credential.platform))

    async def read():
        try:
            return await source.read([page.platform_id], page.options)
        finally:
            await source.aclose()

    try:
        result = asyncio.run(read())
    except SourceError as exc:
        return False, _("The platform refused the token: %(error)s") % {"error": exc}
    outcome = result.get(page.platform_id)
    if isinstance(outcome, SourceError):
        return False, _("The token works, but reading %(page)s failed: %(error)s") % {
            "page": page.label,
            "error": outcome,
        }
    return True, _("The token works: %(page)s was read.") % {"page": page.label}


@require_POST
@staff_view
def delete(request, platform: str):
    credential = get_object_or_404(PlatformCredential, platform=platform)
    credential.delete()
    audit.record(
        request.user,
        "credential.delete",
        _("Deleted the %(platform)s token.") % {"platform": platform},
        changes={"platform": platform},
    )
    messages.success(request, _("Token deleted."))
    return redirect("manage:credentials")
