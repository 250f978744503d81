"""Invitations under attack: one link, several simultaneous sign-ups; hostile titles."""

from __future__ import annotations

import secrets
import threading

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.utils import timezone

from likewatch.organisers.models import Invitation, Membership, Role, digest
from likewatch.tracking.models import Campaign

from .live import TOKEN, Browser, organiser

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def campaign(db):
    return Campaign.objects.create(slug="unlike", title="Unlike", starts_at=timezone.now())


def test_four_simultaneous_sign_ups_through_one_link_make_one_member(live_server, campaign):
    if connection.vendor == "sqlite":
        # The test database is SQLite in memory, shared between threads with table locks
        # that a file database (IMMEDIATE transactions, a busy timeout) does not have.
        pytest.skip("needs a real concurrent database: run with DATABASE_URL=postgres://…")
    owner = organiser(campaign)
    token = secrets.token_urlsafe(32)
    Invitation.objects.create(
        campaign=campaign, email="x@example.org", token_hash=digest(token), invited_by=owner
    )
    path = f"/manage/invitations/{token}/"
    clients, tokens = [], []
    for _ in range(4):
        http = httpx.Client(base_url=live_server.url, timeout=60)
        tokens.append(TOKEN.search(http.get(path).text).group(1))
        clients.append(http)
    start = threading.Barrier(4)
    answers: list[int] = []

    def sign_up(n: int) -> None:
        start.wait()
        answer = clients[n].post(
            path,
            data={
                "username": f"newcomer{n}",
                "email": f"n{n}@example.org",
                "password1": "a-long-enough-password-2026",
                "password2": "a-long-enough-password-2026",
                "csrfmiddlewaretoken": tokens[n],
            },
            headers={"Referer": live_server.url + path},
        )
        answers.append(answer.status_code)

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for http in clients:
        http.close()
    assert Membership.objects.filter(campaign=campaign).exclude(user=owner).count() == 1
    # The losers created no account either.
    assert get_user_model().objects.filter(username__startswith="newcomer").count() == 1
    assert sorted(answers).count(302) == 1 and all(code < 500 for code in answers), answers


def test_a_title_with_line_breaks_still_gets_its_invitations_out(live_server, campaign):
    campaign.title = "Unlike\r\nBcc: victim@example.org"
    campaign.save()
    browser = Browser(live_server.url, organiser(campaign))
    answer = browser.post_form(
        "/manage/c/unlike/people/", {"email": "ed@example.org", "role": Role.EDITOR}
    )
    browser.close()
    assert answer.status_code == 200
    assert len(mail.outbox) == 1
    assert "\n" not in mail.outbox[0].subject and "\r" not in mail.outbox[0].subject
    assert mail.outbox[0].to == ["ed@example.org"]
    assert Invitation.objects.filter(campaign=campaign, email="ed@example.org").exists()
