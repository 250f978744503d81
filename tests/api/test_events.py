"""Events reach the API through the LIKEWATCH_EVENT_PROVIDER seam (issue 7 provides it)."""

from datetime import timedelta

import pytest

from likewatch.api.events import events_for
from likewatch.events.models import Event, Kind, Status
from tests.sharing_data import CALLS, INWI, MEDITEL, START, TELECOM

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_provider(settings):
    settings.LIKEWATCH_EVENT_PROVIDER = "tests.sharing_data.event_provider"
    CALLS.clear()


def test_without_a_provider_there_are_no_events(campaign, settings):
    settings.LIKEWATCH_EVENT_PROVIDER = ""
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
    assert (event["kind"], event["label"], event["status"]) == ("purge", "purge", "confirmed")
    assert (event["size"], event["expected"], event["observed"]) == (5000, -2500.0, -7500.0)
    assert event["explanation"]
    assert event["starts_at"] == "2016-03-12T17:00:00Z"

    feed = client.get("/feeds/c/morocco-2016.atom").content.decode()
    assert "<title>purge on Maroc Telecom</title>" in feed
    assert "Confirmed by the organisers." in feed
    assert "&amp;lt;b&amp;gt;inactive&amp;lt;/b&amp;gt;" in feed


def test_page_events_come_from_the_provider_oldest_first(campaign, api_get, with_provider):
    data = api_get(f"/api/pages/{TELECOM}/events?start=2016-03-12&end=2016-03-14").data
    assert [e["id"] for e in data] == ["8", "7"]
    assert data[1]["kind"] == "inorganic_gain"
    assert data[1]["explanation"] == "<b>Bought likes?</b>"
    assert data[1]["status"] == "confirmed"
    assert CALLS[0][0] == [TELECOM]
    assert CALLS[0][1].isoformat() == "2016-03-12T00:00:00+00:00"


def test_campaign_events_ask_for_every_page_since_the_start(campaign, api_get, with_provider):
    data = api_get("/api/campaigns/morocco-2016/events").data
    assert len(data) == 2
    assert CALLS[0][0] == [TELECOM, INWI, MEDITEL]
    assert CALLS[0][1] == START
