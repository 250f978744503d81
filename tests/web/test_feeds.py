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
    assert items[0].find(f"{ATOM}title").text == "غادر \u20681,000\u2069 شخص"


def test_an_arabic_feed_isolates_english_page_names(client):
    p = page("5", "Maroc Telecom")
    record_hourly(p, [10_000, 8_500])
    campaign("ar-en", "حملة", language="ar", target=None, pages=[(p, "leave")])
    flag_events(p.pk)
    _, items = entries(client.get("/feeds/c/ar-en.atom"))
    titles = [e.find(f"{ATOM}title").text for e in items]
    events = [t for t in titles if "Maroc Telecom" in t]
    assert events and all("\u2068Maroc Telecom\u2069" in t for t in events)
    summaries = [e.find(f"{ATOM}summary").text for e in items]
    assert any(s.startswith("\u2068Maroc Telecom\u2069: ") for s in summaries)


def test_flagged_events_appear_with_their_review(client):
    morocco()
    flag_events(TELECOM)
    _, items = entries(client.get("/feeds/c/morocco-2016.atom"))
    titles = [e.find(f"{ATOM}title").text for e in items]
    assert "unusual gain on Maroc Telecom" in titles
    event = items[titles.index("unusual gain on Maroc Telecom")]
    summary = event.find(f"{ATOM}summary").text
    assert "Maroc Telecom: a gain of +2,500" in summary
    # The verdict and its note are said once, as the event's sentence says them; Atom readers
    # render summaries as HTML, so the organisers' note is escaped to stay text.
    assert summary.count("Confirmed by the organisers") == 1
    assert summary.count("Checked") == 1
    assert "&lt;b&gt;Checked&lt;/b&gt; by hand." in summary and "<b>" not in summary
    assert "not reviewed" not in summary
    drop = items[titles.index("unusual drop on Maroc Telecom")]
    assert drop.find(f"{ATOM}summary").text.endswith("Flagged automatically; not reviewed yet.")


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


def assert_valid_atom(root) -> None:
    """The elements RFC 4287 requires (section 4.1): the feed's id, title, updated and author
    (or one in every entry); each entry's id, title, updated, and a link or content."""
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}") is not None and root.find(f"{ATOM}{name}").text, name
    feed_author = root.find(f"{ATOM}author/{ATOM}name")
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{name}") is not None, name
        assert feed_author is not None or entry.find(f"{ATOM}author") is not None
        assert (
            entry.find(f"{ATOM}link[@rel='alternate']") is not None
            or entry.find(f"{ATOM}content") is not None
        )
    assert root.find(f"{ATOM}link[@rel='self']") is not None


def test_the_feed_is_valid_atom_with_an_author(client):
    morocco()
    root, _ = entries(client.get("/feeds/c/morocco-2016.atom", HTTP_HOST="testserver"))
    assert_valid_atom(root)
    assert root.find(f"{ATOM}author/{ATOM}name").text == "likewatch at testserver"


def test_public_notes_are_feed_entries(client):
    from datetime import timedelta

    from likewatch.organisers.models import Annotation
    from tests.sharing_data import START

    made = morocco()
    Annotation.objects.create(campaign=made, at=START + timedelta(hours=3), text="Prices cut")
    _, items = entries(client.get("/feeds/c/morocco-2016.atom"))
    titles = [e.find(f"{ATOM}title").text for e in items]
    assert "Note from the organisers: Prices cut" in titles


def test_one_jump_across_fifty_milestones_is_one_entry(client):
    from likewatch.organisers.models import CampaignSettings

    p = page("5", "Operator")
    record_hourly(p, [100_000, 74_960])
    made = campaign("jump", "Jump", target=None, pages=[(p, "leave")])
    CampaignSettings.objects.create(campaign=made, milestone_every=500)
    _, items = entries(client.get("/feeds/c/jump.atom"))
    assert [e.find(f"{ATOM}title").text for e in items] == ["25,000 people have left"]


def test_an_arabic_feed_isolates_the_platforms_name_in_a_platform_wide_move(client):
    from datetime import timedelta

    from likewatch.events.models import Event, Kind, PlatformEvent
    from tests.sharing_data import START

    p = page("6", "Maroc Telecom")
    record_hourly(p, [10_000, 8_500])
    campaign("ar-pl", "حملة", language="ar", target=None, pages=[(p, "leave")])
    moved = PlatformEvent.objects.create(
        platform="facebook",
        kind=Kind.PURGE,
        start=START,
        end=START + timedelta(hours=1),
        size=-3_000,
        pages=3,
        tracked=4,
    )
    Event.objects.create(
        page=p,
        kind=Kind.PURGE,
        start=START,
        end=START + timedelta(hours=1),
        size=-1_000,
        expected=-500,
        seen=-1_500,
        confidence=0.99,
        platform_event=moved,
    )
    _, items = entries(client.get("/feeds/c/ar-pl.atom"))
    titles = [e.find(f"{ATOM}title").text for e in items]
    assert "\u2068Facebook\u2069: تحركت صفحات متابَعة كثيرة دفعة واحدة" in titles


def test_the_feed_says_people_moved_the_campaigns_way_only_when_the_interval_says_so():
    from django.utils import translation

    from likewatch.events.effects import Shown
    from likewatch.web.feeds import effect_sentence

    clear = effect_sentence(Shown(61_000, 58_500, 63_400))
    assert clear.startswith(
        "About 61,000 people moved the way the campaign asks beyond the pages' usual trends "
        "(95 % interval: 58,500 to 63,400)."
    )
    # A quiet page's estimate: the interval holds zero, so nobody is said to have moved.
    unclear = effect_sentence(Shown(100, -500, 700))
    assert unclear.startswith(
        "No clear effect beyond the pages' usual trends yet: about +100 people the campaign's "
        "way (95 % interval: −500 to +700)."
    )
    assert "people moved the way the campaign asks" not in unclear
    # Wholly the other way: people moved against what the campaign asks, said as such.
    against = effect_sentence(Shown(-3_000, -3_400, -2_600))
    assert against.startswith(
        "About 3,000 people moved against what the campaign asks beyond the pages' usual "
        "trends (95 % interval: 2,600 to 3,400)."
    )
    with translation.override("fr"):
        assert effect_sentence(Shown(100, -500, 700)).startswith("Pas d'effet net")
    with translation.override("ar"):
        said = effect_sentence(Shown(100, -500, 700))
    assert said.startswith("لا أثر واضحًا حتى الآن") and "\u2068+100\u2069" in said
