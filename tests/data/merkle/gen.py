#!/usr/bin/env python3
"""Generates the Merkle proof vectors in this directory, independently of the Rust code.

The tree is the Certificate Transparency reference implementation's eight test leaves. Roots and the
proofs marked "source": "ct-reference" are the published known answers, copied here as hex and
asserted against a literal transcription of RFC 6962 section 2.1 (MTH, PATH, PROOF). Every other
valid case is computed by that transcription. Must-fail cases are mutations of valid ones; their
expected outcome comes from a transcription of the RFC 9162 verification algorithms (2.1.3.2 and
2.1.4.2) that reports why a proof fails, with the same three outcomes as trace_core::merkle::ProofError.

Run from anywhere: python3 tests/data/merkle/gen.py. The output is deterministic; the Rust tests read
the JSON files, never this script.
"""

import hashlib
import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent

LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]

# MTH(D[0:n]) for n = 0..8, as published with the CT reference implementation.
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]

# (leaf index, tree size, PATH) published with the CT reference implementation.
CT_INCLUSION = [
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]

# (first size, second size, PROOF) published with the CT reference implementation.
CT_CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]


def sha(b):
    return hashlib.sha256(b).digest()


def leaf(d):
    return sha(b"\x00" + d)


def node(l, r):
    return sha(b"\x01" + l + r)


def k_of(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


# RFC 6962 section 2.1, written to look like the RFC.
def mth(d):
    if len(d) == 0:
        return sha(b"")
    if len(d) == 1:
        return leaf(d[0])
    k = k_of(len(d))
    return node(mth(d[:k]), mth(d[k:]))


def path(m, d):
    if len(d) == 1:
        return []
    k = k_of(len(d))
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m, d, b):
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = k_of(n)
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


def proof(m, d):
    if m == 0 or m == len(d):
        return []
    return subproof(m, d, True)


# RFC 9162 section 2.1.3.2, reporting why it fails.
def verify_inclusion(leaf_hash, index, size, proof, root):
    if index >= size:
        return "out_of_range"
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return "wrong_length"
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        return "wrong_length"
    return "ok" if r == root else "root_mismatch"


