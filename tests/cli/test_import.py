"""`likewatch import FILE`: a clear message naming the line, and nothing half-imported."""

import pytest
from django.core.management import CommandError, call_command

from likewatch.tracking.models import Observation, Page

pytestmark = pytest.mark.django_db


@pytest.fixture
def page():
    return Page.objects.create(
        platform="facebook", platform_id="200", handle="inwi.ma", metric="likes"
    )


def test_a_good_file_is_imported(page, tmp_path, capsys):
    path = tmp_path / "counts.csv"
    path.write_text("page,at,count\ninwi.ma,2016-04-20,1200000\ninwi.ma,2016-04-21,1190000\n")
    call_command("import", str(path))
    assert "Imported 2 count(s) for 1 page(s)" in capsys.readouterr().out
    assert list(Observation.objects.values_list("value", "provenance")) == [
        (1200000, "imported"),
        (1190000, "imported"),
    ]


def test_check_reports_without_importing(page, tmp_path, capsys):
    path = tmp_path / "counts.csv"
    path.write_text("page,at,count\ninwi.ma,2016-04-20,1200000\n")
    call_command("import", str(path), "--check")
    assert "is fine: 1 count(s) for 1 page(s)" in capsys.readouterr().out
    assert not Observation.objects.exists()


def test_a_bad_line_late_in_the_file_stops_everything(page, tmp_path):
    path = tmp_path / "counts.csv"
    good = "".join(f"inwi.ma,2016-04-{day:02d},{1000 + day}\n" for day in range(1, 29))
    path.write_text("page,at,count\n" + good + "inwi.ma,2016-04-29,lots\n")
    with pytest.raises(CommandError) as caught:
        call_command("import", str(path))
    assert "Nothing was imported" in str(caught.value)
    assert "line 30: count 'lots' is not a whole number." in str(caught.value)
    assert not Observation.objects.exists()


def test_a_missing_file_is_one_sentence(tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*: No such file or directory."):
        call_command("import", str(tmp_path / "nope.csv"))


def test_a_negative_count_is_called_negative(page, tmp_path):
    path = tmp_path / "counts.csv"
    path.write_text("page,at,count\ninwi.ma,2016-04-20,-5\n")
    with pytest.raises(CommandError) as caught:
        call_command("import", str(path))
    assert "line 2: count -5 is negative: a count is never below zero." in str(caught.value)
    assert "not a whole number" not in str(caught.value)


def test_counts_before_the_first_record_are_backfilled_and_the_database_still_verifies(
    page, tmp_path, capsys
):
    from likewatch.evidence import consumer

    history = tmp_path / "fetched.csv"
    history.write_text("page,at,count\ninwi.ma,2016-04-20,1200000\ninwi.ma,2016-04-22,1190000\n")
    call_command("import", str(history))
    archive = tmp_path / "archive.csv"
    archive.write_text(
        "page,at,count,source\n"
        "inwi.ma,2016-03-01,1000000,https://web.archive.org/web/20160301/inwi\n"
        "inwi.ma,2016-04-01,1100000,\n"
        "inwi.ma,2016-04-25,1180000,\n"
    )
    capsys.readouterr()
    call_command("import", str(archive))
    assert capsys.readouterr().out == (
        "Imported 3 count(s) for 1 page(s), marked as imported: 2 before the first record of "
        "their page (backfilled), 1 after its newest.\n"
        "inwi.ma: 5 imported counts about 11 days apart are shown but not judged for unusual "
        "gains or drops: counts more than a day apart say too little about when a change "
        "happened.\n"
    )
    assert list(
        Observation.objects.order_by("first_seen").values_list("value", "seq", "source_url")
    ) == [
        (1000000, 3, "https://web.archive.org/web/20160301/inwi"),
        (1100000, 4, ""),
        (1200000, 1, ""),
        (1190000, 2, ""),
        (1180000, 5, ""),
    ]
    consumer.catch_up()
    call_command("verify", "--database")
    assert "checks out" in capsys.readouterr().out  # it raises CommandError otherwise


def test_a_count_inside_the_recorded_history_is_refused_with_its_times(page, tmp_path):
    path = tmp_path / "counts.csv"
    path.write_text("page,at,count\ninwi.ma,2016-04-20,1200000\ninwi.ma,2016-04-22,1190000\n")
    call_command("import", str(path))
    path.write_text("page,at,count\ninwi.ma,2016-03-01,1000000\ninwi.ma,2016-04-21 12:00,1195000\n")
    with pytest.raises(CommandError) as caught:
        call_command("import", str(path))
    message = str(caught.value)
    assert message.startswith("Nothing was imported from")
    assert (
        "line 3: 2016-04-21 12:00:00 UTC falls inside the history inwi.ma already recorded "
        "(2016-04-20 00:00:00 UTC to 2016-04-22 00:00:00 UTC), between its records of "
        "2016-04-20 00:00:00 UTC and 2016-04-22 00:00:00 UTC."
    ) in message
    assert Observation.objects.count() == 2  # the good backfill line is not half-imported


def test_the_import_says_how_an_archive_too_far_apart_for_the_page_is_judged(
    page, tmp_path, capsys
):
    daily = "".join(f"inwi.ma,2016-04-{day:02d},{1000 + day}\n" for day in range(1, 29))
    weekly = "".join(f"inwi.ma,2016-{month:02d}-01,{900 + month}\n" for month in (1, 2, 3))
    path = tmp_path / "counts.csv"
    path.write_text("page,at,count\n" + weekly + daily)
    call_command("import", str(path))
    out = capsys.readouterr().out
    # January to April a month apart, then April daily: two runs, sharing 1 April.
    assert "inwi.ma: 28 imported counts about 1 day apart are judged" in out
    assert "inwi.ma: 4 imported counts about 31 days apart are shown but not judged" in out
