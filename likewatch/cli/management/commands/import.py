import sys

from django.core.management.base import CommandError

from likewatch.cli.base import LikewatchCommand
from likewatch.tracking.importing import ImportProblem, import_rows, read_rows


class Command(LikewatchCommand):
    help = "Import counts recorded by hand from a CSV file (columns page, at, count, ...)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file ('-' for standard input)")
        parser.add_argument(
            "--check", action="store_true", help="check the file and report, import nothing"
        )

    def handle(self, *args, **options):
        data = self.read(options["file"])
        try:
            rows = read_rows(data)
        except ImportProblem as exc:
            raise CommandError(
                f"Nothing was imported from {options['file']}:\n  " + "\n  ".join(exc.problems)
            ) from None
        pages = len({row.page.pk for row in rows})
        if options["check"]:
            self.stdout.write(
                f"{options['file']} is fine: {len(rows)} count(s) for {pages} page(s)."
            )
            return
        outcome = import_rows(rows)
        message = f"Imported {outcome.total} count(s) for {pages} page(s), marked as imported"
        if outcome.backfilled:
            message += (
                f": {outcome.backfilled} before the first record of their page (backfilled), "
                f"{outcome.appended} after its newest"
            )
        self.stdout.write(message + ".")

    @staticmethod
    def read(path: str) -> bytes:
        if path == "-":
            return sys.stdin.buffer.read()
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
