"""The words of an alert, in the campaign's language."""

from __future__ import annotations

from datetime import datetime

from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from likewatch import formatting, site
from likewatch.alerts.models import Alert, Kind
from likewatch.tracking.models import Campaign


def _absolute(name: str, slug: str, fallback: str) -> str:
    try:
        path = reverse(name, args=[slug])
    except NoReverseMatch:  # the public site is not installed: its documented address
        path = fallback
    return site.absolute(path)


def board_url(campaign: Campaign) -> str:
    """The campaign's live board."""
    return _absolute("web:board", campaign.slug, f"/c/{campaign.slug}/")


def card_url(campaign: Campaign) -> str:
    """The campaign's share card (an image), attached to alerts where the channel allows."""
    return _absolute("sharing:campaign_card", campaign.slug, f"/card/c/{campaign.slug}.png")


def _number(value) -> str:
    return formatting.number(value)


def _moment(iso: str) -> str:
    try:
        return formatting.full_moment(datetime.fromisoformat(iso))
    except (TypeError, ValueError):
        return iso


def sentence(alert: Alert) -> str:
    """One sentence saying what happened (call inside the campaign's language)."""
    p = alert.params
    if alert.kind == Kind.MILESTONE:
        return ngettext(
            "Milestone: %(milestone)s people have moved (now %(moved)s).",
            "Milestone: %(milestone)s people have moved (now %(moved)s; %(passed)s milestones "
            "passed at once).",
            int(p.get("passed", 1)),
        ) % formatting.isolated(
            {
                "milestone": _number(p["milestone"]),
                "moved": _number(p["moved"]),
                "passed": _number(int(p.get("passed", 1))),
            }
        )
    if alert.kind == Kind.TARGET:
        return _(
            "Target reached: %(moved)s people have moved, the target was %(target)s."
        ) % formatting.isolated(
            {
                "moved": _number(p["moved"]),
                "target": _number(p["target"]),
            }
        )
    if alert.kind == Kind.FAILING:
        return _("The page %(page)s cannot be read: %(error)s") % formatting.isolated(
            {
                "page": p["page"],
                "error": p.get("error", ""),
            }
        )
    if alert.kind == Kind.STALE:
        return _("The page %(page)s has not been read since %(since)s.") % formatting.isolated(
            {
                "page": p["page"],
                "since": _moment(p["since"]),
            }
        )
    if alert.kind == Kind.TOKEN:
        return _(
            "The %(platform)s access token expires on %(when)s: replace it in time."
        ) % formatting.isolated(
            {
                "platform": p["platform"].title(),
                "when": _moment(p["expires_at"]),
            }
        )
    if alert.kind == Kind.EVENT:
        # The detector's sentence names the page already: only fall back to naming it.
        event = _event_sentence(p.get("event_id"))
        if event:
            return _("Event flagged: %(event)s") % formatting.isolated({"event": event})
        return _("An event was flagged on %(page)s.") % formatting.isolated({"page": p["page"]})
    return alert.key


def digest(campaign: Campaign, alerts: list[Alert]) -> tuple[str, str]:
    """The title and plain-text body of one message carrying `alerts`."""
    with translation.override(campaign.language):
        if len(alerts) == 1:
            title = _("likewatch: %(campaign)s") % formatting.isolated({"campaign": campaign.title})
        else:
            title = _("likewatch: %(count)d alerts for %(campaign)s") % formatting.isolated(
                {
                    "count": len(alerts),
                    "campaign": campaign.title,
                }
            )
        lines = [f"• {sentence(a)}" if len(alerts) > 1 else sentence(a) for a in alerts]
        lines += ["", _("Live board: %(url)s") % formatting.isolated({"url": board_url(campaign)})]
        return title, "\n".join(lines)


def _event_sentence(event_id) -> str:
    """The detector's own sentence for the event, in the active language."""
    from django.apps import apps

    if not apps.is_installed("likewatch.events"):
        return ""
    from likewatch.events.models import Event

    event = Event.objects.filter(pk=event_id).first()
    return event.sentence() if event else ""
