"""YouTube channels through the Data API v3 (`channels.list`, part statistics).

One call reads up to 50 channels by id and costs one quota unit; a project has 10,000 units
a day by default, reset at midnight Pacific time. The source counts the units it spends,
spreads the last fifth of the day's budget over the rest of the day, and stops at the
budget instead of being refused (`quotaExceeded` then means another process spent it).

Since 2019 public subscriber counts above 1,000 are rounded down to three significant figures
(10,745,112 shows as 10,700,000), so every value carries the rounding step as its precision,
and a channel that hides its count (`hiddenSubscriberCount`) is recorded as hidden.

URL forms: /channel/UC…, /@handle (resolved with `forHandle`), /user/NAME (`forUsername`),
and /c/NAME, which the API cannot look up directly: it is tried as a handle, then as a
legacy username.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from likewatch.sources import http
from likewatch.sources.base import (
    Count,
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
    Transient,
)

PACIFIC = ZoneInfo("America/Los_Angeles")
HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"}
CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
# Handles may be written in many scripts (Arabic included), with dots, dashes, underscores.
HANDLE = re.compile(r"^[\w.\-·]{3,30}$")
NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
PREFIXES = ("yt:", "youtube:")
PACING_SHARE = 0.8  # share of the daily quota after which calls are spread over the day
QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded"}
RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
AUTH_REASONS = {
    "keyInvalid",
    "keyExpired",
    "forbidden",
    "accessNotConfigured",
    "ipRefererBlocked",
    "API_KEY_INVALID",
    "SERVICE_DISABLED",
}


def rounding_step(value: int) -> int:
    """The step YouTube rounds a public subscriber count to: three significant figures."""
    if value < 1000:
        return 1
    step = 10 ** (len(str(value)) - 3)
    # A figure with more digits than the rounding leaves was not rounded: it is exact.
    return step if value % step == 0 else 1


def next_pacific_midnight(now: datetime) -> datetime:
    """When the daily quota resets."""
    local = now.astimezone(PACIFIC)
    tomorrow = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=PACIFIC)
    return tomorrow.astimezone(now.tzinfo or PACIFIC)


class YouTubeSource(http.HTTPSource):
    platform = "youtube"
    batch_size = 50
    metrics = ("subscribers",)
    credentials = (Credential("token", "YOUTUBE_API_KEY", "a YouTube Data API v3 key"),)

    def __init__(self, config: dict | None = None, client=None) -> None:
        super().__init__(config, client)
        self.daily_quota = int(self.config.get("daily_quota", 10_000))
        self.units_used = 0
        self.quota_day = None

    # Recognising URLs ------------------------------------------------------------------

    def parse(self, text: str) -> PageRef | None:
        text = text.strip()
        bare = after_prefix(text, PREFIXES)
        if bare is not None:
            return self._ref_from_bare(bare)
        parts = address_on(text, HOSTS)
        if parts is None:
            return None
        segments = [unquote(s) for s in parts.path.split("/") if s]
        if not segments:
            return None
        first = segments[0]
        if first.startswith("@"):
            return self._ref_from_bare(first)
        if len(segments) >= 2 and first == "channel":
            return self._ref_from_bare(segments[1])
        if len(segments) >= 2 and first in ("user", "c") and NAME.match(segments[1]):
            return self._ref(f"{first}:{segments[1]}")
        return None

    def _ref_from_bare(self, text: str) -> PageRef | None:
        if CHANNEL_ID.match(text):
            return self._ref(text)
        # Handles are case-insensitive: one spelling per channel.
        handle = text.removeprefix("@").lower()
        if text.startswith("@") and HANDLE.match(handle):
            return self._ref("@" + handle)
        return None

    def _ref(self, key: str) -> PageRef:
        if key.startswith("@"):
            url = f"https://www.youtube.com/@{quote(key[1:])}"
        elif key.startswith(("user:", "c:")):
            kind, name = key.split(":", 1)
            url = f"https://www.youtube.com/{kind}/{name}"
        else:
            url = f"https://www.youtube.com/channel/{key}"
        return PageRef(platform=self.platform, key=key, url=url)

    # Reading ---------------------------------------------------------------------------

    async def resolve(self, ref: PageRef) -> Reading:
        if ref.key.startswith("@"):
            attempts = [{"forHandle": ref.key}]
        elif ref.key.startswith("user:"):
            attempts = [{"forUsername": ref.key[5:]}]
        elif ref.key.startswith("c:"):
            name = ref.key[2:]
            attempts = [{"forHandle": "@" + name}, {"forUsername": name}]
        else:
            attempts = [{"id": ref.key}]
        for params in attempts:
            items, answer = await self._channels(params)
            if items:
                return self._reading(items[0], answer)
        raise NotFound(f"YouTube has no channel {ref.key!r}.")

    async def read(self, keys: list[str], options: dict | None = None) -> ReadResult:
        keys = list(dict.fromkeys(keys))
        items, answer = await self._channels({"id": ",".join(keys), "maxResults": 50})
        found = {item.get("id"): item for item in items if isinstance(item, dict)}
        results: ReadResult = {}
        for key in keys:
            if key in found:
                results[key] = self._reading(found[key], answer)
            else:
                results[key] = NotFound(
                    f"YouTube has no channel {key!r} (deleted, terminated or made private)."
                )
        return results

    async def _channels(self, params: dict) -> tuple[list, http.Answer]:
        self.require_credentials()
        self._spend_unit()
        answer = await self.fetch(
            f"{self.base_url}/channels",
            {"part": "snippet,statistics", **params, "key": self.config["token"]},
        )
        data = answer.json()
        if not isinstance(data, dict):
            raise InvalidAnswer("the YouTube answer is not a JSON object", raw=answer.body)
        if "error" in data or answer.status != 200:
            raise self._error(data.get("error"), answer)
        items = data.get("items", [])
        if not isinstance(items, list):
            raise InvalidAnswer("the YouTube answer's items is not a list", raw=answer.body)
        return items, answer

    # The daily quota ---------------------------------------------------------------------

    def _spend_unit(self) -> None:
        now = timezone.now()
        today = now.astimezone(PACIFIC).date()
        if today != self.quota_day:
            self.quota_day, self.units_used = today, 0
        if self.units_used >= self.daily_quota:
            reset = next_pacific_midnight(now)
            self.cooldown_until = reset
            raise RateLimited(
                f"the day's YouTube quota of {self.daily_quota} units is spent", retry_at=reset
            )
        self.units_used += 1
        self._pace(now)

    def _pace(self, now: datetime) -> None:
        """Spread the rest of the day's units evenly once most of them are spent."""
        if self.units_used < self.daily_quota * PACING_SHARE:
            return
        reset = next_pacific_midnight(now)
        left = self.daily_quota - self.units_used
        if left <= 0:
            self.cooldown_until = reset
        else:
            self.cooldown_until = now + (reset - now) / (left + 1)

    # Interpreting answers ---------------------------------------------------------------

    def _reading(self, item: dict, answer: http.Answer) -> Reading:
        stats = item.get("statistics")
        snippet = item.get("snippet") if isinstance(item.get("snippet"), dict) else {}
        count: Count | SourceError
        if not isinstance(stats, dict):
            count = InvalidAnswer("the channel has no statistics")
        elif stats.get("hiddenSubscriberCount") is True:
            count = Count(None)
        else:
            raw = stats.get("subscriberCount")
            value = int(raw) if isinstance(raw, str) and raw.isascii() and raw.isdigit() else raw
            step = rounding_step(value) if isinstance(value, int) and value > 0 else 1
            count = checked_count(value, "subscriberCount", precision=step)
        channel_id = str(item.get("id", ""))
        handle = str(snippet.get("customUrl", ""))
        return Reading(
            platform_id=channel_id,
            counts={"subscribers": count},
            fetched_at=timezone.now(),
            name=str(snippet.get("title", ""))[:255],
            handle=handle[:255],
            url=f"https://www.youtube.com/channel/{channel_id}",
            source_url=answer.url,
            produced_at=answer.produced_at,
            duration_ms=answer.duration_ms,
            raw=answer.body,
        )

    def _error(self, error: object, answer: http.Answer) -> SourceError:
        if answer.status >= 500:
            return Transient(f"HTTP {answer.status} from YouTube", raw=answer.body)
        if not isinstance(error, dict):
            return InvalidAnswer(f"HTTP {answer.status} without an error body", raw=answer.body)
        reasons = {
            str(e.get("reason", "")) for e in error.get("errors", []) or [] if isinstance(e, dict)
        }
        for detail in error.get("details", []) or []:
            if isinstance(detail, dict) and detail.get("reason"):
                reasons.add(str(detail["reason"]))
        text = f"YouTube error {error.get('code', answer.status)}: {error.get('message', '')}"
        if reasons & QUOTA_REASONS:
            reset = next_pacific_midnight(timezone.now())
            self.units_used = self.daily_quota
            self.cooldown_until = reset
            return RateLimited(text, retry_at=reset, raw=answer.body)
        if reasons & RATE_REASONS or answer.status == 429:
            return self.refusal(answer, text)
        if reasons & AUTH_REASONS or answer.status in (401, 403):
            return AuthError(
                text,
                hint=_(
                    "Check YOUTUBE_API_KEY and that the YouTube Data API v3 is enabled "
                    "for its Google Cloud project."
                ),
                raw=answer.body,
            )
        if answer.status == 404 or "channelNotFound" in reasons:
            return NotFound(text, raw=answer.body)
        return InvalidAnswer(text, raw=answer.body)
