"""An event found in a page's history, and what the organisers made of it.

An event is identified by (page, kind, start): detection is a pure function of the history,
so re-running it finds the same keys and updates those rows (an ongoing event extends its
`end`) instead of adding new ones. Reviewed events (confirmed or dismissed) are never
changed or withdrawn by detection again: what an organiser said stays, and the public sees it.

Interface for other apps:

- `Event.objects.for_pages(ids, since, until)`: events overlapping a time range;
- `event.sentence()`: the explanation in the active language (see `sentences`);
- `event.review(status, note, user)`: confirm or dismiss, with a note and who did it.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from likewatch.events import detect
from likewatch.tracking.models import Page


class Kind(models.TextChoices):
    GAIN = detect.GAIN, _("unusual gain")
    PURGE = detect.PURGE, _("unusual drop")
    # Earlier versions also reported changes of pace; old rows keep their label.
    TAKEOFF = detect.TAKEOFF, _("pace taking off")
    FADING = detect.FADING, _("pace fading")
    GAP = detect.GAP, _("gap in the data")
    STALE = detect.STALE, _("count stopped changing")
    METRIC_SWITCH = detect.METRIC_SWITCH, _("metric switch")


# Kinds that question a number (shown prominently); the others describe the campaign's pace
# or the data's quality.
SUSPICIOUS = (Kind.GAIN, Kind.PURGE)
DATA_PROBLEMS = (Kind.GAP, Kind.STALE, Kind.METRIC_SWITCH)


class Status(models.TextChoices):
    OPEN = "open", _("not reviewed")
    CONFIRMED = "confirmed", _("confirmed")
    DISMISSED = "dismissed", _("dismissed")


class EventQuerySet(models.QuerySet):
    def for_pages(
        self, page_ids: list[int], since: datetime | None = None, until: datetime | None = None
    ) -> EventQuerySet:
        """Events of these pages that overlap [since, until]."""
        qs = self.filter(page_id__in=page_ids)
        if since is not None:
            qs = qs.filter(end__gte=since)
        if until is not None:
            qs = qs.filter(start__lte=until)
        return qs


class PlatformEvent(models.Model):
    """Many tracked pages of one platform moving the same way at the same time: most likely the
    platform itself (a purge of fake accounts, a change in how it counts), said once for all of
    them instead of blaming each page (likewatch.events.platform). Its page events link to it."""

    platform = models.CharField(max_length=32)
    kind = models.CharField(max_length=16, choices=[(k, k) for k in (detect.GAIN, detect.PURGE)])
    start = models.DateTimeField()
    end = models.DateTimeField()
    size = models.FloatField(help_text=_("People, the pages' events added up."))
    pages = models.PositiveIntegerField(help_text=_("Tracked pages of the platform that moved."))
    tracked = models.PositiveIntegerField(help_text=_("Tracked pages of the platform then."))
    detected_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["platform", "start"]), models.Index(fields=["-start"])]
        ordering = ["-start", "platform"]

    def __str__(self) -> str:
        return f"{self.platform} {self.kind} {self.start:%Y-%m-%d %H:%M}"

    def sentence(self) -> str:
        """What happened across the platform, in one sentence in the active language."""
        from likewatch.events.sentences import explain_platform

        return explain_platform(self)


class Event(models.Model):
    """One event: what happened to a page between `start` and `end`. See detect.Finding."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    start = models.DateTimeField()
    end = models.DateTimeField()
    size = models.FloatField(help_text=_("People (paces: people per hour; gaps: fetches)."))
    expected = models.FloatField()
    seen = models.FloatField()
    confidence = models.FloatField(help_text=_("0 to 1."))
    ongoing = models.BooleanField(default=False)
    # The history records the event spans, so a reader can check them in the evidence.
    seq_from = models.PositiveBigIntegerField(default=0)
    seq_to = models.PositiveBigIntegerField(default=0)
    details = models.JSONField(default=dict, blank=True)
    # Set when many tracked pages of the platform moved with this one (events.platform).
    platform_event = models.ForeignKey(
        PlatformEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    detected_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    note = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewed_events",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "kind", "start"], name="unique_event_key")
        ]
        indexes = [models.Index(fields=["page", "start"]), models.Index(fields=["-start"])]
        ordering = ["-start", "page"]

    def __str__(self) -> str:
        return f"{self.page_id} {self.kind} {self.start:%Y-%m-%d %H:%M}"

    def sentence(self) -> str:
        """What happened, in one sentence in the active language."""
        from likewatch.events.sentences import explain

        return explain(self)

    def review(self, status: str, note: str = "", user=None) -> None:
        """Confirm or dismiss (or reopen) this event, saying why and who."""
        if status not in Status.values:
            raise ValueError(f"unknown status {status!r}")
        self.status = status
        self.note = note.strip()
        self.reviewed_by = user if status != Status.OPEN else None
        self.reviewed_at = timezone.now() if status != Status.OPEN else None
        self.save(update_fields=["status", "note", "reviewed_by", "reviewed_at"])
        # A review decides whether the move counts as people: the effect must say so too. Any
        # verdict shows on the boards that list the event, which redraw.
        from likewatch.events import apart, publish

        if self.kind in apart.KINDS:
            apart.changed([self.page_id])
        else:
            publish.shown_changed([self.page_id])


