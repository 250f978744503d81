"""Signing checkpoints after rounds: what a checkpoint costs when a poller signs one a round.

A poller signs a checkpoint after every round that added leaves, so the queries of one are
paid every few seconds: the log found up to date in one query, the log's name and key taken
from its state in hand, old checkpoints thinned once an hour.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from likewatch.evidence import checkpoints, consumer, log, note
from likewatch.evidence.models import Checkpoint, LogState
from likewatch.sources.base import Count
from likewatch.tracking.history import record_count
from likewatch.tracking.models import Page

from .conftest import minutes

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(db):
    return Page.objects.create(platform="facebook", platform_id="1", metric="likes", name="T")


def sql(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries]


def test_a_log_up_to_date_is_found_so_in_one_query(page):
    consumer.catch_up()  # the log's cursor, as a running deployment has it
    record_count(page, Count(1000), minutes(0))
    assert consumer.catch_up() == 1  # the round whose live delivery never came
    with CaptureQueriesContext(connection) as queries:
        assert consumer.catch_up() == 0
    assert len(queries) == 1


def test_a_log_behind_catches_up_before_the_checkpoint_signs(page, signing_key):
    consumer.catch_up()
    record_count(page, Count(1000), minutes(0))
    record_count(page, Count(990), minutes(5))  # seals the first span: two more leaves
    checkpoint, created = checkpoints.make(now=minutes(6), ask_witnesses=False)
    assert created
    assert checkpoint.size == log.state().size == 3


def test_a_checkpoint_after_the_first_names_the_log_as_the_first_did(page, signing_key, settings):
    consumer.catch_up()
    record_count(page, Count(1000), minutes(0))
    first, _ = checkpoints.make(now=minutes(1), ask_witnesses=False)
    settings.SITE_URL = "https://moved.example"  # the log keeps its name
    record_count(page, Count(990), minutes(5))
    consumer.catch_up()

    with CaptureQueriesContext(connection) as queries:
        second, created = checkpoints.make(now=minutes(6), ask_witnesses=False)

    assert created and second.size == 3
    log_key = checkpoints.verifier()  # the key published with the first checkpoint
    for signed in (first, second):
        body, _ = note.open_checkpoint(signed.note, log_key)  # NoteError unless signed by it
        assert body.origin == LogState.objects.get().origin == log_key.name
    # The log's state is read once, and never written by the signing (the first did).
    state_sql = [s for s in sql(queries) if "evidence_logstate" in s]
    assert len(state_sql) == 1 and state_sql[0].startswith("SELECT")


def test_old_checkpoints_are_thinned_by_the_first_checkpoint_of_each_hour(
    page, signing_key, settings
):
    settings.LIKEWATCH_CHECKPOINT_KEEP_HOURS = 1
    consumer.catch_up()
    at = minutes(0)
    for n in range(3):  # three checkpoints in the first hour
        record_count(page, Count(1000 - n), at + timedelta(minutes=n))
        consumer.catch_up()
        checkpoints.make(now=at + timedelta(minutes=n), ask_witnesses=False)
    later = at + timedelta(hours=2, minutes=5)  # the first two are old: the day keeps its last
    record_count(page, Count(900), later)
    consumer.catch_up()
    with CaptureQueriesContext(connection) as first_of_hour:
        checkpoints.make(now=later, ask_witnesses=False)
    assert Checkpoint.objects.count() == 2
    assert any("DELETE" in s for s in sql(first_of_hour))

    record_count(page, Count(890), later + timedelta(minutes=1))
    consumer.catch_up()
    with CaptureQueriesContext(connection) as same_hour:
        checkpoints.make(now=later + timedelta(minutes=1), ask_witnesses=False)
    assert Checkpoint.objects.count() == 3
    assert not any(s.startswith("DELETE") or 'created_at" <' in s for s in sql(same_hour))


def test_a_checkpoint_after_a_round_costs_a_fixed_handful_of_queries(page, signing_key):
    # Signed after every round that added leaves: the log's state, found up to date, with
    # the newest checkpoint (1), the annotations and reviews looked at (their logged versions
    # in one query, the annotations, the reviewed events: 3), the new one stored (1). Old
    # ones are thinned by the first of each hour only.
    consumer.catch_up()
    record_count(page, Count(1000), minutes(0))
    checkpoints.make(now=minutes(1), ask_witnesses=False)
    record_count(page, Count(990), minutes(5))
    consumer.catch_up()

    with CaptureQueriesContext(connection) as queries:
        checkpoint, created = checkpoints.make(now=minutes(6), ask_witnesses=False)

    assert created and checkpoint.size == log.state().size
    statements = [s for s in sql(queries) if not s.startswith(("SAVEPOINT", "RELEASE"))]
    assert sum("evidence_logdocument" in s for s in statements) == 1
    assert len(statements) == 5, statements
