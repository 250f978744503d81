"""What flagged moves are not people: one answer for every surface (likewatch.events.apart)."""

from datetime import timedelta

import pytest

from likewatch.events.apart import Apart, for_page, for_pages, total
from likewatch.events.models import Event, Kind, Status
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
    # One that straddles the start counts: the change since the start holds part of it.
    flag(p, Kind.GAIN, -0.25, 3_000)
    assert for_page(p.pk, START, END).gained == 3_000


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
