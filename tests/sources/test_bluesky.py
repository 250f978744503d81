"""Bluesky: 25 actors a request from the public AppView, accounts gone, optional counts."""

import time
from datetime import UTC, datetime

import pytest

from likewatch.sources import registry
from likewatch.sources.base import Count
from likewatch.sources.bluesky import BlueskySource
from likewatch.sources.errors import AuthError, InvalidAnswer, NotFound, RateLimited
from tests.replay import drive

PROFILES = "/xrpc/app.bsky.actor.getProfiles"
PROFILE = "/xrpc/app.bsky.actor.getProfile"
BSKY_APP = "did:plc:z72i7hdynmk6r22z27h6tvur"
ATPROTO = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
GONE = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"


def source(replay):
    return BlueskySource({"base_url": replay.base_url})


def test_one_request_reads_the_batch_and_a_missing_account_fails_alone(replay):
    replay.route(PROFILES, "bluesky/profiles_batch")
    results = drive(source(replay), lambda s: s.read([BSKY_APP, ATPROTO, GONE]))
    asked = replay.asked(PROFILES)
    assert len(asked) == 1
    assert asked[0].query["actors"] == [BSKY_APP, ATPROTO, GONE]
    assert results[BSKY_APP].counts["followers"] == Count(847_023)
    assert results[ATPROTO].handle == "atproto.com"
    assert isinstance(results[GONE], NotFound)


def test_a_handle_resolves_to_the_did(replay):
    replay.route(PROFILE, "bluesky/profile_one", when={"actor": "bsky.app"})
    reading = drive(
        source(replay), lambda s: s.resolve(registry.parse("https://bsky.app/profile/bsky.app"))
    )
    assert reading.platform_id == BSKY_APP
    assert reading.name == "Bluesky"


@pytest.mark.parametrize("fixture", ["bluesky/profile_not_found", "bluesky/account_takedown"])
def test_unknown_and_taken_down_accounts_are_not_found(replay, fixture):
    replay.route(PROFILE, fixture)
    with pytest.raises(NotFound):
        drive(source(replay), lambda s: s.resolve(registry.parse("bsky:someone.example.com")))


def test_a_profile_without_followers_count_is_an_invalid_answer_not_zero(replay):
    replay.route(PROFILES, "bluesky/profile_no_count")
    results = drive(source(replay), lambda s: s.read([BSKY_APP]))
    assert isinstance(results[BSKY_APP].counts["followers"], InvalidAnswer)


def test_429_waits_for_the_ratelimit_reset(replay):
    reset = int(time.time()) + 300
    replay.route(PROFILES, "bluesky/too_many_requests", headers={"ratelimit-reset": str(reset)})
    src = source(replay)
    with pytest.raises(RateLimited) as refused:
        drive(src, lambda s: s.read([BSKY_APP]))
    assert refused.value.retry_at == datetime.fromtimestamp(reset, UTC)
    assert src.cooldown_until == refused.value.retry_at


def test_ratelimit_headers_slow_the_source_down_before_a_refusal(replay):
    replay.route(
        PROFILES,
        "bluesky/profiles_batch",
        headers={"ratelimit-remaining": "1", "ratelimit-reset": str(int(time.time()) + 300)},
    )
    src = source(replay)
    drive(src, lambda s: s.read([BSKY_APP]))
    assert 100 < (src.cooldown_until - datetime.now(UTC)).total_seconds() <= 150


def test_an_appview_asking_for_authentication_is_an_auth_error_saying_what_to_fix(replay):
    replay.route(PROFILES, "bluesky/unauthorized")
    with pytest.raises(AuthError) as refused:
        drive(source(replay), lambda s: s.read([BSKY_APP]))
    assert "BLUESKY_BASE_URL" in str(refused.value)


def test_a_truncated_body_is_an_invalid_answer(replay):
    replay.route(PROFILES, "bluesky/malformed")
    with pytest.raises(InvalidAnswer):
        drive(source(replay), lambda s: s.read([BSKY_APP]))
