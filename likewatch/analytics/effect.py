"""The campaign's effect: the change beyond what the page's own past predicts, with 95 %.

"Lost 63,100 since the start" mixes the campaign with whatever the page was doing anyway (a page
that grows 2,000 a day would have gained 2,000). The effect compares the count now with a
counterfactual forecast: a structural time-series model (statsmodels UnobservedComponents: a
random walk with drift plus the daily cycle, or the weekly one for pages read once a day or
less) fitted to the hourly counts of up to `PRE_DAYS` days before the campaign, projected to
now. The model's forecast interval gives the effect's 95 % interval. What a platform removed
(flagged drops, `purges`) is taken out first and shown apart: it is not people leaving.

`estimate(times, values, start, now)` is pure (epoch seconds); `page_effect(page, start)`
reads a page's history through analytics.series and caches the answer for a few minutes.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import numpy as np

PRE_DAYS = 28  # the past the model learns from
MIN_PRE_HOURS = 48  # less than two days before the campaign: no estimate, and it says so
LEVEL = 0.95


@dataclass(frozen=True)
class Effect:
    """People: `observed` change since the start, what the model `expected` without the
    campaign, and `effect` = observed - expected (minus purges) with its 95 % interval."""

    observed: float
    expected: float
    effect: float
    low: float
    high: float
    purges: float = 0.0
    pre_hours: float = 0.0
    model: str = ""

    def as_dict(self) -> dict:
        return {k: round(v) if isinstance(v, float) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class NoEffect:
    """Why there is no estimate (shown instead of a guess)."""

    reason: str
    pre_hours: float = 0.0


def _hourly(times: np.ndarray, values: np.ndarray, start: float, end: float, step: float):
    """The last value at or before each `step` from start to end (None before the first)."""
    grid = np.arange(start, end + 1e-9, step)
    index = np.searchsorted(times, grid, side="right") - 1
    ok = index >= 0
    return grid[ok], values[index[ok]].astype(float)


def estimate(times, values, start: float, now: float, *, purges: float = 0.0) -> Effect | NoEffect:
    """The effect at `now` of a campaign that began at `start` on a page with this history.

    `purges` (people, negative for removals) is what flagged platform removals took since
    the start: it is taken out of the observed change before the comparison.
    """
    times = np.asarray(times, dtype=float)
    values = np.asarray(values, dtype=float)
    order = np.argsort(times)
    times, values = times[order], values[order]
    if len(times) == 0 or now <= start:
        return NoEffect("no history")
    spacing = float(np.median(np.diff(times))) if len(times) > 1 else 3600.0
    daily = spacing >= 6 * 3600
    step = 86400.0 if daily else 3600.0
    period = 7 if daily else 24
    first = max(times[0], start - PRE_DAYS * 86400)
    pre_hours = (start - first) / 3600
    if pre_hours < MIN_PRE_HOURS or (daily and pre_hours < 21 * 24):
        return NoEffect("too little history before the campaign", pre_hours)
    grid, pre = _hourly(times, values, first, start, step)
    if len(pre) < 2 * period:
        return NoEffect("too little history before the campaign", pre_hours)
    at_start = float(pre[-1])
    current = values[np.searchsorted(times, now, side="right") - 1]
    observed = float(current) - at_start
    horizon = max(1, math.ceil((now - grid[-1]) / step))
    base = pre[0]
    scale = float(np.std(np.diff(pre))) or 1.0
    y = (pre - base) / scale
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; the interval speaks for the fit
        model = UnobservedComponents(
            y, level="rwdrift", freq_seasonal=[{"period": period, "harmonics": 2}]
        )
        fit = model.fit(disp=False, maxiter=200)
        forecast = fit.get_forecast(horizon)
        mean = float(forecast.predicted_mean[-1])
        low, high = forecast.conf_int(alpha=1 - LEVEL)[-1]
    expected_level = base + mean * scale
    expected = expected_level - at_start
    # Without the campaign the count would be in [lo, hi]: the effect is what lies beyond.
    net = observed - purges
    effect = net - expected
    return Effect(
        observed=observed,
        expected=expected,
        effect=effect,
        low=net - (base + high * scale - at_start),
        high=net - (base + low * scale - at_start),
        purges=purges,
        pre_hours=pre_hours,
        model=f"random walk with drift + {'weekly' if daily else 'daily'} cycle",
    )


def total(effects: list[Effect]) -> Effect | None:
    """The campaign's total over its pages: sums, with the intervals combined as independent
    (half-widths added in quadrature)."""
    if not effects:
        return None
    effect = sum(e.effect for e in effects)
    below = math.sqrt(sum((e.effect - e.low) ** 2 for e in effects))
    above = math.sqrt(sum((e.high - e.effect) ** 2 for e in effects))
    return Effect(
        observed=sum(e.observed for e in effects),
        expected=sum(e.expected for e in effects),
        effect=effect,
        low=effect - below,
        high=effect + above,
        purges=sum(e.purges for e in effects),
        pre_hours=min(e.pre_hours for e in effects),
        model=effects[0].model,
    )


def page_effect(page, start: datetime, now: datetime | None = None) -> Effect | NoEffect:
    """The effect on `page` of a campaign that began at `start`, cached for five minutes."""
    from django.core.cache import cache
    from django.utils import timezone

    from likewatch.analytics.series import page_series
    from likewatch.events.models import Event, Kind, Status

    now = now or timezone.now()
    bucket = int(now.timestamp() // 300)
    key = f"likewatch:effect:{page.pk}:{int(start.timestamp())}:{bucket}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    series = page_series(page, start - timedelta(days=PRE_DAYS), now)
    points = [(p.at.timestamp(), p.value) for p in series.points if p.value is not None]
    removed = sum(
        Event.objects.filter(page=page, kind=Kind.PURGE, start__gte=start)
        .exclude(status=Status.DISMISSED)
        .values_list("size", flat=True)
    )
    if not points:
        result: Effect | NoEffect = NoEffect("no history")
    else:
        t, v = zip(*points, strict=True)
        try:
            result = estimate(t, v, start.timestamp(), now.timestamp(), purges=float(removed))
        except (ValueError, np.linalg.LinAlgError) as exc:
            result = NoEffect(f"the model could not be fitted ({exc})")
    cache.set(key, result, 300)
    return result
