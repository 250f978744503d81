"""Who may see what: the ONE rule every public surface asks (see the security helper's text).

A page is public when at least one public campaign tracks it.
"""

from __future__ import annotations

from likewatch.tracking.models import CampaignPage, Page


def page_is_public(page: Page | int) -> bool:
    """True when at least one public campaign tracks the page."""
    page_id = page if isinstance(page, int) else page.pk
    return CampaignPage.objects.filter(page_id=page_id, campaign__public=True).exists()
