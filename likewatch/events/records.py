"""Flagged events on pages' histories, in the one shape every public surface publishes.

The API, the Atom feeds and the charts' markers ask `events_for(pages, start, end)` and
publish the `EventRecord`s that likewatch.events.publish makes of the stored events: the
surfaces depend on this module, and it on nothing of theirs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from likewatch.tracking.models import Page


@dataclass(frozen=True)
class EventRecord:
    """One flagged event, in the shape every public surface publishes."""

    id: str
    page_id: int
    kind: str
    starts_at: datetime
    ends_at: datetime
    size: int | None = None
    expected: float | None = None
    observed: float | None = None
    confidence: float | None = None
    explanation: str = ""
    # "flagged" (not reviewed yet), "confirmed" or "dismissed" by an organiser.
    status: str = "flagged"
    note: str = ""
    # The kind's name in the reader's language ("inorganic gain"); the code when empty.
    label: str = ""
    # Where the event is explained on this site, when the provider has such a page.
    url: str = ""
    # The platform-wide event this one is part of (many pages of the platform moved at once:
    # the platform, not this page), and where it is explained; "" when there is none.
    platform_event: str = ""
    platform_event_url: str = ""


def events_for(
    pages: Sequence[Page], start: datetime | None = None, end: datetime | None = None
) -> list[EventRecord]:
    """Events of `pages` overlapping [start, end], oldest first."""
    if not pages:
        return []
    # Imported here: likewatch.events.publish builds EventRecords from this module.
    from likewatch.events.publish import event_records

    records = event_records(list(pages), start, end)
    return sorted(records, key=lambda e: (e.starts_at, e.page_id, e.id))


def as_dicts(events: Iterable[EventRecord]) -> list[dict[str, Any]]:
    return [{f.name: getattr(e, f.name) for f in fields(EventRecord)} for e in events]
