"""Storage: bytes on disk per fetch, on SQLite and PostgreSQL, for a changing and a stable page.

Each case records PAGES pages × ROUNDS fetches, one a minute (LIKEWATCH_BENCH_STORAGE_PAGES,
LIKEWATCH_BENCH_STORAGE_ROUNDS; default 30 × 720, half a day), through the poller's write path,
with the compaction and packing the poller runs after each round, in a fresh database. The
database's growth (compacted: dead rows excluded), part by part, is divided by the number of
fetches: the history (segments, the tail's rows and their indexes), the rest of the evidence,
the chart rollups, and the platform answers kept as raw evidence. Targets (issue 12): history
+ evidence + rollups <= 4 bytes per sample for a page whose count changes at every fetch, raw
answers <= 32 bytes per fetch, a stable page about 0.

Two figures for each: "per sample" is what the second half of the run added, divided by its
fetches, when every page's open tail (up to TAIL_RECORDS rows) and its platform's recent
answers (up to an hour's) have reached their steady size: what each further sample costs.
The second half is a whole number of compaction cycles (the tail is as long at its start as
at its end) and the journal of consumed rounds is pruned before each measure, so neither
fixed cost is counted as a sample's (bench/_storage_worker.py). The raw answers' "per sample"
is measured apart, over whole packed blocks: their bytes right after the first pack of the
second half and right after its last, divided by the fetches between (a platform's answers are
packed once they span an hour, a cycle the tail's does not divide). With fewer than two packs
in the second half there is no such figure ("-"), unless there was none at all (a stable page,
whose answers stay as received: then its growth).
"whole run" divides the whole growth by all fetches, those fixed costs per page included (a
longer run spreads them thinner).

Beside them, where installed (`make peers`), Prometheus and VictoriaMetrics store the same
series in the same run (bench/_storage_peers.py): their bytes per sample sit beside
likewatch's history and its history + evidence + rollups, with the ratio.
"""

from __future__ import annotations

import os

from bench import _storage_peers
from bench._processes import database, postgres_available, worker

# Bytes on disk for a fixed workload: the same (within a page) at every run.
REPEATS = 1

PAGES = int(os.environ.get("LIKEWATCH_BENCH_STORAGE_PAGES", 30))
ROUNDS = int(os.environ.get("LIKEWATCH_BENCH_STORAGE_ROUNDS", 720))


def run() -> list[tuple]:
    kinds = ["sqlite"] + (["postgresql"] if postgres_available() else [])
    rows = []
    peers = {}
    for mode in ("changing", "stable"):
        peers[mode], notes = _storage_peers.measure(mode, PAGES, ROUNDS)
    rows += [(note, "-", "", "") for note in notes]
    for kind in kinds:
        for mode in ("changing", "stable"):
            with database(kind, f"storage_{mode}") as url:
                result = worker("_storage_worker", url, mode, str(PAGES), str(ROUNDS), timeout=3600)
            label = f"storage: {kind}, {PAGES} pages × {ROUNDS:,} fetches, page {mode}"
            target = "<= 4" if mode == "changing" else "about 0"
            for name, start, fetches in (
                ("per sample", "middle", result["second_half"]),
                ("whole run", "before", result["fetches"]),
            ):
                grew = {p: result["after"][p] - result[start][p] for p in result["after"]}
                kept = grew["history"] + grew["evidence"] + grew["rollups"]
                marked = target if name == "per sample" else ""
                rows += [
                    (
                        f"{label}, {name}: history + evidence + rollups",
                        kept / fetches,
                        "B",
                        marked,
                        peers[mode][name],
                    ),
                    (
                        f"{label}, {name}: history",
                        grew["history"] / fetches,
                        "B",
                        "",
                        peers[mode][name],
                    ),
                    (f"{label}, {name}: evidence besides raw", grew["evidence"] / fetches, "B", ""),
                    (f"{label}, {name}: rollups", grew["rollups"] / fetches, "B", ""),
                    (
                        f"{label}, {name}: raw answers",
                        raw_per_fetch(result) if name == "per sample" else grew["raw"] / fetches,
                        "B",
                        ("<= 32" if mode == "changing" else "about 0") if marked else "",
                    ),
                ]
    return rows


def raw_per_fetch(result: dict) -> float | str:
    """What the raw answers add per further fetch: over whole packed blocks when the second
    half packed at least twice, else (nothing was packed: a stable page's answers stay as
    received) the second half's growth, which no pack then distorts."""
    packed = result.get("raw_packed")
    if packed is None:
        grew = result["after"]["raw"] - result["middle"]["raw"]
        # With a pack in the second half the growth would count a part of a block's cycle.
        return grew / result["second_half"] if result.get("packs", 0) == 0 else "-"
    first, last = packed["first"], packed["last"]
    if first["unpacked"] != last["unpacked"]:
        return "-"  # not at the same point of the packing cycle: no honest figure
    return (last["bytes"] - first["bytes"]) / packed["fetches"]
