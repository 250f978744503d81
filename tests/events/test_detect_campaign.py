"""A campaign's share of the target (likewatch.events.detect: `Detector._probability`)."""

from likewatch.events import detect
from likewatch.events.detect import LEAVE, Campaign, Detector
from tests.events.test_detect import DAY_STEPS, INTERVAL, overdispersed, series


def learnt(days: int = 20) -> dict:
    """The state of a page after `days` of ordinary over-dispersed traffic, its tails' levels
    to be fitted afresh (a kept level is refitted only once its tail grew by a tenth)."""
    detector = Detector(INTERVAL)
    detector.run(series(overdispersed(days * DAY_STEPS, seed=3)))
    state = detector.state()
    for tail in state["tails"].values():
        tail["level"] = None
    return state


def test_while_a_campaign_runs_the_fast_baseline_has_the_slow_ones_share_of_the_target(
    monkeypatch,
):
    # The slow baseline flags nothing while a campaign runs (it explains sustained moves
    # either way): its share of the page's false-alarm target, unspent, is the fast one's,
    # so a burst on top of the campaign's pace is held to a bar for the page's whole rate.
    # (The page is 20 days old: its one-fetch bars would otherwise be the floor a young page
    # holds them to, YOUNG_FACTOR times its largest step, campaign or not; the fits are what
    # the share moves.)
    monkeypatch.setattr(detect, "YOUNG_FACTOR", 0.0)
    state = learnt()
    ordinary = Detector(INTERVAL, state=state)
    now = ordinary.now
    running = Detector(INTERVAL, state=state, campaigns=[Campaign(now - 3600, None, LEAVE)])
    for key in ("fast-", "fast+"):
        for steps in (1, 2):
            usual = ordinary._threshold("fast", key, steps)[0]
            during = running._threshold("fast", key, steps)[0]
            assert during < usual, (key, steps, during, usual)
    assert running._probability("fast", 100, 10.0) == 2 * ordinary._probability("fast", 100, 10.0)
    # The slow baseline's own bar is what it was (it is suppressed, not lowered), and so
    # is the page's bar once the campaign has ended.
    assert running._threshold("slow", "slow-")[0] == ordinary._threshold("slow", "slow-")[0]
    ended = Detector(INTERVAL, state=state, campaigns=[Campaign(now - 7200, now - 3600, LEAVE)])
    assert ended._threshold("fast", "fast-", 1)[0] == ordinary._threshold("fast", "fast-", 1)[0]


def test_a_campaigns_bar_is_not_kept_in_the_state():
    # Fitted afresh while the campaign runs: the tail's own level stays the one for the
    # page's ordinary hours, so the fetches after the campaign (and a rescan) read the same.
    state = learnt()
    running = Detector(INTERVAL, state=state, campaigns=[Campaign(0, None, LEAVE)])
    running._threshold("fast", "fast-", 1)
    after = Detector(INTERVAL, state=running.state())
    assert after._threshold("fast", "fast-", 1) == Detector(INTERVAL, state=state)._threshold(
        "fast", "fast-", 1
    )
