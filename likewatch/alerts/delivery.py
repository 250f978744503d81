"""Sending alerts through Apprise, in digests, exactly once across processes.

Any number of processes may call `send_due` (several pollers, a `likewatch alerts` loop):
each claims a campaign's unsent alerts with one UPDATE that only matches unclaimed rows (or
rows whose claim expired), so two senders never send the same alert. A campaign's alerts wait
until the oldest is `digest_seconds` old, then go out together as one message.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import apprise
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from likewatch.alerts import messages
from likewatch.alerts.models import Alert, AlertSettings
from likewatch.organisers.encryption import UnreadableSecret
from likewatch.security import outbound

log = logging.getLogger(__name__)

# How long a sender may take before its claim lapses and another sender may retry.
CLAIM_SECONDS = 300
MAX_BACKOFF_SECONDS = 3600


@dataclass
class Delivery:
    campaign: str
    alerts: int
    ok: bool
    error: str = ""


def sender_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _claimable(now: datetime) -> Q:
    return Q(sent_at__isnull=True) & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))


def send_due(now: datetime | None = None, force: bool = False) -> list[Delivery]:
    """Send every campaign's digest whose window has closed (all pending ones when `force`)."""
    now = now or timezone.now()
    deliveries = []
    pending = (
        Alert.objects.filter(_claimable(now)).values("campaign").annotate(oldest=Min("created_at"))
    )
    for row in pending:
        config = AlertSettings.objects.filter(campaign_id=row["campaign"]).first()
        if config is None or not config.enabled:
            continue
        if not force and row["oldest"] > now - timedelta(seconds=config.digest_seconds):
            continue
        delivery = _send_campaign(config, now)
        if delivery:
            deliveries.append(delivery)
    return deliveries


def _claim(config: AlertSettings, now: datetime) -> list[Alert]:
    owner = sender_name()
    with transaction.atomic():
        Alert.objects.filter(_claimable(now), campaign_id=config.campaign_id).update(
            claimed_by=owner, claimed_until=now + timedelta(seconds=CLAIM_SECONDS)
        )
    return list(
        Alert.objects.filter(campaign_id=config.campaign_id, claimed_by=owner, sent_at__isnull=True)
    )


def _send_campaign(config: AlertSettings, now: datetime) -> Delivery | None:
    alerts = _claim(config, now)
    if not alerts:
        return None  # another sender took them
    campaign = config.campaign
    try:
        ok, error = notify(config.urls, *messages.digest(campaign, alerts), campaign=campaign)
    except UnreadableSecret as exc:
        ok, error = False, str(exc)
    ids = [a.pk for a in alerts]
    if ok:
        Alert.objects.filter(pk__in=ids).update(sent_at=timezone.now(), last_error="")
    else:
        attempts = max(a.attempts for a in alerts) + 1
        wait = min(MAX_BACKOFF_SECONDS, 60 * 2**attempts)
        Alert.objects.filter(pk__in=ids).update(
            claimed_by="",
            claimed_until=now + timedelta(seconds=wait),
            attempts=attempts,
            last_error=error,
        )
        log.warning("Alerts for campaign %s not delivered: %s", campaign.slug, error)
    return Delivery(campaign.slug, len(alerts), ok, error)


def notify(urls: list[str], title: str, body: str, campaign=None) -> tuple[bool, str]:
    """Send one message to every URL, with the campaign's share card attached where possible.

    Returns (ok, error). The error names how many channels failed, never their URLs (which
    hold bot tokens and passwords).
    """
    if not urls:
        return False, "no alert address is configured"
    # Apprise opens its own connections: each one is checked by the outbound guard first.
    outbound.guard_libraries()
    channels = []
    for url in urls:
        channel = apprise.Apprise()
        if not channel.add(url):
            return False, f"{sum(1 for u in urls if not apprise.Apprise().add(u))} alert " + (
                "address(es) are not valid Apprise URLs"
            )
        channels.append(channel)
    attach = _card(campaign) if campaign is not None else None
    failed = 0
    # One channel at a time: when a channel refuses the attachment (size, type), only that
    # channel gets the words again without it, so no channel receives the message twice.
    for channel in channels:
        ok = channel.notify(
            body=body, title=title, body_format=apprise.NotifyFormat.TEXT, attach=attach
        )
        if not ok and attach is not None:
            ok = channel.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT)
        failed += not ok
    if failed:
        return False, f"Apprise could not deliver to {failed} of {len(urls)} channel(s)"
    return True, ""


def _card(campaign) -> apprise.AppriseAttachment | None:
    """The share card as an attachment, or None when the site does not serve it (yet)."""
    attachment = apprise.AppriseAttachment()
    if not attachment.add(messages.card_url(campaign)):
        return None
    if not attachment[0].exists():
        log.info("No share card at %s: sending alerts without it.", messages.card_url(campaign))
        return None
    return attachment


def refused_lines(urls: list[str]) -> list[int]:
    """1-based numbers of the Apprise addresses that point at a host the guard refuses.

    Checked when the addresses are saved, to say so at once; the guard checks each connection
    again when sending (`outbound.guard_libraries`). Only hosts the address itself names are
    judged here (a JSON webhook's, an SMTP server's); a name that does not resolve yet is left
    for the send-time check.
    """
    refused = []
    for number, url in enumerate(urls, 1):
        plugin = apprise.Apprise.instantiate(url)
        if plugin is None:
            continue
        host = getattr(plugin, "smtp_host", None) or _own_host(plugin)
        if not host:
            continue
        port = getattr(plugin, "port", None) or (443 if getattr(plugin, "secure", False) else 80)
        try:
            outbound.resolve_sync(str(host).strip("[]"), int(port))
        except outbound.Refused as exc:
            if "does not resolve" not in str(exc):
                refused.append(number)
    return refused


def _own_host(plugin) -> str:
    """The host a self-hosted channel (JSON, XML, form webhooks, ntfy, Gotify...) sends to.

    Hosted services (Telegram, Discord...) post to their own fixed API (`notify_url`); what
    their URLs call a host is a token, not an address.
    """
    if hasattr(type(plugin), "notify_url"):
        return ""
    host = str(getattr(plugin, "host", "") or "")
    looks_like_address = "." in host or ":" in host or host.isdigit() or host == "localhost"
    return host if looks_like_address else ""
