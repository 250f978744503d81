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
