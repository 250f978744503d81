"""What a campaign board shows, as plain data: built once, rendered by the template, and sent
as it is to every live listener (see likewatch.web.stream).

Numbers and dates are formatted here, on the server, in the active language, so the first
paint and every live update read the same ("60.412" in Arabic, "60 412" in French).
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path

from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from likewatch.analytics import milestones
from likewatch.analytics.change import CampaignChange, PageChange, campaign_change
from likewatch.analytics.projection import Projection, project
from likewatch.events import effects
from likewatch.events.apart import Apart, as_dict
from likewatch.events.models import EffectEstimate, Event
from likewatch.fanout.broker import version
from likewatch.fanout.messages import page_state
from likewatch.formatting import duration, estimate, isolated, moment, number, percent, signed
from likewatch.organisers.models import Annotation, CampaignSettings
from likewatch.tracking.models import Campaign, CampaignPage
from likewatch.web import charts


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _projection(p: Projection | None) -> dict | None:
    if p is None:  # the organisers' own milestones are all behind
        return None
    return {
        "goal": p.goal,
        "goal_display": number(p.goal),
        "reached": p.reached,
        "eta": _iso(p.eta),
        "display": _("reached") if p.reached else duration(p.duration),
        "eta_display": moment(p.eta) if p.eta else "",
    }


def _next_milestone(
    steps: milestones.Ladder, moved: int, rate: float | None, now: datetime
) -> Projection | None:
    goal = steps.next_above(moved)
    return None if goal is None else project(goal, moved, rate, now)


def _events_link(ids: tuple[int, ...]) -> str:
    """Where to read the evidence: the event's own page, or the board's list of several."""
    if not ids:
        return ""
    return reverse("events:detail", args=[ids[0]]) if len(ids) == 1 else "#events"


def apart_entry(apart: Apart) -> dict:
    """Flagged moves since the start that are not counted as people who moved
    (likewatch.events.apart), each kind summed, whether the organisers confirmed them, and
    a link to the events and their evidence. A dismissed one is not here: it counts again."""

    def review(confirmed: bool) -> str:
        return _("confirmed by the organisers") if confirmed else _("not reviewed yet")

    return {
        # The API's figures (one home: likewatch.events.apart), and what the board shows of
        # them: a live update draws, updates or hides the rows from these alone.
        **as_dict(apart),
        "removed_url": _events_link(apart.removed_events),
        "gained_url": _events_link(apart.gained_events),
        "display": {
            "removed": signed(apart.removed) if apart.removed_events else "",
            "gained": signed(apart.gained) if apart.gained_events else "",
            "removed_review": review(apart.removed_confirmed) if apart.removed_events else "",
            "gained_review": review(apart.gained_confirmed) if apart.gained_events else "",
        },
    }


def effect_entry(shown: effects.Shown | None) -> dict:
    """The campaign's effect beyond the usual trend, the campaign's way, with its interval."""
    if shown is None or shown.effect is None:
        reason = shown.reason if shown is not None and shown.reason else ""
        return {
            **(shown or effects.Shown()).people(),
            "display": {
                "effect": _("too little history before the campaign")
                if reason.startswith("too little")
                else _("not estimated yet"),
                "interval": "",
            },
        }
    # "removed" and "gained" are what the estimate left out as not people, as of its time
    # (the board shows the current figures apart: `apart_entry`).
    return {**shown.people(), "display": _effect_display(shown)}


def _effect_display(shown: effects.Shown) -> dict[str, str]:
    """The effect and its interval as read, rounded alike (formatting.estimate), and
    isolated as the card's and the feed's: after an Arabic word a bare "+3,500" is read as an
    Arabic number and its sign is drawn at its right."""
    effect, low, high = estimate(shown.effect, shown.low, shown.high)
    return {
        "effect": _("about %(effect)s") % isolated({"effect": signed(effect)}),
        "interval": _("95 %% interval: %(low)s to %(high)s")
        % isolated({"low": signed(low), "high": signed(high)}),
    }


def page_entry(
    change: PageChange,
    now: datetime,
    steps: milestones.Ladder | None = None,
    shown: effects.Shown | None = None,
) -> dict:
    page = change.page
    moved = change.moved
    steps = steps or milestones.Ladder()
    milestone = _next_milestone(steps, moved or 0, change.moved_rate_hour, now)
    stale_after = (
        page.last_success_at + timedelta(seconds=3 * page.interval)
        if page.last_success_at
        else None
    )
    return {
        "id": page.pk,
        "name": page.label,
        "platform": page.platform,
        "metric": page.get_metric_display(),
        "url": page.link,
        "direction": change.direction,
        "current": change.current,
        "precision": change.precision,
        "baseline": change.baseline,
        "change": change.change,
        "change_percent": change.change_percent,
        "moved": moved,
        "rate_hour": change.rate_hour,
        "rate_day": change.rate_day,
        "measured_at": _iso(change.measured_at),
        "stale": change.stale,
        "stale_after": _iso(stale_after),
        "health": page.health,
        "last_error_at": _iso(page.last_error_at),
        "last_seq": page.last_seq,
        "milestone": _projection(milestone),
        "effect": effect_entry(shown),
        "apart": apart_entry(change.apart),
        "display": {
            "current": number(change.current),
            "precision": number(change.precision) if change.precision > 1 else "",
            "baseline": number(change.baseline),
            "change": signed(change.change),
            "change_percent": percent(change.change_percent),
            "rate_hour": signed(change.rate_hour),
            "rate_day": signed(change.rate_day),
            "measured_at": moment(change.measured_at),
        },
    }


def totals_entry(
    result: CampaignChange, now: datetime, steps: milestones.Ladder | None = None
) -> dict:
    campaign = result.campaign
    # The rate shown keeps the sign of the net change beside it (negative when pages fall);
    # projections use the rate of people moving the campaign's way.
    rate = result.total_rate_hour
    moved_rate = result.total_moved_rate_hour
    moved = result.total_moved
    steps = steps or milestones.ladder(campaign)
    entry = {
        "moved": moved,
        "change": result.total_change,
        "apart": apart_entry(result.apart),
        "rate_hour": rate,
        "moved_rate_hour": moved_rate,
        "target": campaign.target,
        "target_percent": result.target_percent,
        "milestone": _projection(_next_milestone(steps, moved, moved_rate, now)),
        "target_projection": _projection(project(campaign.target, moved, moved_rate, now))
        if campaign.target
        else None,
        "display": {
            "moved": number(moved),
            "change": signed(result.total_change),
            "rate_hour": signed(rate),
            "target": number(campaign.target) if campaign.target else "",
            "target_percent": number(result.target_percent, 1) + "\u00a0%"
            if result.target_percent is not None
            else "",
        },
    }
    return entry


def board_version(result: CampaignChange) -> str:
    """Changes whenever any page of the campaign was measured again, or a flag on one changed:
    the live event id."""
    states = {
        p.page.pk: page_state(p.page.last_seq, p.page.last_success_at, p.page.flags_changed_at)
        for p in result.pages
    }
    return version([p.page.pk for p in result.pages], states)


def snapshot_json(campaign: Campaign) -> str:
    """The board's data as compact JSON, as live listeners receive it."""
    return json.dumps(snapshot(campaign), separators=(",", ":"))


