"""Feeding the hourly and daily rollups from the history's consumer seam.

Every fetch that read a value is a sample (page, value, moment) added to its hour and day
buckets. The upsert is idempotent and order-free (see `update`), and it runs in the consumer's
transaction with its cursor: a round is added once, whatever crashes
(likewatch.tracking.consumers).
"""

from __future__ import annotations

from likewatch.rollups import update
from likewatch.tracking import consumers

NAME = "rollups"


def consume(batch: consumers.Batch) -> None:
    """Add the batch's samples to their buckets: one upsert for the whole batch."""
    samples = [(r.page_id, r.value, r.at) for r in batch.records if r.kind == consumers.SPAN]
    if samples:
        update.add_samples(samples)
