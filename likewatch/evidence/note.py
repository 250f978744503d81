"""C2SP signed notes, checkpoints and cosignatures, with Ed25519 (no database).

- signed-note (c2sp.org/signed-note): the note text (ending in a newline), an empty line,
  then one line per signature: U+2014, a space, the key name, a space, and
  base64(4-byte key ID || signature). Key ID = SHA-256(name || 0x0A || type || public key)[:4],
  type 0x01 for Ed25519 note signatures.
- tlog-checkpoint (c2sp.org/tlog-checkpoint): the text is the origin, the tree size in
  decimal and the base64 root hash, one per line. The log's key name is its origin.
- tlog-cosignature (c2sp.org/tlog-cosignature), Ed25519 `cosignature/v1`, type 0x04: the
  signed message is "cosignature/v1\\ntime <unix seconds>\\n" followed by the checkpoint text,
  and the signature is base64(key ID || 8-byte big-endian timestamp || signature).
- verifier keys ("vkeys"): <name>+<hex key ID>+base64(type || public key).

The Go checksum database and Sigstore's tools read the same format, so anyone can keep and
check likewatch's checkpoints with tools that are not ours.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
DASH = "\u2014"
MAX_SIGNATURES = 64


class NoteError(ValueError):
    """A note, checkpoint or key that is malformed or whose signature fails."""


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, kind: int, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + public).digest()[:4]


def check_name(name: str) -> str:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise NoteError(f"a key name must be non-empty, without spaces or '+': {name!r}")
    return name


@dataclass(frozen=True)
class Verifier:
    """A public key a note's signatures may be checked with (log key or cosigner key)."""

    name: str
    kind: int
    public: bytes

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.kind, self.public)

    @property
    def vkey(self) -> str:
        encoded = base64.b64encode(bytes([self.kind]) + self.public).decode()
        return f"{self.name}+{self.id.hex()}+{encoded}"

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        parts = vkey.strip().split("+", 2)  # the base64 key itself may hold a '+'
        if len(parts) != 3:
            raise NoteError(f"not a verifier key (name+id+key): {vkey.strip()!r}")
        name, hex_id, encoded = parts
        try:
            material = base64.b64decode(encoded, validate=True)
            wanted = bytes.fromhex(hex_id)
        except (binascii.Error, ValueError):
            raise NoteError(f"not a verifier key (bad hex or base64): {vkey.strip()!r}") from None
        if len(material) != 33 or material[0] not in (ED25519, COSIGNATURE_V1):
            raise NoteError("only Ed25519 note keys (type 1) and cosigner keys (type 4) are known")
        verifier = cls(check_name(name), material[0], material[1:])
        if verifier.id != wanted:
            raise NoteError(f"the key id {hex_id} does not match the key {name}")
        return verifier

    def key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.public)


@dataclass(frozen=True)
class Signer:
    name: str
    kind: int
    private: Ed25519PrivateKey

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.kind, raw_public(self.private.public_key()))


@dataclass(frozen=True)
class Signature:
    name: str
    id: bytes
    payload: bytes  # after the key ID: the signature (with its timestamp for cosignatures)

    @property
    def line(self) -> str:
        return f"{DASH} {self.name} {base64.b64encode(self.id + self.payload).decode()}\n"

    @property
    def timestamp(self) -> int | None:
        """A cosignature's time (seconds since the epoch), None for a note signature."""
        if len(self.payload) == 72:
            return struct.unpack(">Q", self.payload[:8])[0]
        return None


@dataclass
class Note:
    text: str
    signatures: list[Signature] = field(default_factory=list)

    def __str__(self) -> str:
        return self.text + "\n" + "".join(s.line for s in self.signatures)

    def verified_by(self, verifier: Verifier) -> list[Signature]:
        """The signatures of `verifier` that check out; NoteError if one of them does not."""
        good = []
        for signature in self.signatures:
            if signature.name != verifier.name or signature.id != verifier.id:
                continue  # an unknown key: ignored, as the spec says
            if not _valid(self.text, verifier, signature):
                raise NoteError(f"the signature of {verifier.name} does not verify")
            good.append(signature)
        return good


