"""The poller reads every platform's pages through its source, over real HTTP."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from likewatch.poller.loop import Poller
from likewatch.tracking.models import FetchFailure, Observation, Page
from tests.replay import ReplayServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def replay(settings):
    with ReplayServer() as server:
        settings.LIKEWATCH_SOURCES = {
            **settings.LIKEWATCH_SOURCES,
            "youtube": {"base_url": server.base_url, "token": "k", "daily_quota": 10_000},
            "x": {"base_url": server.base_url, "token": "t"},
            "bluesky": {"base_url": server.base_url},
        }
        yield server


def due(platform: str, platform_id: str, metric: str) -> Page:
    return Page.objects.create(
        platform=platform,
        platform_id=platform_id,
        metric=metric,
        next_fetch_at=timezone.now() - timedelta(seconds=1),
    )


def poll() -> int:
    poller = Poller(owner="test")
    try:
        return poller.run_once()
    finally:
        poller.close()


def test_youtube_channels_are_recorded_with_their_rounding_step_or_as_hidden(replay):
    replay.route("/channels", "youtube/channels_batch")
    rounded = due("youtube", "UC_x5XG1OV2P6uZZ5FSM9Ttw", "subscribers")
    hidden = due("youtube", "UCkRfArvrzheW2E7b6SVT7vQ", "subscribers")
    gone = due("youtube", "UCzzzzzzzzzzzzzzzzzzzzzz", "subscribers")

    assert poll() == 3
    assert len(replay.asked("/channels")) == 1
    observed = Observation.objects.get(page=rounded)
    assert (observed.value, observed.precision) == (10_700_000, 100_000)
    assert Observation.objects.get(page=hidden).value is None
    assert FetchFailure.objects.get(page=gone).kind == "not_found"


def test_an_x_refusal_moves_the_pages_to_the_window_reset(replay):
    reset = int(datetime.now(UTC).timestamp()) + 600
    replay.route("/users", "x/too_many_requests", headers={"x-rate-limit-reset": str(reset)})
    page = due("x", "2244994945", "followers")

    poll()
    page.refresh_from_db()
    assert FetchFailure.objects.get(page=page).kind == "rate_limited"
    assert page.next_fetch_at >= datetime.fromtimestamp(reset, UTC)


def test_a_bluesky_profile_without_a_count_is_a_failure_not_a_zero(replay):
    replay.route("/xrpc/app.bsky.actor.getProfiles", "bluesky/profile_no_count")
    page = due("bluesky", "did:plc:z72i7hdynmk6r22z27h6tvur", "followers")

    poll()
    assert not Observation.objects.filter(page=page).exists()
    assert FetchFailure.objects.get(page=page).kind == "invalid"
