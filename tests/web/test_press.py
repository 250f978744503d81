"""The press view of a board and the feed page a person can read."""

from datetime import timedelta

from likewatch.organisers.models import Annotation
from likewatch.web import board as boards


def publish(campaign):
    campaign.public = True
    campaign.save()
    return campaign


def test_the_press_view_has_numbers_chart_notes_method_and_citation(client, campaign, now):
    publish(campaign)
    Annotation.objects.create(campaign=campaign, at=now - timedelta(hours=1), text="New prices")
    response = client.get("/c/operators/press/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Unlike the operators" in html
    # The board's own numbers: 3,000 left one page while 500 joined the other.
    total = boards.snapshot(campaign)["total"]
    assert total["moved"] == 2_500
    assert f'dir="ltr">{total["display"]["moved"]}</strong>' in html
    assert "<polyline" in html and "<line" in html  # the trend, and the note on it
    assert "New prices" in html
    assert "/methodology/" in html
    assert 'class="citation"' in html and "/c/operators/" in html
    # Times say their zone, for the browser to rewrite in the reader's.
    assert "UTC</time>" in html


def test_the_press_view_lists_the_flagged_events_with_their_sentences(client, campaign, now):
    from likewatch.events.models import Event, Kind, Status

    publish(campaign)
    telecom = campaign.entries.get(position=0).page
    gain = Event.objects.create(
        page=telecom,
        kind=Kind.GAIN,
        start=now - timedelta(hours=2),
        end=now - timedelta(hours=2) + timedelta(minutes=30),
        size=5_800.0,
        expected=-200.0,
        seen=5_600.0,
        confidence=0.9,
    )
    gain.review(Status.CONFIRMED, "Bought, by the page's own admission.")
    html = client.get("/c/operators/press/").content.decode()
    assert "Flagged events" in html
    assert "Telecom: a gain of +5,600 between" in html
    assert "Confirmed by the organisers: Bought, by the page&#x27;s own admission." in html
    french = client.get("/c/operators/press/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Événements signalés" in french and "une hausse de +5" in french


def test_the_press_view_of_a_private_campaign_is_not_found(client, campaign):
    campaign.public = False
    campaign.save()
    assert client.get("/c/operators/press/").status_code == 404


def test_the_feed_page_lists_the_feeds_entries(client, campaign):
    publish(campaign)
    response = client.get("/c/operators/feed/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/feeds/c/operators.atom" in html
    assert "1,000 people have left" in html or "people have" in html


def test_the_embed_reloads_itself(client, campaign):
    publish(campaign)
    html = client.get("/embed/c/operators/").content.decode()
    assert '<meta http-equiv="refresh" content="90">' in html


def test_the_board_lists_the_public_notes_the_charts_number(client, campaign, now):
    publish(campaign)
    Annotation.objects.create(campaign=campaign, at=now - timedelta(hours=1), text="New prices")
    html = client.get("/c/operators/").content.decode()
    assert "Notes from the organisers" in html
    assert "<bdi>New prices</bdi>" in html
    assert '"kind": "annotation"' in html  # the same note, drawn on the charts


def test_the_press_view_prints_the_campaigns_effect_as_the_board_shows_it(client, campaign):
    from likewatch.events.models import EffectEstimate

    publish(campaign)
    for page, (effect, low, high) in zip(
        [e.page for e in campaign.entries.order_by("position")],
        [(-3_000, -3_400, -2_600), (-500, -700, -300)],
        strict=True,
    ):
        data = {"observed": 0, "expected": 0, "effect": effect, "low": low, "high": high}
        EffectEstimate.objects.create(campaign=campaign, page=page, data=data)
    shown = boards.snapshot(campaign)["total"]["effect"]["display"]
    html = client.get("/c/operators/press/").content.decode()
    assert "Beyond the pages&#x27; usual trends" in html or "Beyond the pages' usual trends" in html
    assert f'<span class="num">{shown["effect"]}</span>' in html
    assert shown["interval"] in html
