"""A small shared HTTP cache in front of Django, in each web process: public answers served
from memory for a second or two.

A campaign link can bring thousands of readers to one board at once. Every one of them would
make Django recompute the same board, although the counts move at most once a poll. This
cache sits between the ASGI server and Django and keeps the answers Django itself marks as
shareable (`Cache-Control: public, max-age=N`, no Set-Cookie), so that a crowd costs one
computation per LIKEWATCH_MICROCACHE_SECONDS instead of one per reader. It follows the rules
of an HTTP shared cache (RFC 9111) with three deliberate limits:

- it keeps an answer at most LIKEWATCH_MICROCACHE_SECONDS, however long Django allows: the
  board must stay live, and the open board's event stream corrects a page as soon as it
  loads (it connects with the version the page shows);
- it serves only visitors without a session or credentials. A request carrying any cookie but
  the language and CSRF cookies, or an Authorization header, goes straight to Django: an
  organiser always sees their own campaign as it is now;
- once an answer is older than that, the next reader still gets it (for at most
  `stale-while-revalidate` seconds, capped at LIKEWATCH_MICROCACHE_STALE_SECONDS) while one
  request refreshes it behind the scenes, and readers who arrive while nothing is stored wait
  for that one computation instead of starting their own.

That refresh is a conditional request: it carries the stored answer's ETag (If-None-Match),
and a 304 from Django makes the stored answer fresh again, its body kept (RFC 9111 4.3.4).
A view that knows its ETag before working (the board: likewatch.web.board.board_etag) then
answers a refresh with a few queries instead of a whole rendering: a rendering in a thread
holds the GIL for tens of milliseconds, and every request the event loop is serving meanwhile
waits for it.

Answers are keyed by everything a public answer may depend on: the host and scheme, the path
and the canonical query (see `canonical_query`), the language Django will answer in (chosen
from Accept-Language and the language cookie by Django's own rule, so that a crowd's many
spellings of one language share a copy) and which of the encodings on offer are accepted.
Answers that vary on any other header are not kept. Like nginx's cache, it ignores a request's
own Cache-Control: otherwise anyone could make every request a computation.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.http.cookie import parse_cookie
from django.utils import translation

log = logging.getLogger(__name__)

Scope = dict
Message = dict
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

# The query parameters a public page or the public API reads. Any other cannot change a public
# answer, so the key leaves it out: `?x=1` or `?_=random` no longer skips the cache. (Django
# still sees the whole query: a sign-in page's `?next=` matters, and is never shared.) A public
# view that reads a new parameter must add it here; tests/web/test_microcache.py checks the
# views' parameters against this list.
PARAMETERS = frozenset(
    {
        "v",  # the board's version (live streams)
        "from",  # page history and events ranges
        "to",
        "page",  # paginations
        "gaps",
        "p",
        "kind",  # the events list
        "at",  # a proof of the number at a moment (evidence)
        "lang",  # share cards
        "old",  # transparency log consistency proofs
        "new",
        "start",  # the API's ranges, resolutions and pagination
        "end",
        "resolution",
        "limit",
        "offset",
    }
)

# The request headers a kept answer may vary on; the key covers each of them.
KEYED_VARY = {b"accept-language", b"accept-encoding", b"cookie"}


@dataclass
class Entry:
    """One stored answer: what was sent, and until when it may be sent again.

    What a hit sends is built once, here, not per request: the ASGI messages (the start with
    each `Age` a reader may see, the body) and the answer to a matching If-None-Match. A
    crowd's request then costs a key and two sends, whatever the page cost Django.
    """

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    stored_at: float
    fresh_until: float
    stale_until: float
    etag: bytes | None = None
    size: int = field(init=False)
    body_message: Message = field(init=False)
    not_modified: Message | None = field(init=False)
    _starts: dict[int, Message] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.size = len(self.body) + sum(len(k) + len(v) for k, v in self.headers)
        self.body_message = {"type": "http.response.body", "body": self.body}
        self.not_modified = None
        if self.etag is not None:
            kept = [(k, v) for k, v in self.headers if k in _NOT_MODIFIED_HEADERS]
            self.not_modified = {"type": "http.response.start", "status": 304, "headers": kept}

    def start(self, age: int) -> Message:
        """The answer's start with this `Age`: one message per second of the entry's life."""
        message = self._starts.get(age)
        if message is None:
            headers = [*self.headers, (b"age", str(age).encode())]
            message = {"type": "http.response.start", "status": self.status, "headers": headers}
            self._starts[age] = message
        return message


class MicroCache:
    """ASGI middleware: `MicroCache(django_asgi_app)`. See the module docstring."""

    def __init__(
        self,
        app: App,
        seconds: float | None = None,
        stale_seconds: float | None = None,
        max_bytes: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.seconds = _setting("LIKEWATCH_MICROCACHE_SECONDS", 2.0, seconds)
        self.stale_seconds = _setting("LIKEWATCH_MICROCACHE_STALE_SECONDS", 10.0, stale_seconds)
        self.max_bytes = int(_setting("LIKEWATCH_MICROCACHE_BYTES", 64 * 2**20, max_bytes))
        self.max_entry = max(1, self.max_bytes // 16)
        self.clock = clock
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.bytes = 0
        self.flights: dict[tuple, asyncio.Future] = {}
        self.refreshing: set[tuple] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self.key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        entry = self.entries.get(key)
        now = self.clock()
        if entry is not None and now < entry.stale_until:
            if now >= entry.fresh_until:
                self.refresh(key, scope)
            self.entries.move_to_end(key)
            await self.replay(entry, scope, send)
            return
        flight = self.flights.get(key)
        if flight is None:
            await self.fetch(key, scope, receive, send)
            return
        entry = await asyncio.shield(flight)
        if entry is None:
            # What came back may not be shared (a private or streamed answer): ask for our own.
            await self.app(scope, receive, send)
            return
        await self.replay(entry, scope, send)

    def key(self, scope: Scope) -> tuple | None:
        """What identifies a shareable answer to this request; None for a private request."""
        if scope["type"] != "http" or scope["method"] != "GET" or self.seconds <= 0:
            return None
        # One pass over the headers: this runs for every request a crowd sends. A repeated
        # header: the last one wins, as in Django; cookies from every Cookie header count.
        host = proto = accept_language = accept_encoding = b""
        cookies: list[bytes] = []
        for name, value in scope["headers"]:
            if name == b"host":
                host = value
            elif name == b"accept-encoding":
                accept_encoding = value
            elif name == b"accept-language":
                accept_language = value
            elif name == b"cookie":
                cookies.append(value)
            elif name == b"authorization":
                return None
            elif name == b"x-forwarded-proto":
                proto = value
        chosen = ""
        if cookies:
            public = _anonymous_cookies(cookies)
            if public is None:
                return None
            chosen = public.get(settings.LANGUAGE_COOKIE_NAME, "")
        query = scope.get("query_string", b"")
        return (
            scope.get("scheme", "http"),
            host,
            proto,
            scope.get("root_path", ""),
            scope["path"],
            canonical_query(query) if query else b"",
            # What the answer depends on, not how each browser words it: a crowd's hundred
            # spellings of "French first" share one copy, and so one computation.
            answered_language(accept_language, chosen),
            accepted_encodings(accept_encoding),
        )

    async def fetch(
        self,
        key: tuple,
        scope: Scope,
        receive: Receive,
        send: Send | None,
        revalidating: Entry | None = None,
    ) -> None:
        """Ask Django, pass the answer on as it comes (if `send`), and keep it if shareable.

        `revalidating`: the stored answer whose ETag the request carries; a 304 renews it.
        """
        flight = asyncio.get_running_loop().create_future()
        self.flights[key] = flight

        def land(entry: Entry | None) -> None:
            # Waiters are released as soon as the headers say the answer cannot be shared:
            # an event stream never ends.
            if self.flights.get(key) is flight:
                del self.flights[key]
            if not flight.done():
                flight.set_result(entry)

        recorder = Recorder(
            self, send, on_private=lambda: land(None), revalidating=revalidating is not None
        )
        entry = None
        try:
            await self.app(scope, receive, recorder.send)
            entry = recorder.entry()
            if entry is None and revalidating is not None:
                entry = recorder.renewed(revalidating)
            if entry is not None:
                self.store(key, entry)
        finally:
            land(entry)

    def refresh(self, key: tuple, scope: Scope) -> None:
        """Start one background request that replaces a stale answer."""
        if key in self.refreshing or key in self.flights:
            return
        self.refreshing.add(key)
        task = asyncio.get_running_loop().create_task(self._refresh(key, dict(scope)))
        task.add_done_callback(lambda _: self.refreshing.discard(key))

    async def _refresh(self, key: tuple, scope: Scope) -> None:
        # The refresh asks about the stored answer, not about whatever copy the reader who
        # set it off holds: their own validators are dropped, the stored ETag sent instead.
        stored = self.entries.get(key)
        headers = [(k, v) for k, v in scope["headers"] if k not in _VALIDATORS]
        if stored is not None and stored.etag is not None:
            headers.append((b"if-none-match", stored.etag))
        else:
            stored = None
        scope["headers"] = headers
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()  # no disconnect: Django cancels this when done
            raise AssertionError("unreachable")

        try:
            await self.fetch(key, scope, receive, None, revalidating=stored)
        except Exception:
            # The stale copy keeps being served until it expires; the next miss retries.
            log.exception("microcache: refreshing %s failed", scope["path"])

    def store(self, key: tuple, entry: Entry) -> None:
        old = self.entries.pop(key, None)
        if old is not None:
            self.bytes -= old.size
        self.entries[key] = entry
        self.bytes += entry.size
        while self.bytes > self.max_bytes and self.entries:
            _, evicted = self.entries.popitem(last=False)
            self.bytes -= evicted.size

    def clear(self) -> None:
        """Forget every stored answer (tests, and anyone who must see a change at once)."""
        self.entries.clear()
        self.bytes = 0

    async def replay(self, entry: Entry, scope: Scope, send: Send) -> None:
        if entry.not_modified is not None and _matches(scope, entry.etag):
            await send(entry.not_modified)
            await send(_EMPTY_BODY)
            return
        await send(entry.start(int(self.clock() - entry.stored_at)))
        await send(entry.body_message)

    def lifetimes(self, headers: list[tuple[bytes, bytes]]) -> tuple[float, float] | None:
        """(fresh, stale) seconds this cache may keep an answer with these headers, or None."""
        control: dict[str, str] = {}
        vary: set[bytes] = set()
        for name, value in headers:
            if name == b"set-cookie":
                return None
            if name == b"cache-control":
                control.update(_directives(value))
            elif name == b"vary":
                vary |= {v.strip().lower() for v in value.split(b",")}
        if "public" not in control or {"private", "no-store", "no-cache"} & set(control):
            return None
        if vary - KEYED_VARY:
            return None
        max_age = _seconds(control.get("s-maxage", control.get("max-age")))
        if not max_age:
            return None
        fresh = min(max_age, self.seconds)
        stale = min(_seconds(control.get("stale-while-revalidate")) or 0, self.stale_seconds)
        return fresh, stale


class Recorder:
    """Passes one answer on to the client and keeps a copy while it may still be stored."""

    def __init__(
        self,
        cache: MicroCache,
        send: Send | None,
        on_private: Callable[[], None],
        revalidating: bool = False,
    ) -> None:
        self.cache = cache
        self.client = send
        self.on_private = on_private
        self.revalidating = revalidating
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.size = 0
        self.keeping = False
        self.complete = False
        self.lifetimes: tuple[float, float] | None = None

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            # Django sends header names as written ("Cache-Control"); ASGI servers accept both.
            self.headers = [(k.lower(), v) for k, v in message.get("headers", [])]
            self.lifetimes = self.cache.lifetimes(self.headers) if self.status == 200 else None
            self.keeping = self.lifetimes is not None
            # A 304 to a revalidation is settled when it ends (`renewed`), like a 200.
            if not self.keeping and not (self.revalidating and self.status == 304):
                self.on_private()
        elif message["type"] == "http.response.body" and self.keeping:
            body = message.get("body", b"")
            self.size += len(body)
            if self.size > self.cache.max_entry:
                self.keeping = False
                self.chunks = []
                self.on_private()
            else:
                self.chunks.append(body)
                self.complete = not message.get("more_body", False)
        if self.client is not None:
            await self.client(message)

    def entry(self) -> Entry | None:
        if not (self.keeping and self.complete and self.lifetimes):
            return None
        fresh, stale = self.lifetimes
        now = self.cache.clock()
        etag = next((v for k, v in self.headers if k == b"etag"), None)
        return Entry(
            status=self.status,
            headers=self.headers,
            body=b"".join(self.chunks),
            stored_at=now,
            fresh_until=now + fresh,
            stale_until=now + fresh + stale,
            etag=etag,
        )

    def renewed(self, stored: Entry) -> Entry | None:
        """The stored answer made fresh again by this 304, its headers updated by the 304's
        (RFC 9111 4.3.4); None unless the 304 is about that very answer and may be kept."""
        if self.status != 304 or stored.etag is None:
            return None
        etag = next((v for k, v in self.headers if k == b"etag"), None)
        if etag is None or etag.removeprefix(b"W/") != stored.etag.removeprefix(b"W/"):
            return None
        updated = {k for k, _ in self.headers if k not in _KEPT_ON_RENEWAL}
        headers = [(k, v) for k, v in stored.headers if k not in updated]
        headers += [(k, v) for k, v in self.headers if k in updated]
        lifetimes = self.cache.lifetimes(headers)
        if lifetimes is None:
            return None
        fresh, stale = lifetimes
        now = self.cache.clock()
        return Entry(
            status=stored.status,
            headers=headers,
            body=stored.body,
            stored_at=now,
            fresh_until=now + fresh,
            stale_until=now + fresh + stale,
            etag=stored.etag,
        )


_EMPTY_BODY: Message = {"type": "http.response.body", "body": b""}

# A refresh's own validators replace the reader's (see MicroCache._refresh).
_VALIDATORS = {b"if-none-match", b"if-modified-since"}

# What a 304 says nothing about: the stored body's own description, and its ETag as stored
# (a compressed answer's weak ETag is not replaced by the 304's strong spelling of it).
_KEPT_ON_RENEWAL = {b"content-length", b"content-encoding", b"content-type", b"etag"}

_NOT_MODIFIED_HEADERS = {
    b"cache-control",
    b"content-location",
    b"date",
    b"etag",
    b"expires",
    b"vary",
    b"access-control-allow-origin",
    b"access-control-expose-headers",
}


def _setting(name: str, default: float, given: float | None) -> float:
    if given is not None:
        return given
    return getattr(settings, name, default)


def anonymous(scope: Scope) -> bool:
    """Whether a request carries no session and no credentials: no Authorization header, no
    cookie but the language and CSRF cookies. What such a visitor sees, every visitor sees."""
    return _public_cookies(scope) is not None


def _public_cookies(scope: Scope) -> dict[str, str] | None:
    # An anonymous visitor's cookies; None for a visitor with a session or credentials.
    cookies = []
    for name, value in scope["headers"]:
        if name == b"authorization":
            return None
        if name == b"cookie":
            cookies.append(value)
    return _anonymous_cookies(cookies)


def _anonymous_cookies(headers: list[bytes]) -> dict[str, str] | None:
    """The cookies of these Cookie headers, if none is more than a language or CSRF cookie."""
    allowed = {settings.LANGUAGE_COOKIE_NAME, settings.CSRF_COOKIE_NAME}
    cookies: dict[str, str] = {}
    for value in headers:
        cookies.update(parse_cookie(value.decode("latin-1")))
    return None if set(cookies) - allowed else cookies


def _directives(value: bytes) -> dict[str, str]:
    result = {}
    for part in value.decode("latin-1").split(","):
        name, _, argument = part.strip().partition("=")
        if name:
            result[name.lower()] = argument.strip('"')
    return result


def _seconds(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value is not None else 0.0
    except ValueError:
        return 0.0


def _matches(scope: Scope, etag: bytes) -> bool:
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            tags = {t.strip().removeprefix(b"W/") for t in value.split(b",")}
            return etag.removeprefix(b"W/") in tags or b"*" in tags
    return False


class _Asked:
    """What Django's language choice reads of a request."""

    def __init__(self, accept_language: bytes, chosen: str) -> None:
        self.META = {"HTTP_ACCEPT_LANGUAGE": accept_language.decode("latin-1")}
        self.COOKIES = {settings.LANGUAGE_COOKIE_NAME: chosen} if chosen else {}


