"""Any JSON endpoint: a URL and a JMESPath expression that picks the count out of the answer.

For platforms likewatch has no source for (a petition site's API, a forum's statistics). The
page is added as `json:URL EXPRESSION`, for example
`json:https://example.org/api/petition/42 data.signature_count`; the URL and the expression are
kept in the page's options and together form its stable id. A name may follow after " # "
(`json:URL EXPRESSION # Petition signatures`); without one the page is named by its host and
path. The expression is JMESPath
(https://jmespath.org, the `jmespath` package); a simple JSONPath such as `$.data.count` is
accepted too, since its dotted form is the same in JMESPath once the leading `$.` is dropped.

What the expression picks must be a whole number (or a string of digits) above zero: anything
else is an InvalidAnswer naming what was found instead.
"""

from __future__ import annotations

import functools
import hashlib
from urllib.parse import urlsplit

import jmespath
from django.utils import timezone
from django.utils.translation import gettext as _
from jmespath.exceptions import JMESPathError

from likewatch.sources import http
from likewatch.sources.base import PageRef, Reading, ReadResult, checked_count
from likewatch.sources.errors import (
    AuthError,
    InvalidAnswer,
    NotFound,
    SourceError,
)

PREFIX = "json:"
METRICS = ("followers", "likes", "subscribers", "members")


def expression_of(text: str) -> str:
    """The JMESPath form of an expression written as JMESPath or as a dotted JSONPath."""
    text = text.strip()
    if text == "$":
        return "@"
    if text.startswith("$."):
        return text[2:]
    if text.startswith("$["):
        return text[1:]
    return text


@functools.lru_cache(maxsize=1024)
def compiled(expression: str) -> jmespath.parser.ParsedResult:
    """`expression` compiled once, not at every fetch (a page asks the same one each time)."""
    return jmespath.compile(expression)


def page_id(url: str, expression: str) -> str:
    """The stable id of a URL and an expression, short enough for the database."""
    joined = f"{url} {expression}"
    if len(joined) <= 200:
        return joined
    return f"{url[:150]} #{hashlib.sha256(joined.encode()).hexdigest()[:16]}"


# "json:URL EXPRESSION # Petition signatures": the organiser's name for the page.
NAME_MARK = " # "


def display_name(url: str, given: str = "") -> str:
    """The organiser's name for the page, else its host and path ("example.org/api/petition/42"),
    which says more than a host alone (two endpoints of one server would share "127.0.0.1")."""
    if given.strip():
        return given.strip()[:255]
    parts = urlsplit(url)
    return f"{parts.hostname or ''}{parts.path.rstrip('/')}"[:255]


def split_line(text: str) -> tuple[str, str, str] | None:
    """('url', 'rest', 'metric') from 'URL REST' or 'METRIC URL REST'; None when malformed."""
    parts = text.strip().split(None, 1)
    if len(parts) != 2:
        return None
    metric = "followers"
    if parts[0] in METRICS:
        metric = parts[0]
        parts = parts[1].split(None, 1)
        if len(parts) != 2:
            return None
    url, rest = parts
    address = urlsplit(url)
    if address.scheme not in ("http", "https") or not address.hostname:
        return None
    return url, rest.strip(), metric


class JSONSource(http.HTTPSource):
    platform = "json"
    batch_size = 1
    metrics = METRICS

    # Recognising URLs ------------------------------------------------------------------

    def parse(self, text: str) -> PageRef | None:
        text = text.strip()
        if not text.lower().startswith(PREFIX):
            return None
        text, _mark, name = text.partition(NAME_MARK)
        parsed = split_line(text[len(PREFIX) :])
        if parsed is None:
            return None
        url, raw_expression, metric = parsed
        expression = expression_of(raw_expression)
        try:
            compiled(expression)
        except JMESPathError:
            return None
        return PageRef(
            platform=self.platform,
            key=page_id(url, expression),
            url=url,
            options={
                "url": url,
                "expression": expression,
                "metric": metric,
                **({"name": name.strip()} if name.strip() else {}),
            },
        )

    # Reading ---------------------------------------------------------------------------

    async def resolve(self, ref: PageRef) -> Reading:
        reading = await self._read_one(ref.key, ref.options)
        count = reading.counts[ref.options.get("metric", "followers")]
        if isinstance(count, SourceError):
            raise count
        return reading

    async def read(self, keys: list[str], options: dict | None = None) -> ReadResult:
        results: ReadResult = {}
        for key in keys:
            try:
                results[key] = await self._read_one(key, options or {})
            except (NotFound, InvalidAnswer) as exc:
                results[key] = exc
        return results

    async def _read_one(self, key: str, options: dict) -> Reading:
        url, expression = options.get("url"), options.get("expression")
        if not url or not expression:
            raise InvalidAnswer("the page has no URL or expression in its options")
        answer = await self.fetch(url, {}, headers={"Accept": "application/json"})
        self._check_status(answer)
        data = answer.json()
        try:
            found = compiled(expression).search(data)
        except JMESPathError as exc:
            raise InvalidAnswer(f"the expression {expression!r} failed: {exc}") from None
        if found is None:
            count: object = InvalidAnswer(f"the expression {expression!r} found nothing")
        else:
            count = checked_count(found, expression)
        return Reading(
            platform_id=key,
            counts={options.get("metric", "followers"): count},
            fetched_at=timezone.now(),
            name=display_name(url, options.get("name", "")),
            url=url,
            source_url=answer.url,
            produced_at=answer.produced_at,
            duration_ms=answer.duration_ms,
            raw=answer.body,
        )

    def _check_status(self, answer: http.Answer) -> None:
        if answer.status == 429 or (answer.status == 503 and "retry-after" in answer.headers):
            raise self.refusal(answer, f"HTTP {answer.status}: asked to slow down")
        trouble = self.server_trouble(answer)
        if trouble:
            raise trouble
        if answer.status in (401, 403):
            raise AuthError(
                f"HTTP {answer.status} from {urlsplit(answer.url).hostname}",
                hint=_("This endpoint is not public: likewatch can only read open endpoints."),
                raw=answer.body,
            )
        if answer.status in (404, 410):
            raise NotFound(f"HTTP {answer.status}: no such endpoint", raw=answer.body)
        if answer.status != 200:
            raise InvalidAnswer(f"HTTP {answer.status} from the endpoint", raw=answer.body)
