"""When a campaign or a page reaches its next milestone or its target, at the current rate.

Which milestone is next is likewatch.analytics.milestones' rule; the sign of a rate is
likewatch.analytics.rates'.

Counts here are *moved* counts: people who went the way the campaign wants (left a page, for a
leave campaign), so a projection only exists while the current rate goes that way. A rate of
zero, or one going backwards, never reaches anything, and we say so instead of inventing a date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

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


def project(goal: int, moved: int, rate: float | None, now: datetime) -> Projection:
    """Project reaching `goal` from `moved` at `rate` people per hour (in the wanted direction)."""
    projection = Projection(goal=goal, moved=moved, rate=rate, eta=None)
    duration = projection.duration
    if duration is None:
        return projection
    return Projection(goal=goal, moved=moved, rate=rate, eta=now + duration)
