"""How well likewatch.events.detect finds inorganic moves, on labelled synthetic series.

`python -m bench events` generates the corpus of bench/_eventseries.py (seeded, so every run
sees the same series), runs the detector on each series exactly as the poller does, and
scores every finding against the injected events:

- a finding matches an injected event of the same kind when their time windows overlap
  (with two sampling intervals of slack); each injected event matches at most once;
- precision, recall and F1 per kind; detection delay = when the detector could first have
  said so (the fetch that revealed it) minus the injected event's start, median in minutes;
- on the control series (ordinary campaign waves, daily cycles, noise, half of them rounded
  to three significant figures like YouTube) every finding is a false alarm: target 0.
"""

from __future__ import annotations

import time
from collections import defaultdict
from statistics import median

from bench._eventseries import Series, corpus
from likewatch.events.detect import Detector, Finding

# Scores on fixed seeds: the same at every run.
REPEATS = 1

SCORED = ("gain", "purge", "takeoff", "fading", "gap", "stale")
PACE = ("takeoff", "fading")
ANOMALIES = ("gain", "purge", "stale", "gap", "metric_switch")
TARGET_F1 = {"gain": ">= 0.9", "purge": ">= 0.9"}
TUNING_SEED = 7
HELD_OUT_SEEDS = (8, 9)


def detect(series: Series) -> list[Finding]:
    return Detector(series.interval).run(series.records)


def score(all_series: list[Series]) -> dict:
    """Counts per kind: true positives, false positives, misses, delays; control alarms.

    Pace events (takeoff, fading) are scored on the pace family only: the campaign waves of
    the other families rise and fade too, and nobody labelled when.
    """
    tp: dict[str, int] = defaultdict(int)
    fp: dict[str, int] = defaultdict(int)
    fn: dict[str, int] = defaultdict(int)
    delays: dict[str, list[float]] = defaultdict(list)
    control: dict[str, int] = defaultdict(int)
    for series in all_series:
        findings = detect(series)
        if series.family.startswith("control"):
            control[series.family + ":series"] += 1
            for finding in findings:
                group = "pace" if finding.kind in PACE else "anomalies"
                control[f"{series.family}:{group}"] += 1
            continue
        if series.family != "pace":
            findings = [f for f in findings if f.kind not in PACE]
        slack = 2 * series.interval
        unmatched = list(series.injected)
        for finding in findings:
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
                fp[finding.kind] += 1
                continue
            unmatched.remove(match)
            tp[finding.kind] += 1
            delays[finding.kind].append(max(0.0, finding.detected_at - match.start) / 60)
        for event in unmatched:
            fn[event.kind] += 1
    return {"tp": tp, "fp": fp, "fn": fn, "delays": delays, "control": control}


def f1(result: dict, kind: str) -> tuple[float, float, float]:
    tp, fp, fn = result["tp"][kind], result["fp"][kind], result["fn"][kind]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    both = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return round(precision, 3), round(recall, 3), round(both, 3)


def scan_cost(repeat: int = 20) -> float:
    """Milliseconds for one live scan's detection: what the poller pays per changed count."""
    import random

    from bench._eventseries import _compact

    rng = random.Random(1)
    values, value = [], 3_000_000.0
    for _ in range(3 * 60):  # what likewatch.events.scan.lookback reads for such a page
        value += rng.gauss(-40, 8)
        values.append(value)
    times = [k * 60.0 for k in range(len(values))]
    records = _compact(times, values, [False] * len(values), False)
    started = time.perf_counter()
    for _ in range(repeat):
        Detector(60).run(records)
    return round((time.perf_counter() - started) / repeat * 1000, 1)


def run() -> list[tuple[str, object, str, str]]:
    series = corpus(TUNING_SEED)
    result = score(series)
    rows: list[tuple[str, object, str, str]] = [
        (f"event series scored (seed {TUNING_SEED}, tuned on)", len(series), "series", "")
    ]
    for kind in SCORED:
        precision, recall, both = f1(result, kind)
        injected = result["tp"][kind] + result["fn"][kind]
        rows += [
            (f"{kind}: injected", injected, "events", ""),
            (f"{kind}: precision / recall", f"{precision} / {recall}", "", ""),
            (f"{kind}: F1", both, "", TARGET_F1.get(kind, "")),
        ]
        if result["delays"][kind]:
            rows.append(
                (f"{kind}: median detection delay", median(result["delays"][kind]), "min", "")
            )
    control = result["control"]
    for family in ("control-wave", "control-rounding"):
        n = control[family + ":series"]
        rows.append(
            (
                f"anomaly events on {n} {family} series",
                control[family + ":anomalies"],
                "events",
                "0",
            )
        )
        rows.append(
            (f"pace events on {n} {family} series", control[family + ":pace"], "events", "")
        )
    held = [s for seed in HELD_OUT_SEEDS for s in corpus(seed)]
    other = score(held)
    seeds = ", ".join(str(s) for s in HELD_OUT_SEEDS)
    for kind in ("gain", "purge"):
        rows.append((f"{kind}: F1, held-out seeds {seeds}", f1(other, kind)[2], "", ">= 0.9"))
    rows.append(("live scan: detector on 3 h of 1-minute history", scan_cost(), "ms", "< 50"))
    alarms = sum(other["control"][f + ":anomalies"] for f in ("control-wave", "control-rounding"))
    count = sum(other["control"][f + ":series"] for f in ("control-wave", "control-rounding"))
    rows.append((f"anomaly events on {count} held-out control series", alarms, "events", "0"))
    return rows
