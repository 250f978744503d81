"""The transparency log's store: appending leaves, its tiles, and reading hashes back.

Every record of the history is a leaf of one append-only Merkle tree (RFC 6962 hashing,
likewatch.evidence.merkle); what a leaf is, see likewatch.evidence.leaves. What is kept:

- `LogState`: the size and the compact range (at most 64 hashes) of the right edge, enough
  to append a leaf and to compute the root;
- `LogTile`: per 256 leaves, their references and, once the tile is full, the hash of its
  subtree (32 bytes per 256 leaves, an eighth of a byte a leaf);
- `LogDocument`: the bytes of the rare leaves that cannot be rebuilt (annotations, reviews).

Leaves are appended in the same transaction as the records they are (history.record_batch
calls `append_history`), so the log never misses a record nor holds one that was rolled
back, whatever crashes. The `LogState` row lock orders the appends of concurrent writers.

Any subtree hash a proof needs is computed by `Tree.hash_range`: full tiles from their
stored hash, anything smaller from leaves rebuilt from the records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from likewatch.evidence import leaves, merkle
from likewatch.evidence.leaves import DOCUMENT, FAILURE, OPEN, SPAN, Ref
from likewatch.evidence.models import LogDocument, LogState, LogTile, PageSalt
from likewatch.tracking import records as history_records
from likewatch.tracking.models import FetchFailure, Observation, Page

TILE_HEIGHT = 8
TILE = 1 << TILE_HEIGHT
ROWS_PER_QUERY = 200
SPAN_FIELDS = ("page_id", "seq", "value", "precision", "first_seen", "last_seen", "fetches")
SPAN_FIELDS += ("provenance", "source_url")
FAILURE_FIELDS = ("page_id", "seq", "at", "kind", "message", "duration_ms", "retry_at")


class RecordMissing(LookupError):
    """A leaf names a record that is not in the history any more."""

    def __init__(self, index: int, ref: Ref) -> None:
        super().__init__(f"leaf {index}: {ref} is missing from the history")
        self.index = index
        self.ref = ref


def _split(frontier: bytes) -> list[bytes]:
    data = bytes(frontier)
    return [data[i : i + 32] for i in range(0, len(data), 32)]


def state(lock: bool = False) -> LogState:
    rows = LogState.objects.select_for_update() if lock else LogState.objects
    found = rows.filter(pk=1).first()
    if found is None:
        found, _ = LogState.objects.get_or_create(pk=1)
        if lock:
            found = LogState.objects.select_for_update().get(pk=1)
    return found


def root(size: int | None = None) -> tuple[int, bytes]:
    """(size, root hash) of the log now, or of its first `size` leaves."""
    current = state()
    if size is None or size == current.size:
        return current.size, merkle.frontier_root(_split(current.frontier))
    return size, Tree(current.size).hash_range(0, size) if size else merkle.EMPTY_ROOT


# Page salts ---------------------------------------------------------------------------


def commitments(page_ids: Iterable[int]) -> dict[int, str]:
    """Each page's commitment, making a salt for a page that has none yet."""
    ids = set(page_ids)
    found = dict(PageSalt.objects.filter(page_id__in=ids).values_list("page_id", "commitment"))
    missing = ids - found.keys()
    if missing:
        new = []
        for page in Page.objects.filter(pk__in=missing).only("platform", "platform_id", "metric"):
            salt = leaves.new_salt()
            digest = leaves.commitment(salt, page.platform, page.platform_id, page.metric)
            new.append(PageSalt(page=page, salt=salt, commitment=digest))
            found[page.pk] = digest
        PageSalt.objects.bulk_create(new, ignore_conflicts=True)
        # Another writer may have salted the same page first: theirs is the one kept.
        found.update(
            PageSalt.objects.filter(page_id__in=missing).values_list("page_id", "commitment")
        )
    return found


def salt(page_id: int) -> bytes | None:
    row = PageSalt.objects.filter(page_id=page_id).values_list("salt", flat=True).first()
    return bytes(row) if row is not None else None


# Appending ----------------------------------------------------------------------------


