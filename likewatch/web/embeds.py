"""Embeds: /embed/c/<slug>/ and /embed/p/<id>/, a small widget other sites put in an iframe.

Server-rendered HTML with an inline SVG sparkline: it needs no script, so it works in
readers with scripts disabled and cannot run anything on the host page. These views alone
may be framed by any site; everything else keeps X-Frame-Options DENY.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import get_language_bidi
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from likewatch.analytics.change import campaign_change
from likewatch.public import campaign_pages, get_campaign, get_page, page_campaign
from likewatch.tracking.models import Campaign, Page
from likewatch.web import headline, sparkline
from likewatch.web.cards import language
from likewatch.web.links import absolute, board_path
from likewatch.web.text import one_line

SPARK_WIDTH, SPARK_HEIGHT = 280, 48
# No script, no frame, no plugin, no form; only the widget's own stylesheet.
POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'"
)
CACHE_CONTROL = "public, max-age=60"
# How often an open widget reloads itself: a little after its cached copy expires.
REFRESH_SECONDS = 90
FRAME_WIDTH, FRAME_HEIGHT = 360, 200


def source(obj: Campaign | Page, lang: str | None = None) -> str:
    """The widget's absolute address."""
    if isinstance(obj, Campaign):
        path = reverse("sharing:campaign_embed", kwargs={"slug": obj.slug})
    else:
        path = reverse("sharing:page_embed", kwargs={"page_id": obj.pk})
    return absolute(path) + (f"?lang={lang}" if lang else "")


def snippet(obj: Campaign | Page, lang: str | None = None) -> str:
    """The HTML another site pastes to embed `obj`."""
    title = one_line(obj.title if isinstance(obj, Campaign) else obj.label)
    src = source(obj, lang)
    # A plain string (not marked safe): the page that shows it escapes it once more.
    return (
        f'<iframe src="{escape(src)}" title="{escape(title)}" width="{FRAME_WIDTH}" '
        f'height="{FRAME_HEIGHT}" loading="lazy" style="border:0;max-width:100%"></iframe>'
    )


@xframe_options_exempt
@require_safe
def campaign_embed(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign(slug)
    lang = language(request, campaign.language)
    with translation.override(lang):
        now = timezone.now()
        summary = headline.for_campaign(campaign_change(campaign, now))
        pages = [page for page, _ in campaign_pages(campaign)]
        values = sparkline.campaign_change(pages, campaign.starts_at)
        return _widget(request, campaign, summary, values, lang)


@xframe_options_exempt
@require_safe
def page_embed(request: HttpRequest, page_id: int) -> HttpResponse:
    page = get_page(page_id)
    campaign, direction = page_campaign(page)
    lang = language(request, translation.get_language())
    with translation.override(lang):
        now = timezone.now()
        summary = headline.for_page(page, campaign, direction, now)
        start = campaign.starts_at if campaign else page.created_at
        end = sparkline.measured_until([page], now)
        values = sparkline.sampled(page, min(start, end), end)
        return _widget(request, page, summary, values, lang)


def _widget(request, obj, summary, values, lang) -> HttpResponse:
    context = {
        "headline": summary,
        "points": sparkline.svg_points(values, SPARK_WIDTH, SPARK_HEIGHT),
        "spark_width": SPARK_WIDTH,
        "spark_height": SPARK_HEIGHT,
        "link": absolute(board_path(obj)),
        "lang": lang,
        "rtl": get_language_bidi(),
        "refresh_seconds": REFRESH_SECONDS,
        "trend": "down" if (summary.change or 0) < 0 else "up" if summary.change else "flat",
    }
    response = render(request, "sharing/embed.html", context)
    ancestors = " ".join(getattr(settings, "LIKEWATCH_CSP_EMBED_FRAME_ANCESTORS", ["*"]))
    response["Content-Security-Policy"] = f"{POLICY}; frame-ancestors {ancestors}"
    response["Cache-Control"] = CACHE_CONTROL
    response["Content-Language"] = lang
    return response


@require_safe
def campaign_embed_code(request: HttpRequest, slug: str) -> HttpResponse:
    """A page showing the widget and the snippet to copy."""
    campaign = get_campaign(slug)
    return _code(request, campaign)


@require_safe
def page_embed_code(request: HttpRequest, page_id: int) -> HttpResponse:
    return _code(request, get_page(page_id))


def _code(request, obj) -> HttpResponse:
    title = obj.title if isinstance(obj, Campaign) else obj.label
    context = {"object": obj, "title": one_line(title)}
    return render(request, "sharing/embed_code.html", context)
