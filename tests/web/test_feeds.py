"""Atom feed per campaign: milestones, the target, and flagged events."""

import xml.etree.ElementTree as ET

import pytest

from tests.sharing_data import HOSTILE, TELECOM, campaign, flag_events, morocco, page, record_hourly

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def entries(response):
    root = ET.fromstring(response.content)
    return root, root.findall(f"{ATOM}entry")


def test_the_feed_lists_milestones_and_the_target_newest_first(client):
    morocco()
    response = client.get("/feeds/c/morocco-2016.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    root, items = entries(response)
    titles = [e.find(f"{ATOM}title").text for e in items]
    assert titles[:2] == ["Target reached: 100,000 people", "100,000 people have left"]
    # The first hour moved 4,300 people: one entry for 2,000, none for the 1,000 it passed.
    assert titles[-1] == "2,000 people have left"
    assert len(titles) == 7  # 2k 5k 10k 20k 50k 100k and the target
    assert root.find(f"{ATOM}title").text == "Unlike the operators: milestones and events"


def test_the_feed_follows_the_campaign_language(client):
    p = page("4", "اتصالات المغرب")
    record_hourly(p, [10_000, 8_500])
    campaign("ar", "حملة", language="ar", target=None, pages=[(p, "leave")])
    root, items = entries(client.get("/feeds/c/ar.atom"))
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "ar"
    assert items[0].find(f"{ATOM}title").text == "غادر 1,000 شخص"


def test_flagged_events_appear_with_their_review(client):
    morocco()
    flag_events(TELECOM)
    _, items = entries(client.get("/feeds/c/morocco-2016.atom"))
    titles = [e.find(f"{ATOM}title").text for e in items]
    assert "unusual gain on Maroc Telecom" in titles
    event = items[titles.index("unusual gain on Maroc Telecom")]
    summary = event.find(f"{ATOM}summary").text
    assert "Maroc Telecom: a gain of +2,500" in summary
    # Atom readers render summaries as HTML: the organisers' note is escaped to stay text.
    assert "Note: &lt;b&gt;Checked&lt;/b&gt; by hand." in summary


def test_hostile_titles_stay_text_and_controls_cannot_break_the_xml(client):
    p = page("9", HOSTILE + "\x0b\x1b")
    record_hourly(p, [10_000, 8_000])
    campaign("hostile", HOSTILE + "\x07", target=None, pages=[(p, "leave")])
    response = client.get("/feeds/c/hostile.atom")
    assert response.status_code == 200
    root, items = entries(response)
    assert root.find(f"{ATOM}title").text.startswith("<script>alert(1)</script>")
    summary = items[0].find(f"{ATOM}summary").text
    assert "&lt;script&gt;" in summary and "<script>" not in summary
    assert "\u202e" not in response.content.decode()


def test_unknown_or_private_campaigns_have_no_feed(client):
    campaign("secret", "Secret", public=False)
    assert client.get("/feeds/c/secret.atom").status_code == 404
    assert client.get("/feeds/c/nope.atom").status_code == 404
