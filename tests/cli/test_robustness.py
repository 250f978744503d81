"""The command line answers every mistake with one clear sentence, never a traceback."""

import json
import subprocess
import sys

import pytest

from tests.cli.conftest import COMMAND_DEADLINE
from tests.cli.test_commands import facebook


@pytest.fixture
def initialised(cli):
    result = cli("init", "--username", "organiser", "--no-input", LIKEWATCH_PASSWORD="s3cret-pass")
    assert result.code == 0, result.err
    return cli


def test_init_without_a_terminal_says_how_to_give_the_password(cli):
    result = cli("init", "--username", "x")  # stdin is empty, as with </dev/null
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "LIKEWATCH_PASSWORD" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_init_without_a_name_and_no_input_left_is_one_sentence(cli):
    result = cli("init")
    assert "Traceback" not in result.err
    assert result.code == 1 and "Standard input ended" in result.err


def test_add_an_empty_address(initialised):
    result = initialised("add", "")
    assert result.code == 1
    assert "the address given is empty" in result.err


def test_an_unquoted_json_line_gets_a_hint(initialised):
    result = initialised("add", "json:members", "https://example.org/api", "data.count")
    assert result.code == 1
    assert "Quote the whole line" in result.err
    assert "likewatch add 'json:members https://example.org/api data.count'" in result.err


def test_add_tracks_the_main_metric_unless_another_is_asked(initialised, simulator):
    env = facebook(simulator)
    main = initialised("add", "https://www.facebook.com/MarocTelecom", **env)
    assert main.code == 0, main.err
    assert "followers" in main.out and "likes" not in main.out
    likes = initialised("add", "https://www.facebook.com/MarocTelecom", "--metric", "likes", **env)
    assert likes.code == 0, likes.err
    assert "likes" in likes.out
    wrong = initialised("add", "https://www.facebook.com/inwi.ma", "--metric", "members", **env)
    assert wrong.code == 1 and "reports followers, likes, not members" in wrong.err


def test_campaign_create_is_private_until_published(initialised):
    created = initialised("campaign", "create", "unlike")
    assert created.code == 0 and "private until" in created.out
    assert "private" in initialised("campaign", "list").out
    published = initialised("campaign", "publish", "unlike")
    assert published.code == 0 and "is public" in published.out
    assert "public" in initialised("campaign", "list").out
    assert initialised("campaign", "create", "open", "--public").code == 0


def test_a_campaign_refuses_a_second_count_of_one_page(initialised, simulator):
    env = facebook(simulator)
    initialised("campaign", "create", "unlike")
    first = initialised("campaign", "add", "unlike", "https://www.facebook.com/inwi.ma", **env)
    assert first.code == 0, first.err
    second = initialised(
        "campaign", "add", "unlike", "https://www.facebook.com/inwi.ma", "--metric", "likes", **env
    )
    assert second.code == 1 and "one metric per page" in second.err


def test_export_into_a_closed_pipe_ends_quietly(initialised, simulator):
    env = facebook(simulator)
    for name in ("MarocTelecom", "inwi.ma", "meditel"):
        initialised("add", f"https://www.facebook.com/{name}", **env)
    for _ in range(3):
        initialised("poll", "--once", **env)
    command = [sys.executable, "-m", "likewatch", "export"]
    export = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**initialised.env, **env},
        cwd=initialised.env["LIKEWATCH_VAR"].rsplit("/", 1)[0],
    )
    export.stdout.readline()  # like `head -1`: read a line, then go away
    export.stdout.close()
    _, err = export.communicate(timeout=COMMAND_DEADLINE)
    assert b"BrokenPipeError" not in err and b"Traceback" not in err


def test_cli_and_web_exports_share_their_columns(initialised, simulator):
    from likewatch.exports import COLUMNS

    env = facebook(simulator)
    initialised("add", "https://www.facebook.com/inwi.ma", **env)
    csv_out = initialised("export", "facebook.com/inwi.ma")
    assert csv_out.code == 0, csv_out.err
    assert csv_out.out.splitlines()[0] == ",".join(COLUMNS)
    first = csv_out.out.splitlines()[1].split(",")
    at = first[COLUMNS.index("first_seen")]
    assert at.endswith("Z") and "T" in at  # ISO 8601, UTC
    data = json.loads(initialised("export", "facebook.com/inwi.ma", "--format", "json").out)
    assert data["format"] == "likewatch-history-1"
    assert data["pages"][0]["records"][0]["value"] > 0
