"""A writer killed with SIGKILL mid-write, fifty times: nothing lost, duplicated or invented.

The writer (tests/faults/crashing_writer.py) records a known sequence of fetches, in batches,
and is killed at random moments. Whatever the moment, the stored history must be exactly the
history of the first K fetches of that sequence for some K, must contain every fetch a writer
was told had committed, and every sealed record's hash must recompute from its content and the
hash before it; the transparency log must hold each record's leaves exactly once and hash to
what the history rebuilds. And the consumers of the history, killed mid-round as often as not,
must have processed every committed fetch exactly once once they caught up from their cursors.
"""

import json
import subprocess
import sys

import pytest
from django.db import connection

from likewatch.tracking import chain
from tests.faults.crashing_writer import MAX_BATCH, PAGES, fails, fetch_moment, value
from tests.faults.evidence import verify_chain
from tests.processes import ROOT, child_env
from tests.waiting import NeverReady

pytestmark = pytest.mark.django_db(transaction=True)
KILLS = 50
WRITER_DEADLINE = 1200  # seconds


def expected_history(total: int) -> dict[str, list[dict]]:
    """The history the first `total` fetches must leave, by the rules of tracking.history."""
    pages: dict[str, list[dict]] = {f"w{p}": [] for p in range(PAGES)}
    for k in range(total):
        rows = pages[f"w{k % PAGES}"]
        at = chain.iso(fetch_moment(k))
        if fails(k):
            rows.append({"type": "failure", "at": at, "message": f"fault {k}"})
            continue
        head = rows[-1] if rows else None
        if head and head["type"] == "observation" and head["value"] == value(k):
            head["last_seen"], head["fetches"] = at, head["fetches"] + 1
        else:
            rows.append(
                {
                    "type": "observation",
                    "value": value(k),
                    "first_seen": at,
                    "last_seen": at,
                    "fetches": 1,
                }
            )
    return pages


def test_fifty_sigkills_mid_write_lose_and_invent_nothing(tmp_path):
    env = child_env()
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    # Only a safety net: each kill waits for its writer (crashing_writer.READY_SECONDS), so
    # the run takes half a minute on a quiet machine and many more on a busy one.
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tests.faults.crashing_writer", str(KILLS), "20261126"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=WRITER_DEADLINE,
        )
    except subprocess.TimeoutExpired as late:
        raise NeverReady(
            f"waited {WRITER_DEADLINE} s for the {KILLS} write-and-kill cycles; "
            f"the writer said: {(late.stderr or b'')[-2000:]!r}"
        ) from None
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    stored = result["history"]

    fetches = sum(
        r["fetches"] if r["type"] == "observation" else 1 for rows in stored.values() for r in rows
    )
    reported = result["reported"]
    assert fetches > KILLS, "the writers barely wrote: the kills proved nothing"
    # Nothing lost: every fetch a writer saw commit is stored; each kill can have cut at most
    # one commit (a batch) off before its report, never more.
    assert len(reported) == len(set(reported))
    assert set(reported) <= set(range(fetches))
    assert fetches - len(reported) <= KILLS * MAX_BATCH
    # Nothing duplicated or invented: exactly the history of the first `fetches` fetches.
    expected = expected_history(fetches)
    for key, rows in stored.items():
        keep = {
            "observation": ("value", "first_seen", "last_seen", "fetches"),
            "failure": ("at", "message"),
        }
        assert [{"type": r["type"], **{f: r[f] for f in keep[r["type"]]}} for r in rows] == (
            expected[key]
        )
        verify_chain(rows)

    # The transparency log: each record's leaves once, none missing, the tiles and the right
    # edge exactly what the history rebuilds.
    assert result["log_problems"] == []

    # The consumers: every committed fetch processed once, none twice, none invented.
    assert result["inside_consumer"] > 0, "no kill landed inside a consumer: it proved nothing"
    count, total, squares = result["tally"]
    assert count == fetches
    assert total == sum(range(fetches))
    assert squares == sum(k * k for k in range(fetches))
    assert set(result["behind"].values()) == {0}, result["behind"]
