"""Creating, editing and publishing a campaign from the web interface."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model

from likewatch.organisers.models import AuditEntry, CampaignSettings, Membership, Role
from likewatch.tracking.models import Campaign

from .conftest import HOSTILE


@pytest.mark.django_db
def test_signing_in_leads_to_the_dashboard(client):
    get_user_model().objects.create_user("ana", password="pw-ana-2026-long")
    answer = client.post("/accounts/login/", {"username": "ana", "password": "pw-ana-2026-long"})
    assert answer.status_code == 302 and answer["Location"] == "/manage/"
    assert b"You do not organise any campaign yet" in client.get("/manage/").content


@pytest.mark.django_db
def test_a_wrong_password_says_so_and_signs_nobody_in(client):
    get_user_model().objects.create_user("ana", password="pw-ana-2026-long")
    answer = client.post("/accounts/login/", {"username": "ana", "password": "nope"})
    assert answer.status_code == 200 and b"errors" in answer.content
    assert client.get("/manage/").status_code == 302


def test_signing_out_takes_a_post(as_owner):
    assert as_owner.get("/accounts/logout/").status_code == 405
    assert as_owner.post("/accounts/logout/").status_code == 302
    assert as_owner.get("/manage/").status_code == 302


def test_creating_a_campaign_makes_its_creator_owner_and_keeps_it_private(client, db):
    user = get_user_model().objects.create_user("ana", password="pw-ana-2026-long")
    client.force_login(user)
    answer = client.post(
        "/manage/new/",
        {
            "title": "Boycott",
            "slug": "boycott",
            "description": "",
            "language": "ar",
            "starts_at": "2026-11-20T08:00",
            "target": "50000",
            "milestone_every": "1000",
        },
    )
    assert answer.status_code == 302 and answer["Location"] == "/manage/c/boycott/pages/add/"
    campaign = Campaign.objects.get(slug="boycott")
    assert campaign.public is False
    assert campaign.starts_at == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    assert campaign.organiser_settings.milestone_every == 1000
    assert Membership.objects.get(campaign=campaign).role == Role.OWNER
    entry = AuditEntry.objects.get(action="campaign.create")
    assert (
        entry.actor == user and entry.campaign == campaign and entry.changes["target"][1] == 50000
    )


def test_a_bad_campaign_form_says_what_is_wrong_and_keeps_the_input(client, db):
    user = get_user_model().objects.create_user("ana", password="pw-ana-2026-long")
    client.force_login(user)
    answer = client.post(
        "/manage/new/",
        {
            "title": "Kept title",
            "slug": "not a slug!",
            "language": "en",
            "starts_at": "2026-11-20T08:00",
            "ends_at": "2026-11-19T08:00",
        },
    )
    assert answer.status_code == 200
    assert b"Kept title" in answer.content
    assert answer.context["form"].errors.keys() >= {"slug", "ends_at"}
    assert not Campaign.objects.exists()


def test_moving_the_start_and_setting_target_and_milestones_is_audited(as_editor, campaign, editor):
    answer = as_editor.post(
        "/manage/c/unlike/edit/",
        {
            "title": campaign.title,
            "slug": "unlike",
            "description": "",
            "language": "fr",
            "starts_at": "2026-11-01T06:30",
            "target": "10000",
            "milestone_every": "500",
            "milestones": "60000, 25000",
        },
    )
    assert answer.status_code == 302
    campaign.refresh_from_db()
    assert campaign.starts_at == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert campaign.target == 10000
    assert CampaignSettings.objects.get(campaign=campaign).milestone_every == 500
    entry = AuditEntry.objects.get(action="campaign.edit")
    assert entry.actor == editor
    assert set(entry.changes) == {"starts_at", "target", "milestone_every", "milestones"}
    assert entry.changes["milestone_every"] == [None, 500]
    assert CampaignSettings.objects.get(campaign=campaign).milestones == [25_000, 60_000]
    # The log says what each value was and became, not just which fields changed.
    assert "milestone_every \u2013 \u2192 500" in entry.summary
    assert "target \u2013 \u2192 10000" in entry.summary
    as_editor.post(
        "/manage/c/unlike/edit/",
        {
            "title": campaign.title,
            "slug": "unlike",
            "language": "fr",
            "starts_at": "2026-11-01T06:30",
            "target": "10000",
            "milestone_every": "1000",
            "milestones": "25000 60000",
        },
    )
    latest = AuditEntry.objects.filter(action="campaign.edit").first()
    assert latest.summary.endswith("milestone_every 500 \u2192 1000.")


def test_milestones_must_be_numbers_of_people(as_editor, campaign):
    answer = as_editor.post(
        "/manage/c/unlike/edit/",
        {
            "title": campaign.title,
            "slug": "unlike",
            "language": "fr",
            "starts_at": "2026-11-01T06:30",
            "milestones": "60k",
        },
    )
    assert "60k is not a number of people" in answer.context["form"].errors["milestones"][0]


def test_only_an_owner_publishes_and_it_is_logged(as_owner, campaign, owner):
    campaign.public = False
    campaign.save()
    assert as_owner.get("/manage/c/unlike/publish/").status_code == 405
    as_owner.post("/manage/c/unlike/publish/", {"public": "1"})
    campaign.refresh_from_db()
    assert campaign.public is True
    as_owner.post("/manage/c/unlike/publish/", {"public": "0"})
    campaign.refresh_from_db()
    assert campaign.public is False
    actions = list(AuditEntry.objects.order_by("at", "id").values_list("action", flat=True))
    assert actions == ["campaign.publish", "campaign.unpublish"]


def test_hostile_titles_and_descriptions_are_shown_as_text(as_owner, campaign):
    campaign.title = HOSTILE
    campaign.description = HOSTILE
    campaign.save()
    for path in ("/manage/", "/manage/c/unlike/", "/manage/c/unlike/edit/"):
        body = as_owner.get(path).content.decode()
        assert "<script>alert" not in body and "<img src=x" not in body, path
        assert "&lt;script&gt;" in body, path


def test_the_dashboard_lists_only_my_campaigns(as_owner, owner):
    other = Campaign.objects.create(
        slug="secret", title="Someone else's", starts_at=owner.date_joined
    )
    body = as_owner.get("/manage/").content.decode()
    assert "Unlike the operator" in body and other.title not in body
