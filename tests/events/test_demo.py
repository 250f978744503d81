"""The demo's scripted incidents are reported live at their time with their size.

`likewatch demo` polls the simulator (likewatch.simulator, scenario morocco-2016) every
10 seconds at 60x: each fetch is ten simulated minutes later, recorded ten real seconds
later. The outage and the rate-limit storm make failed fetches. Detection runs live, round by
round, as in the poller, and a rescan must then give the same events.
"""

from datetime import timedelta

import pytest

from likewatch.events.models import Event
from likewatch.events.scan import scan_page
from likewatch.simulator.scenario import load
from likewatch.sources.base import Count
from likewatch.sources.errors import RateLimited, Transient
from likewatch.tracking.history import record_count, record_failure
from likewatch.tracking.models import Campaign, CampaignPage, Page

from .conftest import T0

pytestmark = pytest.mark.django_db

INTERVAL = 10  # the demo's default --interval
ACCELERATION = 60  # the scenario's
HOURS = 36


def events(page) -> list[tuple]:
    """(kind, simulated start hour, simulated end hour, size to the hundred) of its flags."""

    def hour(moment) -> float:
        return round((moment - T0).total_seconds() * ACCELERATION / 3600, 2)

    return sorted(
        (e.kind, hour(e.start), hour(e.end), round(e.size, -2))
        for e in Event.objects.filter(page=page, kind__in=["gain", "purge"])
    )


def replay(capture, names: set[str] | None = None) -> dict[str, Page]:
    """Record the demo's fetches of its pages (those named), detection running live."""
    scenario = load("morocco-2016")
    campaign = Campaign.objects.create(slug="morocco-2016", title="demo", starts_at=T0)
    sims = [s for s in scenario.pages.values() if names is None or s.name in names]
    pages = {}
    for position, sim in enumerate(sims):
        pages[sim.name] = Page.objects.create(
            platform="facebook", platform_id=sim.id, metric="likes", name=sim.name, interval=10
        )
        CampaignPage.objects.create(
            campaign=campaign, page=pages[sim.name], direction="leave", position=position
        )
    for k in range(HOURS * 3600 // (INTERVAL * ACCELERATION)):
        at = T0 + timedelta(seconds=k * INTERVAL)
        hour = k * INTERVAL * ACCELERATION / 3600
        with capture(execute=True):
            for sim in sims:
                if scenario.active("outage", hour):
                    record_failure(pages[sim.name], Transient("connection refused"), at)
                elif scenario.active("rate_limit_storm", hour):
                    record_failure(pages[sim.name], RateLimited("rate limited"), at)
                else:
                    record_count(pages[sim.name], Count(sim.count("likes", hour)), at)
    return pages


def test_the_demos_bought_likes_and_purge_are_reported_at_their_time_with_their_size(
    django_capture_on_commit_callbacks,
):
    pages = replay(django_capture_on_commit_callbacks)
    live = {name: events(page) for name, page in pages.items()}
    # Bought likes: 6,000 between hours 16 and 16.5 (5,833 likes: the simulator scales likes
    # to followers), reported then with that size, not after the storm of hour 20.
    [(kind, start, end, size)] = live["Maroc Telecom"]
    assert (kind, start, end) == ("gain", 16.0, 16.5)
    assert abs(size - 5_833) <= 300
    # The platform removes 4,000 of inwi's followers at hour 30 (3,889 likes).
    [(kind, start, end, size)] = live["inwi"]
    assert (kind, end) == ("purge", 30.0) and start >= 29.8
    assert abs(size + 3_889) <= 200
    for page in pages.values():
        scan_page(page, rescan=True)
    assert {name: events(page) for name, page in pages.items()} == live


def test_the_demos_campaign_wave_across_the_outage_and_the_storm_raises_no_flag(
    django_capture_on_commit_callbacks,
):
    pages = replay(django_capture_on_commit_callbacks, {"Meditel"})
    assert events(pages["Meditel"]) == []
