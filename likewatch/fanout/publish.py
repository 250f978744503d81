"""Publishing page changes after commit, one message per batch of writes.

The history signals fire after each commit; each change is queued and sent at once, or, inside
`batched()` (the poller wraps each round's writes in it), once for the whole round: a round of
five hundred pages costs one NOTIFY, not five hundred.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from django.dispatch import receiver

from likewatch.fanout import messages
from likewatch.tracking.signals import failure_recorded, observation_recorded
from likewatch.web.live import page_state

log = logging.getLogger("likewatch.fanout")
_local = threading.local()


def transport() -> str | None:
    """'redis', 'postgresql' or None (SQLite: nothing to fan out)."""
    if settings.REDIS_URL:
        return "redis"
    if connection.vendor == "postgresql":
        return "postgresql"
    return None


@contextmanager
def batched():
    """Collect the changes published inside the block and send them once, at its end."""
    outer = getattr(_local, "pending", None)
    if outer is not None:
        yield
        return
    _local.pending = {}
    try:
        yield
    finally:
        pending, _local.pending = _local.pending, None
        send(pending)


def publish(page_id: int, state: str) -> None:
    """Tell every web process that `page_id` is now in `state`."""
    pending = getattr(_local, "pending", None)
    if pending is not None:
        pending[page_id] = state
    else:
        send({page_id: state})


def send(changes: dict[int, str]) -> None:
    """Send changes now; a failure is logged and never reaches the writer."""
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
        # Live boards catch up on their next change or reconnect; the history is safe.
        log.warning("could not publish %d page change(s): %s", len(changes), exc)


_redis_client = None


def _redis():
    global _redis_client
    if _redis_client is None:
        import redis

        _redis_client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
    return _redis_client


@receiver(observation_recorded, dispatch_uid="likewatch.fanout.observation")
def observation_committed(sender, page, **kwargs) -> None:
    publish(page.pk, page_state(page.last_seq, page.last_success_at))


@receiver(failure_recorded, dispatch_uid="likewatch.fanout.failure")
def failure_committed(sender, page, **kwargs) -> None:
    publish(page.pk, page_state(page.last_seq, page.last_success_at))
