"""Times on the command line: ISO 8601 with a zone, "now" where a command allows it."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management.base import CommandError
from django.utils import timezone

from likewatch.cli import moments


def test_an_iso_time_with_a_zone_is_that_instant():
    assert moments.parse("2016-02-26T22:00:00Z", "--since") == datetime(2016, 2, 26, 22, tzinfo=UTC)
    plus_one = moments.parse("2016-02-26T23:00:00+01:00", "--since")
    assert plus_one == datetime(2016, 2, 26, 22, tzinfo=UTC)


def test_nothing_given_is_none():
    assert moments.parse(None, "--since") is None
    assert moments.parse("", "--since") is None


def test_a_time_without_a_zone_is_refused_not_guessed():
    with pytest.raises(CommandError, match="needs a time zone"):
        moments.parse("2016-02-26T22:00:00", "--start", now=True)


def test_now_is_the_present_only_where_allowed():
    before = timezone.now()
    parsed = moments.parse("now", "--start", now=True)
    assert before <= parsed <= timezone.now() + timedelta(seconds=1)
    assert moments.parse(" NOW ", "--start", now=True) is not None
    with pytest.raises(CommandError, match="not an ISO 8601 time") as refused:
        moments.parse("now", "--since")
    assert '"now"' not in str(refused.value)


def test_a_bad_time_names_the_option_and_the_forms_accepted():
    with pytest.raises(CommandError) as refused:
        moments.parse("soon", "--start", now=True)
    message = str(refused.value)
    assert "--start" in message and "'soon'" in message and '"now"' in message
