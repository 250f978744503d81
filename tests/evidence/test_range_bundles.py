"""A bundle of one time range: every public record of the range, each proven in one signed
checkpoint, checked offline; a record edited, removed, added or moved inside it is named.

The history: two pages on a published campaign and one on an unpublished one, polled nine
rounds five minutes apart (a failed fetch in round six), a checkpoint after each round.
Page values by round: 1000, 990, 985, 985, 970, (failure), 960, 955, 950; so the records
are seq 1 (1000, minute 0), 2 (990, 5), 3 (985, 10-15), 4 (970, 20), 5 (failure, 25),
6 (960, 30), 7 (955, 35), 8 (950, 40, open). The range 12-27 holds seqs 3-5.
"""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from likewatch.evidence import bundle, checkpoints
from likewatch.evidence.bundle import BundleError, Window
from likewatch.evidence.verify import verify_bundle
from likewatch.organisers.models import Annotation
from likewatch.sources.base import Count
from likewatch.sources.errors import Transient
from likewatch.tracking import chain, history
from likewatch.tracking.models import Campaign, CampaignPage, Page

from .conftest import logged, minutes

pytestmark = pytest.mark.django_db

VALUES = [1000, 990, 985, 985, 970, None, 960, 955, 950]
RANGE = Window(minutes(12), minutes(27))


@pytest.fixture
def polled(signing_key):
    public = Campaign.objects.create(slug="pub", title="Pub", starts_at=minutes(0))
    private = Campaign.objects.create(slug="priv", title="Priv", starts_at=minutes(0), public=False)
    pages = [
        Page.objects.create(platform="facebook", platform_id=str(n), metric="likes")
        for n in (1, 2, 3)
    ]
    CampaignPage.objects.create(campaign=public, page=pages[0])
    CampaignPage.objects.create(campaign=public, page=pages[1])
    CampaignPage.objects.create(campaign=private, page=pages[2])
    Annotation.objects.create(campaign=public, at=minutes(17), text="new prices announced")
    Annotation.objects.create(campaign=private, at=minutes(17), text="our secret plan")
    Annotation.objects.create(campaign=public, at=minutes(44), text="after the range")
    for n, value in enumerate(VALUES):
        history.record_batch(
            [
                history.Entry(
                    page,
                    Count(value + 7 * i) if value is not None else Transient("timeout"),
                    minutes(5 * n),
                )
                for i, page in enumerate(pages)
            ]
        )
        checkpoints.make(now=minutes(5 * n), ask_witnesses=False)
    return pages


@pytest.fixture
def exported(polled, tmp_path):
    path = tmp_path / "range"
    bundle.export(path, window=RANGE)
    return path, polled[0].pk


def problems(report):
    return [(p.page, p.seq, p.what) for p in report.problems]


def read_lines(file):
    return [json.loads(line) for line in file.read_text().splitlines()]


def write_lines(file, items):
    file.write_text("".join(json.dumps(i) + "\n" for i in items))


def records_file(path, page):
    return path / "records" / f"page-{page}.jsonl"


def drop_leaves(path, page, seq):
    """Remove a record's leaves too, as a careful forger would."""
    file = path / "log" / "leaves.jsonl"
    kept = [
        item
        for item in read_lines(file)
        if not (item["page"] == page and json.loads(item["leaf"])["seq"] == seq)
    ]
    write_lines(file, kept)


def test_a_range_bundle_holds_the_public_records_of_the_range_and_checks_out(exported, polled):
    path, first = exported
    report = verify_bundle(path)

    assert report.ok, report.problems
    assert report.covers == f"{chain.iso(RANGE.since)} to {chain.iso(RANGE.until)}"
    assert (report.pages, report.records, report.documents) == (2, 6, 1)
    assert report.uncovered == []
    assert [e["record"]["seq"] for e in read_lines(records_file(path, first))] == [3, 4, 5]
    ranges = json.loads((path / "range.json").read_text())
    assert ranges["pages"][str(first)]["first_seq"] == 3
    assert not (path / "digests").exists()


def test_records_of_unpublished_campaigns_never_appear(exported, polled):
    path, _ = exported
    private = polled[2]
    listed = [p["page"] for p in json.loads((path / "pages.json").read_text())]
    assert private.pk not in listed
    assert not records_file(path, private.pk).exists()
    documents = (path / "log" / "documents.jsonl").read_text()
    assert "new prices announced" in documents and "our secret plan" not in documents
    assert "after the range" not in documents


