from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RollupsConfig(AppConfig):
    name = "likewatch.rollups"
    verbose_name = _("Rollups")

    def ready(self) -> None:
        from likewatch.rollups import receivers  # noqa: F401 (connects the signal handlers)
