"""The one export format of likewatch's histories, shared by the web (/export/...) and the
command line (`likewatch export`): the same columns, the same JSON, described column by column
in docs/exports.md. Change it there and here together.

Every record of each page's chain, in seq order: spans (value, precision, first and last seen,
fetches, provenance, source URL, when the platform produced the answer of its last fetch) and
failed fetches, each with its prev_hash and hash, so a researcher can check the chain (see
likewatch.tracking.chain; the answer's date is kept outside the hashed form). A campaign's
export adds its public annotations (what happened when, by the organisers' account) as rows of
their own.
Times are ISO 8601 in UTC with a trailing Z.

CSV cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a
carriage return) get a leading apostrophe; numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import timezone

from likewatch.evidence.records import FAILURE_FIELDS, OBSERVATION_FIELDS, chained
from likewatch.tracking.chain import iso
from likewatch.tracking.models import Campaign, Page
from likewatch.tracking.records import Span

FORMAT = "likewatch-history-1"

CHUNK = 2000
COLUMNS = [
    "page_id",
    "platform",
    "platform_id",
    "metric",
    "page_name",
    "record",
    "seq",
    "value",
    "precision",
    "first_seen",
    "last_seen",
    "fetches",
    "provenance",
    "source_url",
    "answer_produced_at",
    "at",
    "kind",
    "message",
    "duration_ms",
    "retry_at",
    "prev_hash",
    "hash",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What a span keeps beyond its chained form: the date of the answer at its last fetch (it tells
# a quiet page from a stale count, likewatch.events.quiet). It is not hashed, so records sealed
# before spans kept it still verify; empty (null) when unknown.
SPAN_EXTRAS = ("answer_produced_at",)
# Each kind's fields, in the columns' order (the JSON records list them in the same order).
OBSERVATION_KEYS = tuple(c for c in COLUMNS if c in {*OBSERVATION_FIELDS, *SPAN_EXTRAS})
FAILURE_KEYS = tuple(c for c in COLUMNS if c in FAILURE_FIELDS)


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text, never runs: numbers as they are, text that
    would start a formula prefixed with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def page_info(page: Page) -> dict[str, Any]:
    return {
        "page_id": page.pk,
        "platform": page.platform,
        "platform_id": page.platform_id,
        "metric": page.metric,
        "page_name": page.name,
        "handle": page.handle,
        "url": page.url,
        "interval": page.interval,
        "last_seq": page.last_seq,
    }


def records(page: Page) -> Iterator[dict[str, Any]]:
    """Every record of the page's chain in seq order, streamed (segments are decoded one by
    one; see likewatch.tracking.records)."""
    for record, prev_hash, digest in chained(page):
        if isinstance(record, Span):
            row = {"record": "observation", **record.form()}
            row.update(answer_produced_at=iso(record.answer_produced_at))
            names = OBSERVATION_KEYS
        else:
            row, names = {"record": "failure", **record.form()}, FAILURE_KEYS
        row.update(prev_hash=prev_hash, hash=digest)
        yield {"record": row["record"], **{name: row[name] for name in names}}


def annotation_rows(annotations: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """A campaign's public annotations as export rows (record "annotation")."""
    for note in annotations:
        yield {"record": "annotation", "at": iso(note["at"]), "message": note["text"]}


def csv_lines(pages: Iterable[Page], annotations: Iterable[dict[str, Any]] = ()) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    yield line(COLUMNS)
    for row in annotation_rows(annotations):
        yield line([safe_cell(row.get(column)) for column in COLUMNS])
    for page in pages:
        info = page_info(page)
        for row in records(page):
            full = {**info, **row}
            yield line([safe_cell(full.get(column)) for column in COLUMNS])


def json_chunks(subject: dict[str, Any], pages: Iterable[Page]) -> Iterator[str]:
    """One JSON document, written piece by piece: {"export": ..., "pages": [{..., "records":
    [...]}, ...]}."""
    header = {
        "generated_at": iso(timezone.now()),
        "format": FORMAT,
        **subject,
    }
    yield json.dumps(header, ensure_ascii=False)[:-1] + ', "pages": ['
    for i, page in enumerate(pages):
        prefix = "," if i else ""
        yield prefix + json.dumps(page_info(page), ensure_ascii=False)[:-1] + ', "records": ['
        for j, row in enumerate(records(page)):
            yield ("," if j else "") + "\n" + json.dumps(row, ensure_ascii=False)
        yield "]}"
    yield "]}\n"


def campaign_info(
    campaign: Campaign,
    entries: list[tuple[Page, str]],
    annotations: Iterable[dict[str, Any]] = (),
) -> dict[str, Any]:
    """What a campaign export says about the campaign, its public annotations included."""
    return {
        "slug": campaign.slug,
        "title": campaign.title,
        "description": campaign.description,
        "starts_at": iso(campaign.starts_at),
        "ends_at": iso(campaign.ends_at),
        "target": campaign.target,
        "directions": {str(page.pk): direction for page, direction in entries},
        "annotations": [{"at": iso(n["at"]), "text": n["text"]} for n in annotations],
    }
