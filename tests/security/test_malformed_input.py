"""Malformed input of every kind gets a 4xx with a clear message (JSON under /api/), never a
server error: property tests over dates, integers and the lines of a batch of pages."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from likewatch.organisers.views.tokens import issue
from likewatch.tracking.adding import add_pages
from likewatch.tracking.models import Campaign, Page
from tests.sharing_data import morocco

pytestmark = pytest.mark.django_db
CHECKS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))

# Any offset a zone may have, and every year a datetime holds: the edges are where UTC fails.
zones = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda m: timezone(timedelta(minutes=m))
)
moments = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59))
    .flatmap(lambda d: zones.map(lambda z: d.replace(tzinfo=z)))
    .map(lambda d: d.isoformat()),
    st.sampled_from(["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "2026-02-30"]),
    st.text(max_size=30),
)
huge = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([2**63, 2**64, -(2**63) - 1, 10**30]),
)


@pytest.fixture
def site(settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.LIKEWATCH_RATE_LIMITS = {**settings.LIKEWATCH_RATE_LIMITS, "api": "1000000/m"}
    return morocco()


def no_server_error(path: str) -> None:
    client = Client(raise_request_exception=False)
    answer = client.get(path)
    assert answer.status_code < 500, f"{path}: {answer.status_code}"
    if path.startswith("/api/"):
        assert answer["Content-Type"].startswith("application/json"), path
        if answer.status_code >= 400:
            assert answer.json()["detail"], path


@CHECKS
@given(moment=moments)
def test_any_date_in_a_range_is_answered_clearly(site, moment):
    page = Page.objects.order_by("pk").first().pk
    slug = Campaign.objects.first().slug
    value = quote(moment, safe="")
    for path in (
        f"/api/pages/{page}/history?start={value}",
        f"/api/pages/{page}/history?end={value}",
        f"/api/pages/{page}/events?start={value}",
        f"/api/campaigns/{slug}/history?end={value}",
        f"/api/campaigns/{slug}/events?start={value}",
        f"/p/{page}/?from={value}",
        f"/p/{page}/?to={value}",
        f"/events/?from={value}",
    ):
        no_server_error(path)


@CHECKS
@given(number=huge)
def test_any_integer_in_an_address_is_answered_clearly(site, number):
    for path in (
        f"/api/pages/{number}",
        f"/api/pages?offset={number}&limit=5",
        f"/api/pages?limit={number}",
        f"/api/pages/{abs(number)}/history",
        f"/p/{abs(number)}/",
        f"/p/{Page.objects.first().pk}/?page={number}&gaps={number}",
        f"/events/?page={number}",
        f"/events/?p={number}",
        f"/events/{abs(number)}/",
    ):
        no_server_error(path)


@CHECKS
@given(number=huge, moment=moments)
def test_the_write_api_refuses_what_it_cannot_store_with_a_400(site, number, moment):
    user = get_user_model().objects.get_or_create(username="writer")[0]
    _row, token = issue(user, "t")
    client = Client(raise_request_exception=False, headers={"Authorization": f"Bearer {token}"})
    for body in (
        {"title": "Big", "target": number},
        {"title": "Big", "milestone_every": number},
        {"title": "When", "starts_at": moment},
    ):
        answer = client.post("/api/manage/campaigns", body, content_type="application/json")
        assert answer.status_code < 500, (body, answer.status_code)
        assert answer["Content-Type"].startswith("application/json")


bad_lines = st.one_of(
    st.sampled_from(
        [
            "http://[::1",
            "https://",
            "json:http://[::1 count",
            "web:http://x.example/ /(a)\\1/",
            "javascript:alert(1)",
            "https://www.facebook.com/\x00page",
            "json:" + "h" * 3000,
            "\u202ehttps://www.facebook.com/x",
        ]
    ),
    st.text(min_size=1, max_size=60).filter(lambda t: t.strip() and not t.startswith("# ")),
)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(bad=bad_lines)
def test_a_bad_line_in_a_batch_is_reported_on_that_line_and_the_rest_is_added(bad):
    """Each line stands alone. (No line here can resolve without the internet: the point is
    that every line gets its own answer and none takes the batch down.)"""
    lines = ["https://www.facebook.com/nosuchpage-offline", bad, "@nobody@mastodon.example"]
    results = add_pages(lines)
    assert {r.line for r in results} == {line.strip() for line in lines}
    for result in results:
        assert result.ok or result.error, result.line


def test_a_url_that_is_not_one_is_named_as_such():
    [result] = add_pages(["http://[::1"])
    assert not result.ok and result.error
