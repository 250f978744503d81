"""A silence longer than an interval (pollers stopped, database down) is a gap, not a span."""

from datetime import timedelta

import pytest
from django.utils import timezone

from likewatch.poller.loop import Poller
from likewatch.sources.base import Count
from likewatch.tracking import history
from likewatch.tracking.models import FetchFailure, Observation, Page

pytestmark = pytest.mark.django_db


def poll(facebook_settings) -> None:
    poller = Poller(owner="test")
    try:
        assert poller.run_once() == 1
    finally:
        poller.close()


def tracked(late: timedelta, recorded: bool = True) -> Page:
    page = Page.objects.create(
        platform="facebook", platform_id="MarocTelecom", metric="likes", interval=300
    )
    if recorded:
        history.record_count(page, Count(3_100_000), timezone.now() - late - timedelta(minutes=5))
    Page.objects.filter(pk=page.pk).update(next_fetch_at=timezone.now() - late)
    return page


def test_a_page_fetched_long_after_it_was_due_gets_a_gap_before_its_new_value(facebook_settings):
    page = tracked(late=timedelta(minutes=40))
    poll(facebook_settings)
    records = sorted(
        [*Observation.objects.filter(page=page), *FetchFailure.objects.filter(page=page)],
        key=lambda r: r.seq,
    )
    assert [type(r).__name__ for r in records] == ["Observation", "FetchFailure", "Observation"]
    gap = records[1]
    assert gap.kind == "transient" and "likewatch was not polling" in gap.message
    assert records[0].last_seen < gap.at < records[2].first_seen
    page.refresh_from_db()
    assert page.health == "ok" and page.failures_in_row == 0


def test_an_ordinary_delay_is_no_gap(facebook_settings):
    page = tracked(late=timedelta(seconds=90))
    poll(facebook_settings)
    assert not FetchFailure.objects.filter(page=page).exists()


def test_a_page_never_fetched_before_starts_with_its_first_value(facebook_settings):
    page = tracked(late=timedelta(days=3), recorded=False)
    poll(facebook_settings)
    assert not FetchFailure.objects.filter(page=page).exists()
    assert Observation.objects.filter(page=page).count() == 1
