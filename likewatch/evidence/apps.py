from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "likewatch.evidence"
    verbose_name = _("Evidence")

    def ready(self) -> None:
        from likewatch.evidence import raw
        from likewatch.tracking import consumers

        consumers.register(raw.NAME, raw.consume, order=35)
