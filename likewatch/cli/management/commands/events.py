from django.core.management.base import CommandError

from likewatch.cli.base import LikewatchCommand
from likewatch.cli.format import moment, number, table
from likewatch.events import effects
from likewatch.events.models import Event
from likewatch.events.scan import scan_all
from likewatch.tracking.lookup import find_pages


class Command(LikewatchCommand):
    help = "Find events (unusual gains and drops, data problems) and list them."

    def add_arguments(self, parser):
        parser.add_argument("--page", help="#id, URL or handle of one tracked page")
        parser.add_argument(
            "--rescan",
            action="store_true",
            help="forget each page's detector state and read its whole history again",
        )
        parser.add_argument(
            "--last", type=int, default=20, help="how many events to list (default 20)"
        )
        parser.add_argument(
            "--effects",
            action="store_true",
            help="estimate every running campaign's effect on its pages now (the poller "
            "otherwise refreshes one estimate at a time when idle)",
        )

    def handle(self, *args, **options):
        pages = None
        if options["page"]:
            pages = find_pages(options["page"])
            if not pages:
                raise CommandError(
                    f"No tracked page matches {options['page']!r}: see `likewatch status`."
                )
        results = scan_all(rescan=options["rescan"], pages=pages)
        if options["effects"]:
            count = 0
            while effects.refresh_one():
                count += 1
            self.stdout.write(f"Estimated the campaign effect on {count} page(s).")
        created = sum(r.created for r in results)
        updated = sum(r.updated for r in results)
        withdrawn = sum(r.withdrawn for r in results)
        self.stdout.write(
            f"Scanned {len(results)} page(s): {created} new event(s), {updated} updated, "
            f"{withdrawn} withdrawn."
        )
        events = Event.objects.select_related("page")
        if pages is not None:
            events = events.filter(page__in=pages)
        rows = [
            [
                f"#{e.pk}",
                e.page.label,
                e.kind + (" (ongoing)" if e.ongoing else ""),
                moment(e.start),
                moment(e.end),
                number(e.size, signed=True),
                f"{e.confidence:.2f}",
                e.status,
            ]
            for e in events[: options["last"]]
        ]
        if rows:
            headers = ["event", "page", "kind", "start", "end", "size", "confidence", "status"]
            self.stdout.write(table(rows, headers))
