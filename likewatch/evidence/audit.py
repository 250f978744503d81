"""Checking the transparency log: the database against its tiles and checkpoints, a bundle's
leaves against its checkpoint, and both against checkpoints a reader kept.

What each tampering looks like, and how it is named:

- a record **changed** (or two swapped): its leaf, rebuilt from the history, no longer hashes
  to the tile's stored hash and the checkpoints signed since; the checkpoints signed inside
  that tile narrow it to the round that wrote it, usually the record itself;
- a record **removed**: a leaf names a record that is not there;
- a record **inserted**: a record with no leaf, older than checkpoints signed after it;
- records **reordered**: a page's records out of time order (and their leaves changed);
- everything **rewritten** and re-signed with the site's key: self-consistent, but not with a
  checkpoint the reader kept (`--checkpoint FILE`) nor with a witness's cosignature;
- a **fork** (two readers shown two histories): two checkpoints that are not consistent.

Records written since the newest checkpoint are listed as not covered yet: they will be
after the next round.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Max, Min

from likewatch.evidence import checkpoints, leaves, log, merkle, note
from likewatch.evidence.leaves import DOCUMENT, FAILURE, OPEN, Ref
from likewatch.evidence.models import Checkpoint, LogDocument
from likewatch.evidence.verify import (
    CHANGED,
    FORK,
    FORMAT,
    INSERTED,
    REMOVED,
    REORDERED,
    REWRITTEN,
    SIGNATURE,
    Problem,
    Report,
)
from likewatch.tracking import chain
from likewatch.tracking import records as history_records
from likewatch.tracking.models import Page, Provenance

MISSING = b"\x00" * 32
# A record this much older than a checkpoint yet not in the log was slipped in afterwards.
LATE = timedelta(minutes=5)


def _verifier(vkey: str | None) -> note.Verifier | None:
    if vkey:
        return note.Verifier.parse(vkey)
    return checkpoints.verifier()


def _open_held(
    texts: Iterable[str], verifier: note.Verifier | None, report: Report
) -> list[note.Checkpoint]:
    held = []
    for text in texts:
        try:
            if verifier is None:
                raise note.NoteError("no log key to check it with (give --log-key)")
            checkpoint, _ = note.open_checkpoint(text, verifier)
        except note.NoteError as exc:
            report.problems.append(Problem(None, None, SIGNATURE, f"held checkpoint: {exc}"))
            continue
        held.append(checkpoint)
    by_size: dict[int, note.Checkpoint] = {}
    for checkpoint in held:
        other = by_size.setdefault(checkpoint.size, checkpoint)
        if other.root != checkpoint.root:
            report.problems.append(
                Problem(
                    None,
                    None,
                    FORK,
                    f"two checkpoints of {checkpoint.size} records, both signed by the log, "
                    "with different root hashes: the log showed two different histories",
                )
            )
    return held


# The database -----------------------------------------------------------------------------


def check_database(
    report: Report,
    pages: set[int] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    held: Iterable[str] = (),
    log_key: str | None = None,
) -> None:
    """Check the log against the history (see the module docstring); adds to `report`."""
    state = log.state()
    size = state.size
    verifier = _verifier(log_key)
    stored = list(Checkpoint.objects.order_by("size"))
    report.checkpoint_size = stored[-1].size if stored else 0

    def wanted(page: int | None) -> bool:
        return pages is None or page is None or page in pages

    # 1. Every leaf rebuilt from the history; full tiles against their stored hash, the
    # partial last tile against the stored right edge.
    frontier: list[bytes] = []
    logged: dict[tuple[int, int], set[int]] = {}
    bad_tiles = []
    roots_at: dict[int, bytes] = {}
    sizes = {c.size for c in stored}
    refs: list = []
    for number in range((size + log.TILE - 1) // log.TILE):
        refs = log.tile_refs(number)
        hashes = []
        for offset, ref in enumerate(refs):
            index = number * log.TILE + offset
            try:
                data = log.rebuild([ref], index)[0]
                hashes.append(merkle.leaf_hash(data))
            except log.RecordMissing:
                hashes.append(MISSING)
                if wanted(ref.page):
                    report.problems.append(
                        Problem(
                            ref.page,
                            ref.seq,
                            REMOVED,
                            f"the log holds it (leaf {index}, {leaves.KIND_NAMES[ref.kind]}) "
                            "but the history does not",
                        )
                    )
            if ref.kind != DOCUMENT:
                logged.setdefault((ref.page, ref.seq), set()).add(ref.kind)
                if index >= report.checkpoint_size and wanted(ref.page):
                    name = f"page {ref.page} seq {ref.seq}"
                    if name not in report.uncovered:
                        report.uncovered.append(name)
            frontier, _ = merkle.append_leaf(frontier, index, hashes[-1])
            if index + 1 in sizes:
                roots_at[index + 1] = merkle.frontier_root(frontier)
        report.leaves += len(refs)
        if len(refs) == log.TILE:
            stored_hash = log.Tree(size).stored_tile(number)
            if stored_hash is None or merkle.root_from_leaves(hashes) != stored_hash:
                bad_tiles.append((number, refs))
    tail = size % log.TILE
    if tail:
        # The right edge's subtrees below the tile height are the partial tile's.
        levels = merkle.frontier_levels(size)
        stored_edge = log._split(state.frontier)
        low = [h for h, level in zip(frontier, levels, strict=False) if level < log.TILE_HEIGHT]
        kept = [h for h, level in zip(stored_edge, levels, strict=False) if level < log.TILE_HEIGHT]
        if low != kept:
            bad_tiles.append((size // log.TILE, refs))
    if merkle.frontier_root(frontier) != log.root()[1] and not bad_tiles:
        report.problems.append(
            Problem(None, None, CHANGED, "the leaves rebuilt from the history do not give the root")
        )
    for number, tile in bad_tiles:
        report.problems += _name_changed(number, tile, stored, wanted)
    # 2. The checkpoints: signed by the log's key, and their roots those of the history.
    first_bad, last_good = None, 0
    for checkpoint in stored:
        try:
            if verifier is None:
                raise note.NoteError("there is no log key to check it with")
            opened, _ = note.open_checkpoint(checkpoint.note, verifier)
            if opened.size != checkpoint.size or opened.root != bytes(checkpoint.root):
                raise note.NoteError("its signed text is not its size and root")
        except note.NoteError as exc:
            report.problems.append(
                Problem(None, None, SIGNATURE, f"checkpoint {checkpoint.size}: {exc}")
            )
            continue
        if roots_at.get(checkpoint.size) != opened.root and first_bad is None:
            first_bad = checkpoint.size
        elif first_bad is None:
            last_good = checkpoint.size
    if first_bad is not None and not bad_tiles:
        # The leaves up to the last checkpoint that still matches are untouched: the change is
        # in the leaves written between it and the first that does not.
        # Rebuilt, the leaves after it may be in another order: only a record the platform's
        # answers contradict is named, wherever it now is.
        named, why = _name_in_leaves(last_good, size, wanted, since, until)
        report.problems.append(
            Problem(
                None,
                None,
                CHANGED,
                f"the history no longer hashes to checkpoint {first_bad}'s signed root"
                + (f"; {why}" if why else ""),
            )
        )
        report.problems += named
    # 3. Checkpoints the reader kept: the history must still hash to them.
    held_checkpoints = _open_held(held, verifier, report)
    matching = [0]
    for held_checkpoint in sorted(held_checkpoints, key=lambda c: c.size):
        if _check_held(held_checkpoint, size, report, matching[-1], wanted, since, until):
            matching.append(held_checkpoint.size)
    # 4. Records: each in the log, in time order; the newest ones maybe not covered yet.
    _check_records(report, logged, pages, since, until, stored)


def _name_changed(number, refs, stored, wanted) -> list[Problem]:
    start = number * log.TILE
    inside = [c for c in stored if start < c.size <= start + log.TILE]
    low, high = start, start + log.TILE
    previous = start
    for checkpoint in inside:
        if log.Tree(checkpoint.size, lenient=True).root() != bytes(checkpoint.root):
            low, high = previous, checkpoint.size
            break
        previous = checkpoint.size
    window = refs[low - start : high - start]
    suspects = [r for r in window if r.kind != DOCUMENT]
    docs = [low + i for i, r in enumerate(window) if r.kind == DOCUMENT]
    problems = [
        Problem(
            None,
            None,
            CHANGED,
            f"the logged {kind} {object_id} (leaf {leaf}), or a record written with it, no "
            "longer matches what the log signed",
        )
        for kind, object_id, leaf in LogDocument.objects.filter(leaf__in=docs).values_list(
            "kind", "object_id", "leaf"
        )
    ]
    if not suspects:
        return problems
    seen = []
    for ref in suspects:
        if (ref.page, ref.seq) not in [(s.page, s.seq) for s in seen]:
            seen.append(ref)
    if len(seen) == 1 and not problems:
        ref = seen[0]
        if not wanted(ref.page):
            return []
        return [
            Problem(
                ref.page,
                ref.seq,
                CHANGED,
                f"it no longer matches its leaf in the log (leaves {low}-{high - 1}, signed)",
            )
        ]
    # Several records were written in that round: the log keeps no hash per leaf (that would
    # cost 64 bytes a sample), so it can say which round, not which of its records. The
    # platform's answers kept as received, untouched by a rewrite of the history, narrow it
    # to the record(s) whose value the platform never gave; else it names them all in one
    # problem, saying why it cannot do better (a proof or a bundle a reader kept names the one
    # exactly).
    seen = [r for r in seen if wanted(r.page)]
    if not seen:
        return problems
    where = f"leaves {low}-{high - 1}"
    named, why = _against_answers(seen, (number, number), where)
    if named:
        return problems + named
    names = ", ".join(f"{r.page}#{r.seq}" for r in seen[:20])
    more = f" and {len(seen) - 20} more" if len(seen) > 20 else ""
    pages = {r.page for r in seen}
    return problems + [
        Problem(
            pages.pop() if len(pages) == 1 else None,
            None,
            CHANGED,
            f"one of the records {names}{more} (written together, {where}) no longer matches "
            f"what the log signed; {why}",
        )
    ]


def _number(value: int | None) -> str:
    return "hidden" if value is None else f"{value:,}"


def _against_answers(refs: list, tiles: tuple[int, int], where: str) -> tuple[list[Problem], str]:
    """The records among `refs` whose value disagrees with the platform's answer kept for
    them, read again by the page's own source (likewatch.sources.replay); else ([], why no
    record can be named)."""
    from likewatch.evidence import raw
    from likewatch.evidence.models import LogTile
    from likewatch.sources.base import Count
    from likewatch.sources.errors import SourceError
    from likewatch.sources.replay import CannotReplay, reread

    tile = (
        LogTile.objects.filter(index__gte=tiles[0], index__lte=tiles[1])
        .aggregate(first=Min("first_at"), last=Max("last_at"))
        .values()
    )
    tile = tuple(tile) if None not in tile else None
    wanted = {(r.page, r.seq) for r in refs}
    pages = {p.pk: p for p in Page.objects.filter(pk__in={r.page for r in refs})}
    # The tile's time range is the log's, not the records': an answer is found even when the
    # record's own time is what was changed.
    kept = {}
    if tile is not None:
        start, end = tile[0] - LATE, tile[1] + LATE
        kept = raw.answers_for(wanted, {p.platform for p in pages.values()}, start, end)
    spans, fails = log._rows(refs)
    named, agree, unknown = [], [], []
    for page_id, seq in sorted(wanted):
        page, answer = pages.get(page_id), kept.get((page_id, seq))
        record = spans.get((page_id, seq)) or fails.get((page_id, seq))
        if page is None or answer is None or record is None:
            unknown.append((page_id, seq))
            continue
        at, body = answer
        try:
            said: Count | SourceError = reread(
                page.platform, page.platform_id, page.metric, page.options, body
            )
        except SourceError as exc:
            said = exc
        except CannotReplay:
            unknown.append((page_id, seq))
            continue
        is_span = (page_id, seq) in spans
        if isinstance(said, SourceError) == is_span:
            # A span whose answer no longer reads as a count, or a failure whose answer does:
            # the replay may differ from the live read (an answer status not kept, a count the
            # poller refused after reading it), so neither accuses the record.
            unknown.append((page_id, seq))
            continue
        when = chain.iso(at)
        # The answer kept is the one the record was made from: received at the record's time.
        measured = record["first_seen"] if is_span else record["at"]
        if is_span and said.value != record["value"]:
            what = "value"
            detail = f"the record says {_number(record['value'])}, the answer {_number(said.value)}"
        elif measured != at:
            what = "time"
            detail = f"the record says it was measured at {chain.iso(measured)}"
        else:
            agree.append((page_id, seq))
            continue
        named.append(
            Problem(
                page_id,
                seq,
                CHANGED,
                f"its {what} disagrees with the platform's answer kept at {when} ({detail}); "
                f"it was written with the records of {where}, whose signed hash no longer matches",
            )
        )
    if named:
        if unknown:
            rest = ", ".join(f"{p}#{s}" for p, s in unknown[:20])
            named[-1] = Problem(
                named[-1].page,
                named[-1].seq,
                CHANGED,
                named[-1].detail + f" (of the same round, {rest} have no answer to check against)",
            )
        return named, ""
    if not kept:
        why = (
            "no platform answer is kept for them (answers are kept "
            "LIKEWATCH_RAW_RETENTION_DAYS days), so nothing independent of the history says which"
        )
    elif not unknown:
        why = (
            "each agrees in value and time with the platform's answer kept for it, so what "
            "changed is a field the answers do not hold (last seen, a fetch count, a message), "
            "and the log keeps no hash per record to say which"
        )
    else:
        rest = ", ".join(f"{p}#{s}" for p, s in unknown[:20])
        if agree:
            why = (
                f"those whose kept answer reads again agree with it; {rest} cannot be checked "
                "that way (no answer kept, or none that reads again), so it cannot say which"
            )
        else:
            why = (
                f"no answer kept for them reads again as what they record ({rest}), so nothing "
                "independent of the history says which"
            )
    return [], why


def _check_held(
    held: note.Checkpoint, size: int, report: Report, good: int, wanted, since, until
) -> bool:
    """Whether the history still hashes to a checkpoint the reader kept. When it does not,
    the records changed are looked for among the leaves after `good` (the size of the
    largest held checkpoint that still matches) and named when the answers kept allow."""
    if held.size > size:
        report.problems.append(
            Problem(
                None,
                None,
                REMOVED,
                f"you hold a checkpoint of {held.size} records; the log now has {size}: "
                "records were removed",
            )
        )
        return False
    tree = log.Tree(held.size, trust_tiles=False, lenient=True)
    rebuilt = tree.root() if held.size else merkle.EMPTY_ROOT
    if rebuilt == held.root:
        return True
    # Whoever rewrote the log may have reordered the leaves after `good`: the records there,
    # up to the log's end, are the suspects, and only one its answer contradicts is named.
    named, why = _name_in_leaves(good, size, wanted, since, until)
    report.problems.append(
        Problem(
            None,
            None,
            REWRITTEN,
            f"the first {held.size} records no longer hash to the checkpoint you hold: the "
            "history was rewritten after it was signed (even if re-signed since)"
            + (f"; {why}" if why else ""),
        )
    )
    report.problems += named
    return False


# The most records whose answers are read again to name the one a rewrite changed (a few ms
# each); beyond it verify asks for --page or --since/--until.
MAX_REREAD = 5000


def _name_in_leaves(low: int, high: int, wanted, since, until) -> tuple[list[Problem], str]:
    """The records changed among those whose leaves are in [low, high), named from the
    platform's answers kept (`_against_answers`); else ([], why they cannot be). Never by
    position alone: a rebuilt log's leaves after `low` need not be in their first order."""
    from likewatch.evidence.models import LogTile

    tiles = LogTile.objects.filter(index__gte=low // log.TILE, index__lte=(high - 1) // log.TILE)
    if since is not None:
        tiles = tiles.filter(last_at__gte=since)
    if until is not None:
        tiles = tiles.filter(first_at__lte=until)
    candidates: dict[tuple[int, int], Ref] = {}
    numbers = []
    for number, data in tiles.order_by("index").values_list("index", "refs"):
        numbers.append(number)
        for offset, ref in enumerate(leaves.decode_refs(data)):
            index = number * log.TILE + offset
            if low <= index < high and ref.kind != DOCUMENT and wanted(ref.page):
                candidates.setdefault((ref.page, ref.seq), ref)
    where = f"leaves {low}-{high - 1}"
    if not candidates:
        return [], f"no record of the pages asked for was written in {where}"
    if len(candidates) > MAX_REREAD:
        return [], (
            f"{len(candidates):,} records were written in {where}, too many to read their "
            "platform answers again: narrow it with --page or --since/--until"
        )
    refs = list(candidates.values())
    named, why = _against_answers(refs, (min(numbers), max(numbers)), where)
    if named:
        return named, ""
    return [], f"it was written in {where}; {why}"


def _check_records(report, logged, pages, since, until, stored) -> None:
    newest_at = stored[-1].created_at if stored else None
    page_ids = pages if pages is not None else Page.objects.values_list("pk", flat=True)
    rows = []
    for page_id in sorted(page_ids):
        # Wherever they are stored (the tail's rows or compressed segments), one page at a time.
        for r in history_records.records(page_id, by_seq=True):
            is_span = isinstance(r, history_records.Span)
            backfilled = is_span and r.provenance == Provenance.IMPORTED
            rows.append(
                (page_id, r.seq, r.at, is_span, r.last_seen if is_span else r.at, backfilled)
            )
    rows.sort()
    by_page: dict[int, list] = {}
    for row in rows:
        by_page.setdefault(row[0], []).append(row)
    for page, records in by_page.items():
        earliest = records[0][2] if records else None
        for before, after in zip(records, records[1:], strict=False):
            # An imported count older than everything numbered before it starts a backfill
            # (likewatch.tracking.history.record_backfill): its leaves are new, its times old.
            backfill = after[5] and after[4] < earliest
            earliest = min(earliest, after[2])
            if after[2] < before[4] and not backfill:
                report.problems.append(
                    Problem(
                        page,
                        after[1],
                        REORDERED,
                        f"measured before record {before[1]} but numbered after it",
                    )
                )
        for position, (_, seq, at, is_span, _, _) in enumerate(records):
            if since and at < since or until and at > until:
                continue
            kinds = logged.get((page, seq), set())
            need = {OPEN} if is_span else {FAILURE}
            if need <= kinds:
                continue
            later_logged = any((page, r[1]) in logged for r in records[position + 1 :])
            if later_logged or (newest_at and at < newest_at - LATE and kinds == set()):
                report.problems.append(
                    Problem(
                        page,
                        seq,
                        INSERTED,
                        "it is not in the log, though the log was signed after it was measured",
                    )
                )
            else:
                report.uncovered.append(f"page {page} seq {seq}")


# A bundle ---------------------------------------------------------------------------------


def check_bundle_log(
    bundle, chains, report: Report, log_key, held, witness_keys, window=None, tsa_certificates=None
) -> None:
    """The bundle's log part: each record's leaves proven in the bundle's checkpoint.

    `window` (verify.Range): a range bundle's runs, whose ends and documents are checked too
    (`_check_range`). `tsa_certificates`: the timestamp authority's, to check the
    checkpoint's RFC 3161 token's signature and chain (its imprint is checked always)."""
    text = bundle.files.get("log/checkpoint.txt")
    if text is None:
        report.notes.append("this bundle has no transparency-log part (made before the log)")
        return
    vkey = log_key or bundle.files.get("log/vkey.txt", b"").decode().strip()
    if not log_key:
        report.notes.append(
            f"checked with the log key inside the bundle: compare it with the site's ({vkey})"
        )
    try:
        verifier = note.Verifier.parse(vkey)
        checkpoint, parsed = note.open_checkpoint(text, verifier)
    except note.NoteError as exc:
        report.problems.append(Problem(None, None, SIGNATURE, f"the bundle's checkpoint: {exc}"))
        return
    report.checkpoint_size = checkpoint.size
    token = bundle.files.get("log/checkpoint.tsr")
    if token is not None:
        from likewatch.evidence import timestamps

        notes, problem = timestamps.findings(token, parsed.text.encode(), tsa_certificates)
        report.notes += notes
        if problem:
            report.problems.append(Problem(None, None, SIGNATURE, problem))
    for key in witness_keys:
        try:
            witness = note.Verifier.parse(key)
            if parsed.verified_by(witness):
                report.cosigned_by.append(witness.name)
            else:
                report.problems.append(
                    Problem(None, None, SIGNATURE, f"no cosignature of the witness {witness.name}")
                )
        except note.NoteError as exc:
            report.problems.append(Problem(None, None, SIGNATURE, f"cosignature: {exc}"))
    salts = _salts(bundle)
    proven: dict[tuple[int, int], dict[str, dict]] = {}
    for item, leaf in _proven_lines(bundle, "log/leaves.jsonl", checkpoint, report):
        report.leaves += 1
        page = int(item["page"])
        salt = salts.get(page)
        if salt is not None and leaf.get("page") != salt:
            report.problems.append(
                Problem(page, leaf.get("seq"), CHANGED, "its leaf belongs to another page")
            )
        proven.setdefault((page, int(leaf["seq"])), {})[leaf["type"]] = leaf
    edges = _edges(bundle, checkpoint, salts, report) if window is not None else {}
    for page, entries in chains.items():
        logged_after = max(
            [seq for (p, seq) in proven if p == page]
            + [int(leaf["seq"]) for (p, _), leaf in edges.items() if p == page],
            default=0,
        )
        run = window.get(page) if window is not None else None
        for entry in entries:
            if run is not None and not run.first_seq <= entry.seq <= run.last_seq:
                continue  # not the range's: named by _check_range
            got = proven.pop((page, entry.seq), {})
            form = entry.form
            want = ["span-open"] + (["span"] if entry.hash else [])
            if form.get("type") == "failure":
                want = ["failure"]
            if not got:
                if window is not None and entry.seq < logged_after:
                    # Within a run every record is logged before the next one is written.
                    report.problems.append(
                        Problem(
                            page,
                            entry.seq,
                            INSERTED,
                            "it is not in the log, though a record numbered after it is",
                        )
                    )
                else:
                    report.uncovered.append(f"page {page} seq {entry.seq}")
                continue
            for kind in want:
                leaf = got.get(kind)
                if leaf is None:
                    continue  # sealed after the checkpoint: covered by its open leaf
                differs = [
                    name
                    for name, value in leaf.items()
                    if name not in ("type", "page") and form.get(name, value) != value
                ]
                if differs:
                    report.problems.append(
                        Problem(
                            page,
                            entry.seq,
                            CHANGED,
                            f"it differs from what the log signed ({', '.join(differs)})",
                        )
                    )
    for (page, seq), _ in sorted(proven.items()):
        if page in chains:
            report.problems.append(
                Problem(page, seq, REMOVED, "the log holds it but the bundle's history does not")
            )
    if window is not None:
        _check_range(bundle, chains, window, edges, checkpoint, salts, report)
    _bundle_held(bundle, checkpoint, verifier, held, report)


# A range bundle -----------------------------------------------------------------------------


def _proven_lines(bundle, name: str, checkpoint, report: Report) -> list[tuple[dict, dict]]:
    """(item, leaf) of each line of `name` whose inclusion proof leads to the checkpoint."""
    found = []
    for number, line in enumerate(bundle.files.get(name, b"").splitlines(), 1):
        try:
            item = json.loads(line)
            leaf = json.loads(merkle.proven_leaf(item, checkpoint.size, checkpoint.root))
        except (ValueError, KeyError, TypeError, merkle.ProofError) as exc:
            what = item.get("kind", "") if isinstance(item, dict) else ""
            who = f"{what} {item.get('id')}: " if what else ""
            report.problems.append(
                Problem(None, None, CHANGED, f"{name} line {number}: {who}{exc}")
            )
            continue
        found.append((item, leaf))
    return found


def _edges(bundle, checkpoint, salts, report: Report) -> dict[tuple[int, str], dict]:
    """{(page, side): leaf} of the proven records just before and after each run."""
    edges: dict[tuple[int, str], dict] = {}
    for item, leaf in _proven_lines(bundle, "log/edges.jsonl", checkpoint, report):
        try:
            page, side, seq = int(item["page"]), item["side"], int(leaf["seq"])
        except (KeyError, ValueError, TypeError):
            report.problems.append(Problem(None, None, FORMAT, "log/edges.jsonl: not an edge"))
            continue
        if salts.get(page) is not None and leaf.get("page") != salts[page]:
            report.problems.append(Problem(page, seq, CHANGED, "its leaf belongs to another page"))
            continue
        edges[(page, side)] = leaf
    return edges


def _leaf_times(leaf: dict) -> tuple[datetime, datetime | None]:
    """When a leaf's record began and (when the leaf says) ended."""
    if leaf.get("type") == "failure":
        at = datetime.fromisoformat(leaf["at"])
        return at, at
    end = leaf.get("last_seen")
    return datetime.fromisoformat(leaf["first_seen"]), datetime.fromisoformat(end) if end else None


def _check_range(bundle, chains, window, edges, checkpoint, salts, report: Report) -> None:
    """Each run whole: nothing missing at either end (the proven records around it lie
    outside the range), nothing added after it, in time order; and the documents proven."""
    listed = set(_salts(bundle)) | {int(p) for p in _listed_ids(bundle)}
    for page, run in sorted(window.runs.items()):
        entries = chains.get(page)
        if entries is None:
            if page not in listed:
                report.problems.append(
                    Problem(page, None, REMOVED, "range.json has its run but its records are gone")
                )
            continue
        seqs = [e.seq for e in entries]
        for entry in entries:
            if not run.first_seq <= entry.seq <= run.last_seq:
                report.problems.append(
                    Problem(
                        page,
                        entry.seq,
                        INSERTED,
                        f"outside the run {run.first_seq}-{run.last_seq} the range holds",
                    )
                )
        top = max([s for s in seqs if s <= run.last_seq], default=run.first_seq - 1)
        for seq in range(top + 1, run.last_seq + 1):
            report.problems.append(
                Problem(page, seq, REMOVED, "the range holds it (range.json) but it is not here")
            )
        before_leaf, after_leaf = edges.get((page, "before")), edges.get((page, "after"))
        if before_leaf is not None:
            before = int(before_leaf["seq"])
            _, ended = _leaf_times(before_leaf)
            if before >= run.first_seq:
                report.problems.append(
                    Problem(page, before, CHANGED, "proven before the run, numbered inside it")
                )
            for seq in range(before + 1, run.first_seq):
                report.problems.append(
                    Problem(page, seq, REMOVED, "between the record before the run and the run")
                )
            if ended is not None and ended >= window.since:
                report.problems.append(
                    Problem(
                        page,
                        before,
                        REMOVED,
                        f"it lasted until {chain.iso(ended)}, inside the range, but is left out",
                    )
                )
        elif run.first_seq > 1:
            report.notes.append(
                f"page {page}: the record before seq {run.first_seq} is not under the checkpoint "
                "yet, so nothing proves the run starts there"
            )
        if after_leaf is not None:
            after = int(after_leaf["seq"])
            began, _ = _leaf_times(after_leaf)
            if after <= run.last_seq:
                report.problems.append(
                    Problem(page, after, CHANGED, "proven after the run, numbered inside it")
                )
            for seq in range(run.last_seq + 1, after):
                report.problems.append(
                    Problem(page, seq, REMOVED, "between the run and the record after it")
                )
            if began <= window.until:
                report.problems.append(
                    Problem(
                        page,
                        after,
                        REMOVED,
                        f"it began at {chain.iso(began)}, inside the range, but is left out",
                    )
                )
        else:
            report.notes.append(
                f"page {page}: no record after seq {run.last_seq} is under the checkpoint: "
                "records written since (if any) are not covered yet"
            )
        report.problems += _out_of_order(page, entries)
    _check_documents(bundle, window, checkpoint, salts, report)


def _record_times(form: dict) -> tuple[datetime, datetime] | None:
    try:
        if form.get("type") == "failure":
            at = datetime.fromisoformat(form["at"])
            return at, at
        return datetime.fromisoformat(form["first_seen"]), datetime.fromisoformat(form["last_seen"])
    except (KeyError, ValueError, TypeError):
        return None


def _out_of_order(page: int, entries) -> list[Problem]:
    """Records numbered after one they were measured before (an imported backfill, older
    than everything before it, excepted: see `_check_records`)."""
    problems = []
    earliest = None
    previous = None
    for entry in entries:
        times = _record_times(entry.form)
        if times is None:
            continue
        backfill = (
            entry.form.get("provenance") == Provenance.IMPORTED
            and earliest is not None
            and times[1] < earliest
        )
        if previous is not None and times[0] < previous[1][1] and not backfill:
            problems.append(
                Problem(
                    page,
                    entry.seq,
                    REORDERED,
                    f"measured before record {previous[0]} but numbered after it",
                )
            )
        earliest = times[0] if earliest is None else min(earliest, times[0])
        previous = (entry.seq, times)
    return problems


def _check_documents(bundle, window, checkpoint, salts, report: Report) -> None:
    commitments = set(salts.values())
    for item, leaf in _proven_lines(bundle, "log/documents.jsonl", checkpoint, report):
        kind, object_id = item.get("kind"), item.get("id")
        name = f"{kind} {object_id}"
        if leaf.get("type") != kind or leaf.get("id", leaf.get("event")) != object_id:
            report.problems.append(Problem(None, None, CHANGED, f"{name}: its leaf is another's"))
            continue
        report.documents += 1
        try:
            if kind == "annotation":
                start = end = datetime.fromisoformat(leaf["at"])
            else:
                start = datetime.fromisoformat(leaf["start"])
                end = datetime.fromisoformat(leaf["end"])
                if leaf.get("page") not in commitments:
                    report.problems.append(
                        Problem(None, None, CHANGED, f"{name}: about a page not in this bundle")
                    )
        except (KeyError, ValueError, TypeError):
            report.problems.append(Problem(None, None, FORMAT, f"{name}: not a {kind} leaf"))
            continue
        if start > window.until or end < window.since:
            report.problems.append(
                Problem(None, None, INSERTED, f"{name}: outside the range ({chain.iso(start)})")
            )


def _listed_ids(bundle) -> list[int]:
    try:
        return [int(p["page"]) for p in json.loads(bundle.files.get("pages.json", b"[]"))]
    except (ValueError, KeyError, TypeError):
        return []


def _salts(bundle) -> dict[int, str]:
    try:
        pages = json.loads(bundle.files.get("pages.json", b"[]"))
    except ValueError:
        return {}
    found = {}
    for page in pages:
        if page.get("salt"):
            found[int(page["page"])] = leaves.commitment(
                bytes.fromhex(page["salt"]), page["platform"], page["platform_id"], page["metric"]
            )
    return found


def _bundle_held(bundle, checkpoint, verifier, held, report: Report) -> None:
    proofs = {}
    for line in bundle.files.get("log/consistency.jsonl", b"").splitlines():
        try:
            item = json.loads(line)
            proofs[int(item["old"])] = [base64.b64decode(h) for h in item["proof"]]
        except (ValueError, KeyError, TypeError):
            report.problems.append(Problem(None, None, FORMAT, "log/consistency.jsonl"))
    for mine in _open_held(held, verifier, report):
        if mine.size > checkpoint.size:
            report.notes.append(
                f"you hold a newer checkpoint ({mine.size}) than the bundle's ({checkpoint.size})"
            )
            continue
        proof = proofs.get(mine.size)
        if proof is None and mine.size not in (0, checkpoint.size):
            report.notes.append(
                f"no consistency proof from {mine.size} in the bundle: get one from the site "
                f"(/evidence/consistency?old={mine.size}&new={checkpoint.size})"
            )
            continue
        try:
            merkle.verify_consistency(
                mine.size, checkpoint.size, mine.root, checkpoint.root, proof or []
            )
        except merkle.ProofError as exc:
            report.problems.append(
                Problem(
                    None,
                    None,
                    FORK if mine.size == checkpoint.size else REWRITTEN,
                    f"the bundle's checkpoint is not consistent with the one you hold "
                    f"({mine.size} records): {exc}",
                )
            )
