"""Share cards: /card/c/<slug>.png and /card/p/<id>.png, the image a shared link unfurls with.

Drawing a card takes tens of milliseconds; a link that goes viral is fetched by every
messenger and network that unfurls it. So a card is drawn once per state of its data, kept
in the "cards" cache (shared by all processes), keyed on the campaign's and pages' identity,
each page's last seq and the ten minutes the newest measurement falls in (the footer says
when it was measured). Clients and proxies get an ETag and may keep it for five minutes.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_safe

from likewatch.analytics.change import campaign_change
from likewatch.events import apart
from likewatch.events.models import EffectEstimate
from likewatch.public import campaign_pages, get_campaign, get_page, page_campaign
from likewatch.tracking.models import Campaign, Page
from likewatch.web import card_image, headline, sparkline
from likewatch.web.links import site_name

CACHE_CONTROL = "public, max-age=300"
# The measured time on a card is shown to the minute but only refreshed this often when
# the value itself has not changed.
FRESHNESS = 600


def language(request: HttpRequest, default: str) -> str:
    """?lang= when it names a site language, else `default`. Unfurlers send no preferences,
    so a card's language travels in its URL (see sharing/meta.html)."""
    wanted = request.GET.get("lang", "")
    codes = {code for code, _ in settings.LANGUAGES}
    return wanted if wanted in codes else (default if default in codes else settings.LANGUAGE_CODE)


def version(campaign: Campaign | None, pages: list[Page]) -> str:
    """A key that changes whenever what a card shows may change."""
    parts: list[object] = []
    if campaign is not None:
        parts += [campaign.pk, campaign.title, campaign.starts_at, campaign.target]
        # Flagged moves left out of people (a review or a dismissal changes what the card
        # says apart without a new count).
        flagged = apart.flagged([p.pk for p in pages], campaign.starts_at, None)
        parts.append(list(flagged.values_list("pk", "status", "size")))
        # The stored effect estimates the card shows (the campaign's total, a page's own): a
        # refreshed estimate redraws the card at once, as the board shows it, instead of at
        # the next FRESHNESS step of a new count.
        estimates = EffectEstimate.objects.filter(campaign=campaign, page__in=pages)
        parts.append(list(estimates.order_by("page_id").values_list("page_id", "computed_at")))
    for page in pages:
        moment = page.last_success_at.timestamp() // FRESHNESS if page.last_success_at else 0
        parts += [page.pk, page.name, page.handle, page.last_seq, moment]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def campaign_card(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign(slug)
    lang = language(request, campaign.language)
    entries = campaign_pages(campaign)
    pages = [page for page, _ in entries]
    key = f"card:c:{campaign.pk}:{lang}:{version(campaign, pages)}"

    def draw() -> bytes:
        now = timezone.now()
        summary = headline.for_campaign(campaign_change(campaign, now))
        values = sparkline.campaign_change(pages, campaign.starts_at)
        return card_image.render(summary, values, site_name())

    return _serve(request, key, lang, draw)


def page_card(request: HttpRequest, page_id: int) -> HttpResponse:
    page = get_page(page_id)
    campaign, direction = page_campaign(page)
    lang = language(request, translation.get_language() or settings.LANGUAGE_CODE)
    key = f"card:p:{page.pk}:{lang}:{version(campaign, [page])}"

    def draw() -> bytes:
        now = timezone.now()
        summary = headline.for_page(page, campaign, direction, now)
        start: datetime = campaign.starts_at if campaign else page.created_at
        end = sparkline.measured_until([page], now)
        values = sparkline.sampled(page, min(start, end), end)
        return card_image.render(summary, values, site_name())

    return _serve(request, key, lang, draw)


def _serve(request: HttpRequest, key: str, lang: str, draw) -> HttpResponse:
    etag = f'"{hashlib.sha256(key.encode()).hexdigest()[:32]}"'
    response = HttpResponse(content_type="image/png")
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    response["Content-Language"] = lang
    conditional = get_conditional_response(request, etag=etag, response=response)
    if conditional is not response:
        return conditional
    cache = caches["cards"] if "cards" in settings.CACHES else caches["default"]
    png = cache.get(key)
    if png is None:
        with translation.override(lang):
            png = draw()
        cache.set(key, png)
    response.content = png
    return response


campaign_card = require_safe(campaign_card)
page_card = require_safe(page_card)
