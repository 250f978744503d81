"""The poller's work beside its rounds (tracking.chores): once a round, after its consumers.

The after-round chores (the log's signed checkpoint above all) run once for each round the
poller records: with the consumers on a thread of their own (PostgreSQL), on that thread once
the round reached them, so the checkpoint signs the leaves the log's consumer appended from
the round's rows in hand instead of appending them itself by reading the rows back.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from likewatch.evidence import checkpoints, keys, log
from likewatch.evidence import consumer as log_consumer
from likewatch.poller.loop import Poller
from likewatch.tracking import chores, consumers
from tests.poller.test_rounds import count, json_page

pytestmark = pytest.mark.django_db(transaction=True)

GUARD = 60.0  # seconds after which a broken loop fails the test instead of hanging


@pytest.fixture
def endpoints(settings):
    from tests.replay import ReplayServer

    settings.LIKEWATCH_OUTBOUND_ALLOW = ["127.0.0.1"]
    settings.LIKEWATCH_BATCH_WAIT_SECONDS = 0
    with ReplayServer() as server:
        yield server


def poll_one_round(endpoints, value: int = 11) -> None:
    """Run a poller until its first idle pass after one round of one page, then stop it."""
    json_page(endpoints, 1, next_fetch_at=timezone.now() - timedelta(seconds=1))
    endpoints.route("/p/1", lambda request: count(value))
    stop = threading.Event()

    def idle() -> bool:  # the spare-time pass, after the idle pass's after-round chores
        stop.set()
        return False

    chores.register("test-stop", idle, when=chores.SPARE_TIME, order=0)
    poller = Poller(owner="test")
    guard = threading.Timer(GUARD, stop.set)
    guard.daemon = True
    guard.start()
    try:
        poller.run_forever(stop)
    finally:
        guard.cancel()
        poller.close()
        chores.unregister("test-stop")


def test_the_after_round_chores_run_once_a_round_not_again_in_the_idle_pass_after_it(
    endpoints, monkeypatch
):
    # The poller passes through its idle branch right after every round; running the chores
    # there again found nothing new and cost their queries (ten for the checkpoint alone).
    monkeypatch.setattr(chores, "_chores", {})
    runs = []
    chores.register("count", lambda: runs.append(1), when=chores.AFTER_ROUND)

    poll_one_round(endpoints)

    assert runs == [1]


@pytest.mark.postgres
def test_after_a_round_the_chores_run_on_the_consumers_thread_once_it_reached_them(
    endpoints, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (on SQLite the consumers run in the poller's thread)")
    monkeypatch.setattr(chores, "_chores", {})
    seen = []
    consumers.register("test-last", lambda batch: seen.append("consumer"), order=999)
    chores.register(
        "test-chore",
        lambda: seen.append(("chore", threading.current_thread().name)),
        when=chores.AFTER_ROUND,
    )
    try:
        poll_one_round(endpoints)
    finally:
        consumers.unregister("test-last")

    assert seen == ["consumer", ("chore", "test consumers")]


@pytest.mark.postgres
def test_the_checkpoint_after_a_round_signs_the_leaves_the_log_took_from_the_rows_in_hand(
    endpoints, settings, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (on SQLite the consumers run in the poller's thread)")
    settings.LIKEWATCH_SIGNING_KEY = tmp_path / "signing-key.pem"
    keys.ensure_key()
    log_consumer.catch_up()  # the log's cursor, as the migration leaves it
    live = []

    def logged(batch: consumers.Batch) -> None:
        live.append(bool(batch.rows))  # the round's rows in hand: a live delivery
        log_consumer.consume(batch)

    consumers.register(log_consumer.NAME, logged, order=20)
    try:
        poll_one_round(endpoints)
    finally:
        consumers.register(log_consumer.NAME, log_consumer.consume, order=20)

    # The round's leaf went in once, from its rows in hand, never by the checkpoint's catch-up
    # reading them back; and the checkpoint signed after the round covers it.
    assert live == [True]
    size = log.state().size
    assert size >= 1
    assert checkpoints.latest().size == size