def append_history(
    opened: Sequence[Observation] = (),
    sealed: Sequence[Observation] = (),
    failures: Sequence[FetchFailure] = (),
) -> range:
    """Append the leaves of records in hand: sealed spans, then new spans, then failures."""
    refs = [Ref(SPAN, r.page_id, r.seq) for r in sealed]
    refs += [Ref(OPEN, r.page_id, r.seq) for r in opened]
    refs += [Ref(FAILURE, r.page_id, r.seq) for r in failures]
    return append_refs(refs)


def append_refs(refs: Sequence[Ref], known: Mapping[tuple[int, int], Any] | None = None) -> range:
    """Append the leaves of these history records, in order, read from the history.

    `known` holds records already in hand (Observation or FetchFailure objects by (page id,
    seq), in their state as written): those are not read back. A record gone meanwhile (its
    page deleted) is left out.
    """
    if not refs:
        return range(0)
    known = known or {}
    names = commitments({r.page for r in refs})
    spans, fails = _rows([r for r in refs if r.kind != DOCUMENT and (r.page, r.seq) not in known])
    for (page, seq), record in known.items():
        if isinstance(record, FetchFailure):
            fails[(page, seq)] = {name: getattr(record, name) for name in FAILURE_FIELDS}
        else:
            spans[(page, seq)] = {name: getattr(record, name) for name in SPAN_FIELDS}
    items: list[tuple[Ref, bytes]] = []
    times: list[datetime] = []
    for ref in refs:
        row = (fails if ref.kind == FAILURE else spans).get((ref.page, ref.seq))
        if row is None or ref.page not in names:
            continue
        items.append((ref, leaves.leaf_bytes(ref.kind, names[ref.page], row)))
        times.append(record_time(ref.kind, row))
    return append(items, times=times)


def record_time(kind: int, row: dict) -> datetime:
    """The time a leaf is filed under: when its record's value was first seen (a span's
    opening), last seen (its final state) or when the fetch failed. Tiles keep the range of
    their leaves' times, so a record's leaves are found from its own times."""
    if kind == OPEN:
        return row["first_seen"]
    if kind == SPAN:
        return row["last_seen"]
    return row["at"]


def append_document(kind: str, object_id: int, body: bytes) -> int:
    """Append a document leaf (its bytes kept verbatim); returns its index."""
    return append([(Ref(DOCUMENT), body)], documents=[(kind, object_id, body)]).start


def append(
    items: Sequence[tuple[Ref, bytes]],
    documents: Sequence[tuple[str, int, bytes]] = (),
    now: datetime | None = None,
    times: Sequence[datetime] | None = None,
) -> range:
    """Append leaves (ref, bytes) in order, each filed under its time (default now)."""
    if not items:
        return range(0)
    now = now or timezone.now()
    times = list(times) if times is not None else [now] * len(items)
    # No savepoint inside a caller's transaction (the log's consumer, with its cursor): a
    # failed append fails that transaction all the same, and the savepoint cost two round
    # trips a round.
    with transaction.atomic(savepoint=False):
        current = state(lock=True)
        start = size = current.size
        frontier = _split(current.frontier)
        tiles: dict[int, LogTile] = {}
        tile_refs: dict[int, list[Ref]] = {}
        fresh: set[int] = set()  # the tiles this append starts (their number is their key)
        first = size // TILE
        if size % TILE:
            partial = LogTile.objects.get(index=first)
            tiles[first] = partial
            tile_refs[first] = leaves.decode_refs(partial.refs)
        for (ref, data), at in zip(items, times, strict=True):
            number = size // TILE
            if number not in tiles:
                tiles[number] = LogTile(index=number, first_at=at, last_at=at)
                tile_refs[number] = []
                fresh.add(number)
            tile = tiles[number]
            tile.first_at, tile.last_at = min(tile.first_at, at), max(tile.last_at, at)
            tile_refs[number].append(ref)
            frontier, completed = merkle.append_leaf(frontier, size, merkle.leaf_hash(data))
            for level, index, node in completed:
                if level == TILE_HEIGHT:
                    tiles[index].hash = node
            size += 1
        for number, tile in tiles.items():
            tile.refs = leaves.encode_refs(tile_refs[number])
            tile.count = len(tile_refs[number])
        for number, tile in tiles.items():
            if number not in fresh:
                tile.save(update_fields=["refs", "count", "hash", "first_at", "last_at"])
        LogTile.objects.bulk_create([tiles[number] for number in sorted(fresh)])
        if documents:
            doc_indexes = [start + i for i, (ref, _) in enumerate(items) if ref.kind == DOCUMENT]
            LogDocument.objects.bulk_create(
                LogDocument(
                    kind=k,
                    object_id=o,
                    body=b.decode("utf-8"),
                    sha256=hashlib.sha256(b).hexdigest(),
                    leaf=i,
                )
                for (k, o, b), i in zip(documents, doc_indexes, strict=True)
            )
        current.size = size
        current.frontier = b"".join(frontier)
        current.updated_at = now
        current.save(update_fields=["size", "frontier", "updated_at"])
    return range(start, size)


