"""API: public campaigns, their totals, the histories of their pages, their events."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router
from ninja.pagination import LimitOffsetPagination, paginate

from likewatch.analytics import milestones
from likewatch.analytics.change import campaign_change
from likewatch.analytics.series import page_series
from likewatch.api import schemas
from likewatch.api.conditional import history_etag, not_modified
from likewatch.api.pages import LIVE, history_dict, page_summary
from likewatch.api.ranges import HistoryQuery, RangeQuery, bounds, cache_for_range
from likewatch.events import apart, effects
from likewatch.events.records import as_dicts, events_for
from likewatch.public import campaign_pages, get_campaign, public_campaigns
from likewatch.tracking import visibility
from likewatch.tracking.models import Campaign

router = Router(tags=["campaigns"])
ERRORS = {400: schemas.Error, 404: schemas.Error}


def campaign_summary(campaign: Campaign) -> dict:
    return {
        "slug": campaign.slug,
        "title": campaign.title,
        "description": campaign.description,
        "language": campaign.language,
        "starts_at": campaign.starts_at,
        "ends_at": campaign.ends_at,
        "target": campaign.target,
    }


def campaign_links(campaign: Campaign) -> dict[str, str]:
    slug = campaign.slug
    return {
        "self": reverse("api:campaign", args=[slug]),
        "history": reverse("api:campaign_history", args=[slug]),
        "events": reverse("api:campaign_events", args=[slug]),
        "card": reverse("sharing:campaign_card", args=[slug]),
        "embed": reverse("sharing:campaign_embed", args=[slug]),
        "feed": reverse("sharing:campaign_feed", args=[slug]),
        "csv": reverse("sharing:campaign_export", args=[slug, "csv"]),
        "json": reverse("sharing:campaign_export", args=[slug, "json"]),
    }


@router.get("", response=list[schemas.CampaignSummary], url_name="campaigns")
@paginate(LimitOffsetPagination)
def list_campaigns(request: HttpRequest):
    """Public campaigns, the most recent first."""
    return [campaign_summary(c) for c in public_campaigns().order_by("-starts_at", "slug")]


@router.get("/{slug}", response={200: schemas.CampaignDetail, **ERRORS}, url_name="campaign")
def campaign_detail(request: HttpRequest, response: HttpResponse, slug: str):
    """A campaign's totals since its start and each page's change, as its board shows them."""
    campaign = get_campaign(slug)
    now = timezone.now()
    change = campaign_change(campaign, now)
    by_page, total_effect = effects.for_campaign(campaign)
    response["Cache-Control"] = LIVE
    entries = [
        {
            "page": page_summary(pc.page, now),
            "direction": pc.direction,
            "current": pc.current,
            "precision": pc.precision,
            "measured_at": pc.measured_at,
            "baseline": pc.baseline,
            "baseline_at": pc.baseline_at,
            # "Cite this number": the proofs of the two numbers the change is made of.
            "proof": reverse("evidence:page_proof_json", args=[pc.page.pk]),
            "baseline_proof": (
                reverse("evidence:page_proof_json", args=[pc.page.pk])
                + "?"
                + urlencode({"at": campaign.starts_at.isoformat()})
            ),
            "change": pc.change,
            "change_percent": pc.change_percent,
            "moved": pc.moved,
            "rate_hour": pc.rate_hour,
            "rate_day": pc.rate_day,
            "stale": pc.stale,
            "removed": pc.removed,
            "gained": pc.gained,
            "apart": apart.as_dict(pc.apart),
            "effect": _effect(by_page.get(pc.page.pk)),
        }
        for pc in change.pages
    ]
    return {
        **campaign_summary(campaign),
        "total_change": change.total_change,
        "total_moved": change.total_moved,
        "total_rate_hour": change.total_rate_hour,
        "total_moved_rate_hour": change.total_moved_rate_hour,
        "target_percent": change.target_percent,
        "total_apart": apart.as_dict(change.apart),
        "effect": _effect(total_effect),
        "next_milestone": milestones.ladder(campaign).next_above(change.total_moved),
        "pages": entries,
        "annotations": list(
            visibility.annotations_of(campaign, getattr(request, "user", None)).values("at", "text")
        ),
        "links": campaign_links(campaign),
    }


def _effect(shown: effects.Shown | None) -> dict | None:
    """The campaign's effect the campaign's way (people beyond the usual trend), or None."""
    if shown is None or shown.effect is None:
        return None
    return {**shown.people(), "computed_at": shown.computed_at}


@router.get(
    "/{slug}/history",
    response={200: schemas.CampaignHistory, **ERRORS},
    url_name="campaign_history",
)
def campaign_history(
    request: HttpRequest, response: HttpResponse, slug: str, query: Query[HistoryQuery]
):
    """Every page's values over a range (default: since the campaign's start), downsampled
    like a page's history, for drawing the pages on one chart."""
    campaign = get_campaign(slug)
    start, end = bounds(query)
    start = start or campaign.starts_at
    pages = [page for page, _ in campaign_pages(campaign)]
    cache_control = cache_for_range(request, end, timezone.now())
    etag = history_etag(request, pages, campaign.starts_at)
    if unchanged := not_modified(request, etag, cache_control):
        return unchanged
    series = [page_series(page, start, end, query.resolution) for page in pages]
    response["Cache-Control"] = cache_control
    response["ETag"] = etag
    return {
        "slug": campaign.slug,
        "start": start,
        # Without an end, each page's history runs to its newest record.
        "end": end or max((s.end for s in series), default=start),
        "pages": [history_dict(s) for s in series],
    }


@router.get(
    "/{slug}/events", response={200: list[schemas.Event], **ERRORS}, url_name="campaign_events"
)
def campaign_events(
    request: HttpRequest, response: HttpResponse, slug: str, query: Query[RangeQuery]
):
    """Events flagged on the campaign's pages (default: since the campaign's start)."""
    campaign = get_campaign(slug)
    start, end = bounds(query)
    response["Cache-Control"] = LIVE
    pages = [page for page, _ in campaign_pages(campaign)]
    return as_dicts(events_for(pages, start or campaign.starts_at, end))
