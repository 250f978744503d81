"""Who may see what: the ONE rule every public surface asks.

The rule: a campaign is public when its organisers published it; a page is public when at least
one public campaign tracks it; an annotation is public when its campaign is; an event (and the
verdict an organiser gave it) is public when its page is. Staff accounts, which run the
installation, see everything. Nothing else decides visibility: the board, the page history, the
API, exports, feeds, embeds, share cards, the live streams, the sitemap and the digests all take
their querysets from here, so a campaign that is unpublished disappears from all of them at once.

The functions take the viewer (a user or None for an anonymous visitor) rather than a request,
so the poller and the command line can use them without a web request.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from likewatch.tracking.models import Campaign, CampaignPage, Page


def sees_everything(viewer: Any) -> bool:
    """Staff (the installation's operators) see private campaigns and their pages too."""
    return bool(
        viewer is not None
        and getattr(viewer, "is_authenticated", False)
        and getattr(viewer, "is_active", False)
        and getattr(viewer, "is_staff", False)
    )


def campaigns(viewer: Any = None) -> QuerySet[Campaign]:
    """The campaigns `viewer` may see: the published ones (all of them for staff)."""
    if sees_everything(viewer):
        return Campaign.objects.all()
    return Campaign.objects.filter(public=True)


def public_campaigns() -> QuerySet[Campaign]:
    """The campaigns anyone may see."""
    return campaigns(None)


def _tracked_publicly() -> Exists:
    """SQL: the outer row's page is on at least one public campaign (no duplicate rows)."""
    return Exists(CampaignPage.objects.filter(page=OuterRef("pk"), campaign__public=True))


def pages(viewer: Any = None) -> QuerySet[Page]:
    """The pages `viewer` may see: those at least one public campaign tracks (all for staff)."""
    if sees_everything(viewer):
        return Page.objects.all()
    return Page.objects.filter(_tracked_publicly())


def public_pages() -> QuerySet[Page]:
    """The pages anyone may see."""
    return pages(None)


def page_is_public(page: Page | int) -> bool:
    """True when at least one public campaign tracks the page."""
    page_id = page if isinstance(page, int) else page.pk
    return CampaignPage.objects.filter(page_id=page_id, campaign__public=True).exists()


def campaigns_of_page(page: Page | int, viewer: Any = None) -> QuerySet[Campaign]:
    """The campaigns tracking `page` that `viewer` may see.

    Never list a page's campaigns any other way on a public surface or in a message: that a
    private campaign tracks a page is the private campaign's business.
    """
    page_id = page if isinstance(page, int) else page.pk
    return campaigns(viewer).filter(entries__page_id=page_id).distinct()


def filter_by_page(queryset: QuerySet, viewer: Any = None, field: str = "page") -> QuerySet:
    """`queryset` (rows with a page foreign key named `field`) keeping what `viewer` may see.

    For events (and their verdicts), raw answers and anything else that belongs to a page.
    """
    if sees_everything(viewer):
        return queryset
    return queryset.filter(
        Exists(CampaignPage.objects.filter(page=OuterRef(f"{field}_id"), campaign__public=True))
    )


def filter_by_campaign(queryset: QuerySet, viewer: Any = None, field: str = "campaign") -> QuerySet:
    """`queryset` (rows with a campaign foreign key named `field`) keeping what `viewer` may see.

    For annotations and anything else that belongs to a campaign.
    """
    if sees_everything(viewer):
        return queryset
    return queryset.filter(**{f"{field}__public": True})


def annotations_of(campaign: Campaign, viewer: Any = None) -> QuerySet:
    """The notes organisers wrote on `campaign` that `viewer` may see, oldest first: public
    with the campaign (every surface that shows annotations asks here: board text, feed,
    API, exports, charts)."""
    return filter_by_campaign(campaign.annotations.all(), viewer).order_by("at", "pk")
