"""Scanning stores what the detector finds, and re-scanning never duplicates it."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from likewatch.events import detect
from likewatch.events.models import DetectorState, Event, Status
from likewatch.events.scan import scan_all, scan_page, scan_pages
from likewatch.sources.errors import Transient
from likewatch.tracking.history import record_failure
from likewatch.tracking.models import Campaign, CampaignPage, Direction, Page

from .conftest import T0, campaign

pytestmark = pytest.mark.django_db


def test_a_purge_in_the_history_becomes_an_event(page, measure):
    changes = campaign(120)
    changes[100] -= 2000
    end = measure(page, changes)

    result = scan_page(page, now=end)

    assert result.created == 1
    event = Event.objects.get()
    assert (event.page, event.kind, event.status) == (page, "purge", Status.OPEN)
    assert event.start == T0 + timedelta(minutes=5 * 100)
    assert event.end == T0 + timedelta(minutes=5 * 101)
    assert event.seen < -2000 and event.size < -1900
    assert event.seq_to == event.seq_from + 1


def test_rescanning_updates_instead_of_duplicating(page, measure):
    changes = campaign(120)
    changes[100] -= 2000
    end = measure(page, changes)

    scan_page(page, now=end)
    again = scan_page(page, now=end)
    full = scan_page(page, rescan=True)

    assert (again.created, again.updated, again.withdrawn) == (0, 0, 0)
    assert full.created == 0
    assert Event.objects.count() == 1


def test_an_ongoing_gap_extends_as_failures_go_on(page, measure):
    end = measure(page, campaign(60) + [None] * 4)
    scan_page(page, now=end)
    gap = Event.objects.get(kind="gap")
    assert gap.ongoing

    for i in range(3):
        record_failure(page, Transient("timeout"), end + timedelta(minutes=5 * i))
    scan_page(page, now=end + timedelta(minutes=15))

    gap.refresh_from_db()
    assert Event.objects.filter(kind="gap").count() == 1
    assert gap.size == 7 and gap.ongoing


def test_a_reviewed_event_is_left_as_the_organisers_left_it(page, measure):
    changes = campaign(120)
    changes[100] -= 2000
    end = measure(page, changes)
    scan_page(page, now=end)
    event = Event.objects.get()
    user = get_user_model().objects.create_user("organiser")
    event.review(Status.DISMISSED, "The platform removed spam accounts that day.", user)
    Event.objects.filter(pk=event.pk).update(size=1)  # whatever detection would say now

    scan_page(page, rescan=True)

    event.refresh_from_db()
    assert (event.status, event.size, event.reviewed_by) == (Status.DISMISSED, 1, user)
    assert event.reviewed_at is not None


def test_an_open_event_the_detector_no_longer_finds_is_withdrawn(page, measure):
    end = measure(page, campaign(120))
    Event.objects.create(
        page=page,
        kind="gain",
        start=T0 + timedelta(hours=8),
        end=T0 + timedelta(hours=8, minutes=5),
        size=100,
        expected=0,
        seen=100,
        confidence=0.6,
    )
    result = scan_page(page, rescan=True, now=end)
    assert result.withdrawn == 1
    assert not Event.objects.exists()


def test_a_gain_on_a_page_a_campaign_drives_down_says_so(page, measure):
    start_campaign = Campaign.objects.create(slug="c", title="C", starts_at=T0)
    CampaignPage.objects.create(campaign=start_campaign, page=page, direction=Direction.LEAVE)
    changes = campaign(120, pace=0)
    changes[100] += 400
    measure(page, changes)

    scan_page(page, rescan=True)

    gain = Event.objects.get(kind="gain")
    assert gain.details["campaign_down"] is True


def test_scan_all_goes_on_past_a_page_that_fails(page, measure, monkeypatch):
    from likewatch.events import scan

    measure(page, campaign(20))
    real = scan.scan_page

    def broken(p, **kw):
        if p.pk == page.pk:
            raise RuntimeError("boom")
        return real(p, **kw)

    monkeypatch.setattr(scan, "scan_page", broken)
    assert scan_all() == []


def _pages_with_events(measure):
    """Three pages: a purge, a gain where a campaign drives the page down, a quiet sibling."""
    purged = Page.objects.create(
        platform="facebook", platform_id="200", metric="likes", name="Purged", interval=300
    )
    changes = campaign(120)
    changes[100] -= 2000
    measure(purged, changes)

    gained = Page.objects.create(
        platform="facebook", platform_id="300", metric="likes", name="Gained", interval=300
    )
    down = Campaign.objects.create(slug="down", title="Down", starts_at=T0)
    CampaignPage.objects.create(campaign=down, page=gained, direction=Direction.LEAVE)
    changes = campaign(120, pace=0)
    changes[100] += 400
    measure(gained, changes)

    sibling = Page.objects.create(
        platform="facebook", platform_id="300", metric="followers", name="Gained", interval=300
    )
    measure(sibling, campaign(120, pace=0, seed=2), value=3_100_000)
    return [purged, gained, sibling]


def _events():
    fields = ("page_id", "kind", "start", "end", "size", "confidence", "details")
    return sorted(Event.objects.values_list(*fields), key=lambda e: (e[0], e[1], e[2]))


def test_scanning_pages_together_stores_what_scanning_each_stores(measure):
    pages = [Page.objects.get(pk=p.pk) for p in _pages_with_events(measure)]

    results = scan_pages(pages)
    together = _events()
    Event.objects.all().delete()
    DetectorState.objects.all().delete()  # scanned afresh, one by one
    for page in pages:
        scan_page(page)

    assert [r.created for r in results] == [1, 1, 0]
    assert {(e[0], e[1]) for e in together} == {(pages[0].pk, "purge"), (pages[1].pk, "gain")}
    assert together[1][-1]["campaign_down"] is True
    assert together == _events()


def test_scanning_more_pages_together_takes_no_more_queries(measure):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pages = [Page.objects.get(pk=p.pk) for p in _pages_with_events(measure)]
    scan_pages(pages)  # the events are stored: scanning again writes nothing

    with CaptureQueriesContext(connection) as one:
        scan_pages(pages[1:2])  # one page, with its sibling to read
    with CaptureQueriesContext(connection) as three:
        scan_pages(pages)

    assert len(three) == len(one)


def test_a_page_whose_detection_fails_leaves_the_others_scanned(measure, monkeypatch, caplog):

    pages = [Page.objects.get(pk=p.pk) for p in _pages_with_events(measure)]
    Page.objects.filter(pk=pages[0].pk).update(interval=301)
    pages[0].interval = 301
    real = detect.Detector.feed

    def broken(self, records):
        if self.interval == 301:
            raise RuntimeError("detector bug")
        return real(self, records)

    monkeypatch.setattr(detect.Detector, "feed", broken)
    scan_pages(pages)

    assert [e[:2] for e in _events()] == [(pages[1].pk, "gain")]
    assert f"event scan of page {pages[0].pk} failed" in caplog.text


def test_live_rounds_resume_from_the_stored_state_and_agree_with_a_rescan(page, measure):
    changes = campaign(300)
    changes[250] -= 3000
    start = T0
    # Live: the history arrives in rounds of 25 fetches, each scanned from the stored state.
    for first in range(0, 300, 25):
        start = measure(
            page, changes[first : first + 25], start=start, value=3_000_000 + sum(changes[:first])
        )
        scan_page(Page.objects.get(pk=page.pk))
    state = DetectorState.objects.get(page=page)
    stored = detect.Detector.unpack(bytes(state.state))
    assert stored["seq"] == page.observations.order_by("-seq").first().seq
    live = sorted(Event.objects.values_list("kind", "start", "end", "size"))
    purges = [size for kind, _s, _e, size in live if kind == "purge"]
    assert len(purges) == 1 and -3300 < purges[0] < -2700

    scan_page(page, rescan=True)
    assert sorted(Event.objects.values_list("kind", "start", "end", "size")) == live


def test_pages_of_one_platform_dropping_together_are_said_to_be_the_platform(measure):
    pages = [
        Page.objects.create(
            platform="facebook",
            platform_id=str(900 + n),
            metric="likes",
            name=f"P{n}",
            interval=300,
        )
        for n in range(3)
    ]
    alone = Page.objects.create(
        platform="instagram", platform_id="42", metric="followers", name="Alone", interval=300
    )
    for n, page in enumerate([*pages, alone]):
        changes = campaign(200, seed=n + 10)
        changes[150] -= 5000
        measure(page, changes)
    scan_pages([Page.objects.get(pk=p.pk) for p in [*pages, alone]])

    together = Event.objects.filter(page__in=pages, kind="purge")
    assert together.count() == 3
    for event in together:
        assert event.details["platform_pages"] == 2
        assert "most likely the platform itself" in event.sentence()
    lone = Event.objects.get(page=alone, kind="purge")
    assert "platform_pages" not in lone.details
    assert "most likely the platform" not in lone.sentence()


def test_a_state_an_earlier_version_stored_is_rebuilt_from_the_first_record(
    page, measure, monkeypatch
):
    # The detector does not read such a state: the page is read again from its first record,
    # not from where that state stopped (with nothing learnt, the purge would be judged as
    # in a page's first hour).
    changes = campaign(300)
    changes[250] -= 3000
    end = measure(page, changes[:200])
    scan_page(page, now=end)
    detector = detect.Detector(page.interval, state=DetectorState.objects.get(page=page).state)
    monkeypatch.setattr(detect, "STATE_VERSION", detect.STATE_VERSION - 1)
    older = detector.packed()
    monkeypatch.undo()
    DetectorState.objects.filter(page=page).update(state=older)
    end = measure(page, changes[200:], start=end, value=3_000_000 + sum(changes[:200]))

    scan_page(Page.objects.get(pk=page.pk), now=end)
    live = sorted(Event.objects.values_list("kind", "start", "end", "size"))
    state = bytes(DetectorState.objects.get(page=page).state)
    scan_page(page, rescan=True)

    assert detect.Detector.unpack(state)["first_time"] == T0.timestamp()
    assert bytes(DetectorState.objects.get(page=page).state) == state
    assert sorted(Event.objects.values_list("kind", "start", "end", "size")) == live
    assert [kind for kind, *_ in live].count("purge") == 1


def test_storing_or_reviewing_a_flagged_drop_marks_the_pages_effect_estimate_stale(page, measure):
    from likewatch.events.models import EffectEstimate

    made = Campaign.objects.create(slug="c", title="C", starts_at=T0)
    CampaignPage.objects.create(campaign=made, page=page, direction=Direction.LEAVE)
    estimate = EffectEstimate.objects.create(campaign=made, page=page, data={})
    changes = campaign(120)
    changes[100] -= 2000
    end = measure(page, changes)

    scan_page(page, now=end)
    estimate.refresh_from_db()
    assert estimate.stale  # the purge it did not take out yet: refreshed first

    EffectEstimate.objects.update(stale=False)
    scan_page(page, now=end)  # nothing new: nothing to refresh for
    estimate.refresh_from_db()
    assert not estimate.stale

    Event.objects.get(kind="purge").review(Status.DISMISSED, "People left after all.")
    estimate.refresh_from_db()
    assert estimate.stale
