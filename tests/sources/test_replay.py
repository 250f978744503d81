"""A kept platform answer read again by the page's own source, offline: the count it says,
or the error it was; nothing leaves the machine."""

import json
from pathlib import Path

import pytest

from likewatch.sources.base import Count
from likewatch.sources.errors import AuthError, InvalidAnswer
from likewatch.sources.replay import CannotReplay, reread

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def body(name: str) -> bytes:
    return json.dumps(json.loads((FIXTURES / name).read_text())["body"]).encode()


def test_a_batch_answer_gives_each_page_its_own_count():
    answer = body("facebook/pages_batch.json")
    assert reread("facebook", "110380648982071", "likes", {}, answer) == Count(3_150_000)
    assert reread("facebook", "110380648982071", "followers", {}, answer) == Count(3_240_000)
    assert reread("facebook", "126004664087391", "followers", {}, answer) == Count(2_410_000)


def test_an_answer_that_was_an_error_is_that_error_again():
    with pytest.raises(AuthError):
        reread("facebook", "110380648982071", "likes", {}, body("facebook/token_expired.json"))


def test_an_answer_that_is_not_json_is_an_invalid_answer():
    with pytest.raises(InvalidAnswer):
        reread("facebook", "110380648982071", "likes", {}, b"<html>busy</html>")


def test_a_page_missing_from_the_answer_cannot_be_read_from_it():
    with pytest.raises((CannotReplay, InvalidAnswer)):
        reread("facebook", "999", "likes", {}, body("facebook/pages_batch.json"))


def test_a_generic_json_page_is_read_with_its_expression():
    options = {
        "url": "https://petition.parliament.uk/petitions/241584.json",
        "expression": "data.attributes.signature_count",
    }
    answer = body("json/petition.json")
    assert reread("json", "any", "followers", options, answer) == Count(6_103_056)


def test_a_page_read_through_a_browser_is_not_replayed():
    with pytest.raises(CannotReplay, match="browser"):
        reread("web", "x", "followers", {"url": "https://example.org", "scripts": True}, b"")


def test_an_unknown_platform_is_not_replayed():
    with pytest.raises(CannotReplay):
        reread("myspace", "1", "friends", {}, b"{}")