def _valid(text: str, verifier: Verifier, signature: Signature) -> bool:
    if verifier.kind == ED25519:
        message, sig = text.encode(), signature.payload
    else:
        if len(signature.payload) != 72:
            return False
        stamp = struct.unpack(">Q", signature.payload[:8])[0]
        message, sig = cosigned_message(text, stamp), signature.payload[8:]
    try:
        verifier.key().verify(sig, message)
    except InvalidSignature:
        return False
    return True


def parse(data: str | bytes) -> Note:
    """Split a signed note into its text and signatures (nothing is verified here)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("a note must be UTF-8 text") from None
    cut = data.rfind("\n\n")
    if cut < 0:
        raise NoteError("a signed note has its text, an empty line, then signature lines")
    text, rest = data[: cut + 1], data[cut + 2 :]
    if not rest.endswith("\n"):
        raise NoteError("a signed note ends with a newline")
    signatures = []
    for line in rest[:-1].split("\n"):
        signatures.append(_parse_line(line + "\n"))
    if len(signatures) > MAX_SIGNATURES:
        raise NoteError("too many signatures on one note")
    if not signatures:
        raise NoteError("the note has no signature")
    return Note(text, signatures)


def _parse_line(line: str) -> Signature:
    if not line.startswith(DASH + " ") or not line.endswith("\n"):
        raise NoteError(f"not a signature line: {line.rstrip()!r}")
    parts = line[2:-1].split(" ")
    if len(parts) != 2:
        raise NoteError(f"not a signature line: {line.rstrip()!r}")
    name, encoded = parts
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise NoteError(f"a signature that is not base64: {line.rstrip()!r}") from None
    if len(raw) < 5:
        raise NoteError(f"a signature too short to hold a key id: {line.rstrip()!r}")
    return Signature(check_name(name), raw[:4], raw[4:])


def parse_signature_lines(data: str) -> list[Signature]:
    """The signature lines a witness answers with (one or more, each ending in a newline)."""
    if not data.endswith("\n"):
        raise NoteError("signature lines end with a newline")
    return [_parse_line(line + "\n") for line in data[:-1].split("\n")]


def sign(text: str, signer: Signer) -> Signature:
    if not text.endswith("\n"):
        raise NoteError("a note's text ends with a newline")
    verifier = signer.verifier
    return Signature(verifier.name, verifier.id, signer.private.sign(text.encode()))


def cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()


def cosign(text: str, signer: Signer, timestamp: int) -> Signature:
    if signer.kind != COSIGNATURE_V1:
        raise NoteError("a cosignature needs a cosigner key (type 4)")
    if not 0 < timestamp < 2**63:
        raise NoteError("a cosignature's timestamp is a positive number of seconds")
    verifier = signer.verifier
    payload = struct.pack(">Q", timestamp) + signer.private.sign(cosigned_message(text, timestamp))
    return Signature(verifier.name, verifier.id, payload)


# Checkpoints ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"

    @classmethod
    def parse_text(cls, text: str) -> Checkpoint:
        if not text.endswith("\n"):
            raise NoteError("a checkpoint's text ends with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3 or any(not line for line in lines):
            raise NoteError("a checkpoint has an origin, a size and a root hash, one a line")
        origin, size, root = lines[:3]
        if not size.isdigit() or (size != "0" and size.startswith("0")) or not size.isascii():
            raise NoteError(f"the checkpoint's size is not a decimal number: {size!r}")
        try:
            digest = base64.b64decode(root, validate=True)
        except binascii.Error:
            raise NoteError("the checkpoint's root hash is not base64") from None
        if len(digest) != 32:
            raise NoteError("the checkpoint's root hash is not 32 bytes")
        return cls(origin, int(size), digest, tuple(lines[3:]))


def open_checkpoint(data: str | bytes, log_key: Verifier) -> tuple[Checkpoint, Note]:
    """Parse a signed checkpoint and check the log's signature on it."""
    parsed = parse(data)
    checkpoint = Checkpoint.parse_text(parsed.text)
    if not parsed.verified_by(log_key):
        raise NoteError(f"the checkpoint carries no signature of the log key {log_key.name}")
    return checkpoint, parsed
