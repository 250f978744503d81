"""Quiet is not stale: a page that truly does not change, or a count that stopped.

A count that reads the same for hours is either a quiet page (a small page at night, a
dormant account) or a number the platform keeps serving from a cache that stopped. The one
rule that tells them apart lives here, and every "stale" decision goes through `judge`:

1. **The page's own flat runs.** likewatch.events.detect learns, hour of the week by hour of the
   week, how often the page's count stays put between two fetches, and proposes a *stale*
   event only when the run is less likely than `detect.STALE_PROBABILITY` by that history
   (`likelihood` below). Quiet nights the page has had before are never proposed.
2. **The other tracked pages of the same platform**, over the same window (`peers`). If they
   stopped too (at most `STOPPED_SHARE` of them changed), the platform's answers stopped: the
   event is stale, and says so of the platform. If they kept changing, the platform was
   answering with live counts, and a cache stuck on this one page is much less likely than a
   page that is simply quiet: the page's own evidence must then be `PAGE_CACHE_ODDS` times
   stronger (a longer run) before the count is called stale; short of that the run is quiet
   and no event is kept.
3. Too few peers to say (fewer than `MIN_PEERS` fetched over the window): the page's own
   history decides alone.

The answer's own metadata (an HTTP Age or Last-Modified, an ETag, a timestamp in the body)
would be a third witness, but the sources do not keep it with the history today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from likewatch.events import detect

MIN_PEERS = 3  # other pages of the platform fetched over the window, to say anything
MAX_PEERS = 50  # read at most this many (the most recently fetched)
STOPPED_SHARE = 0.1  # at most this share of the peers changed: the platform stopped
PAGE_CACHE_ODDS = 1e-3  # with the platform live, own evidence this much stronger

PLATFORM = "platform"  # the platform's counts stopped for its pages
PAGE = "page"  # this page's count stopped while the platform's others moved
OWN = "own"  # too few peers: by the page's own history alone
QUIET = "quiet"


@dataclass(frozen=True)
class Verdict:
    stale: bool
    reason: str  # PLATFORM, PAGE, OWN or QUIET
    peers: int = 0  # other pages of the platform fetched over the window
    moved: int = 0  # ...of which changed

    def details(self) -> dict:
        return {"quiet_rule": self.reason, "peers": self.peers, "peers_moved": self.moved}


def judge(likelihood: float, peers: int, moved: int) -> Verdict:
    """Stale or quiet, for a flat run the page's own history gives `likelihood` (the chance
    of staying flat that long), while `moved` of `peers` other pages of its platform changed."""
    if peers >= MIN_PEERS:
        if moved <= STOPPED_SHARE * peers:
            return Verdict(True, PLATFORM, peers, moved)
        stale = likelihood < detect.STALE_PROBABILITY * PAGE_CACHE_ODDS
        return Verdict(stale, PAGE if stale else QUIET, peers, moved)
    stale = likelihood < detect.STALE_PROBABILITY
    return Verdict(stale, OWN if stale else QUIET, peers, moved)


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
        verdict = judge(likelihood, peers, moved)
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
