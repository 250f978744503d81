"""The public event pages show the events of public campaigns, with their verdicts."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from likewatch.events.models import Event, Status
from likewatch.tracking.models import Campaign, CampaignPage, Page

from .conftest import T0

pytestmark = pytest.mark.django_db


def flag(page, kind="purge"):
    return Event.objects.create(
        page=page,
        kind=kind,
        start=T0,
        end=T0 + timedelta(minutes=5),
        size=-3000.0,
        expected=-200.0,
        seen=-3200.0,
        confidence=0.88,
    )


@pytest.fixture
def public_event(page):
    made = Campaign.objects.create(slug="c", title="C", starts_at=T0)
    CampaignPage.objects.create(campaign=made, page=page)
    return flag(page)


def test_the_list_shows_public_events_with_their_sentences(client, public_event):
    body = client.get("/events/").content.decode()
    assert "Maroc Telecom: a drop of" in body
    assert f'href="/events/{public_event.pk}/"' in body


def test_a_dismissed_event_stays_visible_with_the_note(client, public_event):
    user = get_user_model().objects.create_user("organiser")
    public_event.review(Status.DISMISSED, "Spam accounts removed by the platform.", user)

    body = client.get(f"/events/{public_event.pk}/").content.decode()
    assert "Dismissed by the organisers: Spam accounts removed by the platform." in body
    assert "organiser" in body and "88 %" in body
    assert f'href="/p/{public_event.page_id}/"' in body  # the records it covers


def test_events_of_pages_on_no_public_campaign_are_hidden(client, public_event):
    hidden = flag(Page.objects.create(platform="facebook", platform_id="x", metric="likes"))
    assert client.get(f"/events/{hidden.pk}/").status_code == 404
    assert f"/events/{hidden.pk}/" not in client.get("/events/").content.decode()


def test_the_list_filters_by_kind_and_page(client, public_event, page):
    assert "a drop of" in client.get(f"/events/?kind=purge&page={page.pk}").content.decode()
    assert "a drop of" not in client.get("/events/?kind=gain").content.decode()
    assert client.get("/events/?kind=nonsense&page=abc").status_code == 200


def test_the_pages_speak_arabic(client, public_event):
    client.cookies["django_language"] = "ar"
    body = client.get(f"/events/{public_event.pk}/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    # The English name is isolated inside the Arabic sentence (FSI…PDI), so its colon stays put.
    assert "\u2068Maroc Telecom\u2069: انخفاض قدره" in body and 'dir="rtl"' in body
