"""The site's Ed25519 signing key: made once by `likewatch init`, kept under VAR_DIR (0600).

The private key signs the daily digests; the public key is published on the site
(/evidence/public-key and /.well-known/likewatch-key.pem) and in every evidence bundle. A
key's id is the first 16 hex digits of the SHA-256 of its raw public bytes.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings


class KeyMissing(RuntimeError):
    """There is no signing key yet: `likewatch init` makes one."""


def key_path() -> Path:
    return Path(settings.LIKEWATCH_SIGNING_KEY)


def ensure_key() -> tuple[Path, bool]:
    """Make the signing key unless it exists; returns (path, created)."""
    path = key_path()
    if path.exists():
        return path, False
    write_new_key(path)
    return path, True


def write_new_key(path: Path) -> None:
    """A new Ed25519 private key in PEM at `path` (which must not exist), and its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Created 0600 from the start: the key is never readable by others, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)


def private_key() -> Ed25519PrivateKey:
    path = key_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise KeyMissing(f"no signing key at {path}: run `likewatch init`") from None
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyMissing(f"{path} is not an Ed25519 private key")
    return key


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def public_pem(key: Ed25519PublicKey | None = None) -> bytes:
    key = key or public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_pem(data: bytes) -> Ed25519PublicKey:
    """A public key from PEM bytes; ValueError when they are not an Ed25519 public key."""
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def key_id(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(data: bytes) -> str:
    """The base64 Ed25519 signature of `data` with the site's key."""
    return base64.b64encode(private_key().sign(data)).decode("ascii")


def is_valid(key: Ed25519PublicKey, data: bytes, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), data)
    except (InvalidSignature, ValueError):
        return False
    return True
