"""YouTube channels: batch reads by id, rounding precision, hidden counts, the daily quota."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from likewatch.sources import registry
from likewatch.sources.base import Count
from likewatch.sources.errors import (
    AuthError,
    InvalidAnswer,
    MissingCredentials,
    NotFound,
    RateLimited,
)
from likewatch.sources.youtube import YouTubeSource, next_pacific_midnight, rounding_step
from tests.replay import drive

GOOGLE_DEV = "UC_x5XG1OV2P6uZZ5FSM9Ttw"
MAROON5 = "UCBVjMGOIkavEAhyqpxJ73Dw"
HIDDEN = "UCkRfArvrzheW2E7b6SVT7vQ"
GONE = "UCzzzzzzzzzzzzzzzzzzzzzz"


def source(replay, **config):
    return YouTubeSource({"base_url": replay.base_url, "token": "test-key", **config})


def test_one_call_reads_a_whole_batch_and_reports_the_missing_channel(replay):
    replay.route("/channels", "youtube/channels_batch")
    results = drive(source(replay), lambda s: s.read([GOOGLE_DEV, MAROON5, HIDDEN, GONE]))

    assert len(replay.asked("/channels")) == 1
    asked = replay.asked("/channels")[0]
    assert asked.param("id") == f"{GOOGLE_DEV},{MAROON5},{HIDDEN},{GONE}"
    assert asked.param("part") == "snippet,statistics"
    google = results[GOOGLE_DEV]
    assert google.counts["subscribers"] == Count(10_700_000, 100_000)
    assert google.name == "Google for Developers"
    assert "test-key" not in google.source_url
    assert results[MAROON5].counts["subscribers"] == Count(36_200_000, 100_000)
    assert isinstance(results[GONE], NotFound)


def test_a_hidden_subscriber_count_is_recorded_as_hidden_not_as_zero(replay):
    replay.route("/channels", "youtube/channels_batch")
    results = drive(source(replay), lambda s: s.read([HIDDEN]))
    assert results[HIDDEN].counts["subscribers"] == Count(None)


@pytest.mark.parametrize(
    ("value", "step"),
    [(999, 1), (1000, 10), (1230, 10), (12_300, 100), (10_700_000, 100_000), (1234, 1)],
)
def test_the_precision_is_the_three_significant_figures_rounding_step(value, step):
    assert rounding_step(value) == step


def test_a_handle_resolves_once_to_the_channel_id(replay):
    replay.route("/channels", "youtube/channel_handle", when={"forHandle": "@googledevelopers"})
    ref = registry.parse("youtube.com/@GoogleDevelopers")
    reading = drive(source(replay), lambda s: s.resolve(ref))
    assert reading.platform_id == GOOGLE_DEV
    assert reading.counts["subscribers"] == Count(2_450_000, 10_000)


def test_a_custom_url_is_tried_as_a_handle_then_as_a_legacy_username(replay):
    replay.route("/channels", "youtube/channels_empty", when={"forHandle": "@Google"})
    replay.route("/channels", "youtube/channel_handle", when={"forUsername": "Google"})
    ref = registry.parse("https://www.youtube.com/c/Google")
    reading = drive(source(replay), lambda s: s.resolve(ref))
    assert reading.platform_id == GOOGLE_DEV
    assert len(replay.asked("/channels")) == 2


def test_a_handle_in_arabic_script_is_recognised_and_asked_for_as_written(replay):
    replay.route("/channels", "youtube/channel_handle", when={"forHandle": "@قناة_الأخبار"})
    ref = registry.parse(
        "https://www.youtube.com/@%D9%82%D9%86%D8%A7%D8%A9_%D8%A7%D9%84%D8%A3%D8%AE%D8%A8%D8%A7%D8%B1"
    )
    assert ref.key == "@قناة_الأخبار"
    assert registry.parse(ref.url) == ref
    reading = drive(source(replay), lambda s: s.resolve(ref))
    assert reading.platform_id == GOOGLE_DEV


def test_an_unknown_handle_is_not_found(replay):
    replay.route("/channels", "youtube/channels_empty")
    ref = registry.parse("yt:@nosuchchannel")
    with pytest.raises(NotFound):
        drive(source(replay), lambda s: s.resolve(ref))


def test_quota_exceeded_waits_until_midnight_pacific(replay):
    replay.route("/channels", "youtube/quota_exceeded")
    src = source(replay)
    with pytest.raises(RateLimited) as refused:
        drive(src, lambda s: s.read([GOOGLE_DEV]))
    retry_at = refused.value.retry_at.astimezone(ZoneInfo("America/Los_Angeles"))
    assert (retry_at.hour, retry_at.minute) == (0, 0)
    assert retry_at > datetime.now(UTC)
    assert src.cooldown_until == refused.value.retry_at


def test_the_source_stops_at_its_daily_budget_instead_of_being_refused(replay):
    replay.route("/channels", "youtube/channels_batch")
    src = source(replay, daily_quota=3)

    async def four_reads(s):
        outcomes = []
        for _ in range(4):
            try:
                outcomes.append(await s.read([GOOGLE_DEV]))
            except RateLimited as exc:
                outcomes.append(exc)
        return outcomes

    outcomes = drive(src, four_reads)
    assert len(replay.asked("/channels")) == 3
    assert isinstance(outcomes[3], RateLimited)
    assert outcomes[3].retry_at == next_pacific_midnight(outcomes[3].retry_at - timedelta(hours=1))


def test_the_last_fifth_of_the_quota_is_spread_over_the_rest_of_the_day(replay):
    replay.route("/channels", "youtube/channels_batch")
    src = source(replay, daily_quota=10)
    drive(src, lambda s: s.read([GOOGLE_DEV]))
    assert src.cooldown_until is None
    src = source(replay, daily_quota=10)
    src.units_used = 7  # this read is the eighth of ten units
    src.quota_day = datetime.now(ZoneInfo("America/Los_Angeles")).date()
    drive(src, lambda s: s.read([GOOGLE_DEV]))
    now = datetime.now(UTC)
    midnight = next_pacific_midnight(now)
    assert now < src.cooldown_until < midnight
    assert src.cooldown_until - now == pytest.approx((midnight - now) / 3, abs=timedelta(seconds=5))


def test_an_invalid_key_is_an_auth_error_saying_what_to_fix(replay):
    replay.route("/channels", "youtube/key_invalid")
    with pytest.raises(AuthError) as refused:
        drive(source(replay), lambda s: s.read([GOOGLE_DEV]))
    assert "YOUTUBE_API_KEY" in str(refused.value)


def test_a_missing_key_says_which_variable_to_set(replay):
    with pytest.raises(MissingCredentials) as refused:
        drive(
            YouTubeSource({"base_url": replay.base_url, "token": ""}), lambda s: s.read([MAROON5])
        )
    assert "YOUTUBE_API_KEY" in str(refused.value)
    assert replay.requests == []


def test_a_malformed_body_is_an_invalid_answer(replay):
    replay.route("/channels", "youtube/malformed")
    with pytest.raises(InvalidAnswer):
        drive(source(replay), lambda s: s.read([GOOGLE_DEV]))
