"""Atom feed per campaign: /feeds/c/<slug>.atom, its milestones, flagged events and the
organisers' public notes.

A reader or a newsroom subscribes once and hears when the campaign reaches 10,000 people,
its target, or when something in its pages' histories looks inorganic. Titles go out as
Atom text; summaries are HTML-escaped first, because Atom readers render them as HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from likewatch import formatting
from likewatch.analytics import milestones
from likewatch.events import effects
from likewatch.events.models import PlatformEvent
from likewatch.events.records import EventRecord, events_for
from likewatch.events.sentences import platform_name
from likewatch.public import campaign_pages, get_campaign
from likewatch.tracking import visibility
from likewatch.tracking.models import Campaign, Direction
from likewatch.web.cards import language
from likewatch.web.links import absolute, board_path, site_name
from likewatch.web.text import one_line

MAX_ITEMS = 100


@dataclass(frozen=True)
class Item:
    guid: str
    title: str
    summary: str
    at: datetime
    link: str


def milestone_title(campaign: Campaign, milestone: milestones.Milestone) -> str:
    directions = {d for _, d in campaign_pages(campaign)}
    n, count = milestone.moved, formatting.isolated({"count": formatting.number(milestone.moved)})
    if milestone.target:
        return (
            ngettext("Target reached: %(count)s person", "Target reached: %(count)s people", n)
            % count
        )
    if directions == {Direction.LEAVE}:
        return ngettext("%(count)s person has left", "%(count)s people have left", n) % count
    if directions == {Direction.JOIN}:
        return ngettext("%(count)s person has joined", "%(count)s people have joined", n) % count
    return ngettext("%(count)s person has moved", "%(count)s people have moved", n) % count


def event_summary(event: EventRecord) -> str:
    """The event's explanation and what the organisers made of it. A reviewed event's
    explanation ends with their verdict and note (likewatch.events.sentences.verdict, as the
    API and the board say it); an open one is said to be unreviewed here."""
    summary = one_line(event.explanation)
    if event.status == "flagged":
        summary += " " + _("Flagged automatically; not reviewed yet.")
    return summary


def effect_sentence(effect: effects.Shown) -> str:
    """'About 61,000 people moved the campaign's way beyond the pages' usual trends (95 %
    interval 58,500 to 63,400). Possible platform removals (−4,000) are not counted as people
    leaving. Unusual gains (+12,040) are not counted as people joining.'"""
    # Only an interval wholly the campaign's way says people moved as it asks: one that holds
    # zero is no clear effect, one wholly the other way says people moved against it.
    value, low, high = formatting.estimate(effect.effect, effect.low, effect.high)
    if effect.low > 0:
        said = _(
            "About %(effect)s people moved the way the campaign asks beyond the pages' usual "
            "trends (95 %% interval: %(low)s to %(high)s)."
        )
        shown = [formatting.number(v) for v in (value, low, high)]
    elif effect.high < 0:
        said = _(
            "About %(effect)s people moved against what the campaign asks beyond the pages' "
            "usual trends (95 %% interval: %(low)s to %(high)s)."
        )
        shown = [formatting.number(-v) for v in (value, high, low)]
    else:
        said = _(
            "No clear effect beyond the pages' usual trends yet: about %(effect)s people the "
            "campaign's way (95 %% interval: %(low)s to %(high)s)."
        )
        shown = [formatting.signed(v) for v in (value, low, high)]
    text = said % formatting.isolated(dict(zip(("effect", "low", "high"), shown, strict=True)))
    if effect.removed:
        text += " " + _(
            "Possible platform removals (%(removed)s) are not counted as people leaving."
        ) % formatting.isolated({"removed": formatting.signed(effect.removed)})
    if effect.gained:
        text += " " + _(
            "Unusual gains (%(gained)s) are not counted as people joining."
        ) % formatting.isolated({"gained": formatting.signed(effect.gained)})
    return text


