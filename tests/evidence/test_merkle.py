"""RFC 6962 hashing and proofs: the RFC's test tree, and every proof of small trees."""

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from likewatch.evidence import merkle

# The eight leaves of the test tree of RFC 6962's reference implementation (certificate
# transparency's merkle_tree_test), and the roots of its first 1..8 leaves.
LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
HASHES = [merkle.leaf_hash(d) for d in LEAVES]


def test_the_empty_tree_is_the_hash_of_nothing():
    assert merkle.root_from_leaves([]) == hashlib.sha256(b"").digest()


@pytest.mark.parametrize("n", range(1, 9))
def test_roots_match_the_rfc_test_tree(n):
    assert merkle.root_from_leaves(HASHES[:n]).hex() == ROOTS[n - 1]


@pytest.mark.parametrize("n", range(1, 9))
def test_a_compact_range_gives_the_same_root(n):
    frontier = []
    for size, leaf in enumerate(HASHES[:n]):
        frontier, _ = merkle.append_leaf(frontier, size, leaf)
    assert merkle.frontier_root(frontier).hex() == ROOTS[n - 1]
    assert len(frontier) == len(merkle.frontier_levels(n))


def test_the_rfc_consistency_proof_from_6_to_8():
    # From the reference implementation's tests: the proof from 6 to 8 leaves.
    proof = merkle.consistency_proof(6, 8, merkle.list_hash_range(HASHES))
    assert [p.hex() for p in proof] == [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]
    old, new = bytes.fromhex(ROOTS[5]), bytes.fromhex(ROOTS[7])
    merkle.verify_consistency(6, 8, old, new, proof)
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(6, 8, bytes.fromhex(ROOTS[4]), new, proof)


def test_every_proof_of_small_trees_verifies_and_a_changed_leaf_fails():
    leaves = [merkle.leaf_hash(str(i).encode()) for i in range(40)]
    hash_range = merkle.list_hash_range(leaves)
    for n in range(1, 41):
        root = merkle.root_from_leaves(leaves[:n])
        for m in range(n):
            path = merkle.inclusion_proof(m, n, hash_range)
            merkle.verify_inclusion(m, n, leaves[m], path, root)
            with pytest.raises(merkle.ProofError):
                merkle.verify_inclusion(m, n, merkle.leaf_hash(b"x"), path, root)
        for old in range(1, n + 1):
            proof = merkle.consistency_proof(old, n, hash_range)
            merkle.verify_consistency(old, n, merkle.root_from_leaves(leaves[:old]), root, proof)


@given(st.lists(st.binary(max_size=8), min_size=2, max_size=70), st.data())
def test_a_forked_history_is_never_consistent(data, draw):
    n = len(data)
    old = draw.draw(st.integers(1, n - 1))
    changed = draw.draw(st.integers(0, old - 1))
    leaves = [merkle.leaf_hash(d) for d in data]
    forked = list(leaves)
    forked[changed] = merkle.leaf_hash(data[changed] + b"!")
    proof = merkle.consistency_proof(old, n, merkle.list_hash_range(forked))
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(
            old, n, merkle.root_from_leaves(leaves[:old]), merkle.root_from_leaves(forked), proof
        )