def snapshot(
    campaign: Campaign, now: datetime | None = None, result: CampaignChange | None = None
) -> dict:
    """Everything the board shows, except the charts' history (`result`: the campaign's
    change at `now`, when the caller has it already)."""
    now = now or timezone.now()
    result = result or campaign_change(campaign, now)
    steps = milestones.ladder(campaign)
    by_page, total_effect = effects.for_campaign(campaign)
    total = totals_entry(result, now, steps)
    total["effect"] = effect_entry(total_effect)
    return {
        "version": board_version(result),
        "now": now.isoformat(),
        "total": total,
        "pages": [page_entry(p, now, steps, by_page.get(p.page.pk)) for p in result.pages],
    }


def chart_data(campaign: Campaign, page_ids: list[int]) -> dict:
    """Each page's history since the campaign's start, in uPlot's column layout."""
    points = charts.pages_points(page_ids, since=campaign.starts_at)
    return {str(pk): charts.columns(points[pk]) for pk in page_ids}


# Bump when what the board page shows starts to depend on something board_etag does not read.
ETAG_REVISION = "board-2"

_EVENT_COLUMNS = tuple(f.attname for f in Event._meta.concrete_fields)

# Columns of a page that move without changing anything shown: the poller's scheduling.
_SCHEDULING = {"next_fetch_at", "lease_until"}


def board_etag(campaign: Campaign, address: str, now: datetime | None = None) -> str:
    """The public board page's ETag, known before any rendering: a 304 costs five small
    queries where a rendering reads the whole history since the campaign's start.

    It hashes everything an anonymous visitor's board is made of: the campaign's row and its
    organisers' settings (milestones), each page's row and place (its history moves
    `last_seq` and `last_success_at`, failures `last_error_at`), the events flagged on the
    pages (and their reviews), the organisers' notes, the stored effect estimates, the
    language, the `address` as the micro-cache keys it (the language form sends the reader
    back to it), the code that draws the page, and the clock: to the minute, the finest step
    any wording of time on the board takes ("15:43 UTC", "5 hours 10 minutes"), plus each
    page's staleness now (a page turns stale at any second). Only for anonymous visitors:
    what organisers see depends on who they are.
    """
    now = now or timezone.now()
    entries = CampaignPage.objects.filter(campaign=campaign).select_related("page")
    pages, page_ids = [], []
    for entry in entries.order_by("position", "pk"):
        page = entry.page
        pages.append((_row(entry), _row(page, skip=_SCHEDULING), page.is_stale(now)))
        page_ids.append(page.pk)
    parts = [
        ETAG_REVISION,
        _code_revision(),
        get_language(),
        address,
        now.replace(second=0, microsecond=0).isoformat(),
        _row(campaign),
        [_row(s) for s in CampaignSettings.objects.filter(campaign=campaign)],
        pages,
        # Whole rows: the detector bumps updated_at, but a review or an edit in the admin
        # need not.
        list(
            Event.objects.filter(page_id__in=page_ids)
            .order_by("pk")
            .values_list(*_EVENT_COLUMNS, "platform_event__updated_at")
        ),
        list(Annotation.objects.filter(campaign=campaign).order_by("pk").values_list()),
        list(
            EffectEstimate.objects.filter(campaign=campaign)
            .order_by("pk")
            .values_list("pk", "computed_at")
        ),
    ]
    return '"' + hashlib.sha256(repr(parts).encode()).hexdigest()[:40] + '"'


def _row(instance, skip: set[str] = frozenset()) -> tuple:
    return tuple(
        getattr(instance, f.attname) for f in instance._meta.concrete_fields if f.name not in skip
    )


@functools.cache
def _code_revision() -> int:
    """Changes when a deployment changes the templates or the front-end build, so that no
    browser is told its page from the previous version is still the current one."""
    newest = 0
    for config in django_apps.get_app_configs():
        if not config.name.startswith("likewatch"):
            continue
        root = Path(config.path)
        for folder in (root / "templates", root / "static"):
            if folder.is_dir():
                for path in folder.rglob("*"):
                    newest = max(newest, path.stat().st_mtime_ns)
    return newest
