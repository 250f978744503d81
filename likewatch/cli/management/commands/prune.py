from django.conf import settings

from likewatch.cli.base import LikewatchCommand
from likewatch.evidence import raw


class Command(LikewatchCommand):
    help = "Delete kept raw platform answers older than LIKEWATCH_RAW_RETENTION_DAYS."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            help=f"keep this many days instead (default {settings.LIKEWATCH_RAW_RETENTION_DAYS})",
        )

    def handle(self, *args, **options):
        days = options["days"]
        if days is not None and days < 0:
            from django.core.management.base import CommandError

            raise CommandError("--days cannot be negative.")
        deleted = raw.prune(days=days)
        self.stdout.write(
            f"Deleted {deleted} raw answer(s); the history records they produced stay."
        )
