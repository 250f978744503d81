"""Tampering with the history, each way a sceptical journalist would try it, is caught and named.

The history is written the way the poller writes it: a round, then a signed checkpoint. Each
test then tampers with the database directly (as an operator with full access could) and
checks what `verify` or a witness says.
"""

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from likewatch.evidence import audit, checkpoints, log, merkle, note, raw, witness
from likewatch.evidence.models import Checkpoint, LogDocument, LogState, LogTile
from likewatch.evidence.verify import Report
from likewatch.sources.base import Count
from likewatch.sources.errors import Transient
from likewatch.tracking import chain, history, records
from likewatch.tracking.models import Observation, Page

from .conftest import logged, minutes

pytestmark = pytest.mark.django_db

VALUES = [1000, 990, 985, 985, 970, None, 960, 955, 950]


@pytest.fixture
def polled(signing_key):
    """Two pages polled nine rounds (a failure in round six), a checkpoint after each round."""
    pages = [
        Page.objects.create(platform="facebook", platform_id=str(n), metric="likes") for n in (1, 2)
    ]
    for n, value in enumerate(VALUES):
        entries = [
            history.Entry(
                page,
                Count(value + 7 * i) if value is not None else Transient("timeout"),
                minutes(5 * n),
            )
            for i, page in enumerate(pages)
        ]
        history.record_batch(entries)
        checkpoints.make(now=minutes(5 * n), ask_witnesses=False)
    return pages


def log_problems(**options):
    report = Report()
    audit.check_database(report, **options)
    return report, [(p.page, p.seq, p.what) for p in report.problems]


def test_an_untouched_history_checks_out_and_every_record_is_covered(polled):
    report, found = log_problems()
    assert found == []
    assert report.uncovered == []
    assert report.checkpoint_size == LogState.objects.get().size


def test_an_edited_sealed_value_is_named_with_the_round_that_wrote_it(polled):
    first, second = polled
    Observation.objects.filter(page=first, seq=2).update(value=991)
    report, found = log_problems()
    assert found == [(None, None, "changed")]
    # The round that wrote it: both pages' new spans and the spans they sealed.
    assert "one of the records 1#1, 1#2, 2#1, 2#2 " in report.problems[0].detail.replace(
        str(first.pk) + "#", "1#"
    ).replace(str(second.pk) + "#", "2#")


def test_an_edited_value_is_named_exactly_when_its_round_wrote_only_it(signing_key):
    page = Page.objects.create(platform="facebook", platform_id="9", metric="likes")
    for n, value in enumerate([100, 101, 102]):
        history.record_count(page, Count(value), minutes(n))
        checkpoints.make(now=minutes(n), ask_witnesses=False)
    Observation.objects.filter(page=page, seq=1).update(value=99)
    _, found = log_problems()
    assert found == [(page.pk, 1, "changed")]


def test_an_edited_open_value_is_named(polled):
    first, second = polled
    head = Observation.objects.filter(page=first).order_by("-seq").first()
    Observation.objects.filter(pk=head.pk).update(value=head.value + 1)
    report, found = log_problems()
    assert found == [(None, None, "changed")]
    assert f"{first.pk}#{head.seq}" in report.problems[0].detail


def test_a_deleted_record_is_named(polled):
    _, second = polled
    Observation.objects.filter(page=second, seq=3).delete()
    _, found = log_problems()
    assert (second.pk, 3, "removed") in found
    assert {what for _, _, what in found} <= {"removed", "changed"}


def test_an_inserted_record_is_named(polled):
    first, _ = polled
    last = first.observations.order_by("-seq").first()
    # Backdated: slipped in after the checkpoints that followed its time were signed.
    Observation.objects.create(
        page=first,
        seq=last.seq + 1,
        value=400,
        first_seen=minutes(12),
        last_seen=minutes(12),
        prev_hash="",
    )
    report, found = log_problems()
    assert (first.pk, last.seq + 1, "inserted") in found


def test_reordered_records_are_named(polled):
    first, _ = polled
    a = Observation.objects.get(page=first, seq=2)
    b = Observation.objects.get(page=first, seq=3)
    Observation.objects.filter(pk=a.pk).update(seq=999)
    Observation.objects.filter(pk=b.pk).update(seq=2)
    Observation.objects.filter(pk=a.pk).update(seq=3)
    _, found = log_problems()
    assert (first.pk, 3, "reordered") in found


def test_a_new_record_not_yet_checkpointed_is_listed_not_blamed(polled):
    first, _ = polled
    history.record_count(first, Count(1), minutes(60))
    logged()
    report, found = log_problems()
    assert found == []
    # The new span, and the span it sealed (its final state is not signed yet either).
    assert report.uncovered == [
        f"page {first.pk} seq {first.last_seq - 1}",
        f"page {first.pk} seq {first.last_seq}",
    ]


