"""Each event explains itself in the reader's language, built from its stored numbers."""

from datetime import timedelta

import pytest
from django.utils import translation

from likewatch.events.models import Event, Kind, Status

from .conftest import T0

pytestmark = pytest.mark.django_db


def make(page, kind, **fields):
    values = dict(
        start=T0,
        end=T0 + timedelta(minutes=15),
        size=4800.0,
        expected=-200.0,
        seen=4600.0,
        confidence=0.9,
    )
    values.update(fields)
    return Event.objects.create(page=page, kind=kind, **values)


def sentences(event) -> dict[str, str]:
    """The event's sentence in each language the site speaks."""
    out = {}
    for language in ("en", "fr", "ar"):
        with translation.override(language):
            out[language] = event.sentence()
    return out


def test_every_kind_has_a_sentence_in_every_language(page):
    events = [make(page, kind, start=T0 + timedelta(hours=i)) for i, kind in enumerate(Kind)]
    events[-1].details = {"metric": "followers"}
    for language in ("en", "fr", "ar"):
        with translation.override(language):
            sentences = [e.sentence() for e in events]
        assert all("Maroc Telecom" in s for s in sentences), (language, sentences)
        assert len(set(sentences)) == len(sentences)


# A gain the detector judged over within three fetches (details["back_to_pace"]): abrupt.
ABRUPT = {"back_to_pace": True, "seq_from": 10, "seq_to": 13}


def test_a_gain_says_what_was_measured_in_english_french_and_arabic(page):
    details = {"campaign_down": True, "steps": 3, "threshold": 9.0}
    gain = make(page, Kind.GAIN, details={**details, "back_to_pace": True}, seq_from=10, seq_to=13)

    english, french, arabic = sentences(gain).values()

    assert english.startswith(
        "Maroc Telecom: a gain of +4,600 between 12:00 UTC and 12:15 UTC on Feb 26, 2016."
    )
    assert "The page's own history predicted −200 over that time." in english
    assert "less than once in 30 days" in english
    # "Bought likes" only as a hypothesis, with its evidence listed.
    assert english.endswith(
        "One possible explanation is bought likes: the page was losing people to a campaign "
        "at the time; the gain came within 15 minutes and then stopped. The part its history "
        "does not explain (+4,800) is not counted as people joining."
    )
    assert french.startswith("Maroc Telecom : une hausse de +4")
    assert "l'achat de mentions J'aime" in french
    assert arabic.startswith("\u2068Maroc Telecom\u2069: زيادة قدرها")
    assert "شراء إعجابات" in arabic


def test_the_evidence_is_listed_with_each_languages_semicolon(page):
    details = {"campaign_down": True, "steps": 1, "threshold": 9.0, "back_to_pace": True}
    gain = make(page, Kind.GAIN, details=details, seq_from=10, seq_to=13)
    said = sentences(gain)
    assert "sous l'effet d'une campagne ; la hausse est survenue" in said["fr"]
    assert "بسبب حملة في ذلك الوقت؛ جاءت الزيادة" in said["ar"]


def seconds_page(interval):
    from likewatch.tracking.models import Page

    return Page.objects.create(
        platform="facebook",
        platform_id=f"every-{interval}",
        metric="likes",
        name="inwi",
        interval=interval,
    )


def abrupt(page, kind, took, at=T0, **fields):
    """A gain or drop from `at`, judged over by the detector (back to the pace before it)
    `took` later, three fetches after its first."""
    details = {"campaign_down": True, "threshold": 9.0, "back_to_pace": True, **fields}
    size = 4800.0 if kind == Kind.GAIN else -4800.0
    return make(
        page,
        kind,
        start=at,
        end=at + took,
        size=size,
        seen=size - 200,
        seq_from=10,
        seq_to=13,
        details=details,
    )


def test_an_abrupt_gain_says_how_long_it_took_and_that_it_stopped_in_each_language(db):
    # The demo's bought likes: fetched every ten seconds, over within three fetches.
    gain = abrupt(seconds_page(10), Kind.GAIN, timedelta(seconds=30))
    said = sentences(gain)
    assert (
        "One possible explanation is bought likes: the page was losing people to a campaign "
        "at the time; the gain came within 30 seconds and then stopped." in said["en"]
    )
    plain = {k: v.replace("\u2068", "").replace("\u2069", "") for k, v in said.items()}
    assert "la hausse est survenue en l'espace de 30 secondes, puis a cessé" in plain["fr"]
    assert "جاءت الزيادة في غضون 30 ثانية ثم توقفت" in plain["ar"]


