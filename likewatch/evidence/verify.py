"""Checking the evidence: a bundle offline, or the live database, record by record.

For each page the records are walked in order and each is checked twice:

1. its own hash: SHA-256 of (previous hash, newline, canonical form) must equal the hash it
   carries, else its content was **changed**;
2. its link: its previous hash must be the hash of the record before it. When it is not,
   the walk says why, naming the record:
   - the previous hash is that of an earlier record: the records in between were
     **inserted**;
   - its seq jumps ahead: the records in between were **removed**;
   - otherwise the record before it was **changed** and its hash recomputed to hide it.

Then each signed digest is checked: its Ed25519 signature with the public key, and that
every page's sealed hash it lists is the hash of the record with that seq (a record removed
from the end, or a history rewritten with every hash recomputed, shows here), and that the
open span it saw is still there with the same value (it may only have grown: later
last_seen, more fetches).

The result is a `Report` of `Problem`s, each naming page, seq and what: changed, removed,
inserted, digest, signature or format.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from likewatch.evidence import keys
from likewatch.evidence.bundle import Bundle, load
from likewatch.evidence.records import Entry, page_entries
from likewatch.tracking import chain

CHANGED, REMOVED, INSERTED = "changed", "removed", "inserted"
DIGEST, SIGNATURE, FORMAT = "digest", "signature", "format"
REORDERED, REWRITTEN, FORK = "reordered", "rewritten", "fork"
# What an open span may have gained since a digest saw it.
GROWING = ("last_seen", "fetches")


@dataclass(frozen=True)
class Problem:
    page: int | None
    seq: int | None
    what: str
    detail: str

    def __str__(self) -> str:
        where = []
        if self.page is not None:
            where.append(f"page {self.page}")
        if self.seq is not None:
            where.append(f"seq {self.seq}")
        return f"{', '.join(where) or 'bundle'}: {self.what} - {self.detail}"


@dataclass
class Report:
    pages: int = 0
    records: int = 0
    digests: int = 0
    problems: list[Problem] = field(default_factory=list)
    key_id: str = ""
    # The transparency log: leaves checked, the checkpoint size, records not covered yet.
    leaves: int = 0
    checkpoint_size: int = 0
    uncovered: list[str] = field(default_factory=list)
    cosigned_by: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # A range bundle: the time range it covers, and its annotations and reviews checked.
    covers: str = ""
    documents: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


# Chains ---------------------------------------------------------------------------------


def check_chain(
    page: int, entries: list[Entry], start: tuple[int, str] = (1, chain.GENESIS)
) -> list[Problem]:
    """Every break in one page's chain, naming the record (see the module docstring).

    `start`: the seq and previous hash the chain starts from (a run of a range bundle starts
    mid-chain: range.json says where)."""
    first_seq, genesis = start
    found: dict[int, Problem] = {}  # by entry position: one verdict per record
    accepted: list[tuple[int, Entry]] = []
    for position, entry in enumerate(entries):
        if entry.is_open and position != len(entries) - 1:
            found[position] = Problem(
                page, entry.seq, CHANGED, "an open record (no hash) that is not the last one"
            )
        elif not entry.is_open and entry.computed_hash() != entry.hash:
            found[position] = Problem(
                page, entry.seq, CHANGED, "its content does not match its hash"
            )
        expected = accepted[-1][1].hash if accepted else genesis
        if entry.prev_hash == expected:
            want = accepted[-1][1].seq + 1 if accepted else first_seq
            if entry.seq != want and position not in found:
                found[position] = Problem(
                    page, entry.seq, CHANGED, f"numbered {entry.seq} where {want} belongs"
                )
            accepted.append((position, entry))
            continue
        earlier = next(
            (i for i in range(len(accepted) - 1, -1, -1) if accepted[i][1].hash == entry.prev_hash),
            None,
        )
        if earlier is not None or (entry.prev_hash == genesis and accepted):
            keep = earlier + 1 if earlier is not None else 0
            for bad_position, bad in accepted[keep:]:
                found[bad_position] = Problem(
                    page,
                    bad.seq,
                    INSERTED,
                    "the chain goes round it: the next record links to the one before it",
                )
            accepted = accepted[:keep]
            accepted.append((position, entry))
            continue
        last_seq = accepted[-1][1].seq if accepted else first_seq - 1
        if entry.seq > last_seq + 1:
            missing = list(range(last_seq + 1, entry.seq))
            for seq in missing:
                found[-seq] = Problem(
                    page, seq, REMOVED, f"missing: record {entry.seq} links to a record not here"
                )
        elif accepted:
            before_position, before = accepted[-1]
            if before_position not in found:
                found[before_position] = Problem(
                    page,
                    before.seq,
                    CHANGED,
                    "the next record does not link to it: it was changed and its hash redone",
                )
        else:
            found[position] = Problem(
                page, entry.seq, CHANGED, "the first record does not start the chain"
            )
        accepted.append((position, entry))
    return sorted(found.values(), key=lambda p: (p.seq or 0, p.what))


# Digests --------------------------------------------------------------------------------


def check_digest(
    name: str,
    data: bytes,
    signature: str | None,
    public_key,
    chains: dict[int, list[Entry]],
    only: set[int] | None = None,
) -> list[Problem]:
    """A digest's signature, and that the chains still contain what it saw.

    `only`: the pages a partial bundle means to hold; the digest's other pages are not
    looked for (a bundle of one page is not missing the others).
    """
    problems: list[Problem] = []
    if signature is None:
        problems.append(Problem(None, None, SIGNATURE, f"digest {name} has no signature file"))
    elif public_key is None or not keys.is_valid(public_key, data, signature.strip()):
        problems.append(
            Problem(None, None, SIGNATURE, f"digest {name}: the signature does not match")
        )
        return problems  # an unsigned statement proves nothing: do not compare it
    try:
        content = json.loads(data)
        pages = content["pages"]
    except (ValueError, KeyError, TypeError):
        return problems + [Problem(None, None, FORMAT, f"digest {name} is not a digest")]
    for item in pages:
        page = item.get("page")
        entries = chains.get(page)
        if entries is None and only is not None and page not in only:
            continue
        if entries is None:
            problems.append(
                Problem(page, None, REMOVED, f"the page is in digest {name} but not here")
            )
            continue
        by_seq = {e.seq: e for e in entries}
        seq, sealed = item.get("sealed_seq", 0), item.get("sealed_hash", "")
        if seq:
            entry = by_seq.get(seq)
            if entry is None:
                problems.append(Problem(page, seq, REMOVED, f"signed in digest {name}"))
            elif entry.hash != sealed:
                problems.append(
                    Problem(page, seq, CHANGED, f"its hash differs from the signed digest {name}")
                )
        head = item.get("head")
        if head:
            problems += _check_head(page, name, head, by_seq)
    return problems


def _check_head(page: int, name: str, head: dict, by_seq: dict[int, Entry]) -> list[Problem]:
    record = head.get("record") or {}
    seq = record.get("seq")
    entry = by_seq.get(seq)
    if entry is None:
        return [Problem(page, seq, REMOVED, f"the open span signed in digest {name}")]
    fixed = {k: v for k, v in record.items() if k not in GROWING}
    now = {k: v for k, v in entry.form.items() if k not in GROWING}
    grew = all(
        (entry.form.get(k) or 0) >= (record.get(k) or 0)
        if k == "fetches"
        else (entry.form.get(k) or "") >= (record.get(k) or "")
        for k in GROWING
    )
    if fixed != now or entry.prev_hash != head.get("prev_hash") or not grew:
        return [Problem(page, seq, CHANGED, f"differs from the open span signed in digest {name}")]
    return []


# Bundles --------------------------------------------------------------------------------


def _entries(page: int, data: bytes) -> tuple[list[Entry], list[Problem]]:
    entries, problems = [], []
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            form = item["record"]
            entries.append(
                Entry(
                    page=page,
                    seq=int(form["seq"]),
                    form=form,
                    prev_hash=str(item["prev_hash"]),
                    hash=str(item["hash"]),
                    raw_sha256=str(item.get("raw_sha256", "")),
                    line=number,
                )
            )
        except (ValueError, KeyError, TypeError):
            problems.append(Problem(page, None, FORMAT, f"line {number} is not a record"))
    return entries, problems


def verify_bundle(
    path: Path,
    public_key_pem: bytes | None = None,
    log_key: str | None = None,
    held: list[str] = (),
    witness_keys: list[str] = (),
    tsa_certificates: list | None = None,
) -> Report:
    """Check a bundle offline. `public_key_pem`: the site's key, fetched separately.

    `log_key` (the log's vkey), `held` (checkpoints the reader kept), `witness_keys` and
    `tsa_certificates` (a timestamp authority's, x509) check the bundle's transparency-log
    part (likewatch.evidence.audit).
    """
    bundle = load(path)
    report = Report()
    key = _bundle_key(bundle, public_key_pem, report)
    runs = read_range(bundle, report)
    chains: dict[int, list[Entry]] = {}
    for name in bundle.names("records/"):
        stem = name.rsplit("/", 1)[-1].removesuffix(".jsonl").removeprefix("page-")
        if not stem.isdigit():
            report.problems.append(Problem(None, None, FORMAT, f"unexpected file {name}"))
            continue
        page = int(stem)
        entries, problems = _entries(page, bundle.files[name])
        report.problems += problems
        report.problems += _out_of_place(page, entries)
        entries.sort(key=lambda e: e.seq)
        chains[page] = entries
        report.pages += 1
        report.records += len(entries)
        start = (1, chain.GENESIS)
        if runs is not None:
            run = runs.get(page)
            if run is None:
                report.problems.append(
                    Problem(page, None, INSERTED, "its records are here but range.json has no run")
                )
            else:
                start = (run.first_seq, run.prev_hash)
        report.problems += check_chain(page, entries, start)
        report.problems += _check_raw(bundle, page, entries)
    report.problems += _listed_pages(bundle, chains)
    listed = _listed(bundle)
    for name in bundle.names("digests/"):
        if not name.endswith(".json"):
            continue
        signature = bundle.files.get(name.removesuffix(".json") + ".sig")
        report.digests += 1
        report.problems += check_digest(
            name.rsplit("/", 1)[-1],
            bundle.files[name],
            signature.decode("ascii", "replace") if signature is not None else None,
            key,
            chains,
            only=listed,
        )
    from likewatch.evidence import audit

    audit.check_bundle_log(
        bundle, chains, report, log_key, held, witness_keys, runs, tsa_certificates
    )
    return report


@dataclass(frozen=True)
class Run:
    """A page's run of records in a range bundle: seqs first..last, and the hash the first
    one links to (range.json)."""

    first_seq: int
    last_seq: int
    prev_hash: str


@dataclass(frozen=True)
class Range:
    since: datetime
    until: datetime
    runs: dict[int, Run]

    def get(self, page: int) -> Run | None:
        return self.runs.get(page)


def read_range(bundle: Bundle, report: Report) -> Range | None:
    """range.json of a range bundle (None for a bundle of whole chains)."""
    data = bundle.files.get("range.json")
    if data is None:
        return None
    try:
        content = json.loads(data)
        found = Range(
            since=datetime.fromisoformat(content["since"]),
            until=datetime.fromisoformat(content["until"]),
            runs={
                int(page): Run(int(run["first_seq"]), int(run["last_seq"]), str(run["prev_hash"]))
                for page, run in content["pages"].items()
            },
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        report.problems.append(Problem(None, None, FORMAT, "range.json is not a time range"))
        return Range(datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC), {})
    report.covers = f"{content['since']} to {content['until']}"
    return found


def _out_of_place(page: int, entries: list[Entry]) -> list[Problem]:
    """Lines of a page's file not in seq order: each record that comes after a later one is
    named (the chain is then checked in seq order, so a move alone reads as a move)."""
    problems, highest = [], None
    for entry in entries:
        if highest is not None and entry.seq < highest.seq:
            problems.append(
                Problem(
                    page,
                    entry.seq,
                    REORDERED,
                    f"line {entry.line} puts it after record {highest.seq}",
                )
            )
        elif highest is None or entry.seq > highest.seq:
            highest = entry
    return problems


def _listed(bundle: Bundle) -> set[int] | None:
    try:
        return {int(p["page"]) for p in json.loads(bundle.files.get("pages.json", b"[]"))}
    except (ValueError, KeyError, TypeError):
        return None


def _bundle_key(bundle: Bundle, given: bytes | None, report: Report):
    pem = bundle.files.get("public-key.pem")
    try:
        key = keys.load_public_pem(given) if given else None
        inside = keys.load_public_pem(pem) if pem else None
    except ValueError as exc:
        report.problems.append(Problem(None, None, FORMAT, f"public key unreadable: {exc}"))
        return None
    if key is not None and inside is not None and keys.key_id(key) != keys.key_id(inside):
        report.problems.append(
            Problem(None, None, SIGNATURE, "the bundle's public key is not the one given")
        )
    key = key or inside
    if key is not None:
        report.key_id = keys.key_id(key)
    return key


def _listed_pages(bundle: Bundle, chains: dict[int, list[Entry]]) -> list[Problem]:
    try:
        listed = {int(p["page"]) for p in json.loads(bundle.files.get("pages.json", b"[]"))}
    except (ValueError, KeyError, TypeError):
        return [Problem(None, None, FORMAT, "pages.json is not a list of pages")]
    return [
        Problem(page, None, REMOVED, "listed in pages.json but its records are missing")
        for page in sorted(listed - set(chains))
    ]


def _check_raw(bundle: Bundle, page: int, entries: list[Entry]) -> list[Problem]:
    from likewatch.evidence.raw import digest

    problems = []
    for entry in entries:
        data = bundle.files.get(f"raw/{entry.raw_sha256}") if entry.raw_sha256 else None
        if data is not None and digest(data) != entry.raw_sha256:
            problems.append(
                Problem(page, entry.seq, CHANGED, "its raw answer does not match its SHA-256")
            )
    return problems


# The live database ----------------------------------------------------------------------


def verify_database(
    pages: set[int] | None = None,
    since=None,
    until=None,
    held: list[str] = (),
    log_key: str | None = None,
) -> Report:
    """Check the database: every page's chain, every stored digest, and the transparency log.

    `pages`, `since`, `until` narrow what is reported (the log is still checked whole: a
    root covers every leaf); `held` are checkpoints a reader kept.
    """
    from likewatch.evidence.models import Digest
    from likewatch.tracking.models import Page

    report = Report()
    chains: dict[int, list[Entry]] = defaultdict(list)
    selected = Page.objects.order_by("pk")
    if pages is not None:
        selected = selected.filter(pk__in=pages)
    for page in selected:
        entries = page_entries(page)
        chains[page.pk] = entries
        report.pages += 1
        report.records += len(entries)
        report.problems += check_chain(page.pk, entries)
    try:
        key = keys.public_key()
        report.key_id = keys.key_id(key)
    except keys.KeyMissing:
        key = None
    for digest in Digest.objects.order_by("day"):
        report.digests += 1
        report.problems += check_digest(
            digest.filename,
            digest.body.encode("utf-8"),
            digest.signature,
            key,
            dict(chains),
            only=pages,
        )
    from likewatch.evidence import audit

    audit.check_database(report, pages, since, until, held, log_key)
    return report
