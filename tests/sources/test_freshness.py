"""An answer is dated by its own HTTP metadata: when the platform produced it."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from likewatch.sources import registry
from likewatch.sources.base import Count
from likewatch.sources.freshness import produced_at
from likewatch.sources.jsonapi import JSONSource
from tests.replay import drive

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def http(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def test_an_answer_from_the_origin_was_produced_when_it_is_dated():
    assert produced_at({"date": http(NOW - timedelta(seconds=2))}, NOW) == NOW - timedelta(
        seconds=2
    )


def test_a_cached_answer_is_as_old_as_its_age_or_its_date_whichever_says_older():
    # A CDN keeps the origin's Date and adds Age (RFC 9111): either may be the larger.
    fresh_date = {"date": http(NOW), "age": "7200"}
    assert produced_at(fresh_date, NOW) == NOW - timedelta(hours=2)
    old_date = {"date": http(NOW - timedelta(days=1)), "age": "60"}
    assert produced_at(old_date, NOW) == NOW - timedelta(days=1)


def test_a_later_last_modified_moves_the_moment_forwards_and_alone_dates_the_answer():
    headers = {"age": "3600", "last-modified": http(NOW - timedelta(minutes=10))}
    assert produced_at(headers, NOW) == NOW - timedelta(minutes=10)
    assert produced_at({"last-modified": http(NOW - timedelta(days=3))}, NOW) == NOW - timedelta(
        days=3
    )


def test_an_answer_with_no_date_or_an_unreadable_one_says_nothing():
    assert produced_at({"etag": '"abc"', "cache-control": "max-age=60"}, NOW) is None
    assert produced_at({"date": "yesterday", "age": "-5"}, NOW) is None


def test_a_platform_clock_ahead_of_ours_never_dates_an_answer_in_the_future():
    assert produced_at({"date": http(NOW + timedelta(minutes=5))}, NOW) == NOW


def test_a_reading_carries_the_date_of_the_answer_it_was_read_from(replay):
    # The petition's JSON as a CDN serves it from a cache filled two hours before.
    replay.route("/petitions/241584.json", "json/petition", headers={"Age": "7200"})
    ref = registry.parse(f"json:{replay.base_url}/petitions/241584.json data.id")
    before = datetime.now(UTC)
    reading = drive(JSONSource({}), lambda s: s.read([ref.key], ref.options))[ref.key]
    assert reading.counts["followers"] == Count(241_584)
    lag = (before - reading.produced_at).total_seconds()
    assert 7_190 <= lag <= 7_210

    # Answered afresh (the server's own Date, no Age): produced as it was fetched.
    replay.route("/petitions/1.json", "json/petition")
    ref = registry.parse(f"json:{replay.base_url}/petitions/1.json data.id")
    reading = drive(JSONSource({}), lambda s: s.read([ref.key], ref.options))[ref.key]
    assert abs((reading.produced_at - datetime.now(UTC)).total_seconds()) < 60
