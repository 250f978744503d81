"""Live updates: which pages have new history, told to every open board without polling per
client.

The seam is `Broker`: a board subscribes to its pages and waits; the broker wakes it with the
ids of the pages whose history moved. The web's boards listen here; nothing here knows of the
web. LIKEWATCH_LIVE_BROKER chooses the broker class:

- `DatabaseWatchBroker` (the default) needs nothing but the database: one task per process
  reads the watched pages' `last_seq` (and `last_success_at`, which moves when a repeated value
  extends a span, and `flags_changed_at`, which moves with a flagged gain or drop) once per
  tick (one query, shared by every listener in the process) and compares it with what it saw
  before.
- `PubSubBroker`, for several web processes (docs/production.md sets it), is pushed by the
  pollers, not polled. Each web process holds one listening connection (PostgreSQL LISTEN, or
  Redis SUBSCRIBE when REDIS_URL is set) whatever its number of visitors, and wakes its boards
  as soon as a poller commits: no web process reads the database to find out what changed, and
  none keeps state another one needs, so any number of them can sit behind a load balancer.
  Messages sent while a listener reconnects are lost; it then re-reads the watched pages'
  state once (`resync`). As a last safety net the watched pages are also re-read every
  LIKEWATCH_LIVE_RESYNC seconds (60 by default). On SQLite, with nothing to listen to, it
  behaves exactly like the database-watching one.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable

from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils.module_loading import import_string

from likewatch.fanout.listen import Listener, make_listener
from likewatch.fanout.messages import page_state
from likewatch.tracking.models import Page

log = logging.getLogger("likewatch.fanout")


class Subscription:
    """One listener's interest in some pages; `wait` returns the ones that changed."""

    def __init__(self, broker: Broker, page_ids: Iterable[int]):
        self.broker = broker
        self.page_ids = frozenset(page_ids)
        self._changed: set[int] = set()
        self._waiter: asyncio.Future | None = None

    def notify(self, changed: set[int]) -> None:
        mine = changed & self.page_ids
        if mine:
            self._changed |= mine
            _settle(self._waiter)

    async def wait(self, timeout: float) -> set[int]:
        """The pages that changed since the last call; empty after `timeout` seconds of quiet."""
        if not self._changed:
            # A bare future and a timer rather than asyncio.wait_for: one change wakes every
            # listener of the process, and wait_for costs several task switches per wake-up.
            loop = asyncio.get_running_loop()
            self._waiter = loop.create_future()
            timer = loop.call_later(timeout, _settle, self._waiter)
            try:
                await self._waiter
            finally:
                timer.cancel()
                self._waiter = None
        changed, self._changed = self._changed, set()
        return changed

    def close(self) -> None:
        self.broker.unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _settle(waiter: asyncio.Future | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


class Broker(ABC):
    """Tells subscribers which of their pages have new history."""

    def __init__(self) -> None:
        self.subscriptions: set[Subscription] = set()
        self.versions: dict[int, str] = {}

    def subscribe(self, page_ids: Iterable[int]) -> Subscription:
        subscription = Subscription(self, page_ids)
        self.subscriptions.add(subscription)
        self.started(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self.subscriptions.discard(subscription)

    def notify(self, changes: dict[int, str]) -> None:
        """Record pages' new state and wake their subscribers (call it on the event loop).

        A state is an opaque string that changes whenever the page's board entry may change:
        see `page_state`.
        """
        self.versions.update(changes)
        changed = set(changes)
        for subscription in list(self.subscriptions):
            subscription.notify(changed)

    def seed(self, states: dict[int, str]) -> None:
        """Take a listener's own reading as the reference for pages the broker has not seen."""
        for pk, state in states.items():
            self.versions.setdefault(pk, state)

    def version(self, page_ids: Iterable[int]) -> str:
        """The state of these pages as far as the broker knows: an event id and cache key."""
        return version(page_ids, self.versions)

    def watched(self) -> set[int]:
        return set().union(*(s.page_ids for s in self.subscriptions))

    @abstractmethod
    def started(self, subscription: Subscription) -> None:
        """A subscription was added: make sure changes to its pages will be noticed."""


class DatabaseWatchBroker(Broker):
    """Watches the pages' `last_seq` in the database: one query per tick for the whole process.

    Works on any database, including SQLite with the poller in another process. The watching
    task runs only while someone listens, and stops by itself when the last listener leaves.
    """

    def __init__(self, tick: float | None = None) -> None:
        super().__init__()
        self.tick = tick if tick is not None else settings.LIKEWATCH_LIVE_TICK
        self.queries = 0
        self._task: asyncio.Task | None = None

    def started(self, subscription: Subscription) -> None:
        if self._task is None or self._task.done():
            # What was seen before a quiet spell is out of date: start from what is there now.
            self.versions.clear()
            self._task = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        while self.subscriptions:
            await asyncio.sleep(self.tick)
            try:
                await self.check()
            except Exception:
                # A locked or restarting database must not end live updates for everyone.
                log.exception("live updates: reading the pages' state failed; retrying")

    async def check(self) -> set[int]:
        """Read the watched pages' state once; notify and return the pages that moved."""
        watched = self.watched()
        if not watched:
            return set()
        current = await sync_to_async(page_states)(watched)
        self.queries += 1
        # A page seen for the first time only sets the reference: its listeners compared
        # their own state when they connected.
        fresh = {pk: seq for pk, seq in current.items() if pk not in self.versions}
        self.versions.update(fresh)
        changes = {pk: seq for pk, seq in current.items() if self.versions[pk] != seq}
        if changes:
            self.notify(changes)
        return set(changes)


def version(page_ids: Iterable[int], states: dict[int, str]) -> str:
    """Several pages' states as one string (the board's version)."""
    return ".".join(states.get(pk, "?") for pk in page_ids)


def page_states(page_ids: Iterable[int]) -> dict[int, str]:
    """Each page's live state: one query."""
    rows = Page.objects.filter(pk__in=page_ids).values_list(
        "pk", "last_seq", "last_success_at", "flags_changed_at"
    )
    return {pk: page_state(seq, at, flags) for pk, seq, at, flags in rows}


_broker: Broker | None = None
_broker_loop: asyncio.AbstractEventLoop | None = None


def get_broker() -> Broker:
    """The process's broker (class from LIKEWATCH_LIVE_BROKER), one per event loop."""
    global _broker, _broker_loop
    loop = asyncio.get_running_loop()
    if _broker is None or _broker_loop is not loop:
        _broker = import_string(settings.LIKEWATCH_LIVE_BROKER)()
        _broker_loop = loop
    return _broker


class PubSubBroker(DatabaseWatchBroker):
    """Wakes subscribers on messages from the pollers; re-reads state only as a safety net."""

    def __init__(self, tick: float | None = None) -> None:
        super().__init__(tick)
        self.listener: Listener | None = make_listener(self._deliver, self.resync)
        self._listening: asyncio.Task | None = None
        if self.listener is not None:
            self.tick = getattr(settings, "LIKEWATCH_LIVE_RESYNC", 60.0)

    def started(self, subscription: Subscription) -> None:
        if self.listener is not None and (self._listening is None or self._listening.done()):
            self._listening = asyncio.get_running_loop().create_task(self.listener.run())
        super().started(subscription)

    def _deliver(self, changes: dict[int, str]) -> None:
        # Only the pages someone here watches are worth remembering.
        watched = self.watched()
        mine = {pk: state for pk, state in changes.items() if pk in watched}
        if mine:
            self.notify({pk: s for pk, s in mine.items() if self.versions.get(pk) != s})

    async def resync(self) -> None:
        """Re-read the watched pages' state after messages may have been missed."""
        watched = self.watched()
        if not watched:
            return
        current = await sync_to_async(page_states)(watched)
        changes = {pk: s for pk, s in current.items() if self.versions.get(pk) != s}
        if changes:
            self.notify(changes)
