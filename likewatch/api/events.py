"""Flagged events on pages' histories, as the API and the Atom feeds publish them.

The events themselves (inorganic gains, purges, unlike waves, data problems) are detected by
the credibility work (likewatch.events), which owns their model. This module is the one seam
between the two: the public surfaces ask `events_for(pages, start, end)` and publish `EventRecord`s;
the provider is the callable named by the setting `LIKEWATCH_EVENT_PROVIDER` (a dotted path),
taking `(pages, start, end)` and returning an iterable of `EventRecord` or of mappings with its
fields. Until a provider is configured there are no events, and the surfaces say so by
publishing an empty list rather than failing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

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


def provider():
    """The configured event provider, or None while there is none."""
    path = getattr(settings, "LIKEWATCH_EVENT_PROVIDER", "")
    return import_string(path) if path else None


def events_for(
    pages: Sequence[Page], start: datetime | None = None, end: datetime | None = None
) -> list[EventRecord]:
    """Events of `pages` overlapping [start, end], oldest first."""
    source = provider()
    if source is None or not pages:
        return []
    records = [_record(item) for item in source(list(pages), start, end)]
    return sorted(records, key=lambda e: (e.starts_at, e.page_id, e.id))


def _record(item: EventRecord | Mapping[str, Any]) -> EventRecord:
    if isinstance(item, EventRecord):
        return item
    known = {f.name for f in fields(EventRecord)}
    values = {k: v for k, v in dict(item).items() if k in known}
    values["id"] = str(values.get("id", ""))
    return EventRecord(**values)


def as_dicts(events: Iterable[EventRecord]) -> list[dict[str, Any]]:
    return [{f.name: getattr(e, f.name) for f in fields(EventRecord)} for e in events]
