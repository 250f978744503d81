"""Raise alerts as history is written (milestones, failing pages), from whichever process
wrote it. Sending happens later, in digests (`likewatch alerts` or `delivery.send_due`).

Inside `batched()` (the poller wraps each round in it) the milestone checks of the block's new
observations are made once at its end, with one query for the campaigns of all their pages
instead of one per page."""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager

from django.core.cache import cache
from django.db import DatabaseError
from django.dispatch import receiver

from likewatch.alerts import checks
from likewatch.tracking.models import Campaign
from likewatch.tracking.signals import failure_recorded, observation_recorded

log = logging.getLogger(__name__)
_local = threading.local()

# A campaign's totals are recomputed at most this often on account of new observations.
MILESTONE_CHECK_SECONDS = 30


@receiver(observation_recorded, dispatch_uid="likewatch.alerts.milestones")
def on_observation(sender, page, observation, created, **kwargs):
    if not created:
        return  # an unchanged value cannot cross a milestone
    pending = getattr(_local, "pages", None)
    if pending is not None:
        pending.add(page.pk)
    else:
        _check_milestones(page.campaigns.all())


@contextmanager
def batched():
    """Collect the pages with new observations inside the block; check them at its end."""
    if getattr(_local, "pages", None) is not None:
        yield
        return
    _local.pages = set()
    try:
        yield
    finally:
        pages, _local.pages = _local.pages, None
        if pages:
            try:
                campaigns = list(Campaign.objects.filter(entries__page_id__in=pages).distinct())
            except DatabaseError:
                log.exception("Milestone check failed for %d page(s)", len(pages))
                campaigns = []
            _check_milestones(campaigns)


def _check_milestones(campaigns) -> None:
    for campaign in campaigns:
        if not cache.add(
            f"likewatch:alerts:milestone-check:{campaign.pk}", 1, MILESTONE_CHECK_SECONDS
        ):
            continue
        try:
            if checks.wants_alerts(campaign):
                checks.raise_alerts(campaign, checks.milestone_drafts(campaign))
        except DatabaseError:
            # Alerts must never break the recording of history; the periodic check catches up.
            log.exception("Milestone check failed for campaign %s", campaign.slug)


@receiver(failure_recorded, dispatch_uid="likewatch.alerts.failures")
def on_failure(sender, page, failure, **kwargs):
    page.refresh_from_db(fields=["health", "failures_in_row", "last_error", "last_success_at"])
    for campaign in page.campaigns.all():
        try:
            if checks.wants_alerts(campaign):
                checks.raise_alerts(campaign, checks.page_drafts(campaign, pages=[page]))
        except DatabaseError:
            log.exception("Failure check failed for campaign %s", campaign.slug)
