"""Mastodon: any instance, lookup once to id@host, per-instance tokens and rate limits."""

from datetime import UTC, datetime, timedelta

from likewatch.sources import registry
from likewatch.sources.base import Count
from likewatch.sources.errors import AuthError, InvalidAnswer, NotFound, RateLimited
from likewatch.sources.mastodon import MastodonSource
from tests.replay import drive


def source(replay, tokens=None):
    return MastodonSource({"base_url": replay.base_url, "tokens": tokens or {}})


def test_an_account_resolves_once_to_its_id_on_its_home_server(replay):
    replay.route("/api/v1/accounts/lookup", "mastodon/account_gargron", when={"acct": "gargron"})
    reading = drive(source(replay), lambda s: s.resolve(registry.parse("@Gargron@mastodon.social")))
    assert reading.platform_id == "1@mastodon.social"
    assert reading.counts["followers"] == Count(370_000)
    assert reading.handle == "Gargron@mastodon.social"
    assert reading.source_url.startswith("https://mastodon.social/api/v1/accounts/lookup")


def test_a_batch_reads_each_account_and_a_missing_one_fails_alone(replay):
    replay.route("/api/v1/accounts/1", "mastodon/account_gargron")
    replay.route("/api/v1/accounts/109440137734600341", "mastodon/account_other")
    replay.route("/api/v1/accounts/77", "mastodon/record_not_found")
    keys = ["1@mastodon.social", "109440137734600341@fosstodon.org", "77@mastodon.social"]
    results = drive(source(replay), lambda s: s.read(keys))
    assert results[keys[0]].counts["followers"] == Count(370_000)
    assert results[keys[1]].counts["followers"] == Count(4312)
    assert isinstance(results[keys[2]], NotFound)


def test_a_zero_count_is_never_recorded(replay):
    replay.route("/api/v1/accounts/109440137734600341", "mastodon/account_zero")
    key = "109440137734600341@localhost.example"
    results = drive(source(replay), lambda s: s.read([key]))
    assert isinstance(results[key].counts["followers"], InvalidAnswer)


def test_a_refusing_instance_waits_without_holding_up_the_others(replay):
    reset = (datetime.now(UTC) + timedelta(minutes=4)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    replay.route(
        "/api/v1/accounts/5", "mastodon/too_many_requests", headers={"X-RateLimit-Reset": reset}
    )
    replay.route("/api/v1/accounts/1", "mastodon/account_gargron")
    src = source(replay)
    results = drive(src, lambda s: s.read(["5@busy.example", "1@mastodon.social"]))
    assert isinstance(results["5@busy.example"], RateLimited)
    assert results["5@busy.example"].retry_at == datetime.fromisoformat(
        reset.replace("Z", "+00:00")
    )
    assert results["1@mastodon.social"].counts["followers"] == Count(370_000)
    assert src.cooldown_until is None  # the platform as a whole is not paused


def test_x_ratelimit_headers_pace_each_instance(replay):
    reset = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    replay.route(
        "/api/v1/accounts/1",
        "mastodon/account_gargron",
        headers={"X-RateLimit-Remaining": "4", "X-RateLimit-Reset": reset},
    )
    src = source(replay)
    drive(src, lambda s: s.read(["1@mastodon.social"]))
    pause = src.host_cooldown["mastodon.social"] - datetime.now(UTC)
    assert timedelta(seconds=50) < pause <= timedelta(seconds=61)


def test_an_instance_that_requires_a_token_says_how_to_give_one(replay):
    replay.route("/api/v1/accounts/1", "mastodon/authorized_fetch")
    results = drive(source(replay), lambda s: s.read(["1@private.example"]))
    assert isinstance(results["1@private.example"], AuthError)
    assert "MASTODON_TOKENS" in str(results["1@private.example"])


def test_the_instance_token_is_sent_to_its_own_instance_only(replay):
    replay.route("/api/v1/accounts/1", "mastodon/account_gargron")
    drive(
        source(replay, tokens={"mastodon.social": "tok-1"}),
        lambda s: s.read(["1@mastodon.social", "1@other.example"]),
    )
    sent = sorted(r.headers.get("Authorization", "") for r in replay.asked("/api/v1/accounts/1"))
    assert sent == ["", "Bearer tok-1"]


def test_a_maintenance_page_is_an_invalid_answer(replay):
    replay.route("/api/v1/accounts/1", "mastodon/malformed")
    results = drive(source(replay), lambda s: s.read(["1@mastodon.social"]))
    assert isinstance(results["1@mastodon.social"], InvalidAnswer)
