"""Feeding rollups from the history signals, so every writer of history updates them."""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager

from django.db import DatabaseError, connection, transaction
from django.dispatch import receiver

from likewatch.rollups import update
from likewatch.tracking.signals import observation_recorded

log = logging.getLogger("likewatch.rollups")
_local = threading.local()


@contextmanager
def batched():
    """Collect the samples recorded inside the block; write them in one statement at its end.

    The poller wraps each round in it: one upsert for five hundred pages instead of five
    hundred upserts, each its own commit.
    """
    if getattr(_local, "samples", None) is not None:
        yield
        return
    _local.samples = []
    try:
        yield
    finally:
        samples, _local.samples = _local.samples, None
        _add(samples)


def catch_up() -> int:
    """See `update.catch_up`."""
    return update.catch_up()


@receiver(observation_recorded, dispatch_uid="likewatch.rollups")
def add_observation(sender, page, observation, created, **kwargs) -> None:
    """Add the fetch that just committed to its page's hour and day buckets."""
    at = observation.first_seen if created else observation.last_seen
    sample = (page.pk, observation.value, at)
    pending = getattr(_local, "samples", None)
    if pending is not None:
        pending.append(sample)
    else:
        _add([sample])


def _add(samples: list) -> None:
    if not samples:
        return
    try:
        if connection.in_atomic_block:
            # Inside someone's transaction: a failure must not poison it.
            with transaction.atomic():
                update.add_samples(samples)
        else:
            update.add_samples(samples)
    except DatabaseError as exc:
        # An outage or a full disk: the poller reports it in its own words; one line here.
        log.warning("could not update the rollups of %d page(s) (%s)", len(samples), exc)
    except Exception:
        # Rollups are derived data: a failure here must never undo or block a recorded count.
        # The poller's catch_up() or `likewatch rollups --rebuild` repairs the bucket.
        log.exception("could not update the rollups of %d page(s)", len(samples))
