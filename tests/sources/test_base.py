"""What every source shares: which raw figures become a Count, and what credentials say."""

import pytest

from likewatch.sources.base import PLAUSIBLE_LIMIT, Count, Credential, Source, checked_count
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
