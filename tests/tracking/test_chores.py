"""A poller's work beside its rounds is registered by the apps that own it."""

import logging

import pytest
from django.db import OperationalError

from likewatch.tracking import chores


@pytest.fixture
def clean(monkeypatch):
    """Only the chores a test registers (the apps' own are put back afterwards)."""
    monkeypatch.setattr(chores, "_chores", {})


def test_the_apps_register_the_checkpoint_the_pruning_and_the_effect():
    after_round = [c.name for c in chores.registered(chores.AFTER_ROUND)]
    spare = [c.name for c in chores.registered(chores.SPARE_TIME)]
    assert after_round == ["raw answers pruned", "checkpoint"]
    assert spare == ["effect estimate"]


def test_after_round_chores_run_in_order_and_one_failure_stops_none(clean, caplog):
    ran = []
    chores.register("second", lambda: ran.append("second"), when=chores.AFTER_ROUND, order=20)
    chores.register("broken", lambda: 1 / 0, when=chores.AFTER_ROUND, order=10)
    chores.register("first", lambda: ran.append("first"), when=chores.AFTER_ROUND, order=5)

    chores.after_round()

    assert ran == ["first", "second"]
    assert "broken failed; it is tried again at the next occasion" in caplog.text


def test_a_database_outage_is_one_line_not_a_traceback(clean, caplog):
    def refused():
        raise OperationalError("could not connect to server\nIs the server running?")

    chores.register("checkpoint", refused, when=chores.AFTER_ROUND)
    with caplog.at_level(logging.ERROR):
        chores.after_round()
    assert caplog.records[-1].getMessage() == (
        "checkpoint postponed: the database refused it (could not connect to server)"
    )
    assert caplog.records[-1].exc_info is None


def test_spare_time_stops_at_the_first_chore_that_did_some_work(clean):
    ran = []

    def idle(name, worked):
        return lambda: ran.append(name) or worked

    chores.register("nothing due", idle("nothing due", False), when=chores.SPARE_TIME, order=1)
    chores.register("estimated", idle("estimated", True), when=chores.SPARE_TIME, order=2)
    chores.register("later", idle("later", True), when=chores.SPARE_TIME, order=3)

    assert chores.spare_time() is True
    assert ran == ["nothing due", "estimated"]


def test_spare_time_says_when_nothing_was_done(clean):
    chores.register("nothing due", lambda: False, when=chores.SPARE_TIME)
    assert chores.spare_time() is False


def test_a_chore_must_say_when_it_runs(clean):
    with pytest.raises(ValueError, match="after-round"):
        chores.register("typo", lambda: None, when="hourly")


def test_what_a_chore_needs_is_loaded_once_at_the_poller_s_start(clean):
    loaded = []
    chores.register(
        "estimate", lambda: False, when=chores.SPARE_TIME, load=lambda: loaded.append(1)
    )
    chores.register("checkpoint", lambda: None, when=chores.AFTER_ROUND)

    chores.load()

    assert loaded == [1]


def test_a_poller_loads_what_its_chores_need_before_its_first_round(clean):
    from likewatch.poller.loop import Poller

    loaded = []
    chores.register(
        "estimate", lambda: False, when=chores.SPARE_TIME, load=lambda: loaded.append(1)
    )
    poller = Poller(owner="test")
    try:
        assert loaded == [1]
    finally:
        poller.close()


def test_the_effect_model_is_loaded_by_pollers_not_by_every_process():
    (effect,) = chores.registered(chores.SPARE_TIME)
    assert effect.load is not None


def test_a_spare_time_chore_with_nothing_to_do_rests_before_it_is_asked_again(clean, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(chores.time, "monotonic", lambda: clock[0])
    asked = []
    due = [False]
    chores.register(
        "estimate", lambda: asked.append(clock[0]) or due[0], when=chores.SPARE_TIME, rest=60
    )

    assert chores.spare_time() is False  # nothing due: it rests for a minute
    clock[0] += 59
    due[0] = True
    assert chores.spare_time() is False  # still resting, though it would find work now
    clock[0] += 1
    assert chores.spare_time() is True
    clock[0] += 1
    assert chores.spare_time() is True  # it did work last time: no rest
    assert asked == [1000.0, 1060.0, 1061.0]


def test_a_spare_time_chore_without_rest_is_asked_every_time(clean):
    asked = []
    chores.register("cheap look", lambda: asked.append(1) or False, when=chores.SPARE_TIME)
    chores.spare_time()
    chores.spare_time()
    assert asked == [1, 1]


@pytest.mark.django_db
def test_with_no_campaign_running_a_poller_s_spare_time_runs_no_effect_query_a_minute_long(
    monkeypatch,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clock = [1000.0]
    monkeypatch.setattr(chores.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(chores, "_resting", {})
    (effect,) = chores.registered(chores.SPARE_TIME)
    assert chores.spare_time() is False  # the look that finds nothing due

    for _ in range(5):  # a round every ten seconds
        clock[0] += 10
        with CaptureQueriesContext(connection) as queries:
            assert chores.spare_time() is False
        assert len(queries) == 0

    clock[0] = 1000.0 + effect.rest  # a minute on, it looks again
    with CaptureQueriesContext(connection) as queries:
        chores.spare_time()
    assert any("campaign" in q["sql"] for q in queries.captured_queries)
