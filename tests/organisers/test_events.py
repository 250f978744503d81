"""Reviewing flagged events: confirm or dismiss with a note the public sees."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.utils.html import escape

if not apps.is_installed("likewatch.events"):
    pytest.skip("the events app (issue 7) is not installed", allow_module_level=True)

from likewatch.events.models import Event, Kind, Status  # noqa: E402
from likewatch.organisers.models import AuditEntry  # noqa: E402
from likewatch.tracking.models import Campaign, CampaignPage, Page  # noqa: E402

from .conftest import HOSTILE  # noqa: E402


@pytest.fixture
def event(campaign):
    page = Page.objects.create(
        platform="facebook", platform_id="7", metric="followers", name="Inwi"
    )
    CampaignPage.objects.create(campaign=campaign, page=page)
    start = campaign.starts_at + timedelta(hours=3)
    return Event.objects.create(
        page=page,
        kind=Kind.GAIN,
        start=start,
        end=start + timedelta(minutes=10),
        size=12000,
        expected=-300,
        seen=11700,
        confidence=0.97,
    )


def test_editors_see_open_events_with_the_detector_s_sentence(as_editor, event):
    answer = as_editor.get("/manage/c/unlike/events/")
    assert answer.status_code == 200
    body = answer.content.decode()
    # The page shows the sentence HTML-escaped ("page's" arrives as "page&#x27;s").
    assert "Inwi" in body and escape(event.sentence()) in body


def test_confirming_with_a_note_is_saved_and_audited(as_editor, editor, event):
    answer = as_editor.post(
        f"/manage/c/unlike/events/{event.pk}/review/",
        {"status": Status.CONFIRMED, "note": "The operator bought likes (press report)."},
    )
    assert answer.status_code == 302
    event.refresh_from_db()
    assert event.status == Status.CONFIRMED and event.reviewed_by == editor
    assert event.note == "The operator bought likes (press report)."
    entry = AuditEntry.objects.get(action="event.review")
    assert entry.changes["status"] == [Status.OPEN, Status.CONFIRMED]
    # Reviewed events leave the default (open) list but show under their status.
    assert "Inwi" not in as_editor.get("/manage/c/unlike/events/").content.decode()
    assert "Inwi" in as_editor.get("/manage/c/unlike/events/?status=confirmed").content.decode()


def test_a_bad_verdict_changes_nothing(as_editor, event):
    as_editor.post(f"/manage/c/unlike/events/{event.pk}/review/", {"status": "maybe"})
    event.refresh_from_db()
    assert event.status == Status.OPEN and not AuditEntry.objects.exists()


def test_hostile_notes_are_escaped(as_editor, event):
    event.review(Status.DISMISSED, HOSTILE)
    body = as_editor.get("/manage/c/unlike/events/?status=dismissed").content.decode()
    assert "<script>alert" not in body and "&lt;script&gt;" in body


def test_events_of_other_campaigns_cannot_be_reviewed(as_editor, editor, event):
    from django.utils import timezone

    from likewatch.organisers.models import Membership, Role

    mine = Campaign.objects.create(slug="mine", title="Mine", starts_at=timezone.now())
    Membership.objects.create(campaign=mine, user=editor, role=Role.EDITOR)
    answer = as_editor.post(
        f"/manage/c/mine/events/{event.pk}/review/", {"status": Status.DISMISSED}
    )
    assert answer.status_code == 404
    event.refresh_from_db()
    assert event.status == Status.OPEN


def _campaign_b_with(page, public=True):
    other = Campaign.objects.create(
        slug="b-campaign", title="B", starts_at=page.created_at - timedelta(days=1), public=public
    )
    CampaignPage.objects.create(campaign=other, page=page)
    return other


def test_an_editor_cannot_forge_a_verdict_on_a_page_another_campaign_tracks(
    as_editor, event, campaign
):
    """The attack: attach B's page to A, dismiss B's event, detach. Refused at the verdict."""
    other = _campaign_b_with(event.page, public=False)
    answer = as_editor.post(
        f"/manage/c/unlike/events/{event.pk}/review/",
        {"status": Status.DISMISSED, "note": "forged"},
        follow=True,
    )
    event.refresh_from_db()
    assert event.status == Status.OPEN and event.note == ""
    assert not AuditEntry.objects.filter(action="event.review").exists()
    body = answer.content.decode()
    assert "You may not give a verdict" in body
    # The refusal names no other campaign.
    assert other.slug not in body and "another campaign" not in body.lower()


def test_a_verdict_is_filed_under_every_campaign_it_shows_on(client, editor, event, campaign):
    from likewatch.organisers.models import Membership, Role

    other = _campaign_b_with(event.page)
    Membership.objects.create(campaign=other, user=editor, role=Role.EDITOR)
    client.force_login(editor)
    client.post(
        f"/manage/c/unlike/events/{event.pk}/review/",
        {"status": Status.CONFIRMED, "note": "bought"},
    )
    event.refresh_from_db()
    assert event.status == Status.CONFIRMED
    filed = set(
        AuditEntry.objects.filter(action="event.review").values_list("campaign_slug", flat=True)
    )
    assert filed == {campaign.slug, other.slug}
