"""The real Facebook source, over real HTTP, against the Graph API simulator."""

import asyncio

import pytest

from likewatch.simulator.scenario import Incident
from likewatch.sources.base import Count, PageRef
from likewatch.sources.errors import AuthError, NotFound, RateLimited, Transient
from likewatch.sources.facebook import FacebookSource


def read(config, keys):
    async def go():
        source = FacebookSource(config)
        try:
            return await source.read(keys), source
        finally:
            await source.aclose()

    return asyncio.run(go())


def test_a_batch_reads_every_page_in_one_request(facebook_settings, simulator):
    results, _ = read(facebook_settings, ["MarocTelecom", "meditel", "inwi.ma"])

    assert simulator.requests == 1
    assert results["meditel"].name == "Meditel"
    assert results["meditel"].platform_id == "126004664087391"
    assert isinstance(results["inwi.ma"].counts["likes"], Count)
    assert "access_token" not in results["inwi.ma"].source_url


def test_a_missing_page_fails_alone(facebook_settings, simulator):
    results, _ = read(facebook_settings, ["MarocTelecom", "no-such-page"])

    assert isinstance(results["no-such-page"], NotFound)
    assert results["MarocTelecom"].counts["followers"].value > 3_000_000


def test_resolve_gives_the_stable_id(facebook_settings, simulator):
    async def go():
        source = FacebookSource(facebook_settings)
        ref = source.parse("https://m.facebook.com/MarocTelecom/?ref=bookmarks")
        try:
            return await source.resolve(ref)
        finally:
            await source.aclose()

    reading = asyncio.run(go())
    assert reading.platform_id == "110380648982071"


@pytest.mark.parametrize(
    ("kind", "error"),
    [("outage", Transient), ("rate_limit_storm", RateLimited), ("expired_token", AuthError)],
)
def test_incidents_become_typed_errors(facebook_settings, simulator, scenario, kind, error):
    scenario.incidents.append(Incident(kind=kind, at_hour=0, hours=1))
    with pytest.raises(error):
        read(facebook_settings, ["MarocTelecom"])


def test_a_rate_limit_says_when_to_retry(facebook_settings, simulator, scenario):
    scenario.incidents.append(Incident(kind="rate_limit_storm", at_hour=0, hours=1))
    with pytest.raises(RateLimited) as caught:
        read(facebook_settings, ["MarocTelecom"])
    assert caught.value.retry_at is not None


def test_high_usage_headers_slow_the_source_down(facebook_settings, scenario):
    from likewatch.simulator.server import GraphSimulator, SimClock

    clock = SimClock(1)
    clock.freeze(0)
    # One call is 80% of this allowance: enough to slow down, not yet refused.
    with GraphSimulator(scenario, clock=clock, calls_per_minute=1.25) as sim:
        config = {**facebook_settings, "base_url": sim.base_url}
        _, source = read(config, ["MarocTelecom"])
    assert source.cooldown_until is not None


def test_a_wrong_token_is_an_auth_error(facebook_settings, simulator):
    with pytest.raises(AuthError, match="190"):
        read({**facebook_settings, "token": "wrong"}, ["MarocTelecom"])


INWI = "https://www.facebook.com/inwi.ma"


def test_parse_recognises_page_addresses():
    source = FacebookSource({"base_url": "http://x", "api_version": "v1", "token": ""})
    assert source.parse("facebook.com/inwi.ma") == PageRef("facebook", "inwi.ma", url=INWI)
    assert source.parse("https://www.facebook.com/profile.php?id=100064").key == "100064"
    assert source.parse("https://www.facebook.com/pages/Inwi/138919722807476").key == (
        "138919722807476"
    )
    assert source.parse("https://www.facebook.com/groups/123") is None
    assert source.parse("https://example.com/inwi") is None
