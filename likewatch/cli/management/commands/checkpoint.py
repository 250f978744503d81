import time

from django.core.management.base import CommandError
from django.db import DatabaseError

from likewatch.cli.base import LikewatchCommand
from likewatch.evidence import checkpoints, keys


class Command(LikewatchCommand):
    help = (
        "Sign a checkpoint of the transparency log (`sign`; `--follow` keeps signing as it "
        "grows: the signer that holds the key when the pollers do not), or print the newest."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["sign", "show"])
        parser.add_argument(
            "--follow", action="store_true", help="with sign: keep signing every --every seconds"
        )
        parser.add_argument("--every", type=float, default=5.0, help="seconds (default 5)")

    def handle(self, *args, **options):
        if options["action"] == "show":
            newest = checkpoints.latest()
            if newest is None:
                raise CommandError("No checkpoint has been signed yet.")
            self.stdout.write(checkpoints.full_note(newest), ending="")
            return
        if options["every"] <= 0:
            raise CommandError("--every must be a positive number of seconds.")
        while True:
            try:
                checkpoint, created = checkpoints.make()
            except keys.KeyMissing as exc:
                raise CommandError(f"Cannot sign: {exc}.") from None
            except DatabaseError as exc:
                if not options["follow"]:
                    raise
                self.stderr.write(f"database unavailable, retrying: {exc}")
                checkpoint, created = None, False
            if checkpoint is None and not options["follow"]:
                self.stdout.write("The log is empty: nothing to sign yet.")
            elif checkpoint is not None and (created or not options["follow"]):
                state = "signed" if created else "already signed"
                self.stdout.write(
                    f"Checkpoint of {checkpoint.size} leaves {state}, "
                    f"{checkpoint.cosignatures.count()} cosignature(s)."
                )
            if not options["follow"]:
                return
            time.sleep(options["every"])