class DetectorState(models.Model):
    """A page's rolling detector state (`detect.Detector.state()`), stored after every scan so
    the poller feeds each round's new records to a detector resumed from it instead of
    re-reading hours of history; a restart loses nothing. `likewatch events --rescan` drops
    it and starts from the page's first record."""

    page = models.OneToOneField(
        Page, on_delete=models.CASCADE, primary_key=True, related_name="detector_state"
    )
    # The sampling interval the state was learnt at: a page whose interval changes relearns.
    interval = models.PositiveIntegerField()
    # detect.Detector.packed(): exact, in one zstd frame (about 6 kB after days of minutes).
    state = models.BinaryField(default=b"")
    updated_at = models.DateTimeField(default=timezone.now)
    # Archive runs of the page's history read but too slow to judge (likewatch.events.archives:
    # start and end in epoch seconds, spacing in seconds, counts), for the page's history to
    # say so. Written whenever a scan reads the history from the start; not the detector's.
    unjudged_archives = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"detector state of page {self.page_id}"


class EffectEstimate(models.Model):
    """The campaign's effect on one of its pages (likewatch.analytics.effect), as last
    estimated by a poller between rounds (`likewatch.events.effects`): the board, the API,
    the card and the feed read it; none of them fits a model while a reader waits."""

    campaign = models.ForeignKey(
        "tracking.Campaign", on_delete=models.CASCADE, related_name="effect_estimates"
    )
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="effect_estimates")
    computed_at = models.DateTimeField(default=timezone.now)
    # Effect.as_dict() (people, rounded) or {"reason": "..."} when there is no estimate.
    data = models.JSONField(default=dict)
    # The model fitted to the page's pre-campaign history (analytics.effect.Fit.as_dict(): its
    # digest and a dozen parameters), reused by the next estimate while that history stays
    # the same: a refresh then costs milliseconds instead of a fit's CPU-second.
    fit = models.JSONField(default=dict, blank=True)
    # Set by whoever changes what is kept apart on the page (a flagged gain or drop stored,
    # grown, withdrawn or reviewed: likewatch.events.apart.changed), read by the poller that
    # refreshes estimates (effects.refresh_one), which takes a stale one first instead of
    # waiting for its age: a stored row, not a signal, so no process need be listening.
    stale = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "page"], name="unique_effect_estimate")
        ]

    def __str__(self) -> str:
        return f"effect of campaign {self.campaign_id} on page {self.page_id}"
