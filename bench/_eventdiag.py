"""Where bench events' F1 is lost: every false positive and every miss of the F1 series, by
cause, with the series run in worker processes (a quick loop for the detector's author; the
scores are bench/events.py's own `score`, unchanged).

    PYTHONPATH=. .venv/bin/python -m bench._eventdiag [synthetic|tuning|held-out ...] [-j 2]
        [--plain] [--draws N] [--only LABEL]

`--draws N` injects each real series N times at different places, as bench events does
(`events.DRAWS`, 3); the default is the first draw only, the quicker loop. `--only LABEL` keeps
the rows whose label holds LABEL (`--only 5-minute`: every 5-minute row, synthetic, real,
false flags, take-off and spread), for a loop on one sampling interval.

Held-out is accepted only to *report* after a change (never to tune on). Causes:

false positives
- ordinary: no injected event within a day (or 50 intervals) of the flag;
- second: a flag of the same direction overlapping an injected event already matched;
- echo: a flag the other way within 20 intervals after an injected event;
- beside: a flag of the same direction within a day of an injected event, outside the slack.

These windows are wide at coarse sampling (50 intervals, 20 for an echo: at daily sampling,
with an injection every 7-14 days, nearly every flag is "beside" or "echo" of one). `--plain`
says which false positives the injections made: it runs each F1 series again with its injected
events taken out and counts a false positive as "also plain" when the same flag (same
direction, within one interval) is raised there too, "only injected" otherwise. On the tuning
daily series (2026-12-02) 51 of 57 false positives were also plain: ordinary flags (US
holidays in the births series), not what the injections left behind.
misses
- below-extreme: the event is no larger than the page's own 30-day ordinary extreme;
- rule:<name>: an episode reached its threshold but a rule dropped it (suppressed, echo,
  short-history/dwarfs);
- under-threshold: the episode at the event stayed under the page's threshold (split into
  "spread" when delivered over several fetches, "single" otherwise);
- no-episode: no episode of that direction at the event (swallowed by a pace change, or the
  warm-up).

`takeoff` runs the bench's campaign pages (a purge in the hour after a campaign takes off,
1-minute and 5-minute sampling) and also lists each false flag by kind, baseline, burst length
and hours after the take-off; `spread` runs the pages with a purge spread over 2-12 hours
(1-minute, 5-minute, hourly) and lists each false flag the same way, by hours after the
purge's end (on 2026-12-03, 10 of their 13 false flags were hundreds of hours away from it:
the pages' ordinary rate; 2 were slow-baseline gains 6 and 30 hours after it, its end; on
2026-12-04 all 9 were also raised with nothing injected, none within 48 hours of the purge:
0.2 per 30 days over 1,320 page-days, 2 of them slow drops on the weekends of a 5-minute page
whose weekend runs at 0.78 of its weekday pace, days 5.7 and 18.3, before an hour of the week
is seen on MATURE_DAYS (3) days). The one left on 2026-12-04 (spread 5-minute page 3, a "purge"
of 18,896 over 41 hours from day 18.3, strength 106 against a bar of 10) is no young page's
weekend: its Saturday bins are seen on their third day then, and the page's pace fell from
107-135 a fetch on average (days 10-17) to 56-75 for a week (days 18-23), a dull week of the
generator's day-to-day mood that its weekend began.
Both also list each miss, by minutes after the take-off (or the purge's end), with its size
and the page's ordinary extreme in typical changes, and what dropped it: the rule that
withdrew (`_unflag`, `_confirm`) or refused it, or its strength against the bar and against
the largest peak the page's own traffic left in the tail it was judged by (a bar under that
flags the page's ordinary traffic first).
"""

from __future__ import annotations

import functools
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from bench import _eventseries as synth
from bench import events
from likewatch.events import detect

DAY = 86400.0


def _ordinary(detector, which: str, key: str, steps: int) -> float | None:
    """The largest peak the tail an episode is judged against learnt from an episode it did
    not flag: no bar under it can find the episode without flagging the page's own traffic
    (None on a detector without that record)."""
    tail_key = getattr(detector, "_tail_key", None)
    tail = detector.tails.get(tail_key(which, key, steps) if tail_key else key)
    if tail is None:
        return None
    values = [getattr(tail, "ordinary", None), (getattr(tail, "old", None) or {}).get("ordinary")]
    values = [v for v in values if v is not None]
    return max(values) if values else None


