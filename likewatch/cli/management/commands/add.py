import argparse
import sys

from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy as _

from likewatch.cli.base import LikewatchCommand
from likewatch.cli.format import describe_pages
from likewatch.organisers.credentials import source_configs
from likewatch.tracking.adding import add_pages

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
  JSON       json:[METRIC] URL EXPRESSION   (JMESPath, or a dotted JSONPath like $.data.count)
  Web page   web:[METRIC] URL SELECTOR, web:[METRIC] URL /PATTERN/,
             web+js:... for pages that draw their numbers with scripts

A bare handle such as @name could be anyone's on any platform, so it needs its platform's
prefix (yt:, x:, ig:, tg:, bsky:, fb:, mastodon:); only shapes that belong to one platform are
recognised without one (@user@instance, NAME.bsky.social, did:plc:...). METRIC is one of
followers, likes, subscribers, members (default followers).

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
        results = add_pages(lines, interval, configs=source_configs())
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
