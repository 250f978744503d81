"""When a campaign first reached each round number of people moved, and its target.

Milestones follow the 1-2-5 series from 1,000 (1,000, 2,000, 5,000, 10,000, ...), the round
numbers a campaigner announces, unless the organisers chose a step of their own. "Moved"
counts people who went the way the campaign wants (left a page, for a leave campaign),
summed over its pages, against each page's baseline.
A milestone is reached the first time the total gets there; falling back below it later does
not un-reach it, and the history is replayed in one streamed pass over the observations.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ObjectDoesNotExist

from likewatch.analytics.change import baseline
from likewatch.events.models import Event, Kind, Status
from likewatch.tracking.models import Campaign, Direction, Observation

FIRST = 1000
STEPS = (1, 2, 5)


@dataclass(frozen=True)
class Milestone:
    """`moved` people had moved by `at` (`target` True: the campaign's target)."""

    moved: int
    at: datetime
    target: bool = False


def series() -> Iterator[int]:
    """1,000, 2,000, 5,000, 10,000, 20,000, ..."""
    scale = FIRST
    while True:
        for step in STEPS:
            yield step * scale
        scale *= 10


def every(step: int) -> Iterator[int]:
    """step, 2 x step, 3 x step, ..."""
    goal = step
    while True:
        yield goal
        goal += step


def goals(campaign: Campaign) -> Iterator[int]:
    """The campaign's milestones: every `milestone_every` people when its organisers chose a
    step (likewatch.organisers' CampaignSettings), else the 1-2-5 series."""
    try:
        step = campaign.organiser_settings.milestone_every
    except (AttributeError, ObjectDoesNotExist):
        step = None
    return every(step) if step else series()


def reached(campaign: Campaign, until: datetime | None = None) -> list[Milestone]:
    """Milestones (and the target) the campaign reached since its start, oldest first."""
    entries = list(campaign.entries.select_related("page"))
    start = campaign.starts_at
    signs, bases, current = {}, {}, {}
    for entry in entries:
        base = baseline(entry.page, start)
        if base is not None:
            signs[entry.page_id] = -1 if entry.direction == Direction.LEAVE else 1
            bases[entry.page_id] = base.value
            current[entry.page_id] = base.value
    if not bases:
        return []
    rows = Observation.objects.filter(
        page_id__in=list(bases), first_seen__gt=start, value__isnull=False
    )
    if until is not None:
        rows = rows.filter(first_seen__lte=until)
    rows = rows.order_by("first_seen", "seq").values_list("page_id", "first_seen", "value")

    # What a flagged platform removal (an unusual drop nobody dismissed) took is not people
    # leaving: it is taken back out when the walk reaches the end of the drop.
    removals = sorted(
        (end, page_id, size)
        for page_id, end, size in Event.objects.filter(
            page_id__in=list(bases), kind=Kind.PURGE, end__gt=start
        )
        .exclude(status=Status.DISMISSED)
        .values_list("page_id", "end", "size")
    )
    found: list[Milestone] = []
    upcoming = goals(campaign)
    goal = next(upcoming)
    target = campaign.target or None
    moved = 0
    for page_id, at, value in rows.iterator(chunk_size=5000):
        moved += signs[page_id] * (value - current[page_id])
        current[page_id] = value
        while removals and removals[0][0] <= at:
            _end, removed_from, size = removals.pop(0)
            moved -= signs[removed_from] * round(size)
        while moved >= goal:
            found.append(Milestone(goal, at))
            goal = next(upcoming)
        if target is not None and moved >= target:
            found.append(Milestone(target, at, target=True))
            target = None
    return found
