"""Appending to a page's history: the only code that writes observations and failures.

Rules (see README.md, "Architecture: one history, compact and chained"):

1. A fetch that reads the same value (and precision and provenance) as the page's newest
   record, which is an open span, extends that span: `last_seen` moves, `fetches` grows.
2. Anything else appends a record with the next `seq`. Before it does, the open span is sealed:
   its final state is hashed with the hash before it. Sealed records are never edited.
3. A failed fetch is always a record of its own, sealed at once, so the span before it closes
   and the gap shows.

Each append locks the page's row, so two pollers can never interleave records of one page.

`record_batch` applies the same rules to many pages at once with a fixed number of queries
(the poller's write path: ten thousand pages a minute); it leaves exactly the rows, hashes and
signals that calling `record_count`/`record_failure` page by page would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F

from likewatch.sources.base import Count
from likewatch.sources.errors import SourceError
from likewatch.tracking import bulk, chain, signals
from likewatch.tracking.models import FetchFailure, Health, Observation, Page, Provenance


def _head(page: Page) -> Observation | FetchFailure | None:
    if page.last_seq == 0:
        return None
    obs = Observation.objects.filter(page=page, seq=page.last_seq).first()
    if obs is not None:
        return obs
    return FetchFailure.objects.filter(page=page, seq=page.last_seq).first()


def _seal(record: Observation | FetchFailure | None) -> str:
    """Seal the page's newest record if it is an open span; return its hash."""
    if record is None:
        return chain.GENESIS
    if isinstance(record, Observation) and record.is_open:
        record.hash = chain.observation_hash(record)
        record.save(update_fields=["hash"])
    return record.hash


def _locked(page: Page) -> Page:
    return Page.objects.select_for_update().get(pk=page.pk)


def record_count(
    page: Page,
    count: Count,
    at: datetime,
    *,
    provenance: str = Provenance.API,
    source_url: str = "",
    raw: bytes | None = None,
) -> Observation:
    """Record that `page` was measured at `count` at time `at`. Returns the span it went into.

    `raw` is the platform's answer body: kept (see likewatch.evidence.raw) when it starts a
    new span, so every span links the answer of its first fetch.
    """
    with transaction.atomic():
        locked = _locked(page)
        head = _head(locked)
        extends = (
            isinstance(head, Observation)
            and head.is_open
            and head.value == count.value
            and head.precision == count.precision
            and head.provenance == provenance
            and at >= head.last_seen
        )
        sealed_head = head if isinstance(head, Observation) and head.is_open else None
        if extends:
            head.last_seen = at
            head.fetches += 1
            head.save(update_fields=["last_seen", "fetches"])
            obs, created = head, False
        else:
            prev_hash = _seal(head)
            locked.last_seq += 1
            obs = Observation.objects.create(
                page=locked,
                seq=locked.last_seq,
                value=count.value,
                precision=count.precision,
                first_seen=at,
                last_seen=at,
                fetches=1,
                provenance=provenance,
                source_url=source_url,
                prev_hash=prev_hash,
            )
            created = True
            if raw:
                _keep_raw(locked, obs.seq, "observation", raw, at)
            _log(opened=[obs], sealed=[sealed_head] if sealed_head else [])
        locked.health = Health.OK
        locked.last_success_at = at
        locked.failures_in_row = 0
        locked.save(update_fields=["last_seq", "health", "last_success_at", "failures_in_row"])
        _copy_state(locked, page)
        transaction.on_commit(
            lambda: signals.observation_recorded.send(
                sender=Page, page=locked, observation=obs, created=created
            )
        )
    return obs


def record_failure(
    page: Page,
    error: SourceError,
    at: datetime,
    *,
    duration_ms: int = 0,
    raw: bytes | None = None,
) -> FetchFailure:
    """Record a fetch of `page` that failed with `error`: a gap in its history.

    `raw` (default: the error's own `raw`) is the answer body that explained the failure.
    """
    with transaction.atomic():
        locked = _locked(page)
        head = _head(locked)
        sealed_head = head if isinstance(head, Observation) and head.is_open else None
        prev_hash = _seal(head)
        locked.last_seq += 1
        failure = FetchFailure(
            page=locked,
            seq=locked.last_seq,
            at=at,
            kind=error.kind,
            message=str(error)[:2000],
            duration_ms=max(0, int(duration_ms)),
            retry_at=getattr(error, "retry_at", None),
            prev_hash=prev_hash,
        )
        failure.hash = chain.failure_hash(failure)
        failure.save()
        _log(failures=[failure], sealed=[sealed_head] if sealed_head else [])
        raw = raw if raw is not None else getattr(error, "raw", None)
        if raw:
            _keep_raw(locked, failure.seq, "failure", raw, at)
        locked.health = Health.FAILING
        locked.last_error_at = at
        locked.last_error = failure.message
        locked.failures_in_row += 1
        locked.save(
            update_fields=["last_seq", "health", "last_error_at", "last_error", "failures_in_row"]
        )
        _copy_state(locked, page)
        transaction.on_commit(
            lambda: signals.failure_recorded.send(sender=Page, page=locked, failure=failure)
        )
    return failure


