"""Keeping rollups up to date: one upsert per bucket, idempotent, in any order.

Every fetch that measured a value is a *sample* (page, value, moment). Adding a sample to its
hour and its day bucket is an upsert whose result does not depend on the order samples arrive
in nor on how often one arrives: `first` is the value with the earliest moment, `last` the one
with the latest, `low`/`high` the extremes. That is what lets three ways of feeding buckets
agree:

- the rollups consumer of the history (every fetch, once its round commits; see `consumer`),
  which after a crash catches up from its cursor (likewatch.tracking.consumers),
- `rebuild()`, which recomputes everything from the history.

History keeps a run of identical values as one span, so a rebuild knows a stable span by its
two ends only: the buckets it writes carry the same values, but an hour in the middle of a long
unchanged span, where a live fetch left a bucket, may have none after a rebuild. A chart draws
the span flat across that hour either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, transaction

from likewatch.rollups.models import Grain, Rollup
from likewatch.tracking.models import Observation, Page

CHUNK = 2000


@dataclass
class Bucket:
    """A bucket being built in memory before it is written."""

    page_id: int
    grain: str
    start: datetime
    first: int
    first_at: datetime
    last: int
    last_at: datetime
    low: int
    low_at: datetime
    high: int
    high_at: datetime

    def add(self, value: int, at: datetime) -> None:
        if at < self.first_at:
            self.first, self.first_at = value, at
        if at >= self.last_at:
            self.last, self.last_at = value, at
        # The extremes keep the earliest moment they were seen.
        if value < self.low or (value == self.low and at < self.low_at):
            self.low, self.low_at = value, at
        if value > self.high or (value == self.high and at < self.high_at):
            self.high, self.high_at = value, at


def bucket_start(grain: str, at: datetime) -> datetime:
    """The UTC hour or day `at` falls in."""
    at = at.astimezone(UTC)
    if grain == Grain.DAY:
        return at.replace(hour=0, minute=0, second=0, microsecond=0)
    return at.replace(minute=0, second=0, microsecond=0)


def merge(samples: Iterable[tuple[int, int | None, datetime]]) -> list[Bucket]:
    """Fold (page_id, value, at) samples into hour and day buckets; hidden values are skipped."""
    buckets: dict[tuple[int, str, datetime], Bucket] = {}
    for page_id, value, at in samples:
        if value is None:
            continue
        for grain in (Grain.HOUR, Grain.DAY):
            key = (page_id, grain, bucket_start(grain, at))
            bucket = buckets.get(key)
            if bucket is None:
                buckets[key] = Bucket(
                    page_id, grain, key[2], value, at, value, at, value, at, value, at
                )
            else:
                bucket.add(value, at)
    return list(buckets.values())


def add_samples(samples: Iterable[tuple[int, int | None, datetime]]) -> int:
    """Add samples to their buckets in the database; returns how many buckets were written."""
    buckets = merge(samples)
    for start in range(0, len(buckets), CHUNK):
        _upsert(buckets[start : start + CHUNK])
    return len(buckets)


def _upsert(buckets: list[Bucket]) -> None:
    if not buckets:
        return
    q = connection.ops.quote_name
    table = q(Rollup._meta.db_table)
    least, greatest = ("LEAST", "GREATEST") if connection.vendor == "postgresql" else ("MIN", "MAX")
    at = connection.ops.adapt_datetimefield_value
    columns = ["page_id", "grain", "start", "first", "first_at", "last", "last_at"]
    columns += ["low", "low_at", "high", "high_at"]
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    params: list = []
    for b in buckets:
        params += [b.page_id, b.grain, at(b.start), b.first, at(b.first_at)]
        params += [b.last, at(b.last_at), b.low, at(b.low_at), b.high, at(b.high_at)]
    new, old = "excluded.", f"{table}."
    earlier = f"{new}{q('first_at')} < {old}{q('first_at')}"
    later = f"{new}{q('last_at')} >= {old}{q('last_at')}"
    # Every SET expression reads the row as it was before the update.
    lower = (
        f"{new}{q('low')} < {old}{q('low')} OR ({new}{q('low')} = {old}{q('low')} "
        f"AND ({old}{q('low_at')} IS NULL OR {new}{q('low_at')} < {old}{q('low_at')}))"
    )
    higher = (
        f"{new}{q('high')} > {old}{q('high')} OR ({new}{q('high')} = {old}{q('high')} "
        f"AND ({old}{q('high_at')} IS NULL OR {new}{q('high_at')} < {old}{q('high_at')}))"
    )

    def pick(condition: str, column: str) -> str:
        return (
            f"{q(column)} = CASE WHEN {condition} THEN excluded.{q(column)} "
            f"ELSE {table}.{q(column)} END"
        )

    sql = (
        f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) "
        f"VALUES {', '.join([row] * len(buckets))} "
        f"ON CONFLICT ({q('page_id')}, {q('grain')}, {q('start')}) DO UPDATE SET "
        f"{pick(earlier, 'first')}, {pick(earlier, 'first_at')}, "
        f"{pick(later, 'last')}, {pick(later, 'last_at')}, "
        f"{pick(lower, 'low_at')}, {pick(higher, 'high_at')}, "
        f"{q('low')} = {least}({table}.{q('low')}, excluded.{q('low')}), "
        f"{q('high')} = {greatest}({table}.{q('high')}, excluded.{q('high')})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _span_samples(spans: Iterable[tuple[int, int | None, datetime, datetime]]):
    # A span was measured at its first and at its last fetch; those are its samples.
    for page_id, value, first_seen, last_seen in spans:
        yield page_id, value, first_seen
        if last_seen != first_seen:
            yield page_id, value, last_seen


def rebuild(pages: Iterable[Page] | None = None) -> int:
    """Recompute the buckets of `pages` (default: every page) from their history."""
    page_ids = None if pages is None else [p.pk for p in pages]
    written = 0
    with transaction.atomic():
        rollups = Rollup.objects.all()
        spans = Observation.objects.filter(value__isnull=False)
        if page_ids is not None:
            rollups = rollups.filter(page_id__in=page_ids)
            spans = spans.filter(page_id__in=page_ids)
        rollups.delete()
        rows = spans.order_by("page_id", "seq").values_list(
            "page_id", "value", "first_seen", "last_seen"
        )
        batch: list = []
        for span in rows.iterator(chunk_size=CHUNK):
            batch.append(span)
            # merge() folds a batch into distinct buckets; a bucket split across two batches
            # is simply upserted twice, which the upsert makes harmless.
            if len(batch) >= CHUNK * 4:
                written += add_samples(_span_samples(batch))
                batch = []
        written += add_samples(_span_samples(batch))
    return written
