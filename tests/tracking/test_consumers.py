"""The consumer seam: every committed round reaches every consumer, in order, once."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from likewatch.sources.base import Count
from likewatch.tracking import consumers, history
from likewatch.tracking.models import Cursor, Page, Round

T0 = datetime(2026, 5, 1, tzinfo=UTC)
pytestmark = pytest.mark.django_db


class Recorder:
    """A test consumer: remembers (position, page, seq) of what it was handed."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, int, int]] = []
        self.broken = False

    def __call__(self, batch: consumers.Batch) -> None:
        if self.broken:
            raise RuntimeError("consumer bug")
        self.seen += [(r.position, r.page_id, r.seq) for r in batch.records]


@pytest.fixture
def recorder():
    recorder = Recorder()
    consumers.register("test-recorder", recorder, order=99)
    yield recorder
    consumers.unregister("test-recorder")


@pytest.fixture
def page():
    return Page.objects.create(platform="x", platform_id="p", metric="likes")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Write like a poller: each batch commits and is then handed to the consumers."""

    def write(*entries):
        with django_capture_on_commit_callbacks(execute=True):
            history.record_batch(list(entries))

    return write


def entry(page, value, minute):
    result = Count(value) if isinstance(value, int) else value
    return history.Entry(page, result, T0 + timedelta(minutes=minute))


def test_a_consumer_gets_each_round_after_its_commit_in_order(
    recorder, page, committed, django_capture_on_commit_callbacks
):
    committed(entry(page, 1, 0))
    with django_capture_on_commit_callbacks(execute=False) as pending:
        history.record_batch([entry(page, 2, 1), entry(page, 2, 2)])
        assert recorder.seen == [(1, page.pk, 1)]  # not before the commit
    for callback in pending:
        callback()
    assert recorder.seen == [(1, page.pk, 1), (2, page.pk, 2), (2, page.pk, 2)]


def test_a_rolled_back_round_reaches_no_consumer(recorder, page):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        history.record_batch([entry(page, 1, 0)])
        raise RuntimeError("the poller's round failed after the write")
    assert recorder.seen == [] and not Round.objects.exists()


def test_a_failing_consumer_keeps_its_place_and_gets_the_round_again(
    recorder, page, committed, caplog
):
    committed(entry(page, 1, 0))
    recorder.broken = True
    committed(entry(page, 2, 1))
    assert "consumer test-recorder failed" in caplog.text
    assert recorder.seen == [(1, page.pk, 1)]
    recorder.broken = False
    committed(entry(page, 3, 2))  # the next delivery catches up first: nothing missed
    assert recorder.seen == [(1, page.pk, 1), (2, page.pk, 2), (3, page.pk, 3)]
    committed(entry(page, 4, 3))
    assert len(recorder.seen) == len(set(recorder.seen)) == 4  # nothing twice


def test_a_consumer_that_missed_rounds_catches_up_from_its_cursor(
    recorder, page, committed, monkeypatch
):
    committed(entry(page, 1, 0))
    # A process killed between its commits and the hand-over: the rounds are in the journal.
    monkeypatch.setattr(consumers, "deliver", lambda *args: None)
    for minute in (1, 2, 3):
        committed(entry(page, 10 + minute, minute))
    monkeypatch.undo()
    assert consumers.catch_up(["test-recorder"]) == {"test-recorder": 3}
    assert [seq for _, _, seq in recorder.seen] == [1, 2, 3, 4]
    assert consumers.catch_up(["test-recorder"]) == {"test-recorder": 0}


def test_catching_up_reads_the_journal_once_when_it_holds_less_than_a_batch(
    recorder, page, committed, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    committed(entry(page, 1, 0))
    monkeypatch.setattr(consumers, "deliver", lambda *args: None)
    for minute in (1, 2, 3):
        committed(entry(page, 10 + minute, minute))
    monkeypatch.setattr(consumers, "CATCH_UP_ROUNDS", 2)  # three rounds: a full batch, then one

    with CaptureQueriesContext(connection) as queries:
        assert consumers.catch_up(["test-recorder"]) == {"test-recorder": 3}

    assert [seq for _, _, seq in recorder.seen] == [1, 2, 3, 4]
    journal_reads = [q for q in queries.captured_queries if "tracking_round" in q["sql"]]
    assert len(journal_reads) == 2  # the full batch, then the last round: no empty look after


def test_a_new_consumer_starts_at_the_newest_round(page, committed):
    committed(entry(page, 1, 0))
    late = Recorder()
    consumers.register("test-late", late)
    try:
        assert consumers.catch_up(["test-late"]) == {"test-late": 0}
        committed(entry(page, 2, 1))
    finally:
        consumers.unregister("test-late")
    assert late.seen == [(2, page.pk, 2)]


def test_the_journal_keeps_a_round_until_every_cursor_passed_it(recorder, page, committed):
    recorder.broken = True
    for minute in range(consumers.PRUNE_EVERY + 1):
        committed(entry(page, minute, minute))
    # The broken consumer holds everything from its first round on.
    assert Round.objects.count() == consumers.PRUNE_EVERY + 1
    recorder.broken = False
    consumers.catch_up()
    assert consumers.prune() == consumers.PRUNE_EVERY + 1
    assert not Round.objects.exists()


def test_status_and_forget(recorder, page, committed, capsys):
    committed(entry(page, 1, 0))
    Cursor.objects.create(name="removed-consumer", position=0)
    call_command("consumers", "status")
    out = capsys.readouterr().out
    assert "test-recorder" in out and "not registered" in out
    call_command("consumers", "forget", "removed-consumer")
    assert not Cursor.objects.filter(name="removed-consumer").exists()
    with pytest.raises(CommandError, match="registered consumer"):
        call_command("consumers", "forget", "test-recorder")
    with pytest.raises(CommandError, match="No consumer named nope"):
        call_command("consumers", "catch-up", "nope")


def test_a_consumer_name_is_checked():
    with pytest.raises(ValueError):
        consumers.register(Cursor.WRITTEN, lambda batch: None)


def test_a_paced_consumer_takes_the_rounds_held_for_it_in_one_batch(page, committed, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(consumers.time, "monotonic", lambda: clock[0])
    batches: list[list[int]] = []
    consumers.register(
        "test-paced", lambda batch: batches.append([r.seq for r in batch.records]), every=10
    )
    consumers.pace()
    try:
        committed(entry(page, 1, 0))  # its first turn: at once
        for minute in (1, 2, 3):
            clock[0] += 2
            committed(entry(page, 10 + minute, minute))  # held: its turn has not come
        consumers.catch_up_paced()
        assert batches == [[1]]
        clock[0] += 5  # ten seconds since its last turn
        consumers.catch_up_paced()  # as an idle poller does
        assert batches == [[1], [2, 3, 4]]
        clock[0] += 10
        committed(entry(page, 20, 4))
        assert batches == [[1], [2, 3, 4], [5]]
    finally:
        consumers.pace(False)
        consumers.unregister("test-paced")


def test_without_pace_every_write_reaches_a_paced_consumer_at_once(page, committed):
    seen: list[int] = []
    consumers.register("test-paced", lambda b: seen.extend(r.seq for r in b.records), every=60)
    try:
        committed(entry(page, 1, 0))
        committed(entry(page, 2, 1))
    finally:
        consumers.unregister("test-paced")
    assert seen == [1, 2]


def test_a_round_reaches_the_consumers_in_one_transaction_that_moves_every_cursor_at_once(
    page, committed
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    firsts, seconds = Recorder(), Recorder()
    consumers.register("test-first", firsts, order=98)
    consumers.register("test-second", seconds, order=99)
    try:
        committed(entry(page, 1, 0))  # their cursors made, at the newest round
        with CaptureQueriesContext(connection) as queries:
            committed(entry(page, 2, 1))
    finally:
        consumers.unregister("test-first")
        consumers.unregister("test-second")
    assert firsts.seen == seconds.seen == [(1, page.pk, 1), (2, page.pk, 2)]
    moves = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    moves = [s for s in moves if "tracking_cursor" in s and "RETURNING" in s and "+ 1" not in s]
    assert len(moves) == 1  # every consumer's cursor, in one statement
    positions = dict(Cursor.objects.values_list("name", "position"))
    assert positions["test-first"] == positions["test-second"] == 2


def test_a_consumer_failing_in_a_delivery_together_costs_the_others_nothing(page, committed):
    """The failed delivery together commits nothing; each consumer then takes the round on its
    own: the working one's rows are written once, the broken one keeps its place."""

    def marking(batch: consumers.Batch) -> None:
        for r in batch.records:  # a row per record, as a consumer that writes data does
            Cursor.objects.create(name=f"test-mark-{r.position}", position=r.seq)

    broken = Recorder()
    consumers.register("test-marking", marking, order=98)
    consumers.register("test-broken", broken, order=99)
    try:
        committed(entry(page, 1, 0))
        broken.broken = True
        committed(entry(page, 2, 1))
        broken.broken = False
        committed(entry(page, 3, 2))  # delivered one by one: the broken one catches up
        committed(entry(page, 4, 3))  # and together again
    finally:
        consumers.unregister("test-marking")
        consumers.unregister("test-broken")
    marks = Cursor.objects.filter(name__startswith="test-mark-").values_list("name", flat=True)
    assert sorted(marks) == [f"test-mark-{n}" for n in (1, 2, 3, 4)]  # each once
    assert [seq for _, _, seq in broken.seen] == [1, 2, 3, 4]
    assert consumers._apart == set()
