"""The `likewatch` command line, run as a user runs it."""

import sqlite3

import pytest


@pytest.fixture
def initialised(cli, tmp_path):
    result = cli("init", "--username", "organiser", "--no-input", LIKEWATCH_PASSWORD="s3cret-pass")
    assert result.code == 0, result.err
    return cli


def facebook(simulator) -> dict:
    return {"FACEBOOK_BASE_URL": simulator.base_url, "FACEBOOK_TOKEN": "test-token"}


def count_pages(tmp_path) -> int:
    with sqlite3.connect(tmp_path / "var" / "likewatch.sqlite3") as db:
        return db.execute("select count(*) from tracking_page").fetchone()[0]


def test_help_lists_likewatch_commands(cli):
    result = cli("--help")
    assert result.code == 0
    for command in ("init", "add", "campaign", "poll", "serve", "run", "demo", "history", "status"):
        assert f"\n  {command} " in result.out


def test_each_command_has_help(cli):
    result = cli("campaign", "--help")
    assert result.code == 0 and "create" in result.out and "--settings" not in result.out


def test_init_creates_the_database_a_secret_key_and_an_organiser(initialised, tmp_path):
    key = tmp_path / "var" / "secret_key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert len(key.read_text().strip()) > 40
    with sqlite3.connect(tmp_path / "var" / "likewatch.sqlite3") as db:
        assert db.execute("select username from auth_user").fetchall() == [("organiser",)]


def test_init_twice_changes_nothing(initialised, tmp_path):
    key = (tmp_path / "var" / "secret_key").read_text()
    result = initialised(
        "init", "--username", "organiser", "--no-input", LIKEWATCH_PASSWORD="s3cret-pass"
    )
    assert result.code == 0 and "exists already" in result.out
    assert (tmp_path / "var" / "secret_key").read_text() == key


def test_commands_before_init_say_to_run_init(cli):
    result = cli("status")
    assert result.code == 1
    assert "run `likewatch init`" in result.err
    assert "Traceback" not in result.err


def test_an_unreachable_database_is_one_sentence(cli):
    result = cli("status", DATABASE_URL="postgres://nobody@127.0.0.1:9/none")
    assert result.code == 1
    assert "Cannot reach the database 'none' on 127.0.0.1" in result.err
    assert "Check DATABASE_URL" in result.err and "Traceback" not in result.err


def test_add_an_unsupported_url(initialised, tmp_path):
    result = initialised("add", "https://example.com/some/page")
    assert result.code == 1
    assert "is not a page address likewatch recognises" in result.err
    assert count_pages(tmp_path) == 0


def test_add_without_a_token_says_what_to_set(initialised, tmp_path, simulator):
    result = initialised(
        "add", "https://www.facebook.com/MarocTelecom", FACEBOOK_BASE_URL=simulator.base_url
    )
    assert result.code == 1
    assert "Set FACEBOOK_TOKEN" in result.err
    assert count_pages(tmp_path) == 0


def test_add_a_page_that_does_not_exist(initialised, tmp_path, simulator):
    result = initialised("add", "https://www.facebook.com/NoSuchOperator", **facebook(simulator))
    assert result.code == 1
    assert "NoSuchOperator" in result.err and "do not exist" in result.err
    assert count_pages(tmp_path) == 0


def test_add_keeps_the_good_lines_and_reports_the_bad(initialised, tmp_path, simulator):
    lines = "https://www.facebook.com/MarocTelecom\nnot a url\nfacebook.com/meditel\n"
    result = initialised("add", "--file", "-", stdin=lines, **facebook(simulator))
    assert result.code == 1
    assert "ok   https://www.facebook.com/MarocTelecom: added: Maroc Telecom" in result.out
    assert "ok   facebook.com/meditel: added: Meditel" in result.out
    assert "fail not a url" in result.err
    assert count_pages(tmp_path) == 2  # two pages, their followers only (the main figure)


def test_a_campaign_from_creation_to_history(initialised, simulator):
    env = facebook(simulator)
    created = initialised(
        "campaign",
        "create",
        "unlike",
        "--title",
        "Unlike them",
        "--start",
        "2016-02-26T22:00:00Z",
        "--target",
        "100000",
    )
    assert created.code == 0, created.err
    added = initialised(
        "campaign", "add", "unlike", "https://www.facebook.com/inwi.ma", "--metric", "likes", **env
    )
    assert added.code == 0, added.err
    listed = initialised("campaign", "list")
    assert "unlike" in listed.out and "Unlike them" in listed.out and "100,000" in listed.out

    history = initialised("history", "facebook.com/inwi.ma", "--metric", "likes")
    assert history.code == 0
    assert "2,72" in history.out and "fetches" in history.out

    status = initialised("status")
    assert "inwi" in status.out and "likes" in status.out


def test_the_demos_pages_get_their_past_before_they_join_the_campaign(initialised, simulator):
    """`likewatch demo`'s set-up: `simulate --past` tracks the scenario's pages with a past,
    and `campaign add` then finds them tracked and adds them, recording nothing of its own."""
    env = facebook(simulator)
    past = initialised("simulate", "--past", "0.01", "--interval", "10", "--metric", "likes")
    assert past.code == 0, past.err
    assert "3 pages given 0.01 days of past" in past.out
    shown = ("history", "facebook.com/inwi.ma", "--metric", "likes", "--last", "200")
    before = initialised(*shown).out
    # 0.01 days, a fetch every 10 s: 87 fetches (a few may repeat their span's value)
    assert 80 < before.count(" api") <= 87, before
    created = initialised("campaign", "create", "unlike")
    added = initialised("campaign", "add", "unlike", "https://www.facebook.com/inwi.ma", **env)
    assert created.code == added.code == 0, (created.err, added.err)
    assert initialised(*shown).out == before
    # A second past would come after the first: refused, with the reason.
    again = initialised("simulate", "--past", "0.01", "--metric", "likes")
    assert again.code == 1 and "has a history already" in again.err


def test_campaign_errors_are_clear(initialised):
    assert (
        "is not an ISO 8601 time" in initialised("campaign", "create", "x", "--start", "soon").err
    )
    naive = initialised("campaign", "create", "x", "--start", "2016-02-26T22:00:00")
    assert naive.code != 0 and "needs a time zone" in naive.err
    missing = initialised("campaign", "add", "nope", "#1")
    assert missing.code == 1 and "No campaign 'nope'" in missing.err
    initialised("campaign", "create", "x")
    assert "exists already" in initialised("campaign", "create", "x").err


def test_status_warns_about_missing_credentials(initialised, simulator):
    initialised("add", "https://www.facebook.com/MarocTelecom", **facebook(simulator))
    result = initialised("status", FACEBOOK_TOKEN="")
    assert "facebook has no credentials: set FACEBOOK_TOKEN" in result.out


def test_poll_once_records_what_it_read(initialised, simulator):
    env = facebook(simulator)
    initialised("add", "https://www.facebook.com/MarocTelecom", "--interval", "60", **env)
    result = initialised("poll", "--once", **env)
    assert result.code == 0 and "Fetched 0 page(s)" in result.out  # added just now: not due
