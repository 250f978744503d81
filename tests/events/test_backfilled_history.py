"""History imported for the time before a page was tracked (a backfill) is history like any
other: its events are found, and the detector learns from it.

A backfill's records take the next seqs although they are older than everything the page
recorded (tracking.history.record_backfill). Detection reads a page's history in time order,
and the events consumer, handed records older than what the page's detector state has read,
drops that state and reads the page's whole history again: live detection and a rescan find
the same events, the archive's among them."""

from datetime import timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from likewatch.events.models import DetectorState, Event, Status
from likewatch.events.scan import scan_page
from likewatch.sources.base import Count
from likewatch.tracking import consumers, records
from likewatch.tracking.history import Entry, record_backfill, record_count
from likewatch.tracking.importing import ImportProblem, import_rows, read_rows
from likewatch.tracking.models import Page, Provenance

from .conftest import T0, campaign, rounds

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def archive(page, first: int, *, days: int = 10, seed: int = 4) -> tuple[bytes, object]:
    """Another tracker's hourly counts of `page` for `days` days up to an hour before T0, as a
    CSV file for `likewatch import`, ending near `first`: ordinary growth (about 480 people an
    hour), and three days before the end a day on which 60,000 people left (10,000 an hour,
    08:00 to 14:00). Returns the file and the moment the drop began."""
    rng = np.random.default_rng(seed)
    hours = days * 24
    changes = rng.poisson(480, hours)
    drop = (days - 3) * 24 + 8
    changes[drop : drop + 6] -= 10_000
    values = first - changes.sum() + np.cumsum(changes)
    start = T0 - hours * HOUR
    lines = ["page,at,count,source"] + [
        f"#{page.pk},{start + n * HOUR:%Y-%m-%d %H:%M},{value},https://archive.example/{n}"
        for n, value in enumerate(values)
    ]
    return "\n".join(lines).encode(), start + (drop - 1) * HOUR


def found():
    return sorted(
        Event.objects.values_list("kind", "start", "end", "size", "seq_from", "seq_to", "status")
    )


