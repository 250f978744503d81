"""Owners invite editors by e-mail; the link lets them in once."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from likewatch.organisers.models import AuditEntry, Invitation, Membership, Role, digest


def _invite(client, email="nadia@example.org", role="editor"):
    answer = client.post("/manage/c/unlike/people/", {"email": email, "role": role})
    assert answer.status_code == 302
    link = re.search(r"https?://\S+/manage/invitations/(\S+)/", mail.outbox[-1].body)
    return link.group(0).split("://", 1)[1].split("/", 1)[1], link.group(1)


def test_an_owner_invites_by_email_in_the_campaign_language(as_owner, campaign):
    path, token = _invite(as_owner)
    message = mail.outbox[0]
    assert message.to == ["nadia@example.org"]
    assert campaign.title in message.subject
    invitation = Invitation.objects.get()
    # Only the hash of the link is stored.
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64
    assert AuditEntry.objects.get(action="member.invite").changes["email"] == "nadia@example.org"


def test_a_new_person_creates_an_account_from_the_link(as_owner, client, campaign):
    path, _token = _invite(as_owner)
    client.logout()
    page = client.get("/" + path)
    assert page.status_code == 200 and b"Create your account" in page.content
    answer = client.post(
        "/" + path,
        {
            "username": "nadia",
            "email": "nadia@example.org",
            "password1": "a-long-pass-2026",
            "password2": "a-long-pass-2026",
        },
    )
    assert answer.status_code == 302 and answer["Location"] == "/manage/c/unlike/"
    nadia = get_user_model().objects.get(username="nadia")
    assert Membership.objects.get(user=nadia).role == Role.EDITOR
    # The link works once.
    client.logout()
    assert client.get("/" + path).status_code == 404


def test_a_signed_in_person_accepts_with_their_account(as_owner, client, campaign):
    path, _token = _invite(as_owner, role="owner")
    existing = get_user_model().objects.create_user("sam", password="pw-sam-2026-long")
    client.force_login(existing)
    client.post("/" + path)
    assert Membership.objects.get(user=existing).role == Role.OWNER


@pytest.mark.django_db
def test_an_unknown_or_expired_link_is_not_found(client, campaign, owner):
    assert client.get("/manage/invitations/made-up-token/").status_code == 404
    token = "expired-invitation-token"
    Invitation.objects.create(
        campaign=campaign,
        email="x@example.org",
        token_hash=digest(token),
        invited_by=owner,
        expires_at=campaign.starts_at - timedelta(days=1),
    )
    assert client.get(f"/manage/invitations/{token}/").status_code == 404


def test_an_editor_cannot_invite(as_editor):
    answer = as_editor.post("/manage/c/unlike/people/", {"email": "x@example.org", "role": "owner"})
    assert answer.status_code == 403
    assert not mail.outbox and not Invitation.objects.exists()


def test_the_last_owner_stays(as_owner, owner, editor):
    mine = Membership.objects.get(user=owner)
    answer = as_owner.post(f"/manage/c/unlike/people/{mine.pk}/remove/", follow=True)
    assert b"at least one owner" in answer.content
    assert Membership.objects.filter(user=owner).exists()
    theirs = Membership.objects.get(user=editor)
    as_owner.post(f"/manage/c/unlike/people/{theirs.pk}/remove/")
    assert not Membership.objects.filter(user=editor).exists()


def test_withdrawing_an_invitation_kills_the_link(as_owner, client):
    path, _token = _invite(as_owner)
    invitation = Invitation.objects.get()
    as_owner.post(f"/manage/c/unlike/invitations/{invitation.pk}/revoke/")
    client.logout()
    assert client.get("/" + path).status_code == 404


@pytest.mark.django_db
def test_password_reset_sends_a_link_that_works(client):
    user = get_user_model().objects.create_user("ana", "ana@example.org", "old-pass-2026-x")
    answer = client.post("/accounts/reset/", {"email": "ana@example.org"})
    assert answer.status_code == 302 and answer["Location"] == "/accounts/reset/sent/"
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "new-pass-2026-y", "new_password2": "new-pass-2026-y"},
    )
    user.refresh_from_db()
    assert user.check_password("new-pass-2026-y")


@pytest.mark.django_db
def test_password_reset_for_an_unknown_address_reveals_nothing(client):
    answer = client.post("/accounts/reset/", {"email": "nobody@example.org"})
    assert answer.status_code == 302 and not mail.outbox


def test_changing_one_s_password(as_editor, editor):
    answer = as_editor.post(
        "/accounts/password/",
        {
            "old_password": "pw-eddie-2026",
            "new_password1": "brand-new-pass-2026",
            "new_password2": "brand-new-pass-2026",
        },
    )
    assert answer.status_code == 302 and answer["Location"] == "/accounts/password/done/"
    editor.refresh_from_db()
    assert editor.check_password("brand-new-pass-2026")


def test_a_wrong_old_password_changes_nothing(as_editor, editor):
    answer = as_editor.post(
        "/accounts/password/",
        {
            "old_password": "nope",
            "new_password1": "x-pass-2026-y",
            "new_password2": "x-pass-2026-y",
        },
    )
    assert answer.status_code == 200 and "old_password" in answer.context["form"].errors
    editor.refresh_from_db()
    assert editor.check_password("pw-eddie-2026")
