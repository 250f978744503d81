"""The transparency-log benchmark's measured process (see bench/tlog.py).

Usage: python -m bench._tlog_worker PAGES ROUNDS (DATABASE_URL set). Prints JSON.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import django

from bench._processes import signing_keys

T0 = datetime(2026, 1, 1, tzinfo=UTC)
# Each cheap timing (witness, proof, bundle) is taken this many times in one run.
SAMPLES = 5
CHECKS = 20  # offline proof checks averaged into one sample


def main(pages: int, rounds: int) -> None:
    django.setup()
    from django.db import connection

    folder = signing_keys(witness_too=True)

    from likewatch.evidence import checkpoints, proofs, witness
    from likewatch.evidence.models import LogTile
    from likewatch.sources.base import Count
    from likewatch.tracking import history
    from likewatch.tracking.models import Page

    rows = Page.objects.bulk_create(
        [
            Page(platform="facebook", platform_id=str(100064000000 + i), metric="followers")
            for i in range(pages)
        ]
    )
    round_ms, checkpoint_ms = [], []
    for r in range(rounds):
        at = T0 + timedelta(minutes=r)
        entries = [history.Entry(p, Count(3_250_000 + p.pk + r * 37), at) for p in rows]
        started = time.perf_counter()
        history.record_batch(entries)
        committed = time.perf_counter()
        checkpoints.make(ask_witnesses=False)
        done = time.perf_counter()
        round_ms.append((committed - started) * 1000)
        checkpoint_ms.append((done - committed) * 1000)
    # A witness that cosigned the last checkpoint checks the next one, SAMPLES times: each
    # time a new round, its checkpoint, and the witness's check of it against the one before.
    witness.trust(checkpoints.verifier().vkey)
    previous = checkpoints.latest()
    assert witness.add_checkpoint(witness.request_body(0, previous)).status == 200
    witness_ms = []
    for n in range(SAMPLES):
        at = T0 + timedelta(hours=9, minutes=n)
        history.record_batch([history.Entry(p, Count(1 + p.pk + n), at) for p in rows])
        newest, _ = checkpoints.make(ask_witnesses=False)
        started = time.perf_counter()
        answer = witness.add_checkpoint(witness.request_body(previous.size, newest))
        witness_ms.append((time.perf_counter() - started) * 1000)
        assert answer.status == 200, answer.body
        previous = newest
    # The proof of one number, a page's current value, for SAMPLES pages across the log.
    build_ms, check_ms, sizes = [], [], set()
    for n in range(SAMPLES):
        page = rows[(2 * n + 1) * len(rows) // (2 * SAMPLES)]
        started = time.perf_counter()
        data = proofs.build(page, proofs.record_of(page), reveal=True)
        build_ms.append((time.perf_counter() - started) * 1000)
        text = json.dumps(data)
        sizes.add(len(text.encode()))
        # One check is well under a millisecond: each sample is the mean of CHECKS.
        started = time.perf_counter()
        for _ in range(CHECKS):
            checked = proofs.check(json.loads(text), log_key=checkpoints.verifier().vkey)
        check_ms.append((time.perf_counter() - started) * 1000 / CHECKS)
        assert checked.ok, checked.problems
    # A bundle of one time range: RANGE_PAGES public pages, ten minutes of rounds.
    range_ms, range_verify_ms, range_bytes, range_records = _range_bundle(rows, folder, rounds)
    size = newest.size
    stored = sum(len(bytes(t.refs)) + len(bytes(t.hash or b"")) for t in LogTile.objects.all())
    print(
        json.dumps(
            {
                "leaves": size,
                "round_ms": round_ms,
                "checkpoint_ms": checkpoint_ms,
                "witness_ms": witness_ms,
                # Every proof has the same shape: one size unless the log's depth differs.
                "proof_bytes": max(sizes),
                "proof_build_ms": build_ms,
                "proof_check_ms": check_ms,
                "log_bytes_per_leaf": stored / size,
                "range_export_ms": range_ms,
                "range_verify_ms": range_verify_ms,
                "range_bytes": range_bytes,
                "range_records": range_records,
                "vendor": connection.vendor,
            }
        )
    )


RANGE_PAGES = 10
RANGE_MINUTES = 10


def _range_bundle(rows, folder: Path, rounds: int) -> tuple[list, list, int, int]:
    """Export and verify a bundle of RANGE_MINUTES of RANGE_PAGES public pages, SAMPLES times
    each: (export ms, offline verify ms, bytes of the .zip, records in it)."""
    from likewatch.evidence import bundle
    from likewatch.evidence.verify import verify_bundle
    from likewatch.tracking.models import Campaign, CampaignPage

    campaign = Campaign.objects.create(slug="bench", title="Bench", starts_at=T0)
    for page in rows[:RANGE_PAGES]:
        CampaignPage.objects.create(campaign=campaign, page=page)  # save() sets its account
    start = min(5, max(0, rounds - RANGE_MINUTES))
    window = bundle.Window(
        T0 + timedelta(minutes=start), T0 + timedelta(minutes=start + RANGE_MINUTES - 1)
    )
    # Once first, as a running site would have: the template engine's first load is not the
    # bundle's cost.
    bundle.export(folder / "warm.zip", window=window)
    export_ms = []
    for n in range(SAMPLES):
        path = folder / f"range-{n}.zip"
        started = time.perf_counter()
        summary = bundle.export(path, window=window)
        export_ms.append((time.perf_counter() - started) * 1000)
    times = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        report = verify_bundle(path)
        times.append((time.perf_counter() - started) * 1000)
    assert report.ok, report.problems
    return export_ms, times, path.stat().st_size, summary.records


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
