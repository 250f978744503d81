"""Appending to a page's history: the only code that writes observations and failures.

Rules (see README.md, "Architecture: one history, compact and chained"):

1. A fetch that reads the same value (and precision and provenance) as the page's newest
   record, which is an open span, extends that span: `last_seen` moves, `fetches` grows.
2. Anything else appends a record with the next `seq`. Before it does, the open span is sealed:
   its final state is hashed with the hash before it. Sealed records are never edited.
3. A failed fetch is always a record of its own, sealed at once, so the span before it closes
   and the gap shows.

Each append locks the page's row, so two pollers can never interleave records of one page.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from likewatch.sources.base import Count
from likewatch.sources.errors import SourceError
from likewatch.tracking import chain, signals
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
        prev_hash = _seal(_head(locked))
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
