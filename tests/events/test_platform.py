"""Many tracked pages of one platform moving together are the platform, said once."""

from datetime import timedelta

import pytest
from django.utils import translation

from likewatch.events import platform
from likewatch.events.models import Event, PlatformEvent
from likewatch.events.platform import Move, platform_wide, together
from likewatch.events.scan import scan_pages
from likewatch.tracking.models import Page

from .conftest import T0, campaign

HOUR = 3600.0


def test_moves_whose_windows_overlap_are_one_group_per_direction():
    moves = [
        Move(1, "purge", 0, 300, -5000),
        Move(2, "purge", 200, 600, -3000),
        Move(3, "purge", 900, 1200, -1000),  # within the slack of the second
        Move(4, "gain", 100, 400, 2000),  # the other direction: its own group
        Move(5, "purge", 10 * HOUR, 10 * HOUR + 300, -700),  # hours later: another group
    ]
    groups = together(moves, slack=600)
    purges = [g for g in groups if g.kind == "purge"]
    assert [sorted(g.pages) for g in purges] == [[1, 2, 3], [5]]
    assert purges[0].size == -9000
    assert (purges[0].start, purges[0].end) == (0, 1200)
    assert [sorted(g.pages) for g in groups if g.kind == "gain"] == [[4]]


def test_the_platform_is_blamed_only_when_enough_of_its_pages_move():
    three = together([Move(n, "purge", 0, 300, -100) for n in range(3)], slack=600)
    # Three of five tracked pages: the platform; three of forty: not enough to say so.
    assert platform_wide(three, tracked=5) == three
    assert platform_wide(three, tracked=40) == []
    two = together([Move(n, "purge", 0, 300, -100) for n in range(2)], slack=600)
    assert platform_wide(two, tracked=2) == []  # never fewer than MIN_PAGES


def _pages(n, name="facebook", start=0):
    return [
        Page.objects.create(
            platform=name,
            platform_id=str(900 + start + k),
            metric="likes",
            name=f"P{start + k}",
            interval=300,
        )
        for k in range(n)
    ]


@pytest.mark.django_db
def test_a_purge_across_a_platform_becomes_one_event_its_page_events_link_to(measure):
    pages = _pages(4)
    quiet = _pages(2, start=10)
    for n, page in enumerate(pages + quiet):
        changes = campaign(200, seed=n + 10)
        if page in pages:
            changes[150] -= 5000 + 1000 * n
        measure(page, changes)
    scan_pages([Page.objects.get(pk=p.pk) for p in pages + quiet])

    wide = PlatformEvent.objects.get()
    assert (wide.platform, wide.kind, wide.pages, wide.tracked) == ("facebook", "purge", 4, 6)
    members = Event.objects.filter(kind="purge")
    assert set(members.values_list("page_id", flat=True)) == {p.pk for p in pages}
    assert all(e.platform_event_id == wide.pk for e in members)
    assert wide.size == pytest.approx(sum(e.size for e in members))
    assert wide.start == min(e.start for e in members)
    assert wide.end == max(e.end for e in members)
    assert wide.start <= T0 + timedelta(minutes=5 * 150) <= wide.end

    text = wide.sentence()
    assert text.startswith("4 of the 6 tracked pages on Facebook dropped at the same time")
    assert "not counted as people leaving" in text
    for event in members:
        sentence = event.sentence()
        assert "Facebook moved: 3 other tracked pages" in sentence
        assert "One possible explanation" not in sentence  # no page-level blame
    with translation.override("fr"):
        assert wide.sentence() != text
    with translation.override("ar"):
        assert wide.sentence() != text


@pytest.mark.django_db
def test_one_page_moving_alone_raises_no_platform_event(measure):
    pages = _pages(4)
    for n, page in enumerate(pages):
        changes = campaign(200, seed=n + 10)
        if n == 0:
            changes[150] -= 5000
        measure(page, changes)
    scan_pages([Page.objects.get(pk=p.pk) for p in pages])

    assert not PlatformEvent.objects.exists()
    lone = Event.objects.get(kind="purge")
    assert lone.platform_event is None
    assert "no other tracked page of the platform moved" in lone.sentence()


@pytest.mark.django_db
def test_pages_flagged_in_later_rounds_join_the_platform_event(measure):
    pages = _pages(3)
    for n, page in enumerate(pages):
        changes = campaign(200, seed=n + 10)
        changes[150] -= 5000
        measure(page, changes)
    # Live, each page's round reaches detection on its own.
    for page in pages:
        scan_pages([Page.objects.get(pk=page.pk)])

    wide = PlatformEvent.objects.get()
    assert wide.pages == 3
    assert Event.objects.filter(platform_event=wide).count() == 3


@pytest.mark.django_db
def test_a_platform_event_whose_pages_no_longer_move_together_is_removed(measure):
    pages = _pages(3)
    for n, page in enumerate(pages):
        changes = campaign(200, seed=n + 10)
        changes[150] -= 5000
        measure(page, changes)
    scan_pages([Page.objects.get(pk=p.pk) for p in pages])
    first = Event.objects.filter(kind="purge").first()
    first.delete()  # as a rescan that no longer finds it would
    survivor = Event.objects.filter(kind="purge").first()

    from likewatch.events import detect

    finding = detect.Finding(
        kind=survivor.kind,
        start=survivor.start.timestamp(),
        end=survivor.end.timestamp(),
        size=survivor.size,
        expected=survivor.expected,
        seen=survivor.seen,
        confidence=survivor.confidence,
        detected_at=survivor.end.timestamp(),
    )
    platform.relate([(survivor.page, finding)])

    assert not PlatformEvent.objects.exists()
    assert Event.objects.filter(platform_event__isnull=False).count() == 0
