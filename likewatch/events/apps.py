from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "likewatch.events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from likewatch.events import live
        from likewatch.tracking import consumers

        consumers.register(live.NAME, live.consume, order=80, every=live.EVERY)
