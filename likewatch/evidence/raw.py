"""Keeping the raw body of each platform answer: recent ones as received, older ones packed.

Each new history record (a span's first fetch, or a failure) keeps the answer it came from,
as a `RecentAnswer` row written in the same transaction as the record. An open span absorbing
identical fetches adds nothing, so a stable page costs no storage.

`pack()` (a consumer of the write path: it runs after every round) moves a platform's recent
answers into one `RawBlock` once they span BLOCK_SECONDS or number BLOCK_ANSWERS: the answers
are stored side by side and compressed together with zstd. Consecutive answers of a page differ
in a few digits and a batch answer serves up to fifty pages, so a block keeps each answer in a
few bytes, and an answer shared by several pages once. Packing is one transaction: a crash
leaves the rows.

An answer is found by its record (page and seq) and the record's time; its SHA-256, which
bundles cite, is computed from its bytes. Answers are kept LIKEWATCH_RAW_RETENTION_DAYS after
they were received; `prune()` deletes older ones.
"""

from __future__ import annotations

import hashlib
import json
import struct
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from likewatch.evidence.models import RawBlock, RecentAnswer, RecordKind
from likewatch.tracking import compression
from likewatch.tracking.moments import from_micros, micros

VERSION = 1
# Its name as a consumer of the history (likewatch.tracking.consumers).
NAME = "raw"
# In the poller, it looks for answers to pack at most this often (consumers.pace).
EVERY = 60.0
BLOCK_ANSWERS = 5000
BLOCK_SECONDS = 3600
KINDS = [RecordKind.OBSERVATION.value, RecordKind.FAILURE.value]


class CorruptBlock(ValueError):
    """A block's bytes cannot be decoded."""


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def keep(page, seq: int, kind: str, body: bytes, at: datetime) -> str:
    """Keep the answer that produced record `seq` of `page`; returns its SHA-256."""
    RecentAnswer.objects.update_or_create(
        page=page,
        seq=seq,
        defaults={"platform": page.platform, "kind": kind, "body": body, "at": at},
    )
    return digest(body)


def keep_many(records: list[tuple[object, int, str, bytes, datetime]]) -> None:
    """Keep answers for many new records at once: (page, seq, kind, body, at) each."""
    RecentAnswer.objects.bulk_create(
        [
            RecentAnswer(page=page, platform=page.platform, seq=seq, kind=kind, body=body, at=at)
            for page, seq, kind, body, at in records
        ],
        batch_size=500,
    )


# Packing ---------------------------------------------------------------------------------


def consume(batch) -> None:
    """The consumer of the history: pack what a platform has gathered, after each round."""
    pack()


def pack(*, force: bool = False) -> int:
    """Pack each platform's recent answers into a block once there are enough of them (all of
    them with `force`); returns how many answers were packed."""
    packed = 0
    platforms = RecentAnswer.objects.values_list("platform", flat=True).distinct().order_by()
    for platform in list(platforms):
        while True:
            moved = _pack_platform(platform, force)
            packed += moved
            if moved < BLOCK_ANSWERS:
                break
    return packed


def _pack_platform(platform: str, force: bool) -> int:
    if not force:
        # Decided from the (platform, at) index alone: bodies are read only to pack them.
        recent = RecentAnswer.objects.filter(platform=platform).order_by("at")
        first = recent.values_list("at", flat=True).first()
        last = recent.reverse().values_list("at", flat=True).first()
        if first is None:
            return 0
        full = recent[BLOCK_ANSWERS - 1 : BLOCK_ANSWERS].exists()
        if not full and (last - first).total_seconds() < BLOCK_SECONDS:
            return 0
    with transaction.atomic():
        rows = RecentAnswer.objects.filter(platform=platform).order_by("at", "id")
        if connection.features.has_select_for_update_skip_locked:
            # Two packers never pack one answer twice: each takes the rows it locked.
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        rows = list(rows.values_list("id", "page_id", "seq", "kind", "at", "body")[:BLOCK_ANSWERS])
        if not rows:
            return 0
        RawBlock.objects.create(
            platform=platform,
            start=rows[0][4],
            end=rows[-1][4],
            answers=len(rows),
            data=encode([row[1:] for row in rows]),
        )
        RecentAnswer.objects.filter(id__in=[row[0] for row in rows]).delete()
    return len(rows)


