"""Quiet is not stale: a page that truly does not change, or a count that stopped.

A count that reads the same for hours is either a quiet page (a small page at night, a
dormant account) or a number the platform keeps serving from a cache that stopped. The one
rule that tells them apart lives here, and every "stale" decision goes through `judge`:

1. **The answers' own dates.** Each answer is dated by its HTTP metadata (Date, Age,
   Last-Modified: likewatch.sources.freshness), and each span of the history keeps the date
   of the answer at its last fetch (`Observation.answer_produced_at`, written by the one
   write path, carried into segments by the compaction). A flat run is one span, so its own
   answer date is asked, whether the run still lasts (live) or ended long ago (a rescan): the
   two judge it alike. An answer produced before the run began (within `ANSWER_SLACK`) is a
   cache that stopped: stale, whatever else says (`STOPPED`). An answer produced at the run's
   last fetch is the platform answering afresh with the same count: quiet (`FRESH`), unless
   all the platform's pages stopped (2). Answers that carry no date, or a date in between (a
   cache that refreshes slowly), leave it to the rules below. Spans recorded before they
   kept dates have none (only a page's newest span got its page's date when they began to).
2. **The page's own flat runs.** likewatch.events.detect learns, hour of the week by hour of the
   week, how often the page's count stays put between two fetches, and proposes a *stale*
   event only when the run is less likely than `detect.STALE_PROBABILITY` by that history
   (`likelihood` below). Quiet nights the page has had before are never proposed.
3. **The other tracked pages of the same platform**, over the same window (`peers`). If they
   stopped too (at most `STOPPED_SHARE` of them changed), the platform's answers stopped: the
   event is stale, and says so of the platform. If they kept changing, the platform was
   answering with live counts, and a cache stuck on this one page is much less likely than a
   page that is simply quiet: the page's own evidence must then be `PAGE_CACHE_ODDS` times
   stronger (a longer run) before the count is called stale; short of that the run is quiet
   and no event is kept.
4. Too few peers to say (fewer than `MIN_PEERS` fetched over the window): the page's own
   history decides alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from likewatch.events import detect

MIN_PEERS = 3  # other pages of the platform fetched over the window, to say anything
MAX_PEERS = 50  # read at most this many (the most recently fetched)
STOPPED_SHARE = 0.1  # at most this share of the peers changed: the platform stopped
PAGE_CACHE_ODDS = 1e-3  # with the platform live, own evidence this much stronger
# Clocks and fetch spacing: an answer dated this close to a moment is taken as of that moment
# (at least this, or two of the page's intervals).
ANSWER_SLACK = 120.0

PLATFORM = "platform"  # the platform's counts stopped for its pages
PAGE = "page"  # this page's count stopped while the platform's others moved
OWN = "own"  # too few peers: by the page's own history alone
STOPPED = "answer"  # the platform's answers were produced before the run began
FRESH = "fresh"  # ...produced afresh at the run's last fetch, with the same count: quiet
QUIET = "quiet"


@dataclass(frozen=True)
class Verdict:
    stale: bool
    reason: str  # PLATFORM, PAGE, OWN or QUIET
    peers: int = 0  # other pages of the platform fetched over the window
    moved: int = 0  # ...of which changed

    def details(self) -> dict:
        return {"quiet_rule": self.reason, "peers": self.peers, "peers_moved": self.moved}


def by_answer(
    produced: float | None, start: float, end: float, slack: float = ANSWER_SLACK
) -> bool | None:
    """What the date of the answer at a flat run's last fetch (`produced`, epoch seconds) says
    of the run from `start` to `end`: True (stale) when it was produced before the run began,
    False (fresh) when produced at the run's last fetch, None when it cannot say."""
    if produced is None:
        return None
    if produced <= start + slack:
        return True
    if produced >= end - slack:
        return False
    return None


def judge(likelihood: float, peers: int, moved: int, answer: bool | None = None) -> Verdict:
    """Stale or quiet, for a flat run the page's own history gives `likelihood` (the chance
    of staying flat that long), while `moved` of `peers` other pages of its platform changed,
    and the answers' own dates say `answer` (`by_answer`)."""
    if answer is True:
        return Verdict(True, STOPPED, peers, moved)
    if peers >= MIN_PEERS and moved <= STOPPED_SHARE * peers:
        return Verdict(True, PLATFORM, peers, moved)
    if answer is False:
        return Verdict(False, FRESH, peers, moved)
    if peers >= MIN_PEERS:
        stale = likelihood < detect.STALE_PROBABILITY * PAGE_CACHE_ODDS
        return Verdict(stale, PAGE if stale else QUIET, peers, moved)
    stale = likelihood < detect.STALE_PROBABILITY
    return Verdict(stale, OWN if stale else QUIET, peers, moved)


def answer_witness(page, finding: detect.Finding) -> bool | None:
    """`by_answer` for `page`'s flat run `finding` (a stale proposal: one span, `seq_from`),
    by the date of the answer at the span's last fetch, as the history keeps it."""
    from likewatch.tracking import records

    span = next(
        (
            r
            for r in records.records(page, seq_from=finding.seq_from, seq_to=finding.seq_from)
            if isinstance(r, records.Span)
        ),
        None,
    )
    if span is None or span.answer_produced_at is None:
        return None
    slack = max(ANSWER_SLACK, 2.0 * (page.interval or 0))
    return by_answer(span.answer_produced_at.timestamp(), finding.start, finding.end, slack)


def review(page, findings: list[detect.Finding]) -> tuple[list[detect.Finding], set]:
    """The findings with each stale one judged (kept with the verdict in its details, or
    left out as quiet), and the keys of those left out (to withdraw a stored one)."""
    kept, quiet = [], set()
    for finding in findings:
        if finding.kind != detect.STALE:
            kept.append(finding)
            continue
        likelihood = float((finding.details or {}).get("likelihood", 1 - finding.confidence))
        peers, moved = peers_moving(page, finding.start, finding.end)
        answer = answer_witness(page, finding)
        verdict = judge(likelihood, peers, moved, answer)
        if not verdict.stale:
            quiet.add(finding.key)
            continue
        finding.details = {**(finding.details or {}), **verdict.details()}
        kept.append(finding)
    return kept, quiet


def peers_moving(page, start: float, end: float) -> tuple[int, int]:
    """(other pages of `page`'s platform read over [start, end], how many of them changed)."""
    from likewatch.tracking import records
    from likewatch.tracking.models import Page

    since = datetime.fromtimestamp(start, tz=UTC)
    until = datetime.fromtimestamp(end, tz=UTC)
    ids = list(
        Page.objects.filter(platform=page.platform, last_success_at__gte=until)
        .exclude(pk=page.pk)
        .order_by("-last_success_at")
        .values_list("pk", flat=True)[:MAX_PEERS]
    )
    if not ids:
        return 0, 0
    peers = moved = 0
    for rows in records.many(ids, start=since).values():
        spans = [r for r in rows if isinstance(r, records.Span) and r.value is not None]
        read = [s for s in spans if s.first_seen <= until and s.last_seen >= since]
        if not read:
            continue
        peers += 1
        # A span that began inside the window is a change read inside it.
        if any(since < s.first_seen <= until for s in spans):
            moved += 1
    return peers, moved
