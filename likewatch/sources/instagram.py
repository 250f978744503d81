"""Instagram professional accounts through the Graph API's business discovery.

`GET /{ig-user-id}?fields=business_discovery.username(NAME){id,username,name,followers_count}`
asks, through the organiser's own professional account (INSTAGRAM_USER_ID, with a user token
holding instagram_basic and pages_read_engagement), for another professional account's
public counts. Business discovery only looks accounts up by username, one a request: the
account's Instagram id is kept as the stable id and its username in the page's options,
and a renamed account answers NotFound until its new username is added. Personal accounts
are not visible through the API at all (error 110, subcode 2207013).

Errors and usage headers are the Graph API's, as for Facebook pages.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from likewatch.sources import graph_api, http
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
    InvalidAnswer,
    NotFound,
    RateLimited,
    SourceError,
    Transient,
)

HOSTS = {"instagram.com", "www.instagram.com", "m.instagram.com", "instagr.am"}
USERNAME = re.compile(r"^(?!.*\.\.)(?!\.)[A-Za-z0-9._]{1,30}(?<!\.)$")
PREFIXES = ("ig:", "instagram:")
RESERVED = {"p", "reel", "reels", "explore", "stories", "accounts", "direct", "tv", "about"}
FIELDS = "id,username,name,followers_count"


class InstagramSource(http.HTTPSource):
    platform = "instagram"
    batch_size = 1
    metrics = ("followers",)
    credentials = (
        Credential("token", "INSTAGRAM_TOKEN", "a user token with instagram_basic"),
        Credential("user_id", "INSTAGRAM_USER_ID", "your Instagram professional account id"),
    )

    def __init__(self, config: dict | None = None, client=None) -> None:
        super().__init__(config, client)
        self.version = self.config.get("api_version", "v24.0")

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
        if segments:
            return self._ref(segments[0])
        return None

    def _ref(self, username: str) -> PageRef | None:
        if not USERNAME.match(username) or username.lower() in RESERVED:
            return None
        key = username.lower()  # usernames are case-insensitive
        return PageRef(
            platform=self.platform,
            key=key,
            url=f"https://www.instagram.com/{key}/",
            options={"username": key},
        )

    # Reading ---------------------------------------------------------------------------

    async def resolve(self, ref: PageRef) -> Reading:
        return await self._discover(ref.key)

    async def read(self, keys: list[str], options: dict | None = None) -> ReadResult:
        # The poller gives the options of the batch's page; with one page a batch they match.
        username = (options or {}).get("username")
        results: ReadResult = {}
        for key in keys:
            if not username:
                results[key] = InvalidAnswer("the page has no Instagram username in its options")
                continue
            try:
                reading = await self._discover(username)
            except NotFound as exc:
                results[key] = exc
                continue
            if reading.platform_id != key:
                results[key] = NotFound(
                    f"@{username} is now another account: the account was renamed; "
                    "add it again under its new username."
                )
            else:
                results[key] = reading
        return results

    async def _discover(self, username: str) -> Reading:
        self.require_credentials()
        answer = await self.fetch(
            f"{self.base_url}/{self.version}/{self.config['user_id']}",
            {
                "fields": f"business_discovery.username({username}){{{FIELDS}}}",
                "access_token": self.config["token"],
            },
        )
        self._note_usage(answer)
        if answer.status >= 500 and not answer.body.lstrip().startswith(b"{"):
            raise Transient(f"HTTP {answer.status} from the Graph API", raw=answer.body)
        data = answer.json()
        if not isinstance(data, dict):
            raise InvalidAnswer("the Graph API answer is not a JSON object", raw=answer.body)
        if "error" in data:
            raise self._error(data["error"], answer)
        found = data.get("business_discovery")
        if not isinstance(found, dict):
            raise InvalidAnswer("the answer has no business_discovery", raw=answer.body)
        handle = str(found.get("username") or username)
        return Reading(
            platform_id=str(found.get("id", "")),
            counts={"followers": checked_count(found.get("followers_count"), "followers_count")},
            fetched_at=timezone.now(),
            name=str(found.get("name") or "")[:255],
            handle=handle[:255],
            url=f"https://www.instagram.com/{handle}/",
            source_url=answer.url,
            produced_at=answer.produced_at,
            duration_ms=answer.duration_ms,
            raw=answer.body,
        )

    def _note_usage(self, answer: http.Answer) -> None:
        cooldown = graph_api.cooldown_after(answer.headers, timezone.now())
        if cooldown is not None:
            self.cooldown_until = cooldown

    def _error(self, error: object, answer: http.Answer) -> SourceError:
        if isinstance(error, dict):
            parsed = graph_api.GraphError.parse(error)
            if parsed.subcode == 2207013 and parsed.code in (100, 110):
                return NotFound(
                    f"{parsed.text} (not an Instagram professional account, or no such username)",
                    raw=answer.body,
                )
        exc, parsed = graph_api.classify(
            error,
            answer.body,
            retry_at=datetime.now(UTC) + timedelta(minutes=5),
            auth_hint=_(
                "The token needs instagram_basic and pages_read_engagement, and "
                "INSTAGRAM_USER_ID must be your own professional account."
            ),
            expired_hint=_("INSTAGRAM_TOKEN has expired: issue a new one."),
        )
        if isinstance(exc, RateLimited):
            self.cooldown_until = exc.retry_at
        return exc