def test_an_abrupt_drop_says_how_long_it_took_at_the_precision_of_the_pages_fetches(db):
    # Fetched every minute, the fetches a few seconds off the dot: minutes, not "3 minutes 2
    # seconds"; Arabic's dual for two minutes; daily, days.
    minute = seconds_page(60)
    drop = abrupt(minute, Kind.PURGE, timedelta(minutes=3, seconds=2))
    assert (
        "One possible explanation is the platform removing accounts: the drop came within 3 "
        "minutes and then stopped." in drop.sentence()
    )
    two = abrupt(minute, Kind.PURGE, timedelta(minutes=2), at=T0 + timedelta(hours=1))
    with translation.override("ar"):
        assert "حدث الانخفاض في غضون \u2068دقيقتان\u2069 ثم توقف" in two.sentence()
    daily = abrupt(seconds_page(86400), Kind.PURGE, timedelta(days=3, seconds=40))
    assert "the drop came within 3 days and then stopped" in daily.sentence()
    with translation.override("fr"):
        assert "la baisse est survenue en l'espace de 3 jours, puis a cessé" in (
            daily.sentence().replace("\u2068", "").replace("\u2069", "")
        )


def test_a_move_is_abrupt_only_when_it_ended_back_at_its_pace_within_the_fast_window(db):
    """Not a number of fetches alone: the detector judged it over (the fetch after it back
    at the pace before it), within FAST_RING fetches (the span the fast baseline reads the
    page's recent pace over), and the event is no longer open."""
    from likewatch.events.detect import FAST_RING

    page = seconds_page(10)
    took = timedelta(seconds=30)
    assert "then stopped" in abrupt(page, Kind.GAIN, took).sentence()
    # Never judged over (a slow move, a flag before the page warmed up): nothing said, and
    # a campaign alone is not enough to suggest bought likes.
    never = abrupt(page, Kind.GAIN, took, at=T0 + timedelta(hours=1), back_to_pace=False)
    assert "stopped" not in never.sentence() and "bought" not in never.sentence()
    # Still open: it may go on.
    open_ = abrupt(page, Kind.PURGE, took)
    open_.ongoing = True
    assert "stopped" not in open_.sentence()
    # Longer than the fast baseline's window: a change of pace, however it ended.
    long = abrupt(page, Kind.PURGE, took, at=T0 + timedelta(hours=2))
    long.seq_to = long.seq_from + FAST_RING + 1
    assert "stopped" not in long.sentence()
    long.seq_to = long.seq_from + FAST_RING
    assert "the drop came within 30 seconds and then stopped" in long.sentence()


def test_a_move_beyond_any_the_page_made_says_so_against_what_it_could_have_made(page):
    # Every 5 minutes (the page's interval), the largest gain between two fetches in each of
    # the last 3 days +55: a gain over one fetch is held against +55, one over three fetches
    # (15 minutes) against what three such fetches could add up to.
    known = {"largest_step": 55.0, "largest_step_days": 3, "threshold": 9.0}
    one = make(page, Kind.GAIN, end=T0 + timedelta(minutes=5), details={**known, "steps": 1})
    assert (
        "between 12:00 UTC and 12:05 UTC on Feb 26, 2016, larger than any change between two "
        "fetches in the last 3 days (the largest was +55). " in one.sentence()
    )
    hour = {"start": T0 + timedelta(hours=1), "end": T0 + timedelta(hours=1, minutes=15)}
    three = make(page, Kind.GAIN, **hour, details={**known, "steps": 3})
    said = sentences(three)
    assert (
        "between 13:00 UTC and 13:15 UTC on Feb 26, 2016, larger than any change over as long "
        "in the last 3 days (at most +165: no change between two fetches was over +55). "
        in said["en"]
    )
    assert "sur une durée égale des 3 derniers jours (au plus +165" in said["fr"]
    assert "خلال مدة مماثلة في آخر" in said["ar"] and "165" in said["ar"]
    # A move that fetches as large as the largest could have made says nothing of the kind.
    ordinary = {**known, "largest_step": 2_000.0, "steps": 3}
    within = make(page, Kind.GAIN, start=T0 - timedelta(hours=1), details=ordinary)
    assert "larger than any" not in within.sentence()


