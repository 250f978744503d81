"""The verifier names the record that breaks the chain: changed, removed or inserted."""

import json
import zipfile

import pytest

from likewatch.evidence import bundle, digests, keys
from likewatch.evidence.verify import check_chain, verify_bundle, verify_database
from likewatch.tracking import chain
from likewatch.tracking.models import Campaign, CampaignPage, Observation

from .conftest import minutes

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(history, signing_key, tmp_path):
    """A bundle folder of the history, with a digest signed after the last record."""
    digests.make(now=minutes(45))
    path = tmp_path / "bundle"
    bundle.export(path, with_raw=True)
    telecom, meditel = history
    return path, telecom.pk, meditel.pk


def lines(path, page):
    file = path / "records" / f"page-{page}.jsonl"
    return file, [json.loads(line) for line in file.read_text().splitlines()]


def write(file, items):
    file.write_text("".join(json.dumps(i) + "\n" for i in items))


def problems(report):
    return [(p.page, p.seq, p.what) for p in report.problems]


def test_an_untouched_bundle_checks_out(exported):
    path, telecom, _ = exported
    report = verify_bundle(path)

    assert report.ok, report.problems
    assert (report.pages, report.records, report.digests) == (2, 9, 1)
    assert report.key_id == keys.key_id(keys.public_key())


def test_a_changed_value_is_named(exported):
    path, telecom, _ = exported
    file, items = lines(path, telecom)
    items[2]["record"]["value"] = 999  # seq 3 said 985
    write(file, items)

    assert problems(verify_bundle(path)) == [(telecom, 3, "changed")]


def test_a_changed_record_with_its_hash_recomputed_is_still_named(exported):
    path, telecom, _ = exported
    file, items = lines(path, telecom)
    items[2]["record"]["value"] = 999
    items[2]["hash"] = chain.link_hash(items[2]["prev_hash"], items[2]["record"])
    write(file, items)

    assert problems(verify_bundle(path)) == [(telecom, 3, "changed")]


def test_a_removed_record_is_named(exported):
    path, telecom, _ = exported
    file, items = lines(path, telecom)
    del items[3]  # seq 4
    write(file, items)

    assert problems(verify_bundle(path)) == [(telecom, 4, "removed")]


def test_an_inserted_record_is_named(exported):
    path, telecom, _ = exported
    file, items = lines(path, telecom)
    fake = json.loads(json.dumps(items[1]))  # a second seq 2, right after seq 2
    fake["record"]["value"] = 1500
    fake["prev_hash"] = items[1]["hash"]
    fake["record"]["seq"] = 3
    fake["hash"] = chain.link_hash(fake["prev_hash"], fake["record"])
    items.insert(2, fake)
    write(file, items)

    report = verify_bundle(path)
    assert problems(report) == [(telecom, 3, "inserted")]
    assert "the next record links to the one before it" in str(report.problems[0])


def test_the_last_record_removed_shows_against_the_signed_digest(exported):
    path, _, meditel = exported
    file, items = lines(path, meditel)
    write(file, items[:-1])  # drop the open head, seq 2

    assert problems(verify_bundle(path)) == [(meditel, 2, "removed")]


def test_a_history_rewritten_with_every_hash_redone_fails_the_digest(exported):
    path, telecom, _ = exported
    file, items = lines(path, telecom)
    prev = chain.GENESIS
    for item in items:
        if item["record"]["type"] == "observation":
            item["record"]["value"] += 100
        item["prev_hash"] = prev
        if item["hash"]:
            item["hash"] = prev = chain.link_hash(prev, item["record"])
    write(file, items)

    assert problems(verify_bundle(path)) == [(telecom, 6, "changed"), (telecom, 7, "changed")]


def test_a_forged_digest_is_refused(exported):
    path, _, _ = exported
    [name] = [p for p in (path / "digests").iterdir() if p.suffix == ".json"]
    name.write_text(name.read_text().replace('"sealed_seq":6', '"sealed_seq":5'))

    assert problems(verify_bundle(path)) == [(None, None, "signature")]


def test_a_key_given_separately_must_match_the_bundles(exported, settings, tmp_path):
    path, _, _ = exported
    settings.LIKEWATCH_SIGNING_KEY = tmp_path / "other.pem"
    keys.ensure_key()

    whats = [p.what for p in verify_bundle(path, keys.public_pem()).problems]
    assert whats == ["signature", "signature"]  # not our key; the digest fails with it too


def test_a_raw_answer_that_does_not_match_its_hash_is_named(exported):
    path, telecom, _ = exported
    _, items = lines(path, telecom)
    body = path / "raw" / items[0]["raw_sha256"]
    body.write_bytes(b'{"fan_count": 1}')

    assert problems(verify_bundle(path)) == [(telecom, 1, "changed")]


@pytest.mark.parametrize("name", ["bundle.zip", "bundle.tar.gz"])
def test_archives_are_read_like_folders(history, signing_key, tmp_path, name):
    digests.make(now=minutes(45))
    archive = tmp_path / name
    summary = bundle.export(archive)

    assert summary.records == 9
    assert verify_bundle(archive).ok


def test_a_zip_with_a_folder_around_it_is_read(exported, tmp_path):
    path, _, _ = exported
    archive = tmp_path / "wrapped.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for file in path.rglob("*"):
            if file.is_file():
                out.write(file, "evidence/" + file.relative_to(path).as_posix())

    assert verify_bundle(archive).ok


def test_not_a_bundle_says_so(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(bundle.BundleError, match="not an evidence bundle"):
        verify_bundle(tmp_path)


def test_the_database_is_checked_the_same_way(history, signing_key):
    telecom, _ = history
    digests.make(now=minutes(45))
    assert verify_database().ok

    Observation.objects.filter(page=telecom, seq=2).update(value=991)

    found = problems(verify_database())
    # Named by the old chain; the log, with no checkpoint yet to narrow it, says its root broke.
    assert (telecom.pk, 2, "changed") in found
    assert set(found) <= {(telecom.pk, 2, "changed"), (None, None, "changed")}


def test_a_broken_line_is_a_format_problem_not_a_crash():
    from likewatch.evidence.verify import _entries

    good = b'{"record": {"seq": 1}, "prev_hash": "", "hash": ""}'
    entries, found = _entries(1, good + b"\nnot json\n")
    assert len(entries) == 1
    assert [(p.what, p.detail) for p in found] == [("format", "line 2 is not a record")]


def test_an_empty_chain_has_nothing_to_break():
    assert check_chain(1, []) == []


def test_a_bundle_of_one_page_carries_no_digest_naming_an_unpublished_page(
    history, signing_key, tmp_path
):
    telecom, meditel = history
    digests.make(now=minutes(45))  # names both pages; neither campaign is published
    bundle.export(tmp_path / "one", pages=[telecom])
    assert not (tmp_path / "one" / "digests").exists()
    assert verify_bundle(tmp_path / "one").ok

    campaign = Campaign.objects.create(slug="c", title="C", starts_at=minutes(0))
    CampaignPage.objects.create(campaign=campaign, page=meditel)
    bundle.export(tmp_path / "two", pages=[telecom])  # meditel's id is public now
    assert sorted(p.name for p in (tmp_path / "two" / "digests").iterdir()) == [
        "2016-02-26.json",
        "2016-02-26.sig",
    ]
    report = verify_bundle(tmp_path / "two")
    assert report.ok and report.digests == 1, report.problems
