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
