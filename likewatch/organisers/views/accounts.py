"""Signing in and out and resetting a password: Django's views, rate-limited."""

from __future__ import annotations

from django.contrib.auth import views as auth
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator

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