# RFC 9162 section 2.1.4.2, reporting why it fails. Equal sizes and the empty first tree are the
# cases the RFC leaves to the caller: the proof must be empty (and, for equal sizes, the roots equal).
def verify_consistency(old, new, old_root, new_root, proof):
    if old > new:
        return "out_of_range"
    if old == new:
        if proof:
            return "wrong_length"
        return "ok" if old_root == new_root else "root_mismatch"
    if old == 0:
        return "ok" if not proof else "wrong_length"
    p = list(proof)
    if old & (old - 1) == 0:
        p = [old_root] + p
    if not p:
        return "wrong_length"
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = p[0]
    for c in p[1:]:
        if sn == 0:
            return "wrong_length"
        if fn & 1 or fn == sn:
            fr = node(c, fr)
            sr = node(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        return "wrong_length"
    return "ok" if fr == old_root and sr == new_root else "root_mismatch"


D = [bytes.fromhex(x) for x in LEAVES]
H = [leaf(x) for x in D]
ROOTS = [mth(D[:n]) for n in range(9)]
assert [r.hex() for r in ROOTS] == CT_ROOTS
for i, n, want in CT_INCLUSION:
    assert [h.hex() for h in path(i, D[:n])] == want
for m, n, want in CT_CONSISTENCY:
    assert [h.hex() for h in proof(m, D[:n])] == want

ZERO = bytes(32)


def hx(hs):
    return [h.hex() for h in hs]


def flip(h):
    return bytes([h[0] ^ 0x01]) + h[1:]


def inclusion_case(desc, index, size, leaf_hash, prf, root, source="computed", expect=None):
    got = verify_inclusion(leaf_hash, index, size, prf, root)
    if expect is not None:
        assert got == expect, (desc, got, expect)
    return {"desc": desc, "source": source, "index": index, "size": size, "leaf_hash": leaf_hash.hex(),
            "proof": hx(prf), "root": root.hex(), "expect": got}


def consistency_case(desc, old, new, old_root, new_root, prf, source="computed", expect=None):
    got = verify_consistency(old, new, old_root, new_root, prf)
    if expect is not None:
        assert got == expect, (desc, got, expect)
    return {"desc": desc, "source": source, "old": old, "new": new, "old_root": old_root.hex(),
            "new_root": new_root.hex(), "proof": hx(prf), "expect": got}


inclusion = []
ct_inc = {(i, n) for i, n, _ in CT_INCLUSION}
for n in range(1, 9):
    for i in range(n):
        src = "ct-reference" if (i, n) in ct_inc else "computed"
        c = inclusion_case(f"leaf {i} in tree {n}", i, n, H[i], path(i, D[:n]), ROOTS[n], src, "ok")
        c["canonical"] = True  # the proof a log must produce for this (index, size)
        inclusion.append(c)

for i, n in [(0, 1), (0, 8), (5, 8), (2, 3), (1, 5), (6, 7), (3, 4), (4, 5), (7, 8)]:
    p = path(i, D[:n])
    r = ROOTS[n]
    for j in range(len(p)):
        q = list(p)
        q[j] = flip(q[j])
        inclusion.append(inclusion_case(f"leaf {i} in tree {n}: proof hash {j} has a flipped bit", i, n, H[i], q, r,
                                        expect="root_mismatch"))
    if p:
        inclusion.append(inclusion_case(f"leaf {i} in tree {n}: last proof hash dropped", i, n, H[i], p[:-1], r,
                                        expect="wrong_length"))
        inclusion.append(inclusion_case(f"leaf {i} in tree {n}: empty proof", i, n, H[i], [], r,
                                        expect="wrong_length" if n > 1 else "ok"))
    inclusion.append(inclusion_case(f"leaf {i} in tree {n}: extra hash appended", i, n, H[i], p + [ZERO], r,
                                    expect="wrong_length"))
    inclusion.append(inclusion_case(f"leaf {i} in tree {n}: extra hash prepended", i, n, H[i], [ZERO] + p, r,
                                    expect="wrong_length"))
    if len(p) >= 2:
        inclusion.append(inclusion_case(f"leaf {i} in tree {n}: first two proof hashes swapped", i, n, H[i],
                                        [p[1], p[0]] + p[2:], r, expect="root_mismatch"))
    inclusion.append(inclusion_case(f"leaf {i} in tree {n}: index equals the size", n, n, H[i], p, r,
                                    expect="out_of_range"))
    inclusion.append(inclusion_case(f"leaf {i} in tree {n}: index past the size", n + 3, n, H[i], p, r,
                                    expect="out_of_range"))
    inclusion.append(inclusion_case(f"leaf {i} in tree {n}: size 0", i, 0, H[i], p, r, expect="out_of_range"))
    if i + 1 < n:
        inclusion.append(inclusion_case(f"leaf {i} in tree {n}: claimed as leaf {i + 1}", i + 1, n, H[i], p, r))
    if i > 0:
        inclusion.append(inclusion_case(f"leaf {i} in tree {n}: claimed as leaf {i - 1}", i - 1, n, H[i], p, r))
    for m in (n - 1, n + 1, 2 * n):
        if m > i:
            # Some of these verify: the proof algorithms only use size - 1 through right shifts, so the
            # size is authenticated by the signed checkpoint that carries it with the root, not by the proof.
            inclusion.append(inclusion_case(f"leaf {i} in tree {n}: claimed size {m}", i, m, H[i], p, r))
    inclusion.append(inclusion_case(f"leaf {i} in tree {n}: root of another size", i, n, H[i], p, ROOTS[n - 1],
                                    expect="root_mismatch"))
    inclusion.append(inclusion_case(f"leaf {i} in tree {n}: leaf data given as the hash", i, n,
                                    sha(D[i]), p, r, expect="root_mismatch"))
    other = (i + 1) % 8
    inclusion.append(inclusion_case(f"leaf {i} in tree {n}: another leaf's hash", i, n, H[other], p, r,
                                    expect="root_mismatch"))
# A subtree hash presented as a leaf must not verify: the 0x00/0x01 prefixes separate the two.
# Without them, leaf data H0 || H1 in a two-leaf tree would hash to the interior node MTH(D[0:2]) of
# the four-leaf tree and "prove" a leaf that was never logged.
inclusion.append(inclusion_case("leaf data MTH(D[0:1]) || MTH(D[1:2]) claimed as leaf 0 of a 2-tree with root MTH(D[0:4])",
                                0, 2, leaf(H[0] + H[1]), [mth(D[2:4])], ROOTS[4], expect="root_mismatch"))
inclusion.append(inclusion_case("interior node MTH(D[0:2]) given as the leaf hash of leaf 0 of a 2-tree", 0, 2,
                                node(H[0], H[1]), [mth(D[2:4])], ROOTS[4], expect="ok"))

consistency = []
ct_con = {(m, n) for m, n, _ in CT_CONSISTENCY}
for n in range(0, 9):
    for m in range(0, n + 1):
        src = "ct-reference" if (m, n) in ct_con else "computed"
        c = consistency_case(f"tree {m} to tree {n}", m, n, ROOTS[m], ROOTS[n], proof(m, D[:n]), src, "ok")
        c["canonical"] = True  # the proof a log must produce for these sizes
        consistency.append(c)

for m, n in [(1, 8), (6, 8), (2, 5), (4, 8), (3, 7), (7, 8), (1, 2), (5, 6), (2, 8)]:
    p = proof(m, D[:n])
    a, b = ROOTS[m], ROOTS[n]
    for j in range(len(p)):
        q = list(p)
        q[j] = flip(q[j])
        consistency.append(consistency_case(f"tree {m} to tree {n}: proof hash {j} has a flipped bit", m, n, a, b, q,
                                            expect="root_mismatch"))
    consistency.append(consistency_case(f"tree {m} to tree {n}: last proof hash dropped", m, n, a, b, p[:-1],
                                        expect="wrong_length"))
    consistency.append(consistency_case(f"tree {m} to tree {n}: empty proof", m, n, a, b, [], expect="wrong_length"))
    consistency.append(consistency_case(f"tree {m} to tree {n}: extra hash appended", m, n, a, b, p + [ZERO],
                                        expect="wrong_length"))
    if len(p) >= 2:
        consistency.append(consistency_case(f"tree {m} to tree {n}: first two proof hashes swapped", m, n, a, b,
                                            [p[1], p[0]] + p[2:], expect="root_mismatch"))
    consistency.append(consistency_case(f"tree {m} to tree {n}: wrong first root", m, n, ROOTS[m - 1], b, p,
                                        expect="root_mismatch"))
    consistency.append(consistency_case(f"tree {m} to tree {n}: wrong second root", m, n, a, ROOTS[n - 1], p,
                                        expect="root_mismatch"))
    consistency.append(consistency_case(f"tree {m} to tree {n}: roots swapped", m, n, b, a, p,
                                        expect="root_mismatch"))
    consistency.append(consistency_case(f"tree {m} to tree {n}: sizes swapped", n, m, b, a, p,
                                        expect="out_of_range"))
    if m & (m - 1) == 0:
        consistency.append(consistency_case(f"tree {m} to tree {n}: first root prepended by the prover", m, n, a, b,
                                            [a] + p, expect="wrong_length"))
    for mm in (m - 1, m + 1):
        if 0 < mm < n:
            consistency.append(consistency_case(f"tree {m} to tree {n}: claimed first size {mm}", mm, n, a, b, p))
    for nn in (n - 1, n + 1):
        if nn > m:
            consistency.append(consistency_case(f"tree {m} to tree {n}: claimed second size {nn}", m, nn, a, b, p))
for n in (1, 5, 8):
    consistency.append(consistency_case(f"tree {n} to itself with a non-empty proof", n, n, ROOTS[n], ROOTS[n],
                                        [ROOTS[n]], expect="wrong_length"))
    consistency.append(consistency_case(f"tree {n} to itself with different roots", n, n, ROOTS[n], ROOTS[n - 1], [],
                                        expect="root_mismatch"))
    consistency.append(consistency_case(f"empty tree to tree {n} with a non-empty proof", 0, n, ROOTS[0], ROOTS[n],
                                        [ROOTS[n]], expect="wrong_length"))

tree = {
    "description": "The Certificate Transparency reference tree: eight leaves (hex leaf data) and MTH(D[0:n]) "
                   "for n = 0..8. Leaf hash = SHA-256(0x00 || data), node hash = SHA-256(0x01 || left || right).",
    "leaves": LEAVES,
    "roots": CT_ROOTS,
}


def dump(name, obj):
    (HERE / name).write_text(json.dumps(obj, indent=1) + "\n")


dump("reference-tree.json", tree)
dump("inclusion.json", {
    "description": "Inclusion proofs over the reference tree (RFC 9162 section 2.1.3). expect is ok, "
                   "out_of_range, wrong_length or root_mismatch. Generated by gen.py.",
    "cases": inclusion})
dump("consistency.json", {
    "description": "Consistency proofs over the reference tree (RFC 9162 section 2.1.4). expect is ok, "
                   "out_of_range, wrong_length or root_mismatch. Generated by gen.py.",
    "cases": consistency})
print(len(inclusion), "inclusion cases,", len(consistency), "consistency cases")
