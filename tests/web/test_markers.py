"""Marks over the charts: runs of failed fetches, and events from other apps."""

from datetime import timedelta

from likewatch.events.models import Event, Kind, Status
from likewatch.sources.errors import RateLimited, Transient
from likewatch.tracking.history import record_failure
from likewatch.web import markers


def test_a_failed_fetch_is_a_gap_marker(pages, campaign):
    found = markers.for_pages([p.pk for p in pages], since=campaign.starts_at)
    assert [(m["page_id"], m["kind"], m["label"]) for m in found] == [
        (pages[0].pk, "gap", "transient")
    ]
    assert found[0]["start"] == found[0]["end"]


def test_consecutive_failures_are_one_gap(pages, now):
    page = pages[1]
    first = now + timedelta(minutes=1)
    record_failure(page, RateLimited("slow down"), first)
    record_failure(page, Transient("reset"), first + timedelta(minutes=5))
    found = [m for m in markers.for_pages([page.pk]) if m["kind"] == "gap"]
    assert len(found) == 1
    assert found[0]["end"] - found[0]["start"] == 300
    assert found[0]["label"] == "rate limited"


def test_stored_events_are_drawn_and_dismissed_ones_are_not(pages, now):
    assert [m["kind"] for m in markers.for_pages([pages[1].pk])] == []
    at = now - timedelta(hours=1)
    common = dict(page=pages[1], start=at, end=at, expected=0, confidence=0.9)
    Event.objects.create(kind=Kind.GAIN, size=6000, seen=6000, **common)
    Event.objects.create(kind=Kind.PURGE, size=-900, seen=-900, status=Status.DISMISSED, **common)
    found = markers.for_pages([pages[1].pk])
    assert [m["kind"] for m in found] == ["gain"]
    assert "+6,000" in found[0]["label"]


def test_a_public_campaigns_notes_are_drawn_on_its_charts(pages, campaign, now):
    from likewatch.organisers.models import Annotation

    Annotation.objects.create(campaign=campaign, at=now - timedelta(hours=1), text="New prices")
    campaign.public = True
    campaign.save()
    found = markers.for_pages([p.pk for p in pages], campaign_ids=[campaign.pk])
    notes = [m for m in found if m["kind"] == "annotation"]
    assert [(m["page_id"], m["label"]) for m in notes] == [(None, "New prices")]
    assert notes[0]["start"] == int((now - timedelta(hours=1)).timestamp())


def test_a_private_campaigns_notes_are_not_drawn(pages, campaign, now, admin_user):
    from likewatch.organisers.models import Annotation

    Annotation.objects.create(campaign=campaign, at=now, text="Not yet public")
    campaign.public = False
    campaign.save()
    found = markers.for_pages([p.pk for p in pages], campaign_ids=[campaign.pk])
    assert [m for m in found if m["kind"] == "annotation"] == []
    # The installation's staff, who see private boards, see their notes too.
    staff = markers.for_pages([p.pk for p in pages], campaign_ids=[campaign.pk], viewer=admin_user)
    assert [m["label"] for m in staff if m["kind"] == "annotation"] == ["Not yet public"]
