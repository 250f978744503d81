"""record_batch: many pages at once, leaving exactly what one-by-one recording leaves."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from likewatch.sources.base import Count
from likewatch.sources.errors import NotFound, RateLimited, Transient
from likewatch.tracking import history
from likewatch.tracking.models import FetchFailure, Observation, Page
from tests.faults.evidence import history_rows, verify_chain

T0 = datetime(2026, 5, 1, tzinfo=UTC)
pytestmark = pytest.mark.django_db

results = st.one_of(
    st.sampled_from([Count(100), Count(100), Count(101), Count(None), Count(100, precision=10)]),
    st.sampled_from([Transient("timed out"), NotFound("gone"), RateLimited("slow", retry_at=T0)]),
)
# Rounds of fetches: in each round, a result (or no fetch) for each of three pages.
rounds = st.lists(st.lists(st.one_of(st.none(), results), min_size=3, max_size=3), max_size=8)


def comparable(rows: list[dict]) -> list[dict]:
    # Hashes cover the page id, which differs between the two page sets: compare the rest,
    # and whether each record is sealed; verify_chain checks the hashes themselves.
    drop = {"page", "hash", "prev_hash"}
    return [
        {k: v for k, v in r.items() if k not in drop} | {"sealed": bool(r["hash"])} for r in rows
    ]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=rounds)
def test_a_batch_leaves_what_one_by_one_recording_leaves(plan):
    Page.objects.all().delete()
    one = [
        Page.objects.create(platform="x", platform_id=f"one{i}", metric="likes") for i in range(3)
    ]
    batch = [
        Page.objects.create(platform="x", platform_id=f"all{i}", metric="likes") for i in range(3)
    ]
    for n, round_ in enumerate(plan):
        at = T0 + timedelta(minutes=n)
        entries = []
        for i, result in enumerate(round_):
            if result is None:
                continue
            entries.append(history.Entry(batch[i], result, at, duration_ms=5))
            if isinstance(result, Count):
                history.record_count(one[i], result, at)
            else:
                history.record_failure(one[i], result, at, duration_ms=5)
        history.record_batch(entries)

    singles, batched = history_rows("one"), history_rows("all")
    for i in range(3):
        assert comparable(batched[f"all{i}"]) == comparable(singles[f"one{i}"])
        verify_chain(batched[f"all{i}"])
        a = Page.objects.get(platform_id=f"all{i}")
        b = Page.objects.get(platform_id=f"one{i}")
        fields = ("last_seq", "health", "last_success_at", "failures_in_row", "last_error")
        assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]


def test_the_caller_pages_follow_the_recorded_state():
    page = Page.objects.create(platform="x", platform_id="p", metric="likes")
    history.record_batch([history.Entry(page, Transient("down"), T0)])
    assert (page.last_seq, page.health, page.failures_in_row) == (1, "failing", 1)
    history.record_batch([history.Entry(page, Count(5), T0 + timedelta(minutes=1))])
    assert (page.last_seq, page.health, page.failures_in_row) == (2, "ok", 0)


def test_the_same_page_twice_in_a_batch_is_recorded_in_order():
    page = Page.objects.create(platform="x", platform_id="p", metric="likes")
    history.record_batch(
        [history.Entry(page, Count(5), T0), history.Entry(page, Count(6), T0 + timedelta(1))]
    )
    assert list(Observation.objects.values_list("seq", "value")) == [(1, 5), (2, 6)]


def test_a_page_deleted_since_its_claim_is_skipped():
    gone = Page.objects.create(platform="x", platform_id="gone", metric="likes")
    kept = Page.objects.create(platform="x", platform_id="kept", metric="likes")
    Page.objects.filter(pk=gone.pk).delete()
    records = history.record_batch(
        [history.Entry(gone, Count(1), T0), history.Entry(kept, NotFound("no"), T0)]
    )
    assert records[0] is None and isinstance(records[1], FetchFailure)
