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
    log/consistency.jsonl       consistency proofs from each checkpoint the site kept to
                                log/checkpoint.txt: {"old", "proof"}, for readers who kept one

pages.json gives each page's salt when its campaign is public (or the exporter chose to), so
the page commitment in its leaves can be opened.
"""

from __future__ import annotations

import base64
import io
import json
import tarfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.template.loader import render_to_string

from likewatch.evidence import checkpoints, digests, keys, log, raw
from likewatch.evidence.models import Checkpoint, Digest
from likewatch.evidence.records import describe, page_entries
from likewatch.tracking.models import Page


class BundleError(Exception):
    """A bundle that cannot be written or read, with the reason."""


@dataclass
class Summary:
    path: Path
    pages: int = 0
    records: int = 0
    digests: int = 0
    raw: int = 0
    leaves: int = 0


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
) -> Summary:
    """Write an evidence bundle of `pages` (default: all) to `path`.

    `reveal`: put each page's salt in pages.json (an organiser's bundle); False reveals
    only the salts of public pages.
    """
    path = Path(path)
    pages = list(pages if pages is not None else Page.objects.order_by("pk"))
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
            lines = b"".join(_json(e.as_json()) + b"\n" for e in entries)
            writer.add(f"records/page-{page.pk}.jsonl", lines)
            summary.pages += 1
            summary.records += len(entries)
            if with_raw:
                wanted_raw.update((links[seq], body) for seq, body in kept.items())
        # Only the retired daily digests that name no page but public ones and these: a
        # bundle of one page must not hand out the platform ids of unpublished campaigns.
        shown = {p.pk for p in pages}  # pages.json names them anyway
        for digest in digests.publishable(Digest.objects.order_by("day"), shown):
            writer.add(f"digests/{digest.filename}", digest.body.encode("utf-8"))
            writer.add(f"digests/{digest.day.isoformat()}.sig", digest.signature.encode() + b"\n")
            summary.digests += 1
        summary.leaves = _add_log(writer, pages)
        if with_raw:
            for sha in sorted(wanted_raw):
                writer.add(f"raw/{sha}", wanted_raw[sha])
                summary.raw += 1
        readme = render_to_string(
            "evidence/bundle_readme.txt",
            {"summary": summary, "key_id": keys.key_id(keys.load_public_pem(public))},
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


def _add_log(writer: _Writer, pages: list[Page]) -> int:
    """The log part: the newest checkpoint and, for each record, its leaves and proofs."""
    newest = checkpoints.latest()
    if newest is None:
        return 0
    tree = log.Tree(newest.size)
    writer.add("log/checkpoint.txt", checkpoints.full_note(newest).encode())
    verifier = checkpoints.verifier()
    writer.add("log/vkey.txt", ((verifier.vkey if verifier else "") + "\n").encode())
    found = log.leaf_index({p.pk for p in pages}, newest.size)
    lines = []
    for (page, _seq, _kind), index in sorted(found.items()):
        item = {
            "page": page,
            "index": index,
            "leaf": tree.record(index).decode("utf-8"),
            "inclusion": [base64.b64encode(h).decode() for h in tree.inclusion(index)],
        }
        lines.append(_json(item) + b"\n")
    writer.add("log/leaves.jsonl", b"".join(lines))
    proofs = []
    for size in Checkpoint.objects.filter(size__lt=newest.size).values_list("size", flat=True):
        proof = [base64.b64encode(h).decode() for h in tree.consistency(size)]
        proofs.append(_json({"old": size, "proof": proof}) + b"\n")
    writer.add("log/consistency.jsonl", b"".join(proofs))
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