def rewrite_everything(page, seq, value):
    """The operator edits a value, rebuilds the whole log and re-signs it with the site's key."""
    Observation.objects.filter(page=page, seq=seq).update(value=value)
    Checkpoint.objects.all().delete()
    LogTile.objects.all().delete()
    LogDocument.objects.all().delete()
    LogState.objects.all().delete()
    records = sorted(
        [(r.page_id, r.seq, r) for r in Observation.objects.all()]
        + [(r.page_id, r.seq, r) for r in history.FetchFailure.objects.all()],
        key=lambda t: (t[0], t[1]),
    )
    for _, _, record in records:
        if isinstance(record, Observation):
            sealed = [record] if record.hash else []
            log.append_history(opened=[record], sealed=sealed)
        else:
            log.append_history(failures=[record])
    checkpoint, _ = checkpoints.make(ask_witnesses=False)
    return checkpoint


def test_a_history_rewritten_and_resigned_is_caught_by_a_checkpoint_a_reader_kept(polled):
    first, _ = polled
    kept = checkpoints.full_note(checkpoints.latest())  # a reader saved it from the site
    rewrite_everything(first, 2, 991)

    assert log_problems()[1] == []  # self-consistent: the database alone cannot tell
    _, found = log_problems(held=[kept])
    assert found == [(None, None, "rewritten")]


def test_a_history_rewritten_and_resigned_is_refused_by_a_witness(polled, settings, tmp_path):
    first, _ = polled
    settings.LIKEWATCH_WITNESS_KEY = tmp_path / "witness.pem"
    settings.LIKEWATCH_WITNESS_NAME = "witness.test/w1"
    witness.ensure_key()
    witness.trust(checkpoints.verifier().vkey)
    # The witness (here in the same database, as its own table) cosigns the honest log...
    honest = checkpoints.latest()
    answer = witness.add_checkpoint(witness.request_body(0, honest))
    assert answer.status == 200
    # ...and refuses the rewritten one, whatever consistency proof the log sends.
    rewritten = rewrite_everything(first, 2, 991)
    answer = witness.add_checkpoint(witness.request_body(honest.size, rewritten))
    assert answer.status == 422
    assert "fork" in answer.body or "not consistent" in answer.body


def test_a_fork_is_caught_by_two_readers_comparing_and_by_a_witness(polled, settings, tmp_path):
    first, _ = polled
    shown_to_a = checkpoints.full_note(checkpoints.latest())
    # Reader B is shown a history with one value changed, signed with the same key.
    size, root = log.root()
    forged_root = merkle.node_hash(root, b"\x00" * 32)
    text = note.Checkpoint(checkpoints.origin(), size, forged_root).text
    shown_to_b = str(note.Note(text, [note.sign(text, checkpoints.signer())]))

    _, found = log_problems(held=[shown_to_a, shown_to_b])
    assert (None, None, "fork") in found

    settings.LIKEWATCH_WITNESS_KEY = tmp_path / "witness.pem"
    settings.LIKEWATCH_WITNESS_NAME = "witness.test/w1"
    witness.ensure_key()
    witness.trust(checkpoints.verifier().vkey)
    assert witness.add_checkpoint(b"old 0\n\n" + shown_to_a.encode()).status == 200
    refused = witness.add_checkpoint(f"old {size}\n\n".encode() + shown_to_b.encode())
    assert refused.status == 422
    assert "fork" in refused.body


def test_a_witness_follows_the_protocol_on_bad_requests(polled, settings, tmp_path):
    settings.LIKEWATCH_WITNESS_KEY = tmp_path / "witness.pem"
    settings.LIKEWATCH_WITNESS_NAME = "witness.test/w1"
    witness.ensure_key()
    newest = checkpoints.latest()
    # Unknown log: 404.
    assert witness.add_checkpoint(witness.request_body(0, newest)).status == 404
    witness.trust(checkpoints.verifier().vkey)
    assert witness.add_checkpoint(b"nonsense").status == 400
    # Not signed by the trusted key: 403.
    stranger = note.Signer(checkpoints.origin(), note.ED25519, Ed25519PrivateKey.generate())
    text = note.parse(newest.note).text
    unsigned = str(note.Note(text, [note.sign(text, stranger)])).encode()
    assert witness.add_checkpoint(b"old 0\n\n" + unsigned).status == 403
    # Old size above the new one: 400.
    assert witness.add_checkpoint(witness.request_body(newest.size + 1, newest)).status == 400
    ok = witness.add_checkpoint(witness.request_body(0, newest))
    assert ok.status == 200 and ok.body.startswith("\u2014 witness.test/w1 ")
    # The wrong old size: 409 with the size it holds.
    conflict = witness.add_checkpoint(witness.request_body(0, newest))
    assert (conflict.status, conflict.body, conflict.content_type) == (
        409,
        f"{newest.size}\n",
        "text/x.tlog.size",
    )
    # A consistency proof that does not verify: 422.
    older = Checkpoint.objects.order_by("size").first()
    body = witness.request_body(older.size, newest).decode()
    lines = body.split("\n")
    lines[1] = base64.b64encode(b"\x01" * 32).decode()
    settings_size = witness.add_checkpoint("\n".join(lines).encode())
    assert settings_size.status in (409, 422)


