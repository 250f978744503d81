import argparse
import sys

from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy as _

from likewatch.cli.base import LikewatchCommand
from likewatch.cli.format import describe_pages
from likewatch.organisers.credentials import source_configs
from likewatch.tracking.adding import add_pages
from likewatch.tracking.models import Metric

# Lines that need more than one word, which a shell splits unless they are quoted.
SPACED_PREFIXES = ("json:", "web:", "web+js:")

FORMS = _("""\
What you can paste, one page a line (any mix; lines starting with "# " are skipped):

  Facebook   https://www.facebook.com/NAME, m.facebook.com/NAME, fb.com/NAME,
             facebook.com/profile.php?id=N, facebook.com/pages/NAME/N, fb:NAME
  Instagram  https://www.instagram.com/NAME/, ig:NAME           (professional accounts)
  YouTube    https://www.youtube.com/@HANDLE, /channel/UC..., /c/NAME, /user/NAME,
             yt:@HANDLE, yt:UC...
  X          https://x.com/NAME, twitter.com/NAME, x:@NAME
  Telegram   https://t.me/NAME, t.me/s/NAME, tg:@NAME, tg:-100123 (a chat id)
  Mastodon   @USER@INSTANCE, https://INSTANCE/@USER, mastodon:USER@INSTANCE
  Bluesky    https://bsky.app/profile/HANDLE, NAME.bsky.social, bsky:HANDLE, did:plc:...
  JSON       json:[METRIC] URL EXPRESSION [# NAME]
             (JMESPath, or a dotted JSONPath like $.data.count; quote the whole line)
  Web page   web:[METRIC] URL SELECTOR, web:[METRIC] URL /PATTERN/,
             web+js:... for pages that draw their numbers with scripts

A bare handle such as @name could be anyone's on any platform, so it needs its platform's
prefix (yt:, x:, ig:, tg:, bsky:, fb:, mastodon:); only shapes that belong to one platform are
recognised without one (@user@instance, NAME.bsky.social, did:plc:...). METRIC is one of
followers, likes, subscribers, members (default followers).

One count is tracked per page: the platform's main audience figure (followers on Facebook,
subscribers on YouTube, members on Telegram) unless --metric names another. A campaign never
adds two counts of one page, so a person who unlikes and unfollows is counted once.

Each line is resolved once to the platform's stable id (a renamed page keeps its history)
and answered with the page and its current count, or with why it could not be added; the
good lines are added even when others fail.
""")


class Command(LikewatchCommand):
    help = "Track pages given their public URLs or handles (one a line with --file)."

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        parser.epilog = str(FORMS)
        return parser

    def add_arguments(self, parser):
        parser.add_argument("urls", nargs="*", metavar="URL", help="page address or handle")
        parser.add_argument(
            "--file", "-f", help="read addresses from a file, one a line ('-' for standard input)"
        )
        parser.add_argument("--interval", type=int, help="seconds between fetches (default 300)")
        parser.add_argument(
            "--metric",
            choices=list(Metric.values),
            help="which count to track (default: the platform's main audience figure)",
        )

    def handle(self, *args, **options):
        lines = list(options["urls"])
        split_line_hint(lines)
        if options["file"]:
            lines += _read_lines(options["file"])
        if not any(line.strip() for line in lines):
            given = " (the address given is empty)" if lines else ""
            raise CommandError(
                f"Give at least one page address{given}, e.g. https://www.facebook.com/NAME"
            )
        interval = options["interval"]
        from django.conf import settings

        if interval is not None and interval < settings.LIKEWATCH_MIN_INTERVAL:
            raise CommandError(
                f"--interval must be at least {settings.LIKEWATCH_MIN_INTERVAL} seconds."
            )
        results = add_pages(lines, interval, options["metric"], configs=source_configs())
        for result in results:
            if result.ok:
                verb = "added" if result.created else "already tracked"
                self.stdout.write(f"ok   {result.line}: {verb}: {describe_pages(result.pages)}")
            else:
                self.stderr.write(f"fail {result.line}: {result.error}")
        failed = sum(not r.ok for r in results)
        if failed:
            raise CommandError(f"{failed} of {len(results)} address(es) could not be added.")


def split_line_hint(args: list[str]) -> None:
    """Refuse a json:/web: line the shell split into several arguments, saying how to quote it."""
    for index, arg in enumerate(args):
        if not arg.lower().startswith(SPACED_PREFIXES) or len(arg.split()) >= 2:
            continue
        rest = args[index + 1 :]
        if rest:
            whole = " ".join([arg, *rest[:3]])
            raise CommandError(
                f"{arg!r} needs its URL and expression in the same argument, but the shell split "
                f"the line into {1 + len(rest[:3])} addresses. Quote the whole line:\n"
                f"  likewatch add '{whole}'"
            )
        raise CommandError(
            f"{arg!r} needs a URL and an expression (or selector) after it, in one quoted "
            "argument, e.g. likewatch add 'json:https://example.org/api/42 data.count'"
        )


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
