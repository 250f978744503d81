"""Evidence bundles: what `likewatch export --evidence` writes and `likewatch verify` reads.

A bundle is a directory, a .zip or a .tar.gz holding:

    README.txt                  what the files are and how to check them by hand
    public-key.pem              the site's Ed25519 public key (compare it with the site's)
    pages.json                  the pages: id, platform, platform id, metric, name, url
    records/page-<id>.jsonl     one record per line, in chain order:
                                {"record": <canonical form>, "prev_hash": "...", "hash": "..."}
                                ("hash" is "" for a span still open; "raw_sha256", when
                                present, names the platform answer that produced the record)
    digests/<day>.json          each daily digest, the exact bytes that were signed
    digests/<day>.sig           its Ed25519 signature, base64
    raw/<sha256>                with --raw: the platform answers still kept, as received
    log/checkpoint.txt          the newest signed checkpoint, with its cosignatures
    log/vkey.txt                the log's verifier key (compare it with the site's)
    log/leaves.jsonl            every leaf of these records: {"page", "index", "leaf",
                                "inclusion"} (the leaf's exact bytes and its inclusion proof)
    log/checkpoint.tsr          its RFC 3161 timestamp token (DER), when a TSA gave one
    log/consistency.jsonl       consistency proofs to log/checkpoint.txt from the newest
                                checkpoints and the last of each day before them: {"old",
                                "proof"}, for readers who kept one (any other: the site's
                                /evidence/consistency)

pages.json gives each page's salt when its campaign is public (or the exporter chose to), so
the page commitment in its leaves can be opened.

A bundle of one time range (`export(..., window=Window(since, until))`) holds only public
pages, and of each page only the records whose time overlaps the range (a span from its first
to its last fetch, a failure at its moment), as one unbroken run of seqs. It adds:

    range.json                  {"since", "until", "pages": {"<id>": {"first_seq", "last_seq",
                                "prev_hash"}}}: where each page's run starts and ends
    log/edges.jsonl             the leaves of the record just before each run and just after
                                it, with inclusion proofs ({"page", "side", "index", "leaf",
                                "inclusion"}): they prove the run lost nothing at either end
    log/documents.jsonl         the public annotations and reviews of the range, each as its
                                newest logged leaf: {"kind", "id", "index", "leaf", "inclusion"}

It carries no daily digest (a digest speaks of whole chains; the checkpoint covers the range).
"""

from __future__ import annotations

import base64
import io
import json
import tarfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.template.loader import render_to_string

from likewatch.evidence import checkpoints, digests, keys, leaves, log, merkle, raw
from likewatch.evidence.models import Checkpoint, Digest
from likewatch.evidence.records import describe, page_entries
from likewatch.tracking import chain
from likewatch.tracking import records as history_records
from likewatch.tracking.models import Page


class BundleError(Exception):
    """A bundle that cannot be written or read, with the reason."""


@dataclass(frozen=True)
class Window:
    """A time range of a bundle: the records whose time overlaps [since, until]."""

    since: datetime
    until: datetime

    def __post_init__(self) -> None:
        if self.since.tzinfo is None or self.until.tzinfo is None:
            raise BundleError("a time range needs times with a time zone (e.g. Z)")
        if self.until <= self.since:
            raise BundleError(
                f"the range ends ({chain.iso(self.until)}) before it starts "
                f"({chain.iso(self.since)}): give --until after --since"
            )

    def holds(self, start: datetime, end: datetime) -> bool:
        return start <= self.until and end >= self.since


@dataclass
class Summary:
    path: Path
    pages: int = 0
    records: int = 0
    digests: int = 0
    raw: int = 0
    leaves: int = 0
    documents: int = 0


def _kind(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".zip"):
        return "zip"
    if name.endswith((".tar.gz", ".tgz")):
        return "tar"
    return "dir"


class _Writer:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.kind = _kind(path)
        if path.exists() and (self.kind != "dir" or any(path.iterdir())):
            raise BundleError(f"{path} exists already: choose a new name")
        if self.kind == "dir":
            path.mkdir(parents=True)
        elif not path.parent.is_dir():
            raise BundleError(f"the folder {path.parent} does not exist")
        self.zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) if self.kind == "zip" else None
        # Closed by close(), after all the adds.
        self.tar = tarfile.open(path, "w:gz") if self.kind == "tar" else None  # noqa: SIM115

    def add(self, name: str, data: bytes) -> None:
        if self.zip is not None:
            self.zip.writestr(name, data)
        elif self.tar is not None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            self.tar.addfile(info, io.BytesIO(data))
        else:
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()
        if self.tar is not None:
            self.tar.close()


