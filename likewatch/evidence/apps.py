from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "likewatch.evidence"
    verbose_name = _("Evidence")

    def ready(self) -> None:
        from likewatch.evidence import checkpoints, consumer, digests, raw
        from likewatch.tracking import chores, consumers

        # Derived from the history: after the rollups, before announcing the change.
        consumers.register(consumer.NAME, consumer.consume, order=20)
        # Packing the raw answers: after the log (order 20) and the segments (30). A block
        # gathers an hour of answers, so looking once a minute is soon enough.
        consumers.register(raw.NAME, raw.consume, order=35, every=raw.EVERY)
        # Beside the rounds: expired raw answers pruned once a day, and a signed checkpoint
        # after each round (when this process holds the key and LIKEWATCH_CHECKPOINT_SIGNER
        # is not "separate"), so every published number is covered within seconds.
        chores.register("raw answers pruned", digests.Daily(), when=chores.AFTER_ROUND, order=10)
        chores.register("checkpoint", checkpoints.AfterRound(), when=chores.AFTER_ROUND, order=20)
