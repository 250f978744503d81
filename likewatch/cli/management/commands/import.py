import sys
from datetime import timedelta

from django.core.management.base import CommandError

from likewatch import formatting
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
        for page in {row.page.pk: row.page for row in rows}.values():
            self.archives(page)

    def archives(self, page) -> None:
        """How the page's imported counts spaced beyond its own detector are judged
        (likewatch.events.archives): at their own spacing, or, too far apart, not at all."""
        from likewatch.events import archives
        from likewatch.events.scan import history

        for run in archives.runs(page.interval, history(page)):
            spacing = formatting.duration(timedelta(seconds=round(run.spacing)))
            said = f"{page.label}: {run.counts} imported counts about {spacing} apart"
            if run.judged:
                said += " are judged for unusual gains and drops at that spacing."
            else:
                said += (
                    " are shown but not judged for unusual gains or drops: counts more than a"
                    " day apart say too little about when a change happened."
                )
            self.stdout.write(said)

    @staticmethod
    def read(path: str) -> bytes:
        if path == "-":
            return sys.stdin.buffer.read()
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