# Reading leaves back ------------------------------------------------------------------


def tile_refs(number: int) -> list[Ref]:
    data = LogTile.objects.filter(index=number).values_list("refs", flat=True).first()
    return leaves.decode_refs(data) if data is not None else []


def rebuild(refs: Sequence[Ref], first_index: int) -> list[bytes]:
    """The leaf bytes of `refs` (leaf indexes from `first_index`), from the history.

    Raises RecordMissing naming the first leaf whose record is gone.
    """
    pages = {r.page for r in refs if r.kind != DOCUMENT}
    names = dict(PageSalt.objects.filter(page_id__in=pages).values_list("page_id", "commitment"))
    spans, fails = _rows([r for r in refs if r.kind != DOCUMENT])
    docs = {}
    doc_leaves = [first_index + i for i, r in enumerate(refs) if r.kind == DOCUMENT]
    if doc_leaves:
        docs = dict(LogDocument.objects.filter(leaf__in=doc_leaves).values_list("leaf", "body"))
    out = []
    for offset, ref in enumerate(refs):
        index = first_index + offset
        if ref.kind == DOCUMENT:
            body = docs.get(index)
            if body is None:
                raise RecordMissing(index, ref)
            out.append(body.encode("utf-8"))
            continue
        row = (fails if ref.kind == FAILURE else spans).get((ref.page, ref.seq))
        if row is None or ref.page not in names:
            raise RecordMissing(index, ref)
        out.append(leaves.leaf_bytes(ref.kind, names[ref.page], row))
    return out


def _rows(refs: Sequence[Ref]) -> tuple[dict[tuple[int, int], dict], dict[tuple[int, int], dict]]:
    """The fields of the records `refs` name, spans and failures apart, by (page, seq).

    Read through `tracking.records`, wherever they are stored (the tail's rows or the
    compressed segments), in a fixed number of queries."""
    spans: dict[tuple[int, int], dict] = {}
    fails: dict[tuple[int, int], dict] = {}
    if not refs:
        return spans, fails
    ranges: dict[int, list[int]] = {}
    for ref in refs:
        low_high = ranges.setdefault(ref.page, [ref.seq, ref.seq])
        low_high[0] = min(low_high[0], ref.seq)
        low_high[1] = max(low_high[1], ref.seq)
    found = history_records.many(
        list(ranges),
        since_seq={page: low for page, (low, _high) in ranges.items()},
        until_seq={page: high for page, (_low, high) in ranges.items()},
    )
    for page, items in found.items():
        for record in items:
            if isinstance(record, history_records.Span):
                spans[(page, record.seq)] = record.fields()
            else:
                fails[(page, record.seq)] = record.fields()
    return spans, fails


