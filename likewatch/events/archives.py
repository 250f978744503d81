"""Counts imported from an archive, judged at the archive's own spacing, or said to be unjudged.

A page's detector judges the step between two counts only when they are at most
`detect.judged_step(interval)` apart (six of its intervals, and two hours): a longer step says
too little about any moment, and from a page fetched every five minutes it usually means a
failed stretch. An archive imported for the time before a page was tracked (`likewatch
import`) is often slower than that: daily counts from another tracker, for a page now fetched
every few minutes. Read by the page's own detector, none of its steps would be judged, and a
purge of 2016 in a daily archive would go unseen without a word.

So each *archive run* (consecutive imported counts, in time order) spaced beyond what the
page's detector judges is judged apart, by a detector of its own whose interval is the run's
spacing (the median time between its counts): the very detector a page fetched that often
gets, with its thresholds learnt from the run itself (its heavy tails, its weekly cycle; a
short run says its history is short, as a new page does). Its events carry
`details["archive_spacing"]` (seconds), so every sentence says they come from the archive's
counts and how far apart those are. The page's own detector still reads the archive (it
learns nothing from steps it does not judge) and its findings inside a run judged here are
left to this judge: one judge per stretch of history.

Up to `SLOWEST_SPACING` (a day, with some counts missing): the benchmark measures the detector
on daily sampling, and its false-alarm rate is set per 30 days, which at one count a day is
one flag in some 30 steps of the run's own history. A slower archive (weekly, or monthly
snapshots) has a handful of steps in 30 days: a rate of one flag per 30 days would flag a good
share of its steps, which is worse than none. Such a run is read but not judged, and the
page's history says so (`DetectorState.unjudged_archives`, shown beside the history) instead
of staying silent.

Which runs exist depends only on the page's whole history, and they are judged whenever a
scan reads it from the start (the first scan, a rescan, the round that brings imported
counts: likewatch.events.scan), so live detection and a rescan find the same events. Nothing
of it is kept in the detector's state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from statistics import median

from likewatch import formatting
from likewatch.events import detect

# The slowest archive judged: daily counts, a few missing here and there (the median step
# stays a day; a run with every other day missing is no longer daily).
SLOWEST_SPACING = 1.25 * detect.DAY


@dataclass(frozen=True)
class Run:
    """Consecutive imported counts of a page (an archive, or part of one), in time order."""

    spans: tuple[detect.Span, ...]
    spacing: float  # the median time between two of its counts, in seconds

    @property
    def start(self) -> float:
        return self.spans[0].first_seen

    @property
    def end(self) -> float:
        return self.spans[-1].last_seen

    @property
    def counts(self) -> int:
        return sum(s.fetches for s in self.spans)

    @property
    def judged(self) -> bool:
        return self.spacing <= SLOWEST_SPACING

    def note(self) -> dict:
        """What the page's history says of an unjudged run (DetectorState.unjudged_archives)."""
        return {
            "start": self.start,
            "end": self.end,
            "spacing": round(self.spacing),
            "counts": self.counts,
        }


def runs(interval: float, records: Sequence[detect.Span | detect.Miss]) -> list[Run]:
    """The archive runs in a page's records (time order) that its own detector, at
    `interval`, leaves unjudged: those whose counts are spaced beyond `detect.judged_step`.

    Consecutive imported counts are one run, cut where their spacing changes so much that a
    detector at the whole run's spacing would not judge the steps (a few monthly snapshots
    before years of daily counts): those steps are a run of their own, at their own spacing."""
    found, current = [], []
    for record in [*records, None]:
        if isinstance(record, detect.Span) and record.imported:
            current.append(record)
            continue
        for run in _cut(current):
            if run.spacing > detect.judged_step(interval):
                found.append(run)
        current = []
    return found


def _cut(spans: list[detect.Span]) -> list[Run]:
    """`spans` (consecutive imported counts) as runs: cut between the steps a detector at
    their median spacing judges and those it does not; two runs share the count between."""
    spacing = _spacing(spans)
    if spacing is None:
        return []
    longest = detect.judged_step(spacing)
    pieces, start = [], 0
    for n in range(1, len(spans) - 1):
        long_before = spans[n].first_seen - spans[n - 1].last_seen > longest
        long_after = spans[n + 1].first_seen - spans[n].last_seen > longest
        if long_before != long_after:
            pieces.append(spans[start : n + 1])
            start = n
    pieces.append(spans[start:])
    return [Run(tuple(p), _spacing(p)) for p in pieces if _spacing(p) is not None]


def _spacing(spans: list[detect.Span]) -> float | None:
    """The median time between two consecutive counts of `spans` (a span of k identical
    counts holds k - 1 steps, evenly spread as far as it says); None for a single count."""
    steps: list[float] = []
    previous = None
    for span in spans:
        if previous is not None:
            steps.append(span.first_seen - previous.last_seen)
        if span.fetches > 1:
            steps += [(span.last_seen - span.first_seen) / (span.fetches - 1)] * (span.fetches - 1)
        previous = span
    return median(steps) if steps else None


def judge(
    run: Run,
    *,
    siblings: detect.Siblings | None = None,
    target: float = detect.DEFAULT_TARGET,
    fetches_per_flag: float = detect.DEFAULT_FETCHES_PER_FLAG,
) -> list[detect.Finding]:
    """The events of one judged archive run, by a detector at the run's own spacing."""
    detector = detect.Detector(
        round(run.spacing), siblings=siblings, target=target, fetches_per_flag=fetches_per_flag
    )
    detector.feed(run.spans)
    detector.end(run.end)
    found = sorted(detector.findings.values(), key=lambda f: (f.start, f.kind))
    for finding in found:
        finding.ongoing = False  # the archive ended; the page's own fetches follow it
        finding.details = {**(finding.details or {}), "archive_spacing": round(run.spacing)}
    return found


def review(
    interval: float,
    records: Sequence[detect.Span | detect.Miss],
    findings: list[detect.Finding],
    *,
    siblings: detect.Siblings | None = None,
    target: float = detect.DEFAULT_TARGET,
    fetches_per_flag: float = detect.DEFAULT_FETCHES_PER_FLAG,
) -> tuple[list[detect.Finding], list[dict]]:
    """The page's findings from its whole history (`records`, time order) with each archive
    run it could not judge judged at its own spacing, and notes on the runs too slow to judge.

    The page detector's findings inside a run judged here are left out (one judge a stretch);
    its gaps and stale runs are kept (it makes none from imported counts)."""
    archive_runs = runs(interval, records)
    judged = [run for run in archive_runs if run.judged]
    kept = [
        f
        for f in findings
        if f.kind in (detect.GAP, detect.STALE)
        or not any(run.start <= f.start and f.end <= run.end for run in judged)
    ]
    for run in judged:
        kept += judge(run, siblings=siblings, target=target, fetches_per_flag=fetches_per_flag)
    return kept, [run.note() for run in archive_runs if not run.judged]


def unjudged(page) -> list[dict]:
    """The page's archive runs read but not judged, oldest first, as its history shows them:
    `start` and `end` (datetimes), `spacing` (words: "7 days"), `counts`."""
    from likewatch.events.models import DetectorState

    notes = (
        DetectorState.objects.filter(page=page).values_list("unjudged_archives", flat=True).first()
    )
    return [
        {
            "start": datetime.fromtimestamp(note["start"], UTC),
            "end": datetime.fromtimestamp(note["end"], UTC),
            "spacing": formatting.duration(timedelta(seconds=note["spacing"])),
            "counts": note["counts"],
        }
        for note in notes or []
    ]
