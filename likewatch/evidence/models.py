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


# The transparency log (likewatch.evidence.log) ------------------------------------------


class PageSalt(models.Model):
    """A page's secret salt: leaves name a page by SHA-256(salt || identity), not by name.

    The salt is shown only for pages of published campaigns (and put in the bundles an
    organiser exports), so a checkpoint or a proof commits to an unpublished page's history
    without telling anyone which page it is.
    """

    page = models.OneToOneField(Page, on_delete=models.CASCADE, related_name="log_salt")
    salt = models.BinaryField(max_length=16)
    commitment = models.CharField(max_length=64, db_index=True)

    def __str__(self) -> str:
        return f"salt of page {self.page_id}"


class LogState(models.Model):
    """The log's right edge: its size and the compact range (frontier) of its tree.

    One row (pk 1), locked by every append, so leaves get their indexes in one order.
    """

    size = models.PositiveBigIntegerField(default=0)
    # Fixed by the first checkpoint, so the log keeps one name even if SITE_URL changes.
    origin = models.CharField(max_length=255, blank=True)
    # The log key's verifier key (C2SP vkey): published by web processes without the key.
    vkey = models.CharField(max_length=400, blank=True)
    # The roots of the perfect subtrees making up [0, size), left to right, 32 bytes each.
    frontier = models.BinaryField(default=b"")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"log of {self.size} leaves"


class LogTile(models.Model):
    """256 consecutive leaves: what they are (refs) and, once full, the hash of their subtree.

    The leaves' own hashes are not stored: they are recomputed from the records the refs
    name. `refs` is zlib-compressed varints (see likewatch.evidence.leaves.encode_refs).
    """

    # The tile's number is its primary key: on SQLite an INTEGER PRIMARY KEY is the row id
    # itself, so a tile costs no separate id column nor a second index on its number. It is
    # never generated: the log sets it (leaf index // 256).
    index = models.BigAutoField(primary_key=True)
    count = models.PositiveSmallIntegerField(default=0)
    hash = models.BinaryField(max_length=32, null=True, blank=True)
    refs = models.BinaryField(default=b"")
    # The range of its leaves' record times (log.record_time): finds a record's leaves. Only
    # `last_at` is indexed: a lookup reads the tiles whose last time is at or after the
    # record's (few, for the recent records proofs are mostly asked for) and checks
    # `first_at` on those; an index on both would double the cost and serve one at a time.
    first_at = models.DateTimeField()
    last_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"tile {self.index} ({self.count} leaves)"


class LogDocument(models.Model):
    """The exact bytes of a rare leaf: an annotation, a review, the old chain's heads.

    History records are recomputed from the history; these are kept as written, because
    an annotation can be edited afterwards (its new text is a new leaf).
    """

    kind = models.CharField(max_length=24)
    object_id = models.PositiveBigIntegerField(default=0)
    body = models.TextField()
    sha256 = models.CharField(max_length=64)
    leaf = models.PositiveBigIntegerField(unique=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "object_id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} (leaf {self.leaf})"


class Checkpoint(models.Model):
    """A signed checkpoint of the log (C2SP tlog-checkpoint), as published."""

    size = models.PositiveBigIntegerField(unique=True)
    root = models.BinaryField(max_length=32)
    # The signed note, with the log's signature and the cosignatures gathered since.
    note = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # An RFC 3161 timestamp token over the note text, when a TSA is configured (DER).
    timestamp_token = models.BinaryField(null=True, blank=True)

    class Meta:
        ordering = ["-size"]

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class Cosignature(models.Model):
    """A witness's cosignature line on one of our checkpoints."""

    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.CASCADE, related_name="cosignatures"
    )
    witness = models.CharField(max_length=255)
    line = models.TextField()
    signed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "witness"], name="one_cosignature")
        ]
        ordering = ["checkpoint", "witness"]

    def __str__(self) -> str:
        return f"{self.witness} on {self.checkpoint_id}"


class WitnessedLog(models.Model):
    """The witness side: the latest checkpoint we cosigned for another log (by origin)."""

    origin = models.CharField(max_length=255, unique=True)
    vkey = models.CharField(max_length=400)
    size = models.PositiveBigIntegerField(default=0)
    root = models.BinaryField(max_length=32, default=b"")
    note = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"witnessing {self.origin} at {self.size}"


class WitnessRefusal(models.Model):
    """A checkpoint a witness refused: kept, since it may prove the log misbehaved."""

    origin = models.CharField(max_length=255)
    reason = models.CharField(max_length=400)
    request = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"
