"""Work a poller does beside its rounds, registered by the apps that own it.

The poller records counts; what is derived from them is done by the apps that own it, and
the poller imports none of them. A round's records reach the history's consumers through
`tracking.consumers`; the rest of that work is not tied to a round's records and registers
here, in the owning app's `AppConfig.ready`:

- `AFTER_ROUND` chores run after every round the poller recorded, and when it is idle (so
  that what another poller or the web wrote meanwhile is covered within seconds too): the
  transparency log's signed checkpoint, the daily pruning of expired raw answers (which
  keeps its own calendar).
- `SPARE_TIME` chores run only when the poller has seconds to spare before its next round,
  one at a time; each returns whether it did some work, since it may have taken a while
  and the poller then looks at what is due before sleeping: a campaign's effect estimate.
  One registered with `rest` that found nothing to do is not asked again for that many
  seconds: the poller has spare time after nearly every round, and the look itself (a
  query) cost more than the rounds' own queries when there was never anything to do.

A chore may name what it needs `load`ed: the poller loads it at start, since importing a
library that takes a second (the effect model's statistics) in the middle of polling would hold
a round behind it.

A chore that fails is logged and tried again at the next occasion: derived work can wait,
the measurements cannot.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError

log = logging.getLogger("likewatch.chores")

AFTER_ROUND, SPARE_TIME = "after-round", "spare-time"


@dataclass(frozen=True)
class Chore:
    name: str
    run: Callable[[], object]
    when: str
    order: int
    load: Callable[[], object] | None = None
    rest: float = 0.0


_chores: dict[str, Chore] = {}
# Monotonic time until which a SPARE_TIME chore that found nothing to do is not asked again.
_resting: dict[str, float] = {}


def register(
    name: str,
    run: Callable[[], object],
    *,
    when: str,
    order: int = 50,
    load: Callable[[], object] | None = None,
    rest: float = 0.0,
) -> None:
    """Have pollers call `run()` at `when` (AFTER_ROUND or SPARE_TIME), lowest order first,
    and `load()` once at their start. A SPARE_TIME chore whose `run()` did nothing (returned
    false) is not run again for `rest` seconds."""
    if when not in (AFTER_ROUND, SPARE_TIME):
        raise ValueError(f"a chore runs {AFTER_ROUND!r} or {SPARE_TIME!r}, not {when!r}")
    _chores[name] = Chore(name, run, when, order, load, rest)
    _resting.pop(name, None)


def unregister(name: str) -> None:
    _chores.pop(name, None)
    _resting.pop(name, None)


def registered(when: str) -> list[Chore]:
    return sorted((c for c in _chores.values() if c.when == when), key=lambda c: c.order)


def load() -> None:
    """Load what the chores need, once, before a poller's first round."""
    for chore in sorted(_chores.values(), key=lambda c: c.order):
        if chore.load is not None:
            chore.load()


def after_round() -> None:
    """Run every AFTER_ROUND chore; one's failure does not keep the others from running."""
    for chore in registered(AFTER_ROUND):
        _run(chore)


def spare_time() -> bool:
    """Run SPARE_TIME chores until one does some work; return whether one did.

    A chore resting (it found nothing to do less than its `rest` ago) is not run.
    """
    for chore in registered(SPARE_TIME):
        now = time.monotonic()
        if _resting.get(chore.name, now) > now:
            continue
        if _run(chore):
            return True
        if chore.rest:
            _resting[chore.name] = now + chore.rest
    return False


def _run(chore: Chore) -> bool:
    try:
        return bool(chore.run())
    except DatabaseError as exc:  # an outage: one line, as the poller says of a round
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        log.error("%s postponed: the database refused it (%s)", chore.name, first)
    except Exception:
        log.exception("%s failed; it is tried again at the next occasion", chore.name)
    return False