def export(
    path: Path,
    pages: Iterable[Page] | None = None,
    with_raw: bool = False,
    reveal: bool = True,
    window: Window | None = None,
) -> Summary:
    """Write an evidence bundle of `pages` (default: all) to `path`.

    `reveal`: put each page's salt in pages.json (an organiser's bundle); False reveals
    only the salts of public pages. `window`: a bundle of one time range (see the module
    docstring): public pages only, whoever asks; BundleError when a page given is not
    public or when no public record falls in the range.
    """
    path = Path(path)
    if window is not None:
        pages, runs = _runs(pages, window)
        reveal = False
    else:
        pages = list(pages if pages is not None else Page.objects.order_by("pk"))
        runs = None
    public = keys.public_pem()
    writer = _Writer(path)
    summary = Summary(path)
    try:
        writer.add("public-key.pem", public)
        writer.add("pages.json", _json([_describe(p, reveal) for p in pages], indent=2))
        wanted_raw: dict[str, bytes] = {}
        for page in pages:
            kept = raw.answers_of(page)
            links = {seq: raw.digest(body) for seq, body in kept.items()}
            entries = page_entries(page, links)
            if runs is not None:
                first, last = runs[page.pk]
                entries = [e for e in entries if first <= e.seq <= last]
                kept = {seq: body for seq, body in kept.items() if first <= seq <= last}
            lines = b"".join(_json(e.as_json()) + b"\n" for e in entries)
            writer.add(f"records/page-{page.pk}.jsonl", lines)
            summary.pages += 1
            summary.records += len(entries)
            if runs is not None:
                runs[page.pk] = (first, last, entries[0].prev_hash if entries else "")
            if with_raw:
                wanted_raw.update((links[seq], body) for seq, body in kept.items())
        if window is None:
            # Only the retired daily digests that name no page but public ones and these: a
            # bundle of one page must not hand out the platform ids of unpublished campaigns.
            shown = {p.pk for p in pages}  # pages.json names them anyway
            for digest in digests.publishable(Digest.objects.order_by("day"), shown):
                writer.add(f"digests/{digest.filename}", digest.body.encode("utf-8"))
                writer.add(
                    f"digests/{digest.day.isoformat()}.sig", digest.signature.encode() + b"\n"
                )
                summary.digests += 1
        else:
            writer.add("range.json", _json(_range_json(window, runs), indent=2))
        summary.leaves = _add_log(writer, pages, runs, window)
        if window is not None:
            summary.documents = _add_documents(writer, pages, window)
        if with_raw:
            for sha in sorted(wanted_raw):
                writer.add(f"raw/{sha}", wanted_raw[sha])
                summary.raw += 1
        readme = render_to_string(
            "evidence/bundle_readme.txt",
            {
                "summary": summary,
                "key_id": keys.key_id(keys.load_public_pem(public)),
                "range": window is not None,
            },
        )
        writer.add("README.txt", readme.encode("utf-8"))
    finally:
        writer.close()
    return summary


def _describe(page: Page, reveal: bool) -> dict:
    from likewatch.tracking.visibility import page_is_public

    data = describe(page)
    salt = log.salt(page.pk) if reveal or page_is_public(page) else None
    data["salt"] = salt.hex() if salt else None
    return data


def _runs(
    pages: Iterable[Page] | None, window: Window
) -> tuple[list[Page], dict[int, tuple[int, int]]]:
    """The public pages of a range bundle and, for each, the run of seqs (first, last) of
    its records overlapping the range; pages with no such record are left out."""
    from likewatch.tracking.visibility import public_pages

    if pages is None:
        chosen = list(public_pages().order_by("pk"))
    else:
        chosen = list(pages)
        visible = set(public_pages().filter(pk__in=[p.pk for p in chosen]).values_list("pk"))
        hidden = [p for p in chosen if (p.pk,) not in visible]
        if hidden:
            names = ", ".join(f"#{p.pk}" for p in hidden)
            raise BundleError(
                f"page(s) {names} are in no published campaign: a bundle of a time range holds "
                "public records only (export them without --since/--until for an organiser's "
                "bundle)"
            )
    runs: dict[int, tuple[int, int]] = {}
    for page in chosen:
        seqs = [r.seq for r in history_records.records(page, start=window.since, end=window.until)]
        if seqs:
            # One unbroken run: a record numbered inside it belongs to it even if its time
            # (a backfilled import) lies outside, or the chain would show a hole.
            runs[page.pk] = (min(seqs), max(seqs))
    if not runs:
        raise BundleError(
            f"no public record falls between {chain.iso(window.since)} and "
            f"{chain.iso(window.until)}: nothing to export"
        )
    return [p for p in chosen if p.pk in runs], runs


