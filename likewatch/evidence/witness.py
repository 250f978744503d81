"""Witnessing (C2SP tlog-witness), both sides: one likewatch instance cosigns another's log.

As a **witness**, an instance keeps, for each log it trusts (by origin and vkey), the latest
checkpoint it cosigned. `add_checkpoint` takes the protocol's request body ("old <size>",
the consistency proof, an empty line, the signed checkpoint) and answers as the spec says:

- 404 for an unknown origin, 403 when no trusted signature verifies, 400 for a malformed
  request or an old size above the new one;
- 409 (body: the size it holds, content type text/x.tlog.size) when the old size is not the
  size of the latest checkpoint it cosigned for that log;
- 422 when the consistency proof fails, or a checkpoint of the same size has another root:
  a log that rewrote its history, or shows two readers two histories, is refused and the
  request is kept (WitnessRefusal) as evidence;
- 200 with a timestamped Ed25519 cosignature line (cosignature/v1) otherwise, after storing
  the new checkpoint in the same transaction that checked the old one.

As a **log**, `gather` sends each new checkpoint to the witnesses in LIKEWATCH_WITNESSES,
with a consistency proof from the size each last cosigned, and keeps the cosignatures that
verify with the witness's key. The site shows them with every checkpoint and proof.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from likewatch.evidence import keys, log, merkle, note
from likewatch.evidence.models import Checkpoint, Cosignature, WitnessedLog, WitnessRefusal
from likewatch.security import outbound

logger = logging.getLogger("likewatch.evidence")
SIZE_TYPE = "text/x.tlog.size"
MAX_PROOF_LINES = 63
MAX_BODY = 64 * 1024
TIMEOUT = 5.0


class WitnessKeyMissing(RuntimeError):
    """This instance has no witness key: `likewatch witness init` makes one."""


@dataclass
class Answer:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


# The witness's own key --------------------------------------------------------------


def name() -> str:
    if settings.LIKEWATCH_WITNESS_NAME:
        return note.check_name(settings.LIKEWATCH_WITNESS_NAME)
    parts = urlsplit(settings.SITE_URL)
    return note.check_name(parts.netloc + parts.path.rstrip("/") + "/witness")


def ensure_key() -> tuple[str, bool]:
    """Make the witness key (a key of its own: never the log's) unless it exists."""
    path = settings.LIKEWATCH_WITNESS_KEY
    if path.exists():
        return str(path), False
    keys.write_new_key(path)
    return str(path), True


def signer() -> note.Signer:
    path = settings.LIKEWATCH_WITNESS_KEY
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise WitnessKeyMissing(f"no witness key at {path}: run `likewatch witness init`") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise WitnessKeyMissing(f"{path} is not an Ed25519 private key")
    return note.Signer(name(), note.COSIGNATURE_V1, key)


def trust(vkey: str) -> WitnessedLog:
    """Agree to witness the log with this verifier key (its name is its origin)."""
    verifier = note.Verifier.parse(vkey)
    if verifier.kind != note.ED25519:
        raise note.NoteError("a log's key is an Ed25519 note key (type 1)")
    row, _ = WitnessedLog.objects.update_or_create(
        origin=verifier.name, defaults={"vkey": verifier.vkey}
    )
    return row


def _trusted(origin: str) -> list[note.Verifier]:
    keys = [v for v in WitnessedLog.objects.filter(origin=origin).values_list("vkey", flat=True)]
    keys += list(settings.LIKEWATCH_WITNESSED_LOGS)
    found = []
    for vkey in keys:
        try:
            verifier = note.Verifier.parse(vkey)
        except note.NoteError:
            logger.warning("ignoring a malformed witnessed log key: %s", vkey)
            continue
        if verifier.name == origin and verifier.kind == note.ED25519:
            found.append(verifier)
    return found


# The witness's side of add-checkpoint ---------------------------------------------------


def add_checkpoint(body: bytes) -> Answer:
    """Answer one add-checkpoint request (see the module docstring)."""
    if len(body) > MAX_BODY:
        return Answer(400, "request too large\n")
    try:
        text = body.decode("utf-8")
        head, _, signed = text.partition("\n\n")
        lines = head.split("\n")
        if not signed or not lines[0].startswith("old "):
            raise ValueError("expected 'old <size>', proof lines, an empty line, a checkpoint")
        old_text = lines[0][4:]
        if not old_text.isdigit() or (old_text != "0" and old_text.startswith("0")):
            raise ValueError("the old size is not a decimal number")
        old = int(old_text)
        if len(lines) - 1 > MAX_PROOF_LINES:
            raise ValueError("more than 63 consistency proof lines")
        proof = [base64.b64decode(line, validate=True) for line in lines[1:]]
        if any(len(p) != 32 for p in proof):
            raise ValueError("a proof line is not a 32-byte hash")
        parsed = note.parse(signed)
        checkpoint = note.Checkpoint.parse_text(parsed.text)
    except (UnicodeDecodeError, ValueError, binascii.Error) as exc:
        return Answer(400, f"malformed request: {exc}\n")
    trusted = _trusted(checkpoint.origin)
    if not trusted:
        return Answer(404, f"unknown log {checkpoint.origin}\n")
    verified = False
    for verifier in trusted:
        try:
            verified = verified or bool(parsed.verified_by(verifier))
        except note.NoteError:
            return Answer(403, "a signature of the log's key does not verify\n")
    if not verified:
        return Answer(403, "no signature of a key trusted for this log\n")
    if old > checkpoint.size:
        return Answer(400, "the old size is larger than the checkpoint's\n")
    with transaction.atomic():
        state, _ = WitnessedLog.objects.get_or_create(
            origin=checkpoint.origin, defaults={"vkey": trusted[0].vkey}
        )
        state = WitnessedLog.objects.select_for_update().get(pk=state.pk)
        if old != state.size:
            return Answer(409, f"{state.size}\n", SIZE_TYPE)
        problem = _consistency_problem(state, old, checkpoint, proof)
        if problem:
            WitnessRefusal.objects.create(
                origin=checkpoint.origin, reason=problem, request=text[:MAX_BODY]
            )
            return Answer(422, problem + "\n")
        try:
            line = note.cosign(parsed.text, signer(), int(time.time())).line
        except WitnessKeyMissing as exc:
            return Answer(503, f"{exc}\n")
        state.size = checkpoint.size
        state.root = checkpoint.root
        state.note = signed + line
        state.updated_at = timezone.now()
        state.save(update_fields=["size", "root", "note", "updated_at"])
    return Answer(200, line)


def _consistency_problem(state, old: int, checkpoint, proof) -> str:
    if checkpoint.size == 0 and checkpoint.root != merkle.EMPTY_ROOT:
        return "a checkpoint of size 0 must have the empty tree's root"
    if old == 0:
        return "a proof from size 0 must be empty" if proof else ""
    if old == checkpoint.size and bytes(state.root) != checkpoint.root:
        return (
            f"fork: this witness cosigned another root hash for size {old}: the log shows "
            "two different histories"
        )
    try:
        merkle.verify_consistency(old, checkpoint.size, bytes(state.root), checkpoint.root, proof)
    except merkle.ProofError as exc:
        return f"not consistent with the checkpoint of size {old} this witness cosigned: {exc}"
    return ""


def latest_witnessed(origin_hash: str) -> str | None:
    """The monitoring read: the latest cosigned checkpoint of a log, by SHA-256 of origin."""
    for row in WitnessedLog.objects.exclude(note=""):
        if hashlib.sha256(row.origin.encode()).hexdigest() == origin_hash.lower():
            return row.note
    return None


# The log's side: asking witnesses ---------------------------------------------------------


@dataclass(frozen=True)
class Witness:
    verifier: note.Verifier
    url: str


def configured() -> list[Witness]:
    witnesses = []
    for entry in settings.LIKEWATCH_WITNESSES:
        vkey, _, url = entry.strip().partition(" ")
        verifier = note.Verifier.parse(vkey)
        if verifier.kind != note.COSIGNATURE_V1:
            raise note.NoteError(f"{verifier.name}: a witness key is a cosigner key (type 4)")
        witnesses.append(Witness(verifier, url.strip().rstrip("/")))
    return witnesses


def gather(checkpoint: Checkpoint, client: httpx.Client | None = None) -> int:
    """Ask every configured witness to cosign `checkpoint`; returns how many did."""
    try:
        witnesses = configured()
    except note.NoteError as exc:
        logger.error("LIKEWATCH_WITNESSES: %s", exc)
        return 0
    if not witnesses:
        return 0
    own = client or httpx.Client(timeout=TIMEOUT, follow_redirects=False)
    got = 0
    try:
        for witness in witnesses:
            try:
                got += _ask(own, witness, checkpoint)
            except (
                httpx.HTTPError,
                outbound.OutboundError,
                note.NoteError,
                merkle.ProofError,
                ValueError,
            ) as exc:
                logger.warning("witness %s did not cosign: %s", witness.verifier.name, exc)
    finally:
        if client is None:
            own.close()
    return got


def _ask(client: httpx.Client, witness: Witness, checkpoint: Checkpoint) -> int:
    old = (
        Cosignature.objects.filter(witness=witness.verifier.name).aggregate(
            m=Max("checkpoint__size")
        )["m"]
        or 0
    )
    # Configured by the operator, yet checked like any address likewatch fetches: a witness
    # on a private network must be allowed (LIKEWATCH_OUTBOUND_ALLOW).
    outbound.check_url(witness.url + "/add-checkpoint")
    for _attempt in range(2):
        response = client.post(
            witness.url + "/add-checkpoint", content=request_body(old, checkpoint)
        )
        if response.status_code == 409:
            old = int(response.text.strip())  # the size it holds: prove from there
            continue
        break
    if response.status_code != 200:
        raise ValueError(f"HTTP {response.status_code}: {response.text.strip()[:200]}")
    signatures = note.parse_signature_lines(response.text)
    body = note.parse(checkpoint.note).text
    cosigned = note.Note(body, signatures).verified_by(witness.verifier)
    if not cosigned:
        raise ValueError("its answer holds no cosignature of its key")
    sig = cosigned[0]
    Cosignature.objects.update_or_create(
        checkpoint=checkpoint,
        witness=witness.verifier.name,
        defaults={
            "line": sig.line,
            "signed_at": datetime.fromtimestamp(sig.timestamp, tz=UTC),
        },
    )
    return 1


def request_body(old: int, checkpoint: Checkpoint) -> bytes:
    """The add-checkpoint request: old size, consistency proof, empty line, checkpoint."""
    proof = log.Tree(checkpoint.size).consistency(old) if old < checkpoint.size else []
    lines = [f"old {old}"] + [base64.b64encode(p).decode() for p in proof]
    return ("\n".join(lines) + "\n\n" + checkpoint.note).encode()
