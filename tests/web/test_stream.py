"""The board's event stream served straight from ASGI to anonymous visitors: the same
messages as the Django view, in the visitor's language, and gone when the visitor leaves."""

from __future__ import annotations

import json

from asgiref.sync import async_to_sync, sync_to_async

from likewatch.fanout.broker import get_broker
from likewatch.sources.base import Count
from likewatch.tracking.history import record_count
from likewatch.web.stream import StreamRoute
from tests.web.asgi import Stream, get


async def next_board(stream: Stream) -> dict:
    while True:
        body = (await stream.next_body()).decode()
        if body.startswith("id:"):
            return json.loads(body.split("data: ", 1)[1])


def test_an_anonymous_visitor_gets_the_current_board_then_each_change(
    django_asgi, campaign, pages, now, quick
):
    app = StreamRoute(django_asgi)

    @async_to_sync
    async def scenario():
        stream = Stream(app, "/c/operators/live/?v=outdated")
        status, headers = await stream.start()
        retry = await stream.next_body()
        first = await next_board(stream)
        await sync_to_async(record_count)(pages[0], Count(96_000), now)
        second = await next_board(stream)
        await stream.leave()
        return status, headers, retry, first, second

    status, headers, retry, first, second = scenario()
    assert status == 200
    assert headers["content-type"].startswith("text/event-stream")
    assert headers["cache-control"].startswith("no-cache")
    assert retry == b"retry: 5000\n\n"
    assert first["pages"][0]["current"] == 97_000
    assert second["pages"][0]["current"] == 96_000


def test_the_stream_speaks_the_visitors_language(django_asgi, campaign, quick):
    app = StreamRoute(django_asgi)

    @async_to_sync
    async def scenario():
        stream = Stream(app, "/c/operators/live/?v=outdated", {"accept-language": "fr"})
        _, headers = await stream.start()
        await stream.next_body()
        board = await next_board(stream)
        await stream.leave()
        return headers, board

    headers, board = scenario()
    assert headers["content-language"] == "fr"
    assert board["total"]["display"]["target_percent"] == "25,0\u00a0%"  # French decimals


def test_leaving_ends_the_subscription(django_asgi, campaign, quick):
    app = StreamRoute(django_asgi)

    @async_to_sync
    async def scenario():
        stream = Stream(app, "/c/operators/live/")
        await stream.start()
        await next_board(stream)
        broker = get_broker()
        held = len(broker.subscriptions)
        await stream.leave()
        return held, len(broker.subscriptions)

    assert scenario() == (1, 0)


def test_a_campaign_that_is_not_public_is_not_found(django_asgi, campaign, quick):
    campaign.public = False
    campaign.save()
    app = StreamRoute(django_asgi)

    @async_to_sync
    async def scenario():
        return await get(app, "/c/operators/live/")

    assert scenario().status == 404


def test_listeners_of_one_campaign_share_one_subscription_and_all_hear_each_change(
    django_asgi, campaign, pages, now, quick
):
    app = StreamRoute(django_asgi)

    @async_to_sync
    async def scenario():
        streams = [Stream(app, "/c/operators/live/?v=outdated") for _ in range(3)]
        for stream in streams:
            await stream.start()
            await next_board(stream)
        subscriptions = len(get_broker().subscriptions)
        await sync_to_async(record_count)(pages[0], Count(95_000), now)
        heard = [(await next_board(stream))["pages"][0]["current"] for stream in streams]
        for stream in streams:
            await stream.leave()
        return subscriptions, heard, len(get_broker().subscriptions)

    subscriptions, heard, left = scenario()
    assert subscriptions == 1
    assert heard == [95_000] * 3
    assert left == 0


def test_one_client_cannot_hold_more_than_its_share_of_streams(
    django_asgi, campaign, quick, settings
):
    """1,500 streams from one client once held the server; now the cap answers 429."""
    settings.LIKEWATCH_LIVE_STREAMS_PER_CLIENT = 3
    app = StreamRoute(django_asgi)

    @async_to_sync
    async def scenario():
        streams = [Stream(app, "/c/operators/live/") for _ in range(3)]
        for stream in streams:
            await stream.start()
        refused = await get(app, "/c/operators/live/")
        await streams[0].leave()
        # A closed stream gives its place back.
        again = Stream(app, "/c/operators/live/")
        status, _headers = await again.start()
        for stream in [*streams[1:], again]:
            await stream.leave()
        return refused, status

    refused, status = scenario()
    assert refused.status == 429 and b"Too many live updates" in refused.body
    assert status == 200


def test_a_crowd_opening_one_boards_stream_reads_the_campaign_once(
    django_asgi, campaign, pages, quick, monkeypatch
):
    from likewatch.web import stream as streams

    readings = []
    original = streams._public_campaign
    monkeypatch.setattr(
        streams, "_public_campaign", lambda slug: readings.append(slug) or original(slug)
    )
    app = StreamRoute(django_asgi)

    @async_to_sync
    async def scenario():
        crowd = [Stream(app, "/c/operators/live/?v=outdated") for _ in range(10)]
        for stream in crowd:
            await stream.start()
        boards = [await next_board(stream) for stream in crowd]
        unknown = await get(app, "/c/nothing-here/live/")
        again = await get(app, "/c/nothing-here/live/")
        for stream in crowd:
            await stream.leave()
        return boards, unknown, again

    boards, unknown, again = scenario()
    assert all(b["pages"][0]["id"] == pages[0].pk for b in boards)
    # Unknown addresses are asked each time (Django's 404), never remembered.
    assert unknown.status == again.status == 404
    assert readings == ["operators", "nothing-here", "nothing-here"]


def test_a_listener_leaving_never_cancels_the_news_the_others_wait_for():
    import asyncio

    from likewatch.web.stream import _follow

    async def scenario():
        shared = asyncio.get_running_loop().create_future()
        leaving, staying = _follow(shared), _follow(shared)
        leaving.cancel()
        shared.set_result(("v2", None))
        got = await staying
        return shared.cancelled(), got, await _follow(shared)  # done already: at once

    cancelled, got, late = asyncio.run(scenario())
    assert not cancelled
    assert got == late == ("v2", None)
