"""The consumers of the history: whatever must follow every record the write path commits.

The write path (`likewatch.tracking.history.record_batch`) writes a *round*: one batch of
fetches, one transaction. In that same transaction it numbers the round (1, 2, 3…, in commit
order) and keeps the round's written records in the journal (`tracking.Round`). After the
commit it hands them to every registered consumer, in registration order:

    from likewatch.tracking import consumers

    class MyConfig(AppConfig):
        def ready(self):
            from likewatch.myapp import follow
            consumers.register("myapp", follow.consume, order=30)

    def consume(batch: consumers.Batch) -> None:
        for record in batch.records:       # Written, in commit order
            ...

Rules a consumer lives by:

- It receives committed records only, in the order they were written (by round, then within a
  round in the order of the batch), each record once per delivery.
- Its work runs in a transaction of its own, together with the move of its cursor (the
  `tracking.Cursor` row named after it): what it writes to the database and the fact that it
  read the round commit together or not at all. So a consumer that only writes to the database
  processes every record exactly once, whatever crashes.
- If it raises, its transaction (and the cursor move) is rolled back and logged; the next
  delivery, or `likewatch consumers catch-up`, or a poller starting, replays it from the
  journal. A consumer therefore never costs a measurement, and never silently skips one.
- Anything it does outside the database (a Redis publish, a message) can be repeated after a
  crash between that action and the commit: it must be idempotent per record.
- It must not write history (no `record_batch` from a consumer).

A consumer registered for the first time starts at the newest round: rounds written before it
existed are its own business (a rebuild command, a migration). The journal keeps each round
until every cursor has passed it, so a consumer that is down for a while catches up from
where it stopped; `likewatch consumers status` shows how far behind each one is, and
`likewatch consumers forget NAME` drops the cursor of a consumer that no longer exists.

Consumers today: rollups (chart buckets), fanout (live boards), alerts (milestones, failing
pages), events (live detection, which keeps its rolling state in its consumer). The
transparency log and the compaction into segments register here too.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from likewatch.tracking.models import Cursor, Page, Round

log = logging.getLogger("likewatch.consumers")

SPAN = "span"
FAILURE = "failure"
# Rounds read from the journal per transaction when catching up.
CATCH_UP_ROUNDS = 200
# Prune the journal once every this many rounds (a DELETE per round would cost more than the
# few rows it leaves behind).
PRUNE_EVERY = 16
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Written:
    """One fetch as the write path recorded it.

    `kind` is SPAN (the fetch read a value: `created` says whether it opened a new span or
    extended the open one, which then has `fetches` fetches) or FAILURE (always created).
    `sealed` is the seq of the open span this record sealed (0: none), so a consumer that
    follows sealed records (the transparency log, the compaction into segments) knows which
    record just became final without reading the page's history; `sealed_fetches` and
    `sealed_last_seen` are that span's final form. A consumer that skipped the rounds which
    extended it (events detection scans an unchanged count only now and then) learns how it
    ended from them. `failures_in_row` is the page's count after this record. `at` is the
    moment of this fetch.
    """

    position: int
    page_id: int
    seq: int
    kind: str
    created: bool
    at: datetime
    value: int | None = None
    precision: int = 1
    provenance: str = ""
    fetches: int = 1
    failure_kind: str = ""
    failures_in_row: int = 0
    sealed: int = 0
    sealed_fetches: int = 0
    sealed_last_seen: datetime | None = None


@dataclass
class Batch:
    """What a consumer is handed: committed records in order, and their pages on demand.

    `rows` holds, when the round is delivered live by the process that wrote it, the history
    rows it inserted or sealed as the write path has them in hand (Observation and
    FetchFailure objects, by (page id, seq)), so a consumer that needs a record's fields (the
    transparency log) need not read back what was just written. It is empty for rounds read
    back from the journal: a consumer must read what it does not find there.
    """

    records: Sequence[Written]
    _pages: dict[int, Page] | None = field(default=None, repr=False)
    rows: Mapping[tuple[int, int], Any] = field(default_factory=dict, repr=False)

    def page_ids(self) -> list[int]:
        """The pages of the records, each once, in first-seen order."""
        return list(dict.fromkeys(r.page_id for r in self.records))

    def pages(self) -> dict[int, Page]:
        """The records' pages by id, in their state after the write (one query at most).

        A page deleted since it was written is left out.
        """
        if self._pages is None:
            self._pages = Page.objects.in_bulk(self.page_ids())
        return self._pages


Handler = Callable[[Batch], None]


@dataclass(frozen=True)
class Consumer:
    name: str
    handle: Handler
    order: int
    every: float = 0.0


_consumers: dict[str, Consumer] = {}
# Monotonic time each consumer was last handed rounds in this process (see `pace`).
_last_run: dict[str, float] = {}
_held: set[str] = set()  # paced consumers with rounds waiting for their turn
_paced = False
# Consumers that failed in a delivery together: rounds go one by one until each took one.
_apart: set[str] = set()
# Per writing thread: where its committed rounds go instead of `deliver` (see `hand_off`).
_hand_offs = threading.local()

Delivery = Callable[[int, Sequence["Written"], "dict[int, Page] | None", Any], None]


def register(name: str, handle: Handler, *, order: int = 50, every: float = 0.0) -> None:
    """Hand every committed round to `handle`, lowest `order` first, ties by name.

    Conventions for `order`: data derived from the history first (rollups 10, the log and the
    segments 20-30), then announcing the change (fan-out 50), then analysis (alerts 70,
    events 80). Registering a name again replaces it (a reloaded module).

    `every` (seconds) lets a consumer that need not follow each round take several at once in
    a writer that asked for it (`pace`, the poller): it is handed what accumulated in the
    journal at most that often, in one batch, with the same guarantees. At a round a second,
    work with a fixed cost per batch (a consumer's queries for its pages' campaigns) is then
    paid once for several rounds; work that costs per record is not made cheaper, only
    lumped, and a batch runs between two of the writer's rounds: keep `every` short.
    """
    if not name or name == Cursor.WRITTEN or len(name) > 64:
        raise ValueError(f"not a consumer name: {name!r}")
    _consumers[name] = Consumer(name, handle, order, every)


def pace(enabled: bool = True) -> None:
    """Let consumers registered with `every` take rounds in batches in this process.

    The poller, which writes a round every second or so, turns it on; a process writing now and
    then (`likewatch add`, the web) leaves it off, so its writes reach every consumer at once.
    """
    global _paced
    _paced = enabled
    if not enabled:
        _last_run.clear()
        _held.clear()


def hand_off(to: Delivery | None) -> None:
    """Have the rounds this thread commits from now on handed to `to` instead of delivered.

    `to` receives `deliver`'s arguments right after the commit and must see that `deliver` is
    called with them, in the same order, elsewhere: the poller hands them to a thread of its
    own, so that its next round does not wait for the consumers (likewatch.poller.deliveries).
    None restores delivery in the writing thread. Other threads are not affected.
    """
    _hand_offs.to = to


def unregister(name: str) -> None:
    """Stop delivering to `name` (its cursor stays; see `forget`)."""
    _consumers.pop(name, None)


def registered() -> list[Consumer]:
    return sorted(_consumers.values(), key=lambda c: (c.order, c.name))


# The write side ---------------------------------------------------------------------------


def journal(
    records: Sequence[Written],
    pages: dict[int, Page] | None = None,
    rows: Mapping[tuple[int, int], Any] | None = None,
) -> int:
    """Number the current transaction's round, keep its records, deliver them after commit.

    Called by the write path inside its transaction, as late as possible: taking the number
    locks the counter row until the commit, which is what makes positions commit in order.
    `pages` and `rows` (see `Batch`) are what the write path holds in hand, handed to the
    live delivery only. Returns the round's position (0 when there is nothing to keep).
    """
    if not records:
        return 0
    position = _next_position()
    stamped = [_at_position(r, position) for r in records]
    Round.objects.create(position=position, records=encode(stamped))
    to = getattr(_hand_offs, "to", None) or deliver
    transaction.on_commit(lambda: to(position, stamped, pages, rows))
    return position


def _next_position() -> int:
    table = connection.ops.quote_name(Cursor._meta.db_table)
    sql = f"UPDATE {table} SET position = position + 1 WHERE name = %s RETURNING position"
    with connection.cursor() as cursor:
        cursor.execute(sql, [Cursor.WRITTEN])
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    # First write ever (or after a test flushed the tables): start after any round kept.
    start = (Round.objects.aggregate(m=Max("position"))["m"] or 0) + 1
    try:
        with transaction.atomic():
            Cursor.objects.create(name=Cursor.WRITTEN, position=start)
        return start
    except IntegrityError:  # another writer created it meanwhile
        return _next_position()


def _at_position(record: Written, position: int) -> Written:
    return Written(position, *_fields(record)[1:])


# The fields of a Written that are moments (kept in the journal as microseconds since 1970).
_MOMENTS = tuple(
    i for i, name in enumerate(Written.__slots__) if name in ("at", "sealed_last_seen")
)


def _fields(record: Written) -> list:
    return [getattr(record, name) for name in Written.__slots__]


def encode(records: Iterable[Written]) -> str:
    """The journal's form: a JSON list of field lists, times in microseconds since 1970."""
    rows = []
    for r in records:
        row = _fields(r)
        for i in _MOMENTS:
            if row[i] is not None:
                row[i] = (row[i] - _EPOCH) // timedelta(microseconds=1)
        rows.append(row)
    return json.dumps(rows, separators=(",", ":"))


