"""Stored events reach the API and the feeds, with their review."""

from datetime import timedelta

import pytest

from likewatch.events.models import Event, Kind, Status
from likewatch.events.records import events_for
from tests.sharing_data import START, TELECOM, flag_events

pytestmark = pytest.mark.django_db


def test_a_page_without_events_has_none(campaign):
    assert events_for(list(campaign.pages.all())) == []


def test_detected_events_are_published_with_their_review(campaign, api_get, client):
    """The configured provider (likewatch.events) publishes the Event model."""
    Event.objects.create(
        page_id=TELECOM,
        kind=Kind.PURGE,
        start=START + timedelta(hours=5),
        end=START + timedelta(hours=6),
        size=5000,
        expected=-2500,
        seen=-7500,
        confidence=0.9,
        status=Status.CONFIRMED,
        note="Facebook removed <b>inactive</b> accounts.",
    )
    data = api_get("/api/campaigns/morocco-2016/events").data
    assert len(data) == 1
    event = data[0]
    assert (event["kind"], event["label"], event["status"]) == (
        "purge",
        "unusual drop",
        "confirmed",
    )
    assert (event["size"], event["expected"], event["observed"]) == (5000, -2500.0, -7500.0)
    assert event["explanation"]
    assert event["starts_at"] == "2016-03-12T17:00:00Z"

    feed = client.get("/feeds/c/morocco-2016.atom").content.decode()
    assert "<title>unusual drop on Maroc Telecom</title>" in feed
    assert "Confirmed by the organisers: Facebook removed" in feed  # said once, with the note
    assert feed.count("Confirmed by the organisers") == 1
    assert "&amp;lt;b&amp;gt;inactive&amp;lt;/b&amp;gt;" in feed


def test_page_events_are_published_oldest_first(campaign, api_get):
    flag_events(TELECOM)
    data = api_get(f"/api/pages/{TELECOM}/events?start=2016-03-12&end=2016-03-14").data
    assert [e["kind"] for e in data] == ["purge", "gain"]
    assert data[1]["status"] == "confirmed"
    assert data[1]["label"] == "unusual gain"
    assert data[1]["note"] == "<b>Checked</b> by hand."


def test_campaign_events_are_those_since_the_start(campaign, api_get):
    flag_events(TELECOM)
    data = api_get("/api/campaigns/morocco-2016/events").data
    assert [e["kind"] for e in data] == ["purge", "gain"]
    assert all(e["starts_at"] >= "2016-03-12T12:00:00Z" for e in data)
