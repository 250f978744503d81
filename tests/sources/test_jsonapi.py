"""Any JSON endpoint: a URL and a JMESPath (or dotted JSONPath) expression."""

from datetime import UTC, datetime

import pytest

from likewatch.sources import registry
from likewatch.sources.base import Count
from likewatch.sources.errors import AuthError, InvalidAnswer, NotFound, RateLimited
from likewatch.sources.jsonapi import JSONSource
from tests.replay import drive


def ref_for(replay, expression="data.attributes.signature_count", path="/petitions/241584.json"):
    return registry.parse(f"json:{replay.base_url}{path} {expression}")


def test_the_expression_picks_the_count_and_the_page_keeps_url_and_expression(replay):
    replay.route("/petitions/241584.json", "json/petition")
    ref = ref_for(replay, "$.data.attributes.signature_count")
    assert ref.options["expression"] == "data.attributes.signature_count"
    reading = drive(JSONSource({}), lambda s: s.resolve(ref))
    assert reading.counts["followers"] == Count(6_103_056)
    assert reading.platform_id == ref.key


def test_a_metric_can_be_named_before_the_url(replay):
    replay.route("/petitions/241584.json", "json/petition")
    ref = registry.parse(f"json:members {replay.base_url}/petitions/241584.json data.id")
    reading = drive(JSONSource({}), lambda s: s.read([ref.key], ref.options))
    assert reading[ref.key].counts["members"] == Count(241_584)


def test_an_expression_that_finds_nothing_or_zero_is_an_invalid_answer(replay):
    replay.route("/petitions/241584.json", "json/petition")
    replay.route("/petitions/1.json", "json/petition_closed_zero")
    missing = ref_for(replay, "data.attributes.nope")
    zero = ref_for(replay, path="/petitions/1.json")
    results = drive(JSONSource({}), lambda s: s.read([missing.key], missing.options))
    assert isinstance(results[missing.key].counts["followers"], InvalidAnswer)
    results = drive(JSONSource({}), lambda s: s.read([zero.key], zero.options))
    assert isinstance(results[zero.key].counts["followers"], InvalidAnswer)


def test_a_missing_endpoint_is_not_found(replay):
    ref = ref_for(replay, path="/petitions/404.json")
    results = drive(JSONSource({}), lambda s: s.read([ref.key], ref.options))
    assert isinstance(results[ref.key], NotFound)


def test_429_waits_as_long_as_retry_after_says(replay):
    replay.route("/petitions/241584.json", "json/too_many_requests")
    ref = ref_for(replay)
    before = datetime.now(UTC)
    with pytest.raises(RateLimited) as refused:
        drive(JSONSource({}), lambda s: s.read([ref.key], ref.options))
    assert 119 <= (refused.value.retry_at - before).total_seconds() < 125


def test_ratelimit_headers_slow_the_source_down(replay):
    replay.route("/petitions/241584.json", "json/petition", headers={"RateLimit-Remaining": "2"})
    ref = ref_for(replay)
    src = JSONSource({})
    drive(src, lambda s: s.read([ref.key], ref.options))
    assert src.cooldown_until is not None


def test_an_endpoint_behind_a_login_is_an_auth_error(replay):
    replay.route("/petitions/241584.json", "json/forbidden")
    ref = ref_for(replay)
    with pytest.raises(AuthError):
        drive(JSONSource({}), lambda s: s.read([ref.key], ref.options))


def test_html_instead_of_json_is_an_invalid_answer(replay):
    replay.route("/petitions/241584.json", "json/malformed")
    ref = ref_for(replay)
    results = drive(JSONSource({}), lambda s: s.read([ref.key], ref.options))
    assert isinstance(results[ref.key], InvalidAnswer)


@pytest.mark.parametrize(
    "line", ["json:https://example.org/x", "json:notaurl data.x", "json:https://e.org/ a[?"]
)
def test_incomplete_or_malformed_lines_are_not_recognised(line):
    assert JSONSource.parse(JSONSource.__new__(JSONSource), line) is None
