from pathlib import Path

from django.core.management.base import CommandError

from likewatch.cli.base import LikewatchCommand
from likewatch.evidence import keys
from likewatch.evidence.bundle import BundleError, export
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
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("-o", "--output", help="write to this file instead of the screen")

    def handle(self, *args, **options):
        campaign = self.campaign(options["campaign"]) if options["campaign"] else None
        if campaign is not None and options["pages"]:
            raise CommandError("Give pages or --campaign, not both.")
        if campaign is not None:
            entries = [(e.page, e.direction) for e in campaign.entries.select_related("page")]
            pages = [page for page, _ in entries]
            # The operator's own export: every annotation, as staff see them on the web.
            notes = list(campaign.annotations.order_by("at", "pk").values("at", "text"))
            subject = {"campaign": campaign_info(campaign, entries, notes)}
        else:
            pages = self.pages(options["pages"])
            notes = []
            subject = {"page": page_info(pages[0])} if len(pages) == 1 else {}
        if options["evidence"]:
            self.bundle(Path(options["evidence"]), pages, options["raw"])
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

    def bundle(self, path: Path, pages: list[Page], with_raw: bool) -> None:
        try:
            summary = export(path, pages, with_raw=with_raw)
        except keys.KeyMissing as exc:
            raise CommandError(f"Cannot export evidence: {exc}.") from None
        except BundleError as exc:
            raise CommandError(f"{exc}.") from None
        self.stdout.write(
            f"Wrote {summary.path}: {summary.pages} page(s), {summary.records} record(s), "
            f"{summary.digests} digest(s), {summary.raw} raw answer(s). "
            f"Check it with `likewatch verify {summary.path}`."
        )


class _Verbatim:
    """The command's output, written as given (Django's wrapper would add line ends)."""

    def __init__(self, wrapper) -> None:
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")
