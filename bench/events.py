"""How often likewatch.events.detect cries wolf on real traffic, and how well it finds what
was injected: `python -m bench events` prints one table.

- **False flags on ordinary real traffic**: unusual-gain and unusual-drop events per page per
  30 days on the real public series of bench/_realseries.py (nothing injected: every flag
  counts against the detector, even on a real news day), the tuning part and the held-out part
  apart, pooled and per sampling interval (the pooled rate is dominated by the long daily and
  hourly series; a 1-minute page must not hide behind them), and the same on the synthetic
  ordinary pages. Target: at most `DEFAULT_TARGET` (1) on every row.
- **F1 on injected bursts and purges** (5 to 20 times the page's typical change per interval,
  about one a week or two) at 1-minute, 5-minute, hourly and daily sampling, on the synthetic
  generator's over-dispersed pages (bench/_eventseries.py) and on the real series with the
  same injections; the detection delay (from the end of the injected event to the fetch that
  flagged it). "Typical change" is a robust scale of the page's per-interval change over the
  week before (1.4826 x MAD around the median; `_eventseries.typical`). Each row also says
  how far the page's own ordinary traffic strayed in the 30 days before (its largest
  deviation, in typical changes) and how many of the injected events larger than that were
  found: an event smaller than the page's ordinary extremes cannot be found by a detector
  held to about one false flag a month, and the F1 says so instead of hiding it.
- **Purges during a campaign's take-off** and **purges spread over 2-12 hours**: recall, and
  how far the reported size is from the true one.
- **Live versus rescan**: the detector run round by round with its state stored as JSON
  between rounds (what the poller does) and in one pass (a rescan) must give identical events.

The campaign effect's coverage and platform-wide events are measured by bench/effect.py.

A finding matches an injected event of the same direction when their windows overlap (with
two sampling intervals of slack); each injected event matches at most once; every other
gain/drop flag on the page counts as a false positive.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor
from statistics import median

import numpy as np
from scipy import stats

from bench import _eventseries as synth
from likewatch.events.detect import DEFAULT_TARGET, GAIN, PURGE, Detector

SEED = 14
# Scores on a fixed seed: the same at every run.
REPEATS = 1
# Not a machine timing: minutes of the series' own clock on fixed seeds, the same at every run.
ONCE = {
    "detection delay after the event": "series' own minutes, fixed seeds: same every run",
}
FLAGS = (GAIN, PURGE)
# Each real series is injected this many times, at different places (draw 0 is the seed the
# detector's authors look at in bench._eventdiag): one draw puts 5 events into the 1-minute
# tuning page, and its F1 moved by 0.1 with each.
DRAWS = int(os.environ.get("LIKEWATCH_BENCH_EVENT_DRAWS", "3"))
# Worker processes for the detector runs (each series is independent; the scores do not
# depend on how many).
JOBS = min(os.cpu_count() or 1, 4)


def flags(series) -> list:
    detector = Detector(series.interval, campaign_down=series.campaign_down)
    return [f for f in detector.run(series.records) if f.kind in FLAGS]


def _false_counts(all_series) -> list[tuple[int, int, float]]:
    """(interval, flags, page-days) of each series with nothing injected."""
    return [
        (series.interval, len(flags(series)), (series.times[-1] - series.times[0]) / 86400)
        for series in all_series
    ]


def _rate(counts) -> tuple[float, int, float]:
    count = sum(c for _, c, _ in counts)
    days = sum(d for _, _, d in counts)
    return (count / (days / 30) if days else 0.0), count, days


def _pages(n: int) -> str:
    return f"{n} page" if n == 1 else f"{n} pages"


def _false_rows(what: str, counts, target: str) -> list[tuple[str, object, str, str]]:
    """The pooled false-flag row, then one per sampling interval."""
    rate, count, days = _rate(counts)
    pages = len(counts)
    rows = [
        (
            f"false gain/drop flags, {what} ({_pages(pages)}, {days:,.0f} page-days, "
            f"{count} flags)",
            round(rate, 2),
            "per page per 30 days",
            target,
        )
    ]
    for interval in sorted({i for i, _, _ in counts}):
        mine = [c for c in counts if c[0] == interval]
        rate, count, days = _rate(mine)
        rows.append(
            (
                f"  {what}, {synth.LABEL[interval]} ({_pages(len(mine))}, "
                f"{days:,.0f} page-days, {count} flags)",
                round(rate, 2),
                "per page per 30 days",
                target,
            )
        )
    return rows


def _block_length(series) -> float:
    """Seconds of one block `f1_interval` resamples: a week, or 28 fetches when that is
    longer (4 weeks of a daily page, which has an injected event every week or two)."""
    return max(7 * 86400.0, 28.0 * series.interval)


def _block(series, at: float) -> int:
    """Which of the series' consecutive blocks the moment falls in."""
    return int((at - series.times[0]) // _block_length(series))


def f1_interval(blocks: dict[tuple[int, int], list[int]]) -> tuple[float, float] | None:
    """A 95 % percentile-bootstrap interval of the F1, resampling blocks of each series
    (a week of the page, with its injected events, hits and false flags) with replacement.

    A row's F1 rests on a few dozen injected events, and neighbouring events share the page's
    state, so resampling whole blocks and not single events keeps that dependence. None when
    fewer than 4 blocks hold anything (no interval worth printing). Blocks where nothing
    happened are resampled too: how many events a resample holds is part of the uncertainty."""
    counts = np.array(list(blocks.values()), dtype=float)
    if np.count_nonzero(counts.sum(axis=1)) < 4:
        return None

    def f1(tp, fp, fn, axis=-1):
        tp, fp, fn = tp.sum(axis=axis), fp.sum(axis=axis), fn.sum(axis=axis)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = 2 * tp / (2 * tp + fp + fn)
        return np.nan_to_num(value)

    result = stats.bootstrap(
        (counts[:, 0], counts[:, 1], counts[:, 2]),
        f1,
        paired=True,
        vectorized=True,
        n_resamples=4000,
        method="percentile",
        random_state=np.random.default_rng(SEED),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def _all_flags(all_series: list, jobs: int) -> list[list]:
    """`flags` of each series, in `jobs` worker processes (the series are independent)."""
    if jobs <= 1 or len(all_series) <= 1:
        return [flags(series) for series in all_series]
    with ProcessPoolExecutor(min(jobs, len(all_series))) as pool:
        return list(pool.map(flags, all_series))


def score(all_series: list, pages: list[int] | None = None, jobs: int = 1) -> dict:
    """Hits, false flags and misses of the detector on series with injected events.

    `pages` names the page each series was made from (several injection draws into one
    real page share its weeks in the F1's interval); by default each series is its own."""
    tp = fp = fn = 0
    delays, size_errors = [], []
    above = found_above = 0
    extremes = []
    # (page, block) -> [hits, false flags, misses], for the F1's interval
    blocks: dict[tuple[int, int], list[int]] = {}
    pages = list(range(len(all_series))) if pages is None else pages
    for number, series, found in zip(pages, all_series, _all_flags(all_series, jobs), strict=True):
        for n in range(_block(series, series.times[-1]) + 1):
            blocks.setdefault((number, n), [0, 0, 0])
        for e in series.injected:
            if e.extreme == e.extreme:  # not NaN
                extremes.append(e.extreme)
                if e.relative > e.extreme:
                    above += 1
        unmatched = list(series.injected)
        slack = 2 * series.interval
        for finding in found:
            match = next(
                (
                    e
                    for e in unmatched
                    if e.kind == finding.kind
                    and finding.start <= e.end + slack
                    and finding.end >= e.start - slack
                ),
                None,
            )
            if match is None:
                fp += 1
                blocks[number, _block(series, finding.start)][1] += 1
                continue
            unmatched.remove(match)
            tp += 1
            blocks[number, _block(series, match.start)][0] += 1
            if match.extreme == match.extreme and match.relative > match.extreme:
                found_above += 1
            delays.append(max(0.0, finding.detected_at - match.end) / 60)
            size_errors.append(abs(finding.size - match.size) / abs(match.size))
        fn += len(unmatched)
        for e in unmatched:
            blocks[number, _block(series, e.start)][2] += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "f1_interval": f1_interval(blocks),
        "blocks": len(blocks),
        "block_weeks": round(_block_length(all_series[0]) / (7 * 86400.0)),
        "delay": median(delays) if delays else float("nan"),
        "size_error": median(size_errors) if size_errors else float("nan"),
        "extreme": median(extremes) if extremes else float("nan"),
        "above": above,
        "found_above": found_above,
    }


def inject(series, seed: int, index: int):
    """The same kind of bursts and purges as the synthetic pages, into a real series."""
    rng = np.random.default_rng([seed, index])
    t = np.array(series.times)
    values = np.array(series.values, dtype=float)
    changes = np.diff(values, prepend=values[0])
    n = len(t)
    apart = max(20, int(synth.APART_DAYS * 86400 / series.interval))
    extra = np.zeros(n)
    out = synth.Series(series.name + " +injected", "injected", series.interval)
    k = n // 3 + int(rng.integers(0, apart))
    while k < n - 5:
        times_typical = rng.uniform(5, 20)
        size = times_typical * synth.typical(changes, k, series.interval)
        extreme = synth.ordinary_extreme(changes, k, series.interval)
        if rng.random() < 0.5:
            extra[k] -= size
            out.injected.append(
                synth.Injected(PURGE, t[k - 1], t[k], -size, extreme, times_typical)
            )
        else:
            steps = int(rng.integers(1, max(1, min(3, 900 // series.interval)) + 1))
            for j in range(steps):
                extra[k + j] += size / steps
            out.injected.append(
                synth.Injected(GAIN, t[k - 1], t[k + steps - 1], size, extreme, times_typical)
            )
        k += apart + int(rng.integers(0, apart))
    out.times = list(t)
    out.values = list(values + np.cumsum(extra))
    out.records = synth.compact(out.times, out.values)
    return out


def draw_seed(draw: int) -> int:
    """The seed of one injection draw into the real series (draw 0 is SEED)."""
    return SEED + 100 * draw


def _beyond(result: dict) -> str:
    """What an F1 row says of the ceiling: the page's ordinary 30-day extreme in typical
    changes, and the recall on the injected events larger than it."""
    if result["extreme"] != result["extreme"]:
        return ""
    return (
        f"; ordinary 30-day extreme {result['extreme']:.0f}x typical, "
        f"{result['found_above']} of {result['above']} larger than it found"
    )


def _interval_row(what: str, result: dict) -> tuple[str, object, str, str]:
    """The F1 row's 95 % interval, so a reader sees how far one event moves it."""
    bounds = result["f1_interval"]
    weeks = result["block_weeks"]
    unit = "page-weeks" if weeks == 1 else f"{weeks}-week blocks"
    return (
        f"  F1 95 % interval, {what} (bootstrap over {result['blocks']} {unit})",
        f"{bounds[0]:.2f}-{bounds[1]:.2f}" if bounds else "too few events",
        "",
        "",
    )


def live_equals_rescan(series, rounds: int = 200) -> bool:
    """Feed the history round by round (the open head growing, the state through JSON)
    and compare with one pass."""
    once = {
        (f.key, f.end, f.size, f.ongoing) for f in Detector(series.interval).run(series.records)
    }
    times = series.times
    edges = np.linspace(times[0], times[-1], rounds)
    state, live, withdrawn = None, {}, set()
    for edge in edges[1:]:
        visible = [t for t in times if t <= edge]
        values = series.values[: len(visible)]
        records = synth.compact(visible, values)
        detector = Detector(series.interval, state=state)
        seq = state["seq"] if state else 0
        for f in detector.feed([r for r in records if r.seq >= seq]):
            live[f.key] = f
        withdrawn |= detector.withdrawn
        state = json.loads(json.dumps(detector.state()))
        if edge == edges[-1]:
            for f in detector.finish():
                live[f.key] = f
    for key in withdrawn:
        live.pop(key, None)
    return once == {(f.key, f.end, f.size, f.ongoing) for f in live.values()}


def run() -> list[tuple[str, object, str, str]]:
    from bench import _realseries

    rows: list[tuple[str, object, str, str]] = []
    target = f"<= {DEFAULT_TARGET:g}"
    real = None
    try:
        real = _realseries.corpus()
    except _realseries.Missing as exc:
        rows.append((f"real series: ABSENT ({exc})", "-", "", ""))
    if real:
        for part in ("tuning", "held-out"):
            rows += _false_rows(f"real {part}", _false_counts(real[part]), target)
    for small, what in ((False, "ordinary pages"), (True, "pages of small tied counts")):
        pages = [
            synth.control_series(SEED, *page) for page in synth.CONTROL_PAGES if page[2] == small
        ]
        rows += _false_rows(f"synthetic {what}", _false_counts(pages), target)
    pages = int(os.environ.get("LIKEWATCH_BENCH_EVENT_PAGES", "6"))
    for interval, label in synth.LABEL.items():
        result = score([synth.burst_series(SEED, interval, n) for n in range(pages)], jobs=JOBS)
        rows.append(
            (
                f"F1 bursts+purges 5-20x typical, synthetic {label} "
                f"(P {result['precision']:.2f} / R {result['recall']:.2f}, "
                f"{result['tp'] + result['fn']} injected{_beyond(result)})",
                round(result["f1"], 3),
                "",
                ">= 0.9",
            )
        )
        rows.append(_interval_row(f"synthetic {label}", result))
        rows.append(
            (f"  detection delay after the event, synthetic {label}", result["delay"], "min", "")
        )
    if real:
        for part in ("tuning", "held-out"):
            by_interval: dict[int, list] = {}
            for n, series in enumerate(real[part]):
                for draw in range(DRAWS):
                    injected = inject(series, draw_seed(draw), n)
                    by_interval.setdefault(series.interval, []).append((n, injected))
            for interval, group in sorted(by_interval.items()):
                result = score([s for _, s in group], [n for n, _ in group], JOBS)
                rows.append(
                    (
                        f"F1 injected into real {part}, {synth.LABEL[interval]} "
                        f"(P {result['precision']:.2f} / R {result['recall']:.2f}, "
                        f"{result['tp'] + result['fn']} injected in {DRAWS} draws"
                        f"{_beyond(result)})",
                        round(result["f1"], 3),
                        "",
                        ">= 0.9",
                    )
                )
                rows.append(_interval_row(f"real {part} {synth.LABEL[interval]}", result))
    takeoff = score(
        [synth.burst_series(SEED, i, n, campaign=True) for i in (60, 300) for n in range(6)],
        jobs=JOBS,
    )
    rows.append(
        (
            f"purges in the hour after a campaign takes off: found ({takeoff['fp']} false flags)",
            f"{takeoff['tp']} of {takeoff['tp'] + takeoff['fn']}",
            "",
            "all",
        )
    )
    spread = score(
        [synth.spread_series(SEED, i, n) for i in (60, 300, 3600) for n in range(4)], jobs=JOBS
    )
    rows.append(
        (
            f"purges spread over 2-12 hours: found ({spread['fp']} false flags)",
            f"{spread['tp']} of {spread['tp'] + spread['fn']}",
            "",
            "all",
        )
    )
    rows.append(
        ("  their reported size off the true size by (median)", spread["size_error"], "", "")
    )
    same = [live_equals_rescan(synth.burst_series(SEED + 1, i, 0)) for i in (300, 3600)]
    rows.append(
        (
            "live (state stored between rounds) == rescan",
            f"{sum(same)} of {len(same)}",
            "series",
            "all",
        )
    )
    return rows
