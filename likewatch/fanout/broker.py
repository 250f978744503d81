"""The live-update broker for several web processes: pushed by the pollers, not polled.

Set LIKEWATCH_LIVE_BROKER=likewatch.fanout.broker.PubSubBroker (docs/production.md does).
Each web process then holds one listening connection (PostgreSQL LISTEN, or Redis SUBSCRIBE
when REDIS_URL is set) whatever its number of visitors, and wakes its boards as soon as a
poller commits: no web process reads the database to find out what changed, and none keeps
state another one needs, so any number of them can sit behind a load balancer.

Messages sent while a listener reconnects are lost; it then re-reads the watched pages' state
once (`resync`). As a last safety net the watched pages are also re-read every
LIKEWATCH_LIVE_RESYNC seconds (60 by default). On SQLite, with nothing to listen to, the broker
behaves exactly like the database-watching one.
"""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import sync_to_async
from django.conf import settings

from likewatch.fanout.listen import Listener, make_listener
from likewatch.web.live import DatabaseWatchBroker, Subscription, page_states

log = logging.getLogger("likewatch.fanout")


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
