"""A past for the demo's pages: the ordinary traffic they had before the live demo began.

`likewatch demo` starts its pages fresh, so its bought likes (hour 16, sixteen real minutes in)
would be judged on sixteen minutes of history: the detector can then only say it has too
little history to tell how rare such a gain is (likewatch.events.detect, MIN_DAYS and
RARE_DAYS), and the campaign's effect has no pre-campaign history to forecast from
(likewatch.analytics.effect, MIN_PRE_HOURS). So before the demo goes live, each page is given
`days` of history, as if the demo had been watching it all along.

**Its times, in real time.** The live demo runs one clock: real time `t` is simulated hour
`(t - hour_zero) * acceleration / 3600`, where `hour_zero` is the real moment of the scenario's
hour 0 (when `likewatch demo` started its simulator). The past is the same clock read
backwards: a fetch every `interval` real seconds, at `hour_zero + k * interval` for every k
from `days` before the last one up to now, each reading the count the simulator would have
answered then (`SimPage.count`, a pure function of the simulated hour). At the demo's 60x, a
real day of the past is 60 simulated days, and its counts are the scenario's organic growth,
daily cycle and jitter at negative hours: the page's own traffic, sampled as the live demo
samples it, so the detector learns the very noise it then judges the live fetches against. The
fetches run up to the moment the past is written (those since hour 0 too: set-up takes a few
seconds), so the live fetches follow without a gap (a gap event takes four intervals without
a count: likewatch.events.detect, GAP_INTERVALS). A scenario's waves and incidents are its live
part: a wave begins at hour 0, when `likewatch demo`'s campaign starts (`Wave.moved`), and no
incident comes before it, so the past is the pages' ordinary traffic alone, and the count runs
on through hour 0 without a jump.

**Its length** is the caller's (`likewatch demo`: PAST_DAYS, where the choice is measured).

**Written as fetches.** The past goes through the one write path (`tracking.history.
record_batch`), a real day a batch, so every consumer (chart rollups, live detection, the
transparency log) reads it as it reads the poller's rounds: the events it raises, none for
ordinary traffic, are the live detector's, and its rolling state is where the live demo
resumes it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from likewatch.simulator.scenario import Scenario, SimPage
from likewatch.sources.base import Count
from likewatch.tracking.history import Entry, record_batch
from likewatch.tracking.models import Page

DAY = 86400.0


@dataclass(frozen=True)
class Timeline:
    """The demo's one clock: `hour_zero` (epoch seconds) is the scenario's hour 0."""

    hour_zero: float
    acceleration: float
    interval: float  # real seconds between two fetches

    def hour(self, at: float) -> float:
        """The simulated hour at real time `at` (epoch seconds)."""
        return (at - self.hour_zero) * self.acceleration / 3600

    def fetches(self, days: float, until: float, after: float | None = None) -> list[float]:
        """The times of the fetches from `days` real days before the last one due by `until`
        up to it, on the grid `hour_zero + k * interval`; only those after `after`, if given."""
        last = math.floor((until - self.hour_zero) / self.interval)
        first = last - round(days * DAY / self.interval)
        if after is not None:
            first = max(first, math.floor((after - self.hour_zero) / self.interval) + 1)
        return [self.hour_zero + k * self.interval for k in range(first, last + 1)]


def track(
    scenario: Scenario, metric: str, timeline: Timeline, days: float, until: float
) -> list[tuple[Page, SimPage]]:
    """The scenario's pages, tracked (their `metric`) since the first fetch of their past: as
    the simulator answers for them (likewatch.sources.facebook reads its id, name, username
    and link), so `likewatch campaign add` finds them tracked and only adds them to its
    campaign. Pages tracked already must have no history yet: a past comes before the first
    record (older counts are a backfill's, `likewatch import`)."""
    first = datetime.fromtimestamp(timeline.fetches(days, until)[0], tz=UTC)
    pairs = []
    for sim in scenario.pages.values():
        if metric not in sim.counts:
            continue
        page, _created = Page.objects.get_or_create(
            platform="facebook",
            platform_id=sim.id,
            metric=metric,
            defaults={
                "handle": sim.username,
                "name": sim.name,
                "url": f"https://www.facebook.com/{sim.username}",
                "interval": round(timeline.interval),
                "created_at": first,
            },
        )
        if page.last_seq:
            raise ValueError(f"{sim.name} has a history already: its past would follow it")
        pairs.append((page, sim))
    return pairs


def entries(pairs: Sequence[tuple[Page, SimPage]], timeline: Timeline, times: Sequence[float]):
    """The fetches of `pairs` at `times`, in time order, as the write path takes them."""
    for at in times:
        moment = datetime.fromtimestamp(at, tz=UTC)
        hour = timeline.hour(at)
        for page, sim in pairs:
            yield Entry(page, Count(sim.count(page.metric, hour)), moment)


def seed(
    pairs: Sequence[tuple[Page, SimPage]],
    timeline: Timeline,
    days: float,
    *,
    now=time.time,
) -> int:
    """Write `days` of `pairs`' past through the write path, up to `now()`; then the fetches
    that fell due while it was written, until none is. Returns the fetches written."""
    if not pairs:
        return 0
    per_batch = max(1, round(DAY / timeline.interval))  # a real day of fetches a batch
    written, last = 0, None
    times = timeline.fetches(days, now())
    while times:
        for first in range(0, len(times), per_batch):
            batch = list(entries(pairs, timeline, times[first : first + per_batch]))
            record_batch(batch)
            written += len(batch)
        last = times[-1]
        times = timeline.fetches(days, now(), after=last)
    return written
