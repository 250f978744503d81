"""The board's event stream: the current state at once, then each change as it comes."""

import asyncio
import json

from asgiref.sync import async_to_sync, sync_to_async
from django.test import AsyncClient

from likewatch.sources.base import Count
from likewatch.tracking.history import record_count


async def _next_event(stream, timeout=30.0):
    """The next `event: board` message's data, skipping keep-alives."""
    while True:
        chunk = (await asyncio.wait_for(anext(stream), timeout)).decode()
        if chunk.startswith("id:"):
            return chunk, json.loads(chunk.split("data: ", 1)[1])


def test_the_board_stream_sends_the_current_state_then_each_change(campaign, pages, now, quick):
    @async_to_sync
    async def scenario():
        response = await AsyncClient().get("/c/operators/live/?v=outdated")
        assert response["Content-Type"].startswith("text/event-stream")
        assert response["Cache-Control"].startswith("no-cache")
        stream = aiter(response.streaming_content)
        assert (await anext(stream)).decode().startswith("retry:")
        first_chunk, first = await _next_event(stream)
        await sync_to_async(record_count)(pages[0], Count(96_000), now)
        _, second = await _next_event(stream)
        return first_chunk, first, second

    first_chunk, first, second = scenario()
    assert first_chunk.startswith(f"id: {first['version']}\nevent: board\n")
    assert first["pages"][0]["current"] == 97_000
    assert second["pages"][0]["current"] == 96_000
    assert second["pages"][0]["display"]["change"] == "\u22124,000"
    assert second["total"]["moved"] == 3_500


def test_an_up_to_date_browser_gets_only_keep_alives(campaign, quick):
    from likewatch.web.board import snapshot

    version = snapshot(campaign)["version"]

    @async_to_sync
    async def scenario():
        response = await AsyncClient().get(f"/c/operators/live/?v={version}")
        stream = aiter(response.streaming_content)
        return [(await asyncio.wait_for(anext(stream), 2)).decode() for _ in range(2)]

    retry, keepalive = scenario()
    assert retry.startswith("retry:")
    assert keepalive == ": keep-alive\n\n"


def test_the_stream_of_an_unknown_campaign_is_not_found(db):
    @async_to_sync
    async def scenario():
        return (await AsyncClient().get("/c/nothing/live/")).status_code

    assert scenario() == 404
