"""bench/results.json: every benchmark's latest figures, with their spread and conditions.

The file is the only source of the measured tables in README.md and docs/production.md
(bench/tables.py). It is merged per benchmark: running one benchmark replaces that
benchmark's entry and keeps the others', each with the conditions it was measured under.

A row: {"figure", "unit", "target", "median", "min", "max", "samples"}; for a figure that is
not a number (e.g. "0.96 / 0.95") "median" holds the text and there is no spread. A figure
measured beside peers (other programs doing the same work in the same run) also has
"peers": {name: {"median", "min", "max", "samples"}}, in the row's unit.

A timing (a row whose unit is one of TIMED_UNITS) comes from at least MIN_SAMPLES samples,
so that its spread says how far a re-measurement may fall. A benchmark may say why one of its
timings is measured fewer times: its ONCE, {part of a row's label: reason}, and the row then
carries "once": the reason (a one-off setup figure, say). `unrepeated` names the timings that
break the rule; tests/bench/test_repeats.py fails on them.
"""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

PATH = Path(__file__).resolve().parent / "results.json"


def load(path: Path = PATH) -> dict[str, dict]:
    """Every benchmark's entry, by name ({} before the first run)."""
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))["benchmarks"]


def merge(entries: dict[str, dict], path: Path = PATH) -> None:
    """Replace the named benchmarks' entries, keep the others."""
    data = load(path)
    data.update(entries)
    text = json.dumps({"benchmarks": dict(sorted(data.items()))}, indent=1, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def combine(runs: list[list[tuple]]) -> list[dict]:
    """The rows of several runs of one benchmark, each with its median and spread.

    Rows are matched by position (a figure's label may carry a run's own numbers, such as
    its duration); a value that is a list counts as that many samples. A row may have a fifth
    element, {peer name: value}: the same figure measured for each peer in the same run.
    """
    if not runs:
        return []
    width = min(len(run) for run in runs)
    combined = []
    for index in range(width):
        figure, _, unit, target = runs[0][index][:4]
        row = {"figure": figure, "unit": unit, "target": target}
        row.update(spread(_samples(run[index][1] for run in runs)))
        peers: dict[str, list] = {}
        for run in runs:
            for name, value in (run[index][4] if len(run[index]) > 4 else {}).items():
                peers.setdefault(name, []).append(value)
        if peers:
            row["peers"] = {name: spread(_samples(values)) for name, values in peers.items()}
        combined.append(row)
    return combined


def _samples(values) -> list:
    samples: list = []
    for value in values:
        samples.extend(value if isinstance(value, list | tuple) else [value])
    return samples


# Units of figures that time something: a re-measurement varies, so one sample is not enough.
TIMED_UNITS = frozenset({"µs", "ms", "s", "min", "CPU-s", "cores", "req/s"})
MIN_SAMPLES = 3


def once(declared: dict[str, str], figure: str) -> str | None:
    """Why the row `figure` may be measured fewer than MIN_SAMPLES times, as its benchmark's
    ONCE declares it ({part of the label: reason}; the part "" covers every row), or None."""
    for part, reason in declared.items():
        if part in figure:
            return reason
    return None


def mark_once(rows: list[dict], declared: dict[str, str]) -> list[dict]:
    """Give each timing measured fewer than MIN_SAMPLES times the reason its benchmark
    declares for it (its ONCE), so the tables print why beside the figure."""
    for row in rows:
        if row.get("unit") not in TIMED_UNITS:
            continue
        reason = once(declared, row["figure"])
        if reason and row.get("samples", 1) < MIN_SAMPLES:
            row["once"] = reason
        for name, peer in (row.get("peers") or {}).items():
            reason = once(declared, peer_label(row, name))
            if reason and peer.get("samples", 1) < MIN_SAMPLES:
                peer["once"] = reason
    return rows


def peer_label(row: dict, name: str) -> str:
    """How a peer's figure in `row` is named, to ONCE and in `unrepeated`'s report."""
    return f"{row['figure']} (peer {name})"


def unrepeated(rows: list[dict], declared: dict[str, str] | None = None) -> list[str]:
    """The timings among `rows` (likewatch's figure or a peer's) that come from fewer than
    MIN_SAMPLES samples and give no reason, either in the row ("once") or in `declared`."""
    found = []
    for row in rows:
        if row.get("unit") not in TIMED_UNITS:
            continue
        # A timing given as text ("3.9 / 5.8") has no spread, however many runs made it.
        count = row.get("samples", 1) if "min" in row else 1
        if count < MIN_SAMPLES and not (row.get("once") or once(declared or {}, row["figure"])):
            found.append(f"{row['figure']}: n={count} {row['unit']}")
        for name, peer in (row.get("peers") or {}).items():
            count = peer.get("samples", 1) if "min" in peer else 1
            label = peer_label(row, name)
            if count < MIN_SAMPLES and not (peer.get("once") or once(declared or {}, label)):
                found.append(f"{label}: n={count} {row['unit']}")
    return found


def spread(samples: list) -> dict:
    """Median, min and max of numeric samples; the last value itself otherwise."""
    numbers = [float(s) for s in samples if isinstance(s, int | float) and not isinstance(s, bool)]
    numbers = [n for n in numbers if math.isfinite(n)]
    if not numbers or len(numbers) != len(samples):
        return {"median": str(samples[-1]) if samples else "", "samples": len(samples)}
    whole = all(isinstance(s, int) for s in samples)
    median = statistics.median(numbers)
    return {
        "median": round(median) if whole and median == int(median) else _round(median),
        "min": round(min(numbers)) if whole else _round(min(numbers)),
        "max": round(max(numbers)) if whole else _round(max(numbers)),
        "samples": len(numbers),
    }


def _round(value: float) -> float:
    """Four significant digits: more than any of these measurements can claim."""
    if value == 0:
        return 0.0
    digits = 3 - int(math.floor(math.log10(abs(value))))
    return round(value, max(0, digits))