@functools.lru_cache(maxsize=1024)
def answered_language(accept_language: bytes, chosen: str) -> str:
    """The language Django's LocaleMiddleware answers in, for this Accept-Language header
    and language cookie (`chosen`): its own choice, so the key can never disagree with it."""
    return translation.get_language_from_request(_Asked(accept_language, chosen))


# The encodings an answer may come in, each as the code that chooses it looks for it: Django's
# gzip_page for pages, WhiteNoise (brotli, gzip) for static files. Nothing else is offered.
ENCODINGS = tuple((name, re.compile(rb"\b%s\b" % name)) for name in (b"br", b"gzip"))


@functools.lru_cache(maxsize=1024)
def accepted_encodings(accept_encoding: bytes) -> tuple[bytes, ...]:
    """Which of ENCODINGS this Accept-Encoding header accepts ("*" counts as none, as in
    WhiteNoise; Django's gzip_page does not match it either)."""
    if accept_encoding.strip() == b"*":
        return ()
    return tuple(name for name, pattern in ENCODINGS if pattern.search(accept_encoding))


def canonical_query(query: bytes) -> bytes:
    """The query with only the known PARAMETERS, in a fixed order (their values kept in turn).

    `?to=2&from=1&utm_source=x` and `?from=1&to=2` are one request.
    """
    if not query:
        return b""
    # latin-1 both ways: every byte survives, whatever encoding the client used.
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
    kept = sorted(((k, v) for k, v in pairs if k in PARAMETERS), key=lambda kv: kv[0])
    return urlencode(kept, encoding="latin-1").encode("latin-1")
