"""Every way a fetch can fail is recorded as a typed failure; none becomes a value."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from likewatch.poller.loop import Poller
from likewatch.tracking.models import FetchFailure, Health, Observation, Page
from tests.scripted_server import Scripted, ScriptedServer

pytestmark = pytest.mark.django_db


def graph_error(code: int, message: str, status: int = 400, headers=None) -> Scripted:
    body = {
        "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": "AbCdEf",
        }
    }
    return Scripted(
        status, json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})}
    )


def page_body(**fields) -> Scripted:
    item = {"id": "42", "name": "Operator", **fields}
    return Scripted(200, json.dumps({"42": item}).encode())


CASES = {
    "rate limit": (graph_error(4, "(#4) Application request limit reached", 403), "rate_limited"),
    "page throttled": (graph_error(32, "(#32) Page request limit reached"), "rate_limited"),
    "expired token": (graph_error(190, "Error validating access token"), "auth"),
    "no feature": (graph_error(10, "requires Page Public Metadata Access feature"), "auth"),
    "page gone": (
        graph_error(803, "(#803) Some of the aliases you requested do not exist: 42", 404),
        "not_found",
    ),
    "server error": (
        Scripted(500, b"<html>Internal error</html>", {"Content-Type": "text/html"}),
        "transient",
    ),
    "truncated json": (Scripted(200, b'{"42": {"id": "42", "fan_cou'), "invalid"),
    "html login wall": (
        Scripted(
            200, b"<!DOCTYPE html><title>Log in to Facebook</title>", {"Content-Type": "text/html"}
        ),
        "invalid",
    ),
    "zero count": (page_body(fan_count=0, followers_count=0), "invalid"),
    "missing count": (page_body(followers_count=5), "invalid"),
    "string count": (page_body(fan_count="12K", followers_count=5), "invalid"),
    "negative count": (page_body(fan_count=-3, followers_count=5), "invalid"),
    "not an object": (Scripted(200, b"[1, 2, 3]"), "invalid"),
}


@pytest.fixture
def page():
    return Page.objects.create(
        platform="facebook",
        platform_id="42",
        metric="likes",
        next_fetch_at=timezone.now() - timedelta(seconds=1),
    )


def poll_against(settings, server: ScriptedServer) -> None:
    settings.LIKEWATCH_SOURCES = {
        **settings.LIKEWATCH_SOURCES,
        "facebook": {"base_url": server.base_url, "api_version": "v24.0", "token": "t"},
    }
    poller = Poller(owner="test")
    try:
        assert poller.run_once() == 1
    finally:
        poller.close()


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_answer_is_recorded_as_a_failure_never_as_a_value(settings, page, case):
    answer, kind = CASES[case]
    with ScriptedServer(answer) as server:
        poll_against(settings, server)

    assert not Observation.objects.exists()
    failure = FetchFailure.objects.get()
    assert failure.kind == kind
    page.refresh_from_db()
    assert page.health == Health.FAILING
    assert page.last_error == failure.message
    assert page.lease_owner == ""


def test_a_timeout_is_a_transient_failure(settings, page):
    settings.LIKEWATCH_HTTP_TIMEOUT = 0.2
    with ScriptedServer(Scripted(delay=1.0)) as server:
        poll_against(settings, server)
    assert FetchFailure.objects.get().kind == "transient"
    assert "timed out" in FetchFailure.objects.get().message


def test_an_unreachable_platform_is_a_transient_failure(settings, page):
    settings.LIKEWATCH_SOURCES = {
        **settings.LIKEWATCH_SOURCES,
        "facebook": {"base_url": "http://127.0.0.1:9", "api_version": "v24.0", "token": "t"},
    }
    poller = Poller(owner="test")
    poller.run_once()
    poller.close()
    assert FetchFailure.objects.get().kind == "transient"


def test_a_missing_token_is_recorded_and_no_request_is_made(settings, page):
    with ScriptedServer(page_body(fan_count=5, followers_count=5)) as server:
        settings.LIKEWATCH_SOURCES = {
            **settings.LIKEWATCH_SOURCES,
            "facebook": {"base_url": server.base_url, "api_version": "v24.0", "token": ""},
        }
        poller = Poller(owner="test")
        poller.run_once()
        poller.close()
        assert server.requests == []
    failure = FetchFailure.objects.get()
    assert failure.kind == "missing_credentials"
    assert "FACEBOOK_TOKEN" in failure.message


def test_failures_back_off_exponentially(settings, page):
    answer = Scripted(500, b"oops", {"Content-Type": "text/plain"})
    delays = []
    with ScriptedServer(answer) as server:
        for _ in range(3):
            Page.objects.filter(pk=page.pk).update(next_fetch_at=timezone.now())
            before = timezone.now()
            poll_against(settings, server)
            page.refresh_from_db()
            delays.append((page.next_fetch_at - before).total_seconds())
    assert delays[0] == pytest.approx(300, abs=5)
    assert delays[1] == pytest.approx(600, abs=5)
    assert delays[2] == pytest.approx(1200, abs=5)


def test_a_rate_limit_is_not_retried_before_the_platform_allows(settings, page):
    usage = json.dumps(
        {"1": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 45}]}
    )
    answer = graph_error(
        80001,
        "There have been too many calls to this Page account",
        headers={"X-Business-Use-Case-Usage": usage},
    )
    with ScriptedServer(answer) as server:
        poll_against(settings, server)
    page.refresh_from_db()
    assert page.next_fetch_at >= timezone.now() + timedelta(minutes=44)


def test_a_good_answer_after_failures_restores_health(settings, page):
    with ScriptedServer(Scripted(500, b"x"), page_body(fan_count=7, followers_count=9)) as server:
        poll_against(settings, server)
        Page.objects.filter(pk=page.pk).update(next_fetch_at=timezone.now())
        poll_against(settings, server)
    page.refresh_from_db()
    assert page.health == Health.OK
    assert Observation.objects.get().value == 7


def test_a_round_where_every_fetch_failed_says_so(settings, page, caplog):
    settings.LIKEWATCH_SOURCES = {
        **settings.LIKEWATCH_SOURCES,
        "facebook": {"base_url": "", "api_version": "v24.0", "token": "t"},
    }
    answer, _kind = CASES["rate limit"]
    with ScriptedServer(answer) as server, caplog.at_level("INFO", logger="likewatch.poller"):
        settings.LIKEWATCH_SOURCES["facebook"]["base_url"] = server.base_url
        poller = Poller(owner="test")
        try:
            poller.run_once()
        finally:
            poller.close()
    assert poller.last_round == "1 page(s) claimed: 0 read, 1 failed (rate_limited 1)"
    [record] = [r for r in caplog.records if "claimed" in r.getMessage()]
    assert record.levelname == "WARNING"
