import csv
import json
from pathlib import Path

from django.core.management.base import CommandError

from likewatch.cli.base import LikewatchCommand
from likewatch.evidence import keys
from likewatch.evidence.bundle import BundleError, export
from likewatch.evidence.records import describe, page_entries
from likewatch.tracking.lookup import find_pages
from likewatch.tracking.models import Page

COLUMNS = [
    "page",
    "platform",
    "platform_id",
    "metric",
    "seq",
    "type",
    "value",
    "precision",
    "first_seen",
    "last_seen",
    "fetches",
    "provenance",
    "at",
    "kind",
    "message",
    "hash",
]


class Command(LikewatchCommand):
    help = "Export pages' history as CSV or JSON, or as an evidence bundle anyone can verify."

    def add_arguments(self, parser):
        parser.add_argument("pages", nargs="*", help="#id, URL or handle (default: every page)")
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
        pages = self.pages(options["pages"])
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
            if options["format"] == "json":
                self.json(pages, out)
            else:
                self.csv(pages, out)
        finally:
            if not isinstance(out, _Verbatim):
                out.close()

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

    @staticmethod
    def rows(page: Page):
        for entry in page_entries(page):
            form = entry.form
            yield {
                "page": page.pk,
                "platform": page.platform,
                "platform_id": page.platform_id,
                "metric": page.metric,
                "seq": entry.seq,
                "type": form["type"],
                "value": form.get("value"),
                "precision": form.get("precision"),
                "first_seen": form.get("first_seen"),
                "last_seen": form.get("last_seen"),
                "fetches": form.get("fetches"),
                "provenance": form.get("provenance"),
                "at": form.get("at"),
                "kind": form.get("kind"),
                "message": form.get("message"),
                "hash": entry.hash,
            }

    def csv(self, pages: list[Page], out) -> None:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        for page in pages:
            writer.writerows(self.rows(page))

    def json(self, pages: list[Page], out) -> None:
        data = [{**describe(page), "records": list(self.rows(page))} for page in pages]
        json.dump(data, out, ensure_ascii=False, indent=1)
        out.write("\n")


class _Verbatim:
    """The command's output, written as given (Django's wrapper would add line ends)."""

    def __init__(self, wrapper) -> None:
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")
