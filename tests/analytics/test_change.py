"""Change since the baseline, hourly rates and campaign totals, from spans."""

from datetime import UTC, datetime, timedelta

import pytest

from likewatch.analytics.change import baseline, campaign_change, latest, rate_per_hour
from likewatch.sources.base import Count
from likewatch.sources.errors import Transient
from likewatch.tracking.history import record_count, record_failure
from likewatch.tracking.models import Campaign, CampaignPage, Page

pytestmark = pytest.mark.django_db
T0 = datetime(2016, 2, 26, 22, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def series(name: str, points: list[tuple[float, int | None]]) -> Page:
    page = Page.objects.create(platform="facebook", platform_id=name, metric="likes", name=name)
    for hours, value in points:
        record_count(page, Count(value), T0 + hours * HOUR)
    return page


def test_the_baseline_is_the_value_seen_at_the_start():
    page = series("a", [(-2, 1000), (-1, 1000), (1, 900)])
    assert baseline(page, T0).value == 1000


def test_without_history_before_the_start_the_baseline_is_the_first_value_after():
    page = series("a", [(1, 900), (2, 800)])
    assert baseline(page, T0).value == 900


def test_hidden_counts_are_skipped_not_read_as_zero():
    page = series("a", [(0, 1000), (1, None)])
    assert latest(page).value == 1000


def test_rate_per_hour_over_a_window():
    page = series("a", [(0, 1000), (1, 900), (2, 700)])
    assert rate_per_hour(page, HOUR, now=T0 + 2 * HOUR) == -200
    assert rate_per_hour(page, 2 * HOUR, now=T0 + 2 * HOUR) == -150


def test_rate_over_a_window_longer_than_the_history_uses_what_there_is():
    page = series("a", [(0, 1000), (2, 800)])
    assert rate_per_hour(page, 24 * HOUR, now=T0 + 2 * HOUR) == -100


def test_rate_is_unknown_without_any_value():
    page = Page.objects.create(platform="facebook", platform_id="z", metric="likes")
    assert rate_per_hour(page, HOUR, now=T0) is None


def test_failures_do_not_count_as_values():
    page = series("a", [(0, 1000)])
    record_failure(page, Transient("timeout"), T0 + HOUR)
    assert latest(page, T0 + 2 * HOUR).value == 1000


def test_campaign_totals_respect_each_pages_direction():
    leaving = series("leaving", [(-1, 10_000), (3, 9_000)])
    joining = series("joining", [(-1, 500), (3, 800)])
    campaign = Campaign.objects.create(slug="c", title="C", starts_at=T0, target=2000)
    CampaignPage.objects.create(campaign=campaign, page=leaving, direction="leave")
    CampaignPage.objects.create(campaign=campaign, page=joining, direction="join")

    result = campaign_change(campaign, now=T0 + 3 * HOUR)

    by_name = {p.page.name: p for p in result.pages}
    assert by_name["leaving"].change == -1000
    assert by_name["leaving"].change_percent == pytest.approx(-10.0)
    assert by_name["leaving"].moved == 1000
    assert by_name["joining"].moved == 300
    assert result.total_change == -700
    assert result.total_moved == 1300
    assert result.target_percent == pytest.approx(65.0)


@pytest.mark.django_db
def test_the_batched_campaign_figures_are_each_page_s_own():
    """campaign_change reads every page at once; each page must get what page_change says."""
    from datetime import timedelta

    from django.utils import timezone

    from likewatch.analytics.change import campaign_change, page_change
    from likewatch.sources.base import Count
    from likewatch.tracking.history import record_count
    from likewatch.tracking.models import Campaign, CampaignPage, Page

    now = timezone.now()
    campaign = Campaign.objects.create(slug="b", title="B", starts_at=now - timedelta(hours=30))
    for i, hours in enumerate([(40, 20, 2), (10, 0.5), (29,), ()]):
        page = Page.objects.create(platform="facebook", platform_id=str(i), metric="likes")
        CampaignPage.objects.create(campaign=campaign, page=page, position=i, direction="leave")
        for n, ago in enumerate(hours):
            record_count(page, Count(5000 - 37 * n * (i + 1)), now - timedelta(hours=ago))
    batched = campaign_change(campaign, now)
    for entry, got in zip(campaign.entries.order_by("position"), batched.pages, strict=True):
        alone = page_change(entry.page, campaign.starts_at, entry.direction, now)
        for name in ("current", "baseline", "baseline_at", "rate_hour", "rate_day", "apart"):
            assert getattr(got, name) == getattr(alone, name), (entry.page.platform_id, name)


def flagged(page: Page, kind: str, hours: float, size: int, status: str = "open"):
    from likewatch.events.models import Event

    at = T0 + hours * HOUR
    return Event.objects.create(
        page=page,
        kind=kind,
        start=at,
        end=at + HOUR / 2,
        size=size,
        expected=0,
        seen=size,
        confidence=0.99,
        status=status,
    )


def leave_campaign(*pages: Page, direction: str = "leave") -> Campaign:
    campaign = Campaign.objects.create(slug="c", title="C", starts_at=T0)
    for position, page in enumerate(pages):
        CampaignPage.objects.create(
            campaign=campaign, page=page, direction=direction, position=position
        )
    return campaign


def test_a_flagged_unusual_gain_does_not_hide_people_leaving():
    # 45,000 leave over ten hours while an unusual burst of 12,040 arrives at hour 5: the
    # count says "lost 32,960"; people who left are 45,000, the burst is shown apart.
    page = series("a", [(h, 3_000_000 - 4_500 * h + (12_040 if h >= 6 else 0)) for h in range(11)])
    flagged(page, "gain", 5, 12_040)
    result = campaign_change(leave_campaign(page), now=T0 + 10 * HOUR)
    [entry] = result.pages
    assert entry.change == -32_960  # the net change, as measured
    assert entry.moved == 45_000
    assert (entry.gained, entry.removed) == (12_040, 0)


def test_a_dismissed_gain_counts_again_and_a_confirmed_one_stays_apart():
    page = series("a", [(0, 3_000_000), (10, 2_967_040)])
    event = flagged(page, "gain", 5, 12_040)
    campaign = leave_campaign(page)

    event.review("dismissed", "A real news story brought people back.")
    [entry] = campaign_change(campaign, now=T0 + 10 * HOUR).pages
    assert entry.moved == 32_960 and entry.gained == 0

    event.review("confirmed", "A like farm, documented.")
    [entry] = campaign_change(campaign, now=T0 + 10 * HOUR).pages
    assert entry.moved == 45_000 and entry.gained == 12_040
    assert entry.apart.gained_confirmed is True


def test_a_flagged_gain_in_a_join_campaign_is_not_people_joining():
    page = series("a", [(0, 500_000), (10, 520_000)])
    flagged(page, "gain", 5, 15_000)
    [entry] = campaign_change(leave_campaign(page, direction="join"), now=T0 + 10 * HOUR).pages
    assert entry.change == 20_000
    assert entry.moved == 5_000


def test_the_total_over_pages_sums_both_kinds_apart():
    a = series("a", [(0, 3_000_000), (10, 2_967_040)])
    b = series("b", [(0, 1_000_000), (10, 986_000)])
    flagged(a, "gain", 5, 12_040)
    flagged(b, "purge", 3, -4_000)
    flagged(b, "gain", 6, 1_000)
    result = campaign_change(leave_campaign(a, b), now=T0 + 10 * HOUR)
    assert (result.apart.removed, result.apart.gained) == (-4_000, 13_040)
    assert result.total_change == -46_960
    # 32,960 + 14,000 measured, less the removal, plus the departures the gains hid.
    assert result.total_moved == 46_960 - 4_000 + 13_040
