"""Realistic synthetic audience series with labelled events, for bench/events.py.

A series is what the tracking app would have stored for one page: value spans and failed
fetches, built from fetches every `interval` seconds (1 to 15 minutes) of a true count that
moves by

- organic growth following a daily cycle,
- campaign waves: people leaving along a logistic curve, as in likewatch.simulator,
- noise: joins and leaves arrive at random (variance = the number of people moving),

and is then, for some pages, rounded down to three significant figures (YouTube), lost in
outages (failed fetches) or frozen by a stale cache. Injected events carry their true time
and size:

- gain: bought likes, `factor` x the page's typical change per interval (5 to 25) in each
  interval of a delivery lasting one to three intervals (at most 15 minutes);
- purge: the platform removes `factor` x typical at once;
- takeoff / fading: the pace jumps to 5-10x, or falls to a tenth, and stays there;
- gap: an outage of 4+ intervals; stale: the count frozen for 40-120 minutes.

"Typical change per interval" is the median absolute change per interval over the three
hours before the event, never less than the rounding step. Everything is drawn from a
seeded `random.Random`, so a run is reproducible.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from statistics import median

from likewatch.events.detect import Miss, Span

HOUR = 3600.0
INTERVALS = (60, 120, 300, 600, 900)


@dataclass
class Injected:
    kind: str
    start: float
    end: float
    size: float


@dataclass
class Series:
    name: str
    family: str
    interval: int
    records: list = field(default_factory=list)
    injected: list[Injected] = field(default_factory=list)


@dataclass
class _Page:
    base: float
    organic: float  # net people per hour
    cycle: float  # daily-cycle amplitude (0-1)
    phase: float
    waves: list[tuple[float, float, float]]  # (size, peak hour, width hours)
    pace_changes: list[tuple[float, float]] = field(default_factory=list)  # (hour, factor)
    steady: float = 0.0  # a campaign pace already under way, people per hour

    def pace(self, hour: float) -> float:
        """Expected net change per hour at `hour`."""
        day = 1 + self.cycle * math.sin(2 * math.pi * (hour - self.phase) / 24)
        pace = self.organic * day
        for size, peak, width in self.waves:
            k = width / 4
            x = math.exp(-(hour - peak) / k)
            pace += size * day * x / (k * (1 + x) ** 2)
        steady = self.steady * day
        for at, factor in self.pace_changes:
            if hour >= at:
                steady = steady * factor if self.steady else factor * day
        return pace + steady

    def gross(self, hour: float) -> float:
        """People moving either way per hour (the noise's variance per hour)."""
        return 3 * abs(self.organic) + abs(self.pace(hour) - self.organic)


def _round3(value: int) -> tuple[int, int]:
    """YouTube's public count: rounded down to three significant figures above 1,000."""
    if value < 1000:
        return value, 1
    step = 10 ** (len(str(value)) - 3)
    return value - value % step, step


def _page(rng: random.Random, campaign: bool) -> _Page:
    base = math.exp(rng.uniform(math.log(2e4), math.log(5e6)))
    organic = base * rng.uniform(2e-6, 2e-5)
    waves = []
    if campaign:
        for _ in range(rng.randint(1, 3)):
            waves.append((-base * rng.uniform(0.003, 0.03), rng.uniform(6, 42), rng.uniform(5, 12)))
    return _Page(base, organic, rng.uniform(0.2, 0.6), rng.uniform(0, 24), waves)


def _simulate(rng, page, interval, hours):
    """True counts at each fetch (time, value) and the clean per-interval changes."""
    dt = interval / HOUR
    n = int(hours / dt)
    value = page.base
    times, values, changes = [], [], []
    for k in range(n):
        hour = k * dt
        mean = page.pace(hour) * dt
        sd = math.sqrt(max(1.0, page.gross(hour) * dt))
        change = mean + rng.gauss(0, sd)
        value += change
        times.append(k * interval + rng.uniform(0, min(5, interval / 10)))
        values.append(value)
        changes.append(change)
    return times, values, changes


def _typical(changes, k, interval, precision=1):
    lookback = max(6, int(3 * HOUR / interval))
    recent = [abs(c) for c in changes[max(0, k - lookback) : k]] or [1.0]
    return max(1.0, median(recent), float(precision))


def _compact(times, values, failed, rounding) -> list:
    """Fetches -> the spans and misses tracking.history would store."""
    records: list = []
    seq = 0
    open_span = None
    for t, v, bad in zip(times, values, failed, strict=True):
        if bad:
            if open_span:
                records.append(Span(**open_span))
                open_span = None
            seq += 1
            records.append(Miss(seq, t))
            continue
        count, precision = _round3(max(1, int(v))) if rounding else (max(1, int(v)), 1)
        if open_span and open_span["value"] == count and open_span["precision"] == precision:
            open_span["last_seen"] = t
            open_span["fetches"] += 1
            continue
        if open_span:
            records.append(Span(**open_span))
        seq += 1
        open_span = dict(
            seq=seq, value=count, precision=precision, first_seen=t, last_seen=t, fetches=1
        )
    if open_span:
        records.append(Span(**open_span))
    return records


def _slots(rng, hours, count, margin=6.0, spacing=8.0):
    """`count` event hours at least `spacing` apart, after a warm-up of `margin` hours."""
    chosen: list[float] = []
    for _ in range(200):
        if len(chosen) == count:
            break
        at = rng.uniform(margin, hours - 3)
        if all(abs(at - c) >= spacing for c in chosen):
            chosen.append(at)
    return sorted(chosen)


def burst_series(rng: random.Random, index: int, hours: float = 48) -> Series:
    """A page with bought-like bursts and purges, possibly under a campaign, rounded or not."""
    interval = rng.choice(INTERVALS)
    rounding = rng.random() < 0.3
    page = _page(rng, campaign=rng.random() < 0.7)
    times, values, changes = _simulate(rng, page, interval, hours)
    series = Series(f"burst-{index}", "burst", interval)
    failed = [False] * len(times)
    for at in _slots(rng, hours, rng.randint(2, 4)):
        k = int(at * HOUR / interval)
        precision = _round3(int(values[k]))[1] if rounding else 1
        per_interval = rng.uniform(5, 25) * _typical(changes, k, interval, precision)
        start = times[k - 1]
        if rng.random() < 0.5:
            # Bought likes arrive within one to three intervals (at most 15 minutes).
            steps = rng.randint(1, max(1, min(3, int(900 / interval))))
            size = per_interval * steps
            for j in range(k, len(values)):
                values[j] += size * min(1.0, (j - k + 1) / steps)
            series.injected.append(Injected("gain", start, times[k + steps - 1], size))
        else:
            for j in range(k, len(values)):
                values[j] -= per_interval
            series.injected.append(Injected("purge", start, times[k], -per_interval))
    series.records = _compact(times, values, failed, rounding)
    return series


def pace_series(rng: random.Random, index: int, hours: float = 36) -> Series:
    """A page whose pace changes abruptly: a campaign taking off, or fading out."""
    interval = rng.choice(INTERVALS)
    page = _page(rng, campaign=False)
    at = rng.uniform(10, hours - 8)
    if rng.random() < 0.5:
        # Takeoff: from organic drift to a campaign 5-10x faster than the page's noise.
        noise = math.sqrt(max(1.0, 3 * page.organic * interval / HOUR)) * HOUR / interval
        page.pace_changes = [(at, -rng.uniform(5, 10) * max(noise, 3 * page.organic))]
        kind = "takeoff"
    else:
        page.steady = -page.base * rng.uniform(0.0005, 0.002)
        page.pace_changes = [(at, rng.uniform(0.05, 0.15))]
        kind = "fading"
    times, values, _ = _simulate(rng, page, interval, hours)
    series = Series(f"pace-{index}", "pace", interval)
    series.injected.append(Injected(kind, at * HOUR, at * HOUR + HOUR, 0))
    series.records = _compact(times, values, [False] * len(times), False)
    return series


def data_series(rng: random.Random, index: int, hours: float = 36) -> Series:
    """Outages (gaps) and a stale cache on an otherwise ordinary page."""
    interval = rng.choice(INTERVALS)
    page = _page(rng, campaign=True)
    page.organic = max(page.organic, 3 * HOUR / interval)  # changes on most fetches
    times, values, _ = _simulate(rng, page, interval, hours)
    failed = [False] * len(times)
    series = Series(f"data-{index}", "data", interval)
    slots = _slots(rng, hours, 2)
    for n, at in enumerate(slots):
        k = int(at * HOUR / interval)
        if n == 0:
            length = max(4, int(rng.uniform(0.2, 3) * HOUR / interval))
            for j in range(k, min(len(times), k + length)):
                failed[j] = True
            end = times[min(len(times) - 1, k + length)]
            series.injected.append(Injected("gap", times[k - 1], end, length))
        else:
            length = max(8, int(rng.uniform(40, 120) * 60 / interval))
            for j in range(k, min(len(times), k + length)):
                values[j] = values[k - 1]
            series.injected.append(Injected("stale", times[k - 1], times[k + length - 1], 0))
    series.records = _compact(times, values, failed, False)
    return series


def control_series(rng: random.Random, index: int, hours: float = 48) -> Series:
    """Nothing to find: ordinary campaign waves, daily cycles, noise; half of them rounded."""
    interval = rng.choice(INTERVALS)
    rounding = index % 2 == 1
    page = _page(rng, campaign=True)
    times, values, _ = _simulate(rng, page, interval, hours)
    family = "control-rounding" if rounding else "control-wave"
    series = Series(f"{family}-{index}", family, interval)
    series.records = _compact(times, values, [False] * len(times), rounding)
    return series


def corpus(seed: int = 7, size: int = 40) -> list[Series]:
    """The labelled benchmark corpus: `size` series of each family."""
    rng = random.Random(seed)
    out: list[Series] = []
    for i in range(size):
        out.append(burst_series(rng, i))
        out.append(pace_series(rng, i))
        out.append(data_series(rng, i))
        out.append(control_series(rng, i))
    return out
