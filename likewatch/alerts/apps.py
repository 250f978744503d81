from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "likewatch.alerts"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        from likewatch.alerts import consumer
        from likewatch.tracking import consumers

        consumers.register(consumer.NAME, consumer.consume, order=70, every=consumer.EVERY)
