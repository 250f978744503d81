"""Feeding the transparency log from the history's consumer seam (likewatch.tracking.consumers).

For each committed record, in commit order: the span it sealed gets its final leaf (`span`),
then the record its own (`span-open` for a new span, `failure`). An extended span adds no
leaf. The leaves are appended in the consumer's transaction with its cursor, so each record
is logged once, in order, whatever crashes; a log that fell behind catches up from the
journal, and `checkpoints.make` catches it up before it signs.

The log must never skip a round (a record without its leaf is a number no checkpoint will
ever cover), so its cursor is made at 0 when it is missing, never at the newest round as
other consumers' are; the migration that built the log from the history made it at the
journal's head.
"""

from __future__ import annotations

from django.db.models import Subquery

from likewatch.evidence import log
from likewatch.evidence.leaves import FAILURE, OPEN, SPAN, Ref
from likewatch.tracking import consumers
from likewatch.tracking.models import Cursor

NAME = "tlog"


def refs_of(records) -> list[Ref]:
    """The leaves a batch of written records adds, in order."""
    refs = []
    for record in records:
        if record.sealed:
            refs.append(Ref(SPAN, record.page_id, record.sealed))
        if record.kind == consumers.FAILURE:
            refs.append(Ref(FAILURE, record.page_id, record.seq))
        elif record.created:
            refs.append(Ref(OPEN, record.page_id, record.seq))
    return refs


def consume(batch: consumers.Batch) -> None:
    # Live, the round's rows are in hand: reading them back would cost more than the append.
    log.append_refs(refs_of(batch.records), known=batch.rows)


def catch_up(positions: dict[str, int | None] | None = None) -> int:
    """Log every committed record not logged yet; how many records were read.

    Before every checkpoint, and the log follows each round live, so it is nearly always up
    to date: one query says so (its cursor at the newest committed round), where catching
    up took four to find nothing. `positions`: the two cursors' positions (`positions()`), when
    the caller read them already in a query of its own (the checkpoint's).
    """
    if positions is None:
        positions = dict.fromkeys(_ALIASES.values())
        cursors = Cursor.objects.filter(name__in=[NAME, Cursor.WRITTEN])
        for name, position in cursors.values_list("name", "position"):
            positions[_ALIASES[name]] = position
    logged, written = positions["logged"], positions["written"]
    if logged is not None and logged >= (written or 0):
        return 0
    Cursor.objects.get_or_create(name=NAME, defaults={"position": 0})
    return consumers.catch_up([NAME]).get(NAME, 0)


_ALIASES = {NAME: "logged", Cursor.WRITTEN: "written"}


def positions() -> dict[str, Subquery]:
    """What `catch_up(positions)` is given: the log's cursor and the writer's (the newest
    round), as subqueries a caller's query reads with its own (None: no such cursor yet)."""
    return {
        alias: Subquery(Cursor.objects.filter(name=name).values("position")[:1])
        for name, alias in _ALIASES.items()
    }
