"""Django system checks for settings that each look fine alone but disagree with each other.

They run with every management command that checks (`likewatch check`, `migrate`, `serve`,
`run`...) and with `likewatch check --deploy` for the production ones. Each message names the
variable to change; docs/configuration.md explains every variable. Ids: likewatch.E0xx are
errors (the deployment would misbehave), likewatch.W0xx warnings (it works, worse than
intended).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.utils.module_loading import import_string

LOCAL_BROKER = "likewatch.fanout.broker.DatabaseWatchBroker"
PUBSUB_BROKER = "likewatch.fanout.broker.PubSubBroker"


@register(Tags.compatibility)
def live_broker(app_configs=None, **kwargs) -> list:
    """The live broker exists, and REDIS_URL is not set for nothing."""
    name = settings.LIKEWATCH_LIVE_BROKER
    try:
        import_string(name)
    except ImportError as exc:
        return [
            Error(
                f"LIKEWATCH_LIVE_BROKER={name!r} cannot be imported ({exc}).",
                hint=f"Use {PUBSUB_BROKER} (several web processes) or {LOCAL_BROKER}.",
                id="likewatch.E001",
            )
        ]
    if settings.REDIS_URL and name == LOCAL_BROKER:
        return [
            Warning(
                "REDIS_URL is set, but live boards still watch the database from each web "
                "process (LIKEWATCH_LIVE_BROKER is the local broker): Redis carries no live "
                "updates.",
                hint=f"Set LIKEWATCH_LIVE_BROKER={PUBSUB_BROKER}, or unset REDIS_URL.",
                id="likewatch.W001",
            )
        ]
    return []


@register(Tags.compatibility)
def site_url(app_configs=None, **kwargs) -> list:
    """SITE_URL, when set, is an absolute http(s) address, and a public one in production.

    Unset, links take each request's address; likewatch.site's check (likewatch.W100) asks
    production sites to set it.
    """
    url = (settings.SITE_URL or "").strip()
    if not url:
        return []
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [
            Error(
                f"SITE_URL={url!r} is not an absolute http(s) address.",
                hint="Set SITE_URL to the address readers use, e.g. https://likewatch.example.org",
                id="likewatch.E002",
            )
        ]
    if getattr(settings, "LIKEWATCH_PRODUCTION", False):
        if _is_local(parts.hostname):
            return [
                Error(
                    f"SITE_URL is {url!r} under the production settings: alerts, e-mails and "
                    "feeds written outside a request would link readers to this machine.",
                    hint="Set SITE_URL to the public address, e.g. https://likewatch.example.org",
                    id="likewatch.E003",
                )
            ]
        if parts.scheme != "https":
            return [
                Warning(
                    f"SITE_URL={url!r} is not https while the production settings redirect "
                    "every request to https.",
                    hint="Use the https:// address in SITE_URL.",
                    id="likewatch.W002",
                )
            ]
    return []


@register(Tags.security)
def signing_key(app_configs=None, **kwargs) -> list:
    """The evidence signing key, when present here, can be read and is an Ed25519 key."""
    path = Path(settings.LIKEWATCH_SIGNING_KEY)
    if not path.exists():
        # Not made yet (`likewatch init` makes it), or kept on another host on purpose: with
        # LIKEWATCH_CHECKPOINT_SIGNER=separate only the signing host holds it.
        return []
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        data = path.read_bytes()
    except OSError as exc:
        return [
            Error(
                f"The signing key {path} cannot be read ({exc.strerror or exc}).",
                hint="Let the user running likewatch read it (mode 0600, owned by that user), "
                "or set LIKEWATCH_SIGNING_KEY to a readable copy.",
                id="likewatch.E004",
            )
        ]
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        return [
            Error(
                f"The signing key {path} is not a PEM private key without a password ({exc}).",
                hint="Restore the key from a backup, or point LIKEWATCH_SIGNING_KEY at it.",
                id="likewatch.E005",
            )
        ]
    if not isinstance(key, Ed25519PrivateKey):
        return [
            Error(
                f"The signing key {path} is not an Ed25519 key.",
                hint="likewatch signs with Ed25519: `likewatch init` makes one.",
                id="likewatch.E005",
            )
        ]
    return []


@register(Tags.security)
def encryption_keys(app_configs=None, **kwargs) -> list:
    """Every LIKEWATCH_ENCRYPTION_KEYS entry is a Fernet key."""
    from cryptography.fernet import Fernet

    errors = []
    for position, key in enumerate(settings.LIKEWATCH_ENCRYPTION_KEYS, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            errors.append(
                Error(
                    f"LIKEWATCH_ENCRYPTION_KEYS: key {position} is not a Fernet key "
                    "(32 url-safe base64-encoded bytes).",
                    hint="Make one with `python -c 'from cryptography.fernet import Fernet; "
                    "print(Fernet.generate_key().decode())'`.",
                    id="likewatch.E006",
                )
            )
    return errors


@register(Tags.compatibility)
def intervals(app_configs=None, **kwargs) -> list:
    """The default interval is not below the minimum, and neither is below one second."""
    minimum = settings.LIKEWATCH_MIN_INTERVAL
    default = settings.LIKEWATCH_DEFAULT_INTERVAL
    problems = []
    if minimum < 1:
        problems.append(
            Error(
                f"LIKEWATCH_MIN_INTERVAL={minimum}: an interval is at least one second.",
                hint="Unset it (60 s) or set a positive number of seconds.",
                id="likewatch.E007",
            )
        )
    elif default < minimum:
        problems.append(
            Error(
                f"LIKEWATCH_DEFAULT_INTERVAL={default} is below LIKEWATCH_MIN_INTERVAL={minimum}: "
                "every new page would be refused its own default.",
                hint="Raise LIKEWATCH_DEFAULT_INTERVAL or lower LIKEWATCH_MIN_INTERVAL.",
                id="likewatch.E008",
            )
        )
    if getattr(settings, "LIKEWATCH_PRODUCTION", False) and minimum < 60:
        problems.append(
            Warning(
                f"LIKEWATCH_MIN_INTERVAL={minimum} under the production settings: platforms "
                "count their rate budgets per minute or per hour, and fetching a page more "
                "than once a minute spends them fast.",
                hint="Leave LIKEWATCH_MIN_INTERVAL at 60 outside demos and tests.",
                id="likewatch.W004",
            )
        )
    return problems


@register(Tags.compatibility)
def facebook_fallback(app_configs=None, **kwargs) -> list:
    value = settings.LIKEWATCH_SOURCES.get("facebook", {}).get("fallback", "")
    if value not in ("", "web"):
        return [
            Error(
                f"FACEBOOK_FALLBACK={value!r} is not a fallback likewatch knows.",
                hint="Set FACEBOOK_FALLBACK=web to read public pages without an approved app, "
                "or leave it empty.",
                id="likewatch.E009",
            )
        ]
    return []


@register(Tags.compatibility)
def card_fonts(app_configs=None, **kwargs) -> list:
    folders = [Path(d) for d in settings.LIKEWATCH_CARD_FONT_DIRS]
    if not any(folder.is_dir() for folder in folders):
        return [
            Warning(
                "None of LIKEWATCH_CARD_FONT_DIRS exists "
                f"({', '.join(str(f) for f in folders) or 'empty'}): share cards cannot be drawn.",
                hint="Install fonts-noto-core and fonts-dejavu-core (`make system`), or set "
                "LIKEWATCH_CARD_FONT_DIRS to folders holding Noto Sans and DejaVu Sans.",
                id="likewatch.W005",
            )
        ]
    return []


def _is_local(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified
