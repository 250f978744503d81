"""A history record as evidence: its canonical form, previous hash and hash.

This is the one shape that the export writes, the offline verifier reads and the database
check builds, so all three check exactly the same thing. The canonical form is the one
`likewatch.tracking.chain` hashes; `raw_sha256` (the answer that produced the record) rides
beside it, outside the chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from likewatch.tracking import chain, records
from likewatch.tracking.models import FetchFailure, Observation, Page
from likewatch.tracking.records import Record

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


def chained(page: Page) -> Iterator[tuple[Record, str, str]]:
    """Every record of `page` in seq order with its previous hash and its hash.

    Sealed records packed into segments do not keep their hashes (they are recomputed from the
    records, from the first one on); the rows of the tail keep the ones the write path stored,
    so a segment record altered afterwards breaks the link to the tail's first stored hash.
    """
    stored = _stored_hashes(page)
    prev = chain.GENESIS
    for record in records.records(page, by_seq=True):
        if record.seq in stored:
            prev_hash, digest = stored[record.seq]
        else:
            prev_hash = prev
            digest = chain.link_hash(prev, record.form())
        yield record, prev_hash, digest
        prev = digest


def _stored_hashes(page: Page) -> dict[int, tuple[str, str]]:
    hashes = {}
    for model in (Observation, FetchFailure):
        for seq, prev_hash, digest in model.objects.filter(page=page).values_list(
            "seq", "prev_hash", "hash"
        ):
            hashes[seq] = (prev_hash, digest)
    return hashes


def page_entries(page: Page, raw_links: dict[int, str] | None = None) -> list[Entry]:
    """Every record of `page` from the database, in chain order."""
    raw_links = raw_links or {}
    return [
        Entry(
            page=page.pk,
            seq=record.seq,
            form=record.form(),
            prev_hash=prev_hash,
            hash=digest,
            raw_sha256=raw_links.get(record.seq, ""),
        )
        for record, prev_hash, digest in chained(page)
    ]


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
