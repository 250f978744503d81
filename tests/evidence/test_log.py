"""The transparency log's store: every record is a leaf, rebuilt from the history on demand."""

import pytest

from likewatch.evidence import leaves, log, merkle
from likewatch.evidence.models import LogState, LogTile
from likewatch.sources.base import Count
from likewatch.sources.errors import Transient
from likewatch.tracking import history
from likewatch.tracking.models import Page

from .conftest import logged, minutes

pytestmark = pytest.mark.django_db


def all_leaves(size):
    tree = log.Tree(size, trust_tiles=False)
    return [tree.leaf(i) for i in range(size)]


def test_each_record_is_a_leaf_when_written_and_another_when_sealed(history):
    telecom, meditel = history
    size = LogState.objects.get().size
    refs = log.tile_refs(0)
    telecom_refs = [(r.kind, r.seq) for r in refs if r.page == telecom.pk]
    # Six fetches made four spans (1000, 990, 985, 970), a failure, then 960 and 955 (open).
    assert telecom_refs == [
        (leaves.OPEN, 1),
        (leaves.SPAN, 1),
        (leaves.OPEN, 2),
        (leaves.SPAN, 2),
        (leaves.OPEN, 3),
        (leaves.SPAN, 3),
        (leaves.OPEN, 4),
        (leaves.SPAN, 4),
        (leaves.FAILURE, 5),
        (leaves.OPEN, 6),
        (leaves.SPAN, 6),
        (leaves.OPEN, 7),
    ]
    assert size == len(refs)
    # The stored right edge is the root of the leaves rebuilt from the history.
    assert log.root()[1] == merkle.root_from_leaves(all_leaves(size))


def test_a_stable_page_adds_no_leaf(history):
    telecom, _ = history
    from likewatch.tracking import history

    before = LogState.objects.get().size
    for n in range(10):
        history.record_count(telecom, Count(955), minutes(41 + n))
    assert LogState.objects.get().size == before


def test_proofs_from_the_store_match_an_in_memory_tree_across_tiles(db):
    pages = [
        Page.objects.create(platform="facebook", platform_id=str(i), metric="likes")
        for i in range(7)
    ]
    for n in range(60):  # 7 pages x 60 rounds, every value new: > 600 leaves, 3 tiles
        entries = [
            history.Entry(p, Count(1000 + n * 3 + i) if n % 11 else Transient("x"), minutes(n))
            for i, p in enumerate(pages)
        ]
        history.record_batch(entries)
    logged()
    size = LogState.objects.get().size
    assert size > 2 * log.TILE
    assert LogTile.objects.filter(hash__isnull=False).count() == size // log.TILE
    hashes = all_leaves(size)
    in_memory = merkle.list_hash_range(hashes)
    tree = log.Tree(size)
    assert tree.root() == merkle.root_from_leaves(hashes) == log.root()[1]
    for index in (0, 1, 255, 256, 300, size - 1):
        path = tree.inclusion(index)
        assert path == merkle.inclusion_proof(index, size, in_memory)
        merkle.verify_inclusion(index, size, hashes[index], path, tree.root())
    for old in (1, 255, 256, 257, 512, size - 1):
        proof = tree.consistency(old)
        merkle.verify_consistency(old, size, log.root(old)[1], tree.root(), proof)


def test_a_record_is_found_by_its_leaves(history):
    telecom, _ = history
    found = log.find_leaves(telecom.pk, 3, minutes(10))
    assert set(found) == {leaves.OPEN, leaves.SPAN}
    tree = log.Tree(LogState.objects.get().size)
    assert b'"seq":3' in tree.record(found[leaves.SPAN])
    assert b'"type":"span"' in tree.record(found[leaves.SPAN])


def test_a_leaf_names_its_page_by_a_salted_commitment_only(history):
    telecom, _ = history
    tree = log.Tree(LogState.objects.get().size)
    data = tree.record(0)
    assert b"facebook" not in data and b"platform" not in data
    salt = log.salt(telecom.pk)
    name = leaves.commitment(salt, "facebook", "1", "likes")
    assert f'"page":"{name}"'.encode() in data


def test_a_round_of_a_thousand_pages_is_logged(db):
    # One query per few hundred pages: SQLite refuses an OR of a thousand terms.
    pages = Page.objects.bulk_create(
        [Page(platform="facebook", platform_id=str(i), metric="likes") for i in range(1000)]
    )
    history.record_batch([history.Entry(p, Count(10 + p.pk), minutes(0)) for p in pages])
    logged()
    assert LogState.objects.get().size == 1000
    assert log.Tree(1000, trust_tiles=False).root() == log.root()[1]


def test_a_round_delivered_live_is_logged_from_the_rows_in_hand(
    db, django_capture_on_commit_callbacks, monkeypatch
):
    """The writer's delivery hands the log the rows it wrote: nothing is read back, and the
    leaves are the ones a verifier rebuilds from the history."""
    from likewatch.evidence import consumer
    from likewatch.sources.errors import RateLimited

    consumer.catch_up()  # the log's cursor, as a running deployment has it
    pages = [
        Page.objects.create(platform="facebook", platform_id=str(i), metric="likes")
        for i in range(3)
    ]
    read_back = []
    real_rows = log._rows
    monkeypatch.setattr(log, "_rows", lambda refs: read_back.extend(refs) or real_rows(refs))
    rounds = [
        [history.Entry(p, Count(100 + p.pk), minutes(0)) for p in pages],
        # A span extended, a span sealed by a new value, a page read twice in one round, and a
        # failure with a retry time.
        [
            history.Entry(pages[0], Count(100 + pages[0].pk), minutes(1)),
            history.Entry(pages[1], Count(7), minutes(1)),
            history.Entry(pages[2], Count(8), minutes(1)),
            history.Entry(pages[2], Count(9), minutes(1.5)),
        ],
        [history.Entry(pages[1], RateLimited("slow down", retry_at=minutes(9)), minutes(2))],
    ]
    for entries in rounds:
        with django_capture_on_commit_callbacks(execute=True):
            history.record_batch(entries)

    assert read_back == []
    size = LogState.objects.get().size
    # 3 opened; then page 1 sealed+opened, page 2 sealed+opened+sealed+opened; then page 1's
    # span sealed and its failure.
    assert size == 3 + 2 + 4 + 2
    assert log.root()[1] == merkle.root_from_leaves(all_leaves(size))
