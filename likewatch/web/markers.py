"""Marks drawn over the charts: gaps (failed fetches), flagged events and the organisers' notes.

Gaps come from the pages' FetchFailure records. Flagged events (unusual gains and drops)
come through `likewatch.events.records.events_for`, which feeds the API, the feeds and these
charts alike. Events an organiser dismissed are not drawn. Notes (annotations) belong to a
campaign, not a page: they are drawn on every chart of the campaign, and only those the one
visibility rule (likewatch.tracking.visibility) lets the viewer see.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from likewatch.events import records as events
from likewatch.organisers.models import Annotation
from likewatch.tracking import visibility
from likewatch.tracking.models import FetchFailure, Page


@dataclass(frozen=True)
class Marker:
    """Something that happened to one page between `start` and `end` (equal for an instant)."""

    page_id: int | None  # None for a campaign's note: it belongs to every page
    kind: str  # "gap", "annotation" or an event kind, e.g. "burst"
    start: datetime
    end: datetime
    label: str
    url: str = ""

    def as_json(self) -> dict:
        data = asdict(self)
        data["start"] = int(self.start.timestamp())
        data["end"] = int(self.end.timestamp())
        return data


# Failures closer together than this (with no value in between) are drawn as one gap.
GAP_JOIN = timedelta(hours=1)


def gaps(page_ids: list[int], since: datetime | None, until: datetime | None) -> list[Marker]:
    """Runs of failed fetches, one marker per run, labelled with the first failure's kind."""
    failures = FetchFailure.objects.filter(page_id__in=page_ids)
    if since:
        failures = failures.filter(at__gte=since)
    if until:
        failures = failures.filter(at__lte=until)
    found: list[Marker] = []
    runs: dict[int, list] = {}
    for failure in failures.order_by("page_id", "seq"):
        run = runs.get(failure.page_id)
        if run and failure.seq == run[-1].seq + 1 and failure.at - run[-1].at <= GAP_JOIN:
            run.append(failure)
            continue
        if run:
            found.append(_gap(run))
        runs[failure.page_id] = [failure]
    found += [_gap(run) for run in runs.values()]
    return sorted(found, key=lambda m: (m.start, m.page_id))


def _gap(run: list[FetchFailure]) -> Marker:
    first = run[0]
    return Marker(
        page_id=first.page_id,
        kind="gap",
        start=first.at,
        end=run[-1].at,
        label=first.get_kind_display(),
    )


def flagged(page_ids: list[int], since: datetime | None, until: datetime | None) -> list[Marker]:
    """Events from the configured provider, as markers."""
    pages = list(Page.objects.filter(pk__in=page_ids))
    return [
        Marker(
            page_id=event.page_id,
            kind=event.kind,
            start=event.starts_at,
            end=event.ends_at,
            label=event.explanation or event.kind,
            url=event.url,
        )
        for event in events.events_for(pages, since, until)
        # Gaps are drawn from the failed fetches themselves (see `gaps`).
        if event.status != "dismissed" and event.kind != "gap"
    ]


def notes(
    campaign_ids: list[int],
    since: datetime | None = None,
    until: datetime | None = None,
    viewer: Any = None,
) -> list[Marker]:
    """The campaigns' notes that `viewer` may see (anyone: None), as instant markers."""
    found = visibility.filter_by_campaign(
        Annotation.objects.filter(campaign_id__in=campaign_ids), viewer
    )
    if since:
        found = found.filter(at__gte=since)
    if until:
        found = found.filter(at__lte=until)
    return [
        Marker(page_id=None, kind="annotation", start=note.at, end=note.at, label=note.text)
        for note in found.order_by("at", "pk")
    ]


def for_pages(
    page_ids: list[int],
    since: datetime | None = None,
    until: datetime | None = None,
    campaign_ids: list[int] = (),
    viewer: Any = None,
) -> list[dict]:
    """Every marker of these pages in the range: gaps, flagged events and the notes of
    `campaign_ids`, by time."""
    found = gaps(page_ids, since, until) + flagged(page_ids, since, until)
    if campaign_ids:
        found += notes(list(campaign_ids), since, until, viewer)
    return [m.as_json() for m in sorted(found, key=lambda m: (m.start, m.page_id or 0))]
