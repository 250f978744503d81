"""/api/campaigns: public campaigns, totals, pages' histories and events."""

import pytest

from tests.sharing_data import HOSTILE, INWI, MEDITEL, TELECOM, page, record_hourly
from tests.sharing_data import campaign as make_campaign

pytestmark = pytest.mark.django_db


def test_the_list_holds_public_campaigns_only(campaign, api_get):
    make_campaign("secret", "Private plans", public=False)
    response = api_get("/api/campaigns")
    assert response.status_code == 200
    assert [c["slug"] for c in response.data["items"]] == ["morocco-2016"]
    assert response.data["count"] == 1


def test_the_detail_gives_totals_and_each_page_since_the_start(campaign, api_get):
    data = api_get("/api/campaigns/morocco-2016").data
    assert data["total_change"] == -60_000 - 43_200 - 4_000
    assert data["total_moved"] == 107_200
    assert data["target_percent"] == pytest.approx(107.2)
    telecom = data["pages"][0]
    assert telecom["page"]["name"] == "Maroc Telecom"
    assert (telecom["baseline"], telecom["current"], telecom["change"]) == (
        3_150_000,
        3_090_000,
        -60_000,
    )
    assert telecom["direction"] == "leave"
    assert telecom["proof"] == f"/proof/{TELECOM}.json"
    start = "2016-03-12T12%3A00%3A00%2B00%3A00"  # the campaign's start, URL-encoded
    assert telecom["baseline_proof"] == f"/proof/{TELECOM}.json?at={start}"
    assert data["links"]["card"] == "/card/c/morocco-2016.png"
    assert data["links"]["feed"] == "/feeds/c/morocco-2016.atom"
    assert data["next_milestone"] == 200_000
    assert data["annotations"] == []


def test_flagged_gains_and_drops_are_left_out_of_moved_and_given_apart(campaign, api_get):
    from tests.sharing_data import flag_events

    # On Maroc Telecom: a confirmed unusual gain of 5,000 and an open unusual drop of 4,000.
    flag_events(TELECOM)
    data = api_get("/api/campaigns/morocco-2016").data
    telecom = data["pages"][0]
    assert telecom["change"] == -60_000  # as measured
    assert telecom["moved"] == 60_000 + 5_000 - 4_000
    assert (telecom["removed"], telecom["gained"]) == (-4_000, 5_000)
    apart = telecom["apart"]
    assert (apart["removed"], apart["gained"]) == (-4_000, 5_000)
    assert (apart["removed_confirmed"], apart["gained_confirmed"]) == (False, True)
    assert len(apart["events"]) == 2 and all(e.startswith("/events/") for e in apart["events"])
    assert data["total_moved"] == 107_200 + 1_000
    assert (data["total_apart"]["removed"], data["total_apart"]["gained"]) == (-4_000, 5_000)


def test_the_openapi_document_describes_what_is_apart(client):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    apart = schemas["Apart"]["properties"]
    assert set(apart) == {"removed", "gained", "removed_confirmed", "gained_confirmed", "events"}
    assert all(field.get("description") for field in apart.values())
    entry = schemas["CampaignEntry"]["properties"]
    assert "not in moved" in entry["gained"]["description"]
    assert "total_moved" in schemas["CampaignDetail"]["properties"]["total_apart"]["description"]


def test_the_detail_carries_the_public_notes(campaign, api_get):
    from datetime import UTC, datetime

    from likewatch.organisers.models import Annotation

    Annotation.objects.create(
        campaign=campaign, at=datetime(2016, 3, 12, 15, tzinfo=UTC), text="Prices cut"
    )
    data = api_get("/api/campaigns/morocco-2016").data
    assert data["annotations"] == [{"at": "2016-03-12T15:00:00Z", "text": "Prices cut"}]


def test_history_defaults_to_the_campaign_start_and_returns_every_page(campaign, api_get):
    data = api_get("/api/campaigns/morocco-2016/history?end=2016-03-13T12:00:00Z").data
    assert data["start"] == "2016-03-12T12:00:00Z"
    assert [p["page_id"] for p in data["pages"]] == [TELECOM, INWI, MEDITEL]
    telecom = data["pages"][0]
    assert telecom["points"][0] == ["2016-03-12T12:00:00Z", 3_150_000]
    assert telecom["points"][-1] == ["2016-03-13T12:00:00Z", 3_090_000]


def test_events_answer_an_empty_list_while_no_provider_is_configured(campaign, api_get):
    response = api_get("/api/campaigns/morocco-2016/events")
    assert response.status_code == 200
    assert response.data == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/campaigns/nope",
        "/api/campaigns/secret",
        "/api/campaigns/nope/history",
        "/api/campaigns/nope/events",
    ],
)
def test_unknown_or_private_campaigns_are_a_json_404(campaign, api_get, path):
    make_campaign("secret", "Private plans", public=False)
    response = api_get(path)
    assert response.status_code == 404
    assert response.data["code"] == "not_found"
    assert "public campaign" in response.data["detail"]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("start=2016-03-13&end=2016-03-12", "invalid_range"),
        ("start=yesterday", "invalid_parameter"),
        ("end=2016-13-45", "invalid_parameter"),
        ("resolution=-5", "invalid_parameter"),
        ("resolution=99999999999999999999", "invalid_parameter"),
        ("resolution=abc", "invalid_parameter"),
    ],
)
def test_bad_history_parameters_are_a_clear_400(campaign, api_get, query, code):
    response = api_get(f"/api/campaigns/morocco-2016/history?{query}")
    assert response.status_code == 400
    assert response.data["code"] == code
    assert response.data["detail"]


def test_hostile_titles_and_names_come_back_as_inert_json_strings(db, client):
    p = page("9", HOSTILE)
    record_hourly(p, [10, 9])
    make_campaign("hostile", HOSTILE, pages=[(p, "leave")])
    response = client.get("/api/campaigns/hostile")
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["title"] == HOSTILE
    assert response.json()["pages"][0]["page"]["name"] == HOSTILE
