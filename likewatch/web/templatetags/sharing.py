"""Template helpers for sharing: Open Graph / Twitter card data and embed snippets.

{% load sharing %}
{% include "sharing/meta.html" with object=campaign %}
{% include "sharing/embed_snippet.html" with object=page %}
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils import timezone, translation

from likewatch.analytics.change import campaign_change
from likewatch.public import page_campaign
from likewatch.tracking.models import Campaign, Page
from likewatch.web import card_image, embeds, headline
from likewatch.web.links import absolute, board_path
from likewatch.web.text import one_line

register = template.Library()


@register.simple_tag(takes_context=True)
def share_meta(context, obj: Campaign | Page) -> dict:
    """What a shared link of `obj` unfurls with: title, description, card image, address."""
    lang = translation.get_language() or "en"
    now = timezone.now()
    feed = ""
    if isinstance(obj, Campaign):
        # The board has just computed the same change for its own numbers: one computation.
        change = context.get("change")
        if change is None or change.campaign.pk != obj.pk:
            change = campaign_change(obj, now)
        summary = headline.for_campaign(change)
        image = reverse("sharing:campaign_card", kwargs={"slug": obj.slug})
        feed = reverse("sharing:campaign_feed", kwargs={"slug": obj.slug}) + f"?lang={lang}"
    else:
        campaign, direction = page_campaign(obj)
        summary = headline.for_page(obj, campaign, direction, now)
        image = reverse("sharing:page_card", kwargs={"page_id": obj.pk})
    request = context.get("request")
    url = request.build_absolute_uri() if request is not None else absolute(board_path(obj))
    sentence = one_line(f"{summary.sentence}. {summary.measured}.")
    return {
        "title": one_line(summary.title),
        "description": sentence,
        "image": absolute(f"{image}?lang={lang}"),
        "image_alt": one_line(f"{summary.title}: {sentence}"),
        "width": card_image.WIDTH,
        "height": card_image.HEIGHT,
        "url": url,
        "locale": lang,
        "feed": feed,
    }


@register.filter
def embed_snippet(obj: Campaign | Page) -> str:
    """The iframe code for `obj` in the current language (a plain string: it gets escaped)."""
    return embeds.snippet(obj, translation.get_language())


@register.filter
def embed_src(obj: Campaign | Page) -> str:
    return embeds.source(obj, translation.get_language())
