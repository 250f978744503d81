from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FanoutConfig(AppConfig):
    name = "likewatch.fanout"
    verbose_name = _("Live fan-out")

    def ready(self) -> None:
        from likewatch.fanout import publish
        from likewatch.tracking import consumers

        consumers.register(publish.NAME, publish.consume, order=50)
