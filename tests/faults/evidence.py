"""Reading a history as plain rows and checking its chain, for tests that run other processes.

`python -m tests.faults.evidence` (with DATABASE_URL set) prints every page's history as JSON;
`verify_chain(rows)` recomputes every hash with likewatch.tracking.chain.
"""

from __future__ import annotations

import json
from datetime import datetime

from likewatch.tracking import chain


def history_rows(prefix: str = "") -> dict[str, list[dict]]:
    """Every page's records, oldest first, keyed by platform id (those starting with prefix)."""
    from likewatch.tracking.models import FetchFailure, Observation, Page

    result = {}
    for page in Page.objects.filter(platform_id__startswith=prefix):
        rows = [
            {
                "type": "observation",
                "page": page.pk,
                "seq": o.seq,
                "value": o.value,
                "precision": o.precision,
                "first_seen": chain.iso(o.first_seen),
                "last_seen": chain.iso(o.last_seen),
                "fetches": o.fetches,
                "provenance": o.provenance,
                "source_url": o.source_url,
                "prev_hash": o.prev_hash,
                "hash": o.hash,
            }
            for o in Observation.objects.filter(page=page)
        ]
        rows += [
            {
                "type": "failure",
                "page": page.pk,
                "seq": f.seq,
                "at": chain.iso(f.at),
                "kind": f.kind,
                "message": f.message,
                "duration_ms": f.duration_ms,
                "retry_at": chain.iso(f.retry_at),
                "prev_hash": f.prev_hash,
                "hash": f.hash,
            }
            for f in FetchFailure.objects.filter(page=page)
        ]
        result[page.platform_id] = sorted(rows, key=lambda r: r["seq"])
    return result


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def verify_chain(rows: list[dict]) -> None:
    """Assert that seqs run 1..n, each record links to the one before, and every hash holds."""
    previous = chain.GENESIS
    for index, row in enumerate(rows):
        assert row["seq"] == index + 1, f"seq {row['seq']} where {index + 1} was due"
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
        if not row["hash"]:
            assert index == len(rows) - 1 and row["type"] == "observation", "only the head is open"
            return
        assert row["hash"] == chain.link_hash(previous, form), f"bad hash at seq {row['seq']}"
        previous = row["hash"]


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(history_rows()))