def _instrument():
    """Record every decision of `_maybe_flag`, and every flag `_unflag` or `_confirm`
    withdrew (monkeypatched: the detector itself is run unchanged)."""
    log: list[dict] = []
    original = detect.Detector._maybe_flag
    withdrawals = {
        name: getattr(detect.Detector, name)
        for name in ("_unflag", "_confirm")
        if hasattr(detect.Detector, name)
    }
    close = detect.Detector._close

    def closing(self, key, episode):
        # A fast episode that never became a burst is never judged: its largest step says
        # how far it was from being one.
        if key.startswith("fast") and not episode.burst and not episode.flagged:
            log.append(
                {
                    "unjudged": episode.max_step_z,
                    "sign": episode.sign,
                    "start": episode.start,
                    "end": episode.peak_end or episode.start,
                }
            )
        return close(self, key, episode)

    def wrapped(self, which, key, episode, over=False):
        # Also runs on a detector from before burst lengths had their own tails (to measure
        # a "before"): then every fast episode has one threshold.
        scales = getattr(detect, "BURST_SCALES", None)
        steps = episode.steps if over else self.freeze
        if scales is None:
            level, about = self._threshold(which, key)
        elif hasattr(self, "_bar"):
            # The very bar `_maybe_flag` judges by: under way, also its own length's (a
            # one-fetch burst flagged against the several-fetch bar alone read as a "flag"
            # outside the window where none was raised).
            level, about = self._bar(which, key, episode, over)
        elif hasattr(self, "_resolution"):
            # The bar `_maybe_flag` judges by: one person past the kept peak under it.
            person = self._resolution(episode) if which == "fast" else 0.0
            level, about = self._threshold(which, key, steps, person=person)
        else:
            level, about = self._threshold(which, key, steps)
        entry = {
            "which": which,
            "sign": episode.sign,
            "start": episode.start,
            "end": episode.peak_end,
            "peak": episode.peak,
            "level": level,
            "steps": episode.steps,
            "over": over,
            "ordinary": _ordinary(self, which, key, steps),
            "short": about.get("short_history", False),
            "flagged_before": episode.flagged,
        }
        size = episode.peak_seen - episode.peak_expected
        # Under the threshold first: a slow episode on a campaign page is suppressed, but
        # one under its threshold would not have been flagged anyway.
        if not episode.flagged and episode.peak < level:
            entry["outcome"] = "under-threshold"
        elif self._suppressed(which, episode.sign):
            entry["outcome"] = "rule:suppressed"
        elif size * episode.sign <= 0:
            entry["outcome"] = "rule:size-sign"
        elif (
            not episode.flagged and about.get("short_history") and not self._dwarfs(which, episode)
        ):
            entry["outcome"] = "rule:short-history"
        elif not episode.flagged and self._echo(which, episode, size):
            entry["outcome"] = "rule:echo"
        else:
            entry["outcome"] = "flag"
        log.append(entry)
        if getattr(detect, "BURST_SCALES", None) is None:
            return original(self, which, key, episode)
        return original(self, which, key, episode, over=over)

    def withdrawing(name):
        # A flag withdrawn by the campaign rules: its (kind, start) and the rule's name.
        def call(self, *args):
            before = set(self.withdrawn)
            result = withdrawals[name](self, *args)
            for kind, start in self.withdrawn - before:
                log.append({"withdrawn": name, "kind": kind, "start": float(start)})
            return result

        return call

    detect.Detector._maybe_flag = wrapped
    detect.Detector._close = closing
    for name in withdrawals:
        setattr(detect.Detector, name, withdrawing(name))

    def restore():
        detect.Detector._maybe_flag = original
        detect.Detector._close = close
        for name, method in withdrawals.items():
            setattr(detect.Detector, name, method)

    return log, restore


def plain(series):
    """The series with its injected events taken out (the same page, nothing injected)."""
    times = np.array(series.times)
    extra = np.zeros(len(times))
    for e in series.injected:
        first = int(np.searchsorted(times, e.start)) + 1
        last = int(np.searchsorted(times, e.end))
        extra[first : last + 1] += e.size / (last - first + 1)
    out = synth.Series(series.name + " plain", "plain", series.interval)
    out.times = list(times)
    out.values = list(np.round(np.array(series.values, dtype=float) - np.cumsum(extra)))
    out.records = synth.compact(out.times, out.values)
    out.campaigns = series.campaigns
    return out


