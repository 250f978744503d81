"""Small trend lines for cards and embeds: values sampled evenly over time, and their SVG.

A sparkline only needs the shape, so each page's history is read through `page_series` at a
coarse resolution and sampled at evenly spaced moments (the last known value at each one).
A campaign's line is the sum of its pages' changes since the start: it matches the headline
number ("-60,412"), falling as people leave and rising as they join.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.utils import timezone

from likewatch.analytics.series import page_series
from likewatch.tracking.models import Page

SAMPLES = 120


def sampled(page: Page, start: datetime, end: datetime, samples: int = SAMPLES) -> list[int | None]:
    """The page's value at `samples` evenly spaced moments from start to end (None before its
    first known value)."""
    if end <= start:
        return []
    step = (end - start) / (samples - 1)
    series = page_series(page, start, end, max(1, int(step.total_seconds())))
    points = [p for p in series.points if p.value is not None]
    values: list[int | None] = []
    index, last = 0, None
    for i in range(samples):
        moment = start + step * i
        while index < len(points) and points[index].at <= moment:
            last = points[index].value
            index += 1
        values.append(last)
    return values


def measured_until(pages: Sequence[Page], now: datetime | None = None) -> datetime:
    """Where a trend line ends: the newest measurement of `pages` (now when there is none),
    so an old campaign's line fills the card instead of a thin strip at its left edge."""
    times = [p.last_success_at for p in pages if p.last_success_at]
    return max(times) if times else (now or timezone.now())


def campaign_change(
    pages: Sequence[Page], start: datetime, end: datetime | None = None
) -> list[float]:
    """The change since `start` summed over `pages`, at each sample up to `end` (default:
    the newest measurement)."""
    end = end or measured_until(pages)
    totals = [0.0] * SAMPLES
    for page in pages:
        values = sampled(page, start, end)
        base = next((v for v in values if v is not None), None)
        if base is None:
            continue
        for i, value in enumerate(values):
            if value is not None:
                totals[i] += value - base
    return totals if pages else []


def known(values: Sequence[float | None]) -> list[float]:
    return [v for v in values if v is not None]


def svg_points(values: Sequence[float | None], width: float, height: float, pad: float = 2) -> str:
    """An SVG `points` attribute drawing `values` across width x height (y grows downward)."""
    data = known(values)
    if len(data) < 2:
        return ""
    low, high = min(data), max(data)
    spread = (high - low) or 1
    step = (width - 2 * pad) / (len(data) - 1)
    coords = (
        f"{pad + i * step:.1f},{pad + (height - 2 * pad) * (1 - (v - low) / spread):.1f}"
        for i, v in enumerate(data)
    )
    return " ".join(coords)