class Tree:
    """Subtree hashes of the log's first `size` leaves, for proofs and checks.

    `trust_tiles=False` recomputes full tiles from their leaves too (the database check).
    """

    def __init__(self, size: int, trust_tiles: bool = True, lenient: bool = False) -> None:
        self.size = size
        self.trust_tiles = trust_tiles
        # lenient: a leaf whose record is gone hashes as 32 zero bytes instead of raising
        # (the database check goes on and names every missing record).
        self.lenient = lenient
        self.full_tiles = size // TILE
        self._leaves: dict[int, list[bytes]] = {}
        self._refs: dict[int, list[Ref]] = {}
        self._tile_hashes: dict[int, bytes | None] = {}
        self._cache: dict[tuple[int, int], bytes] = {}

    def refs(self, number: int) -> list[Ref]:
        if number not in self._refs:
            self._refs[number] = tile_refs(number)
        return self._refs[number]

    def leaf(self, index: int) -> bytes:
        """The leaf hash at `index`."""
        number = index // TILE
        if number not in self._leaves:
            refs = self.refs(number)
            try:
                self._leaves[number] = [merkle.leaf_hash(b) for b in rebuild(refs, number * TILE)]
            except RecordMissing:
                if not self.lenient:
                    raise
                self._leaves[number] = [
                    self._lenient_leaf(ref, number * TILE + offset)
                    for offset, ref in enumerate(refs)
                ]
        return self._leaves[number][index % TILE]

    @staticmethod
    def _lenient_leaf(ref: Ref, index: int) -> bytes:
        try:
            return merkle.leaf_hash(rebuild([ref], index)[0])
        except RecordMissing:
            return b"\x00" * 32

    def record(self, index: int) -> bytes:
        """The leaf's bytes at `index` (rebuilt from the history)."""
        number = index // TILE
        refs = self.refs(number)
        return rebuild([refs[index % TILE]], index)[0]

    def stored_tile(self, number: int) -> bytes | None:
        if number not in self._tile_hashes:
            rows = LogTile.objects.filter(
                index__gte=number, index__lt=min(number + 4096, self.full_tiles)
            ).values_list("index", "hash")
            for index, digest in rows:
                self._tile_hashes[index] = bytes(digest) if digest is not None else None
            self._tile_hashes.setdefault(number, None)
        return self._tile_hashes[number]

    def hash_range(self, start: int, end: int) -> bytes:
        key = (start, end)
        if key in self._cache:
            return self._cache[key]
        n = end - start
        if n == 1:
            value = self.leaf(start)
        elif n == TILE and start % TILE == 0 and end <= self.full_tiles * TILE:
            stored = self.stored_tile(start // TILE) if self.trust_tiles else None
            value = stored or self._split(start, end)
        else:
            value = self._split(start, end)
        if n >= TILE:
            self._cache[key] = value
        return value

    def _split(self, start: int, end: int) -> bytes:
        k = merkle.split(end - start)
        return merkle.node_hash(self.hash_range(start, start + k), self.hash_range(start + k, end))

    def root(self) -> bytes:
        return self.hash_range(0, self.size) if self.size else merkle.EMPTY_ROOT

    def inclusion(self, index: int) -> list[bytes]:
        return merkle.inclusion_proof(index, self.size, self.hash_range)

    def consistency(self, old: int) -> list[bytes]:
        return merkle.consistency_proof(old, self.size, self.hash_range)


# Finding a record's leaves ------------------------------------------------------------

WINDOWS = (timedelta(0), timedelta(hours=1), timedelta(days=31), None)


def find_leaves(page_id: int, seq: int, around: datetime | None) -> dict[int, int]:
    """{kind: leaf index} of a record's leaves.

    `around` is the record's time its leaf is filed under (`record_time`): the tiles whose
    time range holds it hold the leaf. Wider windows, and in the end the whole log, are
    searched in case a clock stepped back.
    """
    found: dict[int, int] = {}
    seen: set[int] = set()
    for window in WINDOWS:
        tiles = LogTile.objects.order_by("index")
        if window is not None and around is not None:
            # From the index on last_at: the tiles ending at or after the window's start.
            tiles = tiles.filter(
                last_at__gte=around - window, first_at__lte=around + window
            ).order_by("last_at")
        elif window is not None:
            continue
        for number, data in tiles.values_list("index", "refs").iterator():
            if number in seen:
                continue
            seen.add(number)
            for offset, ref in enumerate(leaves.decode_refs(data)):
                if ref.kind != DOCUMENT and ref.page == page_id and ref.seq == seq:
                    found[ref.kind] = number * TILE + offset
        if found:
            return found
    return found


def leaf_index(pages: set[int] | None, size: int) -> dict[tuple[int, int, int], int]:
    """{(page, seq, kind): leaf index} of the given pages' leaves below `size` (one pass)."""
    found = {}
    tiles = LogTile.objects.filter(index__lt=(size + TILE - 1) // TILE).order_by("index")
    for number, data in tiles.values_list("index", "refs").iterator():
        for offset, ref in enumerate(leaves.decode_refs(data)):
            index = number * TILE + offset
            if index >= size or ref.kind == DOCUMENT:
                continue
            if pages is None or ref.page in pages:
                found[(ref.page, ref.seq, ref.kind)] = index
    return found
