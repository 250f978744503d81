"""The campaign's feed as a page a person can read, /c/<slug>/feed/.

The same entries as the Atom feed (likewatch.web.feeds.items: milestones, flagged events and
whatever else the feed carries), newest first, with the feed's address to subscribe to. A
browser shows an Atom document as raw XML; this is what a person who clicks "feed" gets.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from likewatch.web import feeds
from likewatch.web.links import absolute
from likewatch.web.views import public_campaigns, shared


@gzip_page
@require_GET
def feed_page(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(public_campaigns(request).filter(public=True), slug=slug)
    context = {
        "campaign": campaign,
        "items": feeds.items(campaign),
        "atom_url": absolute(reverse("sharing:campaign_feed", args=[campaign.slug])),
    }
    return shared(request, render(request, "web/feed_page.html", context))
