"""Raw platform answers (recent ones as received, older ones packed per platform) and the
signed daily digests."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from likewatch.tracking.models import Page


class RecordKind(models.TextChoices):
    OBSERVATION = "observation", _("observation")
    FAILURE = "failure", _("failed fetch")


class RecentAnswer(models.Model):
    """The platform answer that produced one history record (a span's first fetch, or a
    failure), kept as received until it is packed into its platform's `RawBlock`."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="recent_answers")
    # The page's platform, so the packer finds a platform's oldest answers from one index.
    platform = models.CharField(max_length=32)
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=16, choices=RecordKind.choices)
    at = models.DateTimeField()
    body = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["page", "seq"], name="unique_recent_answer")]
        indexes = [models.Index(fields=["platform", "at"]), models.Index(fields=["at"])]

    def __str__(self) -> str:
        return f"{self.page_id}#{self.seq} ({len(self.body)} bytes)"


class RawBlock(models.Model):
    """The answers of one platform over a stretch of time, packed and compressed together
    (`likewatch.evidence.raw`): consecutive answers differ in a few digits, so together they
    compress to a few bytes each, and an answer shared by fifty pages is kept once."""

    platform = models.CharField(max_length=32)
    start = models.DateTimeField(help_text=_("The first answer's time."))
    end = models.DateTimeField(help_text=_("The last answer's time."), db_index=True)
    answers = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["platform", "start"])]

    def __str__(self) -> str:
        return f"{self.platform} {self.start:%Y-%m-%d %H:%M}: {self.answers} answers"


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
