from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "likewatch.evidence"
    verbose_name = _("Evidence")

    def ready(self) -> None:
        from likewatch.evidence import consumer, raw
        from likewatch.tracking import consumers

        # Derived from the history: after the rollups, before announcing the change.
        consumers.register(consumer.NAME, consumer.consume, order=20)
        # Packing the raw answers: after the log (order 20) and the segments (30). A block
        # gathers an hour of answers, so looking once a minute is soon enough.
        consumers.register(raw.NAME, raw.consume, order=35, every=raw.EVERY)
