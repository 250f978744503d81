"""Keeping each campaign page's effect estimate fresh, and reading it for display.

Fitting the counterfactual model takes about a CPU-second per page, far too long for a reader
to wait, so a poller refreshes one estimate whenever it is idle between rounds (`refresh_one`),
the oldest first, each at most every `MAX_AGE`, or first when a flagged gain or drop it took
out changed (`EffectEstimate.stale`, set by the event's writer: apart.changed). The fit (the
model's parameters and its interval's calibration) is stored with the estimate and reused
while the page's pre-campaign history is unchanged, so a refresh after the first only filters
and forecasts (milliseconds); a backfill of that history brings a new fit. Readers only read
what is stored (`for_campaign`): a page not estimated yet shows "being estimated", never a guess.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from likewatch.analytics import effect as model
from likewatch.analytics import rates
from likewatch.events.models import EffectEstimate
from likewatch.tracking.models import CampaignPage

log = logging.getLogger("likewatch.events")

MAX_AGE = timedelta(minutes=15)
# A campaign that ended more than this long ago keeps its last estimate.
AFTER_END = timedelta(days=1)


def refresh_one(now: datetime | None = None) -> bool:
    """Estimate the effect on the campaign page whose estimate is stale or else the oldest, if
    one is due. Returns whether it estimated one."""
    now = now or timezone.now()
    entries = (
        CampaignPage.objects.filter(campaign__starts_at__lte=now)
        .filter(Q(campaign__ends_at__isnull=True) | Q(campaign__ends_at__gte=now - AFTER_END))
        .select_related("campaign", "page")
    )
    stored = {
        (e.campaign_id, e.page_id): (e.computed_at, e.stale)
        for e in EffectEstimate.objects.filter(campaign_id__in={c.campaign_id for c in entries})
    }
    never = (datetime.min.replace(tzinfo=now.tzinfo), True)

    def order(e: CampaignPage) -> tuple[bool, datetime]:
        # Never estimated or marked stale (a flag it took out changed: apart.changed) first,
        # then the oldest.
        computed_at, stale = stored.get((e.campaign_id, e.page_id), never)
        return (not stale, computed_at)

    ranked = [(order(e), e) for e in entries]
    due = [(rank, e) for rank, e in ranked if not rank[0] or rank[1] < now - MAX_AGE]
    if not due:
        return False
    refresh(min(due, key=lambda pair: pair[0])[1], now)
    return True


def refresh(entry: CampaignPage, now: datetime | None = None) -> EffectEstimate:
    """Estimate and store the effect of `entry`'s campaign on its page."""
    now = now or timezone.now()
    campaign = entry.campaign
    until = min(now, campaign.ends_at) if campaign.ends_at else now
    stored = EffectEstimate.objects.filter(campaign=campaign, page=entry.page).first()
    kept = model.Fit.from_dict(stored.fit) if stored is not None else None
    result = model.page_effect(entry.page, campaign.starts_at, until, fit=kept)
    if isinstance(result, model.Effect):
        data, fit = result.as_dict(), result.fit.as_dict() if result.fit else {}
    else:
        data, fit = {"reason": result.reason}, {}
    estimate, _ = EffectEstimate.objects.update_or_create(
        campaign=campaign,
        page=entry.page,
        # A flag changed while this estimate ran stays unseen until the next, at most MAX_AGE
        # later (pollers that run detection refresh estimates between rounds, not during them).
        defaults={"computed_at": now, "data": data, "fit": fit, "stale": False},
    )
    return estimate


@dataclass(frozen=True)
class Shown:
    """An effect turned the campaign's way (people who moved as it asks, beyond the usual),
    or why there is none."""

    effect: float | None = None
    low: float | None = None
    high: float | None = None
    # What the estimate left out as not people (likewatch.events.apart), as of its time:
    # flagged drops (negative) and flagged gains (positive).
    removed: float = 0.0
    reason: str = ""
    computed_at: datetime | None = None
    gained: float = 0.0

    def people(self) -> dict[str, int | None]:
        """The estimate in whole people, as the board and the API give it: one rounding for
        both, so that the JSON and the page never differ by one. None where there is no
        estimate (the figures left apart are always known, if only as 0)."""
        return {
            "effect": _whole(self.effect),
            "low": _whole(self.low),
            "high": _whole(self.high),
            "removed": round(self.removed),
            "gained": round(self.gained),
        }


def _whole(value: float | None) -> int | None:
    return None if value is None else round(value)


def _toward(data: dict, direction: str, computed_at) -> Shown:
    if "effect" not in data:
        return Shown(reason=data.get("reason", ""), computed_at=computed_at)
    a = rates.toward(data["effect"], direction)
    b = rates.toward(data["low"], direction)
    c = rates.toward(data["high"], direction)
    return Shown(
        a,
        min(b, c),
        max(b, c),
        data.get("purges", 0.0),
        computed_at=computed_at,
        gained=data.get("gains", 0.0),
    )


def for_campaign(campaign) -> tuple[dict[int, Shown], Shown | None]:
    """Each page's stored effect, the campaign's way, and the total over the pages that have
    one (None until every page has one: a partial total would mislead)."""
    directions = dict(campaign.entries.values_list("page_id", "direction"))
    rows = list(EffectEstimate.objects.filter(campaign=campaign, page_id__in=list(directions)))
    pages = {r.page_id: _toward(r.data, directions[r.page_id], r.computed_at) for r in rows}
    known = [p for p in pages.values() if p.effect is not None]
    if not directions or len(known) < len(directions):
        # Every page estimated, one of them without an effect (tracked only from the
        # campaign's start, as the demo's pages are): the total has none for that page's
        # reason, for good, not "not estimated yet".
        why = [p for p in pages.values() if p.effect is None and p.reason]
        if why and len(pages) == len(directions):
            return pages, Shown(reason=why[0].reason, computed_at=why[0].computed_at)
        return pages, None
    combined = model.total(
        [model.Effect(0, 0, p.effect, p.low, p.high, p.removed, gains=p.gained) for p in known]
    )
    return pages, Shown(
        combined.effect,
        combined.low,
        combined.high,
        combined.purges,
        computed_at=min(p.computed_at for p in known),
        gained=combined.gains,
    )
