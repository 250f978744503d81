from django.core.management.base import CommandError

from likewatch.cli.base import LikewatchCommand
from likewatch.evidence import checkpoints, keys


class Command(LikewatchCommand):
    help = (
        "Sign a checkpoint of the transparency log now (the daily digests it replaces are no "
        "longer made; the poller signs a checkpoint after every round). "
        "Same as `likewatch checkpoint sign`."
    )

    def handle(self, *args, **options):
        try:
            checkpoint, created = checkpoints.make()
        except keys.KeyMissing as exc:
            raise CommandError(f"Cannot sign: {exc}.") from None
        if checkpoint is None:
            self.stdout.write("The log is empty: nothing to sign yet.")
            return
        state = "signed" if created else "already signed"
        self.stdout.write(
            f"Checkpoint of {checkpoint.size} leaves {state} (checkpoints replace the daily "
            "digests)."
        )
