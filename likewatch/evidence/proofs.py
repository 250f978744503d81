""" "Cite this number": one record's proof, made on the server and checked offline.

A proof (JSON, `/proof/<page>/<seq>.json`, or saved to a file) holds everything a sceptical
reader needs, and nothing more:

- the number: value, precision, time window, source, provenance, the page;
- the record's leaves (their exact bytes) with their indexes and inclusion proofs;
- the checkpoint (signed note with every cosignature) the proofs lead to, the log's verifier
  key, and the RFC 3161 token when there is one;
- the page's salt (only for public pages), so the leaf's page commitment can be opened;
- a citation line ready to paste.

`check(proof, log_key=..., witness_keys=...)` re-derives every hash: the leaf bytes must say
what the proof says the number is, each inclusion proof must lead to the checkpoint's root,
the checkpoint must carry the log's signature, and each cosignature from a given witness key
must verify. Nothing is taken from the proof's own claims without a hash behind it.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from likewatch.evidence import checkpoints, leaves, log, merkle, note
from likewatch.tracking import chain
from likewatch.tracking import records as history_records
from likewatch.tracking.models import Page
from likewatch.tracking.records import Record, Span

FORMAT = "likewatch-proof"
VERSION = 1


class NotCovered(LookupError):
    """The record is not in a signed checkpoint yet (it will be within a round)."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def record_of(page: Page, seq: int | None = None, at: datetime | None = None) -> Record | None:
    """A record of the page: `seq`; else the value it had at `at`; else the number shown now."""
    if seq is None:
        return history_records.latest_span(page, at)
    return next(iter(history_records.records(page, seq_from=seq, seq_to=seq)), None)


def build(page: Page, record, reveal: bool, site_url: str = "") -> dict[str, Any]:
    """The proof of `record`; NotCovered when no checkpoint covers its leaves yet."""
    record = history_records.as_record(record)
    is_span = isinstance(record, Span)
    around = record.first_seen if is_span else record.at
    found = log.find_leaves(page.pk, record.seq, around)
    if is_span and leaves.SPAN not in found:  # its final leaf, if it is sealed
        found.update(log.find_leaves(page.pk, record.seq, record.last_seen))
    if not found:
        raise NotCovered(f"page {page.pk} seq {record.seq} is not in the log")
    checkpoint = checkpoints.latest()
    if checkpoint is None or checkpoint.size <= max(found.values()):
        raise NotCovered(f"page {page.pk} seq {record.seq} is not in a signed checkpoint yet")
    tree = log.Tree(checkpoint.size)
    leaf_items = []
    for kind in sorted(found):
        index = found[kind]
        leaf_items.append(
            {
                "index": index,
                "leaf": tree.record(index).decode("utf-8"),
                "inclusion": [_b64(h) for h in tree.inclusion(index)],
            }
        )
    salt = log.salt(page.pk) if reveal else None
    data = {
        "type": FORMAT,
        "version": VERSION,
        "log": {"origin": checkpoints.origin(), "vkey": _vkey()},
        "page": {
            "id": page.pk,
            "platform": page.platform if reveal else None,
            "platform_id": page.platform_id if reveal else None,
            "metric": page.metric,
            "name": page.label if reveal else None,
            "url": page.url if reveal else None,
            "salt": salt.hex() if salt else None,
        },
        "record": _record_form(record),
        "leaves": leaf_items,
        "checkpoint": checkpoints.full_note(checkpoint),
        "timestamp_token": _b64(bytes(checkpoint.timestamp_token))
        if checkpoint.timestamp_token
        else None,
    }
    data["citation"] = citation(data, site_url)
    return data


def _vkey() -> str:
    verifier = checkpoints.verifier()
    return verifier.vkey if verifier else ""


def _record_form(record) -> dict[str, Any]:
    if isinstance(record, Span):
        return {
            "type": "observation",
            "seq": record.seq,
            "value": record.value,
            "precision": record.precision,
            "first_seen": chain.iso(record.first_seen),
            "last_seen": chain.iso(record.last_seen),
            "fetches": record.fetches,
            "provenance": record.provenance,
            "source_url": record.source_url,
            "sealed": not record.is_open,
        }
    return {
        "type": "failure",
        "seq": record.seq,
        "at": chain.iso(record.at),
        "kind": record.kind,
        "message": record.message,
    }


