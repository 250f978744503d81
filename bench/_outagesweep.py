"""Outages during a campaign's take-off: a sweep for the detector's author (not part of
`make bench`; its figures are counts of runs, not timings).

    PYTHONPATH=. .venv/bin/python -m bench._outagesweep [A] [B] [C] [-j N]

It runs the take-off pages of tests/events/test_detect.py (`taking_off`, sampled every 5
minutes; `taking_off_minutely`, every minute; seeds 3-7) with fetches missed at places a live
poller misses them, the platform down or rate-limiting, and counts the runs that raise an
unusual gain or drop from the campaign alone:

- A: 5-minute pages, outages of 6, 12 or 20 intervals starting 0-50 fetches after the
  take-off (90 runs);
- B: 1-minute pages, outages of 12, 30 or 60 minutes starting 10, 20 or 30 minutes after it
  (45 runs);
- C: a purge (400 people at 5 minutes, C5; 300 at 1 minute, C1) in the middle of a gap of 6
  or 12 intervals starting 10 after the take-off, at the first fetch after the gap, or two
  after it (30 runs): is it found, and is anything else flagged?

Each run resumes from a copy of the detector fed the page's history up to an hour before the
take-off (the same for every run of a page), so a sweep takes minutes, not hours. The rules
it measured are `_Episode.length`, `_gap_pace`, `_after_gap` and `_before_burst` in
likewatch/events/detect.py.
"""

from __future__ import annotations

import copy
import sys
import time
from concurrent.futures import ProcessPoolExecutor

from likewatch.events import detect
from likewatch.events.detect import Detector
from tests.events.test_detect import INTERVAL, MINUTE, series, taking_off, taking_off_minutely

SEEDS = (3, 4, 5, 6, 7)
PURGE = {"C5": 400, "C1": 300}  # people a purge in a gap removes, by sweep
Case = tuple[str, int, int, int, str | None]  # sweep, seed, gap, at, where the purge is


def cases() -> list[Case]:
    out: list[Case] = []
    for seed in SEEDS:
        out += [("A", seed, gap, at, None) for gap in (6, 12, 20) for at in range(0, 60, 10)]
    for seed in SEEDS:
        out += [("B", seed, gap, at, None) for gap in (12, 30, 60) for at in (10, 20, 30)]
    for sweep, gap in (("C5", 6), ("C1", 12)):
        for seed in SEEDS:
            out += [(sweep, seed, gap, 10, where) for where in ("mid", "first", "after2")]
    return out


_BEFORE: dict[tuple[bool, int], tuple[tuple, Detector]] = {}


def _before(minutely: bool, seed: int, records: tuple) -> Detector:
    """The detector fed the records before the outage's hour (kept per page and process)."""
    key = (minutely, seed)
    if key not in _BEFORE or _BEFORE[key][0] != records:
        detector = Detector(MINUTE if minutely else INTERVAL, campaign_down=True)
        detector.feed(list(records))
        _BEFORE[key] = (records, detector)
    return _BEFORE[key][1]


def run(case: Case) -> tuple[Case, list[tuple], bool | None, list[tuple]]:
    """One run: (the case, every gain or drop flagged from an hour before the take-off on, as
    (kind, start, end in intervals from the take-off, size), whether the purge was found or
    None, the flags that are not the purge)."""
    sweep, seed, gap, at, where = case
    minutely = sweep in ("B", "C1")
    interval = MINUTE if minutely else INTERVAL
    changes, start = (taking_off_minutely if minutely else taking_off)(seed=seed)
    purged_at = None
    if where:
        purged_at = start + at + {"mid": gap // 2, "first": gap, "after2": gap + 2}[where]
        changes[purged_at - 1] -= PURGE[sweep]  # changes[i - 1] lands at index i of the series
    records = series(changes, interval=interval, fail=set(range(start + at, start + at + gap)))
    since = (start - 60) * interval
    cut = next(i for i, r in enumerate(records) if getattr(r, "last_seen", 0) >= since)
    detector = copy.deepcopy(_before(minutely, seed, tuple(records[:cut])))
    detector.feed(records[cut:])
    detector.finish()
    flagged = [
        f
        for f in sorted(detector.findings.values(), key=lambda f: (f.start, f.kind))
        if f.kind in (detect.GAIN, detect.PURGE) and f.start >= since
    ]
    hits = []
    if purged_at is not None:
        t = purged_at * interval
        hits = [f for f in flagged if f.kind == detect.PURGE and f.start < t <= f.end + interval]
    rows = [
        (f.kind, round(f.start / interval - start), round(f.end / interval - start), round(f.size))
        for f in flagged
    ]
    false = [row for row, f in zip(rows, flagged, strict=True) if f not in hits]
    return case, rows, (bool(hits) if purged_at is not None else None), false


def main(argv: list[str]) -> None:
    jobs = 1
    if "-j" in argv:
        jobs = int(argv[argv.index("-j") + 1])
        del argv[argv.index("-j") : argv.index("-j") + 2]
    wanted = set(argv) or {"A", "B", "C"}
    todo = [c for c in cases() if c[0][0] in wanted]
    began = time.monotonic()
    results: dict[str, list] = {}
    with ProcessPoolExecutor(jobs) as pool:
        for case, rows, found, false in pool.map(run, todo):
            results.setdefault(case[0], []).append((found, false))
            if rows:
                said = {True: "found", False: "MISSED", None: ""}[found]
                print(case, rows, said, flush=True)
    for sweep, runs in sorted(results.items()):
        line = f"sweep {sweep}: runs with a false gain/purge {sum(1 for r in runs if r[1])}"
        line += f" of {len(runs)}"
        if sweep.startswith("C"):
            line += f"; purge found {sum(1 for r in runs if r[0])} of {len(runs)}"
        print(line)
    print(f"{time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
