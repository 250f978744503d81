"""Counts as web pages write them, in English, French and Arabic."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from likewatch.sources.base import Count
from likewatch.sources.errors import InvalidAnswer
from likewatch.sources.numbers import parse_count


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("1,234,567", Count(1_234_567)),
        ("1 234 567", Count(1_234_567)),
        ("1\u00a0234\u00a0567 abonnés", Count(1_234_567)),
        ("1\u202f234\u202f567", Count(1_234_567)),
        ("1.234.567", Count(1_234_567)),
        ("1.2M", Count(1_200_000, 100_000)),
        ("1,2 M", Count(1_200_000, 100_000)),
        ("3,1 k", Count(3_100, 100)),
        ("12K", Count(12_000, 1_000)),
        ("12 k abonnés", Count(12_000, 1_000)),
        ("12 مليون", Count(12_000_000, 1_000_000)),
        ("١٢٣٤٥٦٧", Count(1_234_567)),
        ("۱۲۳٬۴۵۶", Count(123_456)),
        ("\u200f٢٫٧ مليون متابع", Count(2_700_000, 100_000)),
        ("3.4B", Count(3_400_000_000, 100_000_000)),
        ("2,345,678 likes · 12 talking about this", Count(2_345_678)),
        ("Followers: 48", Count(48)),
    ],
)
def test_human_number_forms(text, count):
    assert parse_count(text) == count


def test_an_abbreviation_covers_the_truncated_range():
    # "1.2M" is what a platform shows for 1,200,000 to 1,299,999 followers.
    count = parse_count("1.2M")
    assert count.value <= 1_299_999 < count.value + count.precision


@pytest.mark.parametrize("text", ["", "no number here", "1,2", "0 followers", "12,34,5"])
def test_text_without_a_trustworthy_count_is_refused(text):
    with pytest.raises(InvalidAnswer):
        parse_count(text)


def test_a_year_before_a_count_is_not_glued_to_it():
    assert parse_count("2016 12 k") == Count(2016)


# Shared machines make timings vary: properties are checked without a deadline.
@settings(deadline=None)
@given(st.integers(min_value=1, max_value=10**12))
def test_every_grouping_of_a_whole_number_reads_back_the_same(value):
    for text in (f"{value:,}", f"{value:,}".replace(",", " "), f"{value:,}".replace(",", ".")):
        assert parse_count(text) == Count(value)


@settings(deadline=None)
@given(st.text())
def test_arbitrary_text_never_crashes_the_parser(text):
    try:
        count = parse_count(text)
    except InvalidAnswer:
        return
    assert count.value > 0 and count.precision >= 1
