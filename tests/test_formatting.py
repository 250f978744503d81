"""Formatting, the one home of how numbers and times read on every surface."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from likewatch import formatting

NOW = datetime(2026, 12, 1, 21, 45, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "168,634"), ("fr", "168\u202f634"), ("ar", "168,634")],
)
def test_counts_are_grouped_as_the_locale_says(language, expected):
    with translation.override(language):
        assert formatting.number(168634) == expected


def test_one_minus_sign_everywhere():
    for language in ("en", "fr", "ar"):
        with translation.override(language):
            for text in (formatting.number(-4104), formatting.signed(-4104)):
                assert text.startswith("\u2212") and "-" not in text
            assert formatting.percent(-3.0).startswith("\u2212")
            assert formatting.compact(-3_150_000).startswith("\u2212")


def test_signs_of_changes():
    with translation.override("en"):
        assert formatting.signed(1234) == "+1,234"
        assert formatting.signed(-1234) == "\u22121,234"
        assert formatting.signed(0) == "0"
        assert formatting.signed(-0.2) == "0"
        assert formatting.signed(None) == "\u2013"
        assert formatting.number(None) == "\u2013"


def test_small_moves_of_big_pages_still_show_in_percent():
    with translation.override("en"):
        assert formatting.percent(-0.00094) == "\u22120.001\u00a0%"
        assert formatting.percent(0.0) == "0.000\u00a0%"
        assert formatting.percent(None) == "\u2013"


def test_compact_forms_keep_enough_digits_to_differ():
    with translation.override("en"):
        assert formatting.compact(3_150_000) == "3.15M"
        assert formatting.compact(3_160_000) != formatting.compact(3_150_000)
        assert formatting.compact(9_999) == "9,999"
    with translation.override("fr"):
        assert formatting.compact(3_150_000) == "3,15\u00a0M"


def test_an_estimate_and_its_interval_are_rounded_alike_to_what_the_interval_can_tell():
    # A width of 5,509: hundreds are what it tells apart, so the units are not quoted.
    assert formatting.estimate(52_086.4, 49_284.2, 54_793.7) == (52_100, 49_300, 54_800)
    # The issue's own example keeps every digit it gave.
    assert formatting.estimate(61_000, 58_500, 63_400) == (61_000, 58_500, 63_400)
    # Signs are kept; a narrow interval keeps its units.
    assert formatting.estimate(-3_012.6, -3_400.2, -2_611.9) == (-3_010, -3_400, -2_610)
    assert formatting.estimate(12.4, 3.2, 21.7) == (12, 3, 22)
    assert formatting.estimate(5.0, 5.0, 5.0) == (5, 5, 5)


def test_times_in_text_say_their_zone():
    with translation.override("en"):
        assert formatting.clock(NOW) == "21:45 UTC"
        assert formatting.moment(NOW, now=NOW) == "21:45 UTC"
        assert formatting.moment(NOW, now=NOW + timedelta(days=2)) == "Dec 1, 2026, 21:45 UTC"
    with translation.override("fr"):
        assert formatting.full_moment(NOW) == "1 déc. 2026, 21:45 UTC"


def test_arabic_dates_read_day_month_year():
    with translation.override("ar"):
        assert formatting.date(NOW) == "1 ديسمبر 2026"
        assert formatting.day(NOW, now=NOW) == "1 ديسمبر"


def test_exports_use_iso_8601_in_utc():
    assert formatting.iso(datetime(2026, 12, 1, 22, 45, 7, 500, tzinfo=UTC)) == (
        "2026-12-01T22:45:07Z"
    )
    assert formatting.iso(None) == ""


def test_relative_times():
    with translation.override("en"):
        assert formatting.relative(NOW - timedelta(minutes=3), now=NOW) == "3 minutes ago"
        assert formatting.relative(NOW + timedelta(minutes=1), now=NOW) == "in 1 minute"
        assert formatting.relative(NOW, now=NOW) == "just now"
    with translation.override("fr"):
        assert formatting.relative(NOW - timedelta(minutes=3), now=NOW) == "il y a 3 minutes"


def test_durations_read_in_words_with_plurals():
    with translation.override("en"):
        assert formatting.duration(timedelta(days=2, hours=3, minutes=5)) == "2 days 3 hours"
        assert formatting.duration(timedelta(minutes=1)) == "1 minute"
        assert formatting.minutes(1) == "1 minute"
        assert formatting.minutes(5) == "5 minutes"
        assert formatting.duration(timedelta(seconds=20)) == "less than a minute"
        assert formatting.duration(timedelta(0)) == "0 minutes"
        assert formatting.duration(None) == "\u2013"
    with translation.override("fr"):
        assert formatting.duration(timedelta(hours=5, minutes=10)) == "5 heures 10 minutes"


def test_durations_with_their_seconds_for_what_happens_within_a_minute():
    # A move on a page fetched every ten seconds: "less than a minute" would say nothing.
    with translation.override("en"):
        assert formatting.duration(timedelta(seconds=40), seconds=True) == "40 seconds"
        assert formatting.duration(timedelta(seconds=1), seconds=True) == "1 second"
        assert formatting.duration(timedelta(seconds=150), seconds=True) == "2 minutes 30 seconds"
        assert formatting.duration(timedelta(minutes=3), seconds=True) == "3 minutes"
        # Two units at most, as without seconds.
        assert formatting.duration(timedelta(hours=1, minutes=2, seconds=5), seconds=True) == (
            "1 hour 2 minutes"
        )
        assert formatting.duration(timedelta(0), seconds=True) == "0 seconds"
    with translation.override("fr"):
        assert formatting.duration(timedelta(seconds=30), seconds=True) == "30 secondes"
    with translation.override("ar"):
        assert formatting.duration(timedelta(seconds=2), seconds=True) == "ثانيتان"
        assert formatting.duration(timedelta(seconds=5), seconds=True).endswith("ثوانٍ")


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, "0 شخص"),
        (1, "شخص واحد"),
        (2, "شخصان"),
        (5, "5 أشخاص"),
        (11, "11 شخصًا"),
        (100, "100 شخص"),
    ],
)
def test_arabic_people_use_all_six_plural_forms(count, expected):
    with translation.override("ar"):
        assert formatting.people(count) == expected


FSI, PDI = "\u2068", "\u2069"


def test_in_a_right_to_left_language_every_inserted_value_is_isolated():
    with translation.override("ar"):
        assert formatting.isolate("MarocTelecom") == FSI + "MarocTelecom" + PDI
        assert formatting.isolate(formatting.signed(-4104)) == FSI + "\u22124,104" + PDI
        values = formatting.isolated({"page": "inwi.ma", "url": "https://x.ma/c/", "n": 3})
        assert values == {
            "page": FSI + "inwi.ma" + PDI,
            "url": FSI + "https://x.ma/c/" + PDI,
            "n": 3,
        }
        # Already isolated, or empty: left as it is.
        assert formatting.isolate(FSI + "x" + PDI) == FSI + "x" + PDI
        assert formatting.isolate("") == ""


def test_in_a_left_to_right_language_only_right_to_left_text_is_isolated():
    for language in ("en", "fr"):
        with translation.override(language):
            assert formatting.isolate("Maroc Telecom") == "Maroc Telecom"
            assert formatting.isolate("\u22124,104") == "\u22124,104"
            assert formatting.isolate("اتصالات المغرب") == FSI + "اتصالات المغرب" + PDI