def _range_json(window: Window, runs: dict) -> dict:
    return {
        "since": chain.iso(window.since),
        "until": chain.iso(window.until),
        "pages": {
            str(page): {"first_seq": first, "last_seq": last, "prev_hash": prev_hash}
            for page, (first, last, prev_hash) in sorted(runs.items())
        },
    }


class _Tree(log.Tree):
    """The log's tree for a bundle's proofs: it remembers every subtree hash it computes (the
    proofs share most of their paths; log.Tree keeps only those of a tile or more, as a
    whole-log check must), and rebuilds leaves a tile at a time, once, for both their bytes
    and their hashes (an inclusion path inside a tile needs all 256 leaf hashes, so proving
    one leaf rebuilds its tile anyway). Bounded by the tiles a bundle proves."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.tiles: dict[int, list[bytes] | None] = {}

    def hash_range(self, start: int, end: int) -> bytes:
        key = (start, end)
        if key not in self._cache:
            self._cache[key] = super().hash_range(start, end)
        return self._cache[key]

    def record(self, index: int) -> bytes:
        number = index // log.TILE
        if number not in self.tiles:
            try:
                self.tiles[number] = log.rebuild(self.refs(number), number * log.TILE)
            except log.RecordMissing:
                self.tiles[number] = None  # a record gone: each leaf alone, to say which
        found = self.tiles[number]
        return found[index % log.TILE] if found is not None else super().record(index)

    def leaf(self, index: int) -> bytes:
        return merkle.leaf_hash(self.record(index))


class _Proofs:
    """Leaves with their inclusion proofs under one checkpoint."""

    def __init__(self, size: int) -> None:
        self.tree = _Tree(size)

    def leaf(self, index: int) -> bytes:
        return self.tree.record(index)

    def line(self, index: int, **item) -> bytes:
        item.update(
            index=index,
            leaf=self.leaf(index).decode("utf-8"),
            inclusion=[base64.b64encode(h).decode() for h in self.tree.inclusion(index)],
        )
        return _json(item) + b"\n"


def _add_log(
    writer: _Writer, pages: list[Page], runs: dict | None = None, window: Window | None = None
) -> int:
    """The log part: the newest checkpoint and, for each record, its leaves and proofs.

    `runs` (a range bundle): only the leaves of each page's run, and the edges around it."""
    newest = checkpoints.latest()
    if newest is None:
        return 0
    proofs = _Proofs(newest.size)
    tree = proofs.tree
    writer.add("log/checkpoint.txt", checkpoints.full_note(newest).encode())
    if newest.timestamp_token:
        # RFC 3161: a third party's signed time over the checkpoint's text (its DER token).
        writer.add("log/checkpoint.tsr", bytes(newest.timestamp_token))
    verifier = checkpoints.verifier()
    writer.add("log/vkey.txt", ((verifier.vkey if verifier else "") + "\n").encode())
    found = log.leaf_index({p.pk for p in pages}, newest.size)
    if runs is not None:
        found = {
            (page, seq, kind): index
            for (page, seq, kind), index in found.items()
            if runs[page][0] - 1 <= seq <= runs[page][1] + 1
        }
    lines, edges = [], []
    for (page, seq, kind), index in sorted(found.items()):
        if runs is not None:
            first, last, _ = runs[page]
            side = "before" if seq == first - 1 else "after" if seq == last + 1 else None
            if side is not None:
                # The record before the run: its final state (when it ended); after: its
                # opening (when it began). Failures have one leaf, which says both.
                if (side, kind) in (("before", leaves.SPAN), ("after", leaves.OPEN)) or (
                    kind == leaves.FAILURE
                ):
                    edges.append(proofs.line(index, page=page, side=side))
                continue
            if not first <= seq <= last:
                continue
        lines.append(proofs.line(index, page=page))
    writer.add("log/leaves.jsonl", b"".join(lines))
    if runs is not None:
        writer.add("log/edges.jsonl", b"".join(edges))
    consistency = []
    for size in _held_sizes(newest, window):
        proof = [base64.b64encode(h).decode() for h in tree.consistency(size)]
        consistency.append(_json({"old": size, "proof": proof}) + b"\n")
    writer.add("log/consistency.jsonl", b"".join(consistency))
    return len(lines)


