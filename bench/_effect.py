"""Synthetic campaigns with a known effect, for the effect rows of bench/events.py.

Each page is an ordinary page of bench/_eventseries.py read hourly for 21 days; on day 14 a
campaign starts and people leave along a logistic wave of known size. The effect estimate at
one to three days into the campaign must cover the wave's true total in its 95 % interval.
"""

from __future__ import annotations

from statistics import median

import numpy as np

from bench._eventseries import ordinary
from likewatch.analytics.effect import Effect, estimate

HOUR = 3600.0


def campaign(seed: int, index: int):
    rng = np.random.default_rng([seed, index, 21])
    t, changes, _ = ordinary(rng, 3600, 21)
    start = float(t[14 * 24])
    per_hour = float(np.median(np.abs(changes))) + 1
    size = per_hour * rng.uniform(3, 30)
    width = rng.uniform(2, 12) * HOUR
    wave = -size * width / HOUR / (1 + np.exp(-(t - start - width) / (width / 4)))
    wave = np.where(t >= start, wave - wave[14 * 24], 0.0)
    values = 5_000_000 + np.cumsum(changes) + wave
    now = start + rng.uniform(24, 72) * HOUR
    k = int(np.searchsorted(t, now, side="right") - 1)
    return t, values, start, float(t[k]), float(wave[k])


def coverage(seed: int, count: int = 60) -> tuple[float, int, float]:
    """(share of campaigns whose interval covers the truth, campaigns, median width/|effect|)."""
    covered, widths, n = 0, [], 0
    for index in range(count):
        t, values, start, now, truth = campaign(seed, index)
        result = estimate(t, values, start, now)
        if not isinstance(result, Effect):
            continue
        n += 1
        covered += result.low <= truth <= result.high
        widths.append((result.high - result.low) / max(1.0, abs(truth)))
    return (
        (round(covered / n, 3) if n else 0.0),
        n,
        (round(float(median(widths)), 3) if widths else 0.0),
    )
