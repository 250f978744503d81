"""What a campaign board shows, as plain data: built once, rendered by the template, and sent
as it is to every live listener (see likewatch.web.live).

Numbers and dates are formatted here, on the server, in the active language, so the first
paint and every live update read the same ("60.412" in Arabic, "60 412" in French).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from django.utils import formats, numberformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from likewatch.analytics.change import CampaignChange, PageChange, campaign_change
from likewatch.analytics.projection import Projection, moved_rate, next_milestone, project
from likewatch.tracking.models import Campaign, Page
from likewatch.web import charts
from likewatch.web.live import page_state, version

MINUS = "\u2212"


def _grouped(value: int | float, decimals: int) -> str:
    # Django's Arabic formats define separators but no grouping; big counts need grouping
    # in every language, so fall back to groups of three.
    # Round first: Django's formatter truncates extra decimals (0.0009 would read 0.000).
    return numberformat.format(
        round(abs(value), decimals),
        formats.get_format("DECIMAL_SEPARATOR"),
        decimals,
        formats.get_format("NUMBER_GROUPING") or 3,
        formats.get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )


def signed(value: int | float | None, decimals: int = 0) -> str:
    """'+1,234' or '−1,234' in the active locale; '–' when unknown."""
    if value is None:
        return "–"
    text = _grouped(value, decimals)
    if round(value, decimals) == 0:
        return text
    return ("+" if value > 0 else MINUS) + text


def number(value: int | float | None, decimals: int = 0) -> str:
    """A count in the active locale ('1,234', '1 234', '1.234'); '–' when unknown."""
    if value is None:
        return "–"
    text = _grouped(value, decimals)
    return (MINUS + text) if value < 0 and round(value, decimals) != 0 else text


def percent(value: float | None) -> str:
    """A signed percentage precise enough to show small moves of big pages ('−0.018 %')."""
    if value is None:
        return "–"
    size = abs(value)
    decimals = 1 if size >= 10 else 2 if size >= 0.1 else 3
    return signed(value, decimals) + "\u00a0%"


def moment(value: datetime | None) -> str:
    """A measurement time: the time alone today, the date and time otherwise."""
    if value is None:
        return _("never")
    local = timezone.localtime(value)
    today = timezone.localtime(timezone.now()).date()
    time = formats.time_format(local, "TIME_FORMAT")
    if local.date() == today:
        return time
    return f"{formats.date_format(local, 'SHORT_DATE_FORMAT')} {time}"


def full_moment(value: datetime) -> str:
    """A date and time in the active language ('26 novembre 2026 15:43')."""
    local = timezone.localtime(value)
    date = formats.date_format(local, "DATE_FORMAT")
    return f"{date} {formats.time_format(local, 'TIME_FORMAT')}"


def duration(value: timedelta | None) -> str:
    """'3 days 4 hours', '5 hours 10 minutes', '12 minutes'; '–' when out of reach."""
    if value is None:
        return "–"
    if timedelta(0) < value < timedelta(minutes=1):
        return _("less than a minute")
    minutes = int(value.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)s day", "%(n)s days", days) % {"n": number(days)})
    if hours and len(parts) < 2:
        parts.append(ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": number(hours)})
    if (minutes or not parts) and len(parts) < 2:
        parts.append(ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": number(minutes)})
    return " ".join(parts)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _projection(p: Projection) -> dict:
    return {
        "goal": p.goal,
        "goal_display": number(p.goal),
        "reached": p.reached,
        "eta": _iso(p.eta),
        "display": _("reached") if p.reached else duration(p.duration),
        "eta_display": moment(p.eta) if p.eta else "",
    }


def page_entry(change: PageChange, now: datetime) -> dict:
    page = change.page
    moved = change.moved
    rate = moved_rate(change.rate_hour, change.direction)
    milestone = project(next_milestone(moved or 0), moved or 0, rate, now)
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
        "url": page.url,
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


def totals_entry(result: CampaignChange, now: datetime) -> dict:
    campaign = result.campaign
    rate = sum(
        moved_rate(p.rate_hour, p.direction) or 0 for p in result.pages if p.rate_hour is not None
    )
    moved = result.total_moved
    entry = {
        "moved": moved,
        "change": result.total_change,
        "rate_hour": rate,
        "target": campaign.target,
        "target_percent": result.target_percent,
        "milestone": _projection(project(next_milestone(moved), moved, rate, now)),
        "target_projection": _projection(project(campaign.target, moved, rate, now))
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
    """Changes whenever any page of the campaign was measured again: the live event id."""
    states = {p.page.pk: page_state(p.page.last_seq, p.page.last_success_at) for p in result.pages}
    return version([p.page.pk for p in result.pages], states)


def snapshot_json(campaign: Campaign) -> str:
    """The board's data as compact JSON, as live listeners receive it."""
    return json.dumps(snapshot(campaign), separators=(",", ":"))


def snapshot(campaign: Campaign, now: datetime | None = None) -> dict:
    """Everything the board shows, except the charts' history."""
    now = now or timezone.now()
    result = campaign_change(campaign, now)
    return {
        "version": board_version(result),
        "now": now.isoformat(),
        "total": totals_entry(result, now),
        "pages": [page_entry(p, now) for p in result.pages],
    }


def chart_data(campaign: Campaign, page_ids: list[int]) -> dict:
    """Each page's history since the campaign's start, in uPlot's column layout."""
    pages = Page.objects.in_bulk(page_ids)
    return {
        str(pk): charts.columns(charts.page_points(pages[pk], since=campaign.starts_at))
        for pk in page_ids
        if pk in pages
    }
