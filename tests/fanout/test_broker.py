"""The live brokers: one database read per tick for every listener of a process
(DatabaseWatchBroker), or none at all when the pollers' messages wake the boards (PubSubBroker)."""

import asyncio
import time
from datetime import UTC, datetime

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import connection

from likewatch.fanout import broker as brokers
from likewatch.fanout.broker import PubSubBroker
from likewatch.sources.base import Count
from likewatch.tracking.history import record_count
from likewatch.tracking.models import Page

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def page(transactional_db):
    """A page the broker's own threads and connections can see: committed, not in a test's
    transaction."""
    return Page.objects.create(platform="facebook", platform_id="1", metric="likes")


@pytest.fixture
def pages(db):
    """Two pages with one count each."""
    made = [
        Page.objects.create(platform="facebook", platform_id=str(n), metric="likes")
        for n in (11, 22)
    ]
    for n, made_page in enumerate(made):
        record_count(made_page, Count(1_000 * (n + 1)), T0)
    return made


def test_reading_the_state_of_any_number_of_pages_is_one_query(pages, django_assert_num_queries):
    with django_assert_num_queries(1):
        states = brokers.page_states([p.pk for p in pages])
    assert set(states) == {p.pk for p in pages}


def test_every_listener_hears_of_a_new_count_from_one_read(pages):
    telecom, mobile = pages

    @async_to_sync
    async def scenario():
        broker = brokers.DatabaseWatchBroker(tick=3600)  # checked by hand below
        many = [broker.subscribe([telecom.pk, mobile.pk]) for _ in range(50)]
        other = broker.subscribe([mobile.pk])
        await broker.check()  # first sight: only sets the reference
        await sync_to_async(record_count)(telecom, Count(900), T0.replace(minute=5))
        changed = await broker.check()
        heard = [await s.wait(0.1) for s in many]
        quiet = await other.wait(0.01)
        for s in [*many, other]:
            s.close()
        return changed, heard, quiet, broker

    changed, heard, quiet, broker = scenario()
    assert changed == {telecom.pk}
    assert heard == [{telecom.pk}] * 50
    assert quiet == set()
    assert broker.subscriptions == set()
    assert broker.queries == 2  # one per tick, however many listen


def test_a_repeated_value_still_counts_as_news(pages):
    @async_to_sync
    async def scenario():
        broker = brokers.DatabaseWatchBroker(tick=3600)
        with broker.subscribe([pages[1].pk]) as subscription:
            await broker.check()
            # The same value again only extends the open span: the board's "last measured" moves.
            await sync_to_async(record_count)(pages[1], Count(2_000), T0.replace(minute=5))
            await broker.check()
            return await subscription.wait(0.1)

    assert scenario() == {pages[1].pk}


def test_the_broker_is_chosen_by_setting(settings):
    settings.LIKEWATCH_LIVE_BROKER = f"{RecordingBroker.__module__}.RecordingBroker"

    @async_to_sync
    async def scenario():
        return brokers.get_broker()

    assert isinstance(scenario(), RecordingBroker)


def test_the_default_setting_names_the_database_watching_broker():
    from likewatch import settings as defaults

    assert brokers.import_string(defaults.LIKEWATCH_LIVE_BROKER) is brokers.DatabaseWatchBroker


class RecordingBroker(brokers.Broker):
    """A broker fed from outside (as LISTEN/NOTIFY or Redis would be): no polling at all."""

    def started(self, subscription):
        self.last_started = subscription


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
