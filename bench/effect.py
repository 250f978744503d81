"""The campaign's effect and platform-wide events: `python -m bench effect` prints one table.

- **Effect coverage, synthetic**: on `CAMPAIGNS` synthetic campaigns with a known effect
  (bench/_effect.py: over-dispersed hourly pages with daily and weekly cycles and news spikes,
  a wave of people leaving of known size), how often the 95 % interval of
  likewatch.analytics.effect covers the truth, and its median width relative to the effect.
- **Effect coverage, real held-out series**: the same wave injected into the held-out real
  series of bench/_realseries.py (never looked at while choosing the model), at several
  campaign starts per series.
- **Platform-wide events**: `PLATFORM_PAGES` synthetic pages of one platform, each read every
  five minutes, suffer one purge at the same moment; the per-page detector
  (likewatch.events.detect) runs on each, and likewatch.events.platform groups what it found.
  The purge must become exactly one platform event, with no page left blamed on its own; and
  when only one of those pages is purged, there must be no platform event.

Every figure but the CPU times is a count on fixed seeds: the same at every run (REPEATS = 1).
The CPU times (process CPU-seconds, comparable under load) are one sample per synthetic
campaign, shown as their median and range: an estimate that fits the model and calibrates its
interval (a campaign's first, or after a backfill) and one that reuses the kept fit (every
later refresh).
"""

from __future__ import annotations

import os

import numpy as np

from bench import _effect
from bench import _eventseries as synth
from likewatch.events import detect, platform

SEED = 14
REPEATS = 1
CAMPAIGNS = int(os.environ.get("LIKEWATCH_BENCH_EFFECT_CAMPAIGNS", "200"))
REAL_STARTS = 5  # campaign starts per held-out real series
PLATFORM_PAGES = 8
PLATFORM_TRIALS = 4


def platform_trial(seed: int, trial: int, purged: int) -> tuple[int, int, int]:
    """(platform events, purged pages the detector flagged, purges left blamed on the page
    alone) when `purged` of PLATFORM_PAGES pages of one platform lose accounts at once."""
    interval = 300
    days = 10
    moves = []
    flagged = 0
    blamed_keys = []
    for index in range(PLATFORM_PAGES):
        rng = np.random.default_rng([seed, trial, index, 31])
        t, changes, _ = synth.ordinary(rng, interval, days)
        at = int(len(t) * 0.8)  # the same moment on every page
        # Each page was added on its own day in the first four: pages added at once would
        # share their first day's flags, raised on too little history to mean anything.
        added = int(rng.integers(0, 4 * synth.DAY / interval))
        t, changes, at = t[added:], changes[added:], at - added
        extra = np.zeros(len(t))
        if index < purged:
            # The platform removes 20-40 times the page's typical change per fetch.
            extra[at] -= rng.uniform(20, 40) * synth.typical(changes, at, interval)
        values = 5_000_000 + np.cumsum(changes + extra)
        found = detect.Detector(interval).run(synth.compact(list(t), list(values)))
        for f in found:
            if f.kind not in platform.KINDS:
                continue
            moves.append(platform.Move(index, f.kind, f.start, f.end, f.size, (index, f.key)))
            hit = index < purged and f.kind == detect.PURGE and f.start <= t[at] <= f.end + interval
            flagged += hit
            if hit:
                blamed_keys.append((index, f.key))
    groups = platform.together(moves, max(interval, platform.MIN_SLACK))
    wide = platform.platform_wide(groups, PLATFORM_PAGES)
    in_wide = {m.key for g in wide for m in g.moves}
    blamed = sum(1 for key in blamed_keys if key not in in_wide)
    return len(wide), flagged, blamed


def real_coverage(seed: int) -> tuple[float, int, float] | None:
    from bench import _realseries

    try:
        held_out = _realseries.corpus()["held-out"]
    except _realseries.Missing:
        return None
    covered, n, widths = 0, 0, []
    for s_index, series in enumerate(held_out):
        t = np.asarray(series.times, dtype=float)
        values = np.asarray(series.values, dtype=float)
        for start_index in range(REAL_STARTS):
            rng = np.random.default_rng([seed, s_index, start_index, 5])
            case = _effect.inject(rng, t, values)
            if case is None:
                continue
            result = _effect.estimate(*case[:4])
            if not isinstance(result, _effect.Effect):
                continue
            truth = case[4]
            n += 1
            covered += result.low <= truth <= result.high
            widths.append((result.high - result.low) / max(1.0, abs(truth)))
    if not n:
        return None
    return round(covered / n, 3), n, round(float(np.median(widths)), 3)


def run() -> list[tuple[str, object, str, str]]:
    rows: list[tuple[str, object, str, str]] = []
    synthetic = _effect.coverage(SEED, CAMPAIGNS)
    rows.append(
        (
            f"effect: 95 % interval covers the injected effect, synthetic "
            f"({synthetic.campaigns} campaigns)",
            synthetic.covered,
            "",
            ">= 0.9",
        )
    )
    rows.append(("effect: median interval width / effect size, synthetic", synthetic.width, "", ""))
    rows.append(
        (
            "effect: ...covers it a day later, forecast with the kept fit (no refit)",
            synthetic.later_covered,
            "",
            ">= 0.9",
        )
    )
    rows.append(
        ("effect: median interval width / effect size a day later", synthetic.later_width, "", "")
    )
    rows.append(
        (
            f"effect: CPU per page estimate that fits and calibrates the model (median, min-max "
            f"over the {len(synthetic.fit_cpu)} campaigns)",
            synthetic.fit_cpu,
            "s",
            "",
        )
    )
    rows.append(
        (
            f"effect: CPU per page refresh with the kept fit (median, min-max over the "
            f"{len(synthetic.refresh_cpu)} campaigns)",
            synthetic.refresh_cpu,
            "s",
            "",
        )
    )
    real = real_coverage(SEED)
    if real is None:
        rows.append(
            ("effect on real held-out series: ABSENT (pip install -e '.[bench]')", "-", "", "")
        )
    else:
        covered, n, width = real
        rows.append(
            (
                f"effect: 95 % interval covers the effect injected into real held-out series "
                f"({n} campaigns)",
                covered,
                "",
                ">= 0.9",
            )
        )
        rows.append(("effect: median interval width / effect size, real held-out", width, "", ""))
    events = flagged = blamed = 0
    for trial in range(PLATFORM_TRIALS):
        e, f, b = platform_trial(SEED, trial, PLATFORM_PAGES)
        events, flagged, blamed = events + e, flagged + f, blamed + b
    rows.append(
        (
            f"platform-wide purge of {PLATFORM_PAGES} pages x {PLATFORM_TRIALS} trials: "
            f"platform events ({flagged} of {PLATFORM_PAGES * PLATFORM_TRIALS} page purges "
            "flagged by the per-page detector)",
            events,
            "",
            str(PLATFORM_TRIALS),
        )
    )
    rows.append(("  flagged purges left blamed on their page alone", blamed, "", "0"))
    lone = sum(platform_trial(SEED, trial, 1)[0] for trial in range(PLATFORM_TRIALS))
    rows.append(
        (
            f"one page of {PLATFORM_PAGES} purged x {PLATFORM_TRIALS} trials: platform events",
            lone,
            "",
            "0",
        )
    )
    return rows
