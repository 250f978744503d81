"""Milestones: the round numbers of people moved that a campaign announces. The one home of
this rule: the board's "next milestone", projections, alerts and the feed all ask here.

A campaign's milestones are, in order of preference:
- the organisers' own list (e.g. 60,000 and 100,000), merged with
- every multiple of the organisers' step (500: 500, 1,000, 1,500, ...), or, when they chose
  neither, the 1-2-5 series from 1,000 (1,000, 2,000, 5,000, 10,000, ...), the round numbers a
  campaigner would announce, evenly spaced on a logarithmic scale.

"Moved" counts people who went the way the campaign wants (left a page, for a leave campaign),
summed over its pages, against each page's baseline. A milestone is reached the first time the
total gets there; falling back below it later does not un-reach it, so what is announced never
goes backwards. One jump across several milestones is one milestone reached (the highest), not
a burst of announcements with the same time.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ObjectDoesNotExist

from likewatch.analytics.change import baseline
from likewatch.events import apart
from likewatch.tracking import records
from likewatch.tracking.models import Campaign, Direction

FIRST = 1000
STEPS = (1, 2, 5)


@dataclass(frozen=True)
class Milestone:
    """`moved` people had moved by `at` (`target` True: the campaign's target).

    `passed` counts the milestones this one stands for: 3 when one measurement jumped past
    1,000, 2,000 and 5,000 at once (only the highest is announced)."""

    moved: int
    at: datetime
    target: bool = False
    passed: int = 1


@dataclass(frozen=True)
class Ladder:
    """A campaign's milestones: every `step` people, or the 1-2-5 series, plus `custom` ones."""

    step: int | None = None
    custom: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.step is not None and self.step < 1:
            raise ValueError("a milestone step must be at least 1")
        object.__setattr__(self, "custom", tuple(sorted({int(m) for m in self.custom if m > 0})))

    @property
    def regular(self) -> bool:
        """False when only the organisers' own list counts (they gave a list and no step)."""
        return bool(self.step) or not self.custom

    def _regular_above(self, moved: int) -> int | None:
        if not self.regular:
            return None
        if self.step:
            return (max(moved, 0) // self.step + 1) * self.step
        scale = FIRST
        while True:
            for step in STEPS:
                if step * scale > moved:
                    return step * scale
            scale *= 10

    def next_above(self, moved: int) -> int | None:
        """The smallest milestone strictly above `moved`; None when the list is used up.

        With a step of 500 and 25,040 moved: 25,500."""
        candidates = [self._regular_above(moved)]
        index = bisect.bisect_right(self.custom, moved)
        if index < len(self.custom):
            candidates.append(self.custom[index])
        found = [c for c in candidates if c is not None]
        return min(found) if found else None

    def goals(self) -> Iterator[int]:
        """Every milestone, ascending (endless unless only a custom list counts)."""
        goal = self.next_above(0)
        while goal is not None:
            yield goal
            goal = self.next_above(goal)

    def crossed(self, before: int, after: int) -> list[int]:
        """The milestones in (before, after], ascending: what going from one to the other passed."""
        passed = []
        goal = self.next_above(before)
        while goal is not None and goal <= after:
            passed.append(goal)
            goal = self.next_above(goal)
        return passed

    def highest_reached(self, moved: int) -> int | None:
        """The largest milestone at or below `moved`; None below the first."""
        crossed = self.crossed(0, moved)
        return crossed[-1] if crossed else None


def ladder_of(step: int | None = None, custom: Iterable[int] = ()) -> Ladder:
    return Ladder(step=step or None, custom=tuple(custom or ()))


def ladder(campaign: Campaign) -> Ladder:
    """The campaign's milestones as its organisers set them (likewatch.organisers'
    CampaignSettings), read without importing the organisers' app."""
    try:
        options = campaign.organiser_settings
    except (AttributeError, ObjectDoesNotExist):
        return Ladder()
    return ladder_of(options.milestone_every, getattr(options, "milestones", None) or ())


def reached(campaign: Campaign, until: datetime | None = None) -> list[Milestone]:
    """Milestones (and the target) the campaign reached since its start, oldest first.

    The history is replayed in one streamed pass over the observations; a measurement that
    passes several milestones at once yields one Milestone (the highest)."""
    entries = list(campaign.entries.select_related("page"))
    start = campaign.starts_at
    signs, current = {}, {}
    for entry in entries:
        base = baseline(entry.page, start)
        if base is not None:
            signs[entry.page_id] = -1 if entry.direction == Direction.LEAVE else 1
            current[entry.page_id] = base.value
    if not current:
        return []
    rows = (
        (span.page_id, span.first_seen, span.value)
        for span in records.merged_spans(list(current), start=start, end=until)
        if span.value is not None and span.first_seen > start
    )

    # What flagged moves that are not people took or added (likewatch.events.apart: unusual
    # drops and gains nobody dismissed) is taken back out as the walk goes. Milestones are
    # only ever passed going up, so each correction is made when it cannot announce what
    # people did not do: one that lowers the total as soon as the walk enters the event's
    # window (before a removal in a leave campaign, or a burst of gains in a join one, is
    # counted), one that raises it (the departures a burst of gains hid in a leave campaign)
    # only once the walk reaches the event's end.
    corrections = []
    for flag in apart.counted(current, start, until):
        page_id, begins, ends, size = flag.page_id, flag.start, flag.end, flag.size
        correction = -signs[page_id] * round(size)
        corrections.append((begins if correction < 0 else ends, correction < 0, correction))
    corrections.sort()
    found: list[Milestone] = []
    steps = ladder(campaign)
    target = campaign.target or None
    best = 0  # the highest total seen so far: milestones are only ever passed going up
    moved = 0
    for page_id, at, value in rows:
        moved += signs[page_id] * (value - current[page_id])
        current[page_id] = value
        # Entering a window: strictly after its start; reaching an end: at it.
        while corrections and (
            corrections[0][0] < at if corrections[0][1] else corrections[0][0] <= at
        ):
            moved += corrections.pop(0)[2]
        if moved <= best:
            continue
        passed = steps.crossed(best, moved)
        best = moved
        if passed:
            found.append(Milestone(passed[-1], at, passed=len(passed)))
        if target is not None and moved >= target:
            found.append(Milestone(target, at, target=True))
            target = None
    return found
