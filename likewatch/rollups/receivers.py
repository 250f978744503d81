"""Feeding rollups from the history signals, so every writer of history updates them."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection, transaction
from django.dispatch import receiver

from likewatch.rollups import update
from likewatch.tracking.signals import observation_recorded

log = logging.getLogger("likewatch.rollups")


@receiver(observation_recorded, dispatch_uid="likewatch.rollups")
def add_observation(sender, page, observation, created, **kwargs) -> None:
    """Add the fetch that just committed to its page's hour and day buckets."""
    at = observation.first_seen if created else observation.last_seen
    try:
        if connection.in_atomic_block:
            # Inside someone's transaction: a failure must not poison it.
            with transaction.atomic():
                update.add_samples([(page.pk, observation.value, at)])
        else:
            update.add_samples([(page.pk, observation.value, at)])
    except DatabaseError as exc:
        # An outage or a full disk: the poller reports it in its own words; one line here.
        log.warning("could not update the rollups of page %s (%s)", page.pk, exc)
    except Exception:
        # Rollups are derived data: a failure here must never undo or block a recorded count.
        # The poller's catch_up() or `likewatch rollups --rebuild` repairs the bucket.
        log.exception("could not update the rollups of page %s", page.pk)