def decode(text: str) -> list[Written]:
    """`encode`'s records; rounds kept before a field was added take its default."""
    out = []
    for row in json.loads(text):
        for i in _MOMENTS:
            if i < len(row) and row[i] is not None:
                row[i] = _EPOCH + timedelta(microseconds=row[i])
        out.append(Written(*row))
    return out


# The read side ----------------------------------------------------------------------------


def deliver(
    position: int,
    records: Sequence[Written],
    pages: dict[int, Page] | None,
    rows: Mapping[tuple[int, int], Any] | None = None,
) -> None:
    """Hand round `position` (just committed) to every consumer; catch up any that lag."""
    batch = Batch(records, pages, rows or {})
    now = time.monotonic()
    due = []
    for consumer in registered():
        if _paced and consumer.every:
            if now - _last_run.get(consumer.name, -consumer.every) < consumer.every:
                _held.add(consumer.name)
                continue  # its rounds wait in the journal for its next turn
            _last_run[consumer.name] = now
            _held.discard(consumer.name)
        due.append(consumer)
    for consumer in _deliver_together(due, position, batch):
        try:
            if not _deliver_live(consumer, position, batch):
                _catch_up_one(consumer, new_from=position - 1)
            _apart.discard(consumer.name)
        except Exception as exc:
            _report(consumer, exc)
    if position % PRUNE_EVERY == 0:
        try:
            prune()
        except DatabaseError as exc:
            log.warning("could not prune the history journal (%s)", exc)


