"""The campaign's effect is estimated between rounds, stored, and shown; purges stay apart."""

from datetime import timedelta

import numpy as np
import pytest

from likewatch.analytics.change import campaign_change
from likewatch.analytics.milestones import reached
from likewatch.events import effects
from likewatch.events.models import EffectEstimate, Event, Kind, Status
from likewatch.tracking.models import Campaign, CampaignPage
from likewatch.web.board import snapshot
from tests.sharing_data import START, campaign, page, record_hourly

pytestmark = pytest.mark.django_db


def history(days_before=7, hours_after=24, loss_per_hour=2_000, seed=3):
    """Hourly counts: a page growing ~60 an hour, then losing `loss_per_hour` from START."""
    rng = np.random.default_rng(seed)
    values, value = [], 3_000_000
    for hour in range(-days_before * 24, hours_after + 1):
        value += int(rng.poisson(60)) - (loss_per_hour if hour > 0 else 0)
        values.append(value)
    return values, START - timedelta(days=days_before)


def test_the_effect_is_stored_and_shown_on_the_board_and_the_api(client):
    telecom = page("111", "Maroc Telecom")
    values, first = history()
    record_hourly(telecom, values, start=first)
    campaign(pages=[(telecom, "leave")])
    now = START + timedelta(hours=24)

    assert effects.refresh_one(now) is True
    assert effects.refresh_one(now) is False  # fresh for MAX_AGE: nothing due
    data = EffectEstimate.objects.get().data
    truth = -24 * 2_000
    assert data["low"] <= truth <= data["high"]

    board = snapshot(Campaign.objects.get(), now)
    shown = board["pages"][0]["effect"]
    # The campaign's way: people who left beyond the page's usual growth, a positive number.
    assert shown["low"] <= 48_000 <= shown["high"]
    assert shown["display"]["effect"].startswith("about +")
    assert board["total"]["effect"]["effect"] == shown["effect"]

    feed = client.get("/feeds/c/morocco-2016.atom").content.decode()
    assert "the campaign&#x27;s effect so far" in feed or "the campaign's effect so far" in feed
    assert "beyond the pages" in feed

    api = client.get("/api/campaigns/morocco-2016").json()
    assert api["effect"]["low"] <= 48_000 <= api["effect"]["high"]
    figures = ("effect", "low", "high", "removed", "gained")
    assert {k: api["pages"][0]["effect"][k] for k in figures} == {k: shown[k] for k in figures}


def test_an_estimate_is_shown_in_whole_people_and_no_estimate_as_none():
    shown = effects.Shown(48_123.5, 46_000.4, 50_250.6, removed=-100_000.2, gained=5_929.7)
    assert shown.people() == {
        "effect": 48_124,
        "low": 46_000,
        "high": 50_251,
        "removed": -100_000,
        "gained": 5_930,
    }
    none = effects.Shown(reason="too little history", removed=-3.4).people()
    assert none == {"effect": None, "low": None, "high": None, "removed": -3, "gained": 0}


def test_a_page_without_history_before_the_campaign_says_so():
    telecom = page("111", "Maroc Telecom")
    record_hourly(telecom, [3_000_000 - 2_000 * h for h in range(10)])
    campaign(pages=[(telecom, "leave")])
    effects.refresh_one(START + timedelta(hours=9))
    board = snapshot(Campaign.objects.get(), START + timedelta(hours=9))
    assert board["pages"][0]["effect"]["effect"] is None
    assert board["pages"][0]["effect"]["display"]["effect"] == (
        "too little history before the campaign"
    )
    assert board["total"]["effect"]["effect"] is None
    # ...and so does the campaign's total, which no later refresh will estimate (it said "not
    # estimated yet" for good: the demo's board).
    assert board["total"]["effect"]["display"]["effect"] == (
        "too little history before the campaign"
    )


def test_a_campaign_total_waits_for_every_page_estimate():
    telecom, inwi = page("111", "Maroc Telecom"), page("113", "inwi")
    record_hourly(telecom, [3_000_000 - 2_000 * h for h in range(10)])
    record_hourly(inwi, [2_700_000 - 1_000 * h for h in range(10)])
    campaign(pages=[(telecom, "leave"), (inwi, "leave")])
    effects.refresh(CampaignPage.objects.get(page=telecom), START + timedelta(hours=9))
    board = snapshot(Campaign.objects.get(), START + timedelta(hours=9))
    assert board["total"]["effect"]["display"]["effect"] == "not estimated yet"


def test_a_flagged_purge_is_not_counted_as_people_leaving():
    telecom = page("111", "Maroc Telecom")
    # 1,000 leave each hour; at hour 5 the platform removes 100,000 accounts.
    values = [3_000_000 - 1_000 * h - (100_000 if h >= 5 else 0) for h in range(10)]
    record_hourly(telecom, values)
    c = campaign(pages=[(telecom, "leave")], target=None)
    Event.objects.create(
        page=telecom,
        kind=Kind.PURGE,
        start=START + timedelta(hours=4),
        end=START + timedelta(hours=5),
        size=-100_000,
        expected=-1_000,
        seen=-101_000,
        confidence=0.99,
    )
    change = campaign_change(c, START + timedelta(hours=9))
    assert change.pages[0].removed == -100_000
    assert change.total_moved == 9_000
    assert max(m.moved for m in reached(c)) < 100_000

    # Dismissed by an organiser: it was people after all, and counts again.
    Event.objects.update(status=Status.DISMISSED)
    assert campaign_change(c, START + timedelta(hours=9)).total_moved == 109_000