def items(campaign: Campaign) -> list[Item]:
    """The campaign's feed entries, newest first."""
    link = absolute(board_path(campaign))
    title = one_line(campaign.title)
    entries = []
    for m in milestones.reached(campaign):
        summary = ngettext(
            "%(title)s: %(count)s person moved the way the campaign asks since %(date)s.",
            "%(title)s: %(count)s people moved the way the campaign asks since %(date)s.",
            m.moved,
        )
        entries.append(
            Item(
                guid=f"{link}#{'target' if m.target else 'milestone'}-{m.moved}",
                title=milestone_title(campaign, m),
                summary=summary
                % formatting.isolated(
                    {
                        "title": title,
                        "count": formatting.number(m.moved),
                        "date": formatting.day(campaign.starts_at),
                    }
                ),
                at=m.at,
                link=link,
            )
        )
    pages = {page.pk: page for page, _ in campaign_pages(campaign)}
    platform_wide: dict[str, str] = {}  # platform event id -> its address
    for event in events_for(list(pages.values()), campaign.starts_at, None):
        if event.platform_event:
            # Said once for the platform, not once per page it moved.
            platform_wide[event.platform_event] = event.platform_event_url
            continue
        page = pages.get(event.page_id)
        name = one_line(page.label) if page else f"#{event.page_id}"
        kind = one_line(event.label) or event.kind
        entries.append(
            Item(
                guid=f"{link}#event-{event.id}",
                title=_("%(kind)s on %(page)s") % formatting.isolated({"kind": kind, "page": name}),
                summary=event_summary(event),
                at=event.starts_at,
                link=absolute(board_path(page)) if page else link,
            )
        )
    for moved in PlatformEvent.objects.filter(pk__in=[int(pk) for pk in platform_wide]):
        entries.append(
            Item(
                guid=f"{link}#platform-event-{moved.pk}",
                # Isolated as every other title's names: "Facebook" first in an Arabic
                # title made readers lay the whole line out left to right.
                title=_("%(platform)s: many tracked pages moved at once")
                % formatting.isolated({"platform": platform_name(moved.platform)}),
                summary=one_line(moved.sentence()),
                at=moved.start,
                link=absolute(platform_wide[str(moved.pk)]),
            )
        )
    _by_page, effect = effects.for_campaign(campaign)
    if effect is not None and effect.effect is not None:
        # One entry, updated in place as the estimate is refreshed.
        entries.append(
            Item(
                guid=f"{link}#effect",
                title=_("%(title)s: the campaign's effect so far")
                % formatting.isolated({"title": title}),
                summary=effect_sentence(effect),
                at=effect.computed_at,
                link=link,
            )
        )
    for note in visibility.annotations_of(campaign):
        entries.append(
            Item(
                guid=f"{link}#note-{note.pk}",
                title=_("Note from the organisers: %(text)s")
                % formatting.isolated({"text": one_line(note.text)[:80]}),
                summary=one_line(note.text),
                at=note.at,
                link=link,
            )
        )
    # Newest first; of two things that happened at once, the one found later first (the
    # target after the milestone it completes).
    order = sorted(enumerate(entries), key=lambda pair: (pair[1].at, pair[0]), reverse=True)
    return [item for _, item in order][:MAX_ITEMS]


class CampaignFeed(Feed):
    feed_type = Atom1Feed

    def __call__(self, request, slug: str):
        # One Feed instance serves every request: the language is set per call, not stored.
        campaign = get_campaign(slug)
        with translation.override(language(request, campaign.language)):
            response = super().__call__(request, slug=slug)
        response["Cache-Control"] = "public, max-age=300"
        return response

    def get_object(self, request, slug: str) -> Campaign:
        return get_campaign(slug)

    def title(self, obj: Campaign) -> str:
        return _("%(title)s: milestones and events") % formatting.isolated(
            {"title": one_line(obj.title)}
        )

    # RFC 4287 wants an author for the feed (or for every entry): the site that measured.
    def author_name(self, obj: Campaign) -> str:
        return _("likewatch at %(site)s") % formatting.isolated({"site": site_name()})

    def author_link(self, obj: Campaign) -> str:
        return absolute("/")

    def subtitle(self, obj: Campaign) -> str:
        return one_line(obj.description)

    def link(self, obj: Campaign) -> str:
        return board_path(obj)

    def feed_url(self, obj: Campaign) -> str:
        return reverse("sharing:campaign_feed", kwargs={"slug": obj.slug})

    def feed_guid(self, obj: Campaign) -> str:
        return absolute(self.feed_url(obj))

    def updateddate(self, obj: Campaign) -> datetime:
        latest = self.items(obj)
        return latest[0].at if latest else obj.created_at

    def items(self, obj: Campaign) -> list[Item]:
        # Replaying the history is the costly part: once per request, kept on the object.
        if not hasattr(obj, "_feed_items"):
            obj._feed_items = items(obj)
        return obj._feed_items

    def item_title(self, item: Item) -> str:
        return item.title

    def item_description(self, item: Item) -> str:
        return escape(item.summary)

    def item_link(self, item: Item) -> str:
        return item.link

    def item_guid(self, item: Item) -> str:
        return item.guid

    item_guid_is_permalink = False

    def item_pubdate(self, item: Item) -> datetime:
        return item.at

    def item_updateddate(self, item: Item) -> datetime:
        return item.at
