"""A board's event stream: the board's data each time one of its pages has new history.

Two doors lead here. `views.board_live` is the Django view, for everyone. `StreamRoute` opens
the same stream straight from the ASGI server for anonymous visitors, without Django's
middleware: a campaign link can keep thousands of boards open at once in one web process,
and an open stream needs none of what the middleware does (sessions, CSRF, page headers),
only the campaign's public pages and the visitor's language.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.utils import translation
from django.utils.translation import gettext as _

from likewatch.fanout import broker as brokers
from likewatch.security import throttling
from likewatch.tracking import visibility
from likewatch.tracking.models import Campaign
from likewatch.web import board as boards
from likewatch.web.live import CampaignFeed
from likewatch.web.microcache import anonymous

HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache, no-transform"),
    (b"x-accel-buffering", b"no"),  # nginx: pass each event on at once
    (b"x-content-type-options", b"nosniff"),
]
log = logging.getLogger(__name__)
# Board snapshots shared by every live listener of this process.
feed = CampaignFeed(boards.snapshot_json)


async def events(campaign: Campaign, page_ids: list[int], known: str) -> AsyncIterator[bytes]:
    """The stream's messages. `known` is the version the browser shows (`?v=` or
    Last-Event-ID); when the board has moved on since, the current state is sent at once."""
    language = translation.get_language()
    channel = Channel.join(campaign, page_ids, language)
    try:
        # Taken before reading the state, so that no news after the reading can be missed.
        upcoming = channel.upcoming
        states = await channel.states()
        channel.broker.seed(states)
        yield b"retry: 5000\n\n"
        current = brokers.version(page_ids, states)
        if current != known:
            yield await board_event(campaign, current)
            known = current
        while True:
            news, upcoming = await _follow(upcoming)
            if news is None:
                yield b": keep-alive\n\n"
            elif news != known:
                yield await board_event(campaign, news)
                known = news
    finally:
        channel.leave(language)


def _follow(shared: asyncio.Future) -> asyncio.Future:
    """A listener's own future taking the shared one's result: the listener leaving cancels
    its own, never the one every listener waits on. (asyncio.shield does the same but, once
    cancelled, unregisters itself from the shared future, a scan of every listener's
    callback: thousands leaving at once took time quadratic in their number. Here a departed
    listener's callback stays until the next news or keep-alive, and then does nothing.)"""
    if shared.done():
        return shared
    own = shared.get_loop().create_future()

    def take(done: asyncio.Future) -> None:
        if not own.done():
            own.set_result(done.result())

    shared.add_done_callback(take)
    return own


class Channel:
    """Everyone in this process who watches one campaign: one broker subscription, and one
    rendering per change and language, done before any listener is woken.

    News travels as a chain of futures: each one's result is (version, or None for a
    keep-alive, and the next future), so a listener that was busy when news came cannot miss
    any. Waking five thousand listeners costs one future's callbacks, not five thousand
    subscriptions.
    """

    _open: dict[tuple, Channel] = {}

    def __init__(self, campaign: Campaign, page_ids: list[int]) -> None:
        self.campaign = campaign
        self.page_ids = page_ids
        self.broker = brokers.get_broker()
        self.loop = asyncio.get_running_loop()
        self.languages: Counter[str] = Counter()
        self.version: str | None = None
        self.upcoming: asyncio.Future = self.loop.create_future()
        self.subscription = self.broker.subscribe(page_ids)
        self.task = self.loop.create_task(self._run())
        self._gathering: asyncio.Task | None = None
        self._running: asyncio.Task | None = None

    @classmethod
    def join(cls, campaign: Campaign, page_ids: list[int], language: str) -> Channel:
        """The channel of this campaign and pages, opened if need be, with one more listener."""
        key = (campaign.pk, tuple(page_ids))
        channel = cls._open.get(key)
        if channel is None or channel.loop is not asyncio.get_running_loop():
            channel = cls._open[key] = cls(campaign, page_ids)
        channel.languages[language] += 1
        return channel

    async def states(self) -> dict[int, str]:
        """The pages' states, read after the caller asked. Listeners who ask while a reading
        runs (a crowd opening a shared board) share the next one, which begins after they
        asked and so cannot miss news: one reading at a time, not one per listener."""
        if self._gathering is None:
            self._gathering = self.loop.create_task(self._read(self._running))
        return await asyncio.shield(self._gathering)

    async def _read(self, before: asyncio.Task | None) -> dict[int, str]:
        if before is not None and not before.done():
            await asyncio.wait([before])  # askers gather while the reading before runs
        else:
            await asyncio.sleep(0)  # whoever asks in this turn of the loop comes along
        self._gathering = None  # from here on, askers need a reading that begins after them
        self._running = asyncio.current_task()
        return await sync_to_async(brokers.page_states)(self.page_ids)

    def leave(self, language: str) -> None:
        """One listener fewer; the last one out closes the channel."""
        self.languages[language] -= 1
        if self.languages[language] <= 0:
            del self.languages[language]
        if not self.languages:
            self.task.cancel()
            self.subscription.close()
            key = (self.campaign.pk, tuple(self.page_ids))
            if self._open.get(key) is self:
                del self._open[key]

    async def _run(self) -> None:
        keepalive = settings.LIKEWATCH_LIVE_KEEPALIVE
        while True:
            changed = await self.subscription.wait(keepalive)
            if not changed:
                self._announce(None)
                continue
            version = self.broker.version(self.page_ids)
            if "?" in version or version == self.version:
                continue
            for language in list(self.languages):
                with translation.override(language):
                    try:
                        await board_event(self.campaign, version)
                    except Exception:
                        # Each listener will try again for itself, and fail visibly if need be.
                        log.exception("live updates: computing the board failed")
            self.version = version
            self._announce(version)

    def _announce(self, news: str | None) -> None:
        current, self.upcoming = self.upcoming, self.loop.create_future()
        current.set_result((news, self.upcoming))


async def board_event(campaign: Campaign, version: str) -> bytes:
    """One `board` message, encoded once for every listener of this version and language."""
    # Rates and stale warnings move with the clock: a state seen a minute ago is recomputed.
    minute = int(asyncio.get_running_loop().time() // 60)
    return await feed.event(campaign, version, f"{version}@{minute}")


class StreamRoute:
    """ASGI middleware: serves anonymous visitors' board streams, passes the rest to `app`."""

    def __init__(self, app: Callable[..., Awaitable[None]], path: str = r"/c/([-\w]+)/live/"):
        self.app = app
        self.pattern = re.compile(path)
        # slug -> (until when, the reading of its public campaign and pages)
        self.found: dict[str, tuple[float, asyncio.Future]] = {}

    async def __call__(self, scope, receive, send) -> None:
        match = self.pattern.fullmatch(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None or scope["method"] != "GET" or not anonymous(scope):
            await self.app(scope, receive, send)
            return
        campaign, page_ids = await self.public_campaign(match.group(1))
        if campaign is None:
            await self.app(scope, receive, send)  # Django's page says what is wrong
            return
        request = ASGIRequest(scope, None)
        known = request.headers.get("Last-Event-ID") or request.GET.get("v", "")
        language = translation.get_language_from_request(request)
        client = throttling.client_ip(request)
        if not SLOTS.take(client):
            with translation.override(language):
                await _refuse_stream(send)
            return
        try:
            with translation.override(language):
                headers = [*HEADERS, (b"content-language", language.encode())]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await _until_gone(_relay(events(campaign, page_ids, known), send), receive)
        finally:
            SLOTS.give_back(client)

    async def public_campaign(self, slug: str) -> tuple[Campaign | None, list[int]]:
        """The public campaign at `slug` and its pages' ids, read at most once per
        LIKEWATCH_MICROCACHE_SECONDS for everyone: a crowd opening one board's stream at
        once (a shared link) costs one reading, not one per reader. As with the board's page
        in the micro-cache, a campaign made private stops being served within that time."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        until, reading = self.found.get(slug, (0.0, None))
        if reading is None or until <= now or reading.get_loop() is not loop:
            # A task of its own: the first reader leaving does not cancel it for the others.
            reading = loop.create_task(sync_to_async(_public_campaign)(slug))
            self.found[slug] = (now + settings.LIKEWATCH_MICROCACHE_SECONDS, reading)
            reading.add_done_callback(lambda done: self._forget_unknown(slug, done))
        return await asyncio.shield(reading)

    def _forget_unknown(self, slug: str, reading: asyncio.Future) -> None:
        # Unknown addresses (and failed readings) are not remembered: anyone could fill the
        # memory with made-up ones, and a failure must not outlive the request that saw it.
        unknown = reading.cancelled() or reading.exception() or reading.result()[0] is None
        if unknown and self.found.get(slug, (0.0, None))[1] is reading:
            del self.found[slug]


def _public_campaign(slug: str) -> tuple[Campaign | None, list[int]]:
    campaign = visibility.public_campaigns().filter(slug=slug).first()
    if campaign is None:
        return None, []
    return campaign, list(campaign.entries.values_list("page_id", flat=True))


class StreamSlots:
    """How many live streams each client holds open in this process, up to a cap.

    One browser tab holds one stream; a client holding hundreds is not reading boards but
    holding the server's connections (and memory) from everyone else.
    """

    def __init__(self) -> None:
        self.held: Counter[str] = Counter()

    @staticmethod
    def cap() -> int:
        return settings.LIKEWATCH_LIVE_STREAMS_PER_CLIENT

    def take(self, client: str) -> bool:
        if self.held[client] >= self.cap():
            return False
        self.held[client] += 1
        return True

    def give_back(self, client: str) -> None:
        self.held[client] -= 1
        if self.held[client] <= 0:
            del self.held[client]


SLOTS = StreamSlots()


def too_many_streams_text() -> str:
    return _(
        "Too many live updates are open from your address (at most %(cap)d). "
        "Close a few board tabs and reload."
    ) % {"cap": StreamSlots.cap()}


async def _refuse_stream(send) -> None:
    body = too_many_streams_text().encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"retry-after", b"30"),
        (b"cache-control", b"no-store"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _relay(messages: AsyncIterator[bytes], send) -> None:
    async for message in messages:
        await send({"type": "http.response.body", "body": message, "more_body": True})


async def _until_gone(streaming: Awaitable[None], receive) -> None:
    """Run the stream until the visitor leaves (or the stream fails), then stop it."""

    async def left() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    tasks = {asyncio.ensure_future(streaming), asyncio.ensure_future(left())}
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()  # a failed stream is logged by the server, like any error
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
