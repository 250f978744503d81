"""The transparency log: checkpoint latency after a round, and the proof of one number.

A fresh database gets PAGES pages (LIKEWATCH_BENCH_TLOG_PAGES, 1,000) whose counts change
at every fetch, polled ROUNDS rounds (LIKEWATCH_BENCH_TLOG_ROUNDS, 100) through the poller's
write path, each round followed by a signed checkpoint, as a poller does. Measured:

- checkpoint latency: from a round's commit to its signed checkpoint stored, every round a
  sample (median, min–max: with 100 rounds the max stands for the p99);
- a witness's check and cosignature of the next checkpoint (in-process: parsing, the
  consistency proof from the previous one, signing), for 5 successive checkpoints;
- the proof of one number (the current value of a page): server time to build it for 5
  pages, its size as JSON, and the time to check it offline (`likewatch verify proof.json`),
  5 samples of the mean of 20 checks;
- the tiles' payload per leaf (compressed refs and one hash per 256 leaves; the on-disk
  total with row overheads is in `bench storage`, which counts every evidence table);
- a bundle of one time range (`likewatch export --evidence --since --until`): ten minutes of
  ten public pages, its size as a .zip, the time to write it and to check it offline (5 of
  each).
The synthetic counts are not public data: these figures measure the log's mechanics, which
do not depend on the values.
"""

from __future__ import annotations

import os

from bench._processes import database, postgres_available, worker

PAGES = int(os.environ.get("LIKEWATCH_BENCH_TLOG_PAGES", 1000))
ROUNDS = int(os.environ.get("LIKEWATCH_BENCH_TLOG_ROUNDS", 100))
# One run times every one of ROUNDS checkpoints and 5 of each cheap timing (witness, proof,
# bundle): building the log again would add nothing.
REPEATS = 1


def run() -> list[tuple]:
    rows = []
    for kind in ["sqlite"] + (["postgresql"] if postgres_available() else []):
        with database(kind, "tlog") as url:
            # Live event detection is another consumer's cost, not the log's: off here.
            r = worker("_tlog_worker", url, str(PAGES), str(ROUNDS), LIKEWATCH_EVENTS_LIVE="0")
        where = f"{kind}, {PAGES:,} pages changing, {r['leaves']:,} leaves"
        # Each timing is a list of samples: every round's, or SAMPLES of the cheap ones.
        rows += [
            (
                f"tlog: checkpoint after a round, each of {ROUNDS} rounds ({where})",
                r["checkpoint_ms"],
                "ms",
                "< 60,000",
            ),
            (
                f"tlog: round write, its consumers and leaves, each of {ROUNDS} rounds ({where})",
                r["round_ms"],
                "ms",
                "",
            ),
            (f"tlog: witness checks and cosigns a checkpoint ({kind})", r["witness_ms"], "ms", ""),
            (f"tlog: proof of one number, size ({kind})", r["proof_bytes"], "B", ""),
            (f"tlog: proof of one number, server build ({kind})", r["proof_build_ms"], "ms", ""),
            (
                f"tlog: proof of one number, offline check ({kind})",
                r["proof_check_ms"],
                "ms",
                "",
            ),
            (
                f"tlog: tile payload per leaf, refs + tile hashes ({kind})",
                r["log_bytes_per_leaf"],
                "B/leaf",
                "",
            ),
            (
                f"tlog: bundle of a time range, {r['range_records']} records of 10 public pages "
                f"over 10 minutes, .zip size ({kind})",
                r["range_bytes"],
                "B",
                "",
            ),
            (f"tlog: bundle of a time range, export ({kind})", r["range_export_ms"], "ms", ""),
            (
                f"tlog: bundle of a time range, offline verify ({kind})",
                r["range_verify_ms"],
                "ms",
                "",
            ),
        ]
    return rows
