from django.core.management.base import CommandError

from likewatch.cli.base import LikewatchCommand
from likewatch.cli.format import moment, number, table
from likewatch.tracking import records as history_records
from likewatch.tracking.lookup import find_pages
from likewatch.tracking.records import Span


class Command(LikewatchCommand):
    help = "Show what was measured for a page: each value, when, how often, and every gap."

    def add_arguments(self, parser):
        parser.add_argument("page", help="#id, URL or handle of a tracked page")
        parser.add_argument("--metric", help="which count, when the page has several")
        parser.add_argument("--last", type=int, default=50, help="how many records (default 50)")

    def handle(self, *args, **options):
        pages = find_pages(options["page"])
        if options["metric"]:
            pages = [p for p in pages if p.metric == options["metric"]]
        if not pages:
            raise CommandError(
                f"No tracked page matches {options['page']!r}: see `likewatch status`."
            )
        for page in pages:
            self.stdout.write(f"{page} [#{page.pk}] {page.url}")
            self.stdout.write(self.render(page, options["last"]) + "\n")

    @staticmethod
    def render(page, last: int) -> str:
        records = history_records.newest(page, last)
        rows = []
        for r in records:
            if isinstance(r, Span):
                value = "hidden" if r.value is None else number(r.value)
                if r.precision > 1:
                    value += f" (±{number(r.precision)})"
                rows.append(
                    [
                        str(r.seq),
                        value,
                        moment(r.first_seen),
                        moment(r.last_seen),
                        str(r.fetches),
                        r.provenance,
                    ]
                )
            else:
                rows.append(
                    [
                        str(r.seq),
                        f"gap: {r.get_kind_display()}",
                        moment(r.at),
                        "",
                        "",
                        r.message[:60],
                    ]
                )
        if not rows:
            return "(nothing measured yet)"
        return table(rows, ["#", "value", "first seen", "last seen", "fetches", "source"])
