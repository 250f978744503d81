"""Each source's configuration: the settings, with the token an organiser entered winning.

Organisers enter tokens in /manage/credentials/ (stored encrypted, see
likewatch.organisers.models.PlatformCredential); a deployment may instead set them in the
environment (settings.LIKEWATCH_SOURCES). The stored one wins, so replacing an expired token
needs no restart (pollers pick it up when they next build their source).

Sources know nothing of organisers: whoever builds one (the poller, adding pages, the token
test button) asks here first, outside any event loop, and hands the configuration over
(`registry.make_source(platform, source_config(platform))`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import DatabaseError, close_old_connections

log = logging.getLogger(__name__)


def source_config(platform: str) -> dict:
    """The configuration to build `platform`'s source with."""
    return source_configs([platform])[platform]


def source_configs(platforms: Iterable[str] | None = None) -> dict[str, dict]:
    """The configuration of each platform's source (default: every platform likewatch has),
    from one query for the stored tokens."""
    from likewatch.sources import registry

    platforms = list(dict.fromkeys(registry.platforms() if platforms is None else platforms))
    stored = _stored_tokens(platforms)
    configs = {}
    for platform in platforms:
        config = dict(settings.LIKEWATCH_SOURCES.get(platform, {}))
        if stored.get(platform):
            config["token"] = stored[platform]
        configs[platform] = config
    return configs


def _stored_tokens(platforms: list[str]) -> dict[str, str]:
    from likewatch.organisers.encryption import UnreadableSecret
    from likewatch.organisers.models import PlatformCredential

    tokens = {}
    try:
        for credential in PlatformCredential.objects.filter(platform__in=platforms):
            try:
                tokens[credential.platform] = credential.token
            except UnreadableSecret as exc:
                log.error("The stored %s credential is unusable: %s", credential.platform, exc)
    except DatabaseError:
        # No table yet (before `likewatch init`) or no database: the settings still work.
        close_old_connections()
    except RuntimeError:
        # Tests without database access (pytest-django refuses it) configure tokens through
        # the settings only.
        pass
    return tokens
