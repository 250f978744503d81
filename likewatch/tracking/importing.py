"""Importing counts recorded by hand (a journalist's spreadsheet) into pages' histories.

The file is CSV with a header row naming its columns, in any order:

    page,at,count[,metric][,precision][,source]

- `page`: a tracked page as `likewatch status` shows it: #id, URL, handle or name;
- `at`: when the count was read, ISO 8601 (`2016-04-20`, `2016-04-20 14:30`, with or without
  an offset; without one it is UTC);
- `count`: a whole number; spaces, commas, apostrophes and underscores between digits are
  allowed (`3,250,000`, `3 250 000`);
- `metric`: which count when the page has several (`likes`, `followers`…);
- `precision`: the rounding step when the count was shown rounded (`1000` for "3.2K"-style);
- `source`: where the number was read (an archive URL, a newspaper), kept with the record.

Import is all or nothing: every line is checked first and every problem is reported with its
line number; only a file with no problem is written, in one transaction. Imported records are
marked `imported` and join each page's evidence chain like any other, each a new leaf of the
transparency log.

A page's imported counts may come after everything it recorded (they continue its history) or
before its first record (a backfill: an archive's figures from before the page was tracked;
see `likewatch.tracking.history.record_backfill`). A count inside the recorded history would
contradict or duplicate what was measured then: it is refused, naming the recorded times it
falls between, and nothing is imported.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from likewatch.sources.base import Count, plausible
from likewatch.tracking import history
from likewatch.tracking import records as history_records
from likewatch.tracking.lookup import find_pages
from likewatch.tracking.models import Page, Provenance

REQUIRED = ("page", "at", "count")
OPTIONAL = ("metric", "precision", "source")
MAX_PROBLEMS = 20
SEPARATORS = re.compile(r"(?<=\d)[\s,'’_\u00a0\u202f](?=\d)")


class ImportProblem(ValueError):
    """A file that cannot be imported; `problems` lists one sentence per bad line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Row:
    line: int
    page: Page
    at: datetime
    count: Count
    source: str


def read_rows(data: bytes) -> list[Row]:
    """Check a whole file; the rows to import, or ImportProblem naming every bad line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportProblem(
            [_("line %(line)d: the file is not UTF-8 text; save it as CSV UTF-8.") % {"line": line}]
        ) from None
    if "\x00" in text:
        raise ImportProblem([_("The file is not a CSV text file (it contains NUL bytes).")])
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ImportProblem([_("line 1: %(error)s") % {"error": exc}]) from None
    columns = _columns(header)
    problems: list[str] = []
    rows: list[Row] = []
    pages: dict[tuple[str, str], Page | str] = {}
    try:
        for values in reader:
            if len(problems) >= MAX_PROBLEMS:
                problems.append(_("… and more: fix these first."))
                break
            if not any(v.strip() for v in values):
                continue
            try:
                rows.append(_row(reader.line_num, values, columns, pages))
            except ValueError as exc:
                problems.append(
                    _("line %(line)d: %(problem)s") % {"line": reader.line_num, "problem": exc}
                )
    except csv.Error as exc:
        problems.append(_("line %(line)d: %(error)s") % {"line": reader.line_num, "error": exc})
    if not problems:
        problems = _order_problems(rows)
    if problems:
        raise ImportProblem(problems)
    if not rows:
        raise ImportProblem([_("The file has a header but no counts to import.")])
    return rows


@dataclass
class Outcome:
    """What an import wrote: counts after each page's history and counts before it."""

    appended: int = 0
    backfilled: int = 0

    @property
    def total(self) -> int:
        return self.appended + self.backfilled


def import_rows(rows: list[Row]) -> Outcome:
    """Write checked rows to their pages' histories in one transaction.

    The rows older than a page's first record are backfilled, the others appended (`read_rows`
    has refused any in between). Both go through the one write path, a batch each.
    """
    with transaction.atomic():
        extents = history_records.extents({row.page.pk for row in rows})
        pages = Page.objects.in_bulk({row.page.pk for row in rows})
        before, after = [], []
        for row in sorted(rows, key=lambda r: (r.page.pk, r.at)):
            entry = history.Entry(
                pages[row.page.pk],
                row.count,
                row.at,
                provenance=Provenance.IMPORTED,
                source_url=row.source,
            )
            extent = extents.get(row.page.pk)
            (before if extent is not None and row.at < extent[0] else after).append(entry)
        if before:
            history.record_backfill(before)
        if after:
            history.record_batch(after)
    return Outcome(appended=len(after), backfilled=len(before))


def _dialect(text: str) -> type[csv.Dialect]:
    # French and Arabic spreadsheets often save with semicolons.
    first = text.split("\n", 1)[0]
    if first.count(";") > first.count(",") and first.count(";") > first.count("\t"):
        return _Semicolon
    if first.count("\t") > first.count(","):
        return csv.excel_tab
    return csv.excel


class _Semicolon(csv.excel):
    delimiter = ";"


def _columns(header: list[str] | None) -> dict[str, int]:
    if not header or not any(h.strip() for h in header):
        raise ImportProblem(
            [
                _(
                    "line 1: the file is empty; the first line must name the columns "
                    "page, at and count."
                )
            ]
        )
    names = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise ImportProblem(
            [
                _("line 1: the header lacks the column(s) %(missing)s (it has: %(found)s).")
                % {"missing": ", ".join(missing), "found": ", ".join(names)}
            ]
        )
    unknown = [n for n in names if n and n not in REQUIRED + OPTIONAL]
    if unknown:
        raise ImportProblem(
            [
                _("line 1: unknown column(s) %(unknown)s; the columns are %(known)s.")
                % {"unknown": ", ".join(unknown), "known": ", ".join(REQUIRED + OPTIONAL)}
            ]
        )
    return {name: index for index, name in enumerate(names) if name}


