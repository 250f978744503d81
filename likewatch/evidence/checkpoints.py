"""Signed checkpoints of the transparency log (C2SP tlog-checkpoint), made after every round.

A checkpoint is the signed note

    <origin>
    <size>
    <base64 root hash>

    — <origin> <base64(key id || Ed25519 signature)>

made with the site's Ed25519 key (LIKEWATCH_SIGNING_KEY) whenever the log has grown: by
each poller right after its round commits (LIKEWATCH_CHECKPOINT_SIGNER=poller, the default),
or only by `likewatch checkpoint sign --follow` on a host that holds the key while the
pollers do not (=separate). Either way a number is covered by a signed checkpoint seconds
after it was written. A stable page adds no leaf, so it costs no checkpoint.

Then each configured witness is asked to cosign it (likewatch.evidence.witness), and a
timestamp authority to timestamp it (likewatch.evidence.timestamps), when configured.
Checkpoints older than LIKEWATCH_CHECKPOINT_KEEP_HOURS are thinned (by the first checkpoint of
each hour) to the last of each UTC day and every cosigned one: anyone who kept a copy can
still get a consistency proof from it, since proofs are computed from the tiles, not from the
stored checkpoints.
"""

from __future__ import annotations

import base64
import logging
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Subquery
from django.utils import timezone

from likewatch.evidence import keys, log, merkle, note
from likewatch.evidence.models import Checkpoint, LogState

logger = logging.getLogger("likewatch.evidence")


def default_origin() -> str:
    parts = urlsplit(settings.SITE_URL)
    return (parts.netloc + parts.path.rstrip("/") + "/log") or "likewatch/log"


def origin() -> str:
    return named(LogState.objects.filter(pk=1).values_list("origin", flat=True).first())


def named(stored: str | None) -> str:
    """The log's name: the one its first checkpoint fixed (`stored`), else as configured."""
    return stored or settings.LIKEWATCH_LOG_ORIGIN or default_origin()


def signer(name: str | None = None, key: Ed25519PrivateKey | None = None) -> note.Signer:
    """The log's signer (its name read unless given); keys.KeyMissing when this process
    cannot read the key."""
    key = key or keys.private_key()
    return note.Signer(note.check_name(name or origin()), note.ED25519, key)


def verifier() -> note.Verifier | None:
    """The log's public key as a vkey, as published (None before the first checkpoint)."""
    vkey = LogState.objects.filter(pk=1).values_list("vkey", flat=True).first()
    return note.Verifier.parse(vkey) if vkey else None


def signs_here() -> bool:
    return settings.LIKEWATCH_CHECKPOINT_SIGNER != "separate"


def latest() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-size").first()


def make(now: datetime | None = None, ask_witnesses: bool = True) -> tuple[Checkpoint | None, bool]:
    """Sign a checkpoint of the log as it is now, unless one of this size exists.

    Returns (checkpoint, created); (None, False) while the log is empty.
    """
    now = now or timezone.now()
    key = keys.private_key()  # raises KeyMissing before anything is read
    from likewatch.evidence import consumer, documents

    # The log's state, its cursor and the newest checkpoint in one query: a poller signs after
    # every round, and each query a checkpoint saves is one a round saves.
    found = (
        LogState.objects.filter(pk=1)
        .annotate(
            **consumer.positions(),
            newest_size=Subquery(Checkpoint.objects.order_by("-size").values("size")[:1]),
            newest_at=Subquery(Checkpoint.objects.order_by("-size").values("created_at")[:1]),
        )
        .first()
    )
    positions = {"logged": found.logged, "written": found.written} if found else None
    # Records whose delivery failed or is still to come, then the annotations and reviews
    # changed since the last checkpoint: either appends leaves, and the state is read again.
    appended = consumer.catch_up(positions)
    appended += documents.catch_up()
    current = found if found is not None and not appended else log.state()
    if current.size == 0:
        return None, False
    if current is found:
        newest_size, newest_at = found.newest_size, found.newest_at
    else:
        newest = latest()
        newest_size, newest_at = (newest.size, newest.created_at) if newest else (None, None)
    if newest_size is not None and newest_size >= current.size:
        return Checkpoint.objects.get(size=newest_size), False
    # The log's name and key as `signer()` gives them, from the state in hand: a poller
    # signs after every round, and each query a checkpoint saves is one a round saves.
    log_signer = signer(named(current.origin), key)
    root = merkle.frontier_root(log._split(current.frontier))
    body = note.Checkpoint(log_signer.name, current.size, root).text
    signed = note.Note(body, [note.sign(body, log_signer)])
    try:
        checkpoint = _insert(size=current.size, root=root, note=str(signed), created_at=now)
    except IntegrityError:  # another signer signed this size first (the same root)
        return Checkpoint.objects.get(size=current.size), False
    if not current.vkey:  # the first checkpoint fixes the log's name and publishes its key
        LogState.objects.filter(pk=1, vkey="").update(
            origin=log_signer.name, vkey=log_signer.verifier.vkey
        )
    if ask_witnesses:
        from likewatch.evidence import timestamps, witness

        witness.gather(checkpoint)
        timestamps.stamp(checkpoint)
    # Thinning keeps days and hours, not seconds: once an hour is enough (with the first
    # checkpoint of each hour), rather than a query after every round.
    if newest_at is None or newest_at < now.replace(minute=0, second=0, microsecond=0):
        thin(now)
    return checkpoint, True


