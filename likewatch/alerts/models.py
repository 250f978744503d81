"""Alerts: where a campaign's alerts go, and every alert raised (the memory against duplicates).

An `Alert` row is created once per happening, under a unique key ("milestone:5000",
"failing:12:2026-11-26T10:00:00"), so a restart or a second process re-checking the same
state finds the row already there and raises nothing new. Rows are then sent in digests.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from likewatch.organisers import encryption
from likewatch.tracking.models import Campaign


def default_digest_seconds() -> int:
    return settings.LIKEWATCH_ALERT_DIGEST_SECONDS


class AlertSettings(models.Model):
    """A campaign's alert channels (Apprise URLs, encrypted: they hold bot tokens)."""

    campaign = models.OneToOneField(
        Campaign, on_delete=models.CASCADE, related_name="alert_settings"
    )
    enabled = models.BooleanField(default=True)
    urls_ciphertext = models.TextField(blank=True)
    digest_seconds = models.PositiveIntegerField(default=default_digest_seconds)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = _("alert settings")

    def __str__(self) -> str:
        return f"alerts of {self.campaign.slug}"

    @property
    def urls(self) -> list[str]:
        if not self.urls_ciphertext:
            return []
        return [u for u in encryption.decrypt(self.urls_ciphertext).splitlines() if u]

    @urls.setter
    def urls(self, value: list[str]) -> None:
        self.urls_ciphertext = encryption.encrypt("\n".join(value)) if value else ""

    def masked_urls(self) -> list[str]:
        """Each URL reduced to its scheme and last four characters."""
        try:
            urls = self.urls
        except encryption.UnreadableSecret:
            # The key changed without a fallback: say so instead of failing the page.
            return [_("(unreadable with the current keys: enter the addresses again)")]
        shown = []
        for url in urls:
            scheme = url.split("://", 1)[0] if "://" in url else "?"
            shown.append(f"{scheme}://{encryption.masked(url)}")
        return shown


class Kind(models.TextChoices):
    MILESTONE = "milestone", _("milestone")
    TARGET = "target", _("target reached")
    EVENT = "event", _("event flagged")
    FAILING = "failing", _("page failing")
    STALE = "stale", _("page stale")
    TOKEN = "token", _("token expiring")


class Alert(models.Model):
    """One happening worth telling the organisers, sent at most once."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="alerts")
    key = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # What the message needs, rendered in the campaign's language when it is sent.
    params = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A sender claims unsent alerts by writing its name and a lease; others skip them.
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "key"], name="unique_alert_key")]
        indexes = [models.Index(fields=["sent_at", "campaign"])]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.campaign.slug} {self.key}"
