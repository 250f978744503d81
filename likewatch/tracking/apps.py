from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "likewatch.tracking"
    verbose_name = _("Tracking")

    def ready(self) -> None:
        from likewatch.tracking import consumers, segments

        consumers.register(segments.NAME, segments.consume, order=30)
