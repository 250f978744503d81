"""The storage benchmark's measured process: N fetches through the poller's write path.

Usage: python -m bench._storage_worker MODE PAGES ROUNDS (DATABASE_URL set; MODE is
`changing` or `stable`). Each round records one fetch of every page with
tracking.history.record_batch, as the poller does, with a realistic source URL and the
platform's answer body kept as evidence; rollups and live messages are updated as in a poller
round, and the history is compacted and the raw answers packed as the poller does after each
round. Prints JSON: fetches, and for each part (history, evidence, rollups, raw) its bytes on
disk before, half-way and after (compacted first: VACUUM FULL on PostgreSQL, VACUUM on SQLite,
so dead rows do not count), indexes included. The second half's growth is what each further
sample costs once a page's open tail has reached its steady size.

Two fixed costs come and go in cycles, and are not a sample's: a page's tail grows from one
row to TAIL_RECORDS + 1 and is compacted, and the journal of rounds is pruned every few
rounds. So "half-way" is taken a whole number of compaction cycles before the end (the tail
is the same length at both points), and the journal's consumed rounds are pruned before each
measure, as the poller prunes them.

The raw answers have a cycle of their own, which the compaction's does not divide: a
platform's recent answers are kept as received (about two hundred bytes each) until they span
an hour or number BLOCK_ANSWERS, then packed into one compressed block (evidence/raw.py). Their
size at the half-way point and at the end therefore depends on where each falls in that cycle
(measured between those points, the raw answers even shrank). So the raw answers are also
measured right after each pack of the second half: "raw_packed" is the raw tables' bytes just
after the first and the last such pack, the recent answers left unpacked at each (equal, or
the figure is not comparable), and the fetches between them: the growth over whole blocks.
"packs" counts the second half's packs.

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


def sizes(parts: tuple[str, ...] = tuple(PARTS)) -> dict[str, int]:
    """Bytes on disk of each part's tables (with their indexes)."""
    from django.db import connection

    tables = connection.introspection.table_names()
    found = {}
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("VACUUM")
        for part in parts:
            wanted = PARTS[part]
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
    from likewatch.evidence.models import RawBlock, RecentAnswer

    def packed_point(r: int) -> dict[str, int]:
        return {
            "round": r,
            "bytes": sizes(("raw",))["raw"],
            "unpacked": RecentAnswer.objects.count(),
        }

    before = measure()
    middle = None
    blocks = 0
    packs = 0
    first_pack: dict[str, int] | None = None
    last_pack: dict[str, int] | None = None
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
        now = RawBlock.objects.count()
        if r >= half and now != blocks:
            # A pack happened in this round: the first such point is kept, the latest replaces
            # the one before it.
            packs += 1
            point = packed_point(r)
            if first_pack is None:
                first_pack = point
            else:
                last_pack = point
        blocks = now
    after = measure()
    raw_packed = None
    if first_pack and last_pack:
        raw_packed = {
            "first": first_pack,
            "last": last_pack,
            "fetches": pages * (last_pack["round"] - first_pack["round"]),
        }
    print(
        json.dumps(
            {
                "fetches": pages * rounds,
                "second_half": pages * (rounds - half),
                "before": before,
                "middle": middle,
                "after": after,
                "packs": packs,
                "raw_packed": raw_packed,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
