"""The micro-cache: a crowd of anonymous readers costs one computation per short window, and
nothing private, personal or streamed is ever shared."""

from __future__ import annotations

import asyncio
import time

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from likewatch.web.microcache import MicroCache
from tests.web.asgi import Stream, get

PUBLIC = {"cache-control": "public, max-age=30, stale-while-revalidate=30"}


class Origin:
    """An application standing for Django: counts its calls, answers what it is told to."""

    def __init__(self, headers: dict[str, str] | None = None, delay: float = 0.0):
        self.headers = dict(PUBLIC if headers is None else headers)
        self.delay = delay
        self.calls = 0

    async def __call__(self, scope, receive, send):
        self.calls += 1
        number = self.calls
        await receive()
        if self.delay:
            await asyncio.sleep(self.delay)
        headers = [(k.encode(), v.encode()) for k, v in self.headers.items()]
        language = dict(scope["headers"]).get(b"accept-language", b"")
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": f"answer {number} {language}".encode()})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def cache(origin, clock=None, **options) -> MicroCache:
    options.setdefault("seconds", 2)
    options.setdefault("stale_seconds", 10)
    return MicroCache(origin, clock=clock or Clock(), **options)


def one_minute(monkeypatch) -> None:
    """Hold Django's clock still: the board's ETag names the minute (its wording of time is to
    the minute), so a scenario that crossed one on a busy machine would rightly render again."""
    from django.utils import timezone

    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)


def test_readers_within_the_window_share_one_answer():
    origin = Origin()
    app = cache(origin)

    @async_to_sync
    async def scenario():
        return [await get(app, "/c/operators/") for _ in range(5)]

    answers = scenario()
    assert origin.calls == 1
    assert {a.body for a in answers} == {b"answer 1 b''"}
    assert "age" not in answers[0].headers  # the first reader got it from the origin
    assert answers[1].headers["age"] == "0"


def test_readers_arriving_together_wait_for_one_computation():
    origin = Origin(delay=0.05)
    app = cache(origin)

    @async_to_sync
    async def scenario():
        return await asyncio.gather(*(get(app, "/c/operators/") for _ in range(20)))

    answers = scenario()
    assert origin.calls == 1
    assert all(a.status == 200 and a.body == b"answer 1 b''" for a in answers)


def test_an_answer_is_kept_at_most_the_configured_seconds_however_long_django_allows():
    clock = Clock()
    origin = Origin()
    app = cache(origin, clock, stale_seconds=0)

    @async_to_sync
    async def scenario():
        first = await get(app, "/c/operators/")
        clock.now += 1.9
        still = await get(app, "/c/operators/")
        clock.now += 0.2
        later = await get(app, "/c/operators/")
        return first, still, later

    first, still, later = scenario()
    assert still.body == first.body
    assert later.body == b"answer 2 b''"
    assert origin.calls == 2


def test_a_stale_answer_is_served_once_while_one_request_refreshes_it():
    clock = Clock()
    origin = Origin()
    app = cache(origin, clock)

    @async_to_sync
    async def scenario():
        await get(app, "/c/operators/")
        clock.now += 5  # past the 2 s window, within the 10 s of grace
        stale = await asyncio.gather(*(get(app, "/c/operators/") for _ in range(3)))
        deadline = time.monotonic() + 60
        while origin.calls < 2 or app.refreshing:  # the one refresh, in the background
            assert time.monotonic() < deadline, "the stale answer was never refreshed"
            await asyncio.sleep(0.005)
        fresh = await get(app, "/c/operators/")
        return stale, fresh

    stale, fresh = scenario()
    assert {a.body for a in stale} == {b"answer 1 b''"}
    assert stale[0].headers["age"] == "5"
    assert fresh.body == b"answer 2 b''"
    assert origin.calls == 2


