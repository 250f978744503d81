"""The transparency-log benchmark's measured process (see bench/tlog.py).

Usage: python -m bench._tlog_worker PAGES ROUNDS (DATABASE_URL set). Prints JSON.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import django

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(pages: int, rounds: int) -> None:
    django.setup()
    from django.conf import settings
    from django.db import connection

    folder = Path(tempfile.mkdtemp())
    settings.LIKEWATCH_SIGNING_KEY = folder / "signing-key.pem"
    settings.LIKEWATCH_WITNESS_KEY = folder / "witness-key.pem"
    settings.LIKEWATCH_WITNESS_NAME = "bench.test/witness"

    from likewatch.evidence import checkpoints, keys, proofs, witness
    from likewatch.evidence.models import LogTile
    from likewatch.sources.base import Count
    from likewatch.tracking import history
    from likewatch.tracking.models import Page

    keys.ensure_key()
    witness.ensure_key()
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
    # A witness that cosigned the last checkpoint checks the next one.
    witness.trust(checkpoints.verifier().vkey)
    previous = checkpoints.latest()
    assert witness.add_checkpoint(witness.request_body(0, previous)).status == 200
    history.record_batch([history.Entry(p, Count(1 + p.pk), T0 + timedelta(hours=9)) for p in rows])
    newest, _ = checkpoints.make(ask_witnesses=False)
    started = time.perf_counter()
    answer = witness.add_checkpoint(witness.request_body(previous.size, newest))
    witness_ms = (time.perf_counter() - started) * 1000
    assert answer.status == 200, answer.body
    # The proof of one number: a page's current value.
    page = rows[len(rows) // 2]
    started = time.perf_counter()
    data = proofs.build(page, proofs.record_of(page), reveal=True)
    build_ms = (time.perf_counter() - started) * 1000
    text = json.dumps(data)
    started = time.perf_counter()
    for _ in range(100):
        checked = proofs.check(json.loads(text), log_key=checkpoints.verifier().vkey)
    check_ms = (time.perf_counter() - started) * 1000 / 100
    assert checked.ok, checked.problems
    # A bundle of one time range: RANGE_PAGES public pages, ten minutes of rounds.
    range_ms, range_verify_ms, range_bytes, range_records = _range_bundle(rows, folder, rounds)
    size = newest.size
    stored = sum(len(bytes(t.refs)) + len(bytes(t.hash or b"")) for t in LogTile.objects.all())
    print(
        json.dumps(
            {
                "leaves": size,
                "round_ms_p50": pct(round_ms, 0.5),
                "checkpoint_ms_p50": pct(checkpoint_ms, 0.5),
                "checkpoint_ms_p99": pct(checkpoint_ms, 0.99),
                "witness_ms": witness_ms,
                "proof_bytes": len(text.encode()),
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


def _range_bundle(rows, folder: Path, rounds: int) -> tuple[float, float, int, int]:
    """Export and verify a bundle of RANGE_MINUTES of RANGE_PAGES public pages: (export ms,
    offline verify ms (median of 5), bytes of the .zip, records in it)."""
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
    path = folder / "range.zip"
    started = time.perf_counter()
    summary = bundle.export(path, window=window)
    export_ms = (time.perf_counter() - started) * 1000
    times = []
    for _ in range(5):
        started = time.perf_counter()
        report = verify_bundle(path)
        times.append((time.perf_counter() - started) * 1000)
    assert report.ok, report.problems
    return export_ms, pct(times, 0.5), path.stat().st_size, summary.records


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