WHOLE_RECENT = 96


def _held_sizes(newest: Checkpoint, window: Window | None) -> list[int]:
    """The checkpoints a reader may hold, for consistency proofs to the bundle's: for a whole
    bundle the newest and one a day before them; for a range, those that first covered it -
    the newest signed by its end and the first after (a checkpoint every round would make
    thousands; the site serves any other at /evidence/consistency, and verify says so)."""
    older = Checkpoint.objects.filter(size__lt=newest.size)
    if window is None:
        # One a round is thousands a week: the newest WHOLE_RECENT, and the last of each day
        # before them (what a reader saving one a day holds).
        recent = list(older.order_by("-size").values_list("size", flat=True)[:WHOLE_RECENT])
        daily: dict = {}
        rest = older.filter(size__lt=min(recent)) if recent else older.none()
        for size, at in rest.order_by("size").values_list("size", "created_at").iterator():
            daily[at.date()] = size
        return sorted([*daily.values(), *recent])
    sizes = older.values_list("size", flat=True)
    before = sizes.filter(created_at__lte=window.until).order_by("-size")[:1]
    after = sizes.filter(created_at__gt=window.until).order_by("size")[:1]
    return [*before, *after]


def _add_documents(writer: _Writer, pages: list[Page], window: Window) -> int:
    """The range's public annotations and reviews, each as its newest leaf under the
    checkpoint (a document changed since is listed by the verifier as not covered)."""
    from likewatch.events.models import Event
    from likewatch.evidence import documents
    from likewatch.evidence.models import LogDocument
    from likewatch.organisers.models import Annotation
    from likewatch.tracking.visibility import filter_by_campaign

    newest = checkpoints.latest()
    if newest is None:
        return 0
    proofs = _Proofs(newest.size)
    wanted = [
        (documents.ANNOTATION, pk)
        for pk in filter_by_campaign(
            Annotation.objects.filter(at__gte=window.since, at__lte=window.until)
        ).values_list("pk", flat=True)
    ]
    # A review belongs to an event of a page in the bundle (public: `_runs` kept only those).
    wanted += [
        (documents.REVIEW, pk)
        for pk in Event.objects.filter(
            page__in=pages, start__lte=window.until, end__gte=window.since
        ).values_list("pk", flat=True)
    ]
    lines = []
    for kind, object_id in sorted(wanted):
        leaf = (
            LogDocument.objects.filter(kind=kind, object_id=object_id, leaf__lt=newest.size)
            .order_by("-leaf")
            .values_list("leaf", flat=True)
            .first()
        )
        if leaf is not None:
            lines.append(proofs.line(leaf, kind=kind, id=object_id))
    writer.add("log/documents.jsonl", b"".join(lines))
    return len(lines)


def _json(data, indent=None) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=indent).encode("utf-8")


@dataclass
class Bundle:
    """The files of a bundle, by name, read into memory."""

    source: Path
    files: dict[str, bytes] = field(default_factory=dict)

    def names(self, prefix: str) -> list[str]:
        return sorted(n for n in self.files if n.startswith(prefix))


def load(path: Path) -> Bundle:
    """Read a bundle from a directory, a .zip or a .tar.gz."""
    path = Path(path)
    if not path.exists():
        raise BundleError(f"there is no bundle at {path}")
    bundle = Bundle(path)
    try:
        if path.is_dir():
            for file in path.rglob("*"):
                if file.is_file():
                    bundle.files[file.relative_to(path).as_posix()] = file.read_bytes()
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if not info.is_dir():
                        bundle.files[info.filename] = archive.read(info)
        elif tarfile.is_tarfile(path):
            with tarfile.open(path) as archive:
                for member in archive.getmembers():
                    if member.isfile():
                        bundle.files[member.name] = archive.extractfile(member).read()
        else:
            raise BundleError(f"{path} is neither a folder, a .zip nor a .tar.gz")
    except (OSError, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise BundleError(f"cannot read the bundle {path}: {exc}") from None
    # A bundle zipped with its folder around it: look inside that folder.
    roots = {name.split("/", 1)[0] for name in bundle.files}
    if len(roots) == 1 and "pages.json" not in bundle.files:
        root = roots.pop() + "/"
        bundle.files = {n[len(root) :]: d for n, d in bundle.files.items() if n.startswith(root)}
    if "pages.json" not in bundle.files and not bundle.names("records/"):
        raise BundleError(f"{path} is not an evidence bundle (no pages.json, no records/)")
    return bundle
