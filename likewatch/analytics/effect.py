"""The campaign's effect: the change beyond what the page's own past predicts, with 95 %.

"Lost 63,100 since the start" mixes the campaign with whatever the page was doing anyway (a page
that grows 2,000 a day would have gained 2,000). The effect compares the count now with a
counterfactual forecast: a structural time-series model (statsmodels UnobservedComponents)
of the page's hourly changes over up to `PRE_DAYS` days before the campaign (daily changes for
pages read once a day or less): their mean, the daily cycle (and the weekly one, given two
weeks), swings of pace that last hours (an AR(1)) and noise, projected to now. The 95 %
interval is the spread of the total change that model forecasts, its steps correlated (see
`_Model` for why a random walk of the count is not enough). What the platform did
(flagged drops, and gains many pages of the platform made at once: `purges`) is taken out
first and shown apart: it is not people leaving, nor joining.

Fitting the model (maximum likelihood) is the only costly step, about a CPU-second, and the
pre-campaign history it learns from does not change once the campaign has begun. So a fit is
kept (`Fit`: the parameters, and a digest of the history they were learned from) and reused:
a later estimate only runs the Kalman filter over that history with the kept parameters and
forecasts to now, in milliseconds. A changed pre-period (history imported for the time before
the page was tracked: a backfill) changes the digest, and the model is fitted again.

`estimate(times, values, start, now)` is pure (epoch seconds); `page_effect(page, start)`
reads a page's recorded spans (exactly, not a chart's downsampled points) and caches the
answer for a few minutes.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

import numpy as np
from scipy.stats import norm

PRE_DAYS = 28  # the past the model learns from
MIN_PRE_HOURS = 48  # less than two days before the campaign: no estimate, and it says so
LEVEL = 0.95
# Part of every fit's digest: a fit kept by an older model is never reused by a newer one.
MODEL_VERSION = 2


@dataclass(frozen=True)
class Fit:
    """What fitting the model to a page's pre-campaign history learned, to be reused while
    that history stays the same (`key` is its digest)."""

    key: str
    params: tuple[float, ...]

    def as_dict(self) -> dict:
        return {"key": self.key, "params": list(self.params)}

    @classmethod
    def from_dict(cls, data: dict | None) -> Fit | None:
        """The fit stored by `as_dict`, or None for anything else (nothing stored yet)."""
        try:
            return cls(str(data["key"]), tuple(float(p) for p in data["params"]))
        except (TypeError, KeyError, ValueError):
            return None


@dataclass(frozen=True)
class Effect:
    """People: `observed` change since the start, what the model `expected` without the
    campaign, and `effect` = observed - expected (minus purges) with its 95 % interval.
    `fit` is the model fitted to the pre-campaign history, for the next estimate to reuse."""

    observed: float
    expected: float
    effect: float
    low: float
    high: float
    purges: float = 0.0
    pre_hours: float = 0.0
    model: str = ""
    fit: Fit | None = field(default=None, compare=False, repr=False)

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("fit")
        return {k: round(v) if isinstance(v, float) else v for k, v in data.items()}


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


@dataclass(frozen=True)
class _Pre:
    """The pre-campaign history on the model's grid, and its digest."""

    grid: np.ndarray
    values: np.ndarray
    step: float
    cycles: list[dict]
    hours: float
    key: str


def _pre(times: np.ndarray, values: np.ndarray, start: float) -> _Pre | NoEffect:
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
    digest = hashlib.sha256(repr((MODEL_VERSION, step, cycles, grid[0])).encode())
    digest.update(np.ascontiguousarray(pre, dtype=np.float64).tobytes())
    return _Pre(grid, pre, step, cycles, pre_hours, digest.hexdigest()[:32])


def estimate(
    times, values, start: float, now: float, *, purges: float = 0.0, fit: Fit | None = None
) -> Effect | NoEffect:
    """The effect at `now` of a campaign that began at `start` on a page with this history.

    `purges` (people, negative for removals) is what flagged platform removals took since
    the start: it is taken out of the observed change before the comparison. `fit`, kept
    from an earlier estimate, is reused when the pre-campaign history is still the one it
    was fitted to (the returned Effect carries the fit it used).
    """
    times = np.asarray(times, dtype=float)
    values = np.asarray(values, dtype=float)
    order = np.argsort(times)
    times, values = times[order], values[order]
    if len(times) == 0 or now <= start:
        return NoEffect("no history")
    pre = _pre(times, values, start)
    if isinstance(pre, NoEffect):
        return pre
    at_start = float(pre.values[-1])
    current = values[np.searchsorted(times, now, side="right") - 1]
    observed = float(current) - at_start
    horizon = max(1, math.ceil((now - pre.grid[-1]) / pre.step))
    model = _Model(np.diff(pre.values), pre.cycles)
    if fit is None or fit.key != pre.key:
        fit = Fit(pre.key, model.fit())
    expected, spread = model.forecast_total(fit.params, horizon)
    low, high = norm.ppf([(1 - LEVEL) / 2, (1 + LEVEL) / 2], loc=expected, scale=spread)
    # Without the campaign the change would be in [low, high]: the effect is what lies beyond.
    net = observed - purges
    daily = pre.step >= 86400
    return Effect(
        observed=observed,
        expected=expected,
        effect=net - expected,
        low=net - float(high),
        high=net - float(low),
        purges=purges,
        pre_hours=pre.hours,
        model=MODEL_DAILY if daily else (MODEL_HOURLY if len(pre.cycles) == 1 else MODEL_WEEKLY),
        fit=fit,
    )


