"""Pre-computed summaries of each page's history, per day.

A chart of a year of minute samples would read half a million records; it reads 365 daily
buckets instead (shorter buckets are computed from the history's compressed segments: an
hourly row per page would cost more bytes than the history it summarises). `HOUR` remains a
choice only so that rows of older versions can be read and removed.

Each bucket keeps the first, last, lowest and highest value measured in it, and when each was
first seen, which is what a line chart with a min/max envelope needs. Buckets are derived data:
`likewatch rollups --rebuild` recomputes them from the history at any time, and nothing else
depends on them being present.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from likewatch.tracking.models import Page


class Grain(models.TextChoices):
    HOUR = "hour", _("hour")
    DAY = "day", _("day")


class Rollup(models.Model):
    """What one page measured during one hour or one day (UTC)."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="rollups")
    grain = models.CharField(max_length=4, choices=Grain.choices)
    start = models.DateTimeField(help_text=_("Start of the hour or day, UTC."))
    first = models.BigIntegerField()
    first_at = models.DateTimeField()
    last = models.BigIntegerField()
    last_at = models.DateTimeField()
    low = models.BigIntegerField()
    # When the lowest and highest values were first seen in the bucket: a chart places its
    # envelope points there (see likewatch.analytics.series).
    low_at = models.DateTimeField(null=True)
    high = models.BigIntegerField()
    high_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "grain", "start"], name="unique_rollup")
        ]
        ordering = ["page", "grain", "start"]

    def __str__(self) -> str:
        return f"{self.page_id} {self.grain} {self.start:%Y-%m-%d %H:%M}: {self.first}…{self.last}"