def classify(series, with_plain: bool = False) -> tuple[Counter, Counter, dict]:
    log, restore = _instrument()
    try:
        found = events.flags(series)
    finally:
        restore()
    withdrawn = [x for x in log if "withdrawn" in x]
    unjudged = [x for x in log if "unjudged" in x]
    log = [x for x in log if "outcome" in x]
    without = events.flags(plain(series)) if with_plain else None
    slack = 2 * series.interval
    unmatched = list(series.injected)
    matched = []
    fps = Counter()
    # Each false flag's kind, baseline, burst length and, on a campaign page, when it came
    # relative to the campaign's take-off (hours, floored; "before" when earlier).
    detail = Counter()
    start = getattr(series, "campaign_start", None)
    if series.family == "spread":
        start = series.injected[0].end
    for f in found:
        match = next(
            (
                e
                for e in unmatched
                if e.kind == f.kind and f.start <= e.end + slack and f.end >= e.start - slack
            ),
            None,
        )
        if match is not None:
            unmatched.remove(match)
            matched.append(match)
            continue
        if start is not None:
            hours = (f.start - start) / 3600
            if hours < 0:
                when = "before"
            elif hours < 6:
                when = f"+{int(hours)}h"
            else:
                when = "+6-48h" if hours < 48 else "+48h+"
            steps = f.details.get("steps", 0)
            detail[
                (
                    f.kind,
                    f.details.get("baseline"),
                    f"{min(steps, 3)}{'+' if steps >= 3 else ''} fetch",
                    when,
                )
            ] += 1
        if without is not None:
            same = any(
                g.kind == f.kind
                and g.start <= f.end + series.interval
                and g.end >= f.start - series.interval
                for g in without
            )
            fps["also plain" if same else "only injected"] += 1
        near = max(DAY, 50 * series.interval)
        if any(
            e.kind == f.kind and f.start <= e.end + slack and f.end >= e.start - slack
            for e in matched
        ):
            fps["second"] += 1
        elif any(
            e.kind != f.kind and e.end - slack <= f.start <= e.end + 20 * series.interval
            for e in series.injected
        ):
            fps["echo"] += 1
        elif any(
            e.kind == f.kind and f.start <= e.end + near and f.end >= e.start - near
            for e in series.injected
        ):
            fps["beside"] += 1
        else:
            fps["ordinary"] += 1
    misses = Counter()
    for e in unmatched:
        sign = 1 if e.kind == detect.GAIN else -1
        steps = max(1, round((e.end - e.start) / series.interval))
        near = [
            x
            for x in log
            if x["sign"] == sign and x["start"] <= e.end + slack and x["end"] >= e.start - slack
        ]
        outcomes = {x["outcome"] for x in near}
        outcomes |= {
            "rule:" + x["withdrawn"].strip("_")
            for x in withdrawn
            if x["kind"] == e.kind and e.start - slack <= x["start"] <= e.end + slack
        }
        if start is not None:
            fast = [
                x
                for x in unjudged
                if x["sign"] == sign and x["start"] <= e.end + slack and x["end"] >= e.start - slack
            ]
            detail[_missed(e, near, fast, outcomes, start)] += 1
        if e.relative == e.relative and e.relative <= e.extreme:
            misses["below-extreme"] += 1
        elif any(o.startswith("rule") for o in outcomes):
            misses[next(o for o in sorted(outcomes) if o.startswith("rule"))] += 1
        elif "flag" in outcomes:
            misses["flag-outside-window"] += 1
        elif near:
            misses["under-threshold " + ("spread" if steps > 1 else "single")] += 1
        else:
            misses["no-episode " + ("spread" if steps > 1 else "single")] += 1
    return fps, misses, events.score([series]), detail


def _missed(e, near: list[dict], unjudged: list[dict], outcomes: set[str], start: float):
    """One missed event of a take-off or spread page, with what dropped it: the rules that
    withdrew or refused it; or, judged last by the fast baseline once over (else by whichever
    came nearest its bar), its strength against the bar and against the largest peak of the
    page's own traffic in the tail it was judged by (a bar under that flags the page's
    ordinary traffic first); or a fast episode that never became a burst (its largest step,
    in spreads, under FREEZE_Z)."""
    minutes = (e.end - start) / 60
    when = f"{minutes:+.0f} min" if abs(minutes) < 120 else f"{minutes / 60:+.0f} h"
    size = ""
    if e.relative == e.relative:  # not NaN: a take-off page's purge
        size = f"{e.relative:.1f}x typical (extreme {e.extreme:.1f}x)"
    rules = sorted(o for o in outcomes if o.startswith("rule"))
    judged = [x for x in near if x["which"] == "fast" and x["over"]] or near
    if rules:
        why = ", ".join(rules)
    elif judged:
        x = max(judged, key=lambda x: x["peak"] / x["level"] if x["level"] else 0.0)
        ordinary = "-" if x["ordinary"] is None else f"{x['ordinary']:.2f}"
        why = (
            f"{x['which']} {x['steps']} fetch strength {x['peak']:.2f}, bar {x['level']:.2f}, "
            f"largest ordinary {ordinary}"
        )
    else:
        why = "no episode"
    if unjudged and not rules and not any(x["which"] == "fast" for x in near):
        step = max(x["unjudged"] for x in unjudged)
        why += f"; fast: no burst (largest step {step:.1f} spreads)"
    return ("missed", e.kind, f"{when} {size}", why)