def _deliver_together(due: list[Consumer], position: int, batch: Batch) -> list[Consumer]:
    """Hand the round to the consumers `due` in one transaction; those left to deliver one by
    one.

    Each consumer in a transaction of its own cost three round trips (begin, its cursor,
    commit) before any work, a sixth of a round's statements at 200 pages a minute. Here one
    statement moves every cursor that is at the round before, the consumers work, and all of
    it commits together: each consumer's work still commits with its cursor. Should any of
    them fail, nothing of it commits and every one is handed the round again on its own,
    where a failure costs only its own (`_deliver_live`): what a consumer does outside the
    database is repeated then, as after a crash (the module's rules). A consumer whose
    cursor was not at the round before (it fell behind) is left to catch up on its own.
    After a consumer failed here, rounds are delivered one by one until it took one again:
    a consumer that keeps failing would otherwise cost the others' work twice a round.
    """
    if len(due) < 2 or _apart:
        return due
    working = None
    try:
        with transaction.atomic():
            moved = _move_cursors([c.name for c in due], position)
            for working in due:
                if working.name in moved:
                    working.handle(batch)
    except Exception:
        if working is not None:
            _apart.add(working.name)
        log.debug("round %d: delivered to each consumer on its own", position, exc_info=True)
        return due
    return [c for c in due if c.name not in moved]


def _move_cursors(names: list[str], position: int) -> set[str]:
    """Move the cursors of `names` that are at the round before `position` to it, in one
    statement; the names moved (their rows are locked until the commit)."""
    table = connection.ops.quote_name(Cursor._meta.db_table)
    marks = ", ".join(["%s"] * len(names))
    sql = (
        f"UPDATE {table} SET position = %s, updated_at = %s "
        f"WHERE position = %s AND name IN ({marks}) RETURNING name"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [position, timezone.now(), position - 1, *names])
        return {row[0] for row in cursor.fetchall()}


def _deliver_live(consumer: Consumer, position: int, batch: Batch) -> bool:
    # The usual case in one statement: the cursor is at the round before, so moving it takes
    # its row lock (a consumer is read by one process at a time) and proves nothing is missed.
    with transaction.atomic():
        moved = Cursor.objects.filter(name=consumer.name, position=position - 1).update(
            position=position, updated_at=timezone.now()
        )
        if moved:
            consumer.handle(batch)
    return bool(moved)


def catch_up(names: Iterable[str] | None = None) -> dict[str, int]:
    """Bring consumers (default: all) up to the newest round; records processed by each.

    Safe at any time and from any process, next to running pollers: a consumer's cursor row
    is locked while it reads, so each round is processed once.
    """
    wanted = set(names) if names is not None else None
    done = {}
    for consumer in registered():
        if wanted is not None and consumer.name not in wanted:
            continue
        try:
            done[consumer.name] = _catch_up_one(consumer)
        except Exception as exc:
            _report(consumer, exc)
            done[consumer.name] = -1
    return done


