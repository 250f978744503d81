"""Organisers review events in the admin: the verdict is theirs, the measurements are not."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from likewatch.events.models import Event, Status

from .conftest import T0

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser(client):
    user = get_user_model().objects.create_superuser("organiser", "", "long-password-1")
    client.force_login(user)
    return user


@pytest.fixture
def gain(page):
    return Event.objects.create(
        page=page,
        kind="gain",
        start=T0,
        end=T0 + timedelta(minutes=5),
        size=4800.0,
        expected=-200.0,
        seen=4600.0,
        confidence=0.9,
    )


def test_dismissing_with_a_note_records_who(client, organiser, gain):
    response = client.post(
        f"/admin/events/event/{gain.pk}/change/",
        {"status": "dismissed", "note": "A giveaway drove real follows.", "size": 1},
    )
    assert response.status_code == 302
    gain.refresh_from_db()
    assert (gain.status, gain.note, gain.reviewed_by) == (
        Status.DISMISSED,
        "A giveaway drove real follows.",
        organiser,
    )
    assert gain.size == 4800.0  # read only


def test_confirming_several_at_once(client, organiser, gain):
    client.post(
        "/admin/events/event/",
        {"action": "confirm", "_selected_action": [gain.pk]},
    )
    gain.refresh_from_db()
    assert gain.status == Status.CONFIRMED and gain.reviewed_by == organiser


@pytest.fixture
def estimate(page):
    """A fresh stored effect estimate of the campaign on `page`, which took its flags out."""
    from likewatch.events.models import EffectEstimate
    from likewatch.tracking.models import Campaign

    campaign = Campaign.objects.create(slug="leave", title="Leave", starts_at=T0)
    return EffectEstimate.objects.create(campaign=campaign, page=page, data={"gains": 4800})


def _told(page, estimate, before) -> bool:
    """Whether the page's effect estimate was marked stale and its live state moved."""
    estimate.refresh_from_db()
    page.refresh_from_db()
    return estimate.stale and page.flags_changed_at != before


@pytest.mark.parametrize(
    "post",
    [
        lambda e: (f"/admin/events/event/{e.pk}/change/", {"status": "dismissed", "note": ""}),
        lambda e: ("/admin/events/event/", {"action": "confirm", "_selected_action": [e.pk]}),
        lambda e: ("/admin/events/event/", {"action": "dismiss", "_selected_action": [e.pk]}),
        lambda e: (f"/admin/events/event/{e.pk}/delete/", {"post": "yes"}),
        lambda e: (
            "/admin/events/event/",
            {"action": "delete_selected", "_selected_action": [e.pk], "post": "yes"},
        ),
    ],
    ids=["save", "confirm", "dismiss", "delete", "delete selected"],
)
def test_every_change_of_a_flag_in_the_admin_marks_the_effect_stale_and_redraws(
    client, organiser, gain, estimate, post
):
    before = gain.page.flags_changed_at
    url, data = post(gain)
    assert client.post(url, data).status_code == 302
    assert _told(gain.page, estimate, before)


@pytest.mark.parametrize("kind", ["stale", "gap"])
@pytest.mark.parametrize(
    "post",
    [
        lambda e: (f"/admin/events/event/{e.pk}/change/", {"status": "dismissed", "note": ""}),
        lambda e: ("/admin/events/event/", {"action": "confirm", "_selected_action": [e.pk]}),
        lambda e: (f"/admin/events/event/{e.pk}/delete/", {"post": "yes"}),
        lambda e: (
            "/admin/events/event/",
            {"action": "delete_selected", "_selected_action": [e.pk], "post": "yes"},
        ),
    ],
    ids=["save", "confirm", "delete", "delete selected"],
)
def test_a_change_to_any_other_event_redraws_the_boards_and_leaves_the_effect_alone(
    client, organiser, page, estimate, kind, post
):
    # A stale count's verdict shows on the boards that list it; its size is no one's move.
    event = Event.objects.create(
        page=page, kind=kind, start=T0, end=T0, size=3, expected=0, seen=0, confidence=1
    )
    before = page.flags_changed_at
    url, data = post(event)
    assert client.post(url, data).status_code == 302
    page.refresh_from_db()
    estimate.refresh_from_db()
    assert page.flags_changed_at != before
    assert not estimate.stale
