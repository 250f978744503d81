"""Signing in and out and resetting a password: Django's views, rate-limited.

A new password revokes the person's API tokens: a reset is what someone does when they fear
their account is in other hands, and a token made by those hands must not outlive it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import ngettext

from likewatch.organisers import audit
from likewatch.organisers.models import ApiToken
from likewatch.security.ratelimit import limit_posts


@method_decorator(limit_posts("login"), name="dispatch")
class LoginView(auth.LoginView):
    template_name = "organisers/account/login.html"
    redirect_authenticated_user = True


@method_decorator(limit_posts("password_reset"), name="dispatch")
class PasswordResetView(auth.PasswordResetView):
    template_name = "organisers/account/password_reset.html"
    email_template_name = "organisers/account/password_reset_email.txt"
    subject_template_name = "organisers/account/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")


def revoke_tokens(request, user, why: str) -> int:
    """Revoke every live API token of `user`; say so on the next page and in the audit log."""
    names = list(
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).values_list("name", flat=True)
    )
    if not names:
        return 0
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit.record(user, "token.revoke", why, changes={"tokens": names})
    messages.warning(
        request,
        ngettext(
            "Your API token “%(names)s” was revoked with the old password; make a new one if "
            "you need it.",
            "Your %(count)d API tokens (%(names)s) were revoked with the old password; make new "
            "ones if you need them.",
            len(names),
        )
        % {"count": len(names), "names": ", ".join(names)},
    )
    return len(names)


class PasswordResetConfirmView(auth.PasswordResetConfirmView):
    template_name = "organisers/account/password_reset_confirm.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        revoke_tokens(self.request, form.user, "API tokens revoked by a password reset.")
        return response


class PasswordChangeView(auth.PasswordChangeView):
    template_name = "organisers/account/password_change.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        revoke_tokens(self.request, form.user, "API tokens revoked by a password change.")
        return response