def _groups(parts, draws: int = 1):
    from bench import _realseries

    pages = 6
    out = []
    if "synthetic" in parts:
        for interval in synth.LABEL:
            out += [
                (f"synthetic {synth.LABEL[interval]}", ("burst", interval, n)) for n in range(pages)
            ]
    real = None
    for part in ("tuning", "held-out"):
        if part in parts or "false-" + part in parts:
            real = real or _realseries.corpus()
            for n, series in enumerate(real[part]):
                label = synth.LABEL[series.interval]
                if part in parts:
                    out += [(f"real {part} {label}", (part, n, d)) for d in range(draws)]
                if "false-" + part in parts:
                    out.append((f"false flags real {part} {label}", ("false", part, n)))
    if "takeoff" in parts:
        for interval in (60, 300):
            out += [
                (f"takeoff {synth.LABEL[interval]}", ("takeoff", interval, n)) for n in range(pages)
            ]
    if "spread" in parts:
        for interval in (60, 300, 3600):
            out += [(f"spread {synth.LABEL[interval]}", ("spread", interval, n)) for n in range(4)]
    if "false-synthetic" in parts:
        for interval, n, small in synth.CONTROL_PAGES:
            what = "small counts " if small else ""
            label = f"false flags synthetic {what}{synth.LABEL[interval]}"
            out.append((label, ("control", interval, n, small)))
    return out


@functools.cache
def _corpus():
    from bench import _realseries

    return _realseries.corpus()


def _one(spec, with_plain: bool = False):
    if spec[0] in ("false", "control"):
        if spec[0] == "false":
            series = _corpus()[spec[1]][spec[2]]
        else:
            series = synth.control_series(events.SEED, *spec[1:])
        return events._false_counts([series])[0]
    if spec[0] == "burst":
        series = synth.burst_series(events.SEED, spec[1], spec[2])
    elif spec[0] == "takeoff":
        series = synth.burst_series(events.SEED, spec[1], spec[2], campaign=True)
    elif spec[0] == "spread":
        series = synth.spread_series(events.SEED, spec[1], spec[2])
    else:
        part, n, draw = spec
        series = events.inject(_corpus()[part][n], events.draw_seed(draw), n)
    return classify(series, with_plain)


def main(argv: list[str]) -> None:
    jobs = 2
    with_plain = "--plain" in argv
    if with_plain:
        argv.remove("--plain")
    draws = 1
    if "--draws" in argv:
        i = argv.index("--draws")
        draws = int(argv[i + 1])
        del argv[i : i + 2]
    if "-j" in argv:
        i = argv.index("-j")
        jobs = int(argv[i + 1])
        del argv[i : i + 2]
    only = None
    if "--only" in argv:
        i = argv.index("--only")
        only = argv[i + 1]
        del argv[i : i + 2]
    parts = argv or ["synthetic", "tuning"]
    groups = [g for g in _groups(parts, draws) if only is None or only in g[0]]
    with ProcessPoolExecutor(jobs) as pool:
        results = list(
            pool.map(functools.partial(_one, with_plain=with_plain), [s for _, s in groups])
        )
    table: dict[str, list] = {}
    false: dict[str, list] = {}
    for (label, spec), result in zip(groups, results, strict=True):
        if spec[0] in ("false", "control"):
            false.setdefault(label, []).append(result)
    for label, counts in false.items():
        rate, count, days = events._rate(counts)
        print(f"{label:36s} {rate:.2f} per 30 days ({count} flags, {days:,.0f} page-days)")
    for (label, spec), item in zip(groups, results, strict=True):
        if spec[0] in ("false", "control"):
            continue
        fps, misses, result, detail = item
        row = table.setdefault(label, [Counter(), Counter(), Counter(), Counter()])
        row[0].update(fps)
        row[1].update(misses)
        row[2].update({k: result[k] for k in ("tp", "fp", "fn")})
        row[3].update(detail)
    for label, (fps, misses, c, detail) in table.items():
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(f"{label:28s} F1 {f1:.2f} P {p:.2f} R {r:.2f} tp {c['tp']} fp {c['fp']} fn {c['fn']}")
        print(f"    FP: {dict(fps)}")
        print(f"    FN: {dict(misses)}")
        for (kind, baseline, steps, when), n in sorted(detail.items()):
            if kind == "missed":
                print(f"    missed {baseline:5s} {steps}: {when}")
                continue
            print(f"    false {kind:5s} {baseline or '-':4s} {steps:8s} {when:6s} x{n}")


if __name__ == "__main__":
    main(sys.argv[1:])
