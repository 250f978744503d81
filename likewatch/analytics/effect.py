"""The campaign's effect: the change beyond what the page's own past predicts, with 95 %.

"Lost 63,100 since the start" mixes the campaign with whatever the page was doing anyway (a page
that grows 2,000 a day would have gained 2,000). The effect compares the count now with a
counterfactual forecast: a structural time-series model (statsmodels UnobservedComponents)
of the page's hourly changes over up to `PRE_DAYS` days before the campaign (daily changes for
pages read once a day or less): their mean, the daily cycle (and the weekly one, given two
weeks), swings of pace that last hours (an AR(1)) and noise, projected to now. The 95 %
interval is the spread of the total change along paths drawn from that model (see
`_counterfactual` for why a random walk of the count is not enough). What the platform did
(flagged drops, and gains many pages of the platform made at once: `purges`) is taken out
first and shown apart: it is not people leaving, nor joining.

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
    first = max(times[0], start - PRE_DAYS * 86400)
    pre_hours = (start - first) / 3600
    if pre_hours < MIN_PRE_HOURS or (daily and pre_hours < 21 * 24):
        return NoEffect("too little history before the campaign", pre_hours)
    grid, pre = _hourly(times, values, first, start, step)
    cycles = _cycles(daily, len(pre))
    if len(pre) < 2 * cycles[0]["period"] + 1:
        return NoEffect("too little history before the campaign", pre_hours)
    at_start = float(pre[-1])
    current = values[np.searchsorted(times, now, side="right") - 1]
    observed = float(current) - at_start
    horizon = max(1, math.ceil((now - grid[-1]) / step))
    paths = _counterfactual(np.diff(pre), cycles, horizon)
    expected = float(np.mean(paths))
    low, high = np.quantile(paths, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
    # Without the campaign the change would be in [low, high]: the effect is what lies beyond.
    net = observed - purges
    return Effect(
        observed=observed,
        expected=expected,
        effect=net - expected,
        low=net - float(high),
        high=net - float(low),
        purges=purges,
        pre_hours=pre_hours,
        model=MODEL_DAILY if daily else (MODEL_HOURLY if len(cycles) == 1 else MODEL_WEEKLY),
    )


MODEL_HOURLY = "changes per hour: mean + daily cycle + persistent swings (AR 1) + noise"
MODEL_WEEKLY = "changes per hour: mean + daily and weekly cycles + persistent swings (AR 1) + noise"
MODEL_DAILY = "changes per day: mean + weekly cycle + persistent swings (AR 1) + noise"
# Counterfactual paths drawn per estimate: the interval's ends move by well under 1 % of its
# width from one draw of this many to another.
PATHS = 4000


def _cycles(daily: bool, n: int) -> list[dict]:
    """The seasonal cycles of the changes the history is long enough to learn."""
    if daily:
        return [{"period": 7, "harmonics": 3}]
    cycles = [{"period": 24, "harmonics": 3}]
    if n >= 2 * 168:  # two weeks: weekends can be told from weekdays
        cycles.append({"period": 168, "harmonics": 2})
    return cycles


def _counterfactual(changes: np.ndarray, cycles: list[dict], horizon: int) -> np.ndarray:
    """Draws of the page's total change over the next `horizon` steps had nothing happened.

    The model is fitted to the *changes* per step, not to the count: a page's pace drifts in
    swings that last hours (a news story, a quiet weekend), so consecutive changes are
    correlated, and a random walk of the count (independent changes) makes intervals that
    are too narrow over a day or more. The swings are an AR(1) around a fixed mean, with the
    daily (and, with two weeks of history, weekly) cycle and noise on top
    (statsmodels UnobservedComponents). The total over the horizon is the sum of correlated
    steps, so it is drawn: paths are simulated from the end of the history, starting from the
    filtered state with its uncertainty.
    """
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    scale = float(np.std(changes)) or 1.0
    centre = float(np.median(changes))
    y = (changes - centre) / scale
    model = UnobservedComponents(
        y, level="deterministic constant", autoregressive=1, freq_seasonal=cycles
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; the interval speaks for the fit
        fit = model.fit(disp=False, maxiter=200)
        # The same history gives the same interval: the draws are seeded.
        paths = fit.simulate(horizon, anchor="end", repetitions=PATHS, rng=np.random.default_rng(0))
    totals = np.asarray(paths).reshape(horizon, -1).sum(axis=0)
    return totals * scale + centre * horizon


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
    from django.db.models import Q
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
    # What the platform did is not what people did: flagged drops (possible removals), and
    # gains that many pages of the platform made at once (likewatch.events.platform).
    platform_moves = Event.objects.filter(page=page, start__gte=start).filter(
        Q(kind=Kind.PURGE) | Q(kind=Kind.GAIN, platform_event__isnull=False)
    )
    removed = sum(platform_moves.exclude(status=Status.DISMISSED).values_list("size", flat=True))
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