def encode(answers: list[tuple[int, int, str, datetime, bytes]]) -> bytes:
    """A block of (page_id, seq, kind, at, body) answers, identical bodies stored once."""
    bodies: dict[bytes, int] = {}
    pages, seqs, kinds, times, which = [], [], [], [], []
    previous = 0
    for page_id, seq, kind, at, body in answers:
        pages.append(page_id)
        seqs.append(seq)
        kinds.append(KINDS.index(kind) if kind in KINDS else kind)
        us = micros(at)
        times.append(us - previous)
        previous = us
        which.append(bodies.setdefault(bytes(body), len(bodies)))
    header = json.dumps(
        {
            "v": VERSION,
            "page": pages,
            "seq": seqs,
            "kind": kinds,
            "at": times,
            "body": which,
            "length": [len(b) for b in bodies],
        },
        separators=(",", ":"),
    ).encode()
    plain = struct.pack("<I", len(header)) + header + b"".join(bodies)
    return compression.compress(plain)


def decode(data: bytes) -> list[tuple[int, int, str, datetime, bytes]]:
    """The (page_id, seq, kind, at, body) answers of a block."""
    try:
        plain = compression.decompress(data)
        (length,) = struct.unpack_from("<I", plain)
        h = json.loads(plain[4 : 4 + length])
        if h.get("v") != VERSION:
            raise CorruptBlock(f"unknown raw block version {h.get('v')!r}")
        bodies, offset = [], 4 + length
        for size in h["length"]:
            bodies.append(plain[offset : offset + size])
            offset += size
        if offset != len(plain):
            raise CorruptBlock("a raw block's bodies do not add up")
        out, us = [], 0
        for page_id, seq, kind, delta, index in zip(
            h["page"], h["seq"], h["kind"], h["at"], h["body"], strict=True
        ):
            us += delta
            kind = KINDS[kind] if isinstance(kind, int) else kind
            out.append((page_id, seq, kind, from_micros(us), bodies[index]))
        return out
    except CorruptBlock:
        raise
    except compression.CorruptFrame as e:
        raise CorruptBlock(f"a raw block is truncated, altered or has trailing bytes: {e}") from e
    except (struct.error, ValueError, KeyError, TypeError, IndexError) as e:
        raise CorruptBlock(f"a raw block cannot be decoded: {e}") from e


# Reading ---------------------------------------------------------------------------------


def answer(page, seq: int, at: datetime) -> bytes | None:
    """The answer that produced record `seq` of `page` at `at` (its first fetch or its failure),
    or None when it was pruned or never kept."""
    row = RecentAnswer.objects.filter(page=page, seq=seq).values_list("body", flat=True).first()
    if row is not None:
        return bytes(row)
    blocks = RawBlock.objects.filter(platform=page.platform, start__lte=at, end__gte=at)
    for data in blocks.values_list("data", flat=True):
        for page_id, answer_seq, _kind, _at, body in decode(data):
            if page_id == page.pk and answer_seq == seq:
                return body
    return None


def answers_for(
    records: set[tuple[int, int]], platforms: set[str], start: datetime, end: datetime
) -> dict[tuple[int, int], tuple[datetime, bytes]]:
    """{(page id, seq): (when received, body)} of the kept answers of `records`, looked for in
    the blocks of `platforms` received between `start` and `end` (not by the records' own
    times, which may be what was changed)."""
    found: dict[tuple[int, int], tuple[datetime, bytes]] = {}
    if not records:
        return found
    pages = {page for page, _ in records}
    blocks = RawBlock.objects.filter(platform__in=platforms, start__lte=end, end__gte=start)
    for data in blocks.values_list("data", flat=True):
        for page_id, seq, _kind, at, body in decode(data):
            if (page_id, seq) in records:
                found[(page_id, seq)] = (at, body)
    rows = RecentAnswer.objects.filter(page_id__in=pages)
    for page_id, seq, at, body in rows.values_list("page_id", "seq", "at", "body"):
        if (page_id, seq) in records:
            found[(page_id, seq)] = (at, bytes(body))
    return found


def answers_of(page) -> dict[int, bytes]:
    """Every kept answer of `page`, by the seq of the record it produced."""
    found: dict[int, bytes] = {}
    for data in RawBlock.objects.filter(platform=page.platform).values_list("data", flat=True):
        for page_id, seq, _kind, _at, body in decode(data):
            if page_id == page.pk:
                found[seq] = body
    for seq, body in RecentAnswer.objects.filter(page=page).values_list("seq", "body"):
        found[seq] = bytes(body)
    return found


def prune(now: datetime | None = None, days: int | None = None) -> int:
    """Delete answers received more than `days` ago (default: the setting); how many."""
    now = now or timezone.now()
    days = settings.LIKEWATCH_RAW_RETENTION_DAYS if days is None else days
    cutoff = now - timedelta(days=days)
    with transaction.atomic():
        blocks = RawBlock.objects.filter(end__lt=cutoff)
        deleted = sum(blocks.values_list("answers", flat=True))
        blocks.delete()
        recent, _ = RecentAnswer.objects.filter(at__lt=cutoff).delete()
    return deleted + recent
