"""Events reach the board, the chart markers, the API and the Atom feed."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from likewatch.events.models import Event, Status
from likewatch.events.publish import event_records, for_campaign
from likewatch.tracking.models import Campaign, CampaignPage
from likewatch.web import markers as web_markers

from .conftest import T0

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def event(page, kind="gain", hours=3, **fields):
    values = dict(size=4800.0, expected=-200.0, seen=4600.0, confidence=0.93)
    values.update(fields)
    return Event.objects.create(
        page=page,
        kind=kind,
        start=T0 + timedelta(hours=hours),
        end=T0 + timedelta(hours=hours, minutes=10),
        **values,
    )


@pytest.fixture
def board(page):
    made = Campaign.objects.create(slug="morocco", title="Unlike the operators", starts_at=T0)
    CampaignPage.objects.create(campaign=made, page=page, direction="leave")
    return made


def test_the_api_record_carries_the_numbers_and_the_verdict(page):
    gain = event(page)
    user = get_user_model().objects.create_user("organiser")
    gain.review(Status.CONFIRMED, "The page bought likes, says its agency.", user)
    open_one = event(page, kind="purge", hours=5, size=-3000.0, seen=-3200.0)

    first, second = event_records([page], T0, None)

    assert (first.id, first.kind, first.status) == (str(gain.pk), "gain", "confirmed")
    assert (first.size, first.expected, first.observed, first.confidence) == (
        4800,
        -200.0,
        4600.0,
        0.93,
    )
    assert first.note == "The page bought likes, says its agency."
    assert first.explanation.startswith("Maroc Telecom: a gain of +4,600")
    assert first.explanation.endswith(
        "Confirmed by the organisers: The page bought likes, says its agency."
    )
    assert (second.id, second.status) == (str(open_one.pk), "flagged")


def test_the_api_publishes_events_through_its_seam(client, page, board):
    event(page)
    response = client.get(f"/api/pages/{page.pk}/events")
    assert response.status_code == 200
    [item] = response.json()
    assert item["kind"] == "gain" and item["status"] == "flagged"


def test_events_outside_the_range_are_left_out(page):
    event(page, hours=3)
    assert event_records([page], T0 + timedelta(hours=4), None) == []
    assert len(event_records([page], T0, T0 + timedelta(hours=3, minutes=5))) == 1


def test_chart_markers_show_events_but_leave_gaps_to_the_board(page):
    gain = event(page)
    event(page, kind="gap", hours=6)

    [marker] = web_markers.for_pages([page.pk])
    assert (marker["kind"], marker["start"]) == ("gain", int(gain.start.timestamp()))
    assert marker["url"] == f"/events/{gain.pk}/"
    assert marker["label"] == gain.sentence()


def test_the_board_lists_its_campaigns_events(client, page, board):
    event(page)
    event(page, kind="gap", hours=6)
    body = client.get("/c/morocco/").content.decode()

    assert "Flagged events" in body
    assert "Maroc Telecom: a gain of +4,600" in body
    assert "No count of Maroc Telecom could be read" not in body  # gaps show on the chart
    assert [e.kind for e in for_campaign(board)] == ["gain"]


def test_a_board_without_events_says_nothing_about_them(client, page, board):
    assert "Flagged events" not in client.get("/c/morocco/").content.decode()


def test_the_feed_explains_events_in_the_campaigns_language(client, page, board):
    board.language = "fr"
    board.save()
    event(page, kind="purge", size=-3000.0, expected=-200.0, seen=-3200.0)

    root = ET.fromstring(client.get("/feeds/c/morocco.atom").content)
    summaries = [e.find(f"{ATOM}summary").text for e in root.findall(f"{ATOM}entry")]
    # French groups thousands with a no-break space.
    assert any(re.match(r"Maroc Telecom : une baisse de −3\s200", s) for s in summaries), summaries
