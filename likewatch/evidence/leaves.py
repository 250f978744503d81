"""What a leaf of the transparency log is: the exact bytes of one record, rebuilt on demand.

A leaf is canonical JSON (sorted keys, no spaces, UTC times with microseconds: the form of
`likewatch.tracking.chain`), so a verifier in any language can rebuild it. Kinds:

- `span-open`: a new value was measured (value, precision, first seen, provenance, source).
  Written in the same transaction as the span, so a number is in the log as soon as it can
  be published, while the span is still open and still growing.
- `span`: the span's final state once it is sealed (adds last seen and the fetch count).
- `failure`: a fetch that produced no value.
- documents (`annotation`, `review`, `legacy-chain`): rare leaves kept verbatim in
  `LogDocument`.

A leaf names its page by a salted commitment, SHA-256(salt || identity) in hex, never by
its platform id: a checkpoint commits to the pages of unpublished campaigns without naming
them. The salt is revealed with the page only where the page is public.

The log stores no hash per leaf. A tile lists its leaves as small references (kind, page,
seq), varint-encoded and compressed, about a byte or two a leaf; the leaf bytes are rebuilt
from the history when a proof or a check needs them.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from likewatch.tracking import chain

OPEN, SPAN, FAILURE, DOCUMENT = 1, 2, 3, 4
KIND_NAMES = {OPEN: "span-open", SPAN: "span", FAILURE: "failure", DOCUMENT: "document"}


@dataclass(frozen=True)
class Ref:
    """Which record a leaf is: (kind, page id, seq); documents are found by leaf index."""

    kind: int
    page: int = 0
    seq: int = 0

    def __str__(self) -> str:
        if self.kind == DOCUMENT:
            return "a document leaf"
        return f"page {self.page} seq {self.seq} ({KIND_NAMES[self.kind]})"


# Page commitments ---------------------------------------------------------------------


def new_salt() -> bytes:
    return os.urandom(16)


def identity(platform: str, platform_id: str, metric: str) -> bytes:
    return chain.canonical_bytes(
        {"platform": platform, "platform_id": platform_id, "metric": metric}
    )


def commitment(salt: bytes, platform: str, platform_id: str, metric: str) -> str:
    return hashlib.sha256(salt + identity(platform, platform_id, metric)).hexdigest()


# Leaf forms ---------------------------------------------------------------------------


def open_form(page: str, row: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "span-open",
        "page": page,
        "seq": row["seq"],
        "value": row["value"],
        "precision": row["precision"],
        "first_seen": chain.iso(row["first_seen"]),
        "provenance": row["provenance"],
        "source_url": row["source_url"],
    }


def span_form(page: str, row: dict[str, Any]) -> dict[str, Any]:
    return {
        **open_form(page, row),
        "type": "span",
        "last_seen": chain.iso(row["last_seen"]),
        "fetches": row["fetches"],
    }


def failure_form(page: str, row: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "failure",
        "page": page,
        "seq": row["seq"],
        "at": chain.iso(row["at"]),
        "kind": row["kind"],
        "message": row["message"],
        "duration_ms": row["duration_ms"],
        "retry_at": chain.iso(row["retry_at"]),
    }


FORMS = {OPEN: open_form, SPAN: span_form, FAILURE: failure_form}


def leaf_bytes(kind: int, page: str, row: dict[str, Any]) -> bytes:
    return chain.canonical_bytes(FORMS[kind](page, row))


# Tile references ----------------------------------------------------------------------


def _varint(value: int, out: bytearray) -> None:
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return


def _zigzag(value: int) -> int:
    return value * 2 if value >= 0 else -value * 2 - 1


def _unzigzag(value: int) -> int:
    return value >> 1 if not value & 1 else -((value + 1) >> 1)


def encode_refs(refs: Iterable[Ref]) -> bytes:
    """Refs as varints (kind, page delta, seq delta from the page's last seq), compressed."""
    out = bytearray()
    last_page = 0
    last_seq: dict[int, int] = {}
    for ref in refs:
        _varint(ref.kind, out)
        if ref.kind == DOCUMENT:
            continue
        _varint(_zigzag(ref.page - last_page), out)
        _varint(_zigzag(ref.seq - last_seq.get(ref.page, 0)), out)
        last_page = ref.page
        last_seq[ref.page] = ref.seq
    return zlib.compress(bytes(out), 9)


def decode_refs(data: bytes) -> list[Ref]:
    raw = zlib.decompress(bytes(data)) if data else b""
    refs: list[Ref] = []
    position = 0

    def read() -> int:
        nonlocal position
        value = shift = 0
        while True:
            byte = raw[position]
            position += 1
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7

    last_page = 0
    last_seq: dict[int, int] = {}
    while position < len(raw):
        kind = read()
        if kind == DOCUMENT:
            refs.append(Ref(DOCUMENT))
            continue
        page = last_page + _unzigzag(read())
        seq = last_seq.get(page, 0) + _unzigzag(read())
        refs.append(Ref(kind, page, seq))
        last_page = page
        last_seq[page] = seq
    return refs
