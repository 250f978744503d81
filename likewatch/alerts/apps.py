from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "likewatch.alerts"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        from likewatch.alerts import receivers  # noqa: F401  (connects the tracking signals)
