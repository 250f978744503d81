"""record_batch, the one write path: a batch of fetches is one transaction, by the rules."""

from datetime import UTC, datetime, timedelta

import pytest

from likewatch.sources.base import Count
from likewatch.sources.errors import NotFound, Transient
from likewatch.tracking import consumers, history
from likewatch.tracking.models import FetchFailure, Observation, Page, Round
from tests.faults.evidence import history_rows, verify_chain

T0 = datetime(2026, 5, 1, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def make_pages(n: int, prefix: str = "p") -> list[Page]:
    return [
        Page.objects.create(platform="x", platform_id=f"{prefix}{i}", metric="likes")
        for i in range(n)
    ]


def shape(rows: list[dict]) -> list[tuple]:
    return [(r["type"], r.get("value"), r.get("fetches"), bool(r["hash"])) for r in rows]


def test_each_page_of_a_batch_follows_the_rules():
    stable, moving, failing = make_pages(3)
    history.record_batch([history.Entry(p, Count(100), at(0)) for p in (stable, moving, failing)])
    history.record_batch(
        [
            history.Entry(stable, Count(100), at(1)),  # same value: the open span grows
            history.Entry(moving, Count(101), at(1)),  # new value: sealed span, new one
            history.Entry(failing, Transient("timed out"), at(1)),  # a gap, sealed at once
        ]
    )
    rows = history_rows("p")
    assert shape(rows["p0"]) == [("observation", 100, 2, False)]
    assert shape(rows["p1"]) == [("observation", 100, 1, True), ("observation", 101, 1, False)]
    assert shape(rows["p2"]) == [("observation", 100, 1, True), ("failure", None, None, True)]
    for page_rows in rows.values():
        verify_chain(page_rows)
    failing.refresh_from_db()
    assert (failing.health, failing.failures_in_row, failing.last_error) == (
        "failing",
        1,
        "timed out",
    )


def test_a_batch_costs_the_same_statements_for_three_pages_or_thirty():
    def statements(n: int, prefix: str) -> int:
        pages = make_pages(n, prefix)
        history.record_batch([history.Entry(p, Count(1), at(0)) for p in pages])
        # Every kind of write in both: extended spans, new spans (sealing), a failure.
        entries = [
            history.Entry(p, Count(1) if i % 3 == 1 else Count(2), at(1))
            for i, p in enumerate(pages)
        ]
        entries[0] = history.Entry(pages[0], NotFound("gone"), at(1))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            history.record_batch(entries)
        return len(queries)

    assert statements(3, "a") == statements(30, "b")


def test_a_round_of_extended_spans_asks_for_no_failures_and_writes_only_what_changed():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pages = make_pages(3)
    history.record_batch([history.Entry(p, Count(1), at(0)) for p in pages])
    with CaptureQueriesContext(connection) as queries:
        history.record_batch([history.Entry(p, Count(1), at(1)) for p in pages])
    statements = [q["sql"] for q in queries.captured_queries]
    # Every page's newest record is a span: there is no failure to look for.
    assert not any("tracking_fetchfailure" in sql for sql in statements)
    (page_update,) = [sql for sql in statements if 'UPDATE "tracking_page"' in sql]
    assert "last_success_at" in page_update
    for unchanged in ("last_seq", "health", "failures_in_row", "last_error"):
        assert f'"{unchanged}"' not in page_update
    for page in pages:
        page.refresh_from_db()
        assert (page.last_seq, page.last_success_at, page.health) == (1, at(1), "ok")


def test_leases_given_up_with_a_batch_end_in_the_update_that_writes_the_page_state():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    released, kept = make_pages(2)
    history.record_batch([history.Entry(p, Count(1), at(0)) for p in (released, kept)])
    Page.objects.update(lease_owner="poller-1", lease_until=at(2))
    with CaptureQueriesContext(connection) as queries:
        history.record_batch(
            [history.Entry(p, Count(1), at(1)) for p in (released, kept)],
            release=[released.pk],
        )
    (page_update,) = [
        q["sql"] for q in queries.captured_queries if 'UPDATE "tracking_page"' in q["sql"]
    ]
    assert '"lease_owner"' in page_update and '"last_success_at"' in page_update
    released.refresh_from_db()
    kept.refresh_from_db()
    assert (released.lease_owner, released.lease_until) == ("", None)
    assert (kept.lease_owner, kept.lease_until) == ("poller-1", at(2))
    assert released.last_success_at == kept.last_success_at == at(1)


def test_spans_extended_and_spans_sealed_in_one_round_are_one_update():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    stable, moving = make_pages(2)
    history.record_batch([history.Entry(p, Count(1), at(0)) for p in (stable, moving)])
    with CaptureQueriesContext(connection) as queries:
        history.record_batch(
            [history.Entry(stable, Count(1), at(1)), history.Entry(moving, Count(2), at(1))]
        )
    updates = [q["sql"] for q in queries.captured_queries]
    assert len([sql for sql in updates if 'UPDATE "tracking_observation"' in sql]) == 1
    rows = history_rows("p")
    assert shape(rows["p0"]) == [("observation", 1, 2, False)]
    assert shape(rows["p1"]) == [("observation", 1, 1, True), ("observation", 2, 1, False)]
    for page_rows in rows.values():
        verify_chain(page_rows)


def test_a_page_whose_newest_record_is_a_failure_is_linked_to_it_beside_spans():
    down, up = make_pages(2)
    history.record_batch(
        [history.Entry(down, Transient("down"), at(0)), history.Entry(up, Count(3), at(0))]
    )
    history.record_batch([history.Entry(down, Count(5), at(1)), history.Entry(up, Count(3), at(1))])
    rows = history_rows("p")
    assert shape(rows["p0"]) == [("failure", None, None, True), ("observation", 5, 1, False)]
    assert shape(rows["p1"]) == [("observation", 3, 2, False)]
    verify_chain(rows["p0"])
    down.refresh_from_db()
    # Its recovery rewrote the failure state; the last error stays as it was.
    assert (down.last_seq, down.health, down.failures_in_row, down.last_error) == (
        2,
        "ok",
        0,
        "down",
    )


def test_the_same_page_twice_in_a_batch_is_recorded_in_order():
    (page,) = make_pages(1)
    history.record_batch(
        [
            history.Entry(page, Count(5), at(0)),
            history.Entry(page, Count(5), at(1)),  # extends the span the batch opened
            history.Entry(page, Count(6), at(2)),  # seals it
            history.Entry(page, Transient("reset"), at(3)),
        ]
    )
    rows = history_rows("p")["p0"]
    assert shape(rows) == [
        ("observation", 5, 2, True),
        ("observation", 6, 1, True),
        ("failure", None, None, True),
    ]
    verify_chain(rows)
    assert (page.last_seq, page.failures_in_row) == (3, 1)


def test_the_caller_pages_follow_the_recorded_state():
    (page,) = make_pages(1)
    history.record_batch([history.Entry(page, Transient("down"), T0)])
    assert (page.last_seq, page.health, page.failures_in_row) == (1, "failing", 1)
    history.record_batch([history.Entry(page, Count(5), at(1))])
    assert (page.last_seq, page.health, page.failures_in_row) == (2, "ok", 0)


def test_one_record_is_a_batch_of_one():
    (page,) = make_pages(1)
    span = history.record_count(page, Count(5), at(0))
    failure = history.record_failure(page, NotFound("gone"), at(1), duration_ms=40)
    assert isinstance(span, Observation) and isinstance(failure, FetchFailure)
    assert list(Round.objects.values_list("position", flat=True)) == [1, 2]


def test_a_page_deleted_since_its_claim_is_skipped():
    gone, kept = make_pages(2)
    Page.objects.filter(pk=gone.pk).delete()
    records = history.record_batch(
        [history.Entry(gone, Count(1), T0), history.Entry(kept, NotFound("no"), T0)]
    )
    assert records[0] is None and isinstance(records[1], FetchFailure)


def test_a_batch_journals_what_it_wrote_for_the_consumers():
    one, two = make_pages(2)
    history.record_batch([history.Entry(one, Count(7), at(0))])
    history.record_batch(
        [
            history.Entry(one, Count(7), at(1)),
            history.Entry(two, Transient("slow"), at(1)),
            history.Entry(one, Count(8), at(2)),
        ]
    )
    first, second = (consumers.decode(r.records) for r in Round.objects.order_by("position"))
    assert [(w.position, w.page_id, w.seq, w.kind, w.created) for w in first] == [
        (1, one.pk, 1, "span", True)
    ]
    assert [(w.page_id, w.seq, w.kind, w.created, w.fetches, w.sealed) for w in second] == [
        (one.pk, 1, "span", False, 2, 0),
        (two.pk, 1, "failure", True, 1, 0),
        (one.pk, 2, "span", True, 1, 1),  # it sealed span 1
    ]
    assert [w.at for w in second] == [at(1), at(1), at(2)]
    assert second[1].failures_in_row == 1 and second[1].failure_kind == "transient"
    # ...and how the span it sealed ended, for a consumer that skipped its extension
    assert (second[2].sealed_fetches, second[2].sealed_last_seen) == (2, at(1))
    assert (second[0].sealed_fetches, second[0].sealed_last_seen) == (0, None)


def test_a_round_journalled_before_the_sealed_span_s_end_was_kept_still_reads():
    """Rounds are kept a while in the journal: one written by the version before
    `sealed_fetches` and `sealed_last_seen` existed decodes with their defaults."""
    old = '[[3,1,2,"span",true,1456531200000000,8,1,"fetched",1,"",0,1]]'
    (written,) = consumers.decode(old)
    assert (written.position, written.seq, written.value, written.sealed) == (3, 2, 8, 1)
    assert written.at == datetime(2016, 2, 27, tzinfo=UTC)
    assert (written.sealed_fetches, written.sealed_last_seen) == (0, None)
    assert consumers.decode(consumers.encode([written])) == [written]


# Outside any transaction, as the poller writes: inside a caller's, the batch takes no
# savepoint of its own, and its failure fails the caller's transaction with it.
@pytest.mark.django_db(transaction=True)
def test_a_batch_that_fails_leaves_nothing_behind(monkeypatch):
    (page,) = make_pages(1)
    history.record_count(page, Count(1), at(0))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(consumers, "journal", broken)
    with pytest.raises(RuntimeError):
        history.record_batch([history.Entry(page, Count(2), at(1))])
    page.refresh_from_db()
    assert page.last_seq == 1
    assert shape(history_rows("p")["p0"]) == [("observation", 1, 1, False)]
