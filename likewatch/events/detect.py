"""Finding what looks inorganic in one page's history, with robust statistics.

This module is pure Python (no database), so the benchmark in bench/events.py runs the very
code the poller runs. `likewatch.events.scan` feeds it a page's records and stores what it
finds.

The input is the page's history as the tracking app keeps it: value *spans* (a value, when it
was first and last seen, how many fetches confirmed it, its rounding step) and *misses*
(failed fetches). From it the detector rebuilds the page's per-interval changes: a span of n
fetches is n - 1 intervals without change, and the step to the next span is one change spread
over however many sampling intervals separate the two fetches.

For every step it asks: how far is this change from the page's recent behaviour? "Recent
behaviour" is the median and the MAD (median absolute deviation, scaled to a standard
deviation) of the last few hours of per-interval changes, never a fixed threshold, so a
page losing 900 people every five minutes at the height of a campaign and a quiet page
gaining 3 a day are each judged against themselves.

- A *run* starts at a step at least `START_Z` robust deviations away from the expected change
  and continues while the steps keep deviating the same way (`KEEP_Z`). A run that stays short
  (at most `burst_limit`) and whose total excess reaches `EVENT_Z` is a *gain* (a burst
  upward: bought likes) or a *purge* (a drop the campaign's pace does not explain).
- A run that lasts longer is not a burst but a change of pace: a *takeoff* (the page moves
  faster than before, e.g. the campaign catching on) or a *fading* (it slows down). The
  rolling window then restarts from the new pace.
- A rounded count (precision p > 1, e.g. YouTube's three significant figures) hides up to p
  of any change, so p is subtracted from every deviation: a step of at most one rounding step
  is never an event.
- *gap*: fetches failed (or none happened) for at least `GAP_INTERVALS` intervals.
- *stale*: the count stopped changing for longer than the page's own rate of change makes
  plausible (a platform serving a cached count); the step that ends it is judged as a catch-up
  over the whole frozen time, not as a burst.
- *metric_switch*: a step lands on the level of the same platform page's other metric
  (likes became followers): the platform changed what it reports, nobody moved.

Interface: `Detector(interval, siblings=...).run(records) -> list[Finding]`. The
result is a pure function of the input, so re-running on the same history gives the same
findings, keyed by (kind, start): that is what makes storing them idempotent.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from statistics import median

GAIN = "gain"
PURGE = "purge"
TAKEOFF = "takeoff"
FADING = "fading"
GAP = "gap"
STALE = "stale"
METRIC_SWITCH = "metric_switch"
KINDS = (GAIN, PURGE, TAKEOFF, FADING, GAP, STALE, METRIC_SWITCH)

# Tuned on the labelled series of bench/events.py: `python -m bench events`.
START_Z = 3.0  # a step this many robust deviations off starts a run
KEEP_Z = 2.0  # ...and the run goes on while steps stay this far off, the same way
EVENT_Z = 6.0  # a run's total excess, in deviations of its length, that makes an event
WAVE_MINUTES = 60  # a run longer than this is a change of pace, not a burst
PATIENCE_MINUTES = 10  # quiet time that ends a run
BURST_RELATIVE = 3.0  # a burst moves at least this many times the pace, per interval
WAVE_RATIO = 3.0  # ...and an event when the pace grew or shrank at least this many times
WAVE_NOISE = 1.5  # ...and the faster pace is this many deviations per interval
APART = 4.0  # steps this many times larger than their run's belong to another burst
WINDOW_HOURS = 3.0  # the rolling window of recent behaviour
TREND_DAMPING = 0.5  # how much of the window's trend to carry forward
WINDOW_MIN, WINDOW_MAX = 24, 60  # ...in intervals
WARMUP = 12  # no verdict before this many intervals of behaviour
GAP_INTERVALS = 3  # this many intervals without a value make a gap
STALE_PROBABILITY = 1e-6  # an unchanged run less likely than this is stale
STALE_MIN_INTERVALS = 6
STALE_CATCH_UP = 3  # rounding steps a rounded count must jump when a stale cache lets go
SWITCH_TOLERANCE = 0.002  # a level within 0.2 % of the other metric's counts as landing on it


@dataclass(frozen=True)
class Span:
    """A run of identical values (tracking.models.Observation). Times in epoch seconds."""

    seq: int
    value: int | None
    precision: int
    first_seen: float
    last_seen: float
    fetches: int


@dataclass(frozen=True)
class Miss:
    """A failed fetch (tracking.models.FetchFailure)."""

    seq: int
    at: float


@dataclass
class Finding:
    """One event the detector found. Sizes are people, except where the kind says otherwise.

    - gain/purge: `seen` is the change measured over the window, `expected` the change the
      page's recent pace predicts, `size` = seen - expected (the unexplained people).
    - takeoff/fading: `expected` and `seen` are paces in people per hour, before and after;
      `size` is their difference.
    - gap: `expected` fetches should have happened, `seen` produced a value (0); `size` is
      the number of missing fetches.
    - stale: `expected` changes were likely over the frozen time, `seen` 0 changes;
      `size` is the number of fetches that read the same value.
    - metric_switch: `expected` the predicted change, `seen` the change, `size` = seen.
    """

    kind: str
    start: float
    end: float
    size: float
    expected: float
    seen: float
    confidence: float
    detected_at: float
    ongoing: bool = False
    seq_from: int = 0
    seq_to: int = 0
    details: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, int]:
        """What identifies this event across re-runs: its kind and the second it started."""
        return (self.kind, int(self.start))


class Siblings:
    """The same platform page's other metrics, to tell a metric switch from a real move."""

    def __init__(self, series: dict[str, Sequence[tuple[float, int]]] | None = None) -> None:
        self.series = {
            name: (tuple(t for t, _ in points), tuple(v for _, v in points))
            for name, points in (series or {}).items()
            if points
        }

    def level_at(self, at: float) -> Iterable[tuple[str, int]]:
        """Each other metric's value at `at` (the last one seen by then)."""
        for name, (times, values) in self.series.items():
            i = bisect_right(times, at) - 1
            if i >= 0:
                yield name, values[i]

    def matches(self, value: int, at: float) -> str | None:
        for name, level in self.level_at(at):
            if level and abs(value - level) <= SWITCH_TOLERANCE * level:
                return name
        return None


