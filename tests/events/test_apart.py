"""What flagged moves are not people: one answer for every surface (likewatch.events.apart)."""

from datetime import timedelta

import pytest

from likewatch.events.apart import Apart, counted, for_page, for_pages, total
from likewatch.events.models import Event, Kind, Status
from likewatch.sources.base import Count
from likewatch.tracking.history import record_count
from tests.sharing_data import START, page

pytestmark = pytest.mark.django_db
END = START + timedelta(hours=24)


def flag(p, kind, hours, size, status=Status.OPEN) -> Event:
    at = START + timedelta(hours=hours)
    return Event.objects.create(
        page=p,
        kind=kind,
        start=at,
        end=at + timedelta(minutes=30),
        size=size,
        expected=0,
        seen=size,
        confidence=0.99,
        status=status,
    )


def test_unusual_drops_and_gains_are_each_summed_with_their_events():
    p = page("1", "Maroc Telecom")
    first = flag(p, Kind.PURGE, 2, -4_000)
    second = flag(p, Kind.PURGE, 5, -1_000.4)
    gain = flag(p, Kind.GAIN, 3, 12_040)
    found = for_page(p.pk, START, END)
    assert (found.removed, found.gained, found.total) == (-5_000, 12_040, 7_040)
    assert found.removed_events == (first.pk, second.pk)  # oldest first
    assert found.gained_events == (gain.pk,)


def test_a_dismissed_move_is_people_after_all_and_is_not_apart():
    p = page("1", "Maroc Telecom")
    flag(p, Kind.GAIN, 3, 12_040, Status.DISMISSED)
    flag(p, Kind.PURGE, 4, -900, Status.DISMISSED)
    assert for_page(p.pk, START, END) == Apart()
    assert not for_page(p.pk, START, END)


def test_confirmed_only_when_the_organisers_confirmed_every_one():
    p = page("1", "Maroc Telecom")
    flag(p, Kind.GAIN, 3, 12_040, Status.CONFIRMED)
    flag(p, Kind.PURGE, 4, -900, Status.CONFIRMED)
    flag(p, Kind.PURGE, 6, -100)  # not reviewed yet
    found = for_page(p.pk, START, END)
    assert found.gained_confirmed is True
    assert found.removed_confirmed is False


def test_only_moves_within_the_range_and_only_unusual_gains_and_drops_count():
    p = page("1", "Maroc Telecom")
    flag(p, Kind.GAIN, -2, 5_000)  # over before the range began
    flag(p, Kind.PURGE, 30, -5_000)  # began after it
    flag(p, Kind.GAP, 3, 4)  # a data problem, not people
    flag(p, Kind.TAKEOFF, 3, 200)  # a change of pace: people
    assert for_page(p.pk, START, END) == Apart()
    # One that straddles the start counts in part: the change since the start holds part of
    # it. With no counts recorded to say which part, the share of its window inside.
    flag(p, Kind.GAIN, -0.25, 3_000)
    assert for_page(p.pk, START, END).gained == 1_500


def test_many_pages_in_one_answer_and_their_total():
    a, b, quiet = page("1", "Maroc Telecom"), page("2", "inwi"), page("3", "Meditel")
    flag(a, Kind.GAIN, 3, 12_000, Status.CONFIRMED)
    flag(b, Kind.GAIN, 3, 1_000)
    flag(b, Kind.PURGE, 4, -4_000, Status.CONFIRMED)
    found = for_pages([a.pk, b.pk, quiet.pk], START, END)
    assert set(found) == {a.pk, b.pk}
    both = total(found.values())
    assert (both.removed, both.gained) == (-4_000, 13_000)
    # One unreviewed gain among them: the total's gains are not all confirmed.
    assert (both.removed_confirmed, both.gained_confirmed) == (True, False)


def straddling(p, kind, size, expected, counts) -> Event:
    """An event from 30 minutes before START to 30 minutes after, over these counts (minutes
    from START, value), recorded."""
    for minutes, value in counts:
        record_count(p, Count(value), START + timedelta(minutes=minutes))
    return Event.objects.create(
        page=p,
        kind=kind,
        start=START - timedelta(minutes=30),
        end=START + timedelta(minutes=30),
        size=size,
        expected=expected,
        seen=size + expected,
        confidence=0.99,
    )


def test_an_event_straddling_the_start_counts_only_what_the_counts_moved_after_it():
    p = page("1", "Maroc Telecom")
    # 10,000 gained before the start, 2,000 after it; the page was expected to lose 1,000
    # over the hour (500 of them after the start).
    straddling(
        p, Kind.GAIN, 13_000, -1_000, [(-40, 100_000), (-30, 100_000), (0, 109_500), (30, 111_000)]
    )
    # Since the start: 111,000 - 109,500 = 1,500 measured, and 500 expected lost.
    assert for_page(p.pk, START, END).gained == 2_000
    # The same event over a range that holds it whole counts its whole size.
    assert for_page(p.pk, START - timedelta(hours=1), END).gained == 13_000


def test_a_purge_straddling_the_end_of_the_range_counts_its_part_before_the_end():
    p = page("1", "Maroc Telecom")
    straddling(p, Kind.PURGE, -8_000, 0, [(-30, 50_000), (-10, 44_000), (30, 42_000)])
    # The range ends at START: 6,000 of the 8,000 were gone by then (the count at -10 holds).
    assert for_page(p.pk, START - timedelta(hours=2), START).removed == -6_000


def test_a_straddling_event_all_before_the_start_is_not_counted_and_never_changes_sign():
    p = page("1", "Maroc Telecom")
    # The burst arrived before the start; after it the page fell further than expected.
    straddling(p, Kind.GAIN, 12_000, 0, [(-30, 100_000), (-20, 112_000), (30, 111_000)])
    assert for_page(p.pk, START, END) == Apart()
    assert counted([p.pk], START, END) == []
    # And never more than the event: the counts rose 5,000 beyond it after the start.
    q = page("2", "inwi")
    straddling(q, Kind.GAIN, 3_000, 0, [(-30, 10_000), (0, 10_000), (30, 18_000)])
    assert for_page(q.pk, START, END).gained == 3_000


def test_a_change_of_flags_moves_the_pages_live_state_and_announces_it_after_the_commit(
    monkeypatch, django_capture_on_commit_callbacks
):
    from likewatch.events import apart
    from likewatch.fanout import broker, publish

    p, other = page("1", "Maroc Telecom"), page("2", "Inwi")
    before = broker.page_states([p.pk, other.pk])
    sent = []
    monkeypatch.setattr(publish, "transport", lambda: "postgresql")
    monkeypatch.setattr(publish, "send", sent.append)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        apart.changed([p.pk, p.pk])
    assert sent == []  # nothing told before the commit: a woken board would read old flags
    after = broker.page_states([p.pk, other.pk])
    assert after[p.pk] != before[p.pk] and after[other.pk] == before[other.pk]
    for callback in callbacks:
        callback()
    assert sent == [{p.pk: after[p.pk]}]
