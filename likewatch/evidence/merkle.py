"""RFC 6962 / RFC 9162 Merkle tree hashing, inclusion and consistency proofs.

Pure functions, no database: the same code proves (on the server) and verifies (offline,
in `likewatch verify`, from a bundle or a proof file).

    leaf hash  = SHA-256(0x00 || leaf bytes)
    node hash  = SHA-256(0x01 || left || right)
    MTH(D[n])  = the hash of the left subtree of the largest power of two smaller than n,
                 combined with the hash of the rest (RFC 6962, section 2.1)

Proofs are generated from a `hash_range(start, end)` callable that returns MTH(D[start:end])
for any range the algorithms ask for; the store answers it from its tiles and from leaves
recomputed from the records (likewatch.evidence.log), never from a hash stored per leaf.
Verification follows RFC 9162 sections 2.1.3.2 and 2.1.4.2 to the letter.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()
HashRange = Callable[[int, int], bytes]


class ProofError(ValueError):
    """A proof that does not verify, with the reason."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaves(leaves: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes (for tests and small trees)."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node_hash(root_from_leaves(leaves[:k]), root_from_leaves(leaves[k:]))


# Compact ranges: the right edge of the tree, enough to append and to compute the root ---


def frontier_levels(size: int) -> list[int]:
    """The heights of the perfect subtrees that make up [0, size), left to right."""
    return [level for level in range(size.bit_length() - 1, -1, -1) if size >> level & 1]


def append_leaf(frontier: list[bytes], size: int, leaf: bytes) -> tuple[list[bytes], list]:
    """Append one leaf hash to the compact range of a tree of `size` leaves.

    Returns the new frontier and the perfect subtrees completed on the way, as
    (height, index at that height, hash): the store keeps those of its tile height.
    """
    frontier = list(frontier)
    completed = []
    node, level, index = leaf, 0, size
    while index & 1:
        node = node_hash(frontier.pop(), node)
        level += 1
        index >>= 1
        completed.append((level, index, node))
    frontier.append(node)
    return frontier, completed


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for node in reversed(frontier[:-1]):
        root = node_hash(node, root)
    return root


# Proof generation (RFC 6962 2.1.1 PATH and 2.1.2 SUBPROOF) --------------------------------


def inclusion_proof(index: int, size: int, hash_range: HashRange) -> list[bytes]:
    """The audit path of leaf `index` in the tree of the first `size` leaves."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    return _path(index, 0, size, hash_range)


def _path(m: int, start: int, end: int, hash_range: HashRange) -> list[bytes]:
    n = end - start
    if n == 1:
        return []
    k = split(n)
    if m < k:
        return _path(m, start, start + k, hash_range) + [hash_range(start + k, end)]
    return _path(m - k, start + k, end, hash_range) + [hash_range(start, start + k)]


def consistency_proof(old: int, new: int, hash_range: HashRange) -> list[bytes]:
    """The proof that the tree of `old` leaves is a prefix of the tree of `new` leaves."""
    if not 0 <= old <= new:
        raise ProofError(f"no consistency proof from {old} to {new} leaves")
    if old == 0 or old == new:
        return []
    return _subproof(old, 0, new, True, hash_range)


def _subproof(m: int, start: int, end: int, whole: bool, hash_range: HashRange) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if whole else [hash_range(start, end)]
    k = split(n)
    if m <= k:
        return _subproof(m, start, start + k, whole, hash_range) + [hash_range(start + k, end)]
    return _subproof(m - k, start + k, end, False, hash_range) + [hash_range(start, start + k)]


# Verification (RFC 9162 2.1.3.2 and 2.1.4.2) -----------------------------------------------


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes:
    """The root that an inclusion proof leads to (compare it with a checkpoint's)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise ProofError("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof is too short")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes):
    if root_from_inclusion(index, size, leaf, path) != root:
        raise ProofError("the inclusion proof does not lead to the checkpoint's root hash")


def proven_leaf(item: dict, size: int, root: bytes) -> bytes:
    """The leaf's bytes of a proof item as bundles and record proofs carry it ({"index",
    "leaf": its text, "inclusion": base64 hashes}), once its inclusion proof leads to `root`
    of a tree of `size`. Raises ProofError for a proof that does not, KeyError, ValueError or
    TypeError for an item that is not one."""
    data = item["leaf"].encode("utf-8")
    path = [base64.b64decode(h, validate=True) for h in item["inclusion"]]
    verify_inclusion(item["index"], size, leaf_hash(data), path, root)
    return data


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Raise ProofError unless the tree (old, old_root) is a prefix of (new, new_root)."""
    if not 0 <= old <= new:
        raise ProofError(f"a tree of {old} leaves cannot precede one of {new}")
    if old == new:
        if proof:
            raise ProofError("a proof between two trees of the same size must be empty")
        if old_root != new_root:
            raise ProofError("two trees of the same size with different root hashes")
        return
    if old == 0:
        if proof:
            raise ProofError("a proof from the empty tree must be empty")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    path = list(proof)
    if old & (old - 1) == 0:  # an exact power of two: the old root is a node of the new tree
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is too short")
    if fr != old_root:
        raise ProofError("the consistency proof does not lead to the older root hash")
    if sr != new_root:
        raise ProofError("the consistency proof does not lead to the newer root hash")


def list_hash_range(leaves: Sequence[bytes]) -> HashRange:
    """A hash_range over a list of leaf hashes held in memory (tests, small bundles)."""
    cache: dict[tuple[int, int], bytes] = {}

    def hash_range(start: int, end: int) -> bytes:
        key = (start, end)
        if key not in cache:
            cache[key] = root_from_leaves(leaves[start:end])
        return cache[key]

    return hash_range
