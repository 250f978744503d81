from django.core.management.base import CommandError

from likewatch.cli.base import LikewatchCommand
from likewatch.rollups import update
from likewatch.tracking.lookup import find_pages


class Command(LikewatchCommand):
    help = (
        "Rebuild the hourly and daily chart summaries from the history. (To add only what a "
        "crash left out, use `likewatch consumers catch-up`.)"
    )

    def add_arguments(self, parser):
        parser.add_argument("pages", nargs="*", help="#id, URL or handle (default: every page)")

    def handle(self, *args, **options):
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
