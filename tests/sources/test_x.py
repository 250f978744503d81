"""X accounts: 100 ids a request, unknown accounts inside a 200 answer, x-rate-limit-* pacing."""

import time
from datetime import UTC, datetime

import pytest

from likewatch.sources import registry
from likewatch.sources.base import Count
from likewatch.sources.errors import AuthError, InvalidAnswer, NotFound, RateLimited
from likewatch.sources.x import XSource
from tests.replay import drive


def source(replay):
    return XSource({"base_url": replay.base_url, "token": "test-bearer"})


def test_one_request_reads_the_batch_and_an_unknown_id_fails_alone(replay):
    replay.route("/users", "x/users_batch")
    results = drive(source(replay), lambda s: s.read(["2244994945", "783214", "1"]))

    asked = replay.asked("/users")
    assert len(asked) == 1
    assert asked[0].param("ids") == "2244994945,783214,1"
    assert asked[0].headers["Authorization"] == "Bearer test-bearer"
    assert results["2244994945"].counts["followers"] == Count(583_423)
    assert results["2244994945"].handle == "XDevelopers"
    assert results["783214"].counts["followers"] == Count(67_391_048)
    assert isinstance(results["1"], NotFound)
    assert "Could not find user" in str(results["1"])


def test_a_handle_resolves_once_to_the_numeric_id(replay):
    replay.route("/users/by", "x/users_by_username", when={"usernames": "xdevelopers"})
    ref = registry.parse("https://twitter.com/XDevelopers?lang=fr")
    reading = drive(source(replay), lambda s: s.resolve(ref))
    assert reading.platform_id == "2244994945"
    assert reading.name == "X Developers"


def test_an_unknown_handle_is_not_found(replay):
    replay.route("/users/by", "x/users_by_unknown")
    with pytest.raises(NotFound):
        drive(source(replay), lambda s: s.resolve(registry.parse("x:@nosuchuser_xyz")))


def test_the_source_slows_down_as_the_window_runs_out(replay):
    reset = int(time.time()) + 600
    replay.route(
        "/users",
        "x/users_batch",
        headers={"x-rate-limit-remaining": "3", "x-rate-limit-reset": str(reset)},
    )
    src = source(replay)
    drive(src, lambda s: s.read(["2244994945"]))
    now = datetime.now(UTC)
    # Three requests left for ten minutes: the next one waits about a quarter of them.
    assert 120 < (src.cooldown_until - now).total_seconds() < 160


def test_plenty_left_means_no_pause(replay):
    replay.route(
        "/users", "x/users_batch", headers={"x-rate-limit-reset": str(int(time.time()) + 900)}
    )
    src = source(replay)
    drive(src, lambda s: s.read(["2244994945"]))
    assert src.cooldown_until is None


def test_429_waits_for_the_window_reset(replay):
    reset = int(time.time()) + 420
    replay.route("/users", "x/too_many_requests", headers={"x-rate-limit-reset": str(reset)})
    with pytest.raises(RateLimited) as refused:
        drive(source(replay), lambda s: s.read(["2244994945"]))
    assert refused.value.retry_at == datetime.fromtimestamp(reset, UTC)


def test_a_revoked_token_is_an_auth_error_naming_the_variable(replay):
    replay.route("/users", "x/unauthorized")
    with pytest.raises(AuthError) as refused:
        drive(source(replay), lambda s: s.read(["2244994945"]))
    assert "X_BEARER_TOKEN" in str(refused.value)


def test_an_html_page_instead_of_json_is_an_invalid_answer(replay):
    replay.route("/users", "x/malformed")
    with pytest.raises(InvalidAnswer):
        drive(source(replay), lambda s: s.read(["2244994945"]))
