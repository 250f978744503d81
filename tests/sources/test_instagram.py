"""Instagram professional accounts through business discovery."""

import pytest

from likewatch.sources import registry
from likewatch.sources.base import Count
from likewatch.sources.errors import AuthError, InvalidAnswer, NotFound, RateLimited
from likewatch.sources.instagram import InstagramSource
from tests.replay import drive

ME = "/v24.0/17841405309211844"


def source(replay):
    return InstagramSource(
        {"base_url": replay.base_url, "token": "test-token", "user_id": "17841405309211844"}
    )


def test_an_account_resolves_to_its_instagram_id_and_keeps_its_username(replay):
    replay.route(ME, "instagram/discovery")
    ref = registry.parse("https://www.instagram.com/BlueBottle/?hl=en")
    reading = drive(source(replay), lambda s: s.resolve(ref))
    assert reading.platform_id == "17841401441775531"
    assert reading.counts["followers"] == Count(267_793)
    assert ref.options == {"username": "bluebottle"}
    fields = replay.asked(ME)[0].param("fields")
    assert fields.startswith("business_discovery.username(bluebottle)")
    assert "test-token" not in reading.source_url


def test_reads_go_one_account_a_request_and_a_vanished_account_fails_alone(replay):
    replay.route(ME, "instagram/discovery")
    results = drive(
        source(replay), lambda s: s.read(["17841401441775531"], {"username": "bluebottle"})
    )
    assert results["17841401441775531"].counts["followers"] == Count(267_793)
    replay.route(ME, "instagram/not_business")
    results = drive(source(replay), lambda s: s.read(["42"], {"username": "nosuchaccount"}))
    assert isinstance(results["42"], NotFound)


def test_a_renamed_username_now_owned_by_someone_else_is_not_read_as_ours(replay):
    replay.route(ME, "instagram/discovery")
    results = drive(source(replay), lambda s: s.read(["999"], {"username": "bluebottle"}))
    assert isinstance(results["999"], NotFound)


def test_throttling_is_rate_limited(replay):
    replay.route(ME, "instagram/throttled")
    src = source(replay)
    with pytest.raises(RateLimited):
        drive(src, lambda s: s.resolve(registry.parse("ig:bluebottle")))
    assert src.cooldown_until is not None


def test_an_expired_token_is_an_auth_error_naming_the_variable(replay):
    replay.route(ME, "instagram/token_expired")
    with pytest.raises(AuthError) as refused:
        drive(source(replay), lambda s: s.resolve(registry.parse("ig:bluebottle")))
    assert "INSTAGRAM_TOKEN" in str(refused.value)


def test_an_answer_without_business_discovery_is_invalid(replay):
    replay.route(ME, "instagram/malformed")
    with pytest.raises(InvalidAnswer):
        drive(source(replay), lambda s: s.resolve(registry.parse("ig:bluebottle")))


def test_a_permission_error_names_the_permissions_the_token_needs(replay):
    replay.route(ME, "facebook/permissions_error_200")
    with pytest.raises(AuthError) as refused:
        drive(source(replay), lambda s: s.resolve(registry.parse("ig:nasa")))
    assert "instagram_basic" in refused.value.hint
