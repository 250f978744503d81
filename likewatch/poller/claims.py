"""Claiming due pages, so that several pollers on several machines share the work.

A poller claims a due page by moving its `next_fetch_at` one interval ahead and taking a lease,
in one transaction. The interval is counted from when the page was due, not from when it was
claimed, so the few seconds a page waits for its round (`round_start`) never stretch its
interval: a page watched every minute is read every minute.

On PostgreSQL the rows are selected `FOR UPDATE SKIP LOCKED`, so two pollers claiming at once
take disjoint pages without waiting for each other; on SQLite the IMMEDIATE transaction
serialises claims. Because the claim already moved `next_fetch_at`, a page is never fetched
twice in one interval (less the few seconds of a round's wait). The lease never outlasts the
interval, so a poller that dies mid-fetch costs its pages exactly one fetch: the next
interval's claim takes them over (tests/poller/test_sharing.py proves both with three real
pollers and a SIGKILL).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from likewatch.tracking import bulk
from likewatch.tracking.models import Page

# The largest part of its interval a page waits for its round to fill (see round_start): ten
# seconds of a minute.
WAIT_SHARE = 1 / 6


def claim_due(owner: str, limit: int = 500, now: datetime | None = None) -> list[Page]:
    """Claim up to `limit` due pages for `owner`; returns them with their due time kept."""
    now = now or timezone.now()
    with transaction.atomic():
        due = _claimable(now).filter(next_fetch_at__lte=now).order_by("next_fetch_at")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        pages = list(due[:limit])
        claimed = []
        for page in pages:
            interval = timedelta(seconds=page.interval)
            # A lease longer than the interval would starve a dead poller's pages past it.
            lease = min(timedelta(seconds=settings.LIKEWATCH_LEASE_SECONDS), interval)
            claimed.append(
                Page(
                    pk=page.pk,
                    lease_owner=owner,
                    lease_until=now + lease,
                    next_fetch_at=next_due(page.next_fetch_at, page.interval, now),
                )
            )
        # One statement whatever the number of pages (the page objects keep their due time).
        bulk.update_rows(claimed, ["lease_owner", "lease_until", "next_fetch_at"])
    return pages


def next_due(due: datetime, interval: int, now: datetime) -> datetime:
    """When a page claimed at `now`, due at `due`, is due next: one interval after `due`.

    Counting from `due` keeps the cadence (waiting for a round must not stretch every minute).
    A page read late is still not read again within half an interval: two readings seconds
    apart say nothing the platform's rate budget should pay for. A page more than an interval
    late (every poller was stopped) starts again from `now` rather than being read several
    times in a row to catch up on fetches nobody can make.
    """
    step = timedelta(seconds=interval)
    if due + step <= now:
        return now + step
    return max(due + step, now + step / 2)


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


def round_horizon(wait: float) -> float:
    """Seconds ahead within which a round already scheduled is never later than one a page
    added from now on would ask for (see round_start): such a page, due at once, waits `wait`
    or WAIT_SHARE of the shortest interval allowed, whichever is less. Only pages enough to
    fill a request at once (a bulk import), or a dead poller's pages whose lease lapses,
    would start a round sooner; they wait at most this long for the one scheduled."""
    return min(wait, settings.LIKEWATCH_MIN_INTERVAL * WAIT_SHARE)


def round_start(full: int, wait: float, now: datetime | None = None) -> datetime | None:
    """When the next round is worth starting; None with nothing to poll.

    A round has costs that do not depend on its size (claiming, one transaction, the journal,
    each consumer's turn, the log's append): a round a second for three pages would spend
    most of the poller's time on them, and a request for one page of a batched platform would
    use its rate budget fifty times faster. So a round starts once `full` pages are due (a
    full request), or once the soonest due page has waited `wait` seconds, whichever comes
    first. A page never waits more than WAIT_SHARE of its own interval, and the wait does not
    stretch its interval (the claim counts the next one from its due time, `next_due`).
    """
    soonest = list(
        _claimable(now or timezone.now())
        .order_by("next_fetch_at")
        .values_list("next_fetch_at", "interval")[:full]
    )
    if not soonest:
        return None
    start = min(due + timedelta(seconds=min(wait, every * WAIT_SHARE)) for due, every in soonest)
    if len(soonest) == full:
        start = min(start, soonest[-1][0])
    return start