MODEL_HOURLY = "changes per hour: mean + daily cycle + persistent swings (AR 1) + noise"
MODEL_WEEKLY = "changes per hour: mean + daily and weekly cycles + persistent swings (AR 1) + noise"
MODEL_DAILY = "changes per day: mean + weekly cycle + persistent swings (AR 1) + noise"


def _cycles(daily: bool, n: int) -> list[dict]:
    """The seasonal cycles of the changes the history is long enough to learn."""
    if daily:
        return [{"period": 7, "harmonics": 3}]
    cycles = [{"period": 24, "harmonics": 3}]
    if n >= 2 * 168:  # two weeks: weekends can be told from weekdays
        cycles.append({"period": 168, "harmonics": 2})
    return cycles


class _Model:
    """The counterfactual: what the page's total change over the next steps would have been
    had nothing happened.

    The model is fitted to the *changes* per step, not to the count: a page's pace drifts in
    swings that last hours (a news story, a quiet weekend), so consecutive changes are
    correlated, and a random walk of the count (independent changes) makes intervals that
    are too narrow over a day or more. The swings are an AR(1) around a fixed mean, with the
    daily (and, with two weeks of history, weekly) cycle and noise on top
    (statsmodels UnobservedComponents), on changes centred and scaled by the history's own.
    """

    def __init__(self, changes: np.ndarray, cycles: list[dict]) -> None:
        from statsmodels.tsa.statespace.structural import UnobservedComponents

        self.scale = float(np.std(changes)) or 1.0
        self.centre = float(np.median(changes))
        self.model = UnobservedComponents(
            (changes - self.centre) / self.scale,
            level="deterministic constant",
            autoregressive=1,
            freq_seasonal=cycles,
        )

    def fit(self) -> tuple[float, ...]:
        """The maximum-likelihood parameters: the costly step, done once per pre-period."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter; the interval speaks for it
            return tuple(float(p) for p in self.model.fit(disp=False, maxiter=200).params)

    def forecast_total(self, params, horizon: int) -> tuple[float, float]:
        """Mean and standard deviation (people) of the total change over `horizon` steps.

        The state at the end of the history is known up to the filter's uncertainty, and the
        steps ahead are correlated (the AR(1) swing and the cycles carry over), so the total's
        variance is not the sum of the steps': it is carried exactly, step by step, with the
        state's covariance with the running total. The model is linear and Gaussian, so this
        is the distribution that drawing paths from it (statsmodels' `simulate`) approaches,
        without the draws' noise or their cost.
        """
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = self.model.filter(np.asarray(params, dtype=float))
        ssm = self.model.ssm

        def matrix(name: str) -> np.ndarray:  # time-invariant: the one matrix, 2-D
            value = np.asarray(ssm[name])
            return value[..., 0] if value.ndim == 3 else value

        design = matrix("design")[0]  # Z (states)
        transition = matrix("transition")  # T
        selection = matrix("selection")  # R
        disturbance = selection @ matrix("state_cov") @ selection.T  # R Q R'
        noise = float(matrix("obs_cov")[0, 0])  # H
        obs_intercept = float(np.ravel(ssm["obs_intercept"])[0])
        state_intercept = np.asarray(ssm["state_intercept"]).reshape(len(design), -1)[:, 0]
        # The one-step-ahead prediction past the history: the first step's state.
        mean = np.array(result.predicted_state[:, -1])
        cov = np.array(result.predicted_state_cov[:, :, -1])
        total_mean, total_var = 0.0, 0.0
        cross = np.zeros_like(mean)  # Cov(state, running total)
        for _ in range(horizon):
            total_mean += obs_intercept + design @ mean
            total_var += design @ cov @ design + noise + 2 * design @ cross
            cross = transition @ (cross + cov @ design)
            mean = state_intercept + transition @ mean
            cov = transition @ cov @ transition.T + disturbance
        spread = math.sqrt(max(total_var, 0.0))
        return (
            total_mean * self.scale + self.centre * horizon,
            spread * self.scale,
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


def page_effect(
    page, start: datetime, now: datetime | None = None, *, fit: Fit | None = None
) -> Effect | NoEffect:
    """The effect on `page` of a campaign that began at `start`, cached for five minutes;
    `fit` is the one kept from the last estimate (see `estimate`)."""
    from django.core.cache import cache
    from django.db.models import Q
    from django.utils import timezone

    from likewatch.events.models import Event, Kind, Status
    from likewatch.tracking.records import span_points

    now = now or timezone.now()
    bucket = int(now.timestamp() // 300)
    key = f"likewatch:effect:{page.pk}:{int(start.timestamp())}:{bucket}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    # The spans themselves, not a chart's downsampled points: a chart's buckets widen as the
    # range grows, so its points before the campaign would change at every refresh (and the
    # kept fit with them); the spans before the start never change, short of a backfill.
    points = []
    for first_seen, last_seen, value in span_points(page, start - timedelta(days=PRE_DAYS), now):
        if value is not None:
            points += [(first_seen, value), (last_seen, value)]
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
            result = estimate(
                t, v, start.timestamp(), now.timestamp(), purges=float(removed), fit=fit
            )
        except (ValueError, np.linalg.LinAlgError) as exc:
            result = NoEffect(f"the model could not be fitted ({exc})")
    cache.set(key, result, 300)
    return result
