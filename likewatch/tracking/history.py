"""Appending to a page's history: the one write path for observations and failures.

Rules (see README.md, "Architecture: one history, compact and chained"):

1. A fetch that reads the same value (and precision and provenance) as the page's newest
   record, which is an open span, extends that span: `last_seen` moves, `fetches` grows,
   and the span's `answer_produced_at` becomes this fetch's (the answer's own date).
2. Anything else appends a record with the next `seq`. Before it does, the open span is sealed:
   its final state is hashed with the hash before it. Sealed records are never edited.
3. A failed fetch is always a record of its own, sealed at once, so the span before it closes
   and the gap shows.

The unit of writing is the batch (`record_batch`): a round of the poller, or a batch of one
(`record_count`, `record_failure`). A batch is one transaction with a fixed number of
statements whatever its size; its pages are locked together, so two writers never interleave
records of one page. In the same transaction the round is numbered and journaled, and after
the commit its records are handed to the consumers (likewatch.tracking.consumers): rollups,
live fan-out, alerts, events, and whatever else registers there. This module knows none of
them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F

from likewatch.sources.base import Count
from likewatch.sources.errors import SourceError
from likewatch.tracking import bulk, chain, consumers
from likewatch.tracking.consumers import Written
from likewatch.tracking.models import FetchFailure, Health, Observation, Page, Provenance


def record_count(
    page: Page,
    count: Count,
    at: datetime,
    *,
    provenance: str = Provenance.API,
    source_url: str = "",
    raw: bytes | None = None,
) -> Observation | None:
    """Record that `page` was measured at `count` at time `at`: a batch of one.

    Returns the span it went into (None if the page was deleted meanwhile). `raw` is the
    platform's answer body: kept (see likewatch.evidence.raw) when it starts a new span, so
    every span links the answer of its first fetch.
    """
    entry = Entry(page, count, at, provenance=provenance, source_url=source_url, raw=raw)
    return record_batch([entry])[0]


def record_failure(
    page: Page,
    error: SourceError,
    at: datetime,
    *,
    duration_ms: int = 0,
    raw: bytes | None = None,
) -> FetchFailure | None:
    """Record a fetch of `page` that failed with `error` (a gap): a batch of one.

    `raw` (default: the error's own `raw`) is the answer body that explained the failure.
    """
    return record_batch([Entry(page, error, at, duration_ms=duration_ms, raw=raw)])[0]


def _copy_state(source: Page, target: Page) -> None:
    # Keep the caller's Page object in step with the row we locked and saved.
    for name in PAGE_STATE:
        setattr(target, name, getattr(source, name))


@dataclass
class Entry:
    """One fetch's result for `record_batch`: a Count or the SourceError it failed with."""

    page: Page
    result: Count | SourceError
    at: datetime
    provenance: str = Provenance.API
    source_url: str = ""
    duration_ms: int = 0
    raw: bytes | None = None  # the answer body; for a failure, default the error's own
    produced_at: datetime | None = None  # by the answer's own metadata (sources.freshness)

    @property
    def body(self) -> bytes | None:
        return self.raw if self.raw is not None else getattr(self.result, "raw", None)


PAGE_STATE = ["last_seq", "health", "last_success_at", "failures_in_row"]
PAGE_STATE += ["last_error_at", "last_error"]
# A poller's claim on a page (likewatch.poller.claims), given up by the batch that records the
# fetch it was taken for (`record_batch`'s `release`).
LEASE = ["lease_owner", "lease_until"]


def record_backfill(entries: Sequence[Entry]) -> list[Observation | FetchFailure | None]:
    """Record counts older than everything their pages recorded (an archive's figures).

    A chain only grows at its end and a record's leaf never moves, so a backfill is a batch
    like any other: its records take the next seqs, become new leaves of the transparency log
    and reach every consumer through the journal; only their times lie before the page's
    first record. Readers order a page's records by time (likewatch.tracking.records), and
    the compaction packs a backfilled range in segments of its own (tracking.segments).

    Unlike a fetch, a backfilled record never extends a span recorded before the backfill
    (the page's open span is sealed first) and leaves the page's health and last success as
    they were: it says what the page was, not what it is. The caller checks that each page's
    entries, given oldest first, are older than the page's first record
    (likewatch.tracking.importing refuses an overlap, naming the times).
    """
    return record_batch(entries, backfill=True)


def record_batch(
    entries: Sequence[Entry], *, backfill: bool = False, release: Collection[int] = ()
) -> list[Observation | FetchFailure | None]:
    """Record many fetches in one transaction; returns their records, in the order given.

    The pages are locked together (in id order, so two batches cannot deadlock), their newest
    records read in two queries, and every insert and update written in one statement per
    kind. A page may appear several times: its entries apply in the order given. A page
    deleted since it was claimed gets None. The caller's Page objects follow the new state.
    `backfill`: see `record_backfill`. Within a caller's transaction (the poller's round) the
    batch is part of it: a failure fails the caller's transaction too.

    `release`: ids of pages whose lease (likewatch.poller.claims) ends with this batch, given
    up in the statement that writes the pages' new state. Given up in an UPDATE of its own
    before the batch, as the poller did, every fetch wrote its page's row three times (claim,
    release, state): a third of the rows a round wrote (3,254 page rows for 1,018 fetches,
    200 single-page JSON sources on PostgreSQL, /tmp harness of bench._polling_cost_worker).
    """
    if not entries:
        return []
    # Inside a caller's transaction (the poller's round), no savepoint of its own: every
    # caller lets a failure end its transaction, and the savepoint was two more round trips
    # a round.
    with transaction.atomic(savepoint=False):
        ids = sorted({e.page.pk for e in entries})
        locked = {
            p.pk: p for p in Page.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        }
        heads = _heads(locked.values())
        loaded = {pk: _written(page) for pk, page in locked.items()}
        plan = _Plan(backfill=backfill)
        results: list[tuple[Entry, Observation | FetchFailure | None, Written | None]] = []
        for entry in entries:
            page = locked.get(entry.page.pk)
            if page is None:  # deleted since it was claimed: nothing to record it in
                results.append((entry, None, None))
                continue
            record, written = plan.apply(page, heads.get(page.pk), entry)
            heads[page.pk] = record
            results.append((entry, record, written))
        for pk in release:
            if pk in locked:
                locked[pk].lease_owner, locked[pk].lease_until = "", None
        plan.write(list(locked.values()), loaded)
        _keep_raw_many(results)
        consumers.journal([w for _, _, w in results if w is not None], locked, plan.rows())
        for entry, record, _ in results:
            if record is not None:
                _copy_state(locked[entry.page.pk], entry.page)
    return [record for _, record, _ in results]


def _heads(pages: Iterable[Page]) -> dict[int, Observation | FetchFailure]:
    """Each page's newest record (its seq is the page's last_seq), by page id.

    The compaction always leaves a page's newest record a row (the write path may extend it),
    so it is an Observation or a FetchFailure. Spans are asked for first, and failures only
    for the pages whose newest record was not a span: in most rounds none is (a failing page
    is the exception), so the second query is not sent at all. A page with no record yet has
    no head and is not asked about.
    """
    wanted = [page.pk for page in pages if page.last_seq]
    heads: dict[int, Observation | FetchFailure] = {}
    for model in (Observation, FetchFailure):
        if not wanted:
            break
        # Unordered: the models' default order (by page name) made the database sort the rows.
        asked = model.objects.filter(page_id__in=wanted, seq=F("page__last_seq")).order_by()
        for record in asked:
            heads[record.page_id] = record
        wanted = [pk for pk in wanted if pk not in heads]
    return heads


def _state(page: Page) -> tuple:
    return tuple(getattr(page, name) for name in PAGE_STATE)


def _written(page: Page) -> tuple:
    """What `write` compares and writes of a page: its state and its lease."""
    return tuple(getattr(page, name) for name in PAGE_STATE + LEASE)


def _sealed_form(head, sealed: int) -> dict:
    """The Written fields saying which span this record sealed and how that span ended."""
    if not sealed:
        return {}
    return {"sealed": sealed, "sealed_fetches": head.fetches, "sealed_last_seen": head.last_seen}


class _Plan:
    """The rows one batch inserts and updates, built in memory by the rules above."""

    def __init__(self, *, backfill: bool = False) -> None:
        self.backfill = backfill
        self.new_spans: list[Observation] = []
        self.new_failures: list[FetchFailure] = []
        self.extended: dict[int, Observation] = {}  # existing rows only, by id
        self.sealed: dict[int, Observation] = {}
        self.sealed_all: list[Observation] = []  # every span this batch seals, new ones too
        self.fresh: set[int] = set()  # id() of the records this batch inserts

    def apply(self, page: Page, head, entry: Entry) -> tuple[Observation | FetchFailure, Written]:
        if isinstance(entry.result, Count):
            return self._count(page, head, entry)
        return self._failure(page, head, entry)

    def rows(self) -> dict[tuple[int, int], Observation | FetchFailure]:
        """What this batch inserted or sealed, by (page id, seq), for the consumers."""
        return {
            (r.page_id, r.seq): r for r in (*self.sealed_all, *self.new_spans, *self.new_failures)
        }

    def write(self, pages: list[Page], loaded: dict[int, tuple]) -> None:
        """Write the plan; `loaded` is each page's state and lease as locked (`_written`,
        see `_changed`)."""
        # Extended and sealed rows in one statement (a round has both: the pages whose count
        # held, and those whose count moved); each writes the other's fields as they are.
        # Only the write path changes a page's newest rows, under the page's lock.
        bulk.update_rows(
            list({**self.extended, **self.sealed}.values()),
            ["last_seen", "fetches", "answer_produced_at", "hash"],
        )
        Observation.objects.bulk_create(self.new_spans, batch_size=500)
        FetchFailure.objects.bulk_create(self.new_failures, batch_size=500)
        changed, fields = _changed(pages, loaded)
        bulk.update_rows(changed, fields)

    def _seal(self, head) -> tuple[str, int]:
        """Seal the page's newest record if it is an open span; its hash and sealed seq."""
        if head is None:
            return chain.GENESIS, 0
        if isinstance(head, Observation) and head.is_open:
            head.hash = chain.observation_hash(head)
            self.sealed_all.append(head)
            if id(head) not in self.fresh:
                self.sealed[id(head)] = head
            return head.hash, head.seq
        return head.hash, 0

    def _extensible(self, page: Page, head: Observation) -> bool:
        """Whether an identical count may extend the open span `head` rather than follow it."""
        if self.backfill:
            # Only a span of this backfill: the page's own open span is from another time.
            return id(head) in self.fresh
        # The newest by seq is the newest in time, except after a backfill: its last span
        # stays open (a final leaf comes when the next record seals it) but is older than
        # what the page last fetched, and a fetch must never stretch it over the years.
        newest = max((t for t in (page.last_success_at, page.last_error_at) if t), default=None)
        return newest is None or head.last_seen >= newest

    def _count(self, page: Page, head, entry: Entry) -> tuple[Observation, Written]:
        count = entry.result
        if (
            isinstance(head, Observation)
            and head.is_open
            and head.value == count.value
            and head.precision == count.precision
            and head.provenance == entry.provenance
            and entry.at >= head.last_seen
            and self._extensible(page, head)
        ):
            head.last_seen = entry.at
            head.fetches += 1
            # The span's answer date is its last fetch's: a cache that stopped keeps giving
            # the date it was filled, a page answered afresh today's (events.quiet).
            head.answer_produced_at = entry.produced_at
            if id(head) not in self.fresh:
                self.extended[id(head)] = head
            obs, created, sealed = head, False, 0
        else:
            prev_hash, sealed = self._seal(head)
            page.last_seq += 1
            obs = Observation(
                page=page,
                seq=page.last_seq,
                value=count.value,
                precision=count.precision,
                first_seen=entry.at,
                last_seen=entry.at,
                fetches=1,
                provenance=entry.provenance,
                source_url=entry.source_url,
                answer_produced_at=entry.produced_at,
                prev_hash=prev_hash,
            )
            self.new_spans.append(obs)
            self.fresh.add(id(obs))
            created = True
        if not self.backfill:
            page.health = Health.OK
            page.last_success_at = entry.at
            page.failures_in_row = 0
        written = Written(
            0,
            page.pk,
            obs.seq,
            consumers.SPAN,
            created,
            entry.at,
            value=obs.value,
            precision=obs.precision,
            provenance=obs.provenance,
            fetches=obs.fetches,
            **_sealed_form(head, sealed),
        )
        return obs, written

    def _failure(self, page: Page, head, entry: Entry) -> tuple[FetchFailure, Written]:
        error = entry.result
        prev_hash, sealed = self._seal(head)
        page.last_seq += 1
        failure = FetchFailure(
            page=page,
            seq=page.last_seq,
            at=entry.at,
            kind=error.kind,
            message=str(error)[:2000],
            duration_ms=max(0, int(entry.duration_ms)),
            retry_at=getattr(error, "retry_at", None),
            prev_hash=prev_hash,
        )
        failure.hash = chain.failure_hash(failure)
        self.new_failures.append(failure)
        self.fresh.add(id(failure))
        if not self.backfill:
            page.health = Health.FAILING
            page.last_error_at = entry.at
            page.last_error = failure.message
            page.failures_in_row += 1
        written = Written(
            0,
            page.pk,
            failure.seq,
            consumers.FAILURE,
            True,
            entry.at,
            failure_kind=failure.kind,
            failures_in_row=page.failures_in_row,
            **_sealed_form(head, sealed),
        )
        return failure, written


def _changed(pages: list[Page], loaded: dict[int, tuple]) -> tuple[list[Page], list[str]]:
    """The pages whose state or lease this batch changed, and the fields (PAGE_STATE + LEASE)
    it changed in any.

    A fetch that extends its span moves only the page's last success, so rewriting all six
    fields of every page (a value each to prepare, send and store) was mostly rewriting what
    the rows already held; the rows are locked until the commit, so what was read is what
    they hold.
    """
    changed: list[Page] = []
    moved: set[int] = set()
    for page in pages:
        now, before = _written(page), loaded[page.pk]
        if now != before:
            changed.append(page)
            moved.update(i for i, (a, b) in enumerate(zip(now, before, strict=True)) if a != b)
    return changed, [name for i, name in enumerate(PAGE_STATE + LEASE) if i in moved]


def _keep_raw_many(results) -> None:
    # Only a new record links its answer: an extended span already has its first fetch's.
    records = [
        (
            record.page,
            record.seq,
            "observation" if isinstance(record, Observation) else "failure",
            entry.body,
            entry.at,
        )
        for entry, record, written in results
        if record is not None and written.created and entry.body
    ]
    if records:
        from likewatch.evidence import raw

        raw.keep_many(records)
