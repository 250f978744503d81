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


def test_an_events_page_gives_its_window_in_utc_and_its_size_with_signs(client, public_event):
    body = client.get(f"/events/{public_event.pk}/").content.decode()
    # The server's text says its zone (the browser rewrites it in the reader's own).
    assert '<time datetime="2016-02-26T12:00:00Z">Feb 26, 2016, 12:00 UTC</time>' in body
    assert '<time datetime="2016-02-26T12:05:00Z">Feb 26, 2016, 12:05 UTC</time>' in body
    assert ">\u2212200<" in body and ">\u22123,200<" in body  # expected, measured
    assert "Beyond what was expected" in body and ">\u22123,000<" in body
    brief = flag(public_event.page, kind="gain")
    Event.objects.filter(pk=brief.pk).update(
        start=T0 + timedelta(hours=1, seconds=4), end=T0 + timedelta(hours=1, seconds=34)
    )
    inside_a_minute = client.get(f"/events/{brief.pk}/").content.decode()
    assert ">Feb 26, 2016, 13:00:04 UTC</time>" in inside_a_minute
    assert ">Feb 26, 2016, 13:00:34 UTC</time>" in inside_a_minute
    client.cookies["django_language"] = "ar"
    arabic = client.get(f"/events/{public_event.pk}/").content.decode()
    assert "26 فبراير 2016، 12:00 UTC" in arabic and ">\u22123,000<" in arabic


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


def test_a_platform_wide_move_has_its_page_and_is_said_once_in_the_feed(client, public_event):
    from likewatch.events.models import PlatformEvent
    from likewatch.web.feeds import items

    other = Page.objects.create(platform="facebook", platform_id="x2", metric="likes", name="B")
    third = Page.objects.create(platform="facebook", platform_id="x3", metric="likes", name="C3")
    moved = PlatformEvent.objects.create(
        platform="facebook",
        kind="purge",
        start=T0,
        end=T0 + timedelta(minutes=5),
        size=-9000.0,
        pages=3,
        tracked=3,
    )
    for page in (other, third):
        flag(page).__class__.objects.filter(page=page).update(platform_event=moved)
    Event.objects.filter(pk=public_event.pk).update(
        platform_event=moved, details={"platform_pages": 2, "platform_checked": 2}
    )

    body = client.get(f"/events/platform/{moved.pk}/").content.decode()
    assert "3 of the 3 tracked pages on Facebook dropped at the same time" in body
    # Its size as every other figure: a minus sign, not a hyphen (drawn "9,000-" in Arabic).
    assert '<dd class="num" dir="ltr">−9,000</dd>' in body
    arabic = client.get(f"/events/platform/{moved.pk}/", HTTP_ACCEPT_LANGUAGE="ar")
    assert "⁨Facebook⁩" in arabic.content.decode().split("<h1>", 1)[1].split("</h1>")[0]
    assert "Maroc Telecom: a drop of" in body  # the page the public may see
    assert "C3" not in body  # pages of no public campaign stay hidden
    listing = client.get("/events/").content.decode()
    assert f'href="/events/platform/{moved.pk}/"' in listing

    campaign = Campaign.objects.get(slug="c")
    entries = [i for i in items(campaign) if "event" in i.guid]
    assert [i.guid.rsplit("#", 1)[1] for i in entries] == [f"platform-event-{moved.pk}"]
    assert entries[0].title == "Facebook: many tracked pages moved at once"


def test_a_platform_wide_move_none_of_whose_pages_is_public_is_not_found(client, page):
    from likewatch.events.models import PlatformEvent

    moved = PlatformEvent.objects.create(
        platform="facebook", kind="gain", start=T0, end=T0, size=1.0, pages=3, tracked=3
    )
    Event.objects.filter(pk=flag(page).pk).update(platform_event=moved)
    assert client.get(f"/events/platform/{moved.pk}/").status_code == 404
