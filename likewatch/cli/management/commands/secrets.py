from django.core.management.base import CommandError

from likewatch.cli.base import LikewatchCommand
from likewatch.organisers import rotation


class Command(LikewatchCommand):
    help = "Re-encrypt stored tokens and alert addresses with the newest key (key rotation)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rotate"], help="rotate: re-encrypt everything")

    def handle(self, *args, **options):
        report = rotation.rotate()
        self.stdout.write(f"Re-encrypted {report.rotated} stored secret(s) with the newest key.")
        if report.unreadable:
            raise CommandError(
                "No configured key can read "
                + ", ".join(report.unreadable)
                + ": add the key they were stored with to SECRET_KEY_FALLBACKS or "
                "LIKEWATCH_ENCRYPTION_KEYS, or enter them again."
            )
