"""Telegram channels and groups through the Bot API (`getChatMemberCount`).

A public @username is resolved once with `getChat` to the chat's numeric id, which survives a
change of username; reads ask `getChatMemberCount` by id, one chat a request (the Bot API has
no batch), a few at a time. The bot token is part of every address, so the address recorded
with a reading shows `bot<token>` instead. A 429 answer says how long to wait in
`parameters.retry_after`; the whole platform then waits that long.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from likewatch.sources import http
from likewatch.sources.base import (
    Credential,
    PageRef,
    Reading,
    ReadResult,
    address_on,
    after_prefix,
    checked_count,
)
from likewatch.sources.errors import (
    AuthError,
    InvalidAnswer,
    NotFound,
    RateLimited,
    SourceError,
)

HOSTS = {"t.me", "www.t.me", "telegram.me", "www.telegram.me", "telegram.dog"}
USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
CHAT_ID = re.compile(r"^-?[0-9]{1,20}$")
PREFIXES = ("tg:", "telegram:")
RESERVED = {"joinchat", "addstickers", "share", "proxy", "socks", "iv", "login", "setlanguage"}
CONCURRENCY = 4


class TelegramSource(http.HTTPSource):
    platform = "telegram"
    batch_size = 20
    metrics = ("members",)
    credentials = (Credential("token", "TELEGRAM_BOT_TOKEN", "a bot token from @BotFather"),)

    # Recognising URLs ------------------------------------------------------------------

    def parse(self, text: str) -> PageRef | None:
        text = text.strip()
        bare = after_prefix(text, PREFIXES)
        if bare is not None:
            if CHAT_ID.match(bare):
                return PageRef(self.platform, bare, "")
            return self._ref(bare.removeprefix("@"))
        parts = address_on(text, HOSTS)
        if parts is None:
            return None
        segments = [s for s in parts.path.split("/") if s]
        if segments and segments[0] == "s":  # the public preview: t.me/s/NAME
            segments = segments[1:]
        if segments and not segments[0].startswith("+"):
            return self._ref(segments[0])
        return None

    def _ref(self, username: str) -> PageRef | None:
        if not USERNAME.match(username) or username.lower() in RESERVED:
            return None
        key = "@" + username.lower()  # usernames are case-insensitive
        return PageRef(platform=self.platform, key=key, url=f"https://t.me/{username.lower()}")

    # Reading ---------------------------------------------------------------------------

    async def resolve(self, ref: PageRef) -> Reading:
        chat, _answer = await self._call("getChat", ref.key)
        if not isinstance(chat, dict) or not CHAT_ID.match(str(chat.get("id", ""))):
            raise InvalidAnswer("getChat answered without a chat id")
        chat_id = str(chat["id"])
        reading = await self._count(chat_id)
        username = str(chat.get("username") or "")
        reading.name = str(chat.get("title") or chat.get("first_name") or "")[:255]
        reading.handle = username[:255]
        reading.url = f"https://t.me/{username}" if username else ""
        return reading

    async def read(self, keys: list[str], options: dict | None = None) -> ReadResult:
        keys = list(dict.fromkeys(keys))
        limit = asyncio.Semaphore(CONCURRENCY)

        async def one(key: str) -> Reading | SourceError:
            async with limit:
                try:
                    return await self._count(key)
                except SourceError as exc:
                    return exc

        outcomes = await asyncio.gather(*(one(key) for key in keys))
        # A bad token fails every chat alike: report it once, for the whole batch.
        for outcome in outcomes:
            if isinstance(outcome, AuthError):
                raise outcome
        return dict(zip(keys, outcomes, strict=True))

    async def _count(self, chat_id: str) -> Reading:
        result, answer = await self._call("getChatMemberCount", chat_id)
        return Reading(
            platform_id=chat_id,
            counts={"members": checked_count(result, "member count")},
            fetched_at=timezone.now(),
            source_url=answer.url,
            produced_at=answer.produced_at,
            duration_ms=answer.duration_ms,
            raw=answer.body,
        )

    async def _call(self, method: str, chat_id: str) -> tuple[object, http.Answer]:
        self.require_credentials()
        if self.cooldown_until and self.cooldown_until > timezone.now():
            # Another chat of this batch was refused: do not ask again before the pause ends.
            raise RateLimited("Telegram asked us to wait", retry_at=self.cooldown_until)
        answer = await self.fetch(
            f"{self.base_url}/bot{self.config['token']}/{method}",
            {"chat_id": chat_id},
            shown_url=f"{self.base_url}/bot<token>/{method}",
        )
        trouble = self.server_trouble(answer)
        if trouble:
            raise trouble
        data = answer.json()
        if not isinstance(data, dict) or "ok" not in data:
            raise InvalidAnswer("the Telegram answer is not a Bot API object", raw=answer.body)
        if data["ok"] is not True:
            raise self._error(data, answer)
        return data.get("result"), answer

    def _error(self, data: dict, answer: http.Answer) -> SourceError:
        code = data.get("error_code", answer.status)
        description = str(data.get("description", "unknown error"))
        text = f"Telegram error {code}: {description}"
        parameters = data.get("parameters") if isinstance(data.get("parameters"), dict) else {}
        retry_after = parameters.get("retry_after")
        if code == 429 or isinstance(retry_after, int):
            seconds = retry_after if isinstance(retry_after, int) and retry_after > 0 else 30
            retry_at = timezone.now() + timedelta(seconds=seconds)
            self.cooldown_until = retry_at
            return RateLimited(text, retry_at=retry_at, raw=answer.body)
        if code == 401 or "unauthorized" in description.lower():
            return AuthError(
                text,
                hint=_("TELEGRAM_BOT_TOKEN is wrong or revoked: copy it again from @BotFather."),
                raw=answer.body,
            )
        lowered = description.lower()
        if "chat not found" in lowered or "user not found" in lowered:
            return NotFound(text, raw=answer.body)
        if code == 403:
            return AuthError(
                text,
                hint=_("Add the bot to this group or channel: private chats need it as a member."),
                raw=answer.body,
            )
        return InvalidAnswer(text, raw=answer.body)