def _keep_raw(page: Page, seq: int, kind: str, body: bytes, at: datetime) -> None:
    # In the same transaction: a record and the answer it came from are stored together.
    from likewatch.evidence import raw

    raw.keep(page, seq, kind, body, at)


def _log(opened=(), sealed=(), failures=()) -> None:
    # In the same transaction: a record and its leaves in the transparency log are
    # written together (see likewatch.evidence.log).
    from likewatch.evidence import log

    log.append_history(opened=opened, sealed=sealed, failures=failures)


def _copy_state(source: Page, target: Page) -> None:
    # Keep the caller's Page object in step with the row we locked and saved.
    for name in (
        "last_seq",
        "health",
        "last_success_at",
        "last_error_at",
        "last_error",
        "failures_in_row",
    ):
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

    @property
    def body(self) -> bytes | None:
        return self.raw if self.raw is not None else getattr(self.result, "raw", None)


PAGE_STATE = ["last_seq", "health", "last_success_at", "failures_in_row"]
PAGE_STATE += ["last_error_at", "last_error"]


def record_batch(entries: list[Entry]) -> list[Observation | FetchFailure | None]:
    """Record many pages' fetches in one transaction; the records, in the order given.

    The same rules as `record_count` and `record_failure`, with set-based queries: the pages
    are locked together (in id order, so two batches cannot deadlock), their newest records
    read in two queries, and every insert and update written in one statement per kind. A
    page appearing twice is recorded one entry at a time, in order; a page deleted meanwhile
    gets None.
    """
    if len({e.page.pk for e in entries}) < len(entries):
        return [_record_one(e) for e in entries]
    with transaction.atomic():
        ids = [e.page.pk for e in entries]
        locked = {
            p.pk: p for p in Page.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        }
        heads: dict[int, Observation | FetchFailure] = {}
        for model in (Observation, FetchFailure):
            for record in model.objects.filter(page_id__in=ids, seq=F("page__last_seq")):
                heads[record.page_id] = record
        extended: list[Observation] = []
        sealed: list[Observation] = []
        new_spans: list[Observation] = []
        new_failures: list[FetchFailure] = []
        results: list[tuple[Entry, Observation | FetchFailure, bool]] = []
        for entry in entries:
            page = locked.get(entry.page.pk)
            if page is None:  # deleted since it was claimed: nothing to record it in
                results.append((entry, None, False))
                continue
            head = heads.get(page.pk)
            if isinstance(entry.result, Count):
                record, created = _batch_count(page, head, entry, extended, sealed, new_spans)
            else:
                record, created = _batch_failure(page, head, entry, sealed, new_failures), True
            results.append((entry, record, created))
        bulk.update_rows(extended, ["last_seen", "fetches"])
        bulk.update_rows(sealed, ["hash"])
        Observation.objects.bulk_create(new_spans, batch_size=500)
        FetchFailure.objects.bulk_create(new_failures, batch_size=500)
        _log(opened=new_spans, sealed=sealed, failures=new_failures)
        bulk.update_rows(list(locked.values()), PAGE_STATE)
        _keep_raw_many(results)
        for entry, record, created in results:
            if record is None:
                continue
            page = locked[entry.page.pk]
            _copy_state(page, entry.page)
            transaction.on_commit(_signal(page, record, created))
    return [record for _, record, _ in results]


def _record_one(entry: Entry) -> Observation | FetchFailure:
    if isinstance(entry.result, Count):
        return record_count(
            entry.page,
            entry.result,
            entry.at,
            provenance=entry.provenance,
            source_url=entry.source_url,
            raw=entry.raw,
        )
    return record_failure(
        entry.page, entry.result, entry.at, duration_ms=entry.duration_ms, raw=entry.body
    )


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
        for entry, record, created in results
        if record is not None and created and entry.body
    ]
    if records:
        from likewatch.evidence import raw

        raw.keep_many(records)


def _batch_seal(head, sealed: list[Observation]) -> str:
    if isinstance(head, Observation) and head.is_open:
        head.hash = chain.observation_hash(head)
        sealed.append(head)
    return head.hash if head is not None else chain.GENESIS


def _batch_count(page, head, entry, extended, sealed, new_spans):
    count = entry.result
    if (
        isinstance(head, Observation)
        and head.is_open
        and head.value == count.value
        and head.precision == count.precision
        and head.provenance == entry.provenance
        and entry.at >= head.last_seen
    ):
        head.last_seen = entry.at
        head.fetches += 1
        extended.append(head)
        obs, created = head, False
    else:
        prev_hash = _batch_seal(head, sealed)
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
            prev_hash=prev_hash,
        )
        new_spans.append(obs)
        created = True
    page.health = Health.OK
    page.last_success_at = entry.at
    page.failures_in_row = 0
    return obs, created


def _batch_failure(page, head, entry, sealed, new_failures) -> FetchFailure:
    error = entry.result
    prev_hash = _batch_seal(head, sealed)
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
    new_failures.append(failure)
    page.health = Health.FAILING
    page.last_error_at = entry.at
    page.last_error = failure.message
    page.failures_in_row += 1
    return failure


def _signal(page: Page, record, created: bool):
    if isinstance(record, Observation):
        return lambda: signals.observation_recorded.send(
            sender=Page, page=page, observation=record, created=created
        )
    return lambda: signals.failure_recorded.send(sender=Page, page=page, failure=record)
