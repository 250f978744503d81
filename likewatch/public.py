"""Looking up what the public may see, with a clear "not found" for everything else.

The rule itself lives in `likewatch.tracking.visibility`; the API, cards, embeds, feeds and
exports look objects up through here so that each answers a hidden object with the same 404.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from likewatch.tracking import visibility
from likewatch.tracking.models import Campaign, Page

# Primary keys are 64-bit: a larger number in a URL cannot name anything, and PostgreSQL
# would reject it with an error instead of "not found".
MAX_ID = 2**63 - 1


def public_campaigns() -> QuerySet[Campaign]:
    return visibility.public_campaigns()


def public_pages() -> QuerySet[Page]:
    """Pages that belong to at least one public campaign."""
    return visibility.public_pages()


def get_campaign(slug: str) -> Campaign:
    """The public campaign `slug`, or Http404 saying so."""
    campaign = public_campaigns().filter(slug=slug).first()
    if campaign is None:
        raise Http404(_("There is no public campaign “%(slug)s”.") % {"slug": slug})
    return campaign


def get_page(page_id: int) -> Page:
    """The public page `page_id`, or Http404 saying so."""
    page = public_pages().filter(pk=page_id).first() if 0 < page_id <= MAX_ID else None
    if page is None:
        raise Http404(_("There is no public page #%(id)s.") % {"id": page_id})
    return page


def campaign_pages(campaign: Campaign) -> list[tuple[Page, str]]:
    """The campaign's pages in board order, each with the direction the campaign wants."""
    entries = campaign.entries.select_related("page").order_by("position", "id")
    return [(e.page, e.direction) for e in entries]


def page_campaign(page: Page) -> tuple[Campaign | None, str]:
    """The newest public campaign watching `page`, with its direction (for headlines)."""
    entry = (
        visibility.filter_by_campaign(page.entries.all())
        .select_related("campaign")
        .order_by("-campaign__starts_at", "campaign__slug")
        .first()
    )
    if entry is None:
        return None, "leave"
    return entry.campaign, entry.direction
