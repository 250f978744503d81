from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RollupsConfig(AppConfig):
    name = "likewatch.rollups"
    verbose_name = _("Rollups")

    def ready(self) -> None:
        from likewatch.rollups import consumer
        from likewatch.tracking import consumers

        consumers.register(consumer.NAME, consumer.consume, order=10)
