"""The one-line summary every shared surface leads with: "-60,412 since 12 March".

Cards, embeds, Open Graph tags and feeds all say the same thing, in the reader's language,
from the same numbers, so a quoted figure never differs between two places.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import get_language_bidi, ngettext
from django.utils.translation import gettext as _

from likewatch import formatting
from likewatch.analytics.change import CampaignChange, page_change
from likewatch.events import effects
from likewatch.events.apart import Apart
from likewatch.tracking.models import Campaign, Page
from likewatch.web.text import one_line


@dataclass
class Headline:
    """What a share card, an embed or an unfurled link says about a campaign or a page."""

    title: str
    number: str  # "−60,412"
    since: str  # "since 12 March"
    detail: str  # "3 pages · 0.8% of the target"
    measured: str  # "Measured 26 Nov 2026, 15:40 UTC"
    change: int | None
    moved: int | None
    measured_at: datetime | None
    rtl: bool = False
    description: str = ""

    @property
    def sentence(self) -> str:
        """The whole headline in one sentence, for meta descriptions and feed summaries."""
        return " ".join(part for part in (formatting.isolate(self.number), self.since) if part)


def measured(moment: datetime | None) -> str:
    if moment is None:
        return _("Not measured yet")
    return _("Measured %(moment)s") % formatting.isolated(
        {"moment": formatting.full_moment(moment)}
    )


def apart_details(apart: Apart) -> list[str]:
    """Flagged moves the number includes as measured but that are not counted as people
    (likewatch.events.apart), for the detail line: "+12,040 in unusual gains not counted as
    people joining"."""
    found = []
    if apart.removed_events:
        found.append(
            _("%(removed)s in possible platform removals not counted as people leaving")
            % formatting.isolated({"removed": formatting.signed(apart.removed)})
        )
    if apart.gained_events:
        found.append(
            _("%(gained)s in unusual gains not counted as people joining")
            % formatting.isolated({"gained": formatting.signed(apart.gained)})
        )
    return found


def effect_details(effect: effects.Shown | None, one_page: bool = False) -> list[str]:
    """The effect beyond the usual trends (a page's: its usual trend), the campaign's way,
    with its 95 % interval, for the detail line: "about +52,100 beyond the usual trends
    (+49,300 to +54,800)"; nothing while there is no estimate."""
    if effect is None or effect.effect is None:
        return []
    value, low, high = formatting.estimate(effect.effect, effect.low, effect.high)
    said = (
        _("about %(effect)s beyond its usual trend (%(low)s to %(high)s)")
        if one_page
        else _("about %(effect)s beyond the usual trends (%(low)s to %(high)s)")
    )
    return [
        said
        % formatting.isolated(
            {
                "effect": formatting.signed(value),
                "low": formatting.signed(low),
                "high": formatting.signed(high),
            }
        )
    ]


def for_campaign(change: CampaignChange) -> Headline:
    """The campaign's total change since its start."""
    campaign = change.campaign
    known = [p for p in change.pages if p.change is not None]
    times = [p.measured_at for p in change.pages if p.measured_at]
    count = len(change.pages)
    details = [
        ngettext("%(count)s page", "%(count)s pages", count)
        % formatting.isolated({"count": formatting.number(count)})
    ]
    if change.target_percent is not None:
        details.append(
            _("%(percent)s%% of the target of %(target)s")
            % formatting.isolated(
                {
                    "percent": formatting.number(change.target_percent, 1),
                    "target": formatting.number(campaign.target),
                }
            )
        )
    # Before the effect: the card elides what does not fit, and these say what the number
    # holds that people did not do.
    details += apart_details(change.apart)
    _by_page, effect = effects.for_campaign(campaign)
    details += effect_details(effect)
    return Headline(
        title=one_line(campaign.title),
        number=formatting.signed(change.total_change) if known else formatting.UNKNOWN,
        since=_("since %(date)s")
        % formatting.isolated({"date": formatting.day(campaign.starts_at)}),
        detail=" · ".join(details),
        measured=measured(max(times) if times else None),
        change=change.total_change if known else None,
        moved=change.total_moved if known else None,
        measured_at=max(times) if times else None,
        rtl=get_language_bidi(),
        description=one_line(campaign.description),
    )


def for_page(page: Page, campaign: Campaign | None, direction: str, now=None) -> Headline:
    """A page's change since its campaign's start, or its current count without one."""
    now = now or timezone.now()
    start = campaign.starts_at if campaign else page.created_at
    pc = page_change(page, start, direction, now)
    metric = page.get_metric_display()
    current = _("%(count)s %(metric)s now") % formatting.isolated(
        {
            "count": formatting.number(pc.current),
            "metric": metric,
        }
    )
    if campaign is not None and pc.change is not None:
        number = formatting.signed(pc.change)
        since = _("since %(date)s") % formatting.isolated({"date": formatting.day(start)})
        # The page's own effect, as the board's card of the page and the API give it.
        by_page, _total = effects.for_campaign(campaign)
        shown = effect_details(by_page.get(page.pk), one_page=True)
        detail = " · ".join([current, *apart_details(pc.apart), *shown])
    else:
        number, since, detail = formatting.number(pc.current), str(metric), page.platform
    return Headline(
        title=one_line(page.label),
        number=number,
        since=since,
        detail=detail,
        measured=measured(pc.measured_at),
        change=pc.change,
        moved=pc.moved,
        measured_at=pc.measured_at,
        rtl=get_language_bidi(),
        description=one_line(campaign.title) if campaign else "",
    )
