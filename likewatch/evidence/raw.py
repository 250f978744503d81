"""Keeping the raw body of each platform answer, compressed and deduplicated.

One batch answer from the Graph API serves up to 50 pages: it is stored once, under its
SHA-256, and each history record it produced links to it (`RawLink`). Only a record's first
fetch links an answer: an open span absorbing identical fetches adds nothing, so a stable
page costs no storage. Bodies are kept LIKEWATCH_RAW_RETENTION_DAYS after they were last
received; `prune()` deletes older ones and leaves the links (and their hashes) in place.
"""

from __future__ import annotations

import hashlib
import zlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from likewatch.evidence.models import RawAnswer, RawLink


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def store(body: bytes, at: datetime) -> str:
    """Keep `body` (once) and return its SHA-256."""
    sha = digest(body)
    if RawAnswer.objects.filter(sha256=sha).update(last_received=at):
        return sha
    try:
        with transaction.atomic():
            RawAnswer.objects.create(
                sha256=sha,
                body=zlib.compress(body, 6),
                size=len(body),
                first_received=at,
                last_received=at,
            )
    except IntegrityError:  # another poller stored the same answer a moment ago
        RawAnswer.objects.filter(sha256=sha).update(last_received=at)
    return sha


def keep(page, seq: int, kind: str, body: bytes, at: datetime) -> str:
    """Keep the answer that produced record `seq` of `page`, and link them."""
    sha = store(body, at)
    RawLink.objects.update_or_create(
        page=page, seq=seq, defaults={"kind": kind, "sha256": sha, "at": at}
    )
    return sha


def keep_many(records: list[tuple[object, int, str, bytes, datetime]]) -> None:
    """Keep answers for many new records at once: (page, seq, kind, body, at) each.

    A batch answer shared by fifty pages is compressed and stored once.
    """
    stored: dict[int, str] = {}
    links = []
    for page, seq, kind, body_bytes, at in records:
        if id(body_bytes) not in stored:
            stored[id(body_bytes)] = store(body_bytes, at)
        links.append(RawLink(page=page, seq=seq, kind=kind, sha256=stored[id(body_bytes)], at=at))
    RawLink.objects.bulk_create(links, batch_size=500)


def body(sha256: str) -> bytes | None:
    """The raw answer with this SHA-256, or None when it was pruned or never kept."""
    row = RawAnswer.objects.filter(sha256=sha256).only("body").first()
    if row is None:
        return None
    return zlib.decompress(bytes(row.body))


def prune(now: datetime | None = None, days: int | None = None) -> int:
    """Delete bodies not received for `days` (default: the setting); returns how many."""
    now = now or timezone.now()
    days = settings.LIKEWATCH_RAW_RETENTION_DAYS if days is None else days
    deleted, _ = RawAnswer.objects.filter(last_received__lt=now - timedelta(days=days)).delete()
    return deleted