def test_an_imported_archive_s_drop_is_one_purge_in_its_own_time_live_and_on_rescan(
    page, measure, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        end = measure(page, campaign(60, pace=40))  # tracked for five hours, events live
    page.refresh_from_db()
    tracked, newest = page.last_seq, records.latest_span(page).value
    data, drop = archive(page, next(records.records(page)).value - 500)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = import_rows(read_rows(data))  # the consumers run after the commit
    assert outcome.backfilled == 240

    purges = list(Event.objects.filter(kind="purge"))
    assert len(purges) == 1, found()
    purge = purges[0]
    assert drop <= purge.start < drop + 6 * HOUR and purge.end <= drop + 8 * HOUR
    assert -63_000 < purge.size < -57_000
    assert purge.seq_from > tracked  # the archive's records, numbered after the history
    # Hourly counts typed in from an archive: no fetch failed between them, none was cached.
    assert not Event.objects.filter(kind__in=["gap", "stale"]).exists()

    # Tracking goes on: the next rounds are read from the state the import's scan left.
    with django_capture_on_commit_callbacks(execute=True):
        measure(page, campaign(12, pace=40), value=newest, start=end)
    live, state = found(), bytes(DetectorState.objects.get(page=page).state)
    scan_page(page, rescan=True)
    assert found() == live
    assert bytes(DetectorState.objects.get(page=page).state) == state


def test_an_import_inside_the_recorded_history_is_refused_and_nothing_is_rescanned(
    page, measure, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        measure(page, campaign(60, pace=40))
    before, state = found(), bytes(DetectorState.objects.get(page=page).state)
    inside = T0 + timedelta(minutes=62)

    with pytest.raises(ImportProblem) as refused:
        read_rows(f"page,at,count\n#{page.pk},{inside:%Y-%m-%d %H:%M},2500000\n".encode())

    assert "falls inside the history" in refused.value.problems[0]
    assert found() == before
    assert bytes(DetectorState.objects.get(page=page).state) == state


def test_a_reviewed_event_stays_as_it_was_reviewed_when_a_backfill_rescans_the_page(
    page, measure, django_capture_on_commit_callbacks
):
    changes = campaign(80, pace=40)
    changes[70] -= 150_000
    with django_capture_on_commit_callbacks(execute=True):
        measure(page, changes)
    purge = Event.objects.get(kind="purge")
    Event.objects.filter(pk=purge.pk).update(status=Status.DISMISSED, note="a clean-up")
    data, _drop = archive(page, next(records.records(page)).value - 500)

    with django_capture_on_commit_callbacks(execute=True):
        import_rows(read_rows(data))

    purge.refresh_from_db()
    assert (purge.status, purge.note) == (Status.DISMISSED, "a clean-up")
    assert Event.objects.filter(kind="purge").count() == 2  # the archive's own, beside it


def test_only_the_round_that_brings_a_backfill_reads_the_history_again(
    page, history_reads, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with django_capture_on_commit_callbacks(execute=True):
        record_count(page, Count(3_000_000), T0)  # the first scan reads the (short) history
    at, value = rounds(page, campaign(30, pace=40), start=T0, value=3_000_000)
    consumers.catch_up(["events"])
    at, value = rounds(page, [44], start=at, value=value)
    with CaptureQueriesContext(connection) as before:
        consumers.catch_up(["events"])
    _backfill(page, campaign(50, pace=35, seed=2))
    consumers.catch_up(["events"])
    at, value = rounds(page, [38], start=at, value=value)
    with CaptureQueriesContext(connection) as after:
        consumers.catch_up(["events"])

    # The first scan; none while rounds follow the state; the backfill's round, whole; none
    # after it.
    assert history_reads == [[page.pk], [], [], [], [page.pk], []]
    assert len(after) == len(before)  # an ordinary round after it costs what it cost before


def _backfill(page, changes):
    """Record `changes` as counts from before the page's first record, one interval apart,
    ending an interval before it (an archive's run: `record_backfill`)."""
    first = next(records.records(page))  # the oldest (the compaction may have sealed it)
    step = timedelta(seconds=page.interval)
    values = first.value - sum(changes) + np.cumsum([0, *changes[:-1]])
    moments = [first.first_seen - (len(changes) - n) * step for n in range(len(changes))]
    record_backfill(
        [
            Entry(page, Count(int(v)), moment, Provenance.IMPORTED)
            for v, moment in zip(values, moments, strict=True)
        ]
    )


# Unchanged fetches (0) included: they extend the open span in rounds that ask for no scan.
changes = st.lists(
    st.one_of(st.integers(-60, 120), st.just(-40_000), st.none()),
    min_size=1,
    max_size=40,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    before=changes,
    archived=st.lists(st.one_of(st.integers(-60, 120), st.just(-40_000)), min_size=1, max_size=60),
    after=changes,
    every=st.integers(1, 30),
    seed=st.integers(0, 10**6),
)
def test_live_rounds_a_backfill_and_more_rounds_find_what_one_rescan_finds(
    django_capture_on_commit_callbacks, before, archived, after, every, seed
):
    page = Page.objects.create(
        platform="facebook",
        platform_id=f"b{seed}-{Page.objects.count()}",
        metric="likes",
        interval=300,
    )
    with django_capture_on_commit_callbacks(execute=True):
        record_count(page, Count(3_000_000), T0)
    at, value = T0, 3_000_000
    # Batches of `every` rounds, as a paced poller hands them over; the backfill's round may
    # share a batch with the rounds around it.
    plan = [("live", c) for c in before] + [("backfill", archived)] + [("live", c) for c in after]
    for n, (kind, change) in enumerate(plan):
        if kind == "live":
            at, value = rounds(page, [change], start=at, value=value)
        else:
            _backfill(page, change)
        if n % every == every - 1:
            consumers.catch_up(["events"])
    consumers.catch_up(["events"])
    # A round that extends the open span asks for no scan; one more live scan reads it.
    scan_page(page)
    mine = Event.objects.filter(page=page)
    live = sorted(mine.values_list("kind", "start", "end", "size", "seq_from", "seq_to"))
    state = bytes(DetectorState.objects.get(page=page).state)

    scan_page(page, rescan=True)

    assert sorted(mine.values_list("kind", "start", "end", "size", "seq_from", "seq_to")) == live
    assert bytes(DetectorState.objects.get(page=page).state) == state
