"""An existing database migrates with all its history into segments, and back."""

from datetime import UTC, datetime, timedelta

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
    migrate(BEFORE)
    yield pages
    call_command("migrate", verbosity=0)


def test_every_record_and_hash_survives_the_migration(old_database):
    before = {p.pk: [(e.form, e.prev_hash, e.hash) for e in page_entries(p)] for p in old_database}
    assert Observation.objects.count() > 250

    migrate(AFTER)

    # Only each page's newest record is still a row; the rest are in segments.
    assert Observation.objects.count() + FetchFailure.objects.count() == 2
    assert Segment.objects.count() >= 2
    for page in old_database:
        page.refresh_from_db()
        after = [(e.form, e.prev_hash, e.hash) for e in page_entries(page)]
        assert after == before[page.pk]
        assert page.segmented_seq == max(0, page.last_seq - 1)


def test_the_migration_reverses(old_database):
    def rows():
        return [
            list(model.objects.order_by("page_id", "seq").values_list())
            for model in (Observation, FetchFailure)
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
    page = old_database[0]
    history.record_count(page, Count(1), T0 + timedelta(days=1))
    page.refresh_from_db()
    assert [r.seq for r in records.records(page)] == list(range(1, page.last_seq + 1))
