"""/api/pages: pages, current values, downsampled histories and events."""

import json
from datetime import timedelta
from urllib.parse import quote

import pytest
from ninja.responses import NinjaJSONEncoder

from likewatch.analytics.series import page_series
from likewatch.api import schemas
from likewatch.api.pages import history_dict, history_response
from likewatch.tracking.models import Page
from tests.sharing_data import MEDITEL, START, TELECOM, page, record_hourly
from tests.sharing_data import campaign as make_campaign

pytestmark = pytest.mark.django_db


def test_the_list_holds_pages_of_public_campaigns_only(campaign, api_get):
    page("999", "Not in any campaign")
    data = api_get("/api/pages").data
    assert [p["name"] for p in data["items"]] == ["Maroc Telecom", "inwi", "Meditel"]
    assert api_get("/api/pages?platform=youtube").data["count"] == 0


def test_the_detail_names_the_campaigns_and_links(campaign, api_get):
    data = api_get(f"/api/pages/{TELECOM}").data
    assert data["campaigns"] == ["morocco-2016"]
    assert data["last_seq"] == 25
    assert data["links"]["history"] == f"/api/pages/{TELECOM}/history"
    assert data["links"]["csv"] == f"/export/p/{TELECOM}.csv"


def test_current_is_the_newest_span_even_when_the_count_is_hidden(campaign, api_get):
    telecom = api_get(f"/api/pages/{TELECOM}/current").data
    assert (telecom["value"], telecom["precision"], telecom["seq"]) == (3_090_000, 1, 25)
    assert telecom["measured_at"] == "2016-03-13T12:00:00Z"
    meditel = api_get(f"/api/pages/{MEDITEL}/current").data
    assert meditel["value"] == 896_000
    assert meditel["health"] == "failing"


def test_history_over_a_range_at_a_resolution(campaign, api_get):
    data = api_get(
        f"/api/pages/{TELECOM}/history?start=2016-03-12T12:00&end=2016-03-12T15:00&resolution=3600"
    ).data
    assert data["resolution"] == 3600
    assert data["points"] == [
        ["2016-03-12T12:00:00Z", 3_150_000],
        ["2016-03-12T13:00:00Z", 3_147_500],
        ["2016-03-12T14:00:00Z", 3_145_000],
        ["2016-03-12T15:00:00Z", 3_142_500],
    ]


def test_history_is_coarsened_to_at_most_a_thousand_points(db, api_get):
    p = page("7", "Busy page")
    record_hourly(p, [5000 + (h % 5) * (-1) ** h for h in range(120)])
    make_campaign(pages=[(p, "leave")])
    end = quote((START + timedelta(days=3650)).isoformat())
    data = api_get(f"/api/pages/{p.pk}/history?end={end}&resolution=60").data
    assert data["resolution"] >= 3650 * 86400 // 500
    assert len(data["points"]) <= 1000


def test_history_shows_failed_fetches_as_gaps(campaign, api_get):
    data = api_get(f"/api/pages/{MEDITEL}/history?end=2016-03-13&resolution=60").data
    assert data["gaps"] == [{"start": "2016-03-12T18:05:00Z", "end": "2016-03-12T18:05:00Z"}]
    assert ["2016-03-12T15:00:00Z", None] in data["points"]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/pages/999", 404, "not_found"),
        ("/api/pages/0", 400, "invalid_parameter"),
        ("/api/pages/-1", 400, "invalid_parameter"),
        ("/api/pages/abc", 400, "invalid_parameter"),
        ("/api/pages/99999999999999999999999", 400, "invalid_parameter"),
        ("/api/pages/999/current", 404, "not_found"),
        ("/api/pages/999/history", 404, "not_found"),
        ("/api/pages/999/events", 404, "not_found"),
        (f"/api/pages/{TELECOM}/history?start=2016-03-13&end=2016-03-12", 400, "invalid_range"),
        (f"/api/pages/{TELECOM}/history?start=2016-02-30", 400, "invalid_parameter"),
        (f"/api/pages/{TELECOM}/history?resolution=0", 400, "invalid_parameter"),
        (f"/api/pages/{TELECOM}/history?start=1000-01-01&end=2016-01-01", 400, "invalid_range"),
        (f"/api/pages/{TELECOM}/events?end=nonsense", 400, "invalid_parameter"),
        ("/api/nothing/here", 404, "not_found"),
    ],
)
def test_bad_requests_get_a_clear_json_4xx(campaign, api_get, path, status, code):
    response = api_get(path)
    assert response.status_code == status
    assert response.data["code"] == code
    assert response.data["detail"]


def test_a_page_tracked_only_for_a_private_campaign_stays_hidden(db, api_get):
    p = page("5", "Hidden")
    make_campaign("private", "Private", public=False, pages=[(p, "leave")])
    assert api_get(f"/api/pages/{p.pk}").status_code == 404
    assert api_get(f"/api/pages/{p.pk}/history").status_code == 404


def test_history_is_written_exactly_as_its_schema_would_write_it(campaign):
    # The endpoint writes its JSON itself (likewatch.api.pages.history_response).
    meditel = Page.objects.get(pk=MEDITEL)
    series = page_series(meditel, START, START + timedelta(hours=9, microseconds=1234), 60)
    assert series.gaps and None in [p.value for p in series.points]
    schema = schemas.History.model_validate(history_dict(series)).model_dump()
    written = history_response(series)
    assert written.content.decode() == json.dumps(schema, cls=NinjaJSONEncoder)
    assert written["Content-Type"] == "application/json; charset=utf-8"
