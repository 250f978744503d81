"""Finding tracked pages from what an operator types: #id, a URL, a handle or a name."""

from __future__ import annotations

from django.db.models import Q

from likewatch.sources import registry
from likewatch.sources.errors import UnsupportedURL
from likewatch.tracking.models import Page


def find_pages(text: str) -> list[Page]:
    """Every tracked series (one per metric) that `text` names; empty when none."""
    text = text.strip()
    if text.lstrip("#").isdigit():
        by_pk = list(Page.objects.filter(pk=int(text.lstrip("#"))))
        if by_pk or text.startswith("#"):
            return by_pk
    try:
        ref = registry.parse(text)
    except UnsupportedURL:
        return list(Page.objects.filter(Q(handle__iexact=text) | Q(name__iexact=text)))
    return list(
        Page.objects.filter(platform=ref.platform).filter(
            # Keys of handles carry an "@" (x:@name is key "@name") that stored handles lack.
            Q(platform_id=ref.key)
            | Q(handle__iexact=ref.key)
            | Q(handle__iexact=ref.key.removeprefix("@"))
        )
    )