@dataclass
class _Step:
    """One change between two spans, spread over `m` sampling intervals."""

    before: Span
    after: Span
    delta: int
    m: int
    expected: float
    dev: float  # delta - expected, with the rounding step taken off its size
    z: float
    sigma: float
    mu: float
    in_burst: bool = False  # part of a reported gain or purge: not behaviour to learn from

    @property
    def rate(self) -> float:
        return self.delta / self.m

    @property
    def sign(self) -> int:
        return 1 if self.z > 0 else -1


@dataclass
class _Run:
    """Consecutive steps off the expected change the same way (with quiet ones, for a pace)."""

    steps: list[_Step]
    sign: int
    pace_before: float  # median change per interval in the window when the run began
    quiet_intervals: int = 0  # quiet time at the end, that may yet close the run
    quiet: int = 0
    finding: Finding | None = None

    @property
    def core(self) -> list[_Step]:
        return self.steps[: len(self.steps) - self.quiet]

    @property
    def start(self) -> float:
        return self.steps[0].before.last_seen

    @property
    def end(self) -> float:
        return self.core[-1].after.first_seen

    def excess(self) -> tuple[float, int]:
        core = self.core
        return sum(s.dev for s in core), sum(s.m for s in core)

    def excess_z(self) -> float:
        dev, m = self.excess()
        return abs(dev) / (self.steps[0].sigma * math.sqrt(m))

    def is_burst(self) -> bool:
        """Significant, and large against the pace: a wave's lag is neither."""
        dev, m = self.excess()
        pace = abs(self.steps[0].mu)
        return self.excess_z() >= EVENT_Z and abs(dev) / m >= BURST_RELATIVE * pace


