""" "Cite this number": a proof of one record, served on the site and checked offline."""

import json

import pytest
from django.core.management import call_command

from likewatch.evidence import bundle, checkpoints, proofs
from likewatch.evidence.verify import verify_bundle
from likewatch.sources.base import Count
from likewatch.tracking import history
from likewatch.tracking.models import Campaign, CampaignPage, Observation, Page

from .conftest import T0, minutes

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_page(signing_key):
    page = Page.objects.create(
        platform="facebook", platform_id="100", metric="likes", name="Maroc Telecom"
    )
    campaign = Campaign.objects.create(slug="unlike", title="Unlike", starts_at=T0, public=True)
    CampaignPage.objects.create(campaign=campaign, page=page)
    for n, value in enumerate([1000, 990, 990, 985]):
        history.record_count(page, Count(value), minutes(n))
        checkpoints.make(now=minutes(n), ask_witnesses=False)
    return page


@pytest.fixture
def private_page(signing_key):
    page = Page.objects.create(platform="facebook", platform_id="200", metric="likes", name="X")
    campaign = Campaign.objects.create(slug="secret", title="S", starts_at=T0, public=False)
    CampaignPage.objects.create(campaign=campaign, page=page)
    history.record_count(page, Count(5), minutes(0))
    checkpoints.make(now=minutes(0), ask_witnesses=False)
    return page


def test_a_proof_of_the_current_number_checks_out_offline(public_page):
    record = proofs.record_of(public_page)
    data = proofs.build(public_page, record, reveal=True, site_url="https://lw.example")
    checked = proofs.check(json.loads(json.dumps(data)), log_key=checkpoints.verifier().vkey)
    assert checked.ok, checked.problems
    assert data["record"]["value"] == 985
    assert "985 likes" in data["citation"] and "https://lw.example/proof/" in data["citation"]


def test_a_sealed_span_is_proven_by_its_opening_and_its_final_leaf(public_page):
    record = Observation.objects.get(page=public_page, seq=2)  # 990, seen twice, then sealed
    data = proofs.build(public_page, record, reveal=True)
    assert [json.loads(item["leaf"])["type"] for item in data["leaves"]] == ["span-open", "span"]
    assert json.loads(data["leaves"][1]["leaf"])["fetches"] == 2
    assert proofs.check(data).ok


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["record"].update(value=986),
        lambda d: d["leaves"][0].update(leaf=d["leaves"][0]["leaf"].replace("985", "986")),
        lambda d: d["leaves"][0]["inclusion"].__setitem__(0, "A" * 43 + "="),
        lambda d: d["page"].update(platform_id="101"),
        lambda d: d.update(checkpoint=d["checkpoint"].replace("/log\n", "/log2\n", 1)),
    ],
)
def test_any_change_to_a_proof_is_caught(public_page, change):
    data = proofs.build(public_page, proofs.record_of(public_page), reveal=True)
    change(data)
    assert not proofs.check(data, log_key=checkpoints.verifier().vkey).ok


def test_a_proof_checked_with_another_log_key_fails(public_page, tmp_path, settings):
    data = proofs.build(public_page, proofs.record_of(public_page), reveal=True)
    other = "127.0.0.1:8000/log+c3b322fb+AeDzOL+bsQN7wxDAUoVBKCl+mUwTaBW2IR0Gj1BlF9pC"
    assert not proofs.check(data, log_key=other).ok


def test_a_missing_witness_cosignature_is_a_problem(public_page):
    data = proofs.build(public_page, proofs.record_of(public_page), reveal=True)
    witness = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
    checked = proofs.check(data, witness_keys=[witness])
    assert not checked.ok and "no cosignature of the witness remora.n621.de" in checked.problems


def test_a_number_written_since_the_last_checkpoint_is_not_covered_yet(public_page):
    history.record_count(public_page, Count(980), minutes(10))
    with pytest.raises(proofs.NotCovered):
        proofs.build(public_page, proofs.record_of(public_page), reveal=True)


def test_the_proof_page_and_json_are_public_for_public_pages_only(
    client, public_page, private_page
):
    page = client.get(f"/proof/{public_page.pk}/")
    assert page.status_code == 200
    assert "Cite this number" in page.content.decode()
    answer = client.get(f"/proof/{public_page.pk}/3.json")
    assert answer.status_code == 200 and answer.json()["record"]["value"] == 985
    assert answer.json()["page"]["salt"]
    assert answer["Cache-Control"] == "public, max-age=30"  # a crowd shares one computation
    assert client.get(f"/proof/{private_page.pk}/").status_code == 404
    assert client.get(f"/proof/{private_page.pk}/1.json").status_code == 404


def test_checkpoints_are_published_as_text_json_and_atom(client, public_page):
    newest = checkpoints.latest()
    text = client.get("/evidence/checkpoint").content.decode()
    assert text == checkpoints.full_note(newest)
    assert text.startswith(f"{checkpoints.origin()}\n{newest.size}\n")
    listing = client.get("/evidence/checkpoints.json").json()
    assert listing["checkpoints"][0]["size"] == newest.size
    assert listing["vkey"] == client.get("/evidence/log-key").content.decode().strip()
    feed = client.get("/evidence/checkpoints.atom").content.decode()
    assert f"{checkpoints.origin()}/{newest.size}" in feed
    assert client.get("/evidence/checkpoints/").status_code == 200
    old = client.get(f"/evidence/consistency?old=1&new={newest.size}")
    assert old.status_code == 200 and old.content.decode().count("\n") >= 1
    assert client.get("/evidence/consistency?old=9&new=1").status_code == 400


def test_verify_checks_a_saved_proof_file(public_page, tmp_path, capsys):
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(proofs.build(public_page, proofs.record_of(public_page), True)))
    call_command("verify", str(path), "--log-key", checkpoints.verifier().vkey)
    assert "checks out" in capsys.readouterr().out


def test_a_bundle_of_one_page_checks_out_with_its_log_part(public_page, private_page, tmp_path):
    path = tmp_path / "one.zip"
    summary = bundle.export(path, [public_page])
    assert summary.leaves > 0
    report = verify_bundle(path, log_key=checkpoints.verifier().vkey)
    assert report.ok, report.problems
    assert report.leaves == summary.leaves and report.uncovered == []


def test_a_bundle_checked_against_a_checkpoint_the_reader_kept(public_page, tmp_path):
    kept = checkpoints.full_note(checkpoints.latest().__class__.objects.order_by("size")[1])
    path = tmp_path / "b"
    bundle.export(path, [public_page])
    assert verify_bundle(path, held=[kept]).ok
    # A forged checkpoint of the same size, signed with the same key: not consistent.
    forged = kept.replace(kept.split("\n")[2], "A" * 43 + "=")
    report = verify_bundle(path, held=[forged])
    assert not report.ok


def test_the_board_page_history_and_api_link_to_the_proof(client, public_page):
    board = client.get("/c/unlike/").content.decode()
    assert f'href="/proof/{public_page.pk}/"' in board
    assert f"/proof/{public_page.pk}/?at=" in board  # the baseline's
    history_page = client.get(f"/p/{public_page.pk}/").content.decode()
    assert f'href="/proof/{public_page.pk}/3/"' in history_page
    api = client.get(f"/api/pages/{public_page.pk}").json()
    assert api["links"]["proof"] == f"/proof/{public_page.pk}.json"
    baseline = client.get(f"/proof/{public_page.pk}.json?at={T0.isoformat()}").json()
    assert baseline["record"]["value"] == 1000
