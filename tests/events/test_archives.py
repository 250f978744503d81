"""An archive imported before a page was tracked is judged at its own spacing (daily counts
for a page fetched every five minutes), or, too slow to judge soundly, said to be unjudged
where the page's history is shown: never skipped in silence."""

from datetime import timedelta

import numpy as np
import pytest

from likewatch.events import archives, detect, sentences
from likewatch.events.models import DetectorState, Event
from likewatch.events.scan import scan_page
from likewatch.tracking import records
from likewatch.tracking.importing import import_rows, read_rows

from .conftest import T0, campaign

DAY = 86400.0


def counts(days: int, *, every: float = DAY, drop_at: int | None = None, seed: int = 4):
    """An over-dispersed growing count (about 300 a step), one every `every` seconds, with
    6,000 people leaving at step `drop_at`."""
    rng = np.random.default_rng(seed)
    changes = rng.negative_binomial(5, 5 / (5 + 300), days).astype(int)
    if drop_at is not None:
        changes[drop_at] -= 6_000
    return [int(v) for v in 1_000_000 + np.cumsum(changes)]


def spans(values, *, every: float = DAY, start: float = 1.4e9, imported: bool = True):
    return [
        detect.Span(
            seq=n + 1,
            value=value,
            precision=1,
            first_seen=start + n * every,
            last_seen=start + n * every,
            fetches=1,
            imported=imported,
        )
        for n, value in enumerate(values)
    ]


def test_runs_are_the_imported_counts_spaced_beyond_what_the_page_judges():
    daily = spans(counts(40))
    fetched = spans([2_000_000] * 3, every=300, start=daily[-1].last_seen + DAY, imported=False)
    found = archives.runs(300, daily + fetched)
    assert [(r.start, r.end, r.spacing, r.counts, r.judged) for r in found] == [
        (daily[0].first_seen, daily[-1].last_seen, DAY, 40, True)
    ]
    # Hourly counts are within what a five-minute page's own detector judges (two hours).
    assert archives.runs(300, spans(counts(40), every=3600)) == []
    # Weekly counts are spaced beyond a day: read, not judged.
    weekly = archives.runs(300, spans(counts(40), every=7 * DAY))
    assert [(r.spacing, r.judged) for r in weekly] == [(7 * DAY, False)]


def test_a_few_sparse_snapshots_before_daily_counts_are_a_run_of_their_own():
    # Five monthly snapshots, then 60 daily counts: at a daily spacing the monthly steps would
    # not be judged, so they are a run of their own (sharing the first daily count).
    monthly = spans(counts(5), every=30 * DAY)
    daily = spans(counts(60), start=monthly[-1].last_seen + 30 * DAY)
    found = archives.runs(300, monthly + daily)
    assert [(r.counts, r.spacing, r.judged) for r in found] == [
        (6, 30 * DAY, False),
        (60, DAY, True),
    ]


def test_an_unchanged_stretch_of_an_archive_counts_its_steps():
    # Five identical daily counts are one span of five counts: four steps of a day each.
    run = spans(counts(10))
    held = detect.Span(
        seq=99,
        value=run[-1].value,
        precision=1,
        first_seen=run[-1].last_seen + DAY,
        last_seen=run[-1].last_seen + 5 * DAY,
        fetches=5,
        imported=True,
    )
    [found] = archives.runs(300, [*run, held])
    assert (found.spacing, found.counts) == (DAY, 15)


def test_a_daily_archive_s_drop_is_found_at_its_own_spacing_and_says_so():
    values = counts(120, drop_at=100)
    [run] = archives.runs(300, spans(values))
    [purge] = archives.judge(run)
    assert purge.kind == detect.PURGE and not purge.ongoing
    assert purge.start == run.start + 99 * DAY
    assert -6_600 < purge.size < -5_400
    assert purge.details["archive_spacing"] == DAY
    # The page's own detector, at five minutes, judges none of those steps.
    alone = detect.Detector(300).run(spans(values))
    assert [f for f in alone if f.kind in (detect.GAIN, detect.PURGE)] == []


def archive_file(page, values, *, every: timedelta, end):
    """`values` as a file for `likewatch import`, one every `every`, the last at `end`."""
    start = end - (len(values) - 1) * every
    lines = ["page,at,count,source"] + [
        f"#{page.pk},{start + n * every:%Y-%m-%d %H:%M},{value},https://archive.example/{n}"
        for n, value in enumerate(values)
    ]
    return "\n".join(lines).encode(), start


def found():
    return sorted(Event.objects.values_list("kind", "start", "end", "size", "details"))


@pytest.mark.django_db
def test_an_imported_daily_archive_is_judged_live_and_on_rescan_alike(
    page, measure, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        end = measure(page, campaign(36, pace=40))  # three hours at five minutes
    first = next(records.records(page)).value
    values = [v - counts(120, drop_at=100)[-1] + first - 500 for v in counts(120, drop_at=100)]
    data, start = archive_file(page, values, every=timedelta(days=1), end=T0 - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert import_rows(read_rows(data)).backfilled == 120

    [purge] = Event.objects.filter(kind=detect.PURGE)
    assert purge.start == start + timedelta(days=99)
    assert purge.details["archive_spacing"] == DAY
    assert "imported from an archive, about 1 day apart" in sentences.explain(purge)
    assert DetectorState.objects.get(page=page).unjudged_archives == []

    # Tracking goes on; a rescan then finds what live detection found.
    with django_capture_on_commit_callbacks(execute=True):
        measure(page, campaign(12, pace=40), value=records.latest_span(page).value, start=end)
    live = found()
    scan_page(page, rescan=True)
    assert found() == live


@pytest.mark.django_db
def test_a_weekly_archive_is_read_not_judged_and_the_page_s_history_says_so(
    page, measure, django_capture_on_commit_callbacks, admin_client
):
    with django_capture_on_commit_callbacks(execute=True):
        measure(page, campaign(36, pace=40))
    first = next(records.records(page)).value
    weekly = counts(40, drop_at=30)
    values = [v - weekly[-1] + first - 500 for v in weekly]
    data, start = archive_file(page, values, every=timedelta(days=7), end=T0 - timedelta(days=7))
    with django_capture_on_commit_callbacks(execute=True):
        import_rows(read_rows(data))

    assert not Event.objects.filter(start__lt=T0).exists()
    [note] = DetectorState.objects.get(page=page).unjudged_archives
    assert (note["spacing"], note["counts"]) == (7 * DAY, 40)
    html = admin_client.get(f"/p/{page.pk}/").content.decode()
    assert (
        f"The 40 counts imported from an archive between {start:%Y-%m-%d} and "
        f"{T0 - timedelta(days=7):%Y-%m-%d} are about 7 days apart: they are shown, but not "
        "checked for unusual gains or drops."
    ) in html
    # A rescan notes it the same way.
    scan_page(page, rescan=True)
    assert DetectorState.objects.get(page=page).unjudged_archives == [note]
