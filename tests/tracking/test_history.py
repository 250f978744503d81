"""A page's history: compact spans, failures as gaps, and a chain of hashes."""

from datetime import UTC, datetime, timedelta

import pytest

from likewatch.sources.base import Count
from likewatch.sources.errors import NotFound, RateLimited
from likewatch.tracking import chain
from likewatch.tracking.history import record_count, record_failure
from likewatch.tracking.models import FetchFailure, Health, Observation, Page

T0 = datetime(2016, 2, 26, 22, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def minutes(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


@pytest.fixture
def page():
    return Page.objects.create(platform="facebook", platform_id="1", metric="likes", name="P")


def test_an_unchanged_count_extends_the_open_span_instead_of_adding_a_row(page):
    record_count(page, Count(1000), minutes(0))
    record_count(page, Count(1000), minutes(5))
    span = record_count(page, Count(1000), minutes(10))

    assert Observation.objects.count() == 1
    assert (span.first_seen, span.last_seen, span.fetches) == (minutes(0), minutes(10), 3)
    assert span.is_open


def test_a_new_value_seals_the_previous_span_and_chains_to_it(page):
    first = record_count(page, Count(1000), minutes(0))
    second = record_count(page, Count(990), minutes(5))

    first.refresh_from_db()
    assert first.hash == chain.observation_hash(first)
    assert second.prev_hash == first.hash
    assert (first.seq, second.seq) == (1, 2)
    assert second.is_open


def test_a_sealed_span_hash_covers_its_final_state(page):
    first = record_count(page, Count(1000), minutes(0))
    record_count(page, Count(1000), minutes(5))
    record_count(page, Count(990), minutes(10))
    first.refresh_from_db()

    first.fetches = 1  # what the span looked like before its second fetch
    assert chain.observation_hash(first) != first.hash


def test_a_failure_is_a_sealed_record_and_breaks_the_span(page):
    record_count(page, Count(1000), minutes(0))
    failure = record_failure(page, NotFound("gone"), minutes(5), duration_ms=120)
    after = record_count(page, Count(1000), minutes(10))

    assert failure.hash == chain.failure_hash(failure)
    assert after.seq == 3 and after.prev_hash == failure.hash
    assert Observation.objects.count() == 2  # same value, but the gap separates the spans
    assert failure.duration_ms == 120 and failure.kind == "not_found"


def test_health_follows_the_last_fetch(page):
    record_failure(page, RateLimited("slow down", retry_at=minutes(30)), minutes(0))
    record_failure(page, RateLimited("slow down"), minutes(5))
    page.refresh_from_db()
    assert page.health == Health.FAILING and page.failures_in_row == 2
    assert FetchFailure.objects.first().retry_at == minutes(30)

    record_count(page, Count(5), minutes(10))
    page.refresh_from_db()
    assert page.health == Health.OK and page.failures_in_row == 0
    assert page.last_success_at == minutes(10)


def test_a_change_of_precision_or_a_hidden_count_starts_a_new_span(page):
    record_count(page, Count(10_700_000, precision=100_000), minutes(0))
    record_count(page, Count(10_700_000, precision=1), minutes(5))
    hidden = record_count(page, Count(None), minutes(10))

    assert Observation.objects.count() == 3
    assert hidden.value is None


def test_the_whole_chain_recomputes_from_the_records(page):
    for i, value in enumerate([10, 10, 9, 9, 8]):
        record_count(page, Count(value), minutes(i))
    record_failure(page, NotFound("gone"), minutes(9))
    record_count(page, Count(8), minutes(10))

    records = sorted(
        [*Observation.objects.filter(page=page), *FetchFailure.objects.filter(page=page)],
        key=lambda r: r.seq,
    )
    previous = chain.GENESIS
    for record in records[:-1]:  # the last span is still open
        assert record.prev_hash == previous
        rehash = (
            chain.observation_hash(record)
            if isinstance(record, Observation)
            else chain.failure_hash(record)
        )
        assert record.hash == rehash
        previous = record.hash
    assert [r.seq for r in records] == list(range(1, len(records) + 1))
