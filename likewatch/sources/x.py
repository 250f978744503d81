"""X (formerly Twitter) accounts through API v2 users lookup.

A handle is resolved once with `GET /2/users/by?usernames=` to the account's numeric id, which
survives renames; reads use `GET /2/users?ids=` with up to 100 ids a request. X answers
unknown or suspended accounts with HTTP 200 and an `errors` array beside `data`: each becomes
NotFound for that account only. Every answer carries `x-rate-limit-limit`, `-remaining` and
`-reset` (epoch seconds): the source spreads the last requests of a window over what is left
of it, and a 429 waits for the reset.
"""

from __future__ import annotations

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
from likewatch.sources.errors import AuthError, InvalidAnswer, NotFound, SourceError

HOSTS = {
    "x.com",
    "www.x.com",
    "mobile.x.com",
    "twitter.com",
    "www.twitter.com",
    "mobile.twitter.com",
}
USERNAME = re.compile(r"^[A-Za-z0-9_]{1,15}$")
USER_ID = re.compile(r"^[0-9]{1,20}$")
PREFIXES = ("x:", "twitter:")
# Paths on x.com that are not accounts.
RESERVED = {
    "home",
    "explore",
    "search",
    "i",
    "settings",
    "messages",
    "notifications",
    "intent",
    "share",
    "hashtag",
    "compose",
    "login",
    "logout",
    "signup",
    "tos",
    "privacy",
    "about",
    "jobs",
}
FIELDS = "public_metrics,username,name"


class XSource(http.HTTPSource):
    platform = "x"
    batch_size = 100
    metrics = ("followers",)
    credentials = (Credential("token", "X_BEARER_TOKEN", "an X API app bearer token"),)

    # Recognising URLs ------------------------------------------------------------------

    def parse(self, text: str) -> PageRef | None:
        text = text.strip()
        bare = after_prefix(text, PREFIXES)
        if bare is not None:
            return self._ref(bare.removeprefix("@"))
        parts = address_on(text, HOSTS)
        if parts is None:
            return None
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) >= 3 and segments[:2] == ["i", "user"] and USER_ID.match(segments[2]):
            return PageRef(self.platform, segments[2], f"https://x.com/i/user/{segments[2]}")
        if segments and segments[0].lower() not in RESERVED:
            return self._ref(segments[0])
        return None

    def _ref(self, username: str) -> PageRef | None:
        if not USERNAME.match(username) or username.lower() in RESERVED:
            return None
        # Usernames are case-insensitive: one spelling per account.
        key = "@" + username.lower()
        return PageRef(platform=self.platform, key=key, url=f"https://x.com/{username.lower()}")

    # Reading ---------------------------------------------------------------------------

    async def resolve(self, ref: PageRef) -> Reading:
        if ref.key.startswith("@"):
            results = await self._lookup("users/by", {"usernames": ref.key[1:]}, [ref.key[1:]])
            outcome = results[ref.key[1:]]
        else:
            outcome = (await self.read([ref.key]))[ref.key]
        if isinstance(outcome, SourceError):
            raise outcome
        return outcome

    async def read(self, keys: list[str], options: dict | None = None) -> ReadResult:
        keys = list(dict.fromkeys(keys))
        return await self._lookup("users", {"ids": ",".join(keys)}, keys)

    async def _lookup(self, path: str, params: dict, keys: list[str]) -> ReadResult:
        self.require_credentials()
        answer = await self.fetch(
            f"{self.base_url}/{path}",
            {**params, "user.fields": FIELDS},
            headers={"Authorization": f"Bearer {self.config['token']}"},
        )
        data = answer.json()
        if not isinstance(data, dict):
            raise InvalidAnswer("the X answer is not a JSON object", raw=answer.body)
        if answer.status != 200:
            raise self._error(data, answer)
        users = data.get("data", [])
        if not isinstance(users, list):
            raise InvalidAnswer("the X answer's data is not a list", raw=answer.body)
        if not users and not data.get("errors"):
            raise InvalidAnswer("the X answer has neither users nor errors", raw=answer.body)
        by_key = {}
        for user in users:
            if isinstance(user, dict):
                by_key[str(user.get("id"))] = user
                by_key[str(user.get("username", "")).lower()] = user
        problems = {}
        for error in data.get("errors", []) or []:
            if isinstance(error, dict):
                value = str(error.get("value") or error.get("resource_id") or "").lower()
                problems[value] = error
        results: ReadResult = {}
        for key in keys:
            user = by_key.get(key.lower())
            if user is not None:
                results[key] = self._reading(user, answer)
            elif key.lower() in problems:
                error = problems[key.lower()]
                detail = error.get("detail") or error.get("title") or "not found"
                label = key if key.isdigit() else "@" + key
                results[key] = NotFound(f"X account {label}: {detail}")
            else:
                results[key] = InvalidAnswer(f"the X answer left out {key!r}")
        return results

    # Interpreting answers ---------------------------------------------------------------

    def _reading(self, user: dict, answer: http.Answer) -> Reading:
        metrics = user.get("public_metrics")
        if isinstance(metrics, dict):
            count = checked_count(metrics.get("followers_count"), "followers_count")
        else:
            count = InvalidAnswer("the account has no public_metrics")
        username = str(user.get("username", ""))
        return Reading(
            platform_id=str(user.get("id", "")),
            counts={"followers": count},
            fetched_at=timezone.now(),
            name=str(user.get("name", ""))[:255],
            handle=username[:255],
            url=f"https://x.com/{username}" if username else "",
            source_url=answer.url,
            produced_at=answer.produced_at,
            duration_ms=answer.duration_ms,
            raw=answer.body,
        )

    def _error(self, data: dict, answer: http.Answer) -> SourceError:
        detail = data.get("detail") or data.get("title") or data.get("error") or "error"
        text = f"X API HTTP {answer.status}: {detail}"
        if answer.status == 429:
            return self.refusal(answer, text, default=timedelta(minutes=15))
        trouble = self.server_trouble(answer)
        if trouble:
            return trouble
        if answer.status == 401:
            return AuthError(
                text,
                hint=_("X_BEARER_TOKEN is invalid or revoked: issue a new one."),
                raw=answer.body,
            )
        if answer.status == 402:
            return AuthError(
                text, hint=_("The X developer account has no read credits left."), raw=answer.body
            )
        if answer.status == 403:
            return AuthError(
                text,
                hint=_("The X app's access level does not allow users lookup."),
                raw=answer.body,
            )
        if answer.status == 404:
            return NotFound(text, raw=answer.body)
        return InvalidAnswer(text, raw=answer.body)
