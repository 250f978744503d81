"""Telegram: getChat once to the chat id, getChatMemberCount per chat, retry_after honoured."""

from datetime import UTC, datetime

import pytest

from likewatch.sources import registry
from likewatch.sources.base import Count
from likewatch.sources.errors import AuthError, InvalidAnswer, NotFound, RateLimited
from likewatch.sources.telegram import TelegramSource
from tests.replay import drive

BOT = "/bot123456:TEST-token"
COUNT = BOT + "/getChatMemberCount"


def source(replay):
    return TelegramSource({"base_url": replay.base_url, "token": "123456:TEST-token"})


def test_a_username_resolves_once_to_the_chat_id(replay):
    replay.route(BOT + "/getChat", "telegram/chat", when={"chat_id": "@durov"})
    replay.route(COUNT, "telegram/member_count", when={"chat_id": "-1001005640892"})
    reading = drive(source(replay), lambda s: s.resolve(registry.parse("https://t.me/s/Durov")))
    assert reading.platform_id == "-1001005640892"
    assert reading.name == "Durov's Channel"
    assert reading.counts["members"] == Count(1234)
    assert "TEST-token" not in reading.source_url


def test_a_batch_reads_each_chat_and_a_missing_chat_fails_alone(replay):
    replay.route(COUNT, "telegram/member_count", when={"chat_id": "-1001"})
    replay.route(COUNT, "telegram/member_count_2", when={"chat_id": "-1002"})
    replay.route(COUNT, "telegram/chat_not_found", when={"chat_id": "-1003"})
    results = drive(source(replay), lambda s: s.read(["-1001", "-1002", "-1003"]))
    assert results["-1001"].counts["members"] == Count(1234)
    assert results["-1002"].counts["members"] == Count(987_654)
    assert isinstance(results["-1003"], NotFound)
    assert len(replay.asked(COUNT)) == 3


def test_too_many_requests_waits_retry_after_seconds(replay):
    replay.route(COUNT, "telegram/too_many_requests")
    src = source(replay)
    before = datetime.now(UTC)
    refused = drive(src, lambda s: s.read(["-1001"]))["-1001"]
    assert isinstance(refused, RateLimited)
    waited = (refused.retry_at - before).total_seconds()
    assert 5 <= waited < 7
    # The whole platform waits too: the poller holds the next batch until then.
    assert src.cooldown_until == refused.retry_at


def test_a_revoked_bot_token_is_an_auth_error_naming_the_variable(replay):
    replay.route(COUNT, "telegram/unauthorized")
    with pytest.raises(AuthError) as refused:
        drive(source(replay), lambda s: s.read(["-1001"]))
    assert "TELEGRAM_BOT_TOKEN" in str(refused.value)


def test_a_result_that_is_not_a_number_is_an_invalid_answer(replay):
    replay.route(COUNT, "telegram/malformed")
    results = drive(source(replay), lambda s: s.read(["-1001"]))
    assert isinstance(results["-1001"].counts["members"], InvalidAnswer)
