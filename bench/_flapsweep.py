"""Late answers from a platform's caches: a sweep for the detector's author (not part of
`make bench`; its figures are counts of findings on fixed seeds, not timings).

    PYTHONPATH=. .venv/bin/python -m bench._flapsweep [false] [f1] [60|300|3600 ...] [-j N]

Platform APIs and public pages are served from caches and replicas: a fetch now and then gets
an answer minutes or an hour old (a replica behind, a CDN edge) and the next fetch is current
again. The count steps back by the growth of that time for one fetch and comes back; on a
shrinking page it steps up and comes back. The sweep replaces a share `p` of a page's fetches
(each drawn alone, `RATES`) by the count the page had `lag` fetches earlier (`LAGS`: one fetch
to an hour) and runs the detector on the page with and without them:

- false: the synthetic control pages (`_eventseries.control_series`, seed `SEED`, pages 0-2)
  and the real TUNING series (bench/_realseries.py; never the held-out part) sampled every
  minute, 5 minutes and hour, nothing injected: findings of every kind (gain, purge, stale,
  gap, pace) per page per 30 days, with late answers against without, and by kind;
- f1: the same pages with bursts and purges injected (bench/events.py `inject` into the real
  series, its first draw; `_eventseries.burst_series` pages 0-2), scored by bench/events.py's
  own `score`: the F1 with late answers against without, so a rule that reads a late answer
  as no event cannot hide a real purge (a purge does not come back at the next fetch).

Late answers are laid on the page after its events (the count `lag` fetches earlier, events
included), at the same fetches in every run of a page, rate and lag.
"""

from __future__ import annotations

import functools
import sys
import time
import zlib
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from bench import _eventseries as synth
from bench import events

SEED = 14
RATES = (0.005, 0.02, 0.05)
# Lags in fetches, one fetch to an hour, per sampling interval.
LAGS = {60: (1, 5, 15, 60), 300: (1, 3, 12), 3600: (1,)}
PAGES = 3  # synthetic pages per interval
Case = tuple[str, str, int, int, float, int]  # sweep, source, interval, page, rate, lag


def late(values: list, rate: float, lag: int, key: str) -> list:
    """`values` with a share `rate` of its fetches (each drawn alone, from the `lag`-th on)
    answered by the count `lag` fetches earlier. The same fetches for the same key."""
    rng = np.random.default_rng([SEED, zlib.crc32(key.encode()), round(rate * 10000), lag])
    out = list(values)
    for i in np.flatnonzero(rng.random(len(values)) < rate):
        if i >= lag:
            out[i] = values[i - lag]
    return out


@functools.cache
def _real(interval: int) -> list:
    """The real tuning series sampled at `interval` (read once per worker process)."""
    from bench import _realseries

    return [s for s in _realseries.corpus()["tuning"] if s.interval == interval]


def page(case: Case):
    """The page a case runs on, before late answers."""
    sweep, source, interval, n, _, _ = case
    if source == "synthetic":
        if sweep == "false":
            return synth.control_series(SEED, interval, n)
        return synth.burst_series(SEED, interval, n)
    series = _real(interval)[n]
    return events.inject(series, events.draw_seed(0), n) if sweep == "f1" else series


def cases(sweeps=("false", "f1"), intervals=tuple(LAGS)) -> list[Case]:
    out: list[Case] = []
    real = {60: 3, 300: 4, 3600: 4}  # tuning series at each interval (bench/_realseries.py)
    for sweep in sweeps:
        for interval in intervals:
            pages = [("synthetic", n) for n in range(PAGES)]
            pages += [("real", n) for n in range(real[interval])]
            for source, n in pages:
                out.append((sweep, source, interval, n, 0.0, 0))
                for rate in RATES:
                    out += [(sweep, source, interval, n, rate, lag) for lag in LAGS[interval]]
    return out


def run(case: Case) -> tuple[Case, float, Counter, dict | None]:
    """(the case, its page-days, findings by kind, bench events' score on an F1 page)."""
    sweep, source, interval, n, rate, lag = case
    series = page(case)
    if rate:
        values = late(series.values, rate, lag, f"{source} {interval} {n}")
        answered = synth.Series(series.name, series.family, interval, injected=series.injected)
        answered.times, answered.values = list(series.times), values
        answered.records = synth.compact(answered.times, answered.values)
        series = answered
    days = (series.times[-1] - series.times[0]) / 86400
    if sweep == "f1":
        result = events.score([series])
        return case, days, Counter(), {k: result[k] for k in ("tp", "fp", "fn")}
    found = events.Detector(interval).run(series.records)
    return case, days, Counter(f.kind for f in found), None


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def main(argv: list[str]) -> None:
    jobs = 1
    if "-j" in argv:
        jobs = int(argv[argv.index("-j") + 1])
        del argv[argv.index("-j") : argv.index("-j") + 2]
    sweeps = tuple(a for a in ("false", "f1") if a in argv) or ("false", "f1")
    intervals = tuple(int(a) for a in argv if a.isdigit()) or tuple(LAGS)
    began = time.monotonic()
    rows: dict[tuple, list] = {}
    with ProcessPoolExecutor(jobs) as pool:
        for case, days, kinds, score in pool.map(run, cases(sweeps, intervals)):
            sweep, source, interval, n, rate, lag = case
            rows.setdefault((sweep, interval, source, rate, lag), []).append((days, kinds, score))
    for (sweep, interval, source, rate, lag), runs in sorted(rows.items()):
        what = f"{sweep:5} {synth.LABEL[interval]:8} {source:9} "
        what += f"p {rate:<5g} lag {lag:2}" if rate else "plain          "
        if sweep == "false":
            days = sum(d for d, _, _ in runs)
            kinds = sum((k for _, k, _ in runs), Counter())
            per_page = [sum(k.values()) for _, k, _ in runs]
            rate30 = sum(kinds.values()) / (days / 30)
            print(f"{what}: {rate30:5.2f} per page per 30 days {dict(kinds)} by page {per_page}")
        else:
            tp, fp, fn = (sum(s[k] for _, _, s in runs) for k in ("tp", "fp", "fn"))
            print(f"{what}: F1 {_f1(tp, fp, fn):.3f} (tp {tp} fp {fp} fn {fn})")
    print(f"{time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
