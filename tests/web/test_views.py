"""The public pages, as a visitor gets them."""

import json

import pytest
from django.urls import reverse

from likewatch.tracking.models import Campaign


@pytest.fixture
def private(campaign, now):
    return Campaign.objects.create(
        slug="secret", title="Not yet announced", starts_at=now, public=False
    )


def test_the_index_lists_public_campaigns_only(client, campaign, private):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Unlike the operators" in html and reverse("web:board", args=["operators"]) in html
    assert "Not yet announced" not in html
    assert "2,500" in html  # the headline number


def test_the_board_shows_every_page_with_its_numbers(client, campaign, pages):
    response = client.get("/c/operators/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en" dir="ltr">' in html
    for text in [
        "Unlike the operators",
        "Telecom",
        "Mobile",
        "97,000",
        "\u22123,000",
        "\u22123.00\u00a0%",
        "+500",
        "2,500",
        "10,000",
    ]:
        assert text in html, text
    embedded = html.split('id="board-data" type="application/json">')[1].split("</script>")[0]
    board = json.loads(embedded)
    assert [p["name"] for p in board["pages"]] == ["Telecom", "Mobile"]
    charts = response.context["charts"]
    assert set(charts) == {str(p.pk) for p in pages}
    assert None in charts[str(pages[0].pk)][1]  # the failed fetch is a gap
    assert response.context["markers"][0]["kind"] == "gap"
    assert response.context["config"]["live"].startswith("/c/operators/live/?v=")
    assert "block head_meta" not in html  # the block renders empty, not as text


def test_the_board_and_its_share_card_read_the_history_once(client, campaign, pages, monkeypatch):
    # The unfurl's headline says what the board says: one computation of the campaign's
    # change, not one for the page and another for its <meta> tags.
    from likewatch.analytics import change

    calls = []
    original = change.campaign_change
    monkeypatch.setattr(
        change, "campaign_change", lambda *a, **k: calls.append(1) or original(*a, **k)
    )
    for module in ("views", "board", "templatetags.sharing"):
        monkeypatch.setattr(f"likewatch.web.{module}.campaign_change", change.campaign_change)
    html = client.get("/c/operators/").content.decode()
    assert len(calls) == 1
    assert 'property="og:description"' in html and "2,500" in html


def test_the_board_is_right_to_left_in_arabic(client, campaign):
    response = client.get("/c/operators/", HTTP_ACCEPT_LANGUAGE="ar")
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "97,000" in html
    assert "منذ البداية" in html


def test_the_board_speaks_french_when_asked(client, campaign):
    html = client.get("/c/operators/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="fr" dir="ltr">' in html
    assert "Depuis le début" in html and "97\u202f000" in html


def test_the_language_can_be_switched(client, campaign):
    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/c/operators/"})
    assert response.status_code == 302 and response["Location"] == "/c/operators/"
    assert 'dir="rtl"' in client.get("/c/operators/").content.decode()


def test_the_board_is_compressed_for_browsers_that_accept_it(client, campaign):
    response = client.get("/c/operators/", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"


def test_a_reader_holding_the_current_board_gets_not_modified(client, campaign):
    # A phone on slow data revalidating an unchanged board downloads no page again.
    first = client.get("/c/operators/")
    again = client.get("/c/operators/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert first.status_code == 200 and first["ETag"]
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]
    assert "public" in again["Cache-Control"]
    assert "Accept-Encoding" in again["Vary"] and "Accept-Language" in again["Vary"]


def test_a_failed_precondition_is_the_readers_own_and_never_shared(client, campaign):
    response = client.get("/c/operators/", HTTP_IF_MATCH='"some other board"')
    assert response.status_code == 412
    assert "public" not in response.get("Cache-Control", "")


def test_parameters_the_board_does_not_read_do_not_change_its_etag(client, campaign):
    plain = client.get("/c/operators/")
    shared = client.get("/c/operators/?utm_source=x", HTTP_IF_NONE_MATCH=plain["ETag"])
    assert shared.status_code == 304


def test_a_compressed_boards_weak_etag_revalidates_too(client, campaign):
    first = client.get("/c/operators/", HTTP_ACCEPT_ENCODING="gzip")
    assert first["Content-Encoding"] == "gzip" and first["ETag"].startswith("W/")
    again = client.get(
        "/c/operators/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert again.status_code == 304


def test_a_new_count_makes_the_board_answer_in_full_again(client, campaign, pages):
    from django.utils import timezone

    from likewatch.sources.base import Count
    from likewatch.tracking.history import record_count

    first = client.get("/c/operators/")
    record_count(pages[0], Count(96_000), timezone.now())
    after = client.get("/c/operators/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != first["ETag"]
    assert "96,000" in after.content.decode()


def test_each_language_has_its_own_etag(client, campaign):
    english = client.get("/c/operators/", HTTP_ACCEPT_LANGUAGE="en")
    french = client.get(
        "/c/operators/", HTTP_ACCEPT_LANGUAGE="fr", HTTP_IF_NONE_MATCH=english["ETag"]
    )
    assert french.status_code == 200
    assert french["ETag"] != english["ETag"]
    assert "Depuis le début" in french.content.decode()


def test_organisers_boards_carry_no_shared_etag(admin_client, campaign):
    # What an organiser sees depends on who they are; no validator that says otherwise.
    response = admin_client.get("/c/operators/")
    assert response.status_code == 200 and "ETag" not in response


def test_unknown_and_private_boards_are_not_found(client, campaign, private):
    assert client.get("/c/nothing-here/").status_code == 404
    assert client.get("/c/secret/").status_code == 404


def test_staff_see_private_boards(admin_client, private):
    assert admin_client.get("/c/secret/").status_code == 200


def test_the_page_history_shows_what_was_measured_and_where_from(client, pages):
    response = client.get(f"/p/{pages[0].pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "Telecom",
        "97,000",
        "99,000",
        "https://graph.facebook.com/v24.0/?ids=111",
        "platform API",
        "connection reset",
        "transient",
        "Unlike the operators",
    ]:
        assert text in html, text
    records = list(response.context["records"])
    assert [r.value for r in records] == [97_000, 98_000, 99_000, 100_000]
    assert records[-1].fetches == 2
    assert response.context["failure_count"] == 1
    assert response.context["chart"][1][-1] == 97_000


def test_the_page_history_narrows_to_a_range(client, pages, campaign):
    day = campaign.starts_at.date().isoformat()
    response = client.get(f"/p/{pages[0].pk}/", {"from": day, "to": day})
    assert response.status_code == 200
    assert response.context["errors"] == []
    assert response.context["since"].date().isoformat() == day


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "yesterday-ish"}, "The start of the range is not a date"),
        ({"to": "2016-02-31"}, "The end of the range is not a date"),
        ({"from": "2016-03-12", "to": "2016-03-01"}, "The range ends before it starts"),
    ],
)
def test_a_bad_range_says_why_and_shows_everything(client, pages, query, message):
    response = client.get(f"/p/{pages[0].pk}/", query)
    assert response.status_code == 400
    assert "public" not in response.get("Cache-Control", "")
    assert any(message in str(e) for e in response.context["errors"])
    assert len(list(response.context["records"])) == 4


def test_pages_outside_public_campaigns_are_not_found(client, campaign, private, now):
    from tests.web.conftest import make_page

    lone = make_page("Lone", "333")
    assert client.get(f"/p/{lone.pk}/").status_code == 404
    assert client.get("/p/999999/").status_code == 404
    assert client.get("/p/not-a-number/").status_code == 404


def test_the_methodology_explains_limits_in_every_language(client):
    html = client.get("/methodology/").content.decode()
    for anchor in ["measuring", "net", "rounding", "caching", "verify"]:
        assert f'id="{anchor}"' in html
    assert (
        "Variation nette" in client.get("/methodology/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    )
    assert (
        "تقريب المنصات" in client.get("/methodology/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    )


def test_pages_only_answer_reads(client, campaign):
    assert client.post("/c/operators/").status_code == 405
    assert client.post("/c/operators/live/").status_code == 405


def test_the_page_history_offers_quick_ranges(client, pages):
    response = client.get(f"/p/{pages[0].pk}/")
    ranges = response.context["ranges"]
    assert [str(r["label"]) for r in ranges] == [
        "Last hour",
        "Last day",
        "Last week",
        "Whole history",
    ]
    assert ranges[-1]["current"] and ranges[-1]["query"] == ""
    last_hour = client.get(f"/p/{pages[0].pk}/?{ranges[0]['query']}")
    assert last_hour.context["errors"] == []
    # Spans seen within the last hour only: 99,000 and 100,000 were last seen earlier.
    values = [r.value for r in last_hour.context["records"]]
    assert values[0] == 97_000 and 99_000 not in values and 100_000 not in values
    assert ranges[0]["query"] in last_hour.content.decode().replace("&amp;", "&")


def test_the_board_lists_the_organisers_notes_with_their_time_zone(client, campaign):
    from datetime import timedelta

    from likewatch.organisers.models import Annotation

    at = campaign.starts_at.replace(minute=7) + timedelta(hours=3)
    Annotation.objects.create(campaign=campaign, at=at, text="Prices cut")
    html = client.get(f"/c/{campaign.slug}/").content.decode()
    assert "Notes from the organisers" in html
    assert "Prices cut" in html and f"{at:%H:%M} UTC" in html
