"""Claiming due pages, so that several pollers on several machines share the work.

A poller claims a due page by moving its `next_fetch_at` one interval ahead and taking a lease,
in one transaction. On PostgreSQL the rows are selected `FOR UPDATE SKIP LOCKED`, so two
pollers claiming at once take disjoint pages without waiting for each other; on SQLite the
IMMEDIATE transaction serialises claims. Because the claim already moved `next_fetch_at`, a
page is never fetched twice in one interval. The lease never outlasts the interval, so a
poller that dies mid-fetch costs its pages exactly one fetch: the next interval's claim takes
them over (tests/poller/test_sharing.py proves both with three real pollers and a SIGKILL).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from likewatch.tracking.models import Page


def claim_due(owner: str, limit: int = 500, now: datetime | None = None) -> list[Page]:
    """Claim up to `limit` due pages for `owner`; returns them with their due time kept."""
    now = now or timezone.now()
    with transaction.atomic():
        due = _claimable(now).filter(next_fetch_at__lte=now).order_by("next_fetch_at")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        pages = list(due[:limit])
        by_interval: dict[int, list[int]] = defaultdict(list)
        for page in pages:
            by_interval[page.interval].append(page.pk)
        for interval, ids in by_interval.items():
            # A lease longer than the interval would starve a dead poller's pages past it.
            lease = min(settings.LIKEWATCH_LEASE_SECONDS, interval)
            Page.objects.filter(pk__in=ids).update(
                lease_owner=owner,
                lease_until=now + timedelta(seconds=lease),
                next_fetch_at=now + timedelta(seconds=interval),
            )
    return pages


def _claimable(now: datetime):
    # Pages no poller holds a lease on; those due by `now` are what a claim takes.
    return Page.objects.filter(paused=False).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    )


def release(page: Page, next_fetch_at: datetime | None = None) -> None:
    """Give up the lease on `page`; optionally move its next fetch (back-off, retry-after)."""
    fields = {"lease_owner": "", "lease_until": None}
    if next_fetch_at is not None:
        fields["next_fetch_at"] = next_fetch_at
    Page.objects.filter(pk=page.pk).update(**fields)


def release_all(page_ids: list[int]) -> None:
    """Give up the leases on pages fetched as planned (their next fetch is already set)."""
    if page_ids:
        Page.objects.filter(pk__in=page_ids).update(lease_owner="", lease_until=None)


def round_start(full: int, wait: float, now: datetime | None = None) -> datetime | None:
    """When the next round is worth starting; None with nothing to poll.

    A round that starts as soon as one page is due sends a request for that page alone, and
    at ten thousand pages a minute such requests use the platform's whole rate budget. So a
    round starts once `full` pages are due (a full request), or once the soonest due page has
    waited `wait` seconds, whichever comes first: a page is never late by more than `wait`
    on this account, and a busy platform gets full requests.
    """
    soonest = list(
        _claimable(now or timezone.now())
        .order_by("next_fetch_at")
        .values_list("next_fetch_at", flat=True)[:full]
    )
    if not soonest:
        return None
    start = soonest[0] + timedelta(seconds=wait)
    if len(soonest) == full:
        start = min(start, soonest[-1])
    return start
