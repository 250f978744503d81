"""The campaign's effect: the change beyond the page's own pre-campaign trend, with 95 %."""

import numpy as np
import pytest

from likewatch.analytics import effect as effect_module
from likewatch.analytics.effect import Effect, NoEffect, estimate, total

HOUR = 3600.0


def page(days=21, per_hour=50.0, seed=1):
    """Hourly counts of a page growing by about `per_hour` with a daily cycle and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(days * 24) * HOUR
    cycle = 1 + 0.8 * np.sin(2 * np.pi * (t / HOUR % 24) / 24)
    changes = rng.poisson(per_hour * cycle)
    return t, 1_000_000 + np.cumsum(changes)


def test_a_campaign_loss_is_measured_beyond_the_pages_own_growth():
    t, values = page()
    start = t[14 * 24]
    loss = np.where(t >= start, -(t - start) / HOUR * 400, 0.0)  # 400 an hour leave
    values = values + loss
    now = t[16 * 24]
    result = estimate(t, values, start, now)
    assert isinstance(result, Effect)
    truth = -48 * 400
    # The page kept growing by about 50 an hour: the loss is larger than the net change.
    assert result.observed > truth
    assert result.low <= truth <= result.high
    assert result.high - result.low < abs(truth)


def test_without_two_days_before_the_campaign_there_is_no_estimate():
    t, values = page(days=3)
    result = estimate(t, values, t[30], t[50])
    assert isinstance(result, NoEffect)
    assert "too little history" in result.reason


def test_a_flagged_removal_is_taken_out_of_the_effect():
    t, values = page()
    start, now = t[14 * 24], t[15 * 24]
    values = values.astype(float).copy()
    values[t >= start + 5 * HOUR] -= 10_000  # the platform removed 10,000 accounts
    plain = estimate(t, values, start, now)
    apart = estimate(t, values, start, now, purges=-10_000)
    assert round(apart.effect - plain.effect) == 10_000
    assert apart.low <= 0 <= apart.high  # nobody left beyond the usual: it was the purge


def test_a_flagged_unusual_gain_is_taken_out_of_the_effect():
    t, values = page()
    start, now = t[14 * 24], t[15 * 24]
    values = values.astype(float).copy()
    values[t >= start + 5 * HOUR] += 12_040  # an unusual burst of gains
    plain = estimate(t, values, start, now)
    apart = estimate(t, values, start, now, gains=12_040)
    assert round(plain.effect - apart.effect) == 12_040
    assert apart.low <= 0 <= apart.high  # nobody joined beyond the usual: it was the burst
    assert apart.gains == 12_040


@pytest.mark.django_db
def test_a_pages_effect_leaves_out_its_own_flagged_gains_and_drops_unless_dismissed():
    from datetime import UTC, datetime, timedelta

    from likewatch.events.models import Event, Kind, Status
    from likewatch.sources.base import Count
    from likewatch.tracking.history import record_count
    from likewatch.tracking.models import Page

    t, values = page()
    base = datetime(2016, 3, 1, tzinfo=UTC)
    start_index, now_index = 14 * 24, 15 * 24
    values = values.astype(float).copy()
    values[start_index + 5 :] += 12_040  # a burst on this page alone, no platform event
    p = Page.objects.create(platform="facebook", platform_id="1", metric="likes")
    for seconds, value in zip(t[: now_index + 1], values, strict=False):
        record_count(p, Count(int(value)), base + timedelta(seconds=float(seconds)))
    start = base + timedelta(seconds=float(t[start_index]))
    now = base + timedelta(seconds=float(t[now_index]))
    burst = Event.objects.create(
        page=p,
        kind=Kind.GAIN,
        start=start + timedelta(hours=4),
        end=start + timedelta(hours=5),
        size=12_040,
        expected=50,
        seen=12_090,
        confidence=0.99,
    )
    kept = effect_module.page_effect(p, start, now)
    assert (kept.gains, kept.purges) == (12_040, 0)
    assert kept.low <= 0 <= kept.high

    burst.review(Status.DISMISSED)
    from django.core.cache import cache

    cache.clear()
    counted = effect_module.page_effect(p, start, now)
    assert counted.gains == 0
    assert round(counted.effect - kept.effect) == 12_040


def test_the_campaign_total_adds_effects_and_widens_as_independent_errors():
    a = Effect(0, 0, -100, -130, -70)
    b = Effect(0, 0, -50, -90, -10)
    both = total([a, b])
    assert both.effect == -150
    assert round(both.effect - both.low) == 50  # sqrt(30^2 + 40^2)
    assert round(both.high - both.effect) == 50


def test_a_kept_fit_is_reused_while_the_pre_campaign_history_is_unchanged(monkeypatch):
    t, values = page()
    start = t[14 * 24]
    values = values + np.where(t >= start, -(t - start) / HOUR * 400, 0.0)
    first = estimate(t, values, start, t[15 * 24])
    assert isinstance(first, Effect) and first.fit is not None

    def no_fitting(self):
        raise AssertionError("the model was fitted again")

    monkeypatch.setattr(effect_module._Model, "fit", no_fitting)
    # Hours later: the same pre-period, so the kept fit forecasts to the new moment.
    later = estimate(t, values, start, t[16 * 24], fit=first.fit)
    again = estimate(t, values, start, t[15 * 24], fit=first.fit)
    assert later.fit == first.fit
    assert (again.low, again.effect, again.high) == (first.low, first.effect, first.high)
    truth = -48 * 400
    assert later.low <= truth <= later.high


def test_a_changed_pre_campaign_history_is_fitted_again(monkeypatch):
    t, values = page()
    start, now = t[14 * 24], t[15 * 24]
    kept = estimate(t[48:], values[48:], start, now).fit
    fitted = []
    real_fit = effect_module._Model.fit
    monkeypatch.setattr(
        effect_module._Model, "fit", lambda self: fitted.append(1) or real_fit(self)
    )
    # Two days of history imported for the time before the page was tracked (a backfill).
    result = estimate(t, values, start, now, fit=kept)
    assert fitted == [1]
    assert result.fit.key != kept.key
    assert result.pre_hours == 14 * 24


def test_the_interval_is_the_one_paths_drawn_from_the_model_give():
    """The model's distribution of the total is carried exactly; drawing paths from the fitted
    model (statsmodels' simulate) must land on the same quantiles, up to the draws' noise."""
    t, values = page(days=10)
    start, now = t[8 * 24], t[9 * 24 + 12]
    result = estimate(t, values, start, now)
    pre = effect_module._pre(t.astype(float), values.astype(float), start)
    model = effect_module._Model(np.diff(pre.values), pre.cycles)
    fitted = model.model.filter(np.array(result.fit.params))
    horizon = round((now - start) / HOUR)
    paths = fitted.simulate(horizon, anchor="end", repetitions=20_000, rng=np.random.default_rng(0))
    totals = np.asarray(paths).reshape(horizon, -1).sum(axis=0) * model.scale
    totals += model.centre * horizon
    low, middle, high = np.quantile(totals, [0.025, 0.5, 0.975])
    width = high - low
    assert abs(result.expected - middle) < 0.03 * width
    # The shown interval is the model's own widened by the calibration (tested below).
    own = (result.high - result.low) / 2 / effect_module.widening(result.fit.calibration, horizon)
    assert abs((result.expected - own) - low) < 0.03 * width
    assert abs((result.expected + own) - high) < 0.03 * width


def heavy_tailed_page(days=21, per_hour=50.0, seed=0):
    """Hourly counts with the traffic real pages have: over-dispersed changes, good and dull
    days that run on for days, and news spikes that bring many hours' worth at once."""
    rng = np.random.default_rng(seed)
    t = np.arange(days * 24) * HOUR
    cycle = 1 + 0.8 * np.sin(2 * np.pi * (t / HOUR % 24) / 24)
    mood = np.zeros(days + 1)
    for day in range(1, days + 1):
        mood[day] = 0.8 * mood[day - 1] + rng.normal(0, 0.4)
    mood = np.exp(np.interp(t / 86400, np.arange(days + 1), mood))
    spikes = np.zeros(len(t))
    for at in rng.choice(len(t) - 12, size=days // 2, replace=False):
        spikes[at : at + 12] += per_hour * rng.uniform(5, 20) * np.exp(-np.arange(12) / 3)
    rate = per_hour * cycle * mood + spikes
    changes = rng.negative_binomial(2, 2 / (2 + rate))
    return t, 1_000_000 + np.cumsum(changes)


def gaussian_half_width(t, values, start, now, fit):
    """The model's own 95 % half-width (Gaussian, uncalibrated) at `now`, with `fit`."""
    pre = effect_module._pre(t.astype(float), values.astype(float), start)
    model = effect_module._Model(np.diff(pre.values), pre.cycles)
    horizon = round((now - pre.grid[-1]) / pre.step)
    return 1.959964 * model.forecast_total(fit.params, horizon)[1]


def test_a_heavy_tailed_history_widens_the_interval_beyond_the_models_own():
    t, values = heavy_tailed_page()
    start, now = t[14 * 24], t[16 * 24]
    result = estimate(t, values, start, now)
    gaussian = gaussian_half_width(t, values, start, now, result.fit)
    # The backtests within the pre-period found errors beyond the Gaussian interval's reach.
    assert effect_module.widening(result.fit.calibration, 48) > 1.2
    assert (result.high - result.low) / 2 > 1.2 * gaussian


def test_the_models_own_interval_is_the_floor():
    t, values = page()
    start, now = t[14 * 24], t[16 * 24]
    result = estimate(t, values, start, now)
    gaussian = gaussian_half_width(t, values, start, now, result.fit)
    assert all(factor >= 1 for _, factor in result.fit.calibration)
    assert (result.high - result.low) / 2 >= gaussian * (1 - 1e-9)


def test_a_stored_fit_carries_its_calibration_and_a_refresh_uses_it_without_refitting(
    monkeypatch,
):
    t, values = heavy_tailed_page()
    start = t[14 * 24]
    first = estimate(t, values, start, t[15 * 24])
    stored = effect_module.Fit.from_dict(first.fit.as_dict())
    assert stored == first.fit and stored.calibration

    def no_fitting(self, *args):
        raise AssertionError("the model was fitted or calibrated again")

    monkeypatch.setattr(effect_module._Model, "fit", no_fitting)
    monkeypatch.setattr(effect_module._Model, "calibrate", no_fitting)
    again = estimate(t, values, start, t[15 * 24], fit=stored)
    assert (again.low, again.effect, again.high) == (first.low, first.effect, first.high)
    later = estimate(t, values, start, t[17 * 24], fit=stored)
    gaussian = gaussian_half_width(t, values, start, t[17 * 24], stored)
    widening = effect_module.widening(stored.calibration, 72)
    assert widening > 1
    assert (later.high - later.low) / 2 == pytest.approx(widening * gaussian, rel=1e-6)


def test_a_fit_stored_before_intervals_were_calibrated_is_not_reused():
    assert effect_module.Fit.from_dict({"key": "k", "params": [1.0, 2.0]}) is None


def test_just_under_two_days_before_the_campaign_still_says_so():
    t, values = page(days=4)
    start = t[47]
    result = estimate(t, values, start, t[70])
    assert isinstance(result, NoEffect) and "too little history" in result.reason
    # Two days is enough: the interval is calibrated on the little there is.
    result = estimate(t, values, t[48], t[70])
    assert isinstance(result, Effect) and result.fit.calibration
