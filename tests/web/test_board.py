"""What a board shows, computed from the recorded history and formatted per language."""

from datetime import timedelta

import pytest
from django.utils import translation

from likewatch.web import board


def test_the_board_counts_change_since_the_start(campaign, now):
    data = board.snapshot(campaign, now)
    telecom, mobile = data["pages"]
    assert telecom["baseline"] == 100_000
    assert telecom["current"] == 97_000
    assert telecom["change"] == -3_000
    assert telecom["change_percent"] == pytest.approx(-3.0)
    assert telecom["moved"] == 3_000
    assert mobile["change"] == 500
    assert mobile["moved"] == -500
    assert data["total"]["moved"] == 2_500
    assert data["total"]["target_percent"] == pytest.approx(25.0)


def test_the_board_projects_milestones_at_the_last_hours_rate(campaign, now):
    data = board.snapshot(campaign, now)
    telecom = data["pages"][0]
    # Over the last hour the count went from 98,000 to 97,000: 1,000 people left.
    assert telecom["rate_hour"] == pytest.approx(-1_000, rel=0.01)
    assert telecom["milestone"]["goal"] == 5_000
    assert telecom["milestone"]["eta"] is not None
    mobile = data["pages"][1]
    assert mobile["milestone"]["eta"] is None  # gaining likes never reaches a leave milestone
    assert mobile["milestone"]["display"] == "–"
    assert data["total"]["target_projection"]["goal"] == 10_000


def test_a_page_not_measured_for_three_intervals_is_stale(campaign, now):
    later = now + timedelta(hours=1)
    data = board.snapshot(campaign, later)
    assert data["pages"][0]["stale"] is True
    assert data["pages"][0]["stale_after"] < later.isoformat()


@pytest.mark.parametrize(
    ("language", "current", "change", "percent"),
    [
        ("en", "97,000", "\u22123,000", "\u22123.00\u00a0%"),
        # CLDR's French groups with a narrow no-break space, as browsers' Intl does.
        ("fr", "97\u202f000", "\u22123\u202f000", "\u22123,00\u00a0%"),
        # CLDR's Arabic (as Intl's): Latin digits, comma groups, one minus sign.
        ("ar", "97,000", "\u22123,000", "\u22123.00\u00a0%"),
    ],
)
def test_numbers_are_formatted_for_the_language(campaign, now, language, current, change, percent):
    with translation.override(language):
        display = board.snapshot(campaign, now)["pages"][0]["display"]
    assert display["current"] == current
    assert display["change"] == change
    assert display["change_percent"] == percent


def test_the_version_moves_when_a_page_is_measured_again(campaign, pages, now):
    from likewatch.sources.base import Count
    from likewatch.tracking.history import record_count

    before = board.snapshot(campaign, now)["version"]
    record_count(pages[1], Count(50_500), now)  # same value: only the span grows
    pages[1].refresh_from_db()
    assert board.snapshot(campaign, now)["version"] != before


def _board_of(pages_count: int, now):
    from likewatch.sources.base import Count
    from likewatch.tracking.history import record_count
    from likewatch.tracking.models import Campaign, CampaignPage, Page

    campaign = Campaign.objects.create(
        slug=f"batch{pages_count}", title="Batch", starts_at=now - timedelta(days=1)
    )
    for i in range(pages_count):
        page = Page.objects.create(
            platform="facebook", platform_id=f"b{pages_count}-{i}", metric="likes", name=f"P{i}"
        )
        CampaignPage.objects.create(campaign=campaign, page=page, position=i)
        for hour in range(3):
            record_count(page, Count(1000 + i + hour), now - timedelta(hours=20 - hour))
    return campaign


@pytest.mark.django_db
def test_an_uncached_board_costs_the_same_few_queries_for_two_pages_or_twenty_five(client):
    """About 20 queries a page once (509 for 25 pages): now a constant."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    now = timezone.now()
    counts = {}
    for size in (2, 25):
        campaign = _board_of(size, now)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/c/{campaign.slug}/").status_code == 200
        counts[size] = len(queries.captured_queries)
    assert counts[2] == counts[25], counts
    # A few queries per board section (pages, changes, rates, purges, effects, notes, proofs).
    assert counts[25] <= 30, counts


def test_the_boards_etag_moves_with_what_the_board_shows(campaign, pages, now):
    from django.utils import timezone

    from likewatch.events.models import Event, Kind, Status
    from likewatch.organisers.models import Annotation
    from likewatch.sources.base import Count
    from likewatch.tracking.history import record_count

    minute = now.replace(second=10)

    def etag(at=minute, path="/c/operators/"):
        return board.board_etag(campaign, path, at)

    seen = {etag()}
    assert etag(minute.replace(second=50)) == etag()  # nothing on the board moves by seconds

    def moved(tag: str) -> bool:
        new = tag not in seen
        seen.add(tag)
        return new

    assert moved(etag(minute + timedelta(minutes=1)))  # "5 hours 10 minutes" to a milestone
    assert moved(etag(path="/c/operators/?utm_source=x"))  # the language form's return address
    with translation.override("fr"):
        assert moved(etag())
    Annotation.objects.create(campaign=campaign, at=now, text="Prices up")
    assert moved(etag())
    event = Event.objects.create(
        page=pages[0],
        kind=Kind.PURGE,
        start=now,
        end=now,
        size=-1000,
        expected=0,
        seen=-1000,
        confidence=0.9,
    )
    assert moved(etag())
    event.status = Status.CONFIRMED
    event.reviewed_at = timezone.now()
    event.save()
    assert moved(etag())
    Event.objects.filter(pk=event.pk).update(note="Confirmed with the platform")
    assert moved(etag())
    campaign.title = "Leave the operators"
    campaign.save()
    assert moved(etag())
    record_count(pages[1], Count(50_600), now)
    assert moved(etag())


def test_the_boards_etag_moves_the_second_a_page_turns_stale(campaign, pages, now):
    from likewatch.sources.base import Count
    from likewatch.tracking.history import record_count

    page = pages[0]
    # Last measured on a whole minute, so that it turns stale on one too, mid-minute after.
    record_count(page, Count(97_000), now.replace(second=0))
    page.refresh_from_db()
    turns = page.last_success_at + timedelta(seconds=3 * page.interval)
    later = turns + timedelta(seconds=30)
    assert not page.is_stale(turns) and page.is_stale(later)
    assert board.board_etag(campaign, "/c/", turns) != board.board_etag(campaign, "/c/", later)
