"""Epoch seconds from the database: the ORM expression and hand-written SQL agree with Python."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from likewatch.analytics.epoch import Epoch, epoch_sql
from likewatch.tracking.models import Observation, Page

pytestmark = pytest.mark.django_db
MOMENTS = [
    datetime(2026, 3, 1, tzinfo=UTC),
    datetime(2026, 3, 1, 12, 34, 56, 789_012, tzinfo=UTC),
    datetime(2031, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
]


def test_both_forms_give_the_seconds_python_gives():
    page = Page.objects.create(platform="facebook", platform_id="1", metric="likes")
    for seq, at in enumerate(MOMENTS, start=1):
        Observation.objects.create(page=page, seq=seq, value=1, first_seen=at, last_seen=at)
    rows = Observation.objects.order_by("seq")
    orm = [float(s) for s in rows.values_list(Epoch("first_seen"), flat=True)]
    table, column = Observation._meta.db_table, "first_seen"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {epoch_sql(connection.ops.quote_name(column))} FROM {table} "
            "WHERE page_id = %s ORDER BY seq",
            [page.pk],
        )
        raw = [float(s) for (s,) in cursor.fetchall()]
    expected = [at.timestamp() for at in MOMENTS]
    assert orm == raw
    assert [round(s, 6) for s in orm] == [round(s, 6) for s in expected]