def _insert(**fields) -> Checkpoint:
    """Store a new checkpoint; IntegrityError if one of its size exists. Outside a transaction
    (the poller's chores) the INSERT is its own, without the BEGIN and COMMIT round trips of
    an atomic block; inside one, a savepoint keeps a refused INSERT from spoiling it."""
    if connection.in_atomic_block:
        with transaction.atomic():
            return Checkpoint.objects.create(**fields)
    return Checkpoint.objects.create(**fields)


def thin(now: datetime) -> int:
    """Delete old checkpoints but the last of each day and the cosigned ones."""
    cutoff = now - timedelta(hours=settings.LIKEWATCH_CHECKPOINT_KEEP_HOURS)
    old = Checkpoint.objects.filter(created_at__lt=cutoff)
    if not old.exists():
        return 0
    keep = set(old.annotate(n=Count("cosignatures")).filter(n__gt=0).values_list("pk", flat=True))
    by_day: dict = {}
    for pk, size, created in old.values_list("pk", "size", "created_at"):
        day = created.date()
        if day not in by_day or size > by_day[day][1]:
            by_day[day] = (pk, size)
    keep |= {pk for pk, _ in by_day.values()}
    deleted, _ = old.exclude(pk__in=keep).delete()
    return deleted


def full_note(checkpoint: Checkpoint) -> str:
    """The checkpoint with the log's signature and every cosignature gathered."""
    lines = [c.line for c in checkpoint.cosignatures.all()]
    return checkpoint.note + "".join(lines)


# How many of the newest checkpoints a listing gives (the site's page, its JSON, the API).
LISTED = 200


def describe(checkpoint: Checkpoint) -> dict:
    """One checkpoint as published in JSON (the evidence pages and the API): its size, root,
    signed note with every cosignature, the witnesses that cosigned it, and whether an RFC 3161
    timestamp token was obtained for it."""
    return {
        "size": checkpoint.size,
        "root": base64.b64encode(bytes(checkpoint.root)).decode(),
        "created_at": checkpoint.created_at,
        "note": full_note(checkpoint),
        "cosignatures": [
            {"witness": s.witness, "signed_at": s.signed_at} for s in checkpoint.cosignatures.all()
        ],
        "timestamped": bool(checkpoint.timestamp_token),
    }


def listing(limit: int = LISTED) -> dict:
    """The log as published in JSON: its origin and public key, how many leaves no checkpoint
    covers yet, and the newest `limit` checkpoints, newest first."""
    rows = Checkpoint.objects.order_by("-size").prefetch_related("cosignatures")[:limit]
    log_key = verifier()
    return {
        "origin": origin(),
        "vkey": log_key.vkey if log_key else None,
        "uncovered_leaves": uncovered(),
        "checkpoints": [describe(c) for c in rows],
    }


def uncovered() -> int:
    """How many leaves no checkpoint covers yet."""
    size = log.state().size
    top = Checkpoint.objects.aggregate(top=Max("size"))["top"] or 0
    return max(0, size - top)


class AfterRound:
    """What a poller does after each round: sign a checkpoint when it may and can."""

    def __init__(self) -> None:
        self.warned = False

    def __call__(self, now: datetime | None = None) -> Checkpoint | None:
        if not signs_here():
            return None
        try:
            checkpoint, _ = make(now)
        except keys.KeyMissing as exc:
            if not self.warned:
                logger.warning("no checkpoint signed: %s", exc)
                self.warned = True
            return None
        return checkpoint
