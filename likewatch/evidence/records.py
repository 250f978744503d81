"""A history record as evidence: its canonical form, previous hash and hash.

This is the one shape that the export writes, the offline verifier reads and the database
check builds, so all three check exactly the same thing. The canonical form is the one
`likewatch.tracking.chain` hashes; `raw_sha256` (the answer that produced the record) rides
beside it, outside the chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from likewatch.tracking import chain
from likewatch.tracking.models import FetchFailure, Observation, Page

OBSERVATION_FIELDS = (
    "seq",
    "value",
    "precision",
    "first_seen",
    "last_seen",
    "fetches",
    "provenance",
    "source_url",
    "prev_hash",
    "hash",
)
FAILURE_FIELDS = ("seq", "at", "kind", "message", "duration_ms", "retry_at", "prev_hash", "hash")


@dataclass
class Entry:
    """One chained record of one page."""

    page: int
    seq: int
    form: dict[str, Any]
    prev_hash: str
    hash: str  # "" while an observation span is open
    raw_sha256: str = ""
    line: int = 0  # its line in a bundle file (1-based), for messages

    @property
    def is_open(self) -> bool:
        return not self.hash

    def computed_hash(self) -> str:
        return chain.link_hash(self.prev_hash, self.form)

    def as_json(self) -> dict[str, Any]:
        data = {"record": self.form, "prev_hash": self.prev_hash, "hash": self.hash}
        if self.raw_sha256:
            data["raw_sha256"] = self.raw_sha256
        return data


def page_entries(page: Page, raw_links: dict[int, str] | None = None) -> list[Entry]:
    """Every record of `page` from the database, in chain order."""
    raw_links = raw_links or {}
    entries = []
    # Failures first: a poller appending meanwhile seals the open span and adds its record
    # in one transaction, so reading in this order never sees an open span that is not last.
    for row in FetchFailure.objects.filter(page=page).values(*FAILURE_FIELDS):
        form = chain.failure_form(page.pk, row["seq"], row)
        entries.append(_entry(page.pk, row, form, raw_links))
    for row in Observation.objects.filter(page=page).values(*OBSERVATION_FIELDS):
        form = chain.observation_form(page.pk, row["seq"], row)
        entries.append(_entry(page.pk, row, form, raw_links))
    return sorted(entries, key=lambda e: e.seq)


def _entry(page_id: int, row: dict, form: dict, raw_links: dict[int, str]) -> Entry:
    return Entry(
        page=page_id,
        seq=row["seq"],
        form=form,
        prev_hash=row["prev_hash"],
        hash=row["hash"],
        raw_sha256=raw_links.get(row["seq"], ""),
    )


def describe(page: Page) -> dict[str, Any]:
    """What a bundle says about a page besides its records."""
    return {
        "page": page.pk,
        "platform": page.platform,
        "platform_id": page.platform_id,
        "metric": page.metric,
        "name": page.name,
        "handle": page.handle,
        "url": page.url,
        "interval": page.interval,
    }