def test_a_private_page_asked_for_by_name_is_refused(polled, tmp_path):
    with pytest.raises(BundleError, match=f"#{polled[2].pk} are in no published campaign"):
        bundle.export(tmp_path / "b", pages=[polled[0], polled[2]], window=RANGE)
    assert not (tmp_path / "b").exists()


def test_an_edited_record_is_named(exported):
    path, first = exported
    file = records_file(path, first)
    items = read_lines(file)
    items[1]["record"]["value"] = 971  # seq 4 said 970
    write_lines(file, items)

    assert (first, 4, "changed") in problems(verify_bundle(path))


def test_a_record_deleted_inside_the_run_is_named(exported):
    path, first = exported
    file = records_file(path, first)
    write_lines(file, [i for i in read_lines(file) if i["record"]["seq"] != 4])

    found = problems(verify_bundle(path))
    assert (first, 4, "removed") in found


def test_the_first_record_deleted_with_its_leaves_and_the_run_moved_is_named(exported):
    path, first = exported
    file = records_file(path, first)
    items = read_lines(file)
    write_lines(file, items[1:])
    drop_leaves(path, first, 3)
    ranges = json.loads((path / "range.json").read_text())
    ranges["pages"][str(first)].update(first_seq=4, prev_hash=items[0]["hash"])
    (path / "range.json").write_text(json.dumps(ranges))

    # The proven record before the run is seq 2: seq 3 is missing between them.
    assert problems(verify_bundle(path)) == [(first, 3, "removed")]


def test_the_last_record_deleted_with_its_leaves_and_the_run_moved_is_named(exported):
    path, first = exported
    file = records_file(path, first)
    write_lines(file, read_lines(file)[:-1])
    drop_leaves(path, first, 5)
    ranges = json.loads((path / "range.json").read_text())
    ranges["pages"][str(first)]["last_seq"] = 4
    (path / "range.json").write_text(json.dumps(ranges))

    assert problems(verify_bundle(path)) == [(first, 5, "removed")]


def test_a_record_inserted_after_the_run_is_named(exported):
    path, first = exported
    file = records_file(path, first)
    items = read_lines(file)
    fake = dict(items[1]["record"], seq=6, value=2000)
    # Chained properly: only the log can tell.
    items.append(
        {
            "record": fake,
            "prev_hash": items[-1]["hash"],
            "hash": chain.link_hash(items[-1]["hash"], fake),
        }
    )
    write_lines(file, items)

    assert (first, 6, "inserted") in problems(verify_bundle(path))


def test_a_record_inserted_inside_the_run_is_named(exported):
    path, first = exported
    file = records_file(path, first)
    items = read_lines(file)
    fake = dict(items[0]["record"], value=2000)
    items.insert(1, {"record": fake, "prev_hash": items[0]["hash"], "hash": ""})
    write_lines(file, items)

    found = problems(verify_bundle(path))
    assert found and all(page == first for page, _, _ in found)
    assert {seq for _, seq, _ in found} <= {3}


def test_reordered_records_are_named(exported):
    path, first = exported
    file = records_file(path, first)
    items = read_lines(file)
    items[0], items[1] = items[1], items[0]
    write_lines(file, items)

    assert problems(verify_bundle(path)) == [(first, 3, "reordered")]


def test_an_edited_annotation_is_named(exported):
    path, _ = exported
    file = path / "log" / "documents.jsonl"
    [item] = read_lines(file)
    item["leaf"] = item["leaf"].replace("new prices", "old prices")
    write_lines(file, [item])

    report = verify_bundle(path)
    assert [p.what for p in report.problems] == ["changed"]
    assert f"annotation {item['id']}" in report.problems[0].detail


def test_records_newer_than_the_last_checkpoint_are_listed_as_not_covered(polled, tmp_path):
    first = polled[0]
    history.record_count(first, Count(940), minutes(45))
    logged()  # in the log, but no checkpoint signed since
    path = tmp_path / "late"
    bundle.export(path, pages=[first], window=Window(minutes(38), minutes(50)))

    report = verify_bundle(path)
    assert report.ok, report.problems
    assert report.uncovered == [f"page {first.pk} seq 9"]
    assert any("not covered yet" in note for note in report.notes)


