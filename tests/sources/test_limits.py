"""Rate-limit signals in all their spellings, and when to send the next request."""

from datetime import UTC, datetime, timedelta

import httpx

from likewatch.sources import limits

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def headers(**values):
    return httpx.Headers({k.replace("_", "-"): v for k, v in values.items()})


def test_x_style_epoch_reset():
    win = limits.window(headers(x_rate_limit_remaining="7", x_rate_limit_reset="1795003200"), NOW)
    assert win.remaining == 7
    assert win.reset_at == datetime.fromtimestamp(1795003200, UTC)


def test_mastodon_style_iso_reset():
    win = limits.window(
        headers(
            X_RateLimit_Limit="300",
            X_RateLimit_Remaining="12",
            X_RateLimit_Reset="2026-11-26T12:05:00.000Z",
        ),
        NOW,
    )
    assert (win.limit, win.remaining) == (300, 12)
    assert win.reset_at == NOW + timedelta(minutes=5)


def test_ietf_draft_reset_in_seconds_and_the_combined_header():
    win = limits.window(headers(RateLimit_Remaining="3", RateLimit_Reset="30"), NOW)
    assert win.reset_at == NOW + timedelta(seconds=30)
    win = limits.window(headers(RateLimit="limit=100, remaining=50, reset=60"), NOW)
    assert (win.limit, win.remaining, win.reset_at) == (100, 50, NOW + timedelta(seconds=60))


def test_retry_after_in_seconds_or_as_an_http_date():
    assert limits.retry_after(headers(Retry_After="120"), NOW) == NOW + timedelta(seconds=120)
    moment = limits.retry_after(headers(Retry_After="Thu, 26 Nov 2026 12:10:00 GMT"), NOW)
    assert moment == NOW + timedelta(minutes=10)
    assert limits.retry_after(headers(Retry_After="soon"), NOW) is None


def test_no_pause_while_plenty_is_left_then_an_even_spread_then_the_reset():
    reset = NOW + timedelta(minutes=10)
    assert limits.cooldown(limits.Window(100, 50, reset), NOW) is None
    assert limits.cooldown(limits.Window(100, 4, reset), NOW) == NOW + timedelta(minutes=2)
    assert limits.cooldown(limits.Window(100, 0, reset), NOW) == reset
    assert limits.cooldown(limits.Window(100, 0, NOW - timedelta(seconds=1)), NOW) is None


def test_a_refusal_without_any_signal_waits_the_default():
    assert limits.refusal_time(headers(), NOW) == NOW + timedelta(minutes=1)
