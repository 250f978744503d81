"""Marks drawn over the charts: gaps (failed fetches) and, from other apps, flagged events.

A provider is a function (page_ids, since, until) -> list[Marker]. Gaps are built in; an app
that flags events (bursts of bought likes, say) registers its own provider in its
AppConfig.ready():

    from likewatch.web import markers
    markers.register(my_events)

and its markers then show on every board and page history without touching this app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from likewatch.tracking.models import FetchFailure


@dataclass(frozen=True)
class Marker:
    """Something that happened to one page between `start` and `end` (equal for an instant)."""

    page_id: int
    kind: str  # "gap" or an event kind, e.g. "burst"
    start: datetime
    end: datetime
    label: str
    url: str = ""

    def as_json(self) -> dict:
        data = asdict(self)
        data["start"] = int(self.start.timestamp())
        data["end"] = int(self.end.timestamp())
        return data


Provider = Callable[[list[int], datetime | None, datetime | None], Iterable[Marker]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Add a source of markers (usable as a decorator); registering twice is harmless."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def unregister(provider: Provider) -> None:
    if provider in _providers:
        _providers.remove(provider)


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


def for_pages(
    page_ids: list[int], since: datetime | None = None, until: datetime | None = None
) -> list[dict]:
    """Every marker of these pages in the range, from gaps and each registered provider."""
    found = list(gaps(page_ids, since, until))
    for provider in _providers:
        found += provider(page_ids, since, until)
    return [m.as_json() for m in sorted(found, key=lambda m: (m.start, m.page_id))]
