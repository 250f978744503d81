"""API tokens (shown once, hashed, revocable) and the write API they open."""

import pytest
from django.contrib.auth import get_user_model

from likewatch.organisers.models import Annotation, ApiToken, AuditEntry, Membership, Role, digest
from likewatch.tracking.models import Campaign

from .conftest import HOSTILE


def _new_token(client, name="newsroom script") -> str:
    answer = client.post("/manage/tokens/", {"name": name})
    assert answer["Cache-Control"] == "no-store"
    return answer.context["token"]


def test_a_token_is_shown_once_and_stored_hashed(as_editor, editor):
    token = _new_token(as_editor)
    assert token.startswith("lw_") and len(token) > 40
    row = ApiToken.objects.get()
    assert row.token_hash == digest(token) and row.user == editor
    again = as_editor.get("/manage/tokens/").content.decode()
    assert token not in again and f"lw_{row.hint}" in again
    assert AuditEntry.objects.get(action="token.create").actor == editor


def _bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_write_api_creates_a_campaign_owned_by_the_token_owner(as_editor, editor):
    token = _new_token(as_editor)
    answer = as_editor.post(
        "/api/manage/campaigns",
        {"title": "Leave Brand X", "target": 20000, "milestone_every": 1000},
        content_type="application/json",
        **_bearer(token),
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["slug"] == "leave-brand-x" and answer.json()["public"] is False
    campaign = Campaign.objects.get(slug="leave-brand-x")
    assert Membership.objects.get(campaign=campaign, user=editor).role == Role.OWNER
    assert AuditEntry.objects.get(action="campaign.create", via="api").actor == editor
    assert token not in answer.content.decode()
    duplicate = as_editor.post(
        "/api/manage/campaigns",
        {"title": "Leave Brand X"},
        content_type="application/json",
        **_bearer(token),
    )
    assert duplicate.status_code == 409


def test_the_write_api_publishes_and_unpublishes(as_editor, editor):
    token = _new_token(as_editor)
    as_editor.post(
        "/api/manage/campaigns",
        {"title": "Leave Brand X", "milestones": [60000]},
        content_type="application/json",
        **_bearer(token),
    )
    campaign = Campaign.objects.get(slug="leave-brand-x")
    assert campaign.organiser_settings.milestones == [60000]
    for public in (True, False):
        answer = as_editor.post(
            "/api/manage/campaigns/leave-brand-x/publish",
            {"public": public},
            content_type="application/json",
            **_bearer(token),
        )
        assert answer.status_code == 200 and answer.json()["public"] is public
        campaign.refresh_from_db()
        assert campaign.public is public
    actions = list(AuditEntry.objects.filter(via="api").values_list("action", flat=True))
    assert "campaign.publish" in actions and "campaign.unpublish" in actions


def test_adding_pages_and_annotating_through_the_api(as_editor, campaign, facebook_settings):
    token = _new_token(as_editor)
    pages = as_editor.post(
        "/api/manage/campaigns/unlike/pages",
        {"lines": ["facebook.com/meditel", "https://example.org/x"]},
        content_type="application/json",
        **_bearer(token),
    )
    assert pages.status_code == 200
    first, second = pages.json()
    assert first["ok"] and {p["name"] for p in first["pages"]} == {"Meditel"}
    assert not second["ok"] and "not a page address" in second["error"]
    # One count per page: the platform's main audience figure unless the line asks another.
    assert list(campaign.pages.values_list("metric", flat=True)) == ["followers"]
    likes = as_editor.post(
        "/api/manage/campaigns/unlike/pages",
        {"lines": ["facebook.com/meditel"], "metric": "likes"},
        content_type="application/json",
        **_bearer(token),
    ).json()[0]
    # Meditel's likes are now tracked, but the campaign already counts its followers.
    assert not likes["ok"] and "one metric per page" in likes["error"]
    assert campaign.pages.count() == 1
    note = as_editor.post(
        "/api/manage/campaigns/unlike/annotations",
        {"at": "2026-11-21T14:05:00Z", "text": HOSTILE},
        content_type="application/json",
        **_bearer(token),
    )
    assert note.status_code == 201
    # JSON carries the text as data; it is escaped where it is shown as HTML.
    assert note.json()["text"] == HOSTILE
    assert Annotation.objects.get().text == HOSTILE
    assert note["Content-Type"].startswith("application/json")


def test_a_token_cannot_touch_a_campaign_without_its_owner_s_role(as_editor, db):
    token = _new_token(as_editor)
    Campaign.objects.create(slug="theirs", title="Theirs", starts_at="2026-01-01T00:00Z")
    answer = as_editor.post(
        "/api/manage/campaigns/theirs/annotations",
        {"at": "2026-11-21T14:05:00Z", "text": "x"},
        content_type="application/json",
        **_bearer(token),
    )
    assert answer.status_code == 403
    assert not Annotation.objects.exists()


@pytest.mark.django_db
def test_no_token_a_wrong_token_or_a_revoked_token_is_refused(as_editor, campaign):
    token = _new_token(as_editor)
    url, body = "/api/manage/campaigns", {"title": "Nope"}
    assert as_editor.post(url, body, content_type="application/json").status_code == 401
    wrong = as_editor.post(url, body, content_type="application/json", **_bearer("lw_" + "x" * 43))
    assert wrong.status_code == 401
    row = ApiToken.objects.get()
    as_editor.post(f"/manage/tokens/{row.pk}/revoke/")
    row.refresh_from_db()
    assert row.revoked_at is not None
    revoked = as_editor.post(url, body, content_type="application/json", **_bearer(token))
    assert revoked.status_code == 401
    assert not Campaign.objects.filter(title="Nope").exists()


def test_a_deactivated_person_s_tokens_stop_working(as_editor, editor):
    token = _new_token(as_editor)
    editor.is_active = False
    editor.save()
    answer = as_editor.post(
        "/api/manage/campaigns",
        {"title": "Ghost"},
        content_type="application/json",
        **_bearer(token),
    )
    assert answer.status_code == 401


def test_nobody_revokes_someone_else_s_token(as_editor, client):
    token_owner = get_user_model().objects.create_user("other", password="pw-other-2026")
    row = ApiToken.objects.create(user=token_owner, name="theirs", hint="abc", token_hash="0" * 64)
    assert as_editor.post(f"/manage/tokens/{row.pk}/revoke/").status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None


def test_a_refused_token_is_not_logged(client, db, caplog):
    import logging

    attempt = "lw_" + "s" * 43
    with caplog.at_level(logging.DEBUG):
        answer = client.post(
            "/api/manage/campaigns",
            {"title": "x"},
            content_type="application/json",
            **_bearer(attempt),
        )
    assert answer.status_code == 401
    assert attempt not in caplog.text and attempt not in answer.content.decode()
