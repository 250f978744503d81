"""Owners set a campaign's alert channels in the interface; the URLs stay secret."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from likewatch.alerts.models import AlertSettings
from likewatch.organisers.models import AuditEntry, Membership, Role

SECRET_URL = "tgram://123456789:TESTsecretBotToken0123456789abcdef/987654"


@pytest.fixture
def as_owner(client, campaign):
    owner = get_user_model().objects.create_user("olivia", password="pw-olivia-2026")
    Membership.objects.create(campaign=campaign, user=owner, role=Role.OWNER)
    client.force_login(owner)
    return client


def _save(client, urls="", **extra):
    data = {"urls": urls, "enabled": "on", "digest_seconds": "120", **extra}
    return client.post("/manage/c/unlike/alerts/", data)


def test_saved_urls_are_encrypted_and_shown_masked(as_owner, campaign):
    assert _save(as_owner, SECRET_URL).status_code == 302
    config = AlertSettings.objects.get(campaign=campaign)
    assert config.urls == [SECRET_URL] and config.digest_seconds == 120
    with connection.cursor() as cursor:
        cursor.execute("SELECT urls_ciphertext FROM alerts_alertsettings")
        assert "TESTsecret" not in cursor.fetchone()[0]
    body = as_owner.get("/manage/c/unlike/alerts/").content.decode()
    assert "TESTsecret" not in body and "tgram://••••7654" in body
    assert "TESTsecret" not in str(AuditEntry.objects.get(action="alerts.edit").changes)


def test_an_empty_box_keeps_the_saved_urls_and_clear_removes_them(as_owner, campaign):
    _save(as_owner, SECRET_URL)
    _save(as_owner, "")
    assert AlertSettings.objects.get().urls == [SECRET_URL]
    _save(as_owner, "", clear="on")
    assert AlertSettings.objects.get().urls == []


def test_an_address_apprise_does_not_know_is_refused(as_owner, campaign):
    answer = _save(as_owner, f"{SECRET_URL}\nnot a url at all")
    assert answer.status_code == 200
    assert "Apprise does not recognise line 2." in answer.content.decode()
    # What was typed stays in the box to be corrected, on a page no cache may keep.
    assert SECRET_URL in answer.content.decode()
    assert answer["Cache-Control"] == "no-store"
    assert not AlertSettings.objects.get().urls


def test_the_test_button_reaches_the_channel(as_owner, campaign, receiver):
    _save(as_owner, receiver.apprise_url)
    answer = as_owner.post("/manage/c/unlike/alerts/test/", follow=True)
    assert "Test alert sent." in answer.content.decode()
    [post] = receiver.posts
    assert "/c/unlike/" in post["json"]["message"]


def test_addresses_no_key_can_read_are_reported_not_crashed_on(as_owner, campaign, settings):
    _save(as_owner, SECRET_URL)
    from cryptography.fernet import Fernet

    # A dedicated key replaces the one derived from SECRET_KEY, without keeping it.
    settings.LIKEWATCH_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    page = as_owner.get("/manage/c/unlike/alerts/")
    assert page.status_code == 200 and "enter the addresses again" in page.content.decode()
    answer = as_owner.post("/manage/c/unlike/alerts/test/", follow=True)
    assert "cannot be decrypted" in answer.content.decode()
