from django.core.management.base import CommandError

from likewatch.cli.base import LikewatchCommand
from likewatch.evidence import note, witness
from likewatch.evidence.models import WitnessedLog, WitnessRefusal


class Command(LikewatchCommand):
    help = (
        "Witness other likewatch logs (C2SP tlog-witness): `init` makes this instance's "
        "cosigner key and prints its verifier key, `trust VKEY` agrees to witness a log, "
        "`status` lists the logs witnessed and the checkpoints refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["init", "vkey", "trust", "status"])
        parser.add_argument("vkey", nargs="?", help="with trust: the log's verifier key")

    def handle(self, *args, **options):
        action = options["action"]
        if action in ("init", "vkey"):
            if action == "init":
                path, created = witness.ensure_key()
                self.stdout.write(f"Witness key {'made' if created else 'already'} at {path}.")
            try:
                vkey = witness.signer().verifier.vkey
            except witness.WitnessKeyMissing as exc:
                raise CommandError(f"{exc}.") from None
            self.stdout.write(
                f"Witness verifier key (give it to the logs you witness): {vkey}\n"
                "They add it to LIKEWATCH_WITNESSES with this site's /witness URL."
            )
            return
        if action == "trust":
            if not options["vkey"]:
                raise CommandError("Give the log's verifier key (its /evidence/log-key).")
            try:
                row = witness.trust(options["vkey"])
            except note.NoteError as exc:
                raise CommandError(f"{exc}.") from None
            self.stdout.write(f"Witnessing {row.origin} from its next checkpoint on.")
            return
        for row in WitnessedLog.objects.order_by("origin"):
            self.stdout.write(f"{row.origin}: cosigned up to {row.size} records ({row.updated_at})")
        for refusal in WitnessRefusal.objects.order_by("-at")[:20]:
            self.stdout.write(f"REFUSED {refusal.at} {refusal.origin}: {refusal.reason}")
