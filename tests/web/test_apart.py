"""Flagged unusual gains and drops are shown apart from people who moved, on the board, the
press view, the share card and the feed, each linking to its event (likewatch.events.apart)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from likewatch.analytics.change import campaign_change
from likewatch.events.models import EffectEstimate, Event, Kind, Status
from likewatch.web import board, headline
from likewatch.web.feeds import items
from tests.sharing_data import START, campaign, page, record_hourly

pytestmark = pytest.mark.django_db

# A leave campaign: 4,500 leave an hour for ten hours while an unusual burst of 12,040 gains
# arrives between hours 5 and 6. The count says "lost 32,960"; 45,000 left.
VALUES = [3_000_000 - 4_500 * h + (12_040 if h >= 6 else 0) for h in range(11)]


@pytest.fixture
def burst():
    telecom = page("111", "Maroc Telecom")
    record_hourly(telecom, VALUES)
    made = campaign(target=None, pages=[(telecom, "leave")])
    event = Event.objects.create(
        page=telecom,
        kind=Kind.GAIN,
        start=START + timedelta(hours=5),
        end=START + timedelta(hours=6),
        size=12_040,
        expected=-4_500,
        seen=7_540,
        confidence=0.99,
    )
    return made, event


def test_the_board_shows_the_net_change_and_people_who_left_with_the_gain_apart(burst):
    made, event = burst
    data = board.snapshot(made)
    total, [entry] = data["total"], data["pages"]
    assert (total["change"], total["moved"]) == (-32_960, 45_000)
    assert (entry["change"], entry["moved"]) == (-32_960, 45_000)
    assert entry["apart"]["gained"] == 12_040
    assert entry["apart"]["display"]["gained"] == "+12,040"
    assert entry["apart"]["display"]["gained_review"] == "not reviewed yet"
    # The one event, with its evidence, is a click away.
    assert entry["apart"]["gained_url"] == reverse("events:detail", args=[event.pk])
    assert total["apart"]["display"]["removed"] == ""


def test_the_board_page_labels_the_gain_as_measured_not_as_bought(client, burst):
    made, event = burst
    html = client.get(reverse("web:board", args=[made.slug])).content.decode()
    assert "Unusual gains (not counted as people joining)" in html
    assert f'href="{reverse("events:detail", args=[event.pk])}"' in html
    assert "+12,040" in html and "45,000" in html
    assert "bought" not in html.lower()
    press = client.get(reverse("web:press", args=[made.slug])).content.decode()
    assert "Unusual gains (not counted as people joining)" in press


def test_a_dismissed_gain_counts_again_and_a_confirmed_one_says_so(burst):
    made, event = burst
    event.review(Status.CONFIRMED, "A like farm's delivery, documented.")
    entry = board.snapshot(made)["pages"][0]
    assert entry["moved"] == 45_000
    assert entry["apart"]["display"]["gained_review"] == "confirmed by the organisers"

    event.review(Status.DISMISSED, "A real news story.")
    entry = board.snapshot(made)["pages"][0]
    assert entry["moved"] == 32_960
    assert entry["apart"]["display"]["gained"] == ""


def test_the_share_card_says_what_its_number_holds_that_people_did_not(burst):
    made, _event = burst
    summary = headline.for_campaign(campaign_change(made))
    assert summary.number == "\u221232,960"  # the net change, as measured
    assert "+12,040 in unusual gains not counted as people joining" in summary.detail
    page_summary = headline.for_page(made.pages.get(), made, "leave")
    assert "+12,040 in unusual gains not counted as people joining" in page_summary.detail


def test_the_feed_counts_the_hidden_departures_and_says_what_its_effect_left_out(burst):
    from likewatch.organisers.models import CampaignSettings

    made, _event = burst
    CampaignSettings.objects.create(campaign=made, milestone_every=10_000)
    titles = [item.title for item in items(made)]
    # 45,000 left; the count's net (32,960) would have stopped at 30,000.
    assert "40,000 people have left" in titles
    EffectEstimate.objects.create(
        campaign=made,
        page=made.pages.get(),
        data={
            "effect": -44_000,
            "low": -47_000,
            "high": -41_000,
            "purges": -4_000,
            "gains": 12_040,
        },
    )
    with translation.override("en"):
        text = [i.summary for i in items(made) if i.guid.endswith("#effect")][0]
    assert "Unusual gains (+12,040) are not counted as people joining." in text
    assert "Possible platform removals (\u22124,000) are not counted as people leaving." in text


def methodology_says(client, said: dict[str, str]) -> None:
    """The methodology page holds each language's words, in that language."""
    for language, words in said.items():
        html = client.get(reverse("web:methodology"), HTTP_ACCEPT_LANGUAGE=language)
        assert words in html.content.decode(), language


def test_the_methodology_says_a_straddling_event_counts_only_its_part_after_the_start(client):
    methodology_says(
        client,
        {
            "en": "left out only for its part after the start",
            "fr": "mis à part que pour sa part postérieure au début",
            "ar": "لا يُعزل منه إلا الجزء الواقع بعد الانطلاق",
        },
    )


def test_the_boards_live_data_carries_the_apis_figures_and_hidden_rows_to_show(client, burst):
    made, _event = burst
    api = client.get(f"/api/campaigns/{made.slug}").json()
    data = board.snapshot(made)
    assert {k: data["pages"][0]["apart"][k] for k in api["pages"][0]["apart"]} == api["pages"][0][
        "apart"
    ]
    assert {k: data["total"]["apart"][k] for k in api["total_apart"]} == api["total_apart"]
    # The board draws both rows, the empty one hidden, for a live update to show it.
    html = client.get(reverse("web:board", args=[made.slug])).content.decode()
    assert '<div class="apart" data-apart="removed" hidden>' in html
    assert '<div class="apart" data-apart="gained">' in html


def test_the_methodology_says_an_interval_holding_zero_is_no_clear_effect(client):
    methodology_says(
        client,
        {
            "en": "When the interval holds zero",
            "fr": "Quand l'intervalle contient zéro",
            "ar": "وحين تشمل الفترة الصفر",
        },
    )
