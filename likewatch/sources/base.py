"""The interface every platform source implements.

A source does three things:

- `parse(text)`: recognise a URL or handle a user pasted, without any network call;
- `resolve(ref)`: ask the platform once for the page's stable id, name and current counts;
- `read(keys)`: read the counts of many known pages, in as few requests as the platform allows.

`read` raises a `SourceError` when the whole request failed (rate limit, bad token, network) and
otherwise returns, for each key, either a `Reading` or the `SourceError` for that page alone
(a page missing inside a batch). A bad answer never becomes a `Reading`.
"""

from __future__ import annotations

import abc
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar
from urllib.parse import SplitResult, urlsplit

from django.utils.translation import gettext as _

from likewatch.sources import platform_text
from likewatch.sources.errors import InvalidAnswer, SourceError


@dataclass(frozen=True)
class PageRef:
    """What a pasted URL or handle names, before the platform is asked."""

    platform: str
    key: str  # the id or handle in the form the platform's API accepts
    url: str = ""
    options: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Count:
    """One measured count. `value` None means the platform hides it.

    The true count lies in [value, value + precision): `precision` is the rounding step of a
    platform that shows rounded-down figures (YouTube's three significant figures, "1.2M" on
    a web page means 1,200,000 to 1,299,999), so a change smaller than it is never read as a
    real change.
    """

    value: int | None
    precision: int = 1

    def __post_init__(self) -> None:
        if self.value is not None and self.value < 0:
            raise InvalidAnswer(f"negative count {self.value}")
        if self.precision < 1:
            raise InvalidAnswer(f"precision must be at least 1, got {self.precision}")


@dataclass
class Reading:
    """What one fetch measured for one platform page."""

    platform_id: str
    counts: dict[str, Count]  # metric -> count
    fetched_at: datetime
    name: str = ""
    handle: str = ""
    url: str = ""
    provenance: str = "api"
    source_url: str = ""  # the address asked, without credentials
    duration_ms: int = 0
    raw: bytes | None = None  # the platform's answer body, for the evidence store
    produced_at: datetime | None = None  # by the answer's own metadata (sources.freshness)

    def __post_init__(self) -> None:
        # The platform wrote these: no control characters into the database, no link that
        # is not http(s) onto a page (see platform_text).
        self.name = platform_text.clean(self.name)
        self.handle = platform_text.clean(self.handle)
        self.url = platform_text.safe_link(self.url)


ReadResult = dict[str, "Reading | SourceError"]

# The one plausibility cap for counts, wherever a count enters (a platform's answer, the
# poller's last check, an imported file): no page has as many followers as there are people
# (8 billion), so a count this large is a platform bug or a typing slip.
PLAUSIBLE_LIMIT = 10_000_000_000


def plausible(value: int) -> bool:
    """Whether `value` could be a page's audience count: positive and below PLAUSIBLE_LIMIT."""
    return 0 < value < PLAUSIBLE_LIMIT


def checked_count(value: object, field: str, *, precision: int = 1) -> Count | SourceError:
    """A Count from a platform's raw figure, or the InvalidAnswer that explains why not.

    Whole numbers and strings of digits (YouTube sends counts as strings) are accepted;
    missing, fractional, zero, negative and absurd figures never become a Count: a real
    public page never has zero followers, and platforms answer 0 for counts they withhold.
    """
    if value is None:
        return InvalidAnswer(f"the answer has no {field}")
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        return InvalidAnswer(f"{field} is not a whole number: {value!r}"[:200])
    if value <= 0:
        return InvalidAnswer(f"{field} is {value}: not a count we can trust")
    if value >= PLAUSIBLE_LIMIT:
        return InvalidAnswer(f"{field} is {value}: more than anyone could have")
    return Count(value, precision)


@dataclass(frozen=True)
class Credential:
    """One setting a source needs, and the environment variable that provides it."""

    setting: str  # key in settings.LIKEWATCH_SOURCES[platform]
    variable: str  # environment variable an organiser sets
    what: str  # what to put there, in a few words


def split_address(text: str) -> SplitResult | None:
    """`text` split as a URL, or None when it cannot be one (e.g. "https://[" or a bad port).

    Parsers call this instead of urlsplit, which raises on such text: a pasted line must never
    crash recognition, only fail to be recognised.
    """
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 (validates the port, raising ValueError when it is not a number)
    except ValueError:
        return None
    return parts


def after_prefix(text: str, prefixes: Iterable[str]) -> str | None:
    """What follows one of a platform's prefixes ("ig:", "instagram:") at the start of `text`,
    stripped; None when `text` begins with none of them. Prefixes are lower case and match
    whatever case an organiser typed ("IG:nasa"); what follows keeps its own case (a Facebook
    page's name, a YouTube channel id)."""
    lowered = text.lower()
    for prefix in prefixes:
        if lowered.startswith(prefix):
            return text[len(prefix) :].strip()
    return None


def address_on(text: str, hosts: Container[str]) -> SplitResult | None:
    """`text` as an http(s) URL on one of `hosts` (lower case; the scheme may be left out)."""
    if "://" not in text and text.split("/")[0].lower() in hosts:
        text = "https://" + text
    parts = split_address(text)
    if parts is None or parts.scheme not in ("http", "https"):
        return None
    if (parts.hostname or "").lower() not in hosts:
        return None
    return parts


class Source(abc.ABC):
    """A platform adapter. Subclasses set `platform`, `batch_size` and `metrics`."""

    platform: ClassVar[str]
    batch_size: ClassVar[int] = 1
    # The metrics this platform reports, the first being the one a campaign tracks by default.
    metrics: ClassVar[tuple[str, ...]]
    # The settings without which this source cannot read anything.
    credentials: ClassVar[tuple[Credential, ...]] = ()

    @classmethod
    def credential_problem(cls, config: dict) -> str:
        """One sentence saying what to set when credentials are missing; empty when none are.

        Sources with a fallback (Facebook without a token) override this to say what they do
        instead.
        """
        missing = [c for c in cls.credentials if not config.get(c.setting)]
        if not missing:
            return ""
        wanted = " and ".join(f"{c.variable} ({c.what})" for c in missing)
        return _("%(platform)s has no credentials: set %(wanted)s; its pages cannot be read.") % {
            "platform": cls.platform,
            "wanted": wanted,
        }

    @abc.abstractmethod
    def parse(self, text: str) -> PageRef | None:
        """The page a URL or handle names, or None if this source does not recognise it."""

    @abc.abstractmethod
    async def resolve(self, ref: PageRef) -> Reading:
        """Ask the platform for the page's stable id, name and counts. Raises SourceError."""

    @abc.abstractmethod
    async def read(self, keys: list[str], options: dict | None = None) -> ReadResult:
        """Read up to `batch_size` pages by platform id. Raises SourceError for the batch."""

    async def aclose(self) -> None:
        """Release connections. Sources that hold an HTTP client override this."""
        return None
