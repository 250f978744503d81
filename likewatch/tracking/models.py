"""What likewatch keeps: pages, campaigns, and each page's history.

A page's history is one linear chain of records, ordered by `seq`:

- an `Observation` is a *span*: one value, when it was first and last seen, and how many
  fetches confirmed it. Only the newest record of a page may be an open span; a fetch that
  reads the same value again extends it instead of adding a row, so a stable page costs
  almost nothing.
- a `FetchFailure` is one fetch that did not produce a value (a gap, never a value).

When a new record is appended, the open span before it is *sealed*: its final state is hashed
together with the previous record's hash, and from then on it is never edited. See
`likewatch.tracking.history` for the rules and README.md ("Architecture") for why.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from likewatch.sources import platform_text


class Metric(models.TextChoices):
    LIKES = "likes", _("likes")
    FOLLOWERS = "followers", _("followers")
    SUBSCRIBERS = "subscribers", _("subscribers")
    MEMBERS = "members", _("members")


class Health(models.TextChoices):
    NEW = "new", _("not fetched yet")
    OK = "ok", _("ok")
    FAILING = "failing", _("failing")
    PAUSED = "paused", _("paused")


class FailureKind(models.TextChoices):
    RATE_LIMITED = "rate_limited", _("rate limited")
    AUTH = "auth", _("authorisation")
    NOT_FOUND = "not_found", _("not found")
    TRANSIENT = "transient", _("transient")
    INVALID = "invalid", _("invalid answer")
    MISSING_CREDENTIALS = "missing_credentials", _("missing credentials")


class Provenance(models.TextChoices):
    API = "api", _("platform API")
    SCRAPE = "scrape", _("public web page (lower confidence)")
    IMPORTED = "imported", _("imported by hand")


def default_interval() -> int:
    return settings.LIKEWATCH_DEFAULT_INTERVAL


class Page(models.Model):
    """One counted series: a public page or account on a platform, and one of its metrics.

    A platform page with two counts (a Facebook page's likes and followers) is two `Page`
    rows sharing `platform` and `platform_id`; the poller reads both with one request.
    """

    platform = models.CharField(max_length=32)
    platform_id = models.CharField(
        max_length=255,
        help_text=_("The platform's stable id, so a renamed page keeps its history."),
    )
    metric = models.CharField(max_length=16, choices=Metric.choices)
    handle = models.CharField(max_length=255, blank=True)
    name = models.CharField(max_length=255, blank=True)
    url = models.URLField(max_length=500, blank=True)
    options = models.JSONField(
        default=dict, blank=True, help_text=_("Source-specific settings, e.g. a JSONPath.")
    )
    interval = models.PositiveIntegerField(
        default=default_interval,
        help_text=_("Seconds between two fetches (at least 60)."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    # Scheduling: the poller claims a due page by moving next_fetch_at forward and taking
    # a lease; see likewatch.poller.claims.
    next_fetch_at = models.DateTimeField(default=timezone.now, db_index=True)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    paused = models.BooleanField(default=False)

    # Health, kept up to date by likewatch.tracking.history.
    health = models.CharField(max_length=16, choices=Health.choices, default=Health.NEW)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    failures_in_row = models.PositiveIntegerField(default=0)

    # When what the boards show of this page's events last changed without a new count: a
    # flagged move (an unusual gain or drop) stored, grown, withdrawn, reviewed or deleted, or
    # any other event reviewed or deleted (likewatch.events.publish.shown_changed). It is part
    # of the page's live state (likewatch.fanout.messages.page_state), so an open board redraws
    # what it keeps apart from people's moves, and each verdict, without waiting for a count.
    flags_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Head of the evidence chain: the number and hash of the last record appended.
    last_seq = models.PositiveBigIntegerField(default=0)
    # Records up to this seq are packed into segments (likewatch.tracking.segments); the later
    # ones are rows of the tail.
    segmented_seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "platform_id", "metric"], name="unique_page_series"
            )
        ]
        ordering = ["platform", "name", "metric"]

    def __str__(self) -> str:
        return f"{self.label} ({self.platform} {self.get_metric_display()})"

    @property
    def label(self) -> str:
        # Platform text: rows stored before it was cleaned at the source may still hold
        # control characters or a right-to-left override that would reverse the text around it.
        return platform_text.clean(self.name or self.handle or self.platform_id)

    @property
    def link(self) -> str:
        """The page's address when it is http(s); "" for `javascript:` and the like."""
        return platform_text.safe_link(self.url)

    def clean(self) -> None:
        if self.interval < settings.LIKEWATCH_MIN_INTERVAL:
            raise ValidationError(
                {
                    "interval": _("The poll interval must be at least %(min)d seconds.")
                    % {"min": settings.LIKEWATCH_MIN_INTERVAL}
                }
            )

    def is_stale(self, now=None) -> bool:
        """True when the last success is older than three intervals."""
        now = now or timezone.now()
        if self.last_success_at is None:
            return True
        return now - self.last_success_at > timedelta(seconds=3 * self.interval)


class Observation(models.Model):
    """A span of identical values of one page, confirmed by `fetches` fetches."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="observations")
    seq = models.PositiveBigIntegerField()
    # None means the platform hides the count (YouTube's hiddenSubscriberCount).
    value = models.BigIntegerField(null=True, blank=True)
    # The true count lies in [value, value + precision): 1 for an exact count, 100,000 for a
    # YouTube count of 10,700,000 (three significant figures, rounded down).
    precision = models.PositiveBigIntegerField(default=1)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    fetches = models.PositiveIntegerField(default=1)
    provenance = models.CharField(max_length=16, choices=Provenance.choices, default=Provenance.API)
    source_url = models.CharField(
        max_length=500, blank=True, help_text=_("The address that answered (no credentials).")
    )
    # When the platform produced the answer read at the span's last fetch, by the answer's
    # own metadata (likewatch.sources.freshness); None when it said nothing, and for counts
    # not fetched (imported). Kept per span, not only per page, so that a flat run is judged
    # by its own answers' date however long ago it ended (likewatch.events.quiet): a rescan
    # reads what live detection read. Not part of the chain's form (tracking.chain): the hash
    # covers what was measured, and records sealed before this field existed keep theirs.
    answer_produced_at = models.DateTimeField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    # Empty while the span is open; set once, when the next record seals it.
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "seq"], name="unique_observation_seq")
        ]
        indexes = [models.Index(fields=["page", "first_seen"])]
        ordering = ["page", "seq"]

    def __str__(self) -> str:
        return f"{self.page_id}#{self.seq} = {self.value} ({self.first_seen:%Y-%m-%d %H:%M})"

    @property
    def is_open(self) -> bool:
        return not self.hash


class FetchFailure(models.Model):
    """A fetch that did not produce a value: shown as a gap."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="failures")
    seq = models.PositiveBigIntegerField()
    at = models.DateTimeField()
    kind = models.CharField(max_length=24, choices=FailureKind.choices)
    message = models.TextField()
    duration_ms = models.PositiveIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["page", "seq"], name="unique_failure_seq")]
        indexes = [models.Index(fields=["page", "at"])]
        ordering = ["page", "seq"]

    def __str__(self) -> str:
        return f"{self.page_id}#{self.seq} {self.kind} at {self.at:%Y-%m-%d %H:%M}"


