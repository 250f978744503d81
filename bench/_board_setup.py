"""Set up (or move) the board benchmark's campaign. Usage: python -m bench._board_setup
setup|move|keep-moving SECONDS (DATABASE_URL set). `setup` creates a public campaign of three
pages with a day of history and prints JSON {slug, pages}; `move` records a new count for the
first page (as a poller would, one committed round) and prints JSON {at}: the moment it
committed; `keep-moving` does so every SECONDS until it is stopped."""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta

import django


def main(action: str, every: str = "0") -> None:
    django.setup()
    from django.utils import timezone

    from likewatch.sources.base import Count
    from likewatch.tracking import history
    from likewatch.tracking.models import Campaign, CampaignPage, Page

    if action == "setup":
        now = timezone.now()
        campaign = Campaign.objects.create(
            slug="bench", title="Bench campaign", starts_at=now - timedelta(days=1), target=50_000
        )
        pages = []
        for i, name in enumerate(["Maroc Telecom", "Meditel", "inwi"]):
            page = Page.objects.create(
                platform="facebook", platform_id=f"bench{i}", metric="likes", name=name
            )
            CampaignPage.objects.create(campaign=campaign, page=page, position=i)
            pages.append(page)
        # One round every five minutes for a day, the three pages in each, as a poller writes.
        for minute in range(0, 24 * 60, 5):
            at = now - timedelta(days=1) + timedelta(minutes=minute)
            count = Count(3_000_000 - minute * 7)
            history.record_batch([history.Entry(page, count, at) for page in pages])
        print(json.dumps({"slug": campaign.slug, "pages": [p.pk for p in pages]}))
        return
    while True:
        page = Page.objects.order_by("pk").first()
        value = page.observations.order_by("-seq").first().value - 1000
        history.record_batch([history.Entry(page, Count(value), timezone.now())])
        print(json.dumps({"at": time.time(), "value": value}), flush=True)
        if action != "keep-moving":
            return
        time.sleep(float(every))


if __name__ == "__main__":
    main(*sys.argv[1:])
