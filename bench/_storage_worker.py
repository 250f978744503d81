"""The storage benchmark's measured process: N fetches through the poller's write path.

Usage: python -m bench._storage_worker MODE PAGES ROUNDS (DATABASE_URL set; MODE is
`changing` or `stable`). Each round records one fetch of every page with
tracking.history.record_batch, as the poller does, with a realistic source URL and the
platform's answer body kept as evidence; rollups and live messages are updated as in a poller
round, and the history is compacted and the raw answers packed as the poller does after each
round. Prints JSON: fetches, and for each part (history, evidence, rollups, raw) its bytes on
disk before, half-way and after (compacted first: VACUUM FULL on PostgreSQL, VACUUM on SQLite,
so dead rows do not count), indexes included. The second half's growth is what each further
sample costs once a page's open tail and its recent answers have reached their steady size.

Two fixed costs come and go in cycles, and are not a sample's: a page's tail grows from one
row to TAIL_RECORDS + 1 and is compacted, and the journal of rounds is pruned every few
rounds. So "half-way" is taken a whole number of compaction cycles before the end (the tail
is the same length at both points), and the journal's consumed rounds are pruned before each
measure, as the poller prunes them.

Commits are not flushed to disk (synchronous_commit off, PRAGMA synchronous OFF): it changes
nothing on disk but the time this takes on a busy machine.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta

import django

T0 = datetime(2026, 1, 1, tzinfo=UTC)

# Which tables make up each part. Raw answers are apart from the rest of the evidence.
RAW = ("evidence_recentanswer", "evidence_rawblock")
PARTS = {
    "history": lambda t: t.startswith("tracking_") and t != "tracking_page",
    "evidence": lambda t: t.startswith("evidence_") and t not in RAW,
    "rollups": lambda t: t.startswith("rollups_"),
    "raw": lambda t: t in RAW,
}


def sizes() -> dict[str, int]:
    """Bytes on disk of each part's tables (with their indexes)."""
    from django.db import connection

    tables = connection.introspection.table_names()
    found = {}
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("VACUUM")
        for part, wanted in PARTS.items():
            total = 0
            for table in filter(wanted, tables):
                if connection.vendor == "postgresql":
                    cursor.execute(f'VACUUM FULL "{table}"')
                    cursor.execute("SELECT pg_total_relation_size(%s)", [table])
                else:
                    # dbstat names indexes separately: count those of the table too.
                    cursor.execute(
                        "SELECT SUM(pgsize) FROM dbstat WHERE name IN "
                        "(SELECT name FROM sqlite_schema WHERE tbl_name = %s)",
                        [table],
                    )
                total += cursor.fetchone()[0] or 0
            found[part] = total
    return found


def main(mode: str, pages: int, rounds: int) -> None:
    django.setup()

    from likewatch.sources.base import Count
    from likewatch.tracking import history
    from likewatch.tracking.models import Page

    rows = Page.objects.bulk_create(
        [
            Page(platform="facebook", platform_id=str(100064000000 + i), metric="followers")
            for i in range(pages)
        ]
    )
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET synchronous_commit TO OFF")
        else:
            cursor.execute("PRAGMA synchronous = OFF")
    from likewatch.tracking import consumers, segments

    def measure() -> dict[str, int]:
        consumers.prune()
        return sizes()

    cycle = segments.TAIL_RECORDS + 1
    half = rounds - cycle * max(1, (rounds - rounds // 2) // cycle)
    before = measure()
    middle = None
    for r in range(rounds):
        if r == half:
            middle = measure()
        at = T0 + timedelta(minutes=r)
        entries = []
        for page in rows:
            value = 3_250_000 + page.pk + (r * 37 if mode == "changing" else 0)
            body = json.dumps(
                {page.platform_id: {"id": page.platform_id, "followers_count": value}}
            ).encode()
            entries.append(
                history.Entry(
                    page,
                    Count(value),
                    at,
                    source_url=f"https://graph.facebook.com/v24.0/?ids={page.platform_id}"
                    "&fields=id,name,username,link,fan_count,followers_count",
                    raw=body,
                )
            )
        # The write path hands the round to its consumers (rollups, the log, the compaction
        # into segments, the packing of raw answers) once it commits, as in a poller.
        history.record_batch(entries)
    after = measure()
    print(
        json.dumps(
            {
                "fetches": pages * rounds,
                "second_half": pages * (rounds - half),
                "before": before,
                "middle": middle,
                "after": after,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