def citation(data: dict[str, Any], site_url: str = "") -> str:
    """One line a journalist can paste under a quote."""
    page, record = data["page"], data["record"]
    size = note.Checkpoint.parse_text(note.parse(data["checkpoint"]).text).size
    who = page["name"] or f"page {page['id']}"
    where = f" ({page['platform']})" if page["platform"] else ""
    if record["type"] == "observation":
        what = (
            f"{record['value']:,} {page['metric']}, seen from {record['first_seen']} "
            f"to {record['last_seen']} ({record['fetches']} fetches, {record['provenance']})"
        )
    else:
        what = f"no value: fetch failed at {record['at']} ({record['kind']})"
    leaf = ", ".join(str(item["index"]) for item in data["leaves"])
    link = f" {site_url}/proof/{page['id']}/{record['seq']}/" if site_url else ""
    return (
        f"{who}{where}: {what}. likewatch log {data['log']['origin']}, record "
        f"{page['id']}#{record['seq']}, leaf {leaf}, checkpoint {size}.{link}"
    )


# Checking a proof offline -------------------------------------------------------------


@dataclass
class Checked:
    ok: bool
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cosigned_by: list[str] = field(default_factory=list)
    size: int = 0


LEAF_FIELDS = {
    "span-open": ("seq", "value", "precision", "first_seen", "provenance", "source_url"),
    "span": ("seq", "value", "precision", "first_seen", "last_seen", "fetches", "provenance"),
    "failure": ("seq", "at", "kind", "message"),
}


def check(
    data: dict[str, Any] | bytes | str,
    log_key: str | None = None,
    witness_keys: list[str] = (),
    tsa_certificates: list | None = None,
) -> Checked:
    """Check a proof with nothing but itself and the keys given (see the module docstring).

    An RFC 3161 token in it is checked against the checkpoint's text: its imprint always, its
    signature and chain with `tsa_certificates` (the timestamp authority's, x509)."""
    result = Checked(ok=False)
    problems = result.problems
    try:
        if not isinstance(data, dict):
            data = json.loads(data)
        if data.get("type") != FORMAT:
            raise ValueError("not a likewatch proof")
        vkey = log_key or data["log"]["vkey"]
        if not log_key:
            result.notes.append(
                "checked with the log key inside the proof: compare it with the site's "
                f"published key ({vkey})"
            )
        verifier = note.Verifier.parse(vkey)
        checkpoint, parsed = note.open_checkpoint(data["checkpoint"], verifier)
    except (ValueError, KeyError, TypeError, note.NoteError) as exc:
        problems.append(f"unreadable proof or checkpoint: {exc}")
        return result
    result.size = checkpoint.size
    if data.get("timestamp_token"):
        from likewatch.evidence import timestamps

        try:
            token = base64.b64decode(data["timestamp_token"], validate=True)
        except (ValueError, TypeError) as exc:
            problems.append(f"the checkpoint's RFC 3161 timestamp is not base64: {exc}")
        else:
            notes, problem = timestamps.findings(token, parsed.text.encode(), tsa_certificates)
            result.notes += notes
            if problem:
                problems.append(problem)
    for key in witness_keys:
        try:
            witness = note.Verifier.parse(key)
            if parsed.verified_by(witness):
                result.cosigned_by.append(witness.name)
            else:
                problems.append(f"no cosignature of the witness {witness.name}")
        except note.NoteError as exc:
            problems.append(f"witness cosignature: {exc}")
    record, page = data.get("record", {}), data.get("page", {})
    if not data.get("leaves"):
        problems.append("the proof holds no leaf")
    for item in data.get("leaves", []):
        try:
            leaf_data = merkle.proven_leaf(item, checkpoint.size, checkpoint.root)
            leaf = json.loads(leaf_data)
        except (KeyError, ValueError, TypeError, merkle.ProofError) as exc:
            problems.append(f"leaf {item.get('index')}: {exc}")
            continue
        if chain.canonical_bytes(leaf) != leaf_data:
            problems.append(f"leaf {item['index']}: not in canonical form")
        for name in LEAF_FIELDS.get(leaf.get("type"), ()):
            if name in record and record[name] != leaf.get(name):
                problems.append(
                    f"leaf {item['index']}: the record says {name}={record[name]!r}, "
                    f"the logged leaf {leaf.get(name)!r}"
                )
        if page.get("salt"):
            name = leaves.commitment(
                bytes.fromhex(page["salt"]), page["platform"], page["platform_id"], page["metric"]
            )
            if leaf.get("page") != name:
                problems.append(f"leaf {item['index']}: it is not a leaf of this page")
    if not page.get("salt"):
        result.notes.append("the page is not named (not public): its identity is not checked")
    result.ok = not problems
    return result
