from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "likewatch.evidence"
    verbose_name = _("Evidence")

    def ready(self) -> None:
        from likewatch.evidence import consumer
        from likewatch.tracking import consumers

        # Derived from the history: after the rollups, before announcing the change.
        consumers.register(consumer.NAME, consumer.consume, order=20)
