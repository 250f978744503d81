from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConfigurationConfig(AppConfig):
    """The deployment's settings, checked as a whole (docs/configuration.md lists them)."""

    name = "likewatch.configuration"
    verbose_name = _("Configuration")

    def ready(self) -> None:
        from likewatch.configuration import checks  # noqa: F401  (registers the checks)
