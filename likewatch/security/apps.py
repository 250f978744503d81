from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    # An app only so that Django finds its translations (the rate limiter's message).
    name = "likewatch.security"
    verbose_name = _("Security")