class Segment(models.Model):
    """Consecutive sealed records of one page, packed and compressed (`segments_codec`).

    Besides the packed records, a segment keeps what a chart of a long range needs without
    decoding it: its time range and its lowest and highest value with when each was first
    seen.
    """

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="segments")
    first_seq = models.PositiveBigIntegerField()
    last_seq = models.PositiveBigIntegerField()
    start = models.DateTimeField(help_text=_("The earliest moment of its records."))
    end = models.DateTimeField(help_text=_("The latest moment of its records."))
    low = models.BigIntegerField(null=True)
    low_at = models.DateTimeField(null=True)
    high = models.BigIntegerField(null=True)
    high_at = models.DateTimeField(null=True)
    spans = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "first_seq"], name="unique_segment_seq")
        ]
        indexes = [models.Index(fields=["page", "end"])]
        ordering = ["page", "first_seq"]

    def __str__(self) -> str:
        return f"{self.page_id}#{self.first_seq}-{self.last_seq}"


class Direction(models.TextChoices):
    LEAVE = "leave", _("leave")
    JOIN = "join", _("join")


class Campaign(models.Model):
    """A campaign: pages to watch from a start time (the baseline) on."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    starts_at = models.DateTimeField(help_text=_("The baseline: change is counted from here."))
    ends_at = models.DateTimeField(null=True, blank=True)
    target = models.PositiveBigIntegerField(
        null=True, blank=True, help_text=_("How many people the campaign hopes will move.")
    )
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    public = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    pages = models.ManyToManyField(Page, through="CampaignPage", related_name="campaigns")

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must come after the start.")})


def account_of(page: Page) -> str:
    """The platform page or account a series belongs to: its likes and its followers share it."""
    return f"{page.platform}:{page.platform_id}"


class CampaignPage(models.Model):
    """A series a campaign follows. One metric per platform page: a person who unlikes and
    unfollows a page is one person, so a campaign never adds two series of one account
    (`account`, kept from the page, is unique within a campaign)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="entries")
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="entries")
    account = models.CharField(max_length=300, editable=False)
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.LEAVE)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "page"], name="unique_campaign_page"),
            models.UniqueConstraint(
                fields=["campaign", "account"], name="one_metric_per_account_in_campaign"
            ),
        ]
        ordering = ["campaign", "position", "id"]

    def __str__(self) -> str:
        return f"{self.campaign.slug}: {self.page} ({self.direction})"

    def save(self, *args, **kwargs) -> None:
        self.account = account_of(self.page)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.account = account_of(self.page)
        other = (
            CampaignPage.objects.filter(campaign_id=self.campaign_id, account=self.account)
            .exclude(pk=self.pk)
            .select_related("page")
            .first()
        )
        if other is not None and other.page_id != self.page_id:
            raise ValidationError(
                _(
                    "%(page)s is already in this campaign with its %(metric)s: a campaign counts "
                    "one metric per page, so one person is never counted twice."
                )
                % {"page": other.page.label, "metric": other.page.get_metric_display()}
            )


class Round(models.Model):
    """One committed write of history, kept until every consumer has read it.

    `position` numbers the rounds 1, 2, 3… in the order they committed (the write path takes
    the number from the `Cursor` row named `Cursor.WRITTEN` as its last statement, so a later
    number never commits before an earlier one). `records` is the round's written records in
    the compact form of `likewatch.tracking.consumers.encode`. See that module.
    """

    position = models.BigIntegerField(primary_key=True)
    records = models.TextField()

    def __str__(self) -> str:
        return f"round {self.position}"


class Cursor(models.Model):
    """How far one consumer of the history has read: the last round it processed.

    The row named `WRITTEN` is not a consumer: it holds the newest round written.
    """

    WRITTEN = "*written"

    name = models.CharField(max_length=64, primary_key=True)
    position = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} at round {self.position}"
