"""The poller: claim what is due, read it in batches, record what came back.

One poller process runs one asyncio event loop for its HTTP requests and does its database
work between requests, on its own thread. Pages of one platform are read one batch at a time
(the platform's rate budget is the scarce resource); different platforms are read at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, OperationalError, connections, transaction
from django.utils import timezone

from likewatch.organisers.credentials import source_config
from likewatch.poller import claims
from likewatch.poller.deliveries import Deliveries
from likewatch.sources import registry
from likewatch.sources.base import Count, Reading, Source, plausible
from likewatch.sources.errors import InvalidAnswer, RateLimited, SourceError, Transient
from likewatch.tracking import chores, consumers, history
from likewatch.tracking.models import Page

log = logging.getLogger("likewatch.poller")
MAX_BACKOFF = 3600
RETRY_SECONDS = 5
# With nothing scheduled, look at the schedule at least this often: pages may be added
# meanwhile. With a round scheduled, the poller sleeps until it, up to claims.round_horizon.
MAX_IDLE = 5.0
JITTER = 0.1  # of the sleep before a round (see _wait_seconds)
# Pages of one-page-per-request sources (JSON endpoints, web pages) read side by side.
SINGLE_PAGE_READS = 8


@dataclass
class Outcome:
    """What one fetch of one page produced: a count or an error."""

    page: Page
    result: Count | SourceError | None  # None: not fetched, the platform asked us to wait
    at: datetime
    duration_ms: int
    reading: Reading | None = None


def round_summary(outcomes: list[Outcome]) -> str:
    """What a round did, honestly: '6 page(s) claimed: 0 read, 6 failed (rate_limited 6)'."""
    read = sum(isinstance(o.result, Count) for o in outcomes)
    waited = sum(o.result is None for o in outcomes)
    kinds: dict[str, int] = {}
    for o in outcomes:
        if isinstance(o.result, SourceError):
            kinds[o.result.kind] = kinds.get(o.result.kind, 0) + 1
    failed = sum(kinds.values())
    text = f"{len(outcomes)} page(s) claimed: {read} read, {failed} failed"
    if kinds:
        text += " (" + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) + ")"
    if waited:
        text += f", {waited} put off (the platform asked to wait)"
    return text


class Poller:
    """Fetches due pages until stopped. Safe to run several at once, on several machines."""

    def __init__(self, owner: str | None = None, limit: int = 500) -> None:
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}"
        self.limit = limit
        self.loop = asyncio.new_event_loop()
        self.sources: dict[str, Source] = {}
        # A round is worth starting once this many pages are due: the largest request any
        # platform takes (see claims.round_start).
        self.full_request = max(registry.source_class(p).batch_size for p in registry.platforms())
        # What the last round did, in one line (see round_summary).
        self.last_round = ""
        # What the chores need loaded is loaded at start: a library that takes a second to
        # import (the effect estimate's statistics) would otherwise hold a round behind it.
        chores.load()
        # The consumers' thread while run_forever runs on PostgreSQL (poller.deliveries): the
        # after-round chores then run there, once a round was delivered (see _after_round).
        self._deliveries: Deliveries | None = None
        # One thread at a time runs the after-round chores; when they last ran, and when the
        # last round was recorded (monotonic seconds): the idle pass skips them after either.
        self._chores_lock = threading.Lock()
        self._chores_at = self._recorded_at = float("-inf")
        # Whether the sleep _wait_seconds last gave lasts until the round it found scheduled.
        self._sleeps_until_round = False

    def source(self, platform: str) -> Source:
        if platform not in self.sources:
            self.sources[platform] = registry.make_source(platform, source_config(platform))
        return self.sources[platform]

    def run_once(self, now: datetime | None = None) -> int:
        """Fetch every page due now (up to `limit`); return how many were fetched."""
        pages = claims.claim_due(self.owner, self.limit, now)
        if not pages:
            return 0
        for platform in {page.platform for page in pages}:
            self.source(platform)  # built here: reading stored tokens needs no event loop
        outcomes = self.loop.run_until_complete(self._fetch(pages))
        self._record_round(outcomes)
        self._recorded_at = time.monotonic()
        self.last_round = round_summary(outcomes)
        failed = any(isinstance(o.result, SourceError) for o in outcomes)
        log.log(logging.WARNING if failed else logging.INFO, "round: %s", self.last_round)
        if self._deliveries is None:  # else the consumers' thread runs them (_delivered)
            self._after_round()
        return len(pages)

    def _after_round(self, *, unless_busy: bool = False) -> None:
        """The apps' work beside the rounds (tracking.chores): the transparency log's signed
        checkpoint, so what a round wrote is covered within seconds; the daily pruning.

        With the consumers on a thread of their own they run there, after the round reached
        the consumers. Run here right after the commit, the checkpoint raced the log's
        consumer for the round: it appended the round's leaves itself, reading back from the
        database the rows the consumer had in hand, while the consumer waited on its cursor
        row and then found nothing to do (a quarter of the poller's CPU at 200 pages a minute,
        costround profile). `unless_busy`: skip them if the other thread is running them.
        """
        if not self._chores_lock.acquire(blocking=not unless_busy):
            return
        try:
            chores.after_round()
            self._chores_at = time.monotonic()
        finally:
            self._chores_lock.release()

    def _delivered(self, seconds: float) -> None:
        # On the consumers' thread, once a round reached every consumer.
        self._consumers_done(seconds)
        self._after_round()

    def run_forever(self, stop: threading.Event | None = None) -> None:
        """Poll until `stop` is set, sleeping until the next round is worth starting.

        On PostgreSQL the history's consumers take each committed round on a thread of their
        own (poller.deliveries), so the next round does not wait for them.
        """
        stop = stop or threading.Event()
        log.info("poller %s started", self.owner)
        # A round a second: analysis consumers take several rounds at once (tracking.consumers).
        consumers.pace()
        self._catch_up()
        deliveries = Deliveries(self.owner, self._delivered) if Deliveries.possible() else None
        if deliveries is not None:
            deliveries.start()
            self._deliveries = deliveries
        try:
            self._poll(stop, deliveries)
        finally:
            if deliveries is not None:
                self._deliveries = None
                deliveries.stop()  # every round recorded is delivered before the poller ends
        # Stopping: nothing held back for a paced consumer waits for a restart.
        consumers.pace(False)
        self._catch_up()

    def _poll(self, stop: threading.Event, deliveries: Deliveries | None) -> None:
        round_due = False
        while not stop.is_set():
            try:
                # Woken at the round it slept for, the poller claims it at once: looking at
                # the schedule again only to find the round due was a query a round.
                wait = 0.0 if round_due else self._wait_seconds()
                round_due = False
                fetched = self.run_once() if wait <= 0 else None
            except DatabaseError as exc:
                # An outage or a full disk must not end the poller: what was recorded stays
                # recorded, what could not be is a gap, and the poller resumes on its own.
                log.error("%s Retrying in %d s.", database_trouble(exc), RETRY_SECONDS)
                connections.close_all()  # a broken connection is reopened on the next query
                stop.wait(RETRY_SECONDS)
                continue
            except Exception:
                log.exception("poll round failed; retrying in %d s", RETRY_SECONDS)
                stop.wait(RETRY_SECONDS)
                continue
            # run_once logged what the round read and what failed.
            if fetched is None:
                # Idle: sign what others wrote meanwhile (a page added, an annotation), so
                # it too is covered within seconds, not at this poller's next round. Not
                # right after a round, or the chores run after it: the poller passes here
                # after every round, and the second run found nothing new but still cost
                # its queries (ten for the checkpoint alone).
                if time.monotonic() - max(self._chores_at, self._recorded_at) >= MAX_IDLE:
                    self._after_round(unless_busy=True)
                if deliveries is None:  # else the consumers' thread looks for them
                    consumers.catch_up_paced()  # rounds held for a paced consumer, its turn come
                if wait > 2 and chores.spare_time():
                    continue  # that took a while: see what is due now
                round_due = not stop.wait(wait) and self._sleeps_until_round
            # else another poller claimed them first: on to the next round at once, as the
            # quickest one does, or the one that won once would win every round after.

    def _consumers_done(self, seconds: float) -> None:
        """Called on the consumers' thread once a round was delivered, `seconds` after its
        commit (for measuring how far the consumers trail the write; nothing to do here)."""

    @staticmethod
    def _catch_up() -> None:
        # A process killed between a round's commit and its consumers left them behind; each
        # resumes from its cursor. Derived data: never a reason not to poll.
        try:
            caught = consumers.catch_up()
        except Exception:
            log.exception("could not catch the history's consumers up")
            return
        for name, records in caught.items():
            if records > 0:
                log.info("consumer %s caught up %d record(s)", name, records)

    def close(self) -> None:
        for source in self.sources.values():
            self.loop.run_until_complete(source.aclose())
        self.sources.clear()
        self.loop.close()

    def _wait_seconds(self) -> float:
        """Seconds until the next round should start; 0 or less when it should start now."""
        self._sleeps_until_round = False
        wait = settings.LIKEWATCH_BATCH_WAIT_SECONDS
        start = claims.round_start(self.full_request, wait)
        if start is None:
            return MAX_IDLE
        seconds = (start - timezone.now()).total_seconds()
        if seconds <= 0:
            return seconds
        # Pollers sharing the pages would all wake at the same moment and the quickest would
        # take every round; a little jitter lets each of them win rounds in turn. A share of
        # the sleep, not of the batch wait: at ten thousand pages a minute the next round is
        # due in a fraction of a second, and a second of jitter (a tenth of the batch wait)
        # was a second more of every page's lag, where milliseconds part the pollers.
        #
        # The sleep lasts until that round, as long as no page added meanwhile could want an
        # earlier one (claims.round_horizon: with the defaults, a page added now waits ten
        # seconds for its round anyway). Waking every MAX_IDLE seconds to find the same round
        # still to come cost an idle look at the schedule and the chores (6.3 ms of CPU, load
        # 6.3) per round at 200 pages a minute, a tenth of what the poller spent.
        longest = max(MAX_IDLE, claims.round_horizon(wait))
        sleep = seconds + random.uniform(0, JITTER * min(wait, seconds))
        self._sleeps_until_round = sleep <= longest
        return min(longest, sleep)

    # Fetching -----------------------------------------------------------------------

    async def _fetch(self, pages: list[Page]) -> list[Outcome]:
        by_platform: dict[str, list[Page]] = defaultdict(list)
        for page in pages:
            by_platform[page.platform].append(page)
        groups = await asyncio.gather(
            *(self._fetch_platform(platform, group) for platform, group in by_platform.items())
        )
        return [outcome for group in groups for outcome in group]

    async def _fetch_platform(self, platform: str, pages: list[Page]) -> list[Outcome]:
        try:
            source = self.source(platform)
        except Exception as exc:  # an unknown platform or a broken configuration
            now = timezone.now()
            return [
                Outcome(p, Transient(f"no source for {platform}: {exc}"), now, 0) for p in pages
            ]
        by_key: dict[str, list[Page]] = defaultdict(list)
        for page in pages:
            by_key[page.platform_id].append(page)
        keys = list(by_key)
        if source.batch_size == 1:
            # One address per page (JSON endpoints, web pages), each on its own site: read them
            # side by side so that a slow site costs its own page, never the round.
            gate = asyncio.Semaphore(SINGLE_PAGE_READS)

            async def one(key: str) -> list[Outcome]:
                async with gate:
                    return await self._read_batch(source, [key], by_key)

            groups = await asyncio.gather(*(one(key) for key in keys))
            return [outcome for group in groups for outcome in group]
        outcomes: list[Outcome] = []
        for start in range(0, len(keys), source.batch_size):
            batch = keys[start : start + source.batch_size]
            outcomes.extend(await self._read_batch(source, batch, by_key))
        return outcomes

    async def _read_batch(
        self, source: Source, batch: list[str], by_key: dict[str, list[Page]]
    ) -> list[Outcome]:
        if not await _wait_for(source):
            now = timezone.now()
            return [Outcome(p, None, now, 0) for k in batch for p in by_key[k]]
        results, at, duration = await self._read(source, batch, by_key[batch[0]][0].options)
        outcomes: list[Outcome] = []
        for key in batch:
            outcomes.extend(_outcomes(by_key[key], results.get(key), at, duration))
        return outcomes

    @staticmethod
    async def _read(source: Source, keys: list[str], options: dict):
        started = time.monotonic()
        at = timezone.now()
        try:
            # The outbound guard bounds each request; this bounds a source's whole read (a
            # browser rendering a page, several requests), so no page can hold the round.
            async with asyncio.timeout(settings.LIKEWATCH_READ_DEADLINE):
                results = await source.read(keys, options)
        except TimeoutError:
            results = dict.fromkeys(
                keys, Transient(f"no answer within {settings.LIKEWATCH_READ_DEADLINE:g} s")
            )
        except SourceError as exc:
            if isinstance(exc, RateLimited) and exc.retry_at:
                source.cooldown_until = exc.retry_at
            results = dict.fromkeys(keys, exc)
        except Exception as exc:  # a bug in a source must cost one fetch, not the poller
            log.exception("source %s crashed", source.platform)
            results = dict.fromkeys(keys, Transient(f"internal error: {type(exc).__name__}"))
        return results, at, int((time.monotonic() - started) * 1000)

    # Recording ----------------------------------------------------------------------

    def _record_round(self, outcomes: list[Outcome]) -> None:
        """Record the round; when the database refuses it, record each page on its own.

        One page the database refuses (text it will not store, a value out of range) must not
        cost the round's other pages: its outcome becomes a failure saying so, or, should even
        that be refused, the page is released for its next interval. An outage (the database
        unreachable) is not retried page by page: it fails the round, as before.
        """
        try:
            self._record_together(outcomes)
        except OperationalError:
            raise
        except DatabaseError:
            log.exception("the round could not be recorded at once; recording page by page")
            for outcome in outcomes:
                self._record_alone(outcome)

    def _record_alone(self, outcome: Outcome) -> None:
        try:
            self._record_together([outcome])
            return
        except OperationalError:
            raise
        except DatabaseError:
            log.exception("page %s could not be recorded", outcome.page.pk)
        refused = Outcome(
            outcome.page,
            InvalidAnswer("the answer could not be stored (the database refused it)"),
            outcome.at,
            outcome.duration_ms,
        )
        try:
            self._record_together([refused])
        except OperationalError:
            raise
        except DatabaseError:
            log.exception("page %s: not even its failure could be recorded", outcome.page.pk)

    def _record_together(self, outcomes: list[Outcome]) -> None:
        """Record a round's outcomes in one transaction and give back the claims.

        One transaction and a fixed number of statements per round
        (tracking.history.record_batch) instead of a handful per page: at ten thousand pages a
        minute the database's round trips and commits, not the platform, set the pace. A
        database that fails altogether costs the round, which the next interval's claims fetch
        again: a gap, never a half-written record. Once it commits, the write path hands the
        round to the history's consumers (rollups, live boards, alerts, events).
        """
        entries: list[history.Entry] = []
        done: list[int] = []
        later: list[tuple[Page, datetime | None]] = []
        for o in outcomes:
            if o.result is None:  # not fetched: the platform asked us to wait
                source = self.sources.get(o.page.platform)
                later.append((o.page, getattr(source, "cooldown_until", None)))
                continue
            missed = _missed(o)
            if missed is not None:
                entries.append(missed)
            entries.append(
                history.Entry(
                    o.page,
                    o.result,
                    o.at,
                    provenance=o.reading.provenance if o.reading else "api",
                    source_url=o.reading.source_url if o.reading else "",
                    duration_ms=o.duration_ms,
                    raw=o.reading.raw if o.reading else None,
                    produced_at=o.reading.produced_at if o.reading else None,
                )
            )
        with transaction.atomic():
            # The claims first: the write path numbers its round last, and holds that number's
            # lock until the commit, which should come right after.
            for page, until in later:
                claims.release(page, until)
            for o in outcomes:
                if isinstance(o.result, Count):
                    _follow_rename(o.page, o.reading)
                    done.append(o.page.pk)
            # The leases of the pages read as planned (their next fetch is already set) end
            # in the statement that writes the pages' state: one write of each page row less.
            history.record_batch(entries, release=done)
            for o in outcomes:
                if o.result is not None and not isinstance(o.result, Count):
                    # The back-off reads failures_in_row as the write left it.
                    claims.release(o.page, _retry_time(o.page, o.result, o.at))


def _missed(outcome: Outcome) -> history.Entry | None:
    """A gap record for a page fetched more than a whole interval after it was due.

    While every poller is stopped, or the database is down, nothing is fetched and nothing can
    be recorded; without this record the span before would simply stretch over the silence,
    as if the page had been watched all along. One interval of delay is ordinary (a poller
    died mid-batch); more is an outage, and the history shows it as one.
    """
    page = outcome.page
    late = (outcome.at - page.next_fetch_at).total_seconds()
    if late <= page.interval or page.last_seq == 0:  # on time, or nothing to stretch
        return None
    error = Transient(
        f"not fetched for {late:,.0f} s after it was due: likewatch was not polling "
        "(stopped, or its database unavailable)"
    )
    # Just before the fetch that ends the silence, so the records stay in time order.
    return history.Entry(page, error, outcome.at - timedelta(microseconds=1))


def database_trouble(exc: DatabaseError) -> str:
    """One sentence for an operator about a database the poller cannot write to."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    lowered = text.lower()
    if "disk is full" in lowered or "no space left" in lowered or "disk i/o error" in lowered:
        return (
            f"Cannot write to the database: its disk is full ({text}). "
            "Free some space; nothing already recorded is lost."
        )
    return f"The database is unreachable or refused a write ({text})."