def test_a_move_over_missed_fetches_claims_no_more_than_was_measured(db):
    # An unusual drop over the demo's rate-limit storm: fetched every ten seconds, none for
    # five minutes (one step over 31 intervals); the count rose by 80 where the page's pace
    # said +381. It is "a change of +80", not "a drop of +80"; it is no larger than any drop
    # the page made (it made none: the page's largest drop was -36); and, over a window that
    # long, nothing says when within it the move came, so nothing is said of abruptness.
    page = seconds_page(10)
    storm = {"start": T0, "end": T0 + timedelta(seconds=310), "seq_from": 10, "seq_to": 11}
    details = {
        "campaign_down": True,
        "threshold": 2.4,
        "steps": 1,
        "back_to_pace": True,
        "largest_step": -36.0,
        "largest_step_days": 3,
    }
    drop = make(page, Kind.PURGE, size=-301.0, seen=80.0, expected=381.0, details=details, **storm)
    said = sentences(drop)
    assert said["en"].startswith(
        "inwi: a change of +80 between 12:00 UTC and 12:05 UTC on Feb 26, 2016. The page's "
        "own history predicted +381 over that time."
    ), said["en"]
    assert "larger than any" not in said["en"] and "stopped" not in said["en"]
    assert "une variation de" in said["fr"] and "تغيّر قدره" in said["ar"]
    # The same step had the count fallen by 600 against its largest drop of -36 a fetch: a
    # drop larger than any over as long (31 intervals: at most -1,116), never "between two
    # fetches", and still not abrupt.
    later = {**storm, "start": T0 + timedelta(hours=1), "end": T0 + timedelta(hours=1, seconds=310)}
    fell = make(
        page, Kind.PURGE, size=-981.0, seen=-600.0, expected=381.0, details=details, **later
    )
    assert "inwi: a drop of −600" in fell.sentence()
    assert "larger than any" not in fell.sentence()
    deep = {
        **later,
        "start": later["start"] + timedelta(hours=1),
        "end": later["end"] + timedelta(hours=1),
    }
    fell = make(
        page, Kind.PURGE, size=-1581.0, seen=-1200.0, expected=381.0, details=details, **deep
    )
    assert (
        "larger than any change over as long in the last 3 days (at most −1,116: no change "
        "between two fetches was over −36)" in fell.sentence()
    ), fell.sentence()
    assert "stopped" not in fell.sentence()


def test_a_window_inside_one_minute_gives_its_seconds(page):
    # Pages fetched more often than once a minute (the demo's, every ten seconds).
    gain = make(page, Kind.GAIN, start=T0 + timedelta(seconds=4), end=T0 + timedelta(seconds=34))
    assert "a gain of +4,600 between 12:00:04 UTC and 12:00:34 UTC on Feb 26, 2016." in (
        gain.sentence()
    )
    # Minutes apart, minutes are enough.
    assert "between 12:00 UTC and 12:15 UTC on" in make(page, Kind.PURGE).sentence()


def test_bought_likes_are_never_suggested_without_evidence(page):
    gain = make(page, Kind.GAIN, details={"steps": 12, "threshold": 9.0})
    assert "bought" not in gain.sentence()


def test_a_short_history_says_so(page):
    drop = make(
        page,
        Kind.PURGE,
        size=-150_000.0,
        seen=-150_100.0,
        details={"steps": 1, "short_history": True, "history_days": 0.25},
    )
    text = drop.sentence()
    assert "a drop of −150,100" in text
    assert "tracked for only 6 hours: too little history to say how rare such a change is" in text
    assert "The part its history does not explain (−150,000) is not counted as people" in text


def test_a_page_tracked_less_than_an_hour_says_so_not_one_hour(page):
    gain = make(
        page, Kind.GAIN, details={"steps": 1, "short_history": True, "history_days": 16 / 1440}
    )
    assert "tracked for less than an hour: too little history" in gain.sentence()
    with translation.override("fr"):
        assert "suivie que depuis moins d'une heure" in gain.sentence()


def test_a_flag_on_a_short_history_says_what_it_rests_on_not_only_what_is_unknown(page):
    # The demo's bought likes, 16 minutes after tracking began: the flag is confident because
    # the count moved far faster than it ever had, not because the move is known to be rare.
    gain = make(
        page,
        Kind.GAIN,
        details={"steps": 1, "short_history": True, "history_days": 16 / 1440, "threshold": 12},
    )
    said = sentences(gain)
    assert said["en"].count("too little history") == 1
    assert (
        "The page has been tracked for less than an hour: too little history to say how rare "
        "such a change is. It is flagged because the count moved more than twice as fast as it "
        "ever had before." in said["en"]
    )
    # Never both "too little history" and a rate measured on that history.
    assert "less than once in 30 days" not in said["en"]
    assert "plus de deux fois plus vite qu'il ne l'avait jamais fait" in said["fr"]
    assert "بسرعة تفوق ضعف أسرع ما تحرّك به من قبل" in said["ar"]
    # A flag judged on a long history claims a rate instead, and nothing of a short one.
    known = make(
        page,
        Kind.GAIN,
        start=T0 + timedelta(hours=1),
        details={"steps": 1, "threshold": 9.0, "history_days": 40},
    )
    assert "twice as fast" not in known.sentence()
    assert "less than once in 30 days" in known.sentence()


