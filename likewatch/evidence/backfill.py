"""Putting an existing database's history into the transparency log (run by a migration).

Every page's records become leaves in chain order (a sealed span: its `span-open` and `span`
leaves; an open span: its `span-open` leaf; a failure: its `failure` leaf), then one
`legacy-chain` document leaf per page records the old per-record chain's last hash. The old
chain is a function of the records (likewatch.tracking.chain), so that one logged hash keeps
every old hash checkable, and the daily digests signed before the log existed too, even once
the per-record hash columns are gone.

Written against the migration's historical models, with the pure leaf and Merkle code.
"""

from __future__ import annotations

import hashlib

from django.utils import timezone

from likewatch.evidence import leaves, merkle
from likewatch.evidence.leaves import DOCUMENT, FAILURE, OPEN, SPAN, Ref
from likewatch.tracking import chain

TILE = 256


def legacy_chain_leaf(commitment: str, seq: int, head_hash: str) -> bytes:
    return chain.canonical_bytes(
        {"type": "legacy-chain", "page": commitment, "seq": seq, "hash": head_hash}
    )


def run(apps, schema_editor=None) -> int:
    Page = apps.get_model("tracking", "Page")
    Observation = apps.get_model("tracking", "Observation")
    FetchFailure = apps.get_model("tracking", "FetchFailure")
    PageSalt = apps.get_model("evidence", "PageSalt")
    LogState = apps.get_model("evidence", "LogState")
    LogTile = apps.get_model("evidence", "LogTile")
    LogDocument = apps.get_model("evidence", "LogDocument")
    state, _ = LogState.objects.get_or_create(pk=1)
    if state.size:
        return 0  # the log already exists: nothing to bring in
    now = timezone.now()
    frontier: list[bytes] = []
    size = 0
    refs: list[Ref] = []
    times: list = []
    tile_hashes: dict[int, bytes] = {}
    documents = []

    def add(ref: Ref, data: bytes, at) -> None:
        nonlocal frontier, size
        times.append(at)
        frontier, completed = merkle.append_leaf(frontier, size, merkle.leaf_hash(data))
        for level, index, node in completed:
            if level == 8:
                tile_hashes[index] = node
        refs.append(ref)
        size += 1

    for page in Page.objects.order_by("pk"):
        salt = leaves.new_salt()
        name = leaves.commitment(salt, page.platform, page.platform_id, page.metric)
        PageSalt.objects.create(page_id=page.pk, salt=salt, commitment=name)
        records = [(r["seq"], SPAN, r) for r in Observation.objects.filter(page=page).values()]
        records += [(r["seq"], FAILURE, r) for r in FetchFailure.objects.filter(page=page).values()]
        last_sealed = (0, "")
        for seq, kind, row in sorted(records, key=lambda r: r[0]):
            if kind == SPAN:
                add(Ref(OPEN, page.pk, seq), leaves.leaf_bytes(OPEN, name, row), row["first_seen"])
                if row["hash"]:
                    add(
                        Ref(SPAN, page.pk, seq),
                        leaves.leaf_bytes(SPAN, name, row),
                        row["last_seen"],
                    )
            else:
                add(Ref(FAILURE, page.pk, seq), leaves.leaf_bytes(FAILURE, name, row), row["at"])
            if row["hash"]:
                last_sealed = (seq, row["hash"])
        if records:
            body = legacy_chain_leaf(name, *last_sealed)
            documents.append((size, page.pk, body))
            add(Ref(DOCUMENT), body, now)
    for number in range(0, (size + TILE - 1) // TILE):
        chunk = refs[number * TILE : (number + 1) * TILE]
        moments = times[number * TILE : (number + 1) * TILE]
        LogTile.objects.create(
            index=number,
            count=len(chunk),
            hash=tile_hashes.get(number),
            refs=leaves.encode_refs(chunk),
            first_at=min(moments),
            last_at=max(moments),
        )
    for leaf, page_id, body in documents:
        LogDocument.objects.create(
            kind="legacy-chain",
            object_id=page_id,
            body=body.decode(),
            sha256=hashlib.sha256(body).hexdigest(),
            leaf=leaf,
        )
    state.size = size
    state.frontier = b"".join(frontier)
    state.updated_at = now
    state.save()
    return size