def test_a_range_without_public_records_is_refused(polled, tmp_path):
    with pytest.raises(BundleError, match="no public record falls between"):
        bundle.export(tmp_path / "empty", window=Window(minutes(500), minutes(600)))


def test_a_range_that_ends_before_it_starts_is_refused():
    with pytest.raises(BundleError, match="ends .* before it starts"):
        Window(minutes(10), minutes(5))


def test_the_commands_export_and_verify_a_range(polled, tmp_path):
    out = io.StringIO()
    target = str(tmp_path / "r.zip")
    since, until = "2016-02-26T22:12:00Z", "2016-02-26T22:27:00Z"
    call_command("export", "--evidence", target, "--since", since, "--until", until, stdout=out)
    assert "2 page(s), 6 record(s), 1 annotation(s) and review(s)" in out.getvalue()

    out = io.StringIO()
    call_command("verify", target, stdout=out)
    assert "The bundle covers 2016-02-26T22:12:00.000000Z to 2016-02-26T22:27:00" in (
        out.getvalue()
    )
    assert "checks out" in out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "--since 'yesterday' is not an ISO 8601 time"),
        (["--since", "2016-02-26T22:12:00"], "needs a time zone"),
        (["--since", "2016-02-26T22:27:00Z", "--until", "2016-02-26T22:12:00Z"], "before it"),
        (["--until", "2016-02-26T22:12:00Z"], "Give --since"),
    ],
)
def test_bad_times_get_a_clear_message_and_write_nothing(polled, tmp_path, args, message):
    target = tmp_path / "r.zip"
    with pytest.raises(CommandError, match=message):
        call_command("export", "--evidence", str(target), *args)
    assert not target.exists()


def test_a_range_needs_an_evidence_bundle(polled):
    with pytest.raises(CommandError, match="add --evidence"):
        call_command("export", "--since", "2016-02-26T22:12:00Z")


def test_a_checkpoint_kept_from_the_end_of_the_range_is_proven_consistent(polled, tmp_path):
    from likewatch.evidence.models import Checkpoint

    kept = Checkpoint.objects.filter(created_at__lte=RANGE.until).order_by("-size").first()
    path = tmp_path / "range"
    bundle.export(path, window=RANGE)
    consistency = read_lines(path / "log" / "consistency.jsonl")
    # The newest checkpoint signed by the range's end, and the first one after it.
    sizes = [item["old"] for item in consistency]
    assert len(sizes) == 2 and sizes[0] == kept.size < sizes[1]

    report = verify_bundle(path, held=[checkpoints.full_note(kept)])
    assert report.ok, report.problems
    assert not any("no consistency proof" in note for note in report.notes)


def test_a_whole_bundle_proves_consistency_from_the_newest_checkpoints_and_one_a_day(
    polled, tmp_path, monkeypatch
):
    from likewatch.evidence.models import Checkpoint

    monkeypatch.setattr(bundle, "WHOLE_RECENT", 2)
    path = tmp_path / "whole"
    bundle.export(path)
    sizes = [item["old"] for item in read_lines(path / "log" / "consistency.jsonl")]
    older = list(Checkpoint.objects.order_by("-size").values_list("size", flat=True))[1:]
    # All nine rounds fall on one day: its last before the two newest, then those two.
    assert sizes == [older[2], older[1], older[0]]
    assert verify_bundle(path).ok


def test_the_checkpoints_timestamp_travels_with_the_bundle(polled, tmp_path):
    from likewatch.evidence.models import Checkpoint

    newest = checkpoints.latest()
    Checkpoint.objects.filter(pk=newest.pk).update(timestamp_token=b"\x30\x03\x02\x01\x01")
    path = tmp_path / "stamped"
    bundle.export(path, window=RANGE)
    assert (path / "log" / "checkpoint.tsr").read_bytes() == b"\x30\x03\x02\x01\x01"
    # That token is not one (a real one is checked in test_timestamps.py): verify says so.
    report = verify_bundle(path)
    assert not report.ok
    assert any("RFC 3161 timestamp" in str(p) and "decoded" in str(p) for p in report.problems)
