"""A small campaign with recorded history, built only through the history writers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from likewatch.sources.base import Count
from likewatch.sources.errors import Transient
from likewatch.tracking.history import record_count, record_failure
from likewatch.tracking.models import Campaign, CampaignPage, Page


def make_page(name: str, platform_id: str, **fields) -> Page:
    return Page.objects.create(
        platform="facebook", platform_id=platform_id, metric="likes", name=name, **fields
    )


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def campaign(db, now):
    """Two pages over three hours: one loses 3,000 likes (with a failed fetch), one gains 500."""
    start = now - timedelta(hours=3)
    campaign = Campaign.objects.create(
        slug="operators",
        title="Unlike the operators",
        description="Leave the operators' pages.",
        starts_at=start,
        target=10_000,
    )
    telecom = make_page("Telecom", "111", url="https://www.facebook.com/telecom")
    mobile = make_page("Mobile", "222", url="https://www.facebook.com/mobile")
    CampaignPage.objects.create(campaign=campaign, page=telecom, direction="leave", position=0)
    CampaignPage.objects.create(campaign=campaign, page=mobile, direction="leave", position=1)
    source = "https://graph.facebook.com/v24.0/?ids=111"
    record_count(telecom, Count(100_000), start - timedelta(minutes=5), source_url=source)
    record_count(telecom, Count(100_000), start, source_url=source)
    record_count(telecom, Count(99_000), start + timedelta(hours=1), source_url=source)
    record_failure(telecom, Transient("connection reset"), start + timedelta(hours=1, minutes=30))
    record_count(telecom, Count(98_000), start + timedelta(hours=2), source_url=source)
    record_count(telecom, Count(97_000), now - timedelta(minutes=1), source_url=source)
    record_count(mobile, Count(50_000), start)
    record_count(mobile, Count(50_500), now - timedelta(minutes=1))
    return campaign


@pytest.fixture
def pages(campaign):
    return [entry.page for entry in campaign.entries.order_by("position")]


@pytest.fixture
def quick(settings):
    """Live updates checked every 20 ms, keep-alives every 200 ms."""
    settings.LIKEWATCH_LIVE_TICK = 0.02
    settings.LIKEWATCH_LIVE_KEEPALIVE = 0.2


@pytest.fixture
def django_asgi():
    """Django's ASGI application, keeping the test's database connection between requests
    (as Django's own test client does): a real request closes it when it ends."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from likewatch.asgi import django_application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield django_application
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
