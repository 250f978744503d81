"""Raising alerts as history is written (milestones, failing pages): the alerts consumer.

Each committed round reaches `consume` (likewatch.tracking.consumers), in whichever process
wrote it, and its checks are made once for the round, with one query for the campaigns of all
its pages. Alerts are rows with a unique key, raised in the consumer's transaction: a round
replayed after a crash raises nothing twice. Sending happens later, in digests
(`likewatch alerts` or `delivery.send_due`).
"""

from __future__ import annotations

from collections import defaultdict

from django.core.cache import cache

from likewatch.alerts import checks
from likewatch.tracking import consumers
from likewatch.tracking.models import Campaign, CampaignPage

NAME = "alerts"
# In the poller, rounds reach this consumer in batches at most this often (consumers.pace):
# an alert goes out in a digest minutes later anyway.
EVERY = 10.0
# A campaign's totals are recomputed at most this often on account of new observations.
MILESTONE_CHECK_SECONDS = 30


def consume(batch: consumers.Batch) -> None:
    """Check milestones of campaigns whose pages moved, and the pages that failed."""
    moved = {r.page_id for r in batch.records if r.kind == consumers.SPAN and r.created}
    failed = {r.page_id for r in batch.records if r.kind == consumers.FAILURE}
    if not moved and not failed:
        return  # an unchanged value cannot cross a milestone
    by_campaign: dict[int, set[int]] = defaultdict(set)
    for campaign_id, page_id in CampaignPage.objects.filter(page_id__in=moved | failed).values_list(
        "campaign_id", "page_id"
    ):
        by_campaign[campaign_id].add(page_id)
    if not by_campaign:
        return
    pages = batch.pages() if failed else {}
    for campaign in Campaign.objects.filter(pk__in=by_campaign).order_by("pk"):
        ids = by_campaign[campaign.pk]
        milestones = bool(ids & moved) and cache.add(
            f"likewatch:alerts:milestone-check:{campaign.pk}", 1, MILESTONE_CHECK_SECONDS
        )
        failing = [pages[pk] for pk in sorted(ids & failed) if pk in pages]
        if not (milestones or failing) or not checks.wants_alerts(campaign):
            continue
        if milestones:
            checks.raise_alerts(campaign, checks.milestone_drafts(campaign))
        if failing:
            checks.raise_alerts(campaign, checks.page_drafts(campaign, pages=failing))
