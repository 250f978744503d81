"""Live updates: one database read per tick for all listeners, and the board's event stream."""

import asyncio
import json

from asgiref.sync import async_to_sync, sync_to_async
from django.test import AsyncClient

from likewatch.sources.base import Count
from likewatch.tracking.history import record_count
from likewatch.web import live


def test_reading_the_state_of_any_number_of_pages_is_one_query(pages, django_assert_num_queries):
    with django_assert_num_queries(1):
        states = live.page_states([p.pk for p in pages])
    assert set(states) == {p.pk for p in pages}


def test_every_listener_hears_of_a_new_count_from_one_read(pages, now, quick):
    telecom, mobile = pages

    @async_to_sync
    async def scenario():
        broker = live.DatabaseWatchBroker(tick=3600)  # checked by hand below
        many = [broker.subscribe([telecom.pk, mobile.pk]) for _ in range(50)]
        other = broker.subscribe([mobile.pk])
        await broker.check()  # first sight: only sets the reference
        await sync_to_async(record_count)(telecom, Count(96_500), now)
        changed = await broker.check()
        heard = [await s.wait(0.1) for s in many]
        quiet = await other.wait(0.01)
        for s in [*many, other]:
            s.close()
        return changed, heard, quiet, broker

    changed, heard, quiet, broker = scenario()
    assert changed == {pages[0].pk}
    assert heard == [{pages[0].pk}] * 50
    assert quiet == set()
    assert broker.subscriptions == set()
    assert broker.queries == 2  # one per tick, however many listen


def test_a_repeated_value_still_counts_as_news(pages, now, quick):
    @async_to_sync
    async def scenario():
        broker = live.DatabaseWatchBroker(tick=3600)
        with broker.subscribe([pages[1].pk]) as subscription:
            await broker.check()
            await sync_to_async(record_count)(pages[1], Count(50_500), now)  # same value
            await broker.check()
            return await subscription.wait(0.1)

    assert scenario() == {pages[1].pk}


def test_the_broker_is_chosen_by_setting(settings):
    settings.LIKEWATCH_LIVE_BROKER = f"{RecordingBroker.__module__}.RecordingBroker"

    @async_to_sync
    async def scenario():
        return live.get_broker()

    assert isinstance(scenario(), RecordingBroker)


class RecordingBroker(live.Broker):
    """A broker fed from outside (as LISTEN/NOTIFY or Redis would be): no polling at all."""

    def started(self, subscription):
        self.last_started = subscription


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
