"""Rollups: hourly and daily first/last/min/max, fed by every history write, rebuildable."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from likewatch.rollups import update
from likewatch.rollups.models import Grain, Rollup
from likewatch.sources.base import Count
from likewatch.tracking import consumers, history
from likewatch.tracking.models import Page

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def page():
    return Page.objects.create(platform="facebook", platform_id="1", metric="followers")


def record(page, value, minutes):
    return history.record_count(page, Count(value), T0 + timedelta(minutes=minutes))


def buckets(page, grain=Grain.HOUR):
    return list(
        Rollup.objects.filter(page=page, grain=grain)
        .order_by("start")
        .values_list("start", "first", "last", "low", "high")
    )


def test_every_recorded_count_lands_in_its_hour_and_day(page):
    for minutes, value in [(0, 100), (20, 90), (40, 120), (59, 110), (61, 105), (70, 105)]:
        record(page, value, minutes)
    assert buckets(page) == [
        (T0, 100, 110, 90, 120),
        (T0 + timedelta(hours=1), 105, 105, 105, 105),
    ]
    day = T0.replace(hour=0)
    assert buckets(page, Grain.DAY) == [(day, 100, 105, 90, 120)]


def test_an_extended_span_moves_the_bucket_it_reaches(page):
    record(page, 100, 0)
    record(page, 100, 30)  # extends the open span
    record(page, 100, 90)  # extends it into the next hour
    hours = Rollup.objects.filter(page=page, grain=Grain.HOUR).order_by("start")
    assert [(b.start, b.last_at) for b in hours] == [
        (T0, T0 + timedelta(minutes=30)),
        (T0 + timedelta(hours=1), T0 + timedelta(minutes=90)),
    ]


def test_hidden_counts_and_failures_make_no_bucket(page):
    history.record_count(page, Count(None), T0)
    from likewatch.sources.errors import Transient

    history.record_failure(page, Transient("timed out"), T0 + timedelta(minutes=1))
    assert not Rollup.objects.exists()


def test_samples_arriving_twice_or_out_of_order_change_nothing(page):
    samples = [(page.pk, 5, T0 + timedelta(minutes=m)) for m in (30, 10, 50)]
    update.add_samples(samples)
    once = buckets(page)
    update.add_samples(reversed(samples))
    update.add_samples(samples[:1])
    assert buckets(page) == once == [(T0, 5, 5, 5, 5)]
    update.add_samples([(page.pk, 7, T0 + timedelta(minutes=5))])
    assert buckets(page) == [(T0, 7, 5, 5, 7)]


def test_rebuild_recomputes_the_same_values_from_history(page):
    for minutes, value in [(0, 100), (20, 90), (40, 90), (130, 150), (1500, 80)]:
        record(page, value, minutes)
    live_hours, live_days = buckets(page), buckets(page, Grain.DAY)
    Rollup.objects.all().delete()
    call_command("rollups")
    assert buckets(page) == live_hours
    assert buckets(page, Grain.DAY) == live_days


def test_catch_up_adds_what_a_killed_process_left_out(page, monkeypatch):
    record(page, 100, 0)
    # As if the process died between its commit and handing the round to its consumers.
    monkeypatch.setattr(consumers, "deliver", lambda *args: None)
    record(page, 120, 65)
    assert buckets(page)[-1] == (T0, 100, 100, 100, 100)
    monkeypatch.undo()
    call_command("consumers", "catch-up", "rollups")
    assert buckets(page)[-1] == (T0 + timedelta(hours=1), 120, 120, 120, 120)
    assert consumers.catch_up(["rollups"]) == {"rollups": 0}


def test_rebuild_of_named_pages_leaves_the_others_alone(page):
    other = Page.objects.create(platform="facebook", platform_id="2", metric="followers")
    record(page, 1, 0)
    history.record_count(other, Count(2), T0)
    Rollup.objects.filter(page=other).update(last=99)
    update.rebuild([page])
    assert Rollup.objects.filter(page=other, last=99).count() == 2
