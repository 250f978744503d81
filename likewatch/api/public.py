"""What the public may see: public campaigns, and the pages that belong to one of them.

Every public surface (API, cards, embeds, feeds, exports) looks objects up through here, so a
private campaign, or a page only tracked for a private one, never leaks through any of them.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from likewatch.tracking.models import Campaign, Page

# Primary keys are 64-bit: a larger number in a URL cannot name anything, and PostgreSQL
# would reject it with an error instead of "not found".
MAX_ID = 2**63 - 1


def public_campaigns() -> QuerySet[Campaign]:
    return Campaign.objects.filter(public=True)


def public_pages() -> QuerySet[Page]:
    """Pages that belong to at least one public campaign."""
    ids = Page.objects.filter(entries__campaign__public=True).values("pk")
    return Page.objects.filter(pk__in=ids)


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
        page.entries.filter(campaign__public=True)
        .select_related("campaign")
        .order_by("-campaign__starts_at", "campaign__slug")
        .first()
    )
    if entry is None:
        return None, "leave"
    return entry.campaign, entry.direction
