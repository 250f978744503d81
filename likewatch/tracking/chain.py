"""The canonical form of a history record and its chained SHA-256.

A record's hash covers its canonical form and the previous record's hash, so changing,
removing or inserting any sealed record breaks every hash after it. The form is JSON with
sorted keys and no spaces, times as UTC ISO 8601 with microseconds: a verifier in any
language can rebuild it from an exported bundle.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = ""


def iso(moment: datetime | None) -> str | None:
    """A timestamp as the chain writes it: UTC, microseconds, trailing Z."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def observation_form(page_id: int, seq: int, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "observation",
        "page": page_id,
        "seq": seq,
        "value": fields["value"],
        "precision": fields["precision"],
        "first_seen": iso(fields["first_seen"]),
        "last_seen": iso(fields["last_seen"]),
        "fetches": fields["fetches"],
        "provenance": fields["provenance"],
        "source_url": fields["source_url"],
    }


def failure_form(page_id: int, seq: int, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "failure",
        "page": page_id,
        "seq": seq,
        "at": iso(fields["at"]),
        "kind": fields["kind"],
        "message": fields["message"],
        "duration_ms": fields["duration_ms"],
        "retry_at": iso(fields["retry_at"]),
    }


def canonical_bytes(form: dict[str, Any]) -> bytes:
    return json.dumps(form, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link_hash(prev_hash: str, form: dict[str, Any]) -> str:
    """SHA-256 of the previous hash and this record's canonical form."""
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical_bytes(form))
    return digest.hexdigest()


def observation_hash(obs) -> str:
    """The hash an observation span gets when it is sealed."""
    form = observation_form(obs.page_id, obs.seq, obs.__dict__)
    return link_hash(obs.prev_hash, form)


def failure_hash(failure) -> str:
    form = failure_form(failure.page_id, failure.seq, failure.__dict__)
    return link_hash(failure.prev_hash, form)