def _outcomes(pages: list[Page], result, at: datetime, duration: int) -> list[Outcome]:
    if result is None:
        result = InvalidAnswer("the platform's answer left this page out")
    if isinstance(result, SourceError):
        return [Outcome(page, result, at, duration) for page in pages]
    outcomes = []
    for page in pages:
        count = result.counts.get(page.metric)
        if count is None:
            count = InvalidAnswer(f"the answer has no {page.metric} count")
        elif isinstance(count, Count) and count.value is not None and not plausible(count.value):
            # Every source checks its counts (sources.base.checked_count); this is the same cap
            # for any that did not: recording an overflow would invent a collapse or a surge.
            count = InvalidAnswer(f"{page.metric} is {count.value:,}: not a count any page has")
        outcomes.append(Outcome(page, count, result.fetched_at, result.duration_ms, result))
    return outcomes


def _retry_time(page: Page, error: SourceError, now: datetime) -> datetime:
    """Exponential back-off from the page's interval, and never before the platform allows."""
    delay = min(
        page.interval * 2 ** max(0, page.failures_in_row - 1), max(MAX_BACKOFF, page.interval)
    )
    retry = now + timedelta(seconds=delay)
    retry_at = getattr(error, "retry_at", None)
    return max(retry, retry_at) if retry_at else retry


def _follow_rename(page: Page, reading: Reading) -> None:
    """Keep the display name and handle current; the stable id keeps the history together."""
    changes = {}
    if reading.name and reading.name != page.name:
        changes["name"] = reading.name
    if reading.handle and reading.handle != page.handle:
        changes["handle"] = reading.handle
    if changes:
        Page.objects.filter(pk=page.pk).update(**changes)
        for name, value in changes.items():
            setattr(page, name, value)


async def _wait_for(source: Source) -> bool:
    """Wait out a short cooldown; False when the platform asked for a longer pause."""
    cooldown = getattr(source, "cooldown_until", None)
    if cooldown is None:
        return True
    wait = (cooldown - timezone.now()).total_seconds()
    if wait > 30:
        # Not worth holding the round: the pages move to the cooldown's end instead.
        return False
    if wait > 0:
        await asyncio.sleep(wait)
    return True
