"""Addresses the sharing surfaces point to: boards and page histories, made absolute."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from likewatch import site
from likewatch.tracking.models import Campaign, Page


def absolute(path: str) -> str:
    """`path` on the public site (likewatch.site), as cards, feeds and embeds need."""
    return site.absolute(path)


def site_name() -> str:
    """The public site's host, as a card's footer shows it."""
    return site.name()


def board_path(obj: Campaign | Page) -> str:
    """The campaign's board or the page's history; the site's index while those are absent."""
    try:
        if isinstance(obj, Campaign):
            return reverse("web:board", kwargs={"slug": obj.slug})
        return reverse("web:page", kwargs={"pk": obj.pk})
    except NoReverseMatch:
        return reverse("web:index")
