"""Pages and campaigns: what the store accepts."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from likewatch.tracking.models import Campaign, Page

pytestmark = pytest.mark.django_db
T0 = datetime(2016, 2, 26, 22, 0, tzinfo=UTC)


def test_a_page_polls_every_five_minutes_by_default():
    page = Page.objects.create(platform="facebook", platform_id="1", metric="likes")
    assert page.interval == 300


def test_the_poll_interval_is_at_least_one_minute():
    page = Page(platform="facebook", platform_id="1", metric="likes", interval=30)
    with pytest.raises(ValidationError, match="at least 60"):
        page.full_clean()


def test_one_series_per_platform_id_and_metric():
    Page.objects.create(platform="facebook", platform_id="1", metric="likes")
    Page.objects.create(platform="facebook", platform_id="1", metric="followers")
    with pytest.raises(IntegrityError):
        Page.objects.create(platform="facebook", platform_id="1", metric="likes")


def test_a_page_is_stale_after_three_intervals_without_success():
    page = Page(platform="x", platform_id="1", metric="followers", interval=60)
    assert page.is_stale(T0)
    page.last_success_at = T0
    assert not page.is_stale(T0 + timedelta(minutes=3))
    assert page.is_stale(T0 + timedelta(minutes=3, seconds=1))


def test_the_label_falls_back_from_name_to_handle_to_id():
    page = Page(platform="x", platform_id="42", metric="followers")
    assert page.label == "42"
    page.handle = "someone"
    assert page.label == "someone"
    page.name = "Some One"
    assert page.label == "Some One"


def test_a_campaign_must_end_after_it_starts():
    campaign = Campaign(slug="c", title="C", starts_at=T0, ends_at=T0 - timedelta(hours=1))
    with pytest.raises(ValidationError, match="after the start"):
        campaign.full_clean()
