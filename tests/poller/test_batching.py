"""The poller reads due pages in as few requests as the platform allows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from likewatch.poller.claims import claim_due, round_horizon, round_start
from likewatch.poller.loop import JITTER, MAX_IDLE, Poller
from likewatch.simulator.scenario import SimPage
from likewatch.tracking.models import Observation, Page

pytestmark = pytest.mark.django_db


def due(**fields) -> Page:
    fields.setdefault("next_fetch_at", timezone.now() - timedelta(seconds=1))
    return Page.objects.create(platform="facebook", **fields)


def run(poller_settings) -> int:
    poller = Poller(owner="test")
    try:
        return poller.run_once()
    finally:
        poller.close()


def test_both_metrics_of_a_page_come_from_one_request(facebook_settings, simulator):
    due(platform_id="MarocTelecom", metric="likes")
    due(platform_id="MarocTelecom", metric="followers")

    assert run(facebook_settings) == 2
    assert simulator.requests == 1
    assert Observation.objects.count() == 2


def test_pages_are_read_fifty_to_a_request(facebook_settings, simulator, scenario):
    for i in range(120):
        scenario.pages[f"p{i}"] = SimPage(
            id=f"p{i}",
            username=f"p{i}",
            name=f"P{i}",
            counts={"likes": 1000 + i, "followers": 2000 + i},
        )
        due(platform_id=f"p{i}", metric="likes")

    assert run(facebook_settings) == 120
    assert simulator.requests == 3
    assert Observation.objects.count() == 120


def test_a_claimed_page_is_not_claimed_again_within_its_interval(facebook_settings):
    page = due(platform_id="MarocTelecom", metric="likes", interval=60)

    assert [p.pk for p in claim_due("a")] == [page.pk]
    assert claim_due("b") == []
    assert claim_due("b", now=timezone.now() + timedelta(seconds=59)) == []
    page.refresh_from_db()
    assert page.lease_owner == "a"


def test_a_lease_never_outlasts_the_interval(facebook_settings, settings):
    settings.LIKEWATCH_LEASE_SECONDS = 120
    page = due(platform_id="MarocTelecom", metric="likes", interval=60)
    claim_due("dead")  # and never released

    # The next interval's claim takes the page over: one fetch lost, no more.
    later = timezone.now() + timedelta(seconds=61)
    assert [p.pk for p in claim_due("alive", now=later)] == [page.pk]


def test_a_dead_pollers_pages_are_taken_over_after_the_lease(facebook_settings, settings):
    settings.LIKEWATCH_LEASE_SECONDS = 30
    page = due(platform_id="MarocTelecom", metric="likes", interval=60)
    claim_due("dead")  # and never released

    later = timezone.now() + timedelta(seconds=61)
    assert [p.pk for p in claim_due("alive", now=later)] == [page.pk]


def test_a_renamed_page_keeps_its_history_and_takes_the_new_name(
    facebook_settings, simulator, scenario
):
    page = due(platform_id="110380648982071", metric="likes", name="Old name")
    scenario.pages["110380648982071"].name = "Maroc Telecom (new)"

    run(facebook_settings)

    page.refresh_from_db()
    assert page.name == "Maroc Telecom (new)"
    assert page.observations.count() == 1


def test_a_round_waits_for_a_full_request_or_the_batch_wait(facebook_settings):
    now = timezone.now()
    assert round_start(full=3, wait=1.0, now=now) is None  # nothing to poll

    first = due(platform_id="a", metric="likes", next_fetch_at=now - timedelta(seconds=0.2))
    # One page due: its round waits for others to share the request, one second at most.
    assert round_start(full=3, wait=1.0, now=now) == first.next_fetch_at + timedelta(seconds=1)

    due(platform_id="b", metric="likes", next_fetch_at=now + timedelta(seconds=0.1))
    third = due(platform_id="c", metric="likes", next_fetch_at=now + timedelta(seconds=0.3))
    # ...or until the request is full, if that comes sooner.
    assert round_start(full=3, wait=1.0, now=now) == third.next_fetch_at

    claim_due("other", now=now)  # the first page is in flight elsewhere: it no longer counts
    assert round_start(full=3, wait=1.0, now=now) == now + timedelta(seconds=1.1)


def test_a_poller_sleeps_until_its_next_round_when_no_new_page_could_want_one_sooner(
    facebook_settings, settings
):
    # A page added while the poller sleeps, due at once, waits for its round anyway: the batch
    # wait, or a sixth of the shortest interval allowed. So a round scheduled within that
    # horizon is slept until, not looked at again every MAX_IDLE seconds.
    settings.LIKEWATCH_BATCH_WAIT_SECONDS = 10.0
    settings.LIKEWATCH_MIN_INTERVAL = 60
    assert round_horizon(10.0) == 10.0
    assert round_horizon(0.07) == 0.07  # a shorter batch wait: pages added wait less
    settings.LIKEWATCH_MIN_INTERVAL = 30
    assert round_horizon(10.0) == 5.0  # a shorter interval allowed: pages added wait less

    settings.LIKEWATCH_MIN_INTERVAL = 60
    # The poller first: loading what its chores need (the effect model's statistics) can take
    # more than MAX_IDLE seconds on a busy machine, which the round's wait would then lose.
    poller = Poller(owner="test")
    due(platform_id="a", metric="likes", interval=60, next_fetch_at=timezone.now())
    try:
        seconds = poller._wait_seconds()
        # One page due now, its round ten seconds away: slept until, not MAX_IDLE.
        assert MAX_IDLE < seconds <= 10.0 * (1 + JITTER), seconds
        Page.objects.all().delete()
        # Nothing scheduled: the poller looks again after MAX_IDLE.
        assert poller._wait_seconds() == MAX_IDLE
    finally:
        poller.close()
