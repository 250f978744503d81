"""A round gathers the due pages of one-page-per-request sources, and keeps their cadence."""

from datetime import timedelta

import pytest
from django.utils import timezone

from likewatch.poller.claims import WAIT_SHARE, claim_due, next_due, round_start
from likewatch.poller.loop import Poller
from likewatch.tracking.models import FetchFailure, Observation, Page, Round
from tests.replay import Answer, ReplayServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoints(settings):
    settings.LIKEWATCH_OUTBOUND_ALLOW = ["127.0.0.1"]
    with ReplayServer() as server:
        yield server


def json_page(server: ReplayServer, n: int, **fields) -> Page:
    url = f"{server.base_url}/p/{n}"
    fields.setdefault("next_fetch_at", timezone.now() - timedelta(seconds=1))
    return Page.objects.create(
        platform="json",
        platform_id=f"{url} data.count",
        metric="followers",
        options={"url": url, "expression": "data.count", "metric": "followers"},
        **fields,
    )


def count(value: int) -> Answer:
    return Answer(200, {"Content-Type": "application/json"}, b'{"data": {"count": %d}}' % value)


def test_every_due_single_page_source_is_read_in_one_round(endpoints):
    pages = [json_page(endpoints, n) for n in range(30)]
    for n in range(30):
        endpoints.route(f"/p/{n}", lambda request, n=n: count(1000 + n))
    poller = Poller(owner="test")
    try:
        assert poller.run_once() == 30
    finally:
        poller.close()

    # One request per page, one transaction and one journal round for all of them.
    assert len(endpoints.requests) == 30
    assert Round.objects.count() == 1
    values = dict(Observation.objects.values_list("page_id", "value"))
    assert values == {page.pk: 1000 + n for n, page in enumerate(pages)}


def test_one_failing_source_costs_its_own_page_only(endpoints):
    good = [json_page(endpoints, n) for n in range(5)]
    broken = json_page(endpoints, 99)  # no route: the endpoint answers 404
    for n in range(5):
        endpoints.route(f"/p/{n}", lambda request, n=n: count(10 + n))
    poller = Poller(owner="test")
    try:
        assert poller.run_once() == 6
    finally:
        poller.close()

    assert Observation.objects.filter(page__in=good).count() == 5
    assert FetchFailure.objects.get(page=broken).kind == "not_found"
    # Every claim was given back: the failing page's next fetch backs off, the others' keep
    # their interval.
    assert not Page.objects.exclude(lease_owner="").exists()


def test_a_page_that_waited_for_its_round_keeps_its_interval(endpoints):
    now = timezone.now()
    page = json_page(endpoints, 1, interval=60, next_fetch_at=now - timedelta(seconds=5))

    claim_due("test", now=now)

    page.refresh_from_db()
    # Counted from when it was due, not from the claim: five seconds of waiting for the round
    # would otherwise make every minute last 65 seconds.
    assert page.next_fetch_at == now - timedelta(seconds=5) + timedelta(seconds=60)


def test_a_page_late_by_more_than_an_interval_starts_again_from_now():
    now = timezone.now()
    # Not read three times in a row to catch up on fetches nobody made.
    assert next_due(now - timedelta(minutes=3), 60, now) == now + timedelta(seconds=60)
    assert next_due(now - timedelta(seconds=1), 60, now) == now + timedelta(seconds=59)


def test_a_page_read_late_is_not_read_again_within_half_an_interval():
    now = timezone.now()
    # Due 50 s ago at a 60 s interval: the cadence would ask again in 10 s.
    assert next_due(now - timedelta(seconds=50), 60, now) == now + timedelta(seconds=30)


def test_a_round_waits_at_most_a_share_of_the_soonest_pages_interval(endpoints):
    now = timezone.now()
    fast = json_page(endpoints, 1, interval=20, next_fetch_at=now)
    json_page(endpoints, 2, interval=600, next_fetch_at=now - timedelta(seconds=1))

    # The 600 s page could wait the whole 10 s; the 20 s page only a sixth of 20 s.
    start = round_start(full=50, wait=10.0, now=now)
    assert start == fast.next_fetch_at + timedelta(seconds=20 * WAIT_SHARE)
