"""Mastodon accounts on any instance, through the instance's public API.

An account (`@user@host`, `https://host/@user`) is resolved once with
`GET https://host/api/v1/accounts/lookup?acct=user` to its id on that instance; the stable
id is `ID@host`, and reads ask `GET /api/v1/accounts/ID`, one account a request, a few at a
time. Most instances answer without a token; those that require one get it from
MASTODON_TOKENS (`host=token` pairs). Each instance has its own rate limit (300 requests per
5 minutes by default, `X-RateLimit-*` headers with an ISO reset time), so pacing is kept per
instance: an instance that asks us to wait does not hold up the others. The count of an
account on another server is what that server reported, so accounts are always read from
their home server.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.utils import timezone
from django.utils.translation import gettext as _

from likewatch.sources import bluesky, facebook, http, instagram, limits, telegram, x, youtube
from likewatch.sources.base import (
    PageRef,
    Reading,
    ReadResult,
    after_prefix,
    checked_count,
    split_address,
)
from likewatch.sources.errors import AuthError, InvalidAnswer, NotFound, RateLimited, SourceError

USERNAME = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,62}[A-Za-z0-9_])?$")
HOST = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(:\d{1,5})?$")
ACCOUNT_ID = re.compile(r"^[0-9]{1,24}$")
PREFIXES = ("mastodon:", "masto:")
# Hosts of other platforms whose URLs may contain "/@name": never a Mastodon instance.
NOT_MASTODON = (
    youtube.HOSTS
    | x.HOSTS
    | facebook.HOSTS
    | instagram.HOSTS
    | telegram.HOSTS
    | bluesky.HOSTS
    | {"www.tiktok.com", "tiktok.com", "medium.com", "www.threads.net", "threads.net"}
)
CONCURRENCY = 4


class MastodonSource(http.HTTPSource):
    platform = "mastodon"
    batch_size = 20
    metrics = ("followers",)

    def __init__(self, config: dict | None = None, client=None) -> None:
        super().__init__(config, client)
        self.tokens = {h.lower(): t for h, t in (self.config.get("tokens") or {}).items()}
        self.host_cooldown: dict[str, datetime] = {}

    # Recognising URLs ------------------------------------------------------------------

    def parse(self, text: str) -> PageRef | None:
        text = text.strip()
        bare = after_prefix(text, PREFIXES)
        if bare is not None:
            return self._from_acct(bare)
        if text.startswith("@") and text.count("@") == 2 and "/" not in text:
            return self._from_acct(text)
        parts = split_address(text)
        if parts is None:
            return None
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host or host in NOT_MASTODON:
            return None
        if parts.port:
            host = f"{host}:{parts.port}"
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) == 1 and segments[0].startswith("@"):
            # https://host/@user, or https://host/@user@home for a remote account.
            acct = segments[0][1:]
            return self._from_acct(acct if "@" in acct else f"{acct}@{host}")
        if len(segments) == 2 and segments[0] == "users":
            return self._from_acct(f"{segments[1]}@{host}")
        return None

    def _from_acct(self, acct: str) -> PageRef | None:
        user, _at, host = acct.removeprefix("@").partition("@")
        host = host.lower()
        if not USERNAME.match(user) or not HOST.match(host) or host in NOT_MASTODON:
            return None
        key = f"{user.lower()}@{host}"  # usernames are case-insensitive on Mastodon
        return PageRef(platform=self.platform, key=key, url=f"https://{host}/@{user.lower()}")

    # Reading ---------------------------------------------------------------------------

    async def resolve(self, ref: PageRef) -> Reading:
        user, _at, host = ref.key.partition("@")
        data, answer = await self._get(host, "/api/v1/accounts/lookup", {"acct": user})
        return self._reading(data, host, answer)

    async def read(self, keys: list[str], options: dict | None = None) -> ReadResult:
        keys = list(dict.fromkeys(keys))
        limit = asyncio.Semaphore(CONCURRENCY)

        async def one(key: str) -> Reading | SourceError:
            account_id, _at, host = key.partition("@")
            if not ACCOUNT_ID.match(account_id) or not HOST.match(host):
                return InvalidAnswer(f"{key!r} is not a Mastodon account id")
            async with limit:
                try:
                    data, answer = await self._get(host, f"/api/v1/accounts/{account_id}", {})
                    return self._reading(data, host, answer)
                except SourceError as exc:
                    return exc

        outcomes = await asyncio.gather(*(one(key) for key in keys))
        return dict(zip(keys, outcomes, strict=True))

    async def _get(self, host: str, path: str, params: dict) -> tuple[dict, http.Answer]:
        waiting = self.host_cooldown.get(host)
        if waiting and waiting > timezone.now():
            raise RateLimited(f"{host} asked us to wait", retry_at=waiting)
        token = self.tokens.get(host)
        answer = await self.fetch(
            f"{self.base_url or 'https://' + host}{path}",
            params,
            headers={"Authorization": f"Bearer {token}"} if token else None,
            shown_url=f"https://{host}{path}",
        )
        trouble = self.server_trouble(answer)
        if trouble:
            raise trouble
        if answer.status == 429:
            retry_at = limits.refusal_time(answer.headers, timezone.now(), timedelta(minutes=5))
            self.host_cooldown[host] = retry_at
            raise RateLimited(f"{host} refused: too many requests", retry_at=retry_at)
        data = answer.json()
        if not isinstance(data, dict):
            raise InvalidAnswer(f"the answer of {host} is not a JSON object", raw=answer.body)
        if answer.status != 200:
            raise self._error(data, host, answer)
        return data, answer

    def note_limits(self, answer: http.Answer) -> None:
        # Pacing is per instance: remember it under the instance's name, not platform-wide.
        host = urlsplit(answer.url).netloc
        pause = limits.cooldown(limits.window(answer.headers, timezone.now()), timezone.now())
        if pause is not None:
            self.host_cooldown[host] = pause

    # Interpreting answers ---------------------------------------------------------------

    def _error(self, data: dict, host: str, answer: http.Answer) -> SourceError:
        message = str(data.get("error", "unknown error"))
        text = f"{host} HTTP {answer.status}: {message}"
        if answer.status == 401 or answer.status == 403:
            return AuthError(
                text,
                hint=_("%(host)s requires a token: add %(host)s=TOKEN to MASTODON_TOKENS.")
                % {"host": host},
                raw=answer.body,
            )
        if answer.status in (404, 410):
            return NotFound(text, raw=answer.body)
        return InvalidAnswer(text, raw=answer.body)

    def _reading(self, data: dict, host: str, answer: http.Answer) -> Reading:
        account_id = str(data.get("id", ""))
        if not ACCOUNT_ID.match(account_id):
            raise InvalidAnswer(f"the answer of {host} has no account id", raw=answer.body)
        if data.get("suspended") is True:
            raise NotFound(f"{host} has suspended this account.", raw=answer.body)
        acct = str(data.get("acct", ""))
        if "@" in acct:
            # A remote account: its count here is only what its home server last sent.
            raise InvalidAnswer(f"{acct} lives on another server: track it there.", raw=answer.body)
        return Reading(
            platform_id=f"{account_id}@{host}",
            counts={"followers": checked_count(data.get("followers_count"), "followers_count")},
            fetched_at=timezone.now(),
            name=str(data.get("display_name") or "")[:255],
            handle=f"{acct}@{host}"[:255] if acct else "",
            url=str(data.get("url") or "")[:500],
            source_url=answer.url,
            produced_at=answer.produced_at,
            duration_ms=answer.duration_ms,
            raw=answer.body,
        )
