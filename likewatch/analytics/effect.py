"""The campaign's effect: the change beyond what the page's own past predicts, with 95 %.

"Lost 63,100 since the start" mixes the campaign with whatever the page was doing anyway (a page
that grows 2,000 a day would have gained 2,000). The effect compares the count now with a
counterfactual forecast: a structural time-series model (statsmodels UnobservedComponents)
of the page's hourly changes over up to `PRE_DAYS` days before the campaign (daily changes for
pages read once a day or less): their mean, the daily cycle (and the weekly one, given two
weeks), swings of pace that last hours (an AR(1)) and noise, projected to now. The 95 %
interval is the spread of the total change that model forecasts, its steps correlated (see
`_Model` for why a random walk of the count is not enough), widened as far as forecasts made
within the pre-campaign history itself missed by (`_Model.calibrate`): the model's noise is
Gaussian, a real page's traffic is heavy-tailed. Flagged moves that are not people
(likewatch.events.apart: unusual drops, `purges`, and unusual gains, `gains`, that no
organiser dismissed) are taken out first and shown apart: they are not people leaving, nor
joining.

Fitting the model (maximum likelihood) is the only costly step, about a CPU-second, and the
pre-campaign history it learns from does not change once the campaign has begun. So a fit is
kept (`Fit`: the parameters, the interval's calibration, and a digest of the history they
were learned from) and reused: a later estimate only runs the Kalman filter over that history
with the kept parameters and forecasts to now, in milliseconds. A changed pre-period (history
imported for the time before the page was tracked: a backfill) changes the digest, and the
model is fitted (and calibrated) again.

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
MODEL_VERSION = 3


@dataclass(frozen=True)
class Fit:
    """What fitting the model to a page's pre-campaign history learned, to be reused while
    that history stays the same (`key` is its digest)."""

    key: str
    params: tuple[float, ...]
    # (horizon in model steps, widening of the model's interval): `_Model.calibrate`.
    calibration: tuple[tuple[int, float], ...] = ()

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "params": list(self.params),
            "calibration": [list(pair) for pair in self.calibration],
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> Fit | None:
        """The fit stored by `as_dict`, or None for anything else (nothing stored yet, or a
        fit stored before intervals were calibrated)."""
        try:
            return cls(
                str(data["key"]),
                tuple(float(p) for p in data["params"]),
                tuple((int(h), float(f)) for h, f in data["calibration"]),
            )
        except (TypeError, KeyError, ValueError):
            return None


@dataclass(frozen=True)
class Effect:
    """People: `observed` change since the start, what the model `expected` without the
    campaign, and `effect` = observed - expected (minus purges and flagged gains) with its
    95 % interval.
    `fit` is the model fitted to the pre-campaign history, for the next estimate to reuse."""

    observed: float
    expected: float
    effect: float
    low: float
    high: float
    purges: float = 0.0
    pre_hours: float = 0.0
    model: str = ""
    gains: float = 0.0
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
    times,
    values,
    start: float,
    now: float,
    *,
    purges: float = 0.0,
    gains: float = 0.0,
    fit: Fit | None = None,
) -> Effect | NoEffect:
    """The effect at `now` of a campaign that began at `start` on a page with this history.

    `purges` (people, negative) is what flagged unusual drops took since the start and
    `gains` (positive) what flagged unusual gains added: neither is people, and both are
    taken out of the observed change before the comparison. `fit`, kept
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
        params = model.fit()
        fit = Fit(pre.key, params, model.calibrate(params))
    if not fit.calibration:
        # Not one forecast within the history could be checked: the model's interval alone
        # would be a guess.
        return NoEffect("too little history before the campaign", pre.hours)
    expected, spread = model.forecast_total(fit.params, horizon)
    spread *= widening(fit.calibration, horizon)
    low, high = norm.ppf([(1 - LEVEL) / 2, (1 + LEVEL) / 2], loc=expected, scale=spread)
    # Without the campaign the change would be in [low, high]: the effect is what lies beyond.
    net = observed - purges - gains
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
        gains=gains,
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

    def _filtered(self, params):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.model.filter(np.asarray(params, dtype=float))

    def _totals(self, mean: np.ndarray, cov: np.ndarray, horizon: int):
        """Mean and variance (the model's standardised units) of the total change over 1 to
        `horizon` steps, from each of several first-step states (`mean`: origins x states,
        `cov`: origins x states x states): arrays of horizons x origins.

        The state at the origin is known up to the filter's uncertainty, and the steps ahead
        are correlated (the AR(1) swing and the cycles carry over), so the total's variance is
        not the sum of the steps': it is carried exactly, step by step, with the state's
        covariance with the running total. The model is linear and Gaussian, so this is the
        distribution that drawing paths from it (statsmodels' `simulate`) approaches, without
        the draws' noise or their cost.
        """
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
        mean, cov = np.array(mean, dtype=float), np.array(cov, dtype=float)
        cross = np.zeros_like(mean)  # Cov(state, running total), per origin
        total_mean = np.zeros(len(mean))
        total_var = np.zeros(len(mean))
        means, variances = np.empty((horizon, len(mean))), np.empty((horizon, len(mean)))
        for step in range(horizon):
            total_mean += obs_intercept + mean @ design
            total_var += (cov @ design) @ design + noise + 2 * cross @ design
            means[step], variances[step] = total_mean, total_var
            cross = (cross + cov @ design) @ transition.T
            mean = state_intercept + mean @ transition.T
            cov = transition @ cov @ transition.T + disturbance
        return means, np.maximum(variances, 0.0)

    def forecast_total(self, params, horizon: int) -> tuple[float, float]:
        """Mean and standard deviation (people) of the total change over the `horizon` steps
        past the history (the model's own, Gaussian: `calibrate` says how far to trust it)."""
        result = self._filtered(params)
        # The one-step-ahead prediction past the history: the first step's state.
        mean = result.predicted_state[:, -1][None, :]
        cov = result.predicted_state_cov[:, :, -1][None, :, :]
        means, variances = self._totals(mean, cov, horizon)
        return (
            float(means[-1, 0]) * self.scale + self.centre * horizon,
            math.sqrt(float(variances[-1, 0])) * self.scale,
        )

    def calibrate(self, params) -> tuple[tuple[int, float], ...]:
        """How much wider than the model's own the 95 % interval must be, by horizon: the
        model's noise is Gaussian and its swings short, real traffic is neither (news spikes,
        good and dull weeks), so its interval alone is too narrow, and more so the further it
        reaches.

        Rolling-origin backtests within the history the model was fitted to: from each step
        once the filter has settled, the kept parameters forecast the total change over the
        next h steps from what came before (the filter's prediction at that origin), and the
        realised total is standardised by the forecast's mean and spread. The widening at h
        is the conformal quantile of those errors' sizes over 1.96, never below 1: the exact
        Gaussian interval is the floor.

        Split-conformal takes the ceil((n + 1) x 95 %)-th smallest of n independent errors.
        Backtests whose windows overlap are not independent (four weeks hold some 600
        two-day windows, but neighbours share most of their hours), so n counts only windows
        that share at most half their steps (`_SEPARATE`); with fewer than 19 of them, the
        quantile is the largest error seen. And the model misses slow swings, whose share
        grows with the horizon, so a longer horizon is never widened less than a shorter one.
        Horizons with fewer backtests than steps (or than `MIN_BACKTESTS`) are left out;
        `widening` carries the longest one beyond them.
        The constants were chosen on synthetic campaigns and the real tuning series only
        (bench/effect.py).
        """
        result = self._filtered(params)
        changes = np.asarray(self.model.endog, dtype=float).ravel()
        n = len(changes)
        # The filter starts knowing nothing of the mean and the cycles; until it has settled
        # (its one-step variance within `_SETTLED` of its last), its forecasts are not the
        # kind the estimate makes from the whole history, and are left out.
        step_var = np.asarray(result.forecasts_error_cov[0, 0], dtype=float)
        unsettled = np.flatnonzero(step_var > _SETTLED * step_var[-1])
        burn = int(unsettled[-1]) + 1 if len(unsettled) else 0
        horizons = [h for h in _HORIZONS if n - burn - h + 1 >= max(h, MIN_BACKTESTS)]
        if not horizons:
            return ()
        origins = np.arange(burn, n - horizons[0] + 1)
        means, variances = self._totals(
            result.predicted_state[:, origins].T,
            np.moveaxis(result.predicted_state_cov[:, :, origins], 2, 0),
            horizons[-1],
        )
        running = np.concatenate([[0.0], np.cumsum(changes)])
        z_crit = float(norm.ppf((1 + LEVEL) / 2))
        calibration, widest = [], 1.0
        for h in horizons:
            usable = origins + h <= n
            o = origins[usable]
            realised = running[o + h] - running[o]
            spread = np.sqrt(variances[h - 1, usable])
            errors = np.abs(realised - means[h - 1, usable]) / np.maximum(spread, 1e-12)
            separate = max(1.0, len(errors) / max(1.0, h * _SEPARATE))
            level = min(1.0, math.ceil((separate + 1) * LEVEL) / separate)
            quantile = float(np.quantile(errors, level, method="higher"))
            widest = max(widest, quantile / z_crit)
            calibration.append((h, widest))
        return tuple(calibration)


# Horizons (model steps) the backtests measure; between them the widening is interpolated.
_HORIZONS = (1, 2, 3, 6, 12, 18, 24, 36, 48, 72, 96, 120, 144, 168, 240, 336)
MIN_BACKTESTS = 12  # origins at the least, at any horizon (a daily page has few)
# Backtest windows this share of their length apart count as separate (independent) ones.
_SEPARATE = 0.5
# The filter has settled once its one-step variance is within this factor of its last.
_SETTLED = 1.5


def widening(calibration, horizon: int) -> float:
    """The factor the model's interval is widened by at `horizon` steps: interpolated between
    the backtested horizons, the longest one's beyond them, 1 with none."""
    if not calibration:
        return 1.0
    steps, factors = zip(*calibration, strict=True)
    return max(1.0, float(np.interp(horizon, steps, factors)))


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
        gains=sum(e.gains for e in effects),
    )


def page_effect(
    page, start: datetime, now: datetime | None = None, *, fit: Fit | None = None
) -> Effect | NoEffect:
    """The effect on `page` of a campaign that began at `start`, cached for five minutes;
    `fit` is the one kept from the last estimate (see `estimate`)."""
    from django.core.cache import cache
    from django.utils import timezone

    from likewatch.events import apart
    from likewatch.tracking.records import span_points

    now = now or timezone.now()
    # Flagged moves are not what people did (the rule's one home: likewatch.events.apart).
    # Part of the cache's key: a flag that changes is seen at once, not five minutes later.
    flagged = apart.for_page(page.pk, start, now)
    bucket = int(now.timestamp() // 300)
    key = (
        f"likewatch:effect:{page.pk}:{int(start.timestamp())}:{bucket}"
        f":{flagged.removed}:{flagged.gained}"
    )
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
    if not points:
        result: Effect | NoEffect = NoEffect("no history")
    else:
        t, v = zip(*points, strict=True)
        try:
            result = estimate(
                t,
                v,
                start.timestamp(),
                now.timestamp(),
                purges=float(flagged.removed),
                gains=float(flagged.gained),
                fit=fit,
            )
        except (ValueError, np.linalg.LinAlgError) as exc:
            result = NoEffect(f"the model could not be fitted ({exc})")
    cache.set(key, result, 300)
    return result