class Detector:
    """Finds events in one page's history; see the module docstring for the method."""

    def __init__(
        self,
        interval: float,
        *,
        siblings: Siblings | None = None,
        campaign_down: bool = False,
    ) -> None:
        self.interval = float(max(1, interval))
        self.siblings = siblings or Siblings()
        # A page a campaign drives down: a burst upward there is the classic bought-likes cover.
        self.campaign_down = campaign_down
        size = round(WINDOW_HOURS * 3600 / self.interval)
        self.window_size = max(WINDOW_MIN, min(WINDOW_MAX, size))
        self.warmup = max(WARMUP, self.window_size // 2)
        self.wave_after = max(WAVE_MINUTES * 60, 3 * self.interval)
        # Quiet intervals that end a run: about ten minutes' worth, and at least two.
        self.patience = max(2, round(PATIENCE_MINUTES * 60 / self.interval))

    # Public -------------------------------------------------------------------------

    def run(self, records: Iterable[Span | Miss]) -> list[Finding]:
        """Every finding in `records` (any order; sorted by seq here)."""
        self.window: deque[float] = deque(maxlen=self.window_size)
        self.findings: list[Finding] = []
        self.burst: _Run | None = None
        self.pace: _Run | None = None
        prev: Span | None = None
        misses: list[Miss] = []
        for record in sorted(records, key=lambda r: r.seq):
            if isinstance(record, Miss):
                misses.append(record)
                continue
            if prev is not None:
                self._gap(prev.last_seen, record.first_seen, misses, prev.seq, record.seq)
            if record.value is None:
                # A hidden count breaks the series: start afresh after it.
                prev, misses = None, []
                self._end_burst()
                self._end_pace()
                continue
            if prev is not None:
                self._step(prev, record)
            prev, misses = record, []
        self._end_burst(final=True)
        if prev is not None:
            self._stale(prev)
            if misses:
                self._gap(prev.last_seen, misses[-1].at, misses, prev.seq, misses[-1].seq, True)
        return sorted(self.findings, key=lambda f: (f.start, f.kind))

    # Behaviour ----------------------------------------------------------------------

    def _stats(self, precision: int, m: int = 1) -> tuple[float, float] | None:
        """Expected change per interval `m` intervals ahead, and the robust spread around it.

        A campaign's pace builds and fades over hours, so the expectation follows the
        window's trend: the line through the medians of its older and newer halves (a
        resistant line, unmoved by a few wild values), extrapolated to now.
        """
        if len(self.window) < self.warmup:
            return None
        values = list(self.window)
        half = len(values) // 2
        older, newer = median(values[:half]), median(values[half:])
        # Centres of the halves, in steps counted back from the newest value (at 0).
        c_old = len(values) - 1 - (half - 1) / 2
        c_new = (len(values) - half - 1) / 2
        slope = (newer - older) / (c_old - c_new)
        residuals = [v - (newer + slope * (c_new - i)) for i, v in enumerate(reversed(values))]
        centre = median(residuals)
        spread = [abs(r - centre) for r in residuals]
        # The MAD ignores wild values; on whole-number counts that mostly repeat it can be
        # 0, so the mean absolute deviation (scaled the same way) backs it up.
        mad = max(median(spread), 0.8453 * sum(spread) / len(spread))
        mu = newer + centre + TREND_DAMPING * slope * (c_new + (m + 1) / 2)
        # Never trust a spread below one person, below the rounding step, or below the
        # spread of people arriving at random (Poisson: the square root of the pace).
        sigma = max(1.4826 * mad, 1.0, precision / 2, math.sqrt(abs(mu)))
        return mu, sigma

    def _zero_probability(self) -> float:
        zeros = sum(1 for v in self.window if v == 0)
        return (zeros + 1) / (len(self.window) + 2)

    def _learn(self, rate: float, times: int = 1) -> None:
        for _ in range(min(times, self.window_size)):
            self.window.append(rate)

    # Steps --------------------------------------------------------------------------

    def _step(self, a: Span, b: Span) -> None:
        stale = b.value is not None and self._stale(a, b)
        frozen = a.fetches - 1
        if not stale:
            self._learn(0.0, frozen)
        m = max(1, round((b.first_seen - a.last_seen) / self.interval))
        if stale:
            # A cache let go: the step catches up on the whole frozen time.
            m += frozen
        delta = b.value - a.value
        if not stale and b.first_seen - a.last_seen > self.wave_after:
            # After a long gap the old pace says little: the gap event stands for the step,
            # and the page's behaviour is learnt afresh.
            self._end_burst()
            self._end_pace()
            self.window.clear()
            return
        stats = self._stats(max(a.precision, b.precision), m)
        if stats is None:
            self._learn(delta / m)  # the page's behaviour is not known yet
            return
        if stale:
            self.findings[-1].details["catch_up"] = delta
        mu, sigma = stats
        expected = mu * m
        raw = delta - expected
        rounding = max(a.precision, b.precision) if max(a.precision, b.precision) > 1 else 0
        dev = math.copysign(max(0.0, abs(raw) - rounding), raw)
        if abs(delta) <= rounding:
            dev = 0.0  # within one rounding step: never an event
        z = dev / (sigma * math.sqrt(m))
        step = _Step(a, b, delta, m, expected, dev, z, sigma, mu)
        if self._switch(step):
            return
        self._advance(step)

    def _advance(self, step: _Step) -> None:
        """Feed one step to the two trackers: bursts (strong steps) and pace (long runs)."""
        strong = abs(step.z) >= START_Z
        # Fetches that read the same value before this step: quiet time, not a change.
        still = step.before.fetches - 1
        burst = self.burst
        if burst is not None and (
            not strong or step.sign != burst.sign or still > 1 or _apart(step, burst.steps)
        ):
            self._end_burst()
            burst = None
        if strong:
            if burst is None:
                self.burst = burst = _Run([], step.sign, median(self.window))
            burst.steps.append(step)
            self._judge_burst(burst)

        pace = self.pace
        if pace is not None and (
            (strong and step.sign != pace.sign)  # the page turned round: a new run
            or pace.quiet_intervals + still >= self.patience
        ):
            self._end_pace()
            pace = None
        if pace is None:
            if strong:
                self.pace = _Run([step], step.sign, median(self.window))
            else:
                self._learn(step.rate)
            return
        pace.steps.append(step)
        if step.z * pace.sign >= KEEP_Z:
            pace.quiet = pace.quiet_intervals = 0
        else:
            pace.quiet += 1
            # Quiet time counts in intervals: a span of unchanged fetches is quiet too.
            pace.quiet_intervals += step.m + still
            if pace.quiet_intervals >= self.patience:
                self._end_pace()
                return
        if pace.end - pace.start > self.wave_after:
            self._wave(pace)

    def _judge_burst(self, run: _Run) -> None:
        """Report a run of strong steps as a gain or purge as soon as it qualifies."""
        if run.end - run.start > self.wave_after or not run.is_burst():
            return
        core = run.core
        seen = float(sum(s.delta for s in core))
        expected = float(sum(s.expected for s in core))
        kind = GAIN if run.sign > 0 else PURGE
        z = run.excess_z()
        confidence = _confidence(z)
        falling = self.campaign_down or core[0].mu < -core[0].sigma
        if kind == GAIN and falling:
            # Gaining while a campaign drives the page down is what buying likes looks like.
            confidence += (1 - confidence) / 2
        finding = run.finding
        if finding is None:
            finding = Finding(
                kind=kind,
                start=run.start,
                end=run.end,
                size=0,
                expected=0,
                seen=0,
                confidence=0,
                detected_at=run.end,
                seq_from=core[0].before.seq,
            )
            run.finding = finding
            self.findings.append(finding)
        finding.end = run.end
        finding.seen = seen
        finding.expected = round(expected, 1)
        finding.size = round(seen - expected, 1)
        finding.confidence = round(confidence, 3)
        finding.seq_to = core[-1].after.seq
        finding.ongoing = True
        finding.details = {"z": round(z, 1), "steps": len(core), "campaign_down": falling}
        for s in core:
            s.in_burst = True

    def _end_burst(self, final: bool = False) -> None:
        run, self.burst = self.burst, None
        if run is None or run.finding is None:
            return
        if run.end - run.start > self.wave_after:
            # Strong steps for over an hour are a new pace, not a burst.
            self.findings.remove(run.finding)
            for s in run.steps:
                s.in_burst = False
            return
        run.finding.ongoing = final

    def _wave(self, run: _Run) -> None:
        """A run that outlasted a burst: the pace changed. An event if it changed a lot, fast."""
        self._drift(run, run.start)
        core = run.core  # the median shrugs off a burst inside the run
        per_hour = 3600 / self.interval
        before = run.steps[0].mu * per_hour  # the trend extrapolated, not the bare median
        after = median(s.rate for s in core) * per_hour
        early = median(s.rate for s in core[: max(2, len(core) // 4)]) * per_hour
        noise = core[0].sigma * per_hour
        if _far(before, after, noise) and _far(before, early, noise):
            # A wave's first steps may have looked like a burst just before the run began.
            self._drift(run, run.start - self.wave_after)
            # What looked like a burst at its start was the pace changing: withdraw it.
            burst = self.burst
            for finding in list(self.findings):
                same_way = (finding.kind == GAIN) == (after > before)
                if finding.kind in (GAIN, PURGE) and finding.start >= run.start and same_way:
                    self.findings.remove(finding)
                    if burst is not None and burst.finding is finding:
                        self.burst = None
            for s in run.steps:
                s.in_burst = False
            self.findings.append(
                Finding(
                    kind=TAKEOFF if abs(after) > abs(before) else FADING,
                    start=run.start,
                    end=run.end,
                    size=round(after - before, 1),
                    expected=round(before, 1),
                    seen=round(after, 1),
                    confidence=round(_confidence(run.excess_z()), 3),
                    detected_at=run.end,
                    seq_from=run.steps[0].before.seq,
                    seq_to=run.core[-1].after.seq,
                    details={"steps": len(run.core)},
                )
            )
            # The new pace is the page's behaviour from now on: forget the old one.
            rates = [s.rate for s in run.steps if not s.in_burst]
            self.window.clear()
            while len(self.window) < self.warmup:
                self.window.extend(rates)
        else:
            for s in run.steps:
                if not s.in_burst:
                    self._learn(s.rate)
        self.pace = None

    def _drift(self, run: _Run, since: float) -> None:
        """Withdraw bursts since `since`, the run's way, that stand out no more than it.

        As a wave builds, a few steps deviate enough to look like a burst; once the run has
        lasted, they turn out to be the wave's own steps. A real burst on top of a moving
        pace (bought likes while a campaign fades) stays: its steps are APART times larger.
        """
        calm = [abs(s.z) for s in run.core if not s.in_burst]
        if not calm:
            return
        typical = median(calm)
        for finding in list(self.findings):
            same_way = (finding.kind == GAIN) == (run.sign > 0)
            if finding.kind not in (GAIN, PURGE) or finding.start < since or not same_way:
                continue
            per_step = finding.details["z"] / math.sqrt(finding.details["steps"])
            if per_step >= APART * typical:
                continue
            self.findings.remove(finding)
            for s in run.steps:
                if finding.seq_from < s.after.seq <= finding.seq_to:
                    s.in_burst = False
            if self.burst is not None and self.burst.finding is finding:
                self.burst = None

    def _end_pace(self) -> None:
        run, self.pace = self.pace, None
        if run is None:
            return
        # An ordinary stretch after all: learn from it, except a reported burst.
        for s in run.steps:
            if not s.in_burst:
                self._learn(s.rate)

    def _switch(self, step: _Step) -> bool:
        if abs(step.z) < START_Z:
            return False
        now = self.siblings.matches(step.after.value, step.after.first_seen)
        if now is None or self.siblings.matches(step.before.value, step.before.last_seen):
            return False
        self._end_burst()
        self.pace = None
        self.findings.append(
            Finding(
                kind=METRIC_SWITCH,
                start=step.before.last_seen,
                end=step.after.first_seen,
                size=float(step.delta),
                expected=round(step.expected, 1),
                seen=float(step.delta),
                confidence=0.9,
                detected_at=step.after.first_seen,
                seq_from=step.before.seq,
                seq_to=step.after.seq,
                details={"metric": now},
            )
        )
        # A new series starts on the new level; its behaviour is learnt afresh.
        self.window.clear()
        return True

    # Data problems ------------------------------------------------------------------

    def _gap(self, since, until, misses, seq_from, seq_to, ongoing=False) -> None:
        missing = round((until - since) / self.interval) - (0 if ongoing else 1)
        if missing < GAP_INTERVALS:
            return
        self.findings.append(
            Finding(
                kind=GAP,
                start=since,
                end=until,
                size=float(missing),
                expected=float(missing),
                seen=0.0,
                confidence=1.0,
                # Live, the gap shows from its GAP_INTERVALS-th failed fetch on.
                detected_at=misses[GAP_INTERVALS - 1].at if len(misses) >= GAP_INTERVALS else until,
                ongoing=ongoing,
                seq_from=seq_from,
                seq_to=seq_to,
                details={"failures": len(misses)},
            )
        )

    def _stale(self, span: Span, after: Span | None = None) -> bool:
        """Did `span` stay unchanged for implausibly long? `after` is the span that ended it."""
        frozen = span.fetches - 1
        if frozen < STALE_MIN_INTERVALS or len(self.window) < self.warmup:
            return False
        if span.precision > 1:
            # A rounded count sits still for hours when the page slows down; only a catch-up
            # of several rounding steps, about what the pace predicts for the frozen time,
            # shows that a cache was holding it (a larger jump is judged as a burst).
            if after is None:
                return False
            jump = abs(after.value - span.value)
            pace = abs(sum(self.window) / len(self.window)) * frozen
            if jump < STALE_CATCH_UP * span.precision or jump > 3 * pace + span.precision:
                return False
        p0 = self._zero_probability()
        likelihood = p0**frozen
        if likelihood >= STALE_PROBABILITY:
            return False
        self.findings.append(
            Finding(
                kind=STALE,
                start=span.first_seen,
                end=span.last_seen,
                size=float(span.fetches),
                expected=round((1 - p0) * frozen, 1),
                seen=0.0,
                confidence=round(1 - likelihood, 4),
                detected_at=span.first_seen + (self._stale_after(p0)) * self.interval,
                ongoing=after is None,
                seq_from=span.seq,
                seq_to=span.seq,
            )
        )
        return True

    @staticmethod
    def _stale_after(p0: float) -> int:
        n = STALE_MIN_INTERVALS
        while p0**n >= STALE_PROBABILITY:
            n += 1
        return n


def _far(before: float, after: float, noise: float) -> bool:
    """Paces that differ by WAVE_RATIO times, the faster one well clear of the noise."""
    big, small = max(abs(after), abs(before)), min(abs(after), abs(before))
    if after * before < 0:
        small = 0.0  # the page turned round: from losing to gaining or back
    return big >= max(WAVE_RATIO * small, WAVE_NOISE * noise)


def _apart(step: _Step, steps: list[_Step]) -> bool:
    """A step of another order of size than a run's: a burst on top of a drifting pace."""
    largest = max(abs(s.z) for s in steps)
    return abs(step.z) > APART * largest or abs(step.z) * APART < largest


def _confidence(z: float) -> float:
    """From robust deviations to 0-1: 0.5 at the event threshold, 0.8 at twice, 0.9 at 3x."""
    ratio = z / EVENT_Z
    return min(0.99, ratio * ratio / (1 + ratio * ratio))
