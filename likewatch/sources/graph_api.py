"""What Facebook pages and Instagram accounts share: Meta's Graph API errors and usage headers.

Both sources talk to graph.facebook.com, which answers every failure as
`{"error": {"message", "type", "code", "error_subcode", "is_transient", ...}}` and reports how
much of the rate budget is used in X-App-Usage, X-Page-Usage and X-Business-Use-Case-Usage.
The classification follows Meta's "Handling Errors" guide
(https://developers.facebook.com/docs/graph-api/guides/error-handling):

- 4, 17, 32, 341, 613, 80001… (throttling): RateLimited;
- 803, and 100 "does not exist": NotFound;
- 1, 2 or `is_transient`: Transient;
- 3 (API method: "capability or permissions issue"), 10 (permission denied), 102 (session),
  104 (no signature), 190 (access token expired or revoked), 200-299 (a permission the app
  lacks), any `OAuthException` not classified above (the guide: "the login status or access
  token has expired, been revoked, or is otherwise invalid"), and a 100 that names a missing
  permission, feature or token ("(#100) Pages Public Content Access requires either app
  secret proof or an app token"): AuthError, with a hint that says what to fix;
- anything else: InvalidAnswer.

An authorisation error is the organiser's to fix, and the only kind for which Facebook's
FACEBOOK_FALLBACK=web engages: reading it as a malformed answer would hide the hint and keep
the fallback off.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from likewatch.sources.errors import (
    AuthError,
    InvalidAnswer,
    NotFound,
    RateLimited,
    SourceError,
    Transient,
)

# Throttling codes: application (4), user (17), page (32), application limit (341), a call
# rate (613), page and Instagram business use case limits (80001, 80002).
THROTTLE_CODES = frozenset({4, 17, 32, 341, 613, 80001, 80002})
# Codes that are authorisation problems whatever the message says (see the module docstring).
AUTH_CODES = frozenset({3, 10, 102, 104, 190}) | frozenset(range(200, 300))
# Words with which a code 100 ("invalid parameter") names a permission, feature or token.
AUTH_WORDS = (
    "permission",
    "public content access",
    "public metadata access",
    "app secret proof",
    "appsecret_proof",
    "app token",
    "access token",
)
USAGE_SLOWDOWN = 75  # percent of a usage header at which requests are spaced out
USAGE_HEADERS = ("x-app-usage", "x-page-usage", "x-ad-account-usage", "x-business-use-case-usage")


@dataclass(frozen=True)
class GraphError:
    """The fields of a Graph API error object that decide what it means."""

    code: int | None
    subcode: int | None
    type: str
    message: str
    transient: bool

    @classmethod
    def parse(cls, error: dict) -> GraphError:
        return cls(
            code=_int(error.get("code")),
            subcode=_int(error.get("error_subcode")),
            type=str(error.get("type") or ""),
            message=str(error.get("message") or "unknown error"),
            transient=bool(error.get("is_transient")),
        )

    @property
    def text(self) -> str:
        return f"Graph API error {self.code}: {self.message}"

    def is_throttling(self) -> bool:
        return self.code in THROTTLE_CODES

    def is_not_found(self) -> bool:
        return self.code == 803 or (self.code == 100 and "does not exist" in self.message)

    def is_transient(self) -> bool:
        return self.code in (1, 2) or self.transient

    def is_authorisation(self) -> bool:
        if self.code in AUTH_CODES or self.type == "OAuthException":
            return True
        lowered = self.message.lower()
        return self.code == 100 and any(word in lowered for word in AUTH_WORDS)

    def is_expired_token(self) -> bool:
        # 190, and 102 with the guide's "session" subcodes (463: expired, 467: invalid).
        return self.code == 190 or self.subcode in (458, 459, 460, 463, 464, 467)


def classify(
    error: object,
    raw: bytes,
    *,
    retry_at: datetime,
    auth_hint: str,
    expired_hint: str,
) -> tuple[SourceError, GraphError | None]:
    """The SourceError a Graph API error object means, and the parsed error (None if unusable).

    `auth_hint` says what to do about a missing permission, `expired_hint` about an expired
    or revoked token; callers add their platform's own special cases before calling this.
    """
    if not isinstance(error, dict):
        return InvalidAnswer("the Graph API error is not an object", raw=raw), None
    parsed = GraphError.parse(error)
    text = parsed.text
    if parsed.is_throttling():
        return RateLimited(text, retry_at=retry_at, raw=raw), parsed
    if parsed.is_not_found():
        return NotFound(text, raw=raw), parsed
    if parsed.is_transient():
        return Transient(text, raw=raw), parsed
    if parsed.is_expired_token():
        return AuthError(text, hint=expired_hint, raw=raw), parsed
    if parsed.is_authorisation():
        return AuthError(text, hint=auth_hint, raw=raw), parsed
    return InvalidAnswer(text, raw=raw), parsed


def cooldown_after(headers, now: datetime) -> datetime | None:
    """When to send the next request, if a usage header passed USAGE_SLOWDOWN percent."""
    usage = max(usage_percents(headers), default=0)
    if usage < USAGE_SLOWDOWN:
        return None
    # From 75% to 100% the pause grows from 1 to 60 seconds.
    pause = 1 + 59 * min(1.0, (usage - USAGE_SLOWDOWN) / (100 - USAGE_SLOWDOWN))
    return now + timedelta(seconds=pause)


def retry_time(headers, *, at_least_minutes: int = 5) -> datetime:
    """When a throttled app may call again: X-Business-Use-Case-Usage's estimate, or 5 minutes."""
    minutes = 0
    raw = headers.get("x-business-use-case-usage")
    if raw:
        try:
            for entries in json.loads(raw).values():
                for entry in entries:
                    minutes = max(minutes, int(entry.get("estimated_time_to_regain_access", 0)))
        except (ValueError, AttributeError, TypeError):
            minutes = 0
    return datetime.now(UTC) + timedelta(minutes=max(minutes, at_least_minutes))


def usage_percents(headers) -> list[float]:
    """Every percentage in X-App-Usage, X-Page-Usage and X-Business-Use-Case-Usage."""
    found: list[float] = []
    for name in USAGE_HEADERS:
        raw = headers.get(name)
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        items = [data] if isinstance(data, dict) and "call_count" in data else []
        if isinstance(data, dict) and not items:
            items = [e for v in data.values() if isinstance(v, list) for e in v]
        for item in items:
            if isinstance(item, dict):
                for key in ("call_count", "total_cputime", "total_time"):
                    if isinstance(item.get(key), int | float):
                        found.append(float(item[key]))
    return found


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
