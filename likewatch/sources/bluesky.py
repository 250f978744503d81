"""Bluesky accounts through the public AppView (`app.bsky.actor.getProfiles`), no token.

A handle is resolved once to the account's DID, which survives handle changes; reads ask for
up to 25 DIDs at a time. getProfiles leaves out accounts it cannot show (deleted, taken down,
deactivated): each becomes NotFound for that account only. `followersCount` is optional in a
profile view: a profile without it is an InvalidAnswer, never a zero. The AppView is cached,
so counts lag the network by a little.
"""

from __future__ import annotations

import re

from django.utils import timezone
from django.utils.translation import gettext as _

from likewatch.sources import http
from likewatch.sources.base import (
    PageRef,
    Reading,
    ReadResult,
    address_on,
    after_prefix,
    checked_count,
)
from likewatch.sources.errors import AuthError, InvalidAnswer, NotFound, SourceError

HOSTS = {"bsky.app", "www.bsky.app", "staging.bsky.app"}
DID = re.compile(r"^did:(plc:[a-z2-7]{24}|web:[a-zA-Z0-9.\-:%]{1,253})$")
# Domain-name handles: at least two labels, letters, digits and hyphens.
HANDLE = re.compile(
    r"^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$"
)
PREFIXES = ("bsky:", "bluesky:")
GONE = {
    "AccountTakedown": "taken down by Bluesky moderation",
    "AccountDeactivated": "deactivated by its owner",
    "ActorNotFound": "not found",
}


class BlueskySource(http.HTTPSource):
    platform = "bluesky"
    batch_size = 25
    metrics = ("followers",)

    # Recognising URLs ------------------------------------------------------------------

    def parse(self, text: str) -> PageRef | None:
        text = text.strip()
        bare = after_prefix(text, PREFIXES)
        if bare is not None:
            return self._ref(bare.removeprefix("@"))
        lowered = text.lower()
        if lowered.startswith("did:"):
            return self._ref(text)
        # A bare handle on Bluesky's own domain is unambiguous; others need "bsky:".
        if lowered.removeprefix("@").endswith(".bsky.social") and "/" not in text:
            return self._ref(text.removeprefix("@"))
        parts = address_on(text, HOSTS)
        if parts is None:
            return None
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) >= 2 and segments[0] == "profile":
            return self._ref(segments[1])
        return None

    def _ref(self, actor: str) -> PageRef | None:
        if DID.match(actor):
            key = actor
        elif HANDLE.match(actor.lower()) and not actor.lower().endswith(".invalid"):
            key = actor.lower()  # handles are case-insensitive
        else:
            return None
        return PageRef(platform=self.platform, key=key, url=f"https://bsky.app/profile/{key}")

    # Reading ---------------------------------------------------------------------------

    async def resolve(self, ref: PageRef) -> Reading:
        answer = await self.fetch(
            f"{self.base_url}/xrpc/app.bsky.actor.getProfile", {"actor": ref.key}
        )
        data = self._data(answer)
        return self._reading(data, answer)

    async def read(self, keys: list[str], options: dict | None = None) -> ReadResult:
        keys = list(dict.fromkeys(keys))
        answer = await self.fetch(
            f"{self.base_url}/xrpc/app.bsky.actor.getProfiles", [("actors", k) for k in keys]
        )
        data = self._data(answer)
        profiles = data.get("profiles")
        if not isinstance(profiles, list):
            raise InvalidAnswer("the Bluesky answer has no profiles list", raw=answer.body)
        found = {}
        for profile in profiles:
            # A profile without a valid DID cannot be any of the pages asked for.
            if isinstance(profile, dict) and DID.match(str(profile.get("did", ""))):
                found[str(profile.get("did"))] = profile
                found[str(profile.get("handle", "")).lower()] = profile
        results: ReadResult = {}
        for key in keys:
            profile = found.get(key if key.startswith("did:") else key.lower())
            if profile is None:
                results[key] = NotFound(
                    f"Bluesky shows no profile {key!r} (deleted, deactivated or taken down)."
                )
            else:
                results[key] = self._reading(profile, answer)
        return results

    # Interpreting answers ---------------------------------------------------------------

    def _data(self, answer: http.Answer) -> dict:
        if answer.status == 429:
            raise self.refusal(answer, "Bluesky asked us to slow down (HTTP 429)")
        trouble = self.server_trouble(answer)
        if trouble:
            raise trouble
        data = answer.json()
        if not isinstance(data, dict):
            raise InvalidAnswer("the Bluesky answer is not a JSON object", raw=answer.body)
        if answer.status != 200:
            raise self._error(data, answer)
        return data

    def _error(self, data: dict, answer: http.Answer) -> SourceError:
        error = str(data.get("error", ""))
        message = str(data.get("message", ""))
        text = f"Bluesky {error or answer.status}: {message}".strip()
        if answer.status == 401:
            return AuthError(
                text,
                hint=_(
                    "The AppView asks for authentication: point BLUESKY_BASE_URL at a "
                    "public AppView such as https://public.api.bsky.app."
                ),
                raw=answer.body,
            )
        if error in GONE:
            return NotFound(f"The Bluesky account is {GONE[error]}. ({text})", raw=answer.body)
        if "not found" in message.lower() or answer.status == 404:
            return NotFound(text, raw=answer.body)
        return InvalidAnswer(text, raw=answer.body)

    def _reading(self, profile: dict, answer: http.Answer) -> Reading:
        did = str(profile.get("did", ""))
        if not DID.match(did):
            raise InvalidAnswer("the Bluesky profile has no valid DID", raw=answer.body)
        handle = str(profile.get("handle", ""))
        return Reading(
            platform_id=did,
            counts={"followers": checked_count(profile.get("followersCount"), "followersCount")},
            fetched_at=timezone.now(),
            name=str(profile.get("displayName") or "")[:255],
            handle=handle[:255],
            url=f"https://bsky.app/profile/{did}",
            source_url=answer.url,
            produced_at=answer.produced_at,
            duration_ms=answer.duration_ms,
            raw=answer.body,
        )
