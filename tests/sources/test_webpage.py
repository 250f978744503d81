"""Any web page: a CSS selector or a pattern, plain or through headless Chromium."""

import shutil

import pytest

from likewatch.sources import registry
from likewatch.sources.base import Count
from likewatch.sources.errors import AuthError, InvalidAnswer, NotFound, RateLimited
from likewatch.sources.webpage import WebPageSource, looks_like_login_wall
from tests.replay import drive


def read(replay, line):
    ref = registry.parse(line)
    results = drive(WebPageSource({}), lambda s: s.read([ref.key], ref.options))
    return results[ref.key]


def test_a_css_selector_reads_a_french_counter_with_narrow_spaces(replay):
    replay.route("/petition", "web/counter_fr")
    reading = read(replay, f"web:{replay.base_url}/petition span.counter")
    assert reading.counts["followers"] == Count(12_345)
    assert reading.provenance == "scrape"
    assert reading.name == "Non au blocage de la VoIP"


def test_a_pattern_reads_an_abbreviated_count_with_its_precision(replay):
    replay.route("/petition", "web/counter_fr")
    reading = read(replay, rf"web:{replay.base_url}/petition /(\d+ k) abonnés/")
    assert reading.counts["followers"] == Count(12_000, 1000)


def test_a_selector_that_matches_nothing_is_an_invalid_answer(replay):
    replay.route("/petition", "web/counter_fr")
    reading = read(replay, f"web:{replay.base_url}/petition .gone")
    assert isinstance(reading.counts["followers"], InvalidAnswer)


def test_a_missing_page_is_not_found_and_a_refusal_is_rate_limited(replay):
    replay.route("/busy", "json/too_many_requests")
    assert isinstance(read(replay, f"web:{replay.base_url}/gone .x"), NotFound)
    with pytest.raises(RateLimited):
        read(replay, f"web:{replay.base_url}/busy .x")


def test_a_login_wall_is_an_auth_error(replay):
    replay.route("/page", "web/facebook_login_wall")
    assert isinstance(read(replay, f"web:{replay.base_url}/page .count"), AuthError)


def test_login_walls_are_recognised_by_address_or_password_form():
    assert looks_like_login_wall("<html></html>", "https://www.facebook.com/login/?next=x")
    assert looks_like_login_wall('<form><input type="password"></form> Log in', "https://a.b/")
    assert not looks_like_login_wall("<p>12 k abonnés</p>", "https://a.b/page")


@pytest.mark.browser
@pytest.mark.skipif(not shutil.which("chromium"), reason="needs Debian's chromium")
def test_a_page_that_needs_scripts_is_read_through_headless_chromium(replay):
    replay.route("/live", "web/counter_scripted")
    line = f"web+js:members {replay.base_url}/live .counter"
    # Fetched plainly, the count is not there yet.
    assert isinstance(
        read(replay, line.replace("web+js:", "web:")).counts["members"], InvalidAnswer
    )
    reading = read(replay, line)
    assert reading.counts["members"] == Count(48_213)
