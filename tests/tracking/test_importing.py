"""Importing hand-recorded counts: everything checked first, then all or nothing."""

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from likewatch.tracking import chain, records
from likewatch.tracking.importing import ImportProblem, import_rows, read_rows
from likewatch.tracking.models import Observation, Page

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages():
    return [
        Page.objects.create(
            platform="facebook", platform_id="100064", handle="MarocTelecom", metric=metric
        )
        for metric in ("followers", "likes")
    ] + [
        Page.objects.create(
            platform="facebook", platform_id="200", handle="inwi.ma", metric="likes"
        )
    ]


def problems(data: bytes) -> list[str]:
    with pytest.raises(ImportProblem) as caught:
        read_rows(data)
    return caught.value.problems


def test_a_clean_file_is_imported_marked_as_imported_and_chained(pages):
    data = (
        "\ufeffpage,metric,at,count,source\n"
        "MarocTelecom,likes,2016-04-20 08:00,3100000,photo of the page\n"
        'https://www.facebook.com/MarocTelecom,likes,2016-04-20 20:00,"3,061,500",\n'
        "inwi.ma,,2016-04-20,1 200 000,\n"
        "inwi.ma,,2016-04-21T00:00:00+01:00,1200000,\n"
    ).encode()
    rows = read_rows(data)
    assert import_rows(rows).total == 4
    likes = Observation.objects.filter(page=pages[1]).order_by("seq")
    assert [(o.value, o.provenance, o.source_url) for o in likes] == [
        (3100000, "imported", "photo of the page"),
        (3061500, "imported", ""),
    ]
    assert likes[0].hash == chain.observation_hash(likes[0])
    inwi = Observation.objects.get(page=pages[2])
    # Two equal counts make one span seen twice.
    assert (inwi.value, inwi.fetches) == (1200000, 2)
    assert inwi.last_seen == datetime(2016, 4, 20, 23, 0, tzinfo=UTC)


def test_semicolons_and_a_precision_column_are_understood(pages):
    data = f"page;metric;at;count;precision\n#{pages[2].pk};;2016-04-20;1200000;1000\n"
    rows = read_rows(data.encode())
    assert (rows[0].page, rows[0].count.value, rows[0].count.precision) == (pages[2], 1200000, 1000)


def test_every_bad_line_is_named_and_nothing_is_written(pages):
    data = (
        b"page,metric,at,count\n"
        b"MarocTelecom,likes,2016-04-20,3100000\n"
        b"MarocTelecom,,2016-04-20,3100000\n"
        b"nobody,,2016-04-20,5\n"
        b"inwi.ma,,20/04/2016,5\n"
        b"inwi.ma,,2016-04-21,-5\n"
        b"inwi.ma,,2016-04-22,3.5K\n"
        b"inwi.ma,,2016-04-23,0\n"
        b"inwi.ma,,2099-01-01,10\n"
        b"inwi.ma,,2016-04-24,10,extra\n"
    )
    found = problems(data)
    assert [p.split(":")[0] for p in found] == [f"line {n}" for n in range(3, 11)]
    assert "names 2 counts (followers, likes)" in found[0]
    assert "add it first with `likewatch add`" in found[1]
    assert "write it as 2016-04-20" in found[2]
    assert not Observation.objects.exists()


def test_duplicates_and_counts_inside_the_history_are_refused_naming_the_times(pages):
    import_rows(read_rows(b"page,at,count\ninwi.ma,2016-04-20,5\ninwi.ma,2016-04-22,6\n"))
    found = problems(
        b"page,at,count\ninwi.ma,2016-04-23,6\ninwi.ma,2016-04-23,7\ninwi.ma,2016-04-21,4\n"
    )
    assert found[0].startswith("line 3: inwi.ma already has a count at that time, on line 2")
    assert found[1] == (
        "line 4: 2016-04-21 00:00:00 UTC falls inside the history inwi.ma already recorded "
        "(2016-04-20 00:00:00 UTC to 2016-04-22 00:00:00 UTC), between its records of "
        "2016-04-20 00:00:00 UTC and 2016-04-22 00:00:00 UTC. Only counts before its first "
        "record or after its newest can be imported."
    )
    assert Observation.objects.count() == 2


def test_counts_before_the_first_record_are_backfilled_and_later_ones_appended(pages):
    import_rows(read_rows(b"page,at,count\ninwi.ma,2016-04-20,5\n"))
    outcome = import_rows(
        read_rows(
            b"page,at,count\ninwi.ma,2016-04-18,3\ninwi.ma,2016-04-19,4\ninwi.ma,2016-04-21,6\n"
        )
    )
    assert (outcome.backfilled, outcome.appended) == (2, 1)
    spans = [(s.value, s.first_seen.day, s.seq) for s in records.spans(pages[2])]
    # In time order; the backfilled counts numbered after the count that was there,
    # the newer one after them.
    assert spans == [(3, 18, 2), (4, 19, 3), (5, 20, 1), (6, 21, 4)]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "line 1: the file is empty"),
        (b"page,count\n", "line 1: the header lacks the column(s) at"),
        (b"page,at,count,likes\n", "line 1: unknown column(s) likes"),
        (b"page,at,count\n", "The file has a header but no counts"),
        (b"page,at,count\ninwi.ma,2016-04-20,\xff\xfe\n", "line 2: the file is not UTF-8"),
        (b'page,at,count\n"inwi.ma,2016-04-20,5\n', "line 2"),
        (b"\x00\x01page", "The file is not a CSV text file (it contains NUL bytes)"),
    ],
)
def test_malformed_files_get_one_clear_sentence(pages, data, expected):
    assert problems(data)[0].startswith(expected)


cells = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=st.lists(
        st.sampled_from(["page", "at", "count", "metric", "source", "x", ""]), max_size=6
    ),
    lines=st.lists(
        st.lists(st.one_of(cells, st.sampled_from(["inwi.ma", "2016-04-20", "12"])), max_size=6),
        max_size=5,
    ),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_any_file_is_imported_whole_or_refused_with_line_numbers(pages, header, lines, delimiter):
    text = "\n".join(delimiter.join(row) for row in [header, *lines])
    before = Observation.objects.count()
    try:
        rows = read_rows(text.encode())
    except ImportProblem as exc:
        assert exc.problems and all(p.strip() for p in exc.problems)
        assert Observation.objects.count() == before
        return
    assert rows and all(isinstance(r.page, Page) for r in rows)
