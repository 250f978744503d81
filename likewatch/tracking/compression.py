"""zstd frames for what the store packs (history segments, raw platform answers).

One level and one framing for both: a whole frame with its checksum, so a truncated or
altered blob is told apart from a valid one. zstd contexts are not thread-safe, and making
one costs more than compressing a small segment, so each thread keeps its own pair.
"""

from __future__ import annotations

import threading

import zstandard

# Slow enough to pack tightly, fast enough for the few kilobytes a page's segment or a
# platform's hour of answers holds.
LEVEL = 12
# For what is rewritten at every round (a page's detector state): a fiftieth of the time of
# LEVEL, a few per cent larger.
FAST = 1

_local = threading.local()


class CorruptFrame(ValueError):
    """Bytes that are not exactly one whole, intact zstd frame."""


def compress(data: bytes, level: int = LEVEL) -> bytes:
    """One zstd frame holding `data`, with its checksum."""
    if not hasattr(_local, "compressors"):
        _local.compressors = {}
    compressor = _local.compressors.get(level)
    if compressor is None:
        compressor = zstandard.ZstdCompressor(level=level, write_checksum=True)
        _local.compressors[level] = compressor
    return compressor.compress(data)


def decompress(data: bytes) -> bytes:
    """The bytes of one whole frame; CorruptFrame if it is truncated, altered or followed by
    anything."""
    if not hasattr(_local, "decompressor"):
        _local.decompressor = zstandard.ZstdDecompressor()
    try:
        frame = _local.decompressor.decompressobj()
        body = frame.decompress(bytes(data))
    except zstandard.ZstdError as exc:
        raise CorruptFrame(f"not a valid zstd frame: {exc}") from exc
    if not frame.eof or frame.unused_data:
        raise CorruptFrame("the frame is truncated or has trailing bytes")
    return body
