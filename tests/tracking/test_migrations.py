"""An existing database migrates with all its history into segments, and back."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from likewatch.evidence.records import page_entries
from likewatch.sources.base import Count
from likewatch.sources.errors import Transient
from likewatch.tracking import consumers, history, records, segments
from likewatch.tracking.models import FetchFailure, Observation, Page, Segment

T0 = datetime(2025, 6, 1, tzinfo=UTC)
BEFORE = [("tracking", "0005_segments")]
# Forwards to the newest migration (0006_compact_history and any later one): the code that
# writes and reads is today's, which needs today's columns.
AFTER = None

pytestmark = pytest.mark.django_db(transaction=True)


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.fixture(autouse=True)
def small_segments(monkeypatch):
    # Several segments per page from a short history.
    monkeypatch.setattr(segments, "SEGMENT_RECORDS", 32)


@pytest.fixture
def old_database():
    """A database as the previous version left it: every record a row. Written by today's
    code (today's columns), then migrated back to before the compaction."""
    # The previous version had no compaction following the write path.
    consumers.unregister(segments.NAME)
    try:
        pages = [
            Page.objects.create(platform="facebook", platform_id=str(i), metric="followers")
            for i in range(3)
        ]
        for m in range(200):
            at = T0 + timedelta(minutes=m)
            entries = []
            for i, page in enumerate(pages[:2]):  # the third page was never fetched
                if m % 50 == 25:
                    entries.append(
                        history.Entry(page, Transient("timed out"), at, duration_ms=1500)
                    )
                else:
                    value = 2_000_000 + i * 1000 + m // (i + 1)
                    entries.append(history.Entry(page, Count(value), at))
            history.record_batch(entries)
    finally:
        consumers.register(segments.NAME, segments.consume, order=30)
    # Read with today's code while today's columns are there (they are rows either way).
    entries = {p.pk: [(e.form, e.prev_hash, e.hash) for e in page_entries(p)] for p in pages}
    migrate(BEFORE)
    yield SimpleNamespace(pages=pages, entries=entries)
    call_command("migrate", verbosity=0)


def models_at(targets):
    """The models as the migrations `targets` left them (later columns are not there yet)."""
    executor = MigrationExecutor(connection)
    return executor.loader.project_state(targets).apps


def test_every_record_and_hash_survives_the_migration(old_database):
    before = old_database.entries
    assert Observation.objects.count() > 250

    migrate(AFTER)

    # Only each page's newest record is still a row; the rest are in segments.
    assert Observation.objects.count() + FetchFailure.objects.count() == 2
    assert Segment.objects.count() >= 2
    for page in old_database.pages:
        page.refresh_from_db()
        after = [(e.form, e.prev_hash, e.hash) for e in page_entries(page)]
        assert after == before[page.pk]
        assert page.segmented_seq == max(0, page.last_seq - 1)


def test_the_migration_reverses(old_database):
    def rows():
        old = models_at(BEFORE)
        return [
            list(old.get_model("tracking", name).objects.order_by("page_id", "seq").values_list())
            for name in ("Observation", "FetchFailure")
        ]

    def without_ids(tables):
        return [[row[1:] for row in table] for table in tables]

    before = rows()
    migrate(AFTER)
    migrate(BEFORE)
    assert not Segment.objects.exists()
    assert without_ids(rows()) == without_ids(before)


def test_a_page_migrated_goes_on_recording(old_database):
    migrate(AFTER)
    page = old_database.pages[0]
    history.record_count(page, Count(1), T0 + timedelta(days=1))
    page.refresh_from_db()
    assert [r.seq for r in records.records(page)] == list(range(1, page.last_seq + 1))


def test_the_answer_date_moves_from_the_page_to_its_newest_span_and_back():
    # Before spans kept their answers' dates, the page kept its newest answer's.
    page = Page.objects.create(platform="facebook", platform_id="9", metric="followers")
    moments = [T0 + timedelta(minutes=m) for m in range(3)]
    for m, at in enumerate(moments):
        history.record_batch([history.Entry(page, Count(100 + m), at, produced_at=at)])

    migrate([("tracking", "0007_page_answer_produced_at")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT answer_produced_at FROM tracking_page WHERE id = %s", [page.pk])
        (kept,) = cursor.fetchone()
    assert kept is not None  # the newest span's, on the page (its type is the backend's)

    migrate(AFTER)
    dates = [s.answer_produced_at for s in records.spans(page)]
    assert dates == [None, None, moments[-1]]
