"""The poller's consumers run on a thread of their own, beside its rounds.

Once a round commits, the history's consumers (rollups, the log, fan-out, alerts, live
detection: likewatch.tracking.consumers) take it. Run in the poller's thread, they held the
next round back: after hours of history live detection alone takes most of a round's time at
ten thousand pages a minute, and every page due meanwhile waited for it. What the schedule
promises is the fetch and its commit; what follows can trail the write by a moment without
delaying the next one.

So the poller hands each committed round to `Deliveries`, whose thread delivers the rounds in
commit order, with the same guarantees (`consumers.deliver`: each consumer's work and its
cursor commit together; a failing consumer catches up from the journal). A thread, not a
process: the rounds' pages and rows are handed over in memory, as they were in the poller's
thread. The thread uses its own database connection; the poller's thread keeps its own.
When the consumers are slower than the rounds for a while, the rounds queue up here and
the paced consumers (live detection) take them in fewer, larger batches.

Not on SQLite: it takes one writer at a time, so a consumer's transaction on another thread
would hold the next round's write back all the same (and a long one would time it out). There
the consumers run in the poller's thread, after each round, as before.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, connection, connections

from likewatch.tracking import consumers

log = logging.getLogger("likewatch.poller")

# While no round comes, look this often for rounds held for a paced consumer whose turn came.
IDLE_SECONDS = 0.5


class Deliveries:
    """A thread that delivers the rounds a poller commits to the history's consumers.

    `start` in the poller's thread (the one that writes), `stop` in the same thread: it
    returns once every round committed before it was delivered. `done(seconds)` is called
    after each delivered round with how long it waited since its commit and took.
    """

    @staticmethod
    def possible() -> bool:
        """Whether the database lets the consumers write while the poller does (module doc)."""
        return connection.vendor != "sqlite"

    def __init__(self, name: str, done: Callable[[float], None] | None = None) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=f"{name} consumers", daemon=True)
        self._done = done

    def start(self) -> None:
        self._thread.start()
        consumers.hand_off(self._put)

    def stop(self) -> None:
        consumers.hand_off(None)
        self._queue.put(None)
        self._thread.join()

    def _put(self, *args: Any) -> None:
        self._queue.put((time.monotonic(), args))

    def _run(self) -> None:
        try:
            while True:
                try:
                    item = self._queue.get(timeout=IDLE_SECONDS)
                except queue.Empty:
                    # Rounds held for a paced consumer are not held until the next round.
                    self._safely(consumers.catch_up_paced)
                    continue
                if item is None:
                    return
                committed, args = item
                self._safely(consumers.deliver, *args)
                if self._done is not None:
                    self._done(time.monotonic() - committed)
        finally:
            connections.close_all()  # this thread's connection only (they are per thread)

    @staticmethod
    def _safely(work: Callable, *args: Any) -> None:
        # `deliver` reports a consumer's failure itself; this keeps the thread alive through
        # anything else (the journal's pruning, an outage): the consumers catch up from their
        # cursors at the next delivery.
        try:
            work(*args)
        except DatabaseError as exc:
            log.warning("the history's consumers will catch up later: %s", exc)
            connections.close_all()  # a broken connection is reopened on the next query
        except Exception:
            log.exception("delivering a round to the history's consumers failed")
