"""The storage benchmark's measured process: N fetches through the poller's write path.

Usage: python -m bench._storage_worker MODE PAGES ROUNDS (DATABASE_URL set; MODE is
`changing` or `stable`). Each round records one fetch of every page with
tracking.history.record_batch, as the poller does, with a realistic source URL and the
platform's answer body kept as evidence; rollups and live messages are updated as in a poller
round. Prints JSON: fetches, and the database's bytes on disk before and after (compacted
first: VACUUM FULL on PostgreSQL, VACUUM on SQLite, so dead rows do not count) of the tables
history, evidence and rollups write, indexes included.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta

import django

T0 = datetime(2026, 1, 1, tzinfo=UTC)


TABLES = ("tracking_", "rollups_", "evidence_")


def size() -> int:
    """Bytes on disk of the tables that history, evidence and rollups write (with indexes)."""
    from django.db import connection

    tables = [t for t in connection.introspection.table_names() if t.startswith(TABLES)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            total = 0
            for table in tables:
                cursor.execute(f'VACUUM FULL "{table}"')
                cursor.execute("SELECT pg_total_relation_size(%s)", [table])
                total += cursor.fetchone()[0]
            return total
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("VACUUM")
        # dbstat names indexes separately: count those of our tables too.
        marks = ", ".join(["%s"] * len(tables))
        cursor.execute(
            "SELECT SUM(pgsize) FROM dbstat WHERE name IN (SELECT name FROM sqlite_schema "
            f"WHERE tbl_name IN ({marks}))",
            tables,
        )
        return cursor.fetchone()[0] or 0


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
    before = size()
    for r in range(rounds):
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
        history.record_batch(entries)
    after = size()
    print(json.dumps({"fetches": pages * rounds, "before": before, "after": after}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
