"""PubSubBroker: boards woken by the pollers' messages, without reading the database."""

import asyncio
import time
from datetime import UTC, datetime

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import connection

from likewatch.fanout.broker import PubSubBroker
from likewatch.sources.base import Count
from likewatch.tracking.history import record_count
from likewatch.tracking.models import Page

pytestmark = pytest.mark.django_db(transaction=True)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def page():
    return Page.objects.create(platform="facebook", platform_id="1", metric="likes")


def write(page, value, minute):
    record_count(page, Count(value), T0.replace(minute=minute))
    connection.close()  # this ran on a worker thread: leave no connection behind


@pytest.mark.postgres
def test_a_commit_wakes_the_subscribers_without_a_database_read(page, settings):
    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY needs PostgreSQL: run with DATABASE_URL=postgres://…")

    @async_to_sync
    async def scenario():
        broker = PubSubBroker()
        with broker.subscribe([page.pk]) as subscription:
            deadline = time.monotonic() + 60
            while not broker.listener.connected.is_set():
                assert time.monotonic() < deadline, "the broker's listener never connected"
                await asyncio.sleep(0.02)
            await sync_to_async(write, thread_sensitive=False)(page, 10, 1)
            woken = await subscription.wait(5)
        broker._listening.cancel()
        return broker, woken

    broker, woken = scenario()
    assert woken == {page.pk}
    assert broker.queries == 0  # the safety-net re-read (every 60 s) never ran
    page.refresh_from_db()
    assert broker.versions[page.pk] == f"{page.last_seq}-{int(page.last_success_at.timestamp())}"


def test_without_anything_to_listen_to_it_watches_the_database(page, settings):
    if connection.vendor != "sqlite":
        pytest.skip("the fallback is for SQLite")
    settings.LIKEWATCH_LIVE_TICK = 0.05

    @async_to_sync
    async def scenario():
        broker = PubSubBroker()
        assert broker.listener is None
        with broker.subscribe([page.pk]) as subscription:
            # The first read only sets the reference: write after it, however long it takes.
            deadline = time.monotonic() + 60
            while page.pk not in broker.versions:
                assert time.monotonic() < deadline, "the broker never read the page's state"
                await asyncio.sleep(0.02)
            await sync_to_async(write, thread_sensitive=False)(page, 10, 1)
            return await subscription.wait(5)

    assert scenario() == {page.pk}
