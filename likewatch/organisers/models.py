"""What organisers keep: who may change which campaign, their notes, secrets and the audit log.

Campaigns, pages and history live in `likewatch.tracking`; this app only adds the people and
the configuration around them, so it never needs a migration in the tracking app.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from likewatch.organisers import encryption
from likewatch.tracking.models import Campaign


class Role(models.TextChoices):
    OWNER = "owner", _("owner")
    EDITOR = "editor", _("editor")


def digest(token: str) -> str:
    """How a bearer secret (invitation link, API token) is stored: its SHA-256, never itself."""
    return hashlib.sha256(token.encode()).hexdigest()


class Membership(models.Model):
    """A person's role in one campaign. Owners manage people and alerts; editors the rest."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.EDITOR)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="unique_membership")
        ]
        ordering = ["campaign", "role", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} {self.role} of {self.campaign.slug}"


def invitation_expiry():
    return timezone.now() + timedelta(days=7)


class Invitation(models.Model):
    """An owner's invitation, sent as a link by e-mail. Only the link's hash is stored."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.EDITOR)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} as {self.role} of {self.campaign.slug}"

    @property
    def usable(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class CampaignSettings(models.Model):
    """Organiser-side settings of a campaign that the tracking app does not need."""

    campaign = models.OneToOneField(
        Campaign, on_delete=models.CASCADE, related_name="organiser_settings"
    )
    milestone_every = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text=_("Announce a milestone every time this many more people have moved."),
    )
    # The organisers' own round numbers (e.g. [60000]), announced as well as the step's;
    # likewatch.analytics.milestones reads both.
    milestones = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"settings of {self.campaign.slug}"


class Annotation(models.Model):
    """A note on a moment of the campaign: "the operator announced new prices"."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="annotations")
    at = models.DateTimeField(_("moment"))
    text = models.CharField(_("text"), max_length=500)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["campaign", "at"]
        indexes = [models.Index(fields=["campaign", "at"])]

    def __str__(self) -> str:
        return f"{self.campaign.slug} {self.at:%Y-%m-%d %H:%M}: {self.text[:40]}"


class PlatformCredential(models.Model):
    """A platform token entered in the interface, encrypted at rest, one per platform."""

    platform = models.CharField(max_length=32, unique=True)
    ciphertext = models.TextField()
    last4 = models.CharField(max_length=4, blank=True)
    expires_at = models.DateTimeField(
        _("expires"), null=True, blank=True, help_text=_("When the platform says it expires.")
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    check_ok = models.BooleanField(null=True)
    check_message = models.TextField(blank=True)

    class Meta:
        ordering = ["platform"]

    def __str__(self) -> str:
        return f"{self.platform} credential {self.masked}"

    @property
    @sensitive_variables()
    def token(self) -> str:
        return encryption.decrypt(self.ciphertext)

    @token.setter
    @sensitive_variables()
    def token(self, value: str) -> None:
        self.ciphertext = encryption.encrypt(value)
        self.last4 = value[-4:] if len(value) > 8 else ""

    @property
    def masked(self) -> str:
        return "••••" + self.last4

    @property
    def expires_soon(self) -> bool:
        """True within LIKEWATCH_TOKEN_WARNING_DAYS of the expiry (and after it)."""
        return self.expires_within(settings.LIKEWATCH_TOKEN_WARNING_DAYS)

    def expires_within(self, days: int, now=None) -> bool:
        now = now or timezone.now()
        return self.expires_at is not None and self.expires_at <= now + timedelta(days=days)


class ApiToken(models.Model):
    """A bearer token for the write API, acting with its owner's roles. Shown once."""

    PREFIX = "lw_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    # The first characters after the prefix, so a person can tell their tokens apart.
    hint = models.CharField(max_length=8)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.PREFIX}{self.hint}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class AuditEntry(models.Model):
    """One change an organiser made: who, what, when. Never edited, never deleted by the UI."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Kept as text too, so the log still names a person whose account was deleted.
    actor_name = models.CharField(max_length=150)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_entries"
    )
    campaign_slug = models.CharField(max_length=80, blank=True)
    action = models.CharField(max_length=40)
    summary = models.CharField(max_length=500)
    changes = models.JSONField(default=dict, blank=True)
    via = models.CharField(max_length=8, default="web")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"