def catch_up_paced() -> None:
    """Hand paced consumers the rounds held for them once their turn has come (no query else).

    The poller calls it while idle, so the last rounds before a quiet spell are not held until
    the next one.
    """
    now = time.monotonic()
    for name in list(_held):
        consumer = _consumers.get(name)
        if consumer is None or now - _last_run.get(name, 0.0) < consumer.every:
            continue
        _last_run[name] = now
        _held.discard(name)
        try:
            _catch_up_one(consumer)
        except Exception as exc:
            _report(consumer, exc)


def _catch_up_one(consumer: Consumer, new_from: int | None = None) -> int:
    _ensure_cursor(consumer.name, new_from)
    processed = 0
    while True:
        with transaction.atomic():
            cursor = Cursor.objects.select_for_update().get(name=consumer.name)
            rounds = list(
                Round.objects.filter(position__gt=cursor.position)
                .order_by("position")
                .values_list("position", "records")[:CATCH_UP_ROUNDS]
            )
            if not rounds:
                return processed
            if rounds[0][0] != cursor.position + 1:
                # Only a cursor created or reset by hand can be behind the journal's start.
                log.error(
                    "consumer %s: rounds %d to %d are no longer in the journal; "
                    "it resumes at round %d",
                    consumer.name,
                    cursor.position + 1,
                    rounds[0][0] - 1,
                    rounds[0][0],
                )
            records = [record for _, text in rounds for record in decode(text)]
            consumer.handle(Batch(records))
            cursor.position = rounds[-1][0]
            cursor.save(update_fields=["position", "updated_at"])
            processed += len(records)
        if len(rounds) < CATCH_UP_ROUNDS:
            # The journal held no more: a round committed since reaches the consumer by its
            # own delivery (which waited on the cursor row). Looking again, only to find
            # nothing, was a transaction and two queries more for each paced consumer's turn.
            return processed


def _ensure_cursor(name: str, new_from: int | None) -> None:
    # Committed on its own, before any processing: a consumer that fails on its very first
    # round must still hold the journal back from there.
    if Cursor.objects.filter(name=name).exists():
        return
    # A new consumer starts at the newest round (or, met during the delivery of a round, just
    # before it): what came before is not its to replay.
    if new_from is None:
        new_from = _head()
    try:
        with transaction.atomic():
            Cursor.objects.create(name=name, position=new_from)
    except IntegrityError:  # another process created it meanwhile
        pass


def _report(consumer: Consumer, exc: Exception) -> None:
    if isinstance(exc, DatabaseError):
        log.warning("consumer %s will catch up later: %s", consumer.name, exc)
    else:
        log.exception("consumer %s failed; it will retry from its cursor", consumer.name)


def prune() -> int:
    """Drop the rounds every cursor has passed; returns how many."""
    lowest = Cursor.objects.exclude(name=Cursor.WRITTEN).aggregate(m=Min("position"))["m"]
    if lowest is None:  # no consumer has ever read: keep nothing back
        lowest = Cursor.objects.filter(name=Cursor.WRITTEN).aggregate(m=Max("position"))["m"]
    if not lowest:
        return 0
    deleted, _ = Round.objects.filter(position__lte=lowest).delete()
    return deleted


@dataclass(frozen=True)
class Status:
    name: str
    position: int
    behind: int  # rounds written that it has not processed
    registered: bool
    updated_at: datetime | None


def status() -> list[Status]:
    """Every consumer, registered or only remembered by its cursor, and how far behind it is."""
    head = _head()
    cursors = {c.name: c for c in Cursor.objects.exclude(name=Cursor.WRITTEN)}
    names = [c.name for c in registered()] + sorted(set(cursors) - set(_consumers))
    rows = []
    for name in names:
        cursor = cursors.get(name)
        position = cursor.position if cursor else head
        rows.append(
            Status(
                name,
                position,
                max(0, head - position),
                name in _consumers,
                cursor.updated_at if cursor else None,
            )
        )
    return rows


def forget(name: str) -> bool:
    """Drop a consumer's cursor (one that no longer exists holds the journal back)."""
    deleted, _ = Cursor.objects.filter(name=name).exclude(name=Cursor.WRITTEN).delete()
    return bool(deleted)


def _head() -> int:
    """The newest round written (0: none yet)."""
    head = Cursor.objects.filter(name=Cursor.WRITTEN).values_list("position", flat=True).first()
    return head or 0
