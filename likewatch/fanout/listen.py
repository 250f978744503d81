"""Listening for page changes published by other processes, reconnecting on its own.

A web process runs one listener on its event loop. Each message becomes a call to `deliver`
with {page_id: state}. When the connection is lost (a PostgreSQL restart, a Redis failover)
the listener reconnects with a growing pause; messages sent meanwhile are lost, so after every
reconnection it calls `resync`, which should re-read the watched pages' state from the
database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from django.conf import settings
from django.db import connection

from likewatch.fanout import messages
from likewatch.fanout.publish import transport

log = logging.getLogger("likewatch.fanout")
Deliver = Callable[[dict[int, str]], None]
Resync = Callable[[], Awaitable[None]]
MAX_PAUSE = 10.0
HEALTH_CHECK = 15.0  # seconds of silence after which the connection is tested


class Listener:
    """Base: the reconnect loop. Subclasses implement `listen` for one connection's life."""

    def __init__(self, deliver: Deliver, resync: Resync | None = None) -> None:
        self.deliver = deliver
        self.resync = resync
        self.channel = settings.LIKEWATCH_LIVE_CHANNEL
        self.connected = asyncio.Event()
        self.connections = 0

    async def run(self) -> None:
        """Listen until cancelled, reconnecting after every failure."""
        pause = 0.5
        while True:
            try:
                await self.listen()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.connected.clear()
                log.warning("live updates: listener lost (%s); reconnecting in %.1f s", exc, pause)
                await asyncio.sleep(pause)
                pause = min(MAX_PAUSE, pause * 2)
                continue
            pause = 0.5

    async def listen(self) -> None:
        raise NotImplementedError

    async def _now_listening(self) -> None:
        self.connections += 1
        self.connected.set()
        if self.connections > 1 and self.resync is not None:
            await self.resync()

    def _receive(self, payload: str) -> None:
        changes = messages.unpack(payload)
        if changes:
            self.deliver(changes)


class PostgresListener(Listener):
    """LISTEN on the live channel with its own connection (never one of Django's)."""

    async def listen(self) -> None:
        import psycopg

        params = connection.settings_dict
        async with await psycopg.AsyncConnection.connect(
            host=params["HOST"] or None,
            port=params["PORT"] or None,
            dbname=params["NAME"],
            user=params["USER"] or None,
            password=params["PASSWORD"] or None,
            autocommit=True,
            connect_timeout=5,
            keepalives=1,
            keepalives_idle=10,
            keepalives_interval=5,
            keepalives_count=3,
        ) as conn:
            await conn.execute(f'LISTEN "{self.channel}"')
            await self._now_listening()
            while True:
                async for notify in conn.notifies(timeout=HEALTH_CHECK):
                    self._receive(notify.payload)
                # A quiet spell: make sure the server is still there.
                await conn.execute("SELECT 1")


class RedisListener(Listener):
    """SUBSCRIBE to the live channel on REDIS_URL."""

    async def listen(self) -> None:
        import redis.asyncio as redis

        client = redis.Redis.from_url(settings.REDIS_URL, health_check_interval=HEALTH_CHECK)
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self.channel)
            await self._now_listening()
            while True:
                message = await pubsub.get_message(timeout=HEALTH_CHECK)
                if message is None:
                    await client.ping()
                    continue
                data = message["data"]
                self._receive(data.decode() if isinstance(data, bytes) else str(data))
        finally:
            await pubsub.aclose()
            await client.aclose()


def make_listener(deliver: Deliver, resync: Resync | None = None) -> Listener | None:
    """The listener for this deployment's transport, or None on SQLite (nothing to hear)."""
    kind = transport()
    if kind == "redis":
        return RedisListener(deliver, resync)
    if kind == "postgresql":
        return PostgresListener(deliver, resync)
    return None
