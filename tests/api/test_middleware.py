"""Every API read is conditional (ETag, 304), cacheable and readable from any origin."""

from datetime import timedelta

import pytest

from likewatch.sources.base import Count
from likewatch.tracking.history import record_count
from likewatch.tracking.models import Page
from tests.sharing_data import START, TELECOM

pytestmark = pytest.mark.django_db


def test_reads_carry_an_etag_cache_control_and_cors(campaign, client):
    response = client.get("/api/campaigns/morocco-2016")
    assert response.status_code == 200
    assert response["ETag"].startswith('"')
    assert response["Cache-Control"] == "public, max-age=30, stale-while-revalidate=30"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]


def test_if_none_match_with_the_current_etag_answers_304_without_a_body(campaign, client):
    etag = client.get(f"/api/pages/{TELECOM}/history")["ETag"]
    again = client.get(f"/api/pages/{TELECOM}/history", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Access-Control-Allow-Origin"] == "*"


def test_a_new_measurement_changes_the_etag(campaign, client):
    etag = client.get(f"/api/pages/{TELECOM}/current")["ETag"]
    record_count(Page.objects.get(pk=TELECOM), Count(3_000_000), START + timedelta(days=2))
    response = client.get(f"/api/pages/{TELECOM}/current", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_a_range_that_ended_long_ago_may_be_cached_for_a_day(campaign, client):
    response = client.get(f"/api/pages/{TELECOM}/history?start=2016-03-12&end=2016-03-13")
    assert response["Cache-Control"] == "public, max-age=86400"


def test_errors_are_not_cached_but_still_readable_cross_origin(campaign, client):
    response = client.get("/api/pages/999")
    assert response.status_code == 404
    assert response["Cache-Control"] == "no-store"
    assert response["Access-Control-Allow-Origin"] == "*"


def test_a_preflight_allows_reads_with_if_none_match(client):
    response = client.options(
        "/api/campaigns",
        headers={"Origin": "https://news.example", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "If-None-Match" in response["Access-Control-Allow-Headers"]


def test_writes_are_refused(campaign, client):
    response = client.post("/api/campaigns")
    assert response.status_code == 405


def test_pages_outside_the_api_get_no_cors_header(client, db):
    assert "Access-Control-Allow-Origin" not in client.get("/")


def test_an_unchanged_history_revalidates_without_reading_its_spans(
    campaign, client, django_assert_max_num_queries
):
    path = f"/api/pages/{TELECOM}/history?resolution=60"
    etag = client.get(path)["ETag"]
    with django_assert_max_num_queries(1):  # the page itself, nothing of its history
        again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert client.get(path + "&start=2016-03-12").get("ETag") != etag


def test_campaign_history_without_an_end_runs_to_the_newest_record(campaign, client):
    first = client.get("/api/campaigns/morocco-2016/history")
    assert first.json()["end"] == "2016-03-13T12:00:00Z"
    again = client.get(
        "/api/campaigns/morocco-2016/history", headers={"If-None-Match": first["ETag"]}
    )
    assert again.status_code == 304