def test_verify_names_a_rewrite_from_the_command_line(polled, tmp_path, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    first, second = polled
    kept = tmp_path / "kept.txt"
    kept.write_text(checkpoints.full_note(checkpoints.latest()))
    call_command("verify", "--database", "--page", f"#{second.pk}", "--since", "2016-02-26T22:10Z")
    assert "checks out" in capsys.readouterr().out
    rewrite_everything(first, 2, 991)
    with pytest.raises(CommandError, match="does NOT check out"):
        call_command("verify", "--database", "--checkpoint", str(kept))
    assert "rewritten" in capsys.readouterr().out


# Naming the record after a rewrite, from the platform's answers kept -----------------------


def graph_answer(values: dict[str, int]) -> bytes:
    """A Graph API batch answer, as the platform sent it for a round of both pages."""
    return json.dumps(
        {pid: {"id": pid, "fan_count": v, "followers_count": v} for pid, v in values.items()}
    ).encode()


@pytest.fixture
def polled_with_answers(signing_key):
    """`polled`, with each round's platform answer kept (one batch answer for both pages)."""
    pages = [
        Page.objects.create(platform="facebook", platform_id=str(n), metric="likes") for n in (1, 2)
    ]
    for n, value in enumerate(VALUES):
        counts = {p.platform_id: (value or 0) + 7 * i for i, p in enumerate(pages)}
        body = graph_answer(counts) if value is not None else None
        entries = [
            history.Entry(
                page,
                Count(counts[page.platform_id]) if value is not None else Transient("timeout"),
                minutes(5 * n),
                raw=body,
            )
            for page in pages
        ]
        history.record_batch(entries)
        checkpoints.make(now=minutes(5 * n), ask_witnesses=False)
    return pages


def rechain(page):
    """Recompute the tail's chain hashes after an edit, as a careful operator would."""
    prev = chain.GENESIS
    for row in Observation.objects.filter(page=page).order_by("seq"):
        if row.hash:
            digest = chain.link_hash(prev, records.as_record(row).form())
            Observation.objects.filter(pk=row.pk).update(prev_hash=prev, hash=digest)
            prev = digest


def test_an_edited_value_is_named_exactly_by_the_platform_answer_kept_for_it(polled_with_answers):
    first, second = polled_with_answers
    Observation.objects.filter(page=first, seq=2).update(value=991)  # the platform said 990
    rechain(first)

    report, found = log_problems()
    assert found == [(first.pk, 2, "changed")]
    detail = report.problems[0].detail
    assert "its value disagrees with the platform's answer kept at 2016-02-26T22:05:00" in detail
    assert "the record says 991, the answer 990" in detail


def test_the_answers_name_the_record_in_packed_blocks_too(polled_with_answers):
    first, _ = polled_with_answers
    raw.pack(force=True)
    Observation.objects.filter(page=first, seq=3).update(value=1)

    _, found = log_problems()
    assert found == [(first.pk, 3, "changed")]


def test_without_answers_kept_the_round_is_named_and_the_reason_given(polled_with_answers):
    first, _ = polled_with_answers
    raw.prune(now=minutes(60 * 24 * 400))
    Observation.objects.filter(page=first, seq=2).update(value=991)

    report, found = log_problems()
    assert found == [(None, None, "changed")]
    assert f"{first.pk}#2" in report.problems[0].detail
    assert "no platform answer is kept for them" in report.problems[0].detail


def test_a_change_the_answers_do_not_hold_is_not_pinned_on_a_record(polled_with_answers):
    first, _ = polled_with_answers
    Observation.objects.filter(page=first, seq=2).update(fetches=5)

    report, found = log_problems()
    assert found == [(None, None, "changed")]
    assert "each agrees in value and time with the platform's answer" in report.problems[0].detail


def test_a_rewrite_resigned_is_caught_by_a_kept_checkpoint_and_the_answers_name_the_record(
    polled_with_answers,
):
    first, _ = polled_with_answers
    kept = checkpoints.full_note(checkpoints.latest())
    rewrite_everything(first, 2, 991)

    assert log_problems()[1] == []  # self-consistent: the database alone cannot tell
    report, found = log_problems(held=[kept])
    assert found == [(None, None, "rewritten"), (first.pk, 2, "changed")]
    assert "the record says 991, the answer 990" in report.problems[1].detail


def test_a_log_rebuilt_but_not_resigned_names_the_record_from_the_answers(polled_with_answers):
    first, _ = polled_with_answers
    signed = list(Checkpoint.objects.all())
    rewrite_everything(first, 2, 991)
    Checkpoint.objects.all().delete()
    Checkpoint.objects.bulk_create(signed)  # the site's old signatures, still published

    report, found = log_problems()
    assert (first.pk, 2, "changed") in found
    assert {what for _, _, what in found} == {"changed"}
    # Nothing else is blamed: the other records agree with their answers.
    assert [(p, s) for p, s, _ in found if p is not None] == [(first.pk, 2)]
