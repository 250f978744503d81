"""Where a source finds its platform token: the one entered in the interface, else settings.

Organisers enter tokens in /manage/credentials/ (stored encrypted, see
likewatch.organisers.models.PlatformCredential); a deployment may instead set them in the
environment (LIKEWATCH_SOURCES). The stored one wins, so replacing an expired token needs no
restart of the web server (pollers pick it up when they next build their source).
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection

log = logging.getLogger(__name__)


def with_stored_token(platform: str, config: dict) -> dict:
    """`config` with its "token" replaced by the stored credential, when there is one."""
    stored = _stored_token(platform)
    return {**config, "token": stored} if stored else config


def token_for(platform: str, config: dict | None = None) -> str:
    """The token for `platform`: the stored credential first, then `config` or the settings."""
    stored = _stored_token(platform)
    if stored:
        return stored
    config = config if config is not None else settings.LIKEWATCH_SOURCES.get(platform, {})
    return config.get("token", "")


def _stored_token(platform: str) -> str:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _read(platform)
    # Sources are sometimes built inside a coroutine, where Django refuses database calls:
    # read the row from a worker thread (one short query) instead.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_read_in_thread, platform).result()


def _read_in_thread(platform: str) -> str:
    try:
        return _read(platform)
    finally:
        connection.close()


def _read(platform: str) -> str:
    from likewatch.organisers.encryption import UnreadableSecret
    from likewatch.organisers.models import PlatformCredential

    try:
        credential = PlatformCredential.objects.filter(platform=platform).first()
        return credential.token if credential else ""
    except UnreadableSecret as exc:
        log.error("The stored %s credential is unusable: %s", platform, exc)
        return ""
    except DatabaseError:
        # No table yet (before `likewatch init`) or no database: settings still work.
        close_old_connections()
        return ""
    except RuntimeError:
        # Tests without database access (pytest-django blocks it) build sources too: they
        # configure tokens through settings only.
        return ""
