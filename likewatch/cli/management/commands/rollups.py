from django.core.management.base import CommandError

from likewatch.cli.base import LikewatchCommand
from likewatch.rollups import update
from likewatch.tracking.lookup import find_pages


class Command(LikewatchCommand):
    help = "Rebuild the hourly and daily chart summaries from the history, or catch them up."

    def add_arguments(self, parser):
        parser.add_argument("pages", nargs="*", help="#id, URL or handle (default: every page)")
        parser.add_argument(
            "--catch-up",
            action="store_true",
            help="only add what is missing (fast; what a poller does when it starts)",
        )

    def handle(self, *args, **options):
        if options["catch_up"]:
            if options["pages"]:
                raise CommandError("--catch-up works on every page; leave out the page names.")
            caught = update.catch_up()
            self.stdout.write(f"Caught up {caught} page(s).")
            return
        pages = None
        if options["pages"]:
            pages = []
            for text in options["pages"]:
                found = find_pages(text)
                if not found:
                    raise CommandError(f"No tracked page matches {text!r}: see `likewatch status`.")
                pages += found
        written = update.rebuild(pages)
        self.stdout.write(f"Rebuilt {written} hourly and daily bucket(s).")
