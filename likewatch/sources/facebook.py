"""Facebook pages through the Graph API.

One request reads up to 50 pages (`GET /vNN.0/?ids=A,B&fields=...`, answered as an object
keyed by id). Graph API fails a whole multi-id request when one id does not exist (error 803,
naming the aliases), so `read` retries without the ids the error names, and any page that is
still refused alone is reported as NotFound for that page only.

Meta retired the `page_fans` insight in 2025 and many pages show followers only: followers
is the metric a campaign tracks by default; likes (`fan_count`) are kept where present.

Reading pages one does not manage needs an app approved for Page Public Metadata Access.
Without a token, or once the Graph API says the app lacks that feature, the source reads the
counts the public page shows logged-out visitors instead, through the web-page source's
`facebook` preset when the organiser opts in with FACEBOOK_FALLBACK=web: those readings are
marked with provenance "scrape", lower confidence, and an abbreviated "1.2M likes" keeps its
precision.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import parse_qs

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from likewatch.sources import graph_api, http, limits
from likewatch.sources.base import (
    Count,
    Credential,
    PageRef,
    Reading,
    ReadResult,
    Source,
    address_on,
    after_prefix,
    checked_count,
)
from likewatch.sources.errors import (
    AuthError,
    InvalidAnswer,
    MissingCredentials,
    NotFound,
    RateLimited,
    SourceError,
    Transient,
)

FIELDS = "id,name,username,link,fan_count,followers_count"
METRIC_FIELDS = {"followers": "followers_count", "likes": "fan_count"}
HOSTS = {
    "facebook.com",
    "www.facebook.com",
    "m.facebook.com",
    "web.facebook.com",
    "fb.com",
    "www.fb.com",
    "fb.me",
    "touch.facebook.com",
    "mbasic.facebook.com",
    "business.facebook.com",
}
# Paths on facebook.com that are not pages.
RESERVED = {
    "groups",
    "events",
    "watch",
    "marketplace",
    "login",
    "login.php",
    "help",
    "share",
    "sharer",
    "sharer.php",
    "photo",
    "photo.php",
    "story.php",
    "hashtag",
    "search",
    "settings",
    "home.php",
    "permalink.php",
    "policies",
    "privacy",
    "reel",
    "gaming",
}
NAME = re.compile(r"^[A-Za-z0-9.\-]{1,100}$")
MISSING_ALIASES = re.compile(r"do not exist:\s*(.+)$")


PREFIXES = ("facebook:", "fb:")
PPMA_HINT = gettext_lazy(
    "The app needs the Page Public Metadata Access feature (App Review); "
    "meanwhile set FACEBOOK_FALLBACK=web to read the public page instead."
)
PERMISSION_HINT = gettext_lazy(
    "The Graph API refused the app a permission it needs to read this page: use an app token "
    "(or app secret proof) of an app with Page Public Metadata Access, or set "
    "FACEBOOK_FALLBACK=web to read the public page instead."
)


class FacebookSource(Source):
    platform = "facebook"
    batch_size = 50
    metrics = ("followers", "likes")
    credentials = (
        Credential("token", "FACEBOOK_TOKEN", "an app token with Page Public Metadata Access"),
    )

    def __init__(self, config: dict | None = None, client=None) -> None:
        config = config or settings.LIKEWATCH_SOURCES["facebook"]
        self.config = config
        self.base_url = config["base_url"].rstrip("/")
        self.version = config["api_version"]
        self.token = config.get("token", "")
        self.fallback = config.get("fallback", "")
        self.client = client or http.make_client()
        # The poller waits until this moment before the next request to this platform.
        self.cooldown_until: datetime | None = None
        self.calls = 0
        # Set when the Graph API refuses the app a permission or feature (not when the token
        # expired): FACEBOOK_FALLBACK=web then reads the public pages instead.
        self.app_refused = False
        self._web = None

    async def aclose(self) -> None:
        await self.client.aclose()
        if self._web is not None:
            await self._web.aclose()

    @classmethod
    def credential_problem(cls, config: dict) -> str:
        if config.get("token"):
            return ""
        if config.get("fallback") == "web":
            return _(
                "facebook has no credentials: its pages are read from their public web pages "
                "(lower confidence); set FACEBOOK_TOKEN (an app token with Page Public "
                "Metadata Access) to read them through the Graph API."
            )
        return super().credential_problem(config)

    # Reading public pages without an approved app ------------------------------------

    def _use_web(self) -> bool:
        return self.fallback == "web" and (not self.token or self.app_refused)

    def _web_source(self):
        if self._web is None:
            from likewatch.sources.webpage import WebPageSource

            self._web = WebPageSource()
        return self._web

    def _web_options(self, key: str) -> dict:
        base = self.config.get("web_url", "https://www.facebook.com").rstrip("/")
        return {"url": f"{base}/{key}", "preset": "facebook"}

    async def _web_resolve(self, key: str) -> Reading:
        web = self._web_source()
        reading = await web.read_page(key, self._web_options(key))
        self.calls += 1
        if all(isinstance(c, SourceError) for c in reading.counts.values()):
            raise next(iter(reading.counts.values()))
        return reading

    async def _web_read(self, keys: list[str]) -> ReadResult:
        results: ReadResult = {}
        for key in keys:
            try:
                results[key] = await self._web_resolve(key)
            except (NotFound, InvalidAnswer, AuthError) as exc:
                results[key] = exc
        self.cooldown_until = self._web_source().cooldown_until
        return results

    # Recognising URLs ------------------------------------------------------------------

    def parse(self, text: str) -> PageRef | None:
        text = text.strip()
        if not text:
            return None
        bare = after_prefix(text, PREFIXES)
        if bare is not None:
            key = bare.removeprefix("@")
            if not NAME.match(key) or key.lower() in RESERVED:
                return None
            return PageRef(self.platform, key, f"https://www.facebook.com/{key}")
        parts = address_on(text, HOSTS)
        if parts is None:
            return None
        segments = [s for s in parts.path.split("/") if s]
        if segments and segments[0] == "profile.php":
            ids = parse_qs(parts.query).get("id", [])
            key = ids[0] if ids and ids[0].isdigit() else None
        elif len(segments) >= 3 and segments[0] in ("pages", "people") and segments[-1].isdigit():
            key = segments[-1]
        elif len(segments) >= 2 and segments[0] == "pg" and NAME.match(segments[1]):
            key = segments[1]
        elif segments and segments[0].lower() not in RESERVED and NAME.match(segments[0]):
            key = segments[0]
        else:
            key = None
        if not key:
            return None
        return PageRef(platform=self.platform, key=key, url=f"https://www.facebook.com/{key}")

    # Reading ---------------------------------------------------------------------------

    def _check_token(self) -> None:
        if not self.token:
            raise MissingCredentials(
                "No Facebook token is configured.",
                hint=_(
                    "Set FACEBOOK_TOKEN to an app token with Page Public Metadata Access, "
                    "or FACEBOOK_FALLBACK=web to read public pages instead."
                ),
            )

    async def _get(self, path: str, params: dict) -> tuple[object, http.Answer]:
        self._check_token()
        params = {**params, "access_token": self.token}
        self.calls += 1
        answer = await http.get(self.client, f"{self.base_url}/{self.version}/{path}", params)
        self._note_usage(answer.headers)
        if answer.status == 429:
            # Not the Graph API's own throttling (that is a JSON error, code 4/17/32/613) but a
            # proxy or edge in front of it: it still means wait, as long as it says.
            retry_at = limits.retry_after(answer.headers) or graph_api.retry_time(answer.headers)
            raise RateLimited("HTTP 429 Too Many Requests", retry_at=retry_at, raw=answer.body)
        if answer.status >= 500 and not answer.body.lstrip().startswith(b"{"):
            raise Transient(f"HTTP {answer.status} from the Graph API", raw=answer.body)
        data = answer.json()
        if not isinstance(data, dict):
            raise InvalidAnswer("the Graph API answer is not a JSON object", raw=answer.body)
        if "error" in data:
            raise self._error(data["error"], answer)
        if answer.status != 200:
            raise Transient(f"HTTP {answer.status} without an error body", raw=answer.body)
        return data, answer

    async def resolve(self, ref: PageRef) -> Reading:
        if self._use_web():
            return await self._web_resolve(ref.key)
        try:
            data, answer = await self._get(ref.key, {"fields": FIELDS})
        except AuthError:
            if self._use_web():  # the app turned out to lack Page Public Metadata Access
                return await self._web_resolve(ref.key)
            raise
        reading = self._reading(data, answer)
        if not reading.platform_id:
            raise InvalidAnswer("the Graph API answer has no page id", raw=answer.body)
        return reading

    async def read(self, keys: list[str], options: dict | None = None) -> ReadResult:
        if self._use_web():
            return await self._web_read(list(dict.fromkeys(keys)))
        results: ReadResult = {}
        pending = list(dict.fromkeys(keys))
        while pending:
            try:
                data, answer = await self._get("", {"ids": ",".join(pending), "fields": FIELDS})
            except AuthError:
                if self._use_web():
                    return await self._web_read(pending)
                raise
            except NotFound as exc:
                missing = self._missing_aliases(exc.message, pending)
                if not missing:
                    if len(pending) == 1:
                        results[pending[0]] = exc
                        return results
                    # The error did not say which id: ask for each alone.
                    for key in pending:
                        results.update(await self.read([key]))
                    return results
                for key in missing:
                    results[key] = NotFound(f"Facebook has no page {key!r}.")
                pending = [k for k in pending if k not in missing]
                continue
            for key in pending:
                item = data.get(key)
                if not isinstance(item, dict):
                    results[key] = InvalidAnswer(f"the answer has no entry for {key!r}")
                else:
                    results[key] = self._reading(item, answer)
            break
        return results

    # Interpreting answers ---------------------------------------------------------------

    def _reading(self, item: dict, answer: http.Answer) -> Reading:
        counts: dict[str, Count | SourceError] = {}
        for metric, field in METRIC_FIELDS.items():
            counts[metric] = _count(item.get(field), field)
        return Reading(
            platform_id=str(item.get("id", "")),
            counts=counts,
            fetched_at=timezone.now(),
            name=str(item.get("name", ""))[:255],
            handle=str(item.get("username", ""))[:255],
            url=str(item.get("link", ""))[:500],
            provenance="api",
            source_url=answer.url,
            produced_at=answer.produced_at,
            duration_ms=answer.duration_ms,
            raw=answer.body,
        )

    def _error(self, error: object, answer: http.Answer) -> SourceError:
        exc, parsed = graph_api.classify(
            error,
            answer.body,
            retry_at=graph_api.retry_time(answer.headers),
            auth_hint=str(PERMISSION_HINT),
            expired_hint=_("The token has expired or was revoked: issue a new one."),
        )
        if isinstance(exc, AuthError) and parsed is not None and not parsed.is_expired_token():
            # The app may not read this page (a permission, a feature, an app token): the
            # public page is what FACEBOOK_FALLBACK=web reads instead.
            self.app_refused = True
            if "Metadata Access" in parsed.message:
                exc.hint = str(PPMA_HINT)
        return exc

    @staticmethod
    def _missing_aliases(message: str, pending: list[str]) -> list[str]:
        match = MISSING_ALIASES.search(message)
        if not match:
            return []
        named = {part.strip() for part in match.group(1).split(",")}
        return [key for key in pending if key in named]

    def _note_usage(self, headers) -> None:
        """Space out requests when a usage header passes graph_api.USAGE_SLOWDOWN percent."""
        cooldown = graph_api.cooldown_after(headers, timezone.now())
        if cooldown is not None:
            self.cooldown_until = cooldown


def _count(value: object, field: str) -> Count | SourceError:
    # The Graph API answers 0 for counts it will not show; a real page never has 0.
    if isinstance(value, str):
        return InvalidAnswer(f"{field} is not a whole number: {value!r}"[:200])
    return checked_count(value, field)
