"""Sending alerts through Apprise to a local webhook over real HTTP: digests, once only."""

import base64
from datetime import timedelta

from django.utils import timezone

from likewatch.alerts import checks, delivery
from likewatch.alerts.models import Alert, Kind
from likewatch.cli.management.commands.alerts import Command

from .conftest import CARD, drop


def _later(seconds=61):
    return timezone.now() + timedelta(seconds=seconds)


def test_a_burst_of_alerts_goes_out_as_one_message_with_the_card(
    campaign, page, alerting, receiver
):
    drop(page, 93_000)  # crosses 7000 and the target of 5000 at once
    checks.check_campaign(campaign)
    assert delivery.send_due() == []  # the digest window is still open
    [sent] = delivery.send_due(now=_later())
    assert sent.ok and sent.alerts == 2
    [post] = receiver.posts
    message = post["json"]
    # In the campaign's language (French), with French number grouping.
    assert message["title"] == f"likewatch : 2 alertes pour {campaign.title}"
    assert "Palier : 7\u202f000 personnes ont bougé" in message["message"]
    assert "Objectif atteint" in message["message"]
    assert f"Tableau en direct : {receiver.base_url}/c/unlike/" in message["message"]
    [attachment] = message["attachments"]
    assert attachment["filename"] == "unlike.png"
    assert base64.b64decode(attachment["base64"]) == CARD
    assert not Alert.objects.filter(sent_at__isnull=True).exists()


def test_nothing_is_sent_twice_after_a_restart(campaign, page, alerting, receiver):
    drop(page, 98_000)
    checks.check_campaign(campaign)
    delivery.send_due(now=_later())
    # A new process looks at the same state: same keys, nothing new, nothing resent.
    checks.check_campaign(campaign)
    assert delivery.send_due(now=_later(600)) == []
    assert len(receiver.posts) == 1


def test_two_senders_never_send_the_same_alert(campaign, page, alerting, receiver):
    drop(page, 98_000)
    checks.check_campaign(campaign)
    now = _later()
    claimed = delivery._claim(alerting, now)
    assert len(claimed) == 1
    # While the first sender holds its claim, a second finds nothing to send.
    assert delivery.send_due(now=now) == []
    assert delivery._claim(alerting, now) == []
    assert receiver.posts == []


def test_a_failed_delivery_is_retried_later_without_leaking_the_url(
    campaign, page, alerting, receiver
):
    receiver.status = 500
    drop(page, 98_000)
    checks.check_campaign(campaign)
    [failed] = delivery.send_due(now=_later())
    assert not failed.ok
    alert = Alert.objects.get()
    assert alert.sent_at is None and alert.attempts == 1
    assert "127.0.0.1" not in alert.last_error and "hook" not in alert.last_error
    assert delivery.send_due(now=_later(90)) == []  # backing off
    receiver.status = 200
    [sent] = delivery.send_due(now=_later(61 + 121))
    assert sent.ok
    assert Alert.objects.get().sent_at is not None


def test_without_a_card_the_words_still_go_out(campaign, page, alerting, receiver, settings):
    settings.SITE_URL = "http://127.0.0.1:9"  # nothing serves the card there
    drop(page, 98_000)
    checks.check_campaign(campaign)
    [sent] = delivery.send_due(now=_later())
    assert sent.ok
    assert (
        "attachments" not in receiver.posts[0]["json"]
        or not receiver.posts[0]["json"]["attachments"]
    )


def test_disabled_alerts_are_kept_but_not_sent(campaign, page, alerting, receiver):
    alerting.enabled = False
    alerting.save()
    Alert.objects.create(
        campaign=campaign,
        key="milestone:1000",
        kind=Kind.MILESTONE,
        params={"milestone": 1000, "moved": 1000},
    )
    assert delivery.send_due(now=_later()) == []
    assert receiver.posts == []


def test_the_alerts_command_checks_and_sends(campaign, page, alerting, receiver, capsys):
    drop(page, 98_000)
    # handle() directly: the command's database check cannot see pytest's in-memory database.
    command = Command()
    command.handle(once=True, now=True, every=60)
    assert "unlike: 1 alert(s) sent" in capsys.readouterr().out
    assert len(receiver.posts) == 1
    command.handle(once=True, now=True, every=60)
    assert len(receiver.posts) == 1


def test_hostile_page_names_reach_html_channels_escaped(campaign, page, alerting, receiver):
    """An HTML channel (here the webhook asking for format=html) gets the name as text."""
    alerting.urls = [receiver.apprise_url + "?format=html"]
    alerting.save()
    page.name = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    page.save()
    Alert.objects.create(
        campaign=campaign,
        key="failing:1:x",
        kind=Kind.FAILING,
        params={"page": page.name, "page_id": page.pk, "since": "x", "error": "<b>502</b>"},
    )
    [sent] = delivery.send_due(force=True)
    assert sent.ok
    body = receiver.posts[0]["json"]["message"]
    assert "<script>" not in body and "<img" not in body and "<b>" not in body
    assert "&lt;script&gt;" in body


def test_one_alert_says_its_sentence_once_and_the_card_goes_to_each_channel_once(
    campaign, page, alerting, receiver
):
    drop(page, 98_500)  # 1,500 people: one milestone (1,000)
    checks.check_campaign(campaign)
    [sent] = delivery.send_due(now=_later())
    assert sent.ok and sent.alerts == 1
    [post] = receiver.posts
    body = post["json"]["message"]
    assert body.count("Palier") == 1
    assert body.count("Tableau en direct") == 1
