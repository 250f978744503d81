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
marked `imported` and join each page's evidence chain like any other. A chain only grows at its
end, so a page's imported counts must be newer than what the page already recorded.
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
from likewatch.tracking.lookup import find_pages
from likewatch.tracking.models import FetchFailure, Observation, Page, Provenance

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


def import_rows(rows: list[Row]) -> int:
    """Append checked rows to their pages' histories in one transaction; returns how many."""
    with transaction.atomic():
        for row in sorted(rows, key=lambda r: (r.page.pk, r.at)):
            page = Page.objects.get(pk=row.page.pk)
            history.record_count(
                page, row.count, row.at, provenance=Provenance.IMPORTED, source_url=row.source
            )
    return len(rows)


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
    """Two counts of one page at one moment, or counts older than the page's history."""
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
    newest = _newest_records({row.page.pk for row in rows})
    for row in rows:
        head = newest.get(row.page.pk)
        if head is not None and row.at <= head:
            problems.append(
                _(
                    "line %(line)d: %(page)s already has history up to %(head)s; a history only "
                    "grows at its end, so imported counts must be newer."
                )
                % {"line": row.line, "page": row.page.label, "head": f"{head:%Y-%m-%d %H:%M} UTC"}
            )
    return problems[:MAX_PROBLEMS]


def _newest_records(page_ids: set[int]) -> dict[int, datetime]:
    newest: dict[int, datetime] = {}
    for page_id, seen in Observation.objects.filter(page_id__in=page_ids).values_list(
        "page_id", "last_seen"
    ):
        newest[page_id] = max(seen, newest.get(page_id, seen))
    for page_id, at in FetchFailure.objects.filter(page_id__in=page_ids).values_list(
        "page_id", "at"
    ):
        newest[page_id] = max(at, newest.get(page_id, at))
    return newest
