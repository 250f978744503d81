"""When a campaign or a page reaches its next milestone or its target, at the current rate.

Counts here are *moved* counts: people who went the way the campaign wants (left a page, for a
leave campaign), so a projection only exists while the current rate goes that way. A rate of
zero, or one going backwards, never reaches anything, and we say so instead of inventing a date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# Milestones follow the 1-2-5 series (1,000, 2,000, 5,000, 10,000, ...): round numbers that a
# campaigner would announce, spaced evenly on a logarithmic scale.
MILESTONE_STEPS = (1, 2, 5)
FIRST_MILESTONE = 1000

# Beyond this a projection says nothing useful ("in 30 years at the current rate").
HORIZON = timedelta(days=365)


@dataclass(frozen=True)
class Projection:
    """How far `goal` is from `moved`, and when it is reached at `rate` people per hour."""

    goal: int
    moved: int
    rate: float | None
    eta: datetime | None

    @property
    def remaining(self) -> int:
        return max(0, self.goal - self.moved)

    @property
    def reached(self) -> bool:
        return self.moved >= self.goal

    @property
    def duration(self) -> timedelta | None:
        """Time left at the current rate; None when the goal is out of reach at that rate."""
        if self.reached:
            return timedelta(0)
        if self.rate is None or self.rate <= 0:
            return None
        left = timedelta(hours=self.remaining / self.rate)
        return left if left <= HORIZON else None


def next_milestone(moved: int) -> int:
    """The smallest 1-2-5 milestone strictly above `moved` (at least 1,000)."""
    scale = FIRST_MILESTONE
    while True:
        for step in MILESTONE_STEPS:
            milestone = step * scale
            if milestone > moved:
                return milestone
        scale *= 10


def project(goal: int, moved: int, rate: float | None, now: datetime) -> Projection:
    """Project reaching `goal` from `moved` at `rate` people per hour (in the wanted direction)."""
    projection = Projection(goal=goal, moved=moved, rate=rate, eta=None)
    duration = projection.duration
    if duration is None:
        return projection
    return Projection(goal=goal, moved=moved, rate=rate, eta=now + duration)


def moved_rate(rate: float | None, direction: str) -> float | None:
    """Turn a count's change per hour into people per hour moving the way the campaign wants."""
    if rate is None:
        return None
    return -rate if direction == "leave" else rate
