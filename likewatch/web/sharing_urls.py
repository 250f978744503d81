"""Addresses of the sharing surfaces: cards, embeds, feeds and exports."""

from django.urls import path, register_converter
from django.views.decorators.http import require_safe

from likewatch.web import cards, embeds, exports
from likewatch.web.feeds import CampaignFeed


class PageIdConverter:
    """A page number that fits a 64-bit key; anything longer is simply not a match (404)."""

    regex = "[1-9][0-9]{0,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(PageIdConverter, "page_id")

app_name = "sharing"
urlpatterns = [
    path("card/c/<slug:slug>.png", cards.campaign_card, name="campaign_card"),
    path("card/p/<page_id:page_id>.png", cards.page_card, name="page_card"),
    path("embed/c/<slug:slug>/", embeds.campaign_embed, name="campaign_embed"),
    path("embed/p/<page_id:page_id>/", embeds.page_embed, name="page_embed"),
    path("embed/c/<slug:slug>/code/", embeds.campaign_embed_code, name="campaign_embed_code"),
    path("embed/p/<page_id:page_id>/code/", embeds.page_embed_code, name="page_embed_code"),
    path("feeds/c/<slug:slug>.atom", require_safe(CampaignFeed()), name="campaign_feed"),
    path("export/c/<slug:slug>.<str:fmt>", exports.campaign_export, name="campaign_export"),
    path("export/p/<page_id:page_id>.<str:fmt>", exports.page_export, name="page_export"),
]
