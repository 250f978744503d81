"""Telling every web process which pages changed: the fan-out consumer of the history.

Each committed round of history writes reaches `consume` (likewatch.tracking.consumers), which
sends one message for the whole round: a round of five hundred pages costs one NOTIFY, not
five hundred. On PostgreSQL the NOTIFY is part of the consumer's transaction, so it goes out
exactly when the cursor moves; through Redis a message can be repeated after a crash, which a
listener takes in its stride (a message carries the page's state, not a change to apply).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection, transaction

from likewatch.fanout import messages
from likewatch.tracking import consumers

log = logging.getLogger("likewatch.fanout")
NAME = "fanout"


def transport() -> str | None:
    """'redis', 'postgresql' or None (SQLite: nothing to fan out)."""
    if settings.REDIS_URL:
        return "redis"
    if connection.vendor == "postgresql":
        return "postgresql"
    return None


def consume(batch: consumers.Batch) -> None:
    """Announce the batch's pages in their state after it (one message per 7,900 bytes)."""
    if transport() is None:
        return
    changes = {
        pk: messages.page_state(page.last_seq, page.last_success_at, page.flags_changed_at)
        for pk, page in batch.pages().items()
    }
    send(changes, strict=True)


def announce(page_ids: list[int]) -> None:
    """Announce these pages' state once the current transaction commits, for a change outside
    the history (a flag stored or reviewed): a listener woken before the commit would read the
    page as it was. Nothing to do where nothing is fanned out (SQLite: boards read the state
    themselves)."""
    if transport() is None or not page_ids:
        return
    # Imported here: the broker imports this module (its listener asks `transport`).
    from likewatch.fanout.broker import page_states

    transaction.on_commit(lambda: send(page_states(page_ids)))


def send(changes: dict[int, str], *, strict: bool = False) -> None:
    """Send changes now. A failure is logged, or raised when `strict` (the consumer retries)."""
    kind = transport() if changes else None
    if kind is None:
        return
    try:
        for payload in messages.pack(changes):
            if kind == "redis":
                _redis().publish(settings.LIKEWATCH_LIVE_CHANNEL, payload)
            else:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_notify(%s, %s)", [settings.LIKEWATCH_LIVE_CHANNEL, payload]
                    )
    except Exception as exc:  # DatabaseError, or redis-py's errors (not OSError subclasses)
        if strict:
            raise
        # Live boards catch up on their next change or reconnect; the history is safe.
        log.warning("could not publish %d page change(s): %s", len(changes), exc)


_redis_client = None


def _redis():
    global _redis_client
    if _redis_client is None:
        import redis

        _redis_client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
    return _redis_client
