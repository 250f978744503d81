"""Live fan-out over the real transports: PostgreSQL LISTEN/NOTIFY and Redis pub/sub.

A listener runs on its own event loop (as in a web process); history is written in the test
(as by a poller). Each commit must reach the listener; a round of writes (one `record_batch`)
arrives as one message; and a listener whose connection is killed reconnects by itself,
resyncs, and hears what comes next.
"""

import asyncio
import contextlib
import shutil
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from likewatch.fanout import publish
from likewatch.fanout.listen import PostgresListener, RedisListener
from likewatch.sources.base import Count
from likewatch.tracking import history
from likewatch.tracking.models import Page

pytestmark = pytest.mark.django_db(transaction=True)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


class Heard:
    """What a listener delivered, from its own thread."""

    def __init__(self) -> None:
        self.messages: list[dict[int, str]] = []
        self.resyncs = 0
        self.event = threading.Event()

    def deliver(self, changes) -> None:
        self.messages.append(changes)
        self.event.set()

    async def resync(self) -> None:
        self.resyncs += 1

    def wait(self, count: int, timeout: float = 60.0) -> list[dict[int, str]]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            self.event.wait(0.05)
            self.event.clear()
        return self.messages


class Running:
    """A listener's `run()` on an event loop in a thread, cancelled at the end."""

    def __init__(self, listener) -> None:
        self.listener = listener
        self.loop = asyncio.new_event_loop()
        self.task = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self.task = self.loop.create_task(self.listener.run())
        with contextlib.suppress(asyncio.CancelledError):
            self.loop.run_until_complete(self.task)

    def __enter__(self):
        self.thread.start()
        self.wait_connected(1)
        return self

    def wait_connected(self, count: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.listener.connections < count:
            assert time.monotonic() < deadline, "the listener never connected"
            time.sleep(0.02)

    def __exit__(self, *exc) -> None:
        self.loop.call_soon_threadsafe(self.task.cancel)
        self.thread.join(timeout=10)


def pages(n: int) -> list[Page]:
    return [
        Page.objects.create(platform="facebook", platform_id=str(i), metric="likes")
        for i in range(n)
    ]


def expect_delivery(heard: Heard, page: Page, value: int, minutes: int) -> None:
    before = len(heard.messages)
    history.record_count(page, Count(value), T0 + timedelta(minutes=minutes))
    page.refresh_from_db()
    state = f"{page.last_seq}-{int(page.last_success_at.timestamp())}"
    assert {page.pk: state} in heard.wait(before + 1)


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY needs PostgreSQL: run with DATABASE_URL=postgres://…")


@pytest.mark.postgres
def test_postgres_delivers_each_commit_and_a_round_as_one_message(postgres):
    heard = Heard()
    one, two, three = pages(3)
    with Running(PostgresListener(heard.deliver, heard.resync)):
        expect_delivery(heard, one, 100, 0)
        before = len(heard.messages)
        history.record_batch(
            [
                history.Entry(page, Count(200), T0 + timedelta(minutes=minutes))
                for minutes, page in enumerate((one, two, three), start=1)
            ]
        )
        messages = heard.wait(before + 1)
        time.sleep(0.3)  # nothing more may arrive
    assert len(heard.messages) == before + 1
    assert set(messages[-1]) == {one.pk, two.pk, three.pk}


@pytest.mark.postgres
def test_postgres_listener_reconnects_after_its_connection_dies(postgres):
    heard = Heard()
    (page,) = pages(1)
    with Running(PostgresListener(heard.deliver, heard.resync)) as running:
        expect_delivery(heard, page, 1, 0)
        with connection.cursor() as cursor:
            # What a server restart does to a listening session, without restarting the server.
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE query LIKE 'LISTEN%%' AND datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
        running.wait_connected(2)
        assert heard.resyncs == 1
        expect_delivery(heard, page, 2, 1)


@pytest.fixture
def redis_url(tmp_path, settings):
    server = shutil.which("redis-server")
    pytest.importorskip("redis", reason="the redis package is not installed")
    if server is None:
        pytest.skip("no redis-server on this machine")
    sock = tmp_path / "redis.sock"
    process = subprocess.Popen(
        [server, "--port", "0", "--unixsocket", str(sock), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not sock.exists():
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.02)
    settings.REDIS_URL = f"unix://{sock}"
    publish._redis_client = None
    yield settings.REDIS_URL
    publish._redis_client = None
    process.terminate()
    process.wait(timeout=10)


def test_redis_carries_the_changes_when_configured(redis_url):
    heard = Heard()
    one, two = pages(2)
    with Running(RedisListener(heard.deliver, heard.resync)):
        expect_delivery(heard, one, 5, 0)
        history.record_batch(
            [
                history.Entry(one, Count(6), T0 + timedelta(minutes=1)),
                history.Entry(two, Count(6), T0 + timedelta(minutes=1)),
            ]
        )
        assert set(heard.wait(2)[1]) == {one.pk, two.pk}
