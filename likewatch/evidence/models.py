"""Raw platform answers, their links to history records, and the signed daily digests."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from likewatch.tracking.models import Page


class RawAnswer(models.Model):
    """One platform answer body, zlib-compressed, stored once however many pages it served."""

    sha256 = models.CharField(max_length=64, unique=True, help_text=_("Of the raw body."))
    body = models.BinaryField()
    size = models.PositiveIntegerField(help_text=_("Bytes before compression."))
    first_received = models.DateTimeField(default=timezone.now)
    # Retention counts from the last time the same body came back.
    last_received = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.sha256[:12]} ({self.size} bytes)"


class RecordKind(models.TextChoices):
    OBSERVATION = "observation", _("observation")
    FAILURE = "failure", _("failed fetch")


class RawLink(models.Model):
    """Which answer produced a history record (a span's first fetch, or a failure).

    The link keeps the body's SHA-256 and survives the body: once the body is pruned the
    record still says which answer it came from, and a kept copy can be checked against it.
    It is not part of the chained hash, so pruning never touches verification.
    """

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="raw_links")
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=16, choices=RecordKind.choices)
    sha256 = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["page", "seq"], name="unique_raw_link")]
        ordering = ["page", "seq"]

    def __str__(self) -> str:
        return f"{self.page_id}#{self.seq} <- {self.sha256[:12]}"


class Digest(models.Model):
    """A signed statement of every page's chain head on one day (UTC)."""

    day = models.DateField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The exact bytes that were signed (canonical JSON), as text.
    body = models.TextField()
    signature = models.CharField(max_length=200, help_text=_("Ed25519, base64."))
    key_id = models.CharField(max_length=64)
    pages = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"digest {self.day}"

    @property
    def filename(self) -> str:
        return f"{self.day.isoformat()}.json"
