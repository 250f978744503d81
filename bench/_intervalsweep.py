"""The detector at the sampling intervals bench events does not measure: a sweep for the
detector's author (not part of `make bench`; its figures are counts on fixed seeds, not timings).

    PYTHONPATH=. .venv/bin/python -m bench._intervalsweep [-j N] [--pages N] [--draws N]
        [--only SECONDS,...] [--no-real]

bench events measures 1-minute, 5-minute, hourly and daily sampling; organisers pick any
interval from a minute up, and the detector switches rules at several boundaries between them
(likewatch/events/detect.py: `scan`/`scan_only`, `pooled`, `weekly`, the slow allowances, the
freeze). For each of `SWEEP` (2, 10, 15 and 30 minutes, 2, 6 and 12 hours, and the four measured
intervals as anchors) it reports

- false gain/drop flags per page per 30 days on `--pages` synthetic ordinary pages
  (`_eventseries.control_series`, `history_days` of history) and on the real *tuning* series
  (bench._realseries; never the held-out part) resampled to that interval: only those sampled
  finer, whose arrivals are summed over the coarser interval (`resample`), or at an anchor the
  series sampled at it, as bench events runs them;
- the F1 on bursts and purges of 5-20 times the typical change, `--pages` synthetic pages
  (`_eventseries.burst_series`) and each resampled tuning series injected `--draws` times
  (bench/events.py's `inject` and `score`, unchanged), with the false flags that overlap an
  injected event already found the same way (*doubled*: an event split in two) or the other
  way (*echo*);
- every exception a run raised.

Defaults: 6 pages and 3 draws per interval (389 s with -j 2 on a shared 2-core machine,
2026-12-06). A resampled series with fewer than MIN_FETCHES fetches is left out (a 2-month 1-minute
series sampled every 12 hours: its first third, before any injected event, is its whole
history).
"""

from __future__ import annotations

import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from bench import _eventseries as synth
from bench import events

SWEEP = (60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400)
MIN_FETCHES = 200
PAGES = 6
DRAWS = 3

# One run: (what, interval, index, series or None, draw or None). `what` is "control" or
# "burst" (a synthetic page built in the worker from its seed), "real" (a tuning series as
# given) or "injected" (a tuning series given, injected in the worker by `draw`).
Task = tuple[str, int, int, object, int | None]


def label(interval: int) -> str:
    if interval in synth.LABEL:
        return synth.LABEL[interval]
    if interval % 3600 == 0:
        return f"{interval // 3600}-hour"
    return f"{interval // 60}-minute"


def resample(series: synth.Series, interval: int) -> synth.Series | None:
    """The series read every `interval` seconds: its running total at each multiple of the
    interval (so the change between two fetches is the arrivals summed over the interval), or
    None when its own sampling is not finer and a divisor of it, or too few fetches are left."""
    if interval <= series.interval or interval % series.interval:
        return None
    times = np.array(series.times)
    keep = np.flatnonzero(times % interval == 0)
    if len(keep) < MIN_FETCHES:
        return None
    out = synth.Series(f"{series.name} every {label(interval)}", series.family, interval)
    out.times = [float(times[k]) for k in keep]
    out.values = [int(series.values[k]) for k in keep]
    out.records = synth.compact(out.times, out.values)
    return out


def real_pages(interval: int, tuning: list[synth.Series]) -> list[tuple[int, synth.Series]]:
    """(place in the tuning list, series) read at `interval`: the tuning series sampled at it
    (an anchor), else those sampled finer, resampled."""
    native = [(n, s) for n, s in enumerate(tuning) if s.interval == interval]
    if interval in synth.LABEL:
        return native
    out = []
    for n, series in enumerate(tuning):
        coarser = resample(series, interval)
        if coarser is not None:
            out.append((n, coarser))
    return out


def tasks(pages: int, draws: int, intervals=SWEEP, real: bool = True) -> list[Task]:
    tuning: list[synth.Series] = []
    if real:
        from bench import _realseries

        tuning = _realseries.corpus()["tuning"]
    out: list[Task] = []
    for interval in intervals:
        out += [("control", interval, n, None, None) for n in range(pages)]
        out += [("burst", interval, n, None, None) for n in range(pages)]
        for n, series in real_pages(interval, tuning):
            out.append(("real", interval, n, series, None))
            out += [("injected", interval, n, series, draw) for draw in range(draws)]
    return out


