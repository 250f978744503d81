"""Secrets at rest: platform tokens and alert URLs are stored encrypted with Fernet.

Keys come from LIKEWATCH_ENCRYPTION_KEYS (Fernet keys, newest first) when set, otherwise they
are derived from SECRET_KEY and SECRET_KEY_FALLBACKS with HKDF. Either way the list is a
MultiFernet: the first key encrypts, every key decrypts, so rotating means putting a new key
first, running `likewatch secrets rotate`, then dropping the old key.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.views.decorators.debug import sensitive_variables

# Changing this label changes every derived key: never edit it.
HKDF_INFO = b"likewatch stored secrets v1"


class UnreadableSecret(Exception):
    """A stored secret that none of the configured keys can decrypt."""


@sensitive_variables()
def derive_key(secret_key: str) -> bytes:
    """A Fernet key derived from a Django SECRET_KEY."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


def _keys() -> list[bytes]:
    configured = [k.strip() for k in getattr(settings, "LIKEWATCH_ENCRYPTION_KEYS", []) if k]
    if configured:
        return [k.encode() for k in configured]
    return [derive_key(s) for s in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]]


def _box() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in _keys()])
    except ValueError:
        raise ImproperlyConfigured(
            "LIKEWATCH_ENCRYPTION_KEYS must hold Fernet keys (32 url-safe base64-encoded bytes)."
        ) from None


@sensitive_variables()
def encrypt(text: str) -> str:
    """Encrypt `text` with the newest key."""
    return _box().encrypt(text.encode()).decode()


@sensitive_variables()
def decrypt(ciphertext: str) -> str:
    """Decrypt with any configured key. Raises UnreadableSecret when none fits."""
    try:
        return _box().decrypt(ciphertext.encode()).decode()
    except (InvalidToken, ValueError):
        raise UnreadableSecret(
            "A stored secret cannot be decrypted with the configured keys: was SECRET_KEY or "
            "LIKEWATCH_ENCRYPTION_KEYS changed without keeping the old key as a fallback?"
        ) from None


@sensitive_variables()
def reencrypt(ciphertext: str) -> str:
    """The same secret encrypted with the newest key (for key rotation)."""
    try:
        return _box().rotate(ciphertext.encode()).decode()
    except InvalidToken:
        raise UnreadableSecret(
            "A stored secret cannot be decrypted with the configured keys."
        ) from None


@sensitive_variables()
def masked(secret: str) -> str:
    """What the interface shows of a secret: its last four characters at most."""
    if len(secret) <= 8:
        return "••••"
    return "••••" + secret[-4:]
