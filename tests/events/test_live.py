"""Detection runs live, as the poller records, and never costs a measurement."""

from datetime import timedelta

import pytest

from likewatch.events.models import Event
from likewatch.sources.base import Count
from likewatch.sources.errors import Transient
from likewatch.tracking.history import record_count, record_failure
from likewatch.tracking.models import Page

from .conftest import T0, campaign, rounds

pytestmark = pytest.mark.django_db


def test_a_purge_is_flagged_as_soon_as_it_is_recorded(
    page, measure, django_capture_on_commit_callbacks
):
    changes = campaign(100)
    end = measure(page, changes)
    assert not Event.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        record_count(page, Count(page.observations.last().value - 2500), end)

    purge = Event.objects.get()
    assert purge.kind == "purge" and purge.ongoing


def test_failures_in_a_row_open_a_gap(page, measure, django_capture_on_commit_callbacks):
    end = measure(page, campaign(60))
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(4):
            record_failure(page, Transient("timeout"), end + timedelta(minutes=5 * i))

    gap = Event.objects.get(kind="gap")
    assert gap.ongoing and gap.start == end - timedelta(minutes=5)


def test_a_failing_scan_is_logged_the_count_kept_and_the_round_retried(
    page, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    from likewatch.events import scan
    from likewatch.tracking import consumers

    def broken(*args, **kwargs):
        raise RuntimeError("detector bug")

    monkeypatch.setattr(scan, "scan_pages", broken)
    with django_capture_on_commit_callbacks(execute=True):
        record_count(page, Count(1000), T0)

    assert page.observations.count() == 1
    assert "consumer events failed" in caplog.text
    assert {s.name: s.behind for s in consumers.status()}["events"] == 1
    monkeypatch.undo()
    assert consumers.catch_up(["events"]) == {"events": 1}
    assert {s.name: s.behind for s in consumers.status()}["events"] == 0


def test_live_detection_can_be_left_to_the_command(
    page, measure, settings, django_capture_on_commit_callbacks
):
    settings.LIKEWATCH_EVENTS_LIVE = False
    end = measure(page, campaign(100))
    with django_capture_on_commit_callbacks(execute=True):
        record_count(page, Count(page.observations.last().value - 2500), end)
    assert not Event.objects.exists()


def test_a_round_s_pages_are_scanned_together_after_its_commit(
    page, measure, monkeypatch, django_capture_on_commit_callbacks
):
    from likewatch.events import scan
    from likewatch.tracking import history

    other = Page.objects.create(
        platform="facebook", platform_id="200", metric="likes", name="Other", interval=300
    )
    end = measure(page, campaign(100))
    measure(other, campaign(100, seed=2))
    scanned = []
    real = scan.scan_pages

    def counting(pages, **kwargs):
        scanned.append(sorted(p.pk for p in pages))
        return real(pages, **kwargs)

    monkeypatch.setattr(scan, "scan_pages", counting)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        history.record_batch(
            [
                history.Entry(p, Count(p.observations.last().value - 2500), end)
                for p in (page, other)
            ]
        )
    assert not Event.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()

    assert scanned == [sorted([page.pk, other.pk])]
    assert set(Event.objects.values_list("page_id", "kind")) == {
        (page.pk, "purge"),
        (other.pk, "purge"),
    }


def _found():
    return sorted(Event.objects.values_list("kind", "start", "end", "size", "seq_from", "seq_to"))


def test_after_its_first_scan_a_page_is_fed_the_rounds_records_and_agrees_with_a_rescan(
    page, history_reads, django_capture_on_commit_callbacks
):
    from likewatch.events import detect, scan
    from likewatch.events.models import DetectorState
    from likewatch.tracking import consumers

    changes = campaign(300)
    changes[250] -= 3000  # a purge
    changes[100:112] = [0] * 12  # a flat run: one span extended fetch after fetch
    changes[180] = changes[181] = None  # failures inside a batch
    with django_capture_on_commit_callbacks(execute=True):
        record_count(page, Count(3_000_000), T0)  # the consumer's cursor, the first scan
    assert history_reads == [[page.pk]]
    at, value = T0, 3_000_000
    # Batches of 25 rounds, as a paced poller hands them over.
    for first in range(0, 300, 25):
        at, value = rounds(page, changes[first : first + 25], start=at, value=value)
        consumers.catch_up(["events"])

    assert history_reads == [[page.pk]] + [[]] * 12  # never read again
    live, state = _found(), bytes(DetectorState.objects.get(page=page).state)
    assert any(kind == "purge" and -3300 < size < -2700 for kind, _s, _e, size, *_ in live)
    assert detect.Detector.unpack(state)["seq"] == page.observations.order_by("-seq")[0].seq

    scan.scan_page(page, rescan=True)
    assert _found() == live
    assert bytes(DetectorState.objects.get(page=page).state) == state


def test_records_an_earlier_batch_did_not_scan_are_read_from_the_history(
    page, history_reads, django_capture_on_commit_callbacks
):
    from likewatch.events import scan
    from likewatch.tracking import consumers

    changes = campaign(120)
    changes[90] -= 3000
    with django_capture_on_commit_callbacks(execute=True):
        record_count(page, Count(3_000_000), T0)
    at, value = rounds(page, changes[:60], start=T0, value=3_000_000)
    consumers.catch_up(["events"])
    # One failure alone asks for no scan: its batch leaves the page's state where it was.
    at, value = rounds(page, [None], start=at, value=value)
    consumers.catch_up(["events"])
    assert history_reads == [[page.pk], []]
    at, value = rounds(page, changes[60:], start=at, value=value)
    consumers.catch_up(["events"])

    assert history_reads == [[page.pk], [], [page.pk]]  # the failure was read back
    live = _found()
    assert any(kind == "purge" and -3300 < size < -2700 for kind, _s, _e, size, *_ in live)
    scan.scan_page(page, rescan=True)
    assert _found() == live


def test_an_event_starting_within_a_second_is_found_again_by_the_next_round(
    page, measure, django_capture_on_commit_callbacks, caplog
):
    """Fetch times carry microseconds; the next round must update the open event, not try to
    store it a second time (the unique key is page, kind and exact start)."""
    end = measure(page, campaign(100), start=T0 + timedelta(microseconds=250_000))
    value = page.observations.last().value
    with django_capture_on_commit_callbacks(execute=True):
        record_count(page, Count(value - 2500), end)
    with django_capture_on_commit_callbacks(execute=True):
        record_count(page, Count(value - 5000), end + timedelta(seconds=page.interval))

    assert "consumer events" not in caplog.text
    purge = Event.objects.get(kind="purge")
    assert purge.start.microsecond == 250_000
    assert purge.size < -4000  # the second round grew it


def test_a_span_extended_in_rounds_that_asked_for_no_scan_is_fed_as_it_ended(
    page, history_reads, django_capture_on_commit_callbacks
):
    """An unchanged fetch asks for no scan (`live.wants_scan`), so the page's stored state still
    holds its open span as the last scan saw it. The round whose count then moves must feed
    that span as it ended: fed as last seen, the fetches in between read as a gap ("no count
    could be read") and the step as spread over them, which a rescan then contradicted."""
    from likewatch.events import scan
    from likewatch.events.models import DetectorState
    from likewatch.tracking import consumers

    changes = campaign(80)
    for first in range(10, 80, 10):
        changes[first : first + 3] = [0, 0, 0]  # three unchanged fetches: no scan asked
    with django_capture_on_commit_callbacks(execute=True):
        record_count(page, Count(3_000_000), T0)
    at, value = T0, 3_000_000
    for change in changes:  # one round a batch: the unchanged ones scan nothing
        at, value = rounds(page, [change], start=at, value=value)
        consumers.catch_up(["events"])

    assert not Event.objects.filter(kind="gap").exists()
    assert all(read == [] for read in history_reads[1:])  # fed, never read back
    live, state = _found(), bytes(DetectorState.objects.get(page=page).state)
    scan.scan_page(page, rescan=True)
    assert _found() == live
    assert bytes(DetectorState.objects.get(page=page).state) == state


def _campaign_history(page, days):
    """Ordinary hourly gains for `days`, and a loss of pace over twelve hours on day 8 (the
    slow baseline's kind of move, which a campaign explains while it runs)."""
    changes = campaign(days * 24, pace=6, sd=3)
    drop = 8 * 24 + 10
    changes[drop : drop + 12] = [c - 40 for c in changes[drop : drop + 12]]
    return changes, T0 + timedelta(hours=drop)


@pytest.mark.parametrize(
    "window",
    [
        # Started after the drop and still running when the page is rescanned: the weeks
        # before it were judged live without its rules, and must be in a rescan too.
        (timedelta(days=12), None),
        # Ran over the drop and ended before the rescan: its days were judged live with its
        # rules, and must be in a rescan too.
        (timedelta(days=7), timedelta(days=10)),
    ],
    ids=["running", "ended"],
)
def test_a_campaign_s_rules_apply_from_its_start_live_and_in_a_rescan_alike(
    page, window, django_capture_on_commit_callbacks
):
    from likewatch.events import scan
    from likewatch.events.models import DetectorState
    from likewatch.tracking import consumers
    from likewatch.tracking.models import Campaign, CampaignPage, Direction

    page.interval = 3600
    page.save()
    starts, ends = window
    leave = Campaign.objects.create(
        slug="leave", title="Leave", starts_at=T0 + starts, ends_at=ends and T0 + ends
    )
    CampaignPage.objects.create(campaign=leave, page=page, direction=Direction.LEAVE)
    changes, drop = _campaign_history(page, 16)
    with django_capture_on_commit_callbacks(execute=True):
        record_count(page, Count(3_000_000), T0)
    at, value = T0, 3_000_000
    for change in changes:  # one round at a time, scanned after each, as the poller does
        at, value = rounds(page, [change], start=at, value=value)
        consumers.catch_up(["events"])
    live = sorted(
        Event.objects.filter(kind__in=("gain", "purge")).values_list(
            "kind", "start", "end", "size", "details"
        )
    )
    state = bytes(DetectorState.objects.get(page=page).state)

    scan.scan_page(page, rescan=True)

    again = sorted(
        Event.objects.filter(kind__in=("gain", "purge")).values_list(
            "kind", "start", "end", "size", "details"
        )
    )
    assert again == live
    assert bytes(DetectorState.objects.get(page=page).state) == state  # no campaign in it
    # The drop: an unusual one before the campaign; the campaign's to explain while it ran.
    during = ends is not None
    purges = [e for e in live if e[0] == "purge" and e[1] <= drop + timedelta(hours=3)]
    assert [e[1] >= drop - timedelta(hours=2) for e in purges] == ([] if during else [True])
    assert all(e[4]["campaign_down"] is (leave.starts_at <= e[1]) for e in live)