def test_a_gap_counts_its_missed_fetches(page):
    one = make(page, Kind.GAP, size=1.0, expected=1.0, seen=0.0)
    many = make(page, Kind.GAP, start=T0 + timedelta(hours=1), size=12.0)

    assert "(1 fetch missed)" in one.sentence()
    assert "(12 fetches missed)" in many.sentence()
    assert "from Feb 26, 2016, 12:00 UTC to Feb 26, 2016, 12:15 UTC" in one.sentence()
    # Inside one minute (the demo's outage, fetched every ten seconds), with seconds.
    start = T0 + timedelta(hours=2, seconds=1)
    brief = make(page, Kind.GAP, start=start, end=start + timedelta(seconds=43), size=3.0)
    assert "from Feb 26, 2016, 14:00:01 UTC to Feb 26, 2016, 14:00:44 UTC" in brief.sentence()


def test_a_flagged_move_says_what_is_not_counted_as_people_until_dismissed(page):
    # The move measured (+4,600 against −200 predicted) is not what is kept apart: the part
    # the history does not explain (+4,800, the event's size) is, and the board, the card,
    # the feed and the API show that figure, so the sentence names it.
    gain = make(page, Kind.GAIN, details={"steps": 12, "threshold": 9.0})
    drop = make(page, Kind.PURGE, start=T0 + timedelta(hours=1), size=-3000.0, seen=-3200.0)
    assert gain.sentence().endswith(
        "The part its history does not explain (+4,800) is not counted as people joining."
    )
    assert drop.sentence().endswith(
        "The part its history does not explain (−3,000) is not counted as people leaving."
    )
    said = sentences(gain)
    assert (
        "La part que son historique n'explique pas (+4\u202f800) n'est pas comptée comme des "
        "personnes qui arrivent." in said["fr"].replace("\u2068", "").replace("\u2069", "")
    )
    assert "الجزء الذي لا يفسّره سجلّها (\u2068+4,800\u2069) لا يُحتسب أشخاصًا انضموا" in said["ar"]

    gain.review(Status.CONFIRMED, "A like farm's delivery.")
    assert "not counted as people joining. Confirmed by the organisers" in gain.sentence()
    # Dismissed: the figures count it as people again, and the sentence no longer says not.
    drop.review(Status.DISMISSED, "People left.")
    assert "not counted" not in drop.sentence()


def test_the_organisers_verdict_follows_the_sentence(page):
    purge = make(page, Kind.PURGE, size=-3000.0, seen=-3200.0)
    purge.review(Status.DISMISSED, "A platform-wide clean-up, not this campaign.")

    with translation.override("fr"):
        french = purge.sentence()
    assert french.endswith(
        "Écarté par les organisateurs : A platform-wide clean-up, not this campaign."
    )

    purge.review(Status.OPEN)
    assert "organisers" not in purge.sentence()
    assert purge.reviewed_at is None and purge.note == ""


def test_an_unknown_status_is_refused(page):
    with pytest.raises(ValueError, match="unknown status"):
        make(page, Kind.GAIN).review("maybe")


def test_an_arabic_sentence_isolates_the_english_page_name_numbers_and_times(page):
    gain = make(page, Kind.GAIN, details={"steps": 1, "threshold": 9.0})
    with translation.override("ar"):
        arabic = gain.sentence()
    # Without the isolates the colon and the full stops jump to the wrong end of the name.
    assert arabic.startswith("\u2068Maroc Telecom\u2069: زيادة قدرها \u2068+4,600\u2069 ")
    assert "\u2068\u2212200\u2069" in arabic
    assert "\u206812:00 UTC\u2069" in arabic
    assert arabic.count("\u2068") == arabic.count("\u2069")
    with translation.override("en"):
        # A left-to-right sentence with a left-to-right name needs nothing.
        assert "\u2068" not in gain.sentence()


def test_a_platform_wide_move_counts_its_pages_with_arabics_plural_forms():
    from likewatch.events.models import PlatformEvent
    from likewatch.events.sentences import explain_platform

    def said(pages, tracked):
        moved = PlatformEvent(
            platform="facebook",
            kind=Kind.PURGE,
            start=T0,
            end=T0 + timedelta(minutes=5),
            size=-9000.0,
            pages=pages,
            tracked=tracked,
        )
        with translation.override("ar"):
            return explain_platform(moved)

    assert "من أصل صفحتين متابَعتين" in said(2, 2)
    assert "من أصل 3 صفحات متابَعة" in said(3, 3)  # 3 to 10: the plural
    assert "من أصل 40 صفحة متابَعة" in said(12, 40)  # 11 to 99: the singular
