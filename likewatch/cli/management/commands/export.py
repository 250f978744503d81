from pathlib import Path

from django.core.management.base import CommandError
from django.utils import timezone

from likewatch.cli import moments
from likewatch.cli.base import LikewatchCommand
from likewatch.evidence import keys
from likewatch.evidence.bundle import BundleError, Window, export
from likewatch.exports import campaign_info, csv_lines, json_chunks, page_info
from likewatch.tracking.lookup import find_pages
from likewatch.tracking.models import Campaign, Page


class Command(LikewatchCommand):
    help = (
        "Export pages' history as CSV or JSON (the web's format, see docs/exports.md), or as "
        "an evidence bundle anyone can verify."
    )

    def add_arguments(self, parser):
        parser.add_argument("pages", nargs="*", help="#id, URL or handle (default: every page)")
        parser.add_argument(
            "--campaign",
            metavar="SLUG",
            help="export a campaign: its pages and its annotations, as /export/c/SLUG does",
        )
        parser.add_argument(
            "--evidence",
            metavar="BUNDLE",
            help="write an evidence bundle: a new folder, or a .zip / .tar.gz file",
        )
        parser.add_argument(
            "--raw", action="store_true", help="with --evidence: add the raw platform answers"
        )
        parser.add_argument(
            "--since",
            metavar="TIME",
            help="with --evidence: a bundle of one time range, public records only, from TIME "
            "(ISO 8601 with a zone, e.g. 2016-02-26T22:00:00Z)",
        )
        parser.add_argument(
            "--until", metavar="TIME", help="with --evidence: the range's end (default: now)"
        )
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("-o", "--output", help="write to this file instead of the screen")

    def handle(self, *args, **options):
        window = self.window(options)
        campaign = self.campaign(options["campaign"]) if options["campaign"] else None
        if campaign is not None and options["pages"]:
            raise CommandError("Give pages or --campaign, not both.")
        if campaign is not None:
            entries = [(e.page, e.direction) for e in campaign.entries.select_related("page")]
            pages = [page for page, _ in entries]
            # The operator's own export: every annotation, as staff see them on the web.
            notes = list(campaign.annotations.order_by("at", "pk").values("at", "text"))
            subject = {"campaign": campaign_info(campaign, entries, notes)}
        elif window is not None and not options["pages"]:
            pages = None  # every public page
            notes = []
        else:
            pages = self.pages(options["pages"])
            notes = []
            subject = {"page": page_info(pages[0])} if len(pages) == 1 else {}
        if options["evidence"]:
            self.bundle(Path(options["evidence"]), pages, options["raw"], window)
            return
        out = _Verbatim(self.stdout)
        if options["output"]:
            try:
                out = open(options["output"], "w", newline="", encoding="utf-8")  # noqa: SIM115
            except OSError as exc:
                raise CommandError(f"Cannot write {options['output']}: {exc.strerror}.") from None
        try:
            lines = (
                json_chunks(subject, pages)
                if options["format"] == "json"
                else csv_lines(pages, notes)
            )
            try:
                for line in lines:
                    out.write(line)
            finally:
                # A reader that went away (`| head`) stops the export: close the database
                # cursors now, not at exit when the connection is already gone.
                lines.close()
        finally:
            if not isinstance(out, _Verbatim):
                out.close()

    @staticmethod
    def campaign(slug: str) -> Campaign:
        try:
            return Campaign.objects.get(slug=slug)
        except Campaign.DoesNotExist:
            raise CommandError(f"No campaign {slug!r}: see `likewatch campaign list`.") from None

    def pages(self, names: list[str]) -> list[Page]:
        if not names:
            return list(Page.objects.order_by("pk"))
        found: dict[int, Page] = {}
        for name in names:
            matches = find_pages(name)
            if not matches:
                raise CommandError(f"No tracked page matches {name!r}: see `likewatch status`.")
            found.update((p.pk, p) for p in matches)
        return [found[pk] for pk in sorted(found)]

    @staticmethod
    def window(options) -> Window | None:
        """The time range of --since/--until (None without them); CommandError if bad."""
        since = moments.parse(options["since"], "--since")
        until = moments.parse(options["until"], "--until")
        if since is None and until is None:
            return None
        if not options["evidence"]:
            raise CommandError("--since and --until make a bundle of a time range: add --evidence.")
        if since is None:
            raise CommandError("Give --since: where the time range starts.")
        try:
            return Window(since, until or timezone.now())
        except BundleError as exc:
            raise CommandError(f"{exc}.") from None

    def bundle(
        self, path: Path, pages: list[Page] | None, with_raw: bool, window: Window | None = None
    ) -> None:
        try:
            summary = export(path, pages, with_raw=with_raw, window=window)
        except keys.KeyMissing as exc:
            raise CommandError(f"Cannot export evidence: {exc}.") from None
        except BundleError as exc:
            raise CommandError(f"{exc}.") from None
        documents = (
            f"{summary.documents} annotation(s) and review(s), " if window is not None else ""
        )
        self.stdout.write(
            f"Wrote {summary.path}: {summary.pages} page(s), {summary.records} record(s), "
            f"{documents}{summary.digests} digest(s), {summary.raw} raw answer(s). "
            f"Check it with `likewatch verify {summary.path}`."
        )


class _Verbatim:
    """The command's output, written as given (Django's wrapper would add line ends)."""

    def __init__(self, wrapper) -> None:
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")