class GatedOrigin(Origin):
    """An origin whose answers after the first wait until `gate` opens: a slow refresh."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.asked = 0  # requests received, answered or still held

    async def __call__(self, scope, receive, send):
        self.asked += 1
        if self.asked > 1:
            await self.gate.wait()
        await super().__call__(scope, receive, send)


def test_a_refresh_that_takes_long_never_holds_up_readers_the_stale_copy_can_answer():
    clock = Clock()
    origin = GatedOrigin()
    app = cache(origin, clock)

    @async_to_sync
    async def scenario():
        origin.gate = asyncio.Event()  # bound to this loop
        await get(app, "/c/operators/")
        clock.now += 5  # stale, within the grace: the next reader sets off the refresh
        readers = []
        for _ in range(3):
            # Answered while the refresh is still held at the gate.
            readers.append(await asyncio.wait_for(get(app, "/c/operators/"), 5))
            clock.now += 1
        held = origin.asked
        origin.gate.set()
        deadline = time.monotonic() + 60
        while app.refreshing:
            assert time.monotonic() < deadline, "the refresh never finished"
            await asyncio.sleep(0.005)
        return readers, held, await get(app, "/c/operators/")

    readers, held, after = scenario()
    assert {a.body for a in readers} == {b"answer 1 b''"}
    assert held == 2  # one refresh for all three readers
    assert after.body == b"answer 2 b''"


def test_no_reader_gets_the_stale_copy_past_its_grace_even_while_a_refresh_hangs():
    clock = Clock()
    origin = GatedOrigin()
    app = cache(origin, clock)

    @async_to_sync
    async def scenario():
        origin.gate = asyncio.Event()
        await get(app, "/c/operators/")
        clock.now += 5
        await get(app, "/c/operators/")  # stale, served; the refresh hangs at the gate
        clock.now += 8  # past 2 s fresh + 10 s grace
        late = asyncio.ensure_future(get(app, "/c/operators/"))
        await asyncio.sleep(0.05)
        waited = not late.done()  # it waits for the refresh instead of the stale copy
        origin.gate.set()
        return waited, await asyncio.wait_for(late, 5)

    waited, late = scenario()
    assert waited
    assert late.body == b"answer 2 b''"
    assert origin.calls == 2


def test_an_answer_past_its_grace_is_fetched_again_before_anyone_sees_it():
    clock = Clock()
    origin = Origin()
    app = cache(origin, clock)

    @async_to_sync
    async def scenario():
        await get(app, "/c/operators/")
        clock.now += 13
        return await get(app, "/c/operators/")

    assert scenario().body == b"answer 2 b''"


def test_each_language_gets_its_own_copy():
    origin = Origin(headers={**PUBLIC, "vary": "Accept-Language, Cookie"})
    app = cache(origin)

    @async_to_sync
    async def scenario():
        arabic = await get(app, "/c/operators/", {"accept-language": "ar"})
        french = await get(app, "/c/operators/", {"accept-language": "fr"})
        arabic_again = await get(app, "/c/operators/", {"accept-language": "ar"})
        # The language cookie wins over the browser's languages, as in Django.
        chosen = await get(
            app, "/c/operators/", {"accept-language": "ar", "cookie": "django_language=fr"}
        )
        english = await get(app, "/c/operators/")
        return arabic, french, arabic_again, chosen, english

    arabic, french, arabic_again, chosen, english = scenario()
    assert arabic.body == arabic_again.body == b"answer 1 b'ar'"
    assert french.body == chosen.body == b"answer 2 b'fr'"
    assert english.body == b"answer 3 b''"
    assert origin.calls == 3


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"accept-language": "fr-FR,fr;q=0.9,en-US;q=0.8"}, {"accept-language": "fr"}),
        ({"accept-language": "ar-MA,ar;q=0.9"}, {"cookie": "django_language=ar"}),
        ({"accept-language": "de-DE,de;q=0.9"}, {}),  # no German: English, as for no header
        ({"accept-encoding": "gzip, deflate, br, zstd"}, {"accept-encoding": "br;q=1, gzip"}),
        ({"accept-encoding": "deflate"}, {"accept-encoding": "*"}),  # neither gzip nor br
    ],
)
def test_a_crowds_many_ways_of_asking_for_one_answer_share_one_copy(first, second):
    origin = Origin(headers={**PUBLIC, "vary": "Accept-Encoding, Accept-Language, Cookie"})
    app = cache(origin)

    @async_to_sync
    async def scenario():
        await get(app, "/c/operators/", first)
        return await get(app, "/c/operators/", second)

    shared = scenario()
    assert origin.calls == 1
    assert shared.headers["age"] == "0"


def test_each_encoding_gets_its_own_copy():
    origin = Origin(headers={**PUBLIC, "vary": "Accept-Encoding"})
    app = cache(origin)

    @async_to_sync
    async def scenario():
        for encodings in ["gzip, deflate, br", "gzip", "gzip, deflate, br", ""]:
            await get(app, "/static/web/build/board.js", {"accept-encoding": encodings})

    scenario()
    assert origin.calls == 3


@pytest.mark.parametrize(
    "headers",
    [
        {"cookie": "sessionid=abc"},
        {"cookie": "django_language=fr; sessionid=abc"},
        {"authorization": "Bearer lw_secret"},
    ],
)
def test_visitors_with_a_session_or_credentials_always_reach_django(headers):
    origin = Origin()
    app = cache(origin)

    @async_to_sync
    async def scenario():
        await get(app, "/c/operators/")
        return [await get(app, "/c/operators/", headers) for _ in range(2)]

    answers = scenario()
    assert [a.body for a in answers] == [b"answer 2 b''", b"answer 3 b''"]


def test_a_csrf_cookie_alone_does_not_make_a_visitor_private():
    origin = Origin()
    app = cache(origin)

    @async_to_sync
    async def scenario():
        await get(app, "/c/operators/")
        return await get(app, "/c/operators/", {"cookie": "csrftoken=abc"})

    assert scenario().body == b"answer 1 b''"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"cache-control": "private, max-age=30"},
        {"cache-control": "public, no-store"},
        {"cache-control": "public, max-age=0"},
        {**PUBLIC, "set-cookie": "csrftoken=abc; Path=/"},
        {**PUBLIC, "vary": "Authorization"},
    ],
    ids=["no cache-control", "private", "no-store", "max-age 0", "set-cookie", "other vary"],
)
def test_answers_that_may_not_be_shared_are_never_kept(headers):
    origin = Origin(headers=headers)
    app = cache(origin)

    @async_to_sync
    async def scenario():
        return [await get(app, "/api/campaigns") for _ in range(3)]

    answers = scenario()
    assert origin.calls == 3
    assert [a.body for a in answers] == [b"answer 1 b''", b"answer 2 b''", b"answer 3 b''"]


def test_a_never_ending_answer_does_not_hold_up_the_readers_behind_it():
    async def event_stream(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"retry: 5000\n\n", "more_body": True})
        while (await receive())["type"] != "http.disconnect":
            pass

    app = cache(event_stream)

    @async_to_sync
    async def scenario():
        first = Stream(app, "/c/operators/live/")
        second = Stream(app, "/c/operators/live/")
        started = [await first.start(), await second.start()]
        bodies = [await first.next_body(), await second.next_body()]
        await first.leave()
        await second.leave()
        return started, bodies

    started, bodies = scenario()
    assert [status for status, _ in started] == [200, 200]
    assert bodies == [b"retry: 5000\n\n"] * 2


def test_a_reader_who_has_the_answer_gets_not_modified():
    origin = Origin(headers={**PUBLIC, "etag": '"v1"'})
    app = cache(origin)

    @async_to_sync
    async def scenario():
        await get(app, "/api/campaigns/operators")
        same = await get(app, "/api/campaigns/operators", {"if-none-match": '"v1"'})
        other = await get(app, "/api/campaigns/operators", {"if-none-match": '"v0"'})
        return same, other

    same, other = scenario()
    assert (same.status, same.body, same.headers["etag"]) == (304, b"", '"v1"')
    assert (other.status, other.body) == (200, b"answer 1 b''")


def test_the_oldest_answers_make_room_for_new_ones():
    origin = Origin()
    app = cache(origin, max_bytes=16 * 100)

    @async_to_sync
    async def scenario():
        for n in range(40):
            await get(app, f"/p/{n}/")

    scenario()
    assert app.bytes <= 16 * 100
    assert len(app.entries) < 40
    assert any(key[4] == "/p/39/" for key in app.entries)
    assert not any(key[4] == "/p/0/" for key in app.entries)


def test_a_failing_origin_shares_its_failure_with_no_one():
    calls = 0

    async def flaky(scope, receive, send):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database restarting")
        await Origin()(scope, receive, send)

    app = cache(flaky)

    @async_to_sync
    async def scenario():
        with pytest.raises(RuntimeError):
            await get(app, "/c/operators/")
        return await get(app, "/c/operators/")

    assert scenario().status == 200
    assert calls == 2


def test_the_public_board_is_shared_and_an_organisers_is_not(
    django_asgi, campaign, django_user_model
):
    from django.test import Client

    app = cache(django_asgi)
    staff = django_user_model.objects.create_user("organiser", password="pw", is_staff=True)
    browser = Client()
    browser.force_login(staff)
    session = f"sessionid={browser.cookies['sessionid'].value}"

    @async_to_sync
    async def scenario():
        first = await get(app, "/c/operators/")
        second = await get(app, "/c/operators/")
        organiser = await get(app, "/c/operators/", {"cookie": session})
        return first, second, organiser

    first, second, organiser = scenario()
    assert first.status == second.status == organiser.status == 200
    assert "set-cookie" not in first.headers  # nothing personal in a shared page
    assert "public" in first.headers["cache-control"]
    assert second.body == first.body and second.headers["age"] == "0"
    assert "age" not in organiser.headers
    assert "public" not in organiser.headers.get("cache-control", "")


def test_unknown_query_parameters_cannot_bust_the_cache():
    """`?x=1`, `?_=random` once skipped the cache: each was a computation of the board."""
    origin = Origin()
    seen = []

    async def recording(scope, receive, send):
        seen.append(scope["query_string"])
        await origin(scope, receive, send)

    app = cache(recording)

    @async_to_sync
    async def scenario():
        for query in ("", "x=1", "_=7831", "utm_source=a&x=2"):
            await get(app, f"/c/operators/?{query}" if query else "/c/operators/")
        await get(app, "/c/x/?to=2&from=1&junk=1")
        await get(app, "/c/x/?from=1&to=2")

    scenario()
    assert origin.calls == 2
    assert seen == [b"", b"to=2&from=1&junk=1"]


def test_the_canonical_query_keeps_known_parameters_in_a_fixed_order():
    from likewatch.web.microcache import canonical_query

    assert canonical_query(b"page=2&zzz=1&from=2026-01-01") == b"from=2026-01-01&page=2"
    assert canonical_query(b"limit=5&limit=6") == b"limit=5&limit=6"
    assert canonical_query(b"%ff=1&v=%e9") == b"v=%E9"


def test_every_parameter_a_public_view_reads_is_in_the_key():
    """A public view reading a parameter the key ignores would share one answer between
    different requests: list what the public views read and compare."""
    import pathlib
    import re

    from likewatch.web.microcache import PARAMETERS

    root = pathlib.Path(__file__).resolve().parents[2] / "likewatch"
    read = set()
    for folder in ("web", "api", "events", "evidence"):
        for path in (root / folder).glob("*.py"):
            read |= set(re.findall(r"GET(?:\.get\(|\[)\"(\w+)\"", path.read_text()))
    assert read <= PARAMETERS, read - PARAMETERS


class Validating:
    """An origin that knows its ETag before working: a 304 when asked about the current
    version, a rendering (counted) otherwise."""

    def __init__(self) -> None:
        self.version = 1
        self.renders = 0
        self.asked: list[bytes | None] = []

    async def __call__(self, scope, receive, send):
        await receive()
        etag = f'"v{self.version}"'.encode()
        headers = [(b"cache-control", PUBLIC["cache-control"].encode()), (b"etag", etag)]
        asked = dict(scope["headers"]).get(b"if-none-match")
        self.asked.append(asked)
        if asked == etag:
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        self.renders += 1
        headers.append((b"content-type", b"text/html"))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        body = f"board v{self.version}, rendering {self.renders}".encode()
        await send({"type": "http.response.body", "body": body})


async def settled(app, origin, asked: int) -> None:
    """Until the background refresh has been answered `asked` times in all and is over."""
    deadline = time.monotonic() + 60
    while len(origin.asked) < asked or app.refreshing:
        assert time.monotonic() < deadline, "the stale answer was never refreshed"
        await asyncio.sleep(0.005)


def test_a_refresh_asks_whether_the_answer_changed_and_a_304_keeps_it_fresh():
    clock = Clock()
    origin = Validating()
    app = cache(origin, clock)

    @async_to_sync
    async def scenario():
        await get(app, "/c/operators/")
        clock.now += 5
        stale = await get(app, "/c/operators/")
        await settled(app, origin, 2)
        renewed = await get(app, "/c/operators/")
        clock.now += 1.5  # within the renewed window: nothing asked
        still = await get(app, "/c/operators/")
        return stale, renewed, still

    stale, renewed, still = scenario()
    assert origin.asked == [None, b'"v1"']
    assert origin.renders == 1  # the refresh cost a 304, not a rendering
    assert stale.body == renewed.body == still.body == b"board v1, rendering 1"
    assert renewed.status == 200 and renewed.headers["age"] == "0"  # fresh again
    assert renewed.headers["content-type"] == "text/html"  # the stored answer's own headers
    assert still.headers["age"] == "1"


def test_a_change_reaches_readers_within_the_window_and_its_grace():
    clock = Clock()
    origin = Validating()
    app = cache(origin, clock)

    @async_to_sync
    async def scenario():
        await get(app, "/c/operators/")
        origin.version = 2  # a poller wrote a new count
        clock.now += 2.5
        stale = await get(app, "/c/operators/")
        await settled(app, origin, 2)
        return stale, await get(app, "/c/operators/")

    stale, fresh = scenario()
    assert stale.body == b"board v1, rendering 1"
    assert fresh.body == b"board v2, rendering 2"
    assert fresh.headers["etag"] == '"v2"'


def test_a_refresh_asks_about_the_stored_answer_not_the_readers_copy():
    # The reader who set the refresh off holds a copy of their own; a 304 about it would say
    # nothing about what is stored.
    clock = Clock()
    origin = Validating()
    app = cache(origin, clock)

    @async_to_sync
    async def scenario():
        await get(app, "/c/operators/")
        clock.now += 5
        mine = await get(app, "/c/operators/", {"if-none-match": '"v0"'})
        await settled(app, origin, 2)
        return mine

    assert scenario().status == 200
    assert origin.asked == [None, b'"v1"']


def test_the_boards_refresh_is_a_304_until_a_new_count_then_the_new_count(
    django_asgi, campaign, pages, monkeypatch
):
    from django.utils import timezone

    from likewatch.sources.base import Count
    from likewatch.tracking.history import record_count
    from likewatch.web import board, views

    one_minute(monkeypatch)
    renders = []
    snapshot = board.snapshot
    monkeypatch.setattr(views.boards, "snapshot", lambda *a: renders.append(1) or snapshot(*a))
    clock = Clock()
    app = cache(django_asgi, clock)

    @async_to_sync
    async def scenario():
        first = await get(app, "/c/operators/")
        clock.now += 3
        await get(app, "/c/operators/")
        while app.refreshing:
            await asyncio.sleep(0.005)
        unchanged = await get(app, "/c/operators/")
        await sync_to_async(record_count)(pages[0], Count(96_000), timezone.now())
        clock.now += 3
        stale = await get(app, "/c/operators/")
        while app.refreshing:
            await asyncio.sleep(0.005)
        return first, unchanged, stale, await get(app, "/c/operators/")

    first, unchanged, stale, moved = scenario()
    assert unchanged.body == first.body and unchanged.headers["age"] == "0"
    assert "97,000" in stale.body.decode()  # within the grace: the last copy, once
    assert "96,000" in moved.body.decode()
    assert len(renders) == 2  # the first answer and the one after the new count


def test_each_language_and_encoding_of_the_board_is_revalidated_as_itself(
    django_asgi, campaign, monkeypatch
):
    import gzip

    from likewatch.web import board, views

    one_minute(monkeypatch)
    renders = []
    snapshot = board.snapshot
    monkeypatch.setattr(views.boards, "snapshot", lambda *a: renders.append(1) or snapshot(*a))
    clock = Clock()
    app = cache(django_asgi, clock)
    asks = {
        "en": {"accept-language": "en"},
        "fr": {"accept-language": "fr"},
        "fr, gzip": {"accept-language": "fr", "accept-encoding": "gzip"},
    }

    @async_to_sync
    async def scenario():
        first = {name: await get(app, "/c/operators/", h) for name, h in asks.items()}
        clock.now += 3
        for headers in asks.values():
            await get(app, "/c/operators/", headers)
            while app.refreshing:
                await asyncio.sleep(0.005)
        renewed = {name: await get(app, "/c/operators/", h) for name, h in asks.items()}
        return first, renewed

    first, renewed = scenario()
    assert len(renders) == 3  # one rendering per variant; the refreshes were all 304s
    for name in asks:
        assert renewed[name].body == first[name].body, name
        assert renewed[name].headers["age"] == "0", name
        assert renewed[name].headers["etag"] == first[name].headers["etag"], name
    assert "Depuis le début" in renewed["fr"].body.decode()
    assert "Since the start" in renewed["en"].body.decode()
    assert renewed["fr, gzip"].headers["content-encoding"] == "gzip"
    assert renewed["fr, gzip"].headers["etag"].startswith("W/")
    assert "Depuis le début" in gzip.decompress(renewed["fr, gzip"].body).decode()