def _row(line: int, values: list[str], columns: dict[str, int], pages: dict) -> Row:
    if len(values) > len(columns) and any(v.strip() for v in values[len(columns) :]):
        raise ValueError(
            _("%(n)d values for %(m)d columns.") % {"n": len(values), "m": len(columns)}
        )

    def get(name: str) -> str:
        index = columns.get(name)
        return values[index].strip() if index is not None and index < len(values) else ""

    page = _page(get("page"), get("metric"), pages)
    return Row(
        line=line,
        page=page,
        at=_moment(get("at")),
        count=Count(_whole(get("count"), "count"), _precision(get("precision"))),
        source=get("source")[:500],
    )


def _page(text: str, metric: str, cache: dict) -> Page:
    key = (text, metric)
    if key not in cache:
        cache[key] = _find(text, metric)
    found = cache[key]
    if isinstance(found, str):
        raise ValueError(found)
    return found


def _find(text: str, metric: str) -> Page | str:
    if not text:
        return _("the page is empty.")
    pages = find_pages(text)
    if metric:
        pages = [p for p in pages if p.metric == metric.lower()]
    if not pages:
        return _(
            "no tracked page matches %(page)r%(metric)s; add it first with `likewatch add`."
        ) % {
            "page": text,
            "metric": f" ({metric})" if metric else "",
        }
    if len(pages) > 1:
        return _("%(page)r names %(n)d counts (%(metrics)s): say which in a metric column.") % {
            "page": text,
            "n": len(pages),
            "metrics": ", ".join(sorted(p.metric for p in pages)),
        }
    return pages[0]


def _moment(text: str) -> datetime:
    if not text:
        raise ValueError(_("the time (at) is empty."))
    try:
        moment = parse_datetime(text.replace("/", "-"))
        if moment is None:
            day = parse_date(text.replace("/", "-"))
            moment = datetime(day.year, day.month, day.day) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise ValueError(
            _("%(text)r is not a date and time; write it as 2016-04-20 or 2016-04-20 14:30.")
            % {"text": text[:40]}
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if moment.year < 2004 or moment > datetime.now(UTC):
        raise ValueError(
            _("%(text)r is not a time a page could have been counted.") % {"text": text[:40]}
        )
    return moment


def _whole(text: str, column: str) -> int:
    digits = SEPARATORS.sub("", text)
    if digits[:1] in ("-", "\u2212") and digits[1:].isdigit() and digits[1:].isascii():
        raise ValueError(
            _("%(column)s %(text)s is negative: a count is never below zero.")
            % {"column": column, "text": text[:40]}
        )
    if not digits.isdigit() or not digits.isascii():
        raise ValueError(
            _("%(column)s %(text)r is not a whole number.") % {"column": column, "text": text[:40]}
        )
    value = int(digits)
    if not plausible(value):
        raise ValueError(
            _("%(column)s %(value)s is not a count a page can have.")
            % {"column": column, "value": text[:40]}
        )
    return value


def _precision(text: str) -> int:
    return _whole(text, "precision") if text else 1


def _order_problems(rows: list[Row]) -> list[str]:
    """Two counts of one page at one moment, or counts inside the page's recorded history."""
    problems = []
    seen: dict[tuple[int, datetime], int] = {}
    for row in rows:
        key = (row.page.pk, row.at)
        if key in seen:
            problems.append(
                _("line %(line)d: %(page)s already has a count at that time, on line %(other)d.")
                % {"line": row.line, "page": row.page.label, "other": seen[key]}
            )
        seen.setdefault(key, row.line)
    extents = history_records.extents({row.page.pk for row in rows})
    for row in rows:
        extent = extents.get(row.page.pk)
        if extent is None or row.at < extent[0] or row.at > extent[1]:
            continue
        earlier, later = _neighbours(row.page.pk, row.at)
        problems.append(
            _(
                "line %(line)d: %(at)s falls inside the history %(page)s already recorded "
                "(%(first)s to %(last)s), between its records of %(earlier)s and %(later)s. "
                "Only counts before its first record or after its newest can be imported."
            )
            % {
                "line": row.line,
                "at": _utc(row.at),
                "page": row.page.label,
                "first": _utc(extent[0]),
                "last": _utc(extent[1]),
                "earlier": _utc(earlier),
                "later": _utc(later),
            }
        )
    return problems[:MAX_PROBLEMS]


def _utc(moment: datetime) -> str:
    # Exact to the second: the refusal must name the times a person can find in the history.
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def _neighbours(page_id: int, at: datetime) -> tuple[datetime, datetime]:
    """The recorded moments closest to `at` on either side (inside the page's history): the
    span in force then, from its first to its last fetch, or the records around a gap."""
    span = history_records.latest_span(page_id, at)
    if span is not None and span.last_seen >= at:
        return span.first_seen, span.last_seen
    earlier = span.last_seen if span is not None else at
    later = next((r.at for r in history_records.records(page_id, start=at) if r.at >= at), at)
    return earlier, later
