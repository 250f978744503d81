"""The evidence commands, end to end: init makes the key, the poller signs, export, verify."""

import io
import json
import stat
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from likewatch.cli.base import LikewatchCommand
from likewatch.evidence import digests

from .conftest import minutes


def test_from_init_to_a_verified_bundle_and_a_tampered_one(likewatch, simulator, tmp_path):
    facebook = {"FACEBOOK_BASE_URL": simulator.base_url, "FACEBOOK_TOKEN": "test-token"}
    init = likewatch("init", "--no-input")
    assert init.returncode == 0, init.stderr
    assert "Signing key" in init.stdout
    key = tmp_path / "var" / "signing-key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600

    assert likewatch("add", "https://www.facebook.com/MarocTelecom", **facebook).returncode == 0
    assert likewatch("poll", "--once", **facebook).returncode == 0
    digest = likewatch("digest")  # the first count, written by `add`, is signed now
    assert "Checkpoint of 1 leaves signed" in digest.stdout

    export = likewatch("export", "--evidence", "evidence.zip", "--raw")
    assert export.returncode == 0, export.stderr
    assert "likewatch verify evidence.zip" in export.stdout
    good = likewatch("verify", "evidence.zip")
    assert good.returncode == 0 and "checks out" in good.stdout

    archive = tmp_path / "evidence.zip"
    with zipfile.ZipFile(archive) as original:
        files = {name: original.read(name) for name in original.namelist()}
    name = next(n for n in files if n.startswith("records/"))
    first = json.loads(files[name].splitlines()[0])
    first["record"]["value"] += 1
    files[name] = b"\n".join([json.dumps(first).encode(), *files[name].splitlines()[1:]])
    with zipfile.ZipFile(tmp_path / "tampered.zip", "w") as out:
        for n, data in files.items():
            out.writestr(n, data)

    bad = likewatch("verify", "tampered.zip")
    assert bad.returncode == 1
    page = first["record"]["page"]
    # One fetch so far: seq 1 is the open span, whose opening leaf the checkpoint signed.
    assert f"page {page}, seq 1: changed - it differs from what the log signed (value)" in (
        bad.stdout
    )
    assert "does NOT check out" in bad.stderr and "Traceback" not in bad.stderr


def test_verify_needs_a_bundle_or_the_database(likewatch):
    result = likewatch("verify")
    assert result.returncode == 1
    assert "Give a proof or a bundle to check, or --database" in result.stderr


def test_verify_a_missing_bundle_is_one_sentence(likewatch):
    result = likewatch("verify", "nowhere.zip")
    assert result.returncode == 1 and "there is no bundle at nowhere.zip" in result.stderr


@pytest.fixture(autouse=True)
def in_process(monkeypatch):
    # The test database is in memory: nothing for the command's "run init first" check to find.
    monkeypatch.setattr(LikewatchCommand, "check_database", lambda self: None)


@pytest.mark.django_db
def test_export_refuses_to_overwrite(history, signing_key, tmp_path):
    (tmp_path / "old.zip").write_bytes(b"precious")
    with pytest.raises(CommandError, match="exists already"):
        call_command("export", "--evidence", str(tmp_path / "old.zip"))
    assert (tmp_path / "old.zip").read_bytes() == b"precious"


@pytest.mark.django_db
def test_export_without_a_key_says_to_run_init(history, settings, tmp_path):
    settings.LIKEWATCH_SIGNING_KEY = tmp_path / "none.pem"
    with pytest.raises(CommandError, match="run `likewatch init`"):
        call_command("export", "--evidence", str(tmp_path / "b"))


@pytest.mark.django_db
def test_export_csv_and_json_of_one_page(history):
    telecom, _ = history
    out = io.StringIO()
    call_command("export", f"#{telecom.pk}", stdout=out)
    rows = out.getvalue().splitlines()
    # The web's format (likewatch.exports, docs/exports.md).
    assert rows[0].startswith("page_id,platform,platform_id,metric,page_name,record,seq,value")
    assert len(rows) == 1 + 7
    assert ",failure,5," in rows[5]

    out = io.StringIO()
    call_command("export", f"#{telecom.pk}", "--format", "json", stdout=out)
    [page] = json.loads(out.getvalue())["pages"]
    assert page["page_id"] == telecom.pk
    assert [r["seq"] for r in page["records"]] == list(range(1, 8))


@pytest.mark.django_db
def test_export_an_unknown_page_says_so(history):
    with pytest.raises(CommandError, match="No tracked page matches 'nothing'"):
        call_command("export", "nothing")


@pytest.mark.django_db
def test_verify_the_database(history, signing_key):
    digests.make(now=minutes(45))
    out = io.StringIO()
    call_command("verify", "--database", stdout=out)
    assert "The database checks out: 2 page(s), 9 record(s), 1 digest(s)" in out.getvalue()


@pytest.mark.django_db
def test_prune_deletes_what_is_older_than_the_retention(history):
    out = io.StringIO()
    call_command("prune", "--days", "100000", stdout=out)
    assert "Deleted 0 raw answer(s)" in out.getvalue()
    call_command("prune", stdout=out)  # the history is from 2016
    assert "Deleted 5 raw answer(s); their links and hashes stay" in out.getvalue()
    with pytest.raises(CommandError, match="cannot be negative"):
        call_command("prune", "--days", "-1")


@pytest.mark.django_db
def test_checkpoint_sign_and_show(history, signing_key, capsys):
    # 12 leaves for the first page (5 sealed spans, an open one, a failure), 3 for the second.
    call_command("checkpoint", "sign")
    assert "Checkpoint of 15 leaves signed" in capsys.readouterr().out
    call_command("checkpoint", "sign")
    assert "already signed" in capsys.readouterr().out
    call_command("checkpoint", "show")
    shown = capsys.readouterr().out
    assert shown.splitlines()[1] == "15" and "\n\n\u2014 " in shown


@pytest.mark.django_db
def test_checkpoint_sign_without_the_key_says_so(history, settings, tmp_path):
    settings.LIKEWATCH_SIGNING_KEY = tmp_path / "absent.pem"
    with pytest.raises(CommandError, match="Cannot sign: no signing key"):
        call_command("checkpoint", "sign")
