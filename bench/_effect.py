"""Campaigns with a known effect, for bench/effect.py.

Synthetic: each page is an ordinary page of bench/_eventseries.py read hourly for 21 days; on
day 14 a campaign starts and people leave along a logistic wave of known size. Real: the same
kind of wave is injected into a held-out real series (bench/_realseries.py) at a random start
with four weeks of history before it. The effect estimate one to three days into the campaign
must cover the wave's true total in its 95 % interval.

As the poller does, each synthetic campaign is estimated twice: first one to three days in
(fitting the model), then a day later with that kept fit (forecasting only); both must cover,
and the CPU time of each kind of refresh is measured.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from statistics import median

import numpy as np

from bench._eventseries import ordinary
from likewatch.analytics.effect import PRE_DAYS, Effect, estimate

__all__ = ["Effect", "campaign", "coverage", "estimate", "inject"]

HOUR = 3600.0
DAY = 86400.0


def _wave(rng: np.random.Generator, t: np.ndarray, start: float, k0: int, per_hour: float):
    """People leaving along a logistic wave from `start`: 3-30 times the page's typical
    hourly change at its height, for 2-12 hours."""
    size = per_hour * rng.uniform(3, 30)
    width = rng.uniform(2, 12) * HOUR
    rise = np.clip(-(t - start - width) / (width / 4), -50, 50)  # exp() of more overflows
    wave = -size * width / HOUR / (1 + np.exp(rise))
    return np.where(t >= start, wave - wave[k0], 0.0)


def campaign(seed: int, index: int):
    rng = np.random.default_rng([seed, index, 21])
    t, changes, _ = ordinary(rng, 3600, 21)
    start = float(t[14 * 24])
    per_hour = float(np.median(np.abs(changes))) + 1
    wave = _wave(rng, t, start, 14 * 24, per_hour)
    values = 5_000_000 + np.cumsum(changes) + wave
    now = start + rng.uniform(24, 72) * HOUR
    k = int(np.searchsorted(t, now, side="right") - 1)
    return t, values, start, float(t[k]), wave


def inject(rng: np.random.Generator, t: np.ndarray, values: np.ndarray):
    """(times, values, start, now, true effect) of a campaign injected into a real series at
    a random start with PRE_DAYS of history before it, or None if the series is too short."""
    span = PRE_DAYS * DAY
    if t[-1] - t[0] < span + 4 * DAY:
        return None
    start_at = rng.uniform(t[0] + span, t[-1] - 3 * DAY)
    k0 = int(np.searchsorted(t, start_at, side="right") - 1)
    start = float(t[k0])
    now_at = start + rng.uniform(24, 72) * HOUR
    k = int(np.searchsorted(t, now_at, side="right") - 1)
    keep = (t >= start - span) & (t <= t[k])
    t, values = t[keep], values[keep]
    k0 = int(np.searchsorted(t, start, side="right") - 1)
    step = max(HOUR, float(np.median(np.diff(t))))
    grid = np.arange(t[0], start + 1, step)
    at = values[np.searchsorted(t, grid, side="right") - 1]
    per_hour = float(np.median(np.abs(np.diff(at)))) * HOUR / step + 1
    wave = _wave(rng, t, start, k0, per_hour)
    return t, values + wave, start, float(t[-1]), float(wave[-1])


@dataclass(frozen=True)
class Coverage:
    covered: float  # share of campaigns whose first interval covers the truth
    campaigns: int
    width: float  # median interval width / |effect|
    later_covered: float  # ...of the estimate a day later, with the kept fit
    later_width: float  # ...and its median width / |effect|
    # CPU-s of each estimate that fit (and calibrated) the model, and of each that reused the
    # kept fit: one sample per campaign, for the median and its range.
    fit_cpu: list[float]
    refresh_cpu: list[float]


def coverage(seed: int, count: int = 60) -> Coverage:
    covered = later_covered = n = 0
    widths: list[float] = []
    later_widths: list[float] = []
    fit_cpu: list[float] = []
    refresh_cpu: list[float] = []
    for index in range(count):
        t, values, start, now, wave = campaign(seed, index)
        began = time.process_time()
        result = estimate(t, values, start, now)
        fit_cpu.append(round(time.process_time() - began, 4))
        if not isinstance(result, Effect):
            continue
        n += 1
        truth = float(wave[np.searchsorted(t, now)])
        covered += result.low <= truth <= result.high
        widths.append((result.high - result.low) / max(1.0, abs(truth)))
        later = now + DAY
        began = time.process_time()
        again = estimate(t, values, start, later, fit=result.fit)
        refresh_cpu.append(round(time.process_time() - began, 5))
        truth = float(wave[np.searchsorted(t, later)])
        later_covered += again.low <= truth <= again.high
        later_widths.append((again.high - again.low) / max(1.0, abs(truth)))
    return Coverage(
        round(covered / n, 3) if n else 0.0,
        n,
        round(float(median(widths)), 3) if widths else 0.0,
        round(later_covered / n, 3) if n else 0.0,
        round(float(median(later_widths)), 3) if later_widths else 0.0,
        fit_cpu,
        refresh_cpu,
    )