def _near(series: synth.Series, found: list) -> tuple[int, int]:
    """(doubled, echo): false flags overlapping (within `score`'s slack) an injected event the
    same way or the other way. Counted after `score`'s matching: each event's first flag is its
    hit, so a second one the same way is the event split or doubled."""
    slack = 2 * series.interval
    doubled = echo = 0
    matched: set[int] = set()
    for finding in found:
        near = [
            i
            for i, e in enumerate(series.injected)
            if finding.start <= e.end + slack and finding.end >= e.start - slack
        ]
        same = [i for i in near if series.injected[i].kind == finding.kind]
        free = [i for i in same if i not in matched]
        if free:
            matched.add(free[0])
        elif same:
            doubled += 1
        elif near:
            echo += 1
    return doubled, echo


def run(task: Task) -> tuple[Task, dict]:
    """One run: counts of flags (control, real) or the score (burst, injected), or the error."""
    what, interval, n, series, draw = task
    brief = (what, interval, n, getattr(series, "name", None), draw)
    try:
        if what == "control":
            series = synth.control_series(events.SEED, interval, n)
        elif what == "burst":
            series = synth.burst_series(events.SEED, interval, n)
        elif what == "injected":
            series = events.inject(series, events.draw_seed(draw), n)
        if what in ("control", "real"):
            days = (series.times[-1] - series.times[0]) / 86400
            return brief, {"flags": len(events.flags(series)), "days": days}
        found = events.flags(series)
        # `score` runs the detector itself; handed the flags just found (the same call on the
        # same series), it scores them unchanged without a second run of the page.
        original = events.flags
        events.flags = lambda s: found if s is series else original(s)
        try:
            result = events.score([series])
        finally:
            events.flags = original
        doubled, echo = _near(series, found)
        keep = ("tp", "fp", "fn")
        return brief, {**{k: result[k] for k in keep}, "doubled": doubled, "echo": echo}
    except Exception:  # noqa: BLE001 - an exception is one of the things the sweep reports
        return brief, {"error": traceback.format_exc(limit=3)}


def table(results: list[tuple[tuple, dict]]) -> list[str]:
    """One line per interval."""
    lines = [
        "interval    | false/30d synth (flags, page-days) | false/30d real (series, flags) "
        "| F1 synth (P/R, events) | F1 real (P/R, events) | doubled/echo | errors"
    ]
    for interval in sorted({brief[1] for brief, _ in results}):
        mine = [(b, r) for b, r in results if b[1] == interval]
        errors = sum(1 for _, r in mine if "error" in r)

        def false(what, mine=mine):
            rows = [r for b, r in mine if b[0] == what and "error" not in r]
            flags = sum(r["flags"] for r in rows)
            days = sum(r["days"] for r in rows)
            rate = flags / (days / 30) if days else float("nan")
            return rate, flags, days, len(rows)

        def f1(what, mine=mine):
            rows = [r for b, r in mine if b[0] == what and "error" not in r]
            tp, fp, fn = (sum(r[k] for r in rows) for k in ("tp", "fp", "fn"))
            near = (sum(r["doubled"] for r in rows), sum(r["echo"] for r in rows))
            if not rows:
                return "-", near
            p = tp / (tp + fp) if tp + fp else 0.0
            r = tp / (tp + fn) if tp + fn else 0.0
            score = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
            return f"{score:.3f} ({p:.2f}/{r:.2f}, {tp + fn})", near

        rate, flags, days, _ = false("control")
        synth_false = f"{rate:.2f} ({flags}, {days:,.0f})"
        rate, flags, days, count = false("real")
        real_false = f"{rate:.2f} ({count}, {flags})" if count else "-"
        synth_f1, (d1, e1) = f1("burst")
        real_f1, (d2, e2) = f1("injected")
        lines.append(
            f"{label(interval):11} | {synth_false:34} | {real_false:30} | {synth_f1:22} "
            f"| {real_f1:21} | {d1}/{e1} {d2}/{e2}".ljust(134)
            + f" | {errors}"
        )
    return lines


def main(argv: list[str]) -> None:
    def option(name: str, default):
        if name not in argv:
            return default
        at = argv.index(name)
        value = argv[at + 1]
        del argv[at : at + 2]
        return value

    jobs = int(option("-j", 1))
    pages = int(option("--pages", PAGES))
    draws = int(option("--draws", DRAWS))
    only = option("--only", None)
    intervals = tuple(int(x) for x in only.split(",")) if only else SWEEP
    real = "--no-real" not in argv
    began = time.monotonic()
    todo = tasks(pages, draws, intervals, real)
    # The longest runs first, so the pool's last minutes are not one long page.
    todo.sort(
        key=lambda t: (
            -(synth.history_days(t[1]) * 86400 / t[1] if t[3] is None else len(t[3].times))
        )
    )
    with ProcessPoolExecutor(jobs) as pool:
        results = list(pool.map(run, todo))
    for brief, result in results:
        if "error" in result:
            print(brief, result["error"], flush=True)
    print(f"{pages} synthetic pages and {draws} draws per interval")
    print("\n".join(table(results)))
    print(f"{time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
