"""Reading a history as plain rows and checking its chain, for tests that run other processes.

`python -m tests.faults.evidence` (with DATABASE_URL set) prints every page's history as JSON;
`verify_chain(rows)` recomputes every hash with likewatch.tracking.chain; `log_problems()`
checks the transparency log against the history.
"""

from __future__ import annotations

import json
from datetime import datetime

from likewatch.tracking import chain


def history_rows(prefix: str = "") -> dict[str, list[dict]]:
    """Every page's records, oldest first, keyed by platform id (those starting with prefix).

    Records are read through the one read API (likewatch.tracking.records), so those already
    compacted into segments count too. Rows still in the tail carry their stored hashes;
    records in segments store none (`segmented`: the chain is recomputed over them).
    """
    from likewatch.tracking import records
    from likewatch.tracking.models import FetchFailure, Observation, Page

    result = {}
    for page in Page.objects.filter(platform_id__startswith=prefix):
        stored = {o.seq: (o.prev_hash, o.hash) for o in Observation.objects.filter(page=page)}
        stored |= {f.seq: (f.prev_hash, f.hash) for f in FetchFailure.objects.filter(page=page)}
        rows = []
        for record in records.records(page):
            if isinstance(record, records.Span):
                row = {
                    "type": "observation",
                    "value": record.value,
                    "precision": record.precision,
                    "first_seen": chain.iso(record.first_seen),
                    "last_seen": chain.iso(record.last_seen),
                    "fetches": record.fetches,
                    "provenance": record.provenance,
                    "source_url": record.source_url,
                }
            else:
                row = {
                    "type": "failure",
                    "at": chain.iso(record.at),
                    "kind": record.kind,
                    "message": record.message,
                    "duration_ms": record.duration_ms,
                    "retry_at": chain.iso(record.retry_at),
                }
            prev_hash, hash_ = stored.get(record.seq, (None, None))
            row |= {
                "page": page.pk,
                "seq": record.seq,
                "prev_hash": prev_hash,
                "hash": hash_,
                "segmented": record.seq not in stored,
            }
            rows.append(row)
        result[page.platform_id] = rows
    return result


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def verify_chain(rows: list[dict]) -> None:
    """Assert that seqs run 1..n and that the chain recomputed over every record (segments
    included) matches each hash still stored with a tail row: so the segments gave back the
    records exactly, and no row was changed."""
    previous = chain.GENESIS
    for index, row in enumerate(rows):
        assert row["seq"] == index + 1, f"seq {row['seq']} where {index + 1} was due"
        if not row["segmented"]:
            assert row["prev_hash"] == previous, f"broken link at seq {row['seq']}"
        if row["type"] == "observation":
            fields = {
                **row,
                "first_seen": _when(row["first_seen"]),
                "last_seen": _when(row["last_seen"]),
            }
            form = chain.observation_form(row["page"], row["seq"], fields)
        else:
            fields = {**row, "at": _when(row["at"]), "retry_at": _when(row["retry_at"])}
            form = chain.failure_form(row["page"], row["seq"], fields)
        if not row["segmented"] and not row["hash"]:
            assert index == len(rows) - 1 and row["type"] == "observation", "only the head is open"
            return
        computed = chain.link_hash(previous, form)
        if not row["segmented"]:
            assert row["hash"] == computed, f"bad hash at seq {row['seq']}"
        previous = computed


def log_problems(prefix: str = "") -> list[str]:
    """What is wrong with the transparency log: `likewatch verify --database`'s log check
    (every tile and the right edge rebuilt from the history), a leaf logged twice, or a
    record (of the pages whose platform id starts with prefix) without its leaf."""
    from collections import Counter

    from likewatch.evidence import audit, leaves
    from likewatch.evidence.models import LogTile
    from likewatch.evidence.verify import Report
    from likewatch.tracking import records
    from likewatch.tracking.models import Page

    report = Report()
    audit.check_database(report)
    problems = [str(problem) for problem in report.problems]
    logged: Counter = Counter()
    for data in LogTile.objects.order_by("index").values_list("refs", flat=True):
        for ref in leaves.decode_refs(data):
            if ref.kind != leaves.DOCUMENT:
                logged[(ref.page, ref.seq, ref.kind)] += 1
    problems += [f"{key} logged {n} times" for key, n in sorted(logged.items()) if n > 1]
    for page in Page.objects.filter(platform_id__startswith=prefix):
        for record in records.records(page, by_seq=True):
            kind = leaves.OPEN if isinstance(record, records.Span) else leaves.FAILURE
            if not logged[(page.pk, record.seq, kind)]:
                problems.append(f"page {page.pk} seq {record.seq} has no leaf")
            sealed = isinstance(record, records.Span) and not record.is_open
            if sealed and not logged[(page.pk, record.seq, leaves.SPAN)]:
                problems.append(f"page {page.pk} seq {record.seq} (sealed) has no final leaf")
    return problems


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(history_rows()))
