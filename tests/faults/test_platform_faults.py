"""A platform misbehaving in every way, over real HTTP: no value invented, back-off honoured.

One page is polled through a run of bad answers, each a round of its own. After each: nothing
stored but a failure, the page's health names the reason, the next fetch is pushed back (by
the exponential back-off or the platform's own Retry-After, whichever is later), and a poller
asking before then makes no request at all. Then the platform recovers and the first good
answer is recorded.
"""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from likewatch.poller.loop import Poller
from likewatch.tracking.models import FetchFailure, Health, Observation, Page
from tests.scripted_server import Scripted, ScriptedServer

pytestmark = pytest.mark.django_db
INTERVAL = 60
JSON = {"Content-Type": "application/json"}


def body(**fields) -> bytes:
    return json.dumps({"42": {"id": "42", "name": "Operator", **fields}}).encode()


def graph_error(code: int, message: str) -> bytes:
    return json.dumps(
        {"error": {"message": message, "type": "OAuthException", "code": code}}
    ).encode()


# (answer, failure kind, words the page's health must show, at least this many seconds of wait)
STORM = [
    (Scripted(429, b"Too Many Requests", {"Retry-After": "900"}), "rate_limited", "429", 900),
    (
        Scripted(403, graph_error(4, "(#4) Application request limit reached"), JSON),
        "rate_limited",
        "limit reached",
        300,
    ),
    (
        Scripted(500, b"<html><body>Internal Server Error</body></html>", {}),
        "transient",
        "HTTP 500",
        INTERVAL * 4,
    ),
    (Scripted(502, b"", {}), "transient", "HTTP 502", INTERVAL * 8),
    (Scripted(delay=1.5), "transient", "timed out", INTERVAL * 16),
    (Scripted(200, body(fan_count=12)[:25], JSON), "invalid", "not JSON", INTERVAL * 32),
    (
        Scripted(200, b"<!DOCTYPE html><html><title>Log into Facebook</title>", {}),
        "invalid",
        # The answer's own text (a login page's title) is never echoed into the error.
        "not JSON",
        3600,
    ),
    (Scripted(200, body(fan_count=0, followers_count=0), JSON), "invalid", "not a count", 3600),
    (
        Scripted(200, body(fan_count=10**15, followers_count=10**15), JSON),
        "invalid",
        "more than anyone could have",
        3600,
    ),
]


def test_a_storm_of_bad_answers_stores_no_value_and_is_waited_out(settings):
    settings.LIKEWATCH_HTTP_TIMEOUT = 0.5
    page = Page.objects.create(
        platform="facebook",
        platform_id="42",
        metric="likes",
        interval=INTERVAL,
        next_fetch_at=timezone.now(),
    )
    answers = [answer for answer, *_ in STORM] + [Scripted(200, body(fan_count=77), JSON)]
    with ScriptedServer(*answers) as server:
        settings.LIKEWATCH_SOURCES = {
            **settings.LIKEWATCH_SOURCES,
            "facebook": {"base_url": server.base_url, "api_version": "v24.0", "token": "t"},
        }
        poller = Poller(owner="storm")
        try:
            for round_, (_, kind, why, wait) in enumerate(STORM, start=1):
                page.refresh_from_db()
                # Asking a second before the page is due again makes no request.
                assert poller.run_once(now=page.next_fetch_at - timedelta(seconds=1)) == 0
                assert len(server.requests) == round_ - 1
                # Simulated time jumps ahead of the source's real-time cooldown: forget it, so
                # what holds the page back is its own next_fetch_at.
                for source in poller.sources.values():
                    source.cooldown_until = None
                assert poller.run_once(now=page.next_fetch_at + timedelta(milliseconds=1)) == 1

                failure = FetchFailure.objects.latest("seq")
                page.refresh_from_db()
                assert (failure.kind, page.health) == (kind, Health.FAILING)
                assert why in page.last_error and page.last_error == failure.message
                assert page.failures_in_row == round_
                assert page.next_fetch_at - failure.at >= timedelta(seconds=wait - 1)
                assert not Observation.objects.exists()

            page.refresh_from_db()
            assert poller.run_once(now=page.next_fetch_at + timedelta(milliseconds=1)) == 1
        finally:
            poller.close()
    page.refresh_from_db()
    assert page.health == Health.OK and page.failures_in_row == 0
    assert list(Observation.objects.values_list("value", flat=True)) == [77]
    assert len(server.requests) == len(STORM) + 1


def test_a_rate_limit_on_one_batch_holds_back_the_rest_of_the_round(settings):
    for i in range(120):
        Page.objects.create(
            platform="facebook", platform_id=f"p{i}", metric="likes", next_fetch_at=timezone.now()
        )
    throttled = Scripted(429, b"slow down", {"Retry-After": "600"})
    with ScriptedServer(throttled) as server:
        settings.LIKEWATCH_SOURCES = {
            **settings.LIKEWATCH_SOURCES,
            "facebook": {"base_url": server.base_url, "api_version": "v24.0", "token": "t"},
        }
        poller = Poller(owner="storm")
        try:
            assert poller.run_once() == 120
            assert poller.run_once(now=timezone.now() + timedelta(seconds=301)) == 0
        finally:
            poller.close()
    # One request in the storm, not one per batch of fifty; nobody retries before ten minutes.
    assert len(server.requests) == 1
    assert FetchFailure.objects.count() == 50
    soonest = Page.objects.order_by("next_fetch_at").first().next_fetch_at
    assert soonest >= timezone.now() + timedelta(seconds=590)
    assert not Observation.objects.exists()
