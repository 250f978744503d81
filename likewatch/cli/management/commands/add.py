import sys

from django.core.management.base import CommandError

from likewatch.cli.base import LikewatchCommand
from likewatch.cli.format import describe_pages
from likewatch.tracking.adding import add_pages


class Command(LikewatchCommand):
    help = "Track pages given their public URLs or handles (one a line with --file)."

    def add_arguments(self, parser):
        parser.add_argument("urls", nargs="*", metavar="URL", help="page address or handle")
        parser.add_argument(
            "--file", "-f", help="read addresses from a file, one a line ('-' for standard input)"
        )
        parser.add_argument("--interval", type=int, help="seconds between fetches (default 300)")

    def handle(self, *args, **options):
        lines = list(options["urls"])
        if options["file"]:
            lines += _read_lines(options["file"])
        if not lines:
            raise CommandError("Give at least one page address, e.g. https://www.facebook.com/NAME")
        interval = options["interval"]
        from django.conf import settings

        if interval is not None and interval < settings.LIKEWATCH_MIN_INTERVAL:
            raise CommandError(
                f"--interval must be at least {settings.LIKEWATCH_MIN_INTERVAL} seconds."
            )
        results = add_pages(lines, interval)
        for result in results:
            if result.ok:
                verb = "added" if result.created else "already tracked"
                self.stdout.write(f"ok   {result.line}: {verb}: {describe_pages(result.pages)}")
            else:
                self.stderr.write(f"fail {result.line}: {result.error}")
        failed = sum(not r.ok for r in results)
        if failed:
            raise CommandError(f"{failed} of {len(results)} address(es) could not be added.")


def _read_lines(path: str) -> list[str]:
    try:
        if path == "-":
            return sys.stdin.read().splitlines()
        with open(path, encoding="utf-8") as handle:
            return handle.read().splitlines()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not UTF-8 text.") from None
