"""Change since a campaign's baseline, hourly rates, and totals across a campaign's pages.

A page's history is a step function: each span's value holds from its `first_seen` until the
next record. Hidden counts (value None) are skipped, never read as zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from likewatch.analytics import rates
from likewatch.events.apart import Apart
from likewatch.events.apart import for_page as apart_for_page
from likewatch.events.apart import for_pages as apart_for_pages
from likewatch.events.apart import total as apart_total
from likewatch.tracking import records
from likewatch.tracking.models import Campaign, Page
from likewatch.tracking.records import Span

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def latest(page: Page, at: datetime | None = None) -> Span | None:
    """The newest known value measured at or before `at` (default: now)."""
    return records.known_before(page, at)


def baseline(page: Page, start: datetime) -> Span | None:
    """The value a campaign counts from: the last one seen at its start, else the first after."""
    before = latest(page, start)
    if before is not None:
        return before
    return records.known_after(page, start)


def rate_per_hour(page: Page, window: timedelta, now: datetime | None = None) -> float | None:
    """Average change per hour over the last `window`, or None with nothing measured. It keeps
    the count's sign: negative when the page falls (see likewatch.analytics.rates).

    When the history is younger than the window, the rate is taken over what there is.
    """
    now = now or timezone.now()
    current = latest(page, now)
    if current is None:
        return None
    start = now - window
    then = latest(page, start)
    since = start
    if then is None:
        then = records.known_after(page, start)
        since = then.first_seen
    return rates.per_hour(then.value, since, current.value, now)


@dataclass
class PageChange:
    """One page of a campaign, as the board shows it."""

    page: Page
    direction: str
    current: int | None = None
    precision: int = 1
    measured_at: datetime | None = None
    baseline: int | None = None
    baseline_at: datetime | None = None
    rate_hour: float | None = None
    rate_day: float | None = None
    stale: bool = True
    # Flagged moves since the start that are not people (likewatch.events.apart): unusual
    # drops and gains nobody dismissed, in `change` as measured, left out of `moved`, shown
    # apart.
    apart: Apart = field(default_factory=Apart)

    @property
    def change(self) -> int | None:
        if self.current is None or self.baseline is None:
            return None
        return self.current - self.baseline

    @property
    def change_percent(self) -> float | None:
        if self.change is None or not self.baseline:
            return None
        return 100.0 * self.change / self.baseline

    @property
    def removed(self) -> int:
        """What flagged unusual drops took since the start (negative), not people leaving."""
        return self.apart.removed

    @property
    def gained(self) -> int:
        """What flagged unusual gains added since the start, not people joining."""
        return self.apart.gained

    @property
    def moved(self) -> int | None:
        """People who moved the way the campaign wants (left, for a leave campaign).

        The measured change without the flagged moves that are not people: a removal is not
        people leaving, and an unusual gain is not people joining (during a leave campaign it
        would hide departures)."""
        people = None if self.change is None else self.change - self.apart.total
        moved = rates.toward(people, self.direction)
        return None if moved is None else int(moved)

    @property
    def moved_rate_hour(self) -> float | None:
        """People per hour moving the way the campaign wants, over the last hour."""
        return rates.toward(self.rate_hour, self.direction)


@dataclass
class CampaignChange:
    campaign: Campaign
    pages: list[PageChange] = field(default_factory=list)

    @property
    def total_change(self) -> int:
        return sum(p.change for p in self.pages if p.change is not None)

    @property
    def total_moved(self) -> int:
        return sum(p.moved for p in self.pages if p.moved is not None)

    @property
    def apart(self) -> Apart:
        """All pages' flagged moves that are not people, each kind summed."""
        return apart_total(p.apart for p in self.pages)

    @property
    def total_rate_hour(self) -> float:
        """The net change per hour of all pages: negative when they fall, like total_change."""
        return rates.total(p.rate_hour for p in self.pages) or 0.0

    @property
    def total_moved_rate_hour(self) -> float:
        """People per hour moving the way the campaign wants (what projections use)."""
        return rates.total(p.moved_rate_hour for p in self.pages) or 0.0

    @property
    def target_percent(self) -> float | None:
        if not self.campaign.target:
            return None
        return 100.0 * self.total_moved / self.campaign.target


def page_change(page: Page, start: datetime, direction: str, now: datetime | None = None):
    """Compute one page's change since `start` and its current rates."""
    now = now or timezone.now()
    result = PageChange(page=page, direction=direction, stale=page.is_stale(now))
    current = latest(page, now)
    if current is not None:
        result.current = current.value
        result.precision = current.precision
        result.measured_at = current.last_seen
    base = baseline(page, start)
    if base is not None:
        result.baseline = base.value
        result.baseline_at = max(base.first_seen, min(start, base.last_seen))
    result.apart = apart_for_page(page.pk, start, now)
    result.rate_hour = rate_per_hour(page, HOUR, now)
    result.rate_day = rate_per_hour(page, DAY, now)
    return result


def campaign_change(campaign: Campaign, now: datetime | None = None) -> CampaignChange:
    """Every page of `campaign` with its change since the campaign's start.

    The same figures as `page_change` for each page, in a fixed number of queries whatever the
    number of pages (an uncached board of 25 pages once cost some 500 queries).
    """
    now = now or timezone.now()
    entries = list(campaign.entries.select_related("page").order_by("position", "id"))
    pages = [e.page for e in entries]
    start = campaign.starts_at
    found = _points(pages, {"now": now, "start": start, "hour": now - HOUR, "day": now - DAY})
    taken = apart_for_pages([p.pk for p in pages], start, now)
    changes = []
    for entry in entries:
        page, points = entry.page, found.get(entry.page.pk, {})
        result = PageChange(page=page, direction=entry.direction, stale=page.is_stale(now))
        current = points.get("at_now")
        if current is not None:
            result.current = current.value
            result.precision = current.precision
            result.measured_at = current.last_seen
        base = points.get("at_start") or points.get("after_start")
        if base is not None:
            result.baseline = base.value
            result.baseline_at = max(base.first_seen, min(start, base.last_seen))
        result.apart = taken.get(page.pk, Apart())
        for name, window in (("hour", HOUR), ("day", DAY)):
            rate = None
            if current is not None:
                then = points.get(f"at_{name}")
                since = now - window
                if then is None:
                    then = points.get(f"after_{name}")
                    since = then.first_seen if then is not None else since
                if then is not None:
                    rate = rates.per_hour(then.value, since, current.value, now)
            setattr(result, f"rate_{name}", rate)
        changes.append(result)
    return CampaignChange(campaign=campaign, pages=changes)


def _points(pages: list[Page], moments: dict[str, datetime]) -> dict[int, dict]:
    """For each page and moment: the known value at it (`at_NAME`) and the first after it
    (`after_NAME`), as `latest` and `baseline` pick them, in a fixed number of queries
    (`tracking.records.known_around`)."""
    return records.known_around([p.pk for p in pages], moments)
