"""What every source shares: which raw figures become a Count, how a prefixed name is read, and
what credentials say."""

import pytest

from likewatch.sources.base import (
    PLAUSIBLE_LIMIT,
    Count,
    Credential,
    Source,
    after_prefix,
    checked_count,
)
from likewatch.sources.errors import InvalidAnswer


@pytest.mark.parametrize(
    ("raw", "count"),
    [(583_423, Count(583_423)), ("10700000", Count(10_700_000)), (" 42 ", Count(42))],
)
def test_whole_numbers_and_digit_strings_are_counts(raw, count):
    assert checked_count(raw, "followers_count") == count


@pytest.mark.parametrize(
    "raw", [None, 0, -5, PLAUSIBLE_LIMIT, 12.5, "1.2M", "١٢", True, [], {"n": 1}]
)
def test_missing_zero_negative_absurd_and_odd_figures_are_invalid_answers(raw):
    assert isinstance(checked_count(raw, "followers_count"), InvalidAnswer)


@pytest.mark.parametrize(
    ("text", "bare"),
    [
        ("ig:nasa", "nasa"),
        ("IG: NASA ", "NASA"),  # the prefix in any case; the name keeps its own
        ("instagram:@nasa", "@nasa"),  # an "@" is the platform's to strip, not the prefix's
        ("ig:", ""),  # a prefix with nothing after it is still a prefix (the parser refuses "")
    ],
)
def test_what_follows_a_platform_prefix_is_the_name_stripped_in_its_own_case(text, bare):
    assert after_prefix(text, ("ig:", "instagram:")) == bare


@pytest.mark.parametrize("text", ["nasa", "https://instagram.com/nasa", "xig:nasa", " ig:nasa"])
def test_text_that_does_not_begin_with_a_prefix_has_none(text):
    assert after_prefix(text, ("ig:", "instagram:")) is None


class Needy(Source):
    platform = "needy"
    metrics = ("followers",)
    credentials = (
        Credential("token", "NEEDY_TOKEN", "an API token"),
        Credential("account", "NEEDY_ACCOUNT", "your account id"),
    )

    def parse(self, text):
        return None

    async def resolve(self, ref):
        raise NotImplementedError

    async def read(self, keys, options=None):
        raise NotImplementedError


def test_a_source_names_every_missing_variable_and_what_goes_in_it():
    problem = Needy.credential_problem({"token": "x"})
    assert "NEEDY_ACCOUNT (your account id)" in problem and "NEEDY_TOKEN" not in problem
    assert Needy.credential_problem({"token": "x", "account": "y"}) == ""