def test_a_refresh_reuses_the_stored_fit_until_the_history_before_the_campaign_changes(
    monkeypatch,
):
    from likewatch.analytics import downsample

    # Charts downsample to their range: coarse buckets that widen as the range grows. The
    # model reads the history as recorded, so however coarse the charts, its input (and the
    # kept fit) stays the same from one refresh to the next.
    monkeypatch.setattr(downsample, "MAX_BUCKETS", 50)
    from likewatch.analytics import effect as model
    from likewatch.analytics.effect import PRE_DAYS
    from likewatch.sources.base import Count
    from likewatch.tracking.history import Entry, record_backfill
    from likewatch.tracking.models import Provenance

    telecom = page("111", "Maroc Telecom")
    values, first = history(days_before=PRE_DAYS - 2, hours_after=30)
    record_hourly(telecom, values, start=first)
    campaign(pages=[(telecom, "leave")])
    fits = []
    real_fit = model._Model.fit
    monkeypatch.setattr(model._Model, "fit", lambda self: fits.append(1) or real_fit(self))

    effects.refresh_one(START + timedelta(hours=12))
    stored = EffectEstimate.objects.get()
    assert fits == [1] and stored.fit["key"] and len(stored.fit["params"]) >= 4

    # Past MAX_AGE, the poller refreshes: the pre-campaign history is the same, so the
    # stored fit is reused and only the forecast moves on (the history is read as recorded:
    # a chart's points, downsampled to the range, would differ at every refresh).
    effects.refresh_one(START + timedelta(hours=24))
    assert fits == [1]
    data = EffectEstimate.objects.get().data
    assert data["low"] <= -24 * 2_000 <= data["high"]

    # Two days before the page was tracked are imported: the model learns them.
    rng = np.random.default_rng(9)
    older = values[0] - np.cumsum(rng.poisson(60, 48))[::-1]
    record_backfill(
        [
            Entry(telecom, Count(int(v)), first - timedelta(hours=48 - h), Provenance.IMPORTED)
            for h, v in enumerate(older)
        ]
    )
    effects.refresh_one(START + timedelta(hours=30))
    assert fits == [1, 1]
    refreshed = EffectEstimate.objects.get()
    assert refreshed.fit["key"] != stored.fit["key"]
    assert refreshed.data["pre_hours"] == PRE_DAYS * 24


def test_a_flagged_gain_on_one_page_is_taken_out_of_its_effect_and_said():
    from django.test import Client

    telecom = page("111", "Maroc Telecom")
    values, first = history()
    # An unusual burst of 12,040 on this page alone, six hours into the campaign.
    start_index = len(values) - 25
    values = [v + (12_040 if i >= start_index + 6 else 0) for i, v in enumerate(values)]
    record_hourly(telecom, values, start=first)
    campaign(pages=[(telecom, "leave")])
    Event.objects.create(
        page=telecom,
        kind=Kind.GAIN,
        start=START + timedelta(hours=5),
        end=START + timedelta(hours=6),
        size=12_040,
        expected=60,
        seen=12_100,
        confidence=0.99,
    )
    now = START + timedelta(hours=24)
    effects.refresh_one(now)
    data = EffectEstimate.objects.get().data
    assert data["gains"] == 12_040
    # Without the burst the page lost 48,000 beyond its usual growth: the burst hides none.
    assert data["low"] <= -48_000 <= data["high"]
    api = Client().get("/api/campaigns/morocco-2016").json()
    assert api["effect"]["gained"] == 12_040


def test_a_gain_straddling_the_start_is_taken_out_only_for_its_part_after_it():
    telecom = page("111", "Maroc Telecom")
    values, first = history()
    # A burst of 12,040 an hour before the start, in an event that ends an hour after it:
    # the count at the start already holds it, so the effect has nothing of it to take out.
    at = 7 * 24 - 1
    values = [v + (12_040 if i >= at else 0) for i, v in enumerate(values)]
    record_hourly(telecom, values, start=first)
    campaign(pages=[(telecom, "leave")])
    Event.objects.create(
        page=telecom,
        kind=Kind.GAIN,
        start=START - timedelta(hours=2),
        end=START + timedelta(hours=1),
        size=12_040,
        expected=180,
        seen=12_220,
        confidence=0.99,
    )
    effects.refresh_one(START + timedelta(hours=24))
    assert EffectEstimate.objects.get().data["gains"] == 0
    assert campaign_change(Campaign.objects.get(), START + timedelta(hours=24)).apart.gained == 0


def test_a_stale_estimate_is_refreshed_first_and_takes_the_new_flag_out_at_once():
    telecom, inwi = page("111", "Maroc Telecom"), page("222", "inwi")
    values, first = history()
    record_hourly(telecom, values, start=first)
    record_hourly(inwi, values, start=first)
    made = campaign(pages=[(telecom, "leave"), (inwi, "leave")])
    now = START + timedelta(hours=24)
    effects.refresh_one(now)
    effects.refresh_one(now)
    assert not effects.refresh_one(now + timedelta(minutes=1))  # both fresh: nothing due
    # A gain on inwi is flagged after its estimate: the writer marks it stale.
    Event.objects.create(
        page=inwi,
        kind=Kind.GAIN,
        start=START + timedelta(hours=5),
        end=START + timedelta(hours=6),
        size=5_000,
        expected=60,
        seen=5_060,
        confidence=0.99,
    )
    from likewatch.events import apart

    apart.changed([inwi.pk])
    later = now + timedelta(minutes=1)  # within the same five minutes, far within MAX_AGE
    assert effects.refresh_one(later)
    refreshed = EffectEstimate.objects.get(campaign=made, page=inwi)
    assert (refreshed.stale, refreshed.computed_at, refreshed.data["gains"]) == (
        False,
        later,
        5_000,
    )
    assert EffectEstimate.objects.get(campaign=made, page=telecom).computed_at == now
    assert not effects.refresh_one(later)
