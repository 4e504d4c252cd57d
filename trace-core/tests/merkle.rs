//! RFC 6962 / 9162 Merkle tree tests: the vectors in `tests/data/merkle/` (the Certificate Transparency
//! reference tree, valid and must-fail proofs), every proof of every tree up to 64 leaves checked against a
//! literal transcription of the RFC definitions, random proofs in a tree of a million leaves, and the proofs
//! a real ledger serves.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use trace_core::encoding::{leaf_hash, node_hash};
use trace_core::merkle::{self, Hash, NodeSource, ProofError};
use trace_core::*;

use crate::common::*;

pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data")
}

/// An in-memory [`NodeSource`]: every complete subtree hash, level by level, built once from leaf hashes.
pub struct MemTree {
    levels: Vec<Vec<Hash>>,
}

impl MemTree {
    pub fn new(leaves: Vec<Hash>) -> MemTree {
        let mut levels = vec![leaves];
        while levels.last().unwrap().len() > 1 {
            let below = levels.last().unwrap();
            let up: Vec<Hash> = below.chunks_exact(2).map(|p| node_hash(&p[0], &p[1])).collect();
            levels.push(up);
        }
        MemTree { levels }
    }

    /// A tree of `n` leaves whose leaf data is the index as 8 big-endian bytes.
    pub fn numbered(n: u64) -> MemTree {
        MemTree::new((0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect())
    }

    pub fn leaf(&self, i: u64) -> Hash {
        self.levels[0][i as usize]
    }

    pub fn len(&self) -> u64 {
        self.levels[0].len() as u64
    }
}

impl NodeSource for MemTree {
    fn node(&self, level: u8, index: u64) -> Result<Hash, Error> {
        self.levels
            .get(level as usize)
            .and_then(|l| l.get(index as usize))
            .copied()
            .ok_or_else(|| Error::NotFound(format!("node ({level}, {index})")))
    }
}

// A literal transcription of RFC 6962 section 2.1 over leaf hashes, independent of `merkle`.

fn k_of(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

pub fn mth(d: &[Hash]) -> Hash {
    match d.len() {
        0 => trace_core::encoding::sha256(b""),
        1 => d[0],
        n => {
            let k = k_of(n);
            node_hash(&mth(&d[..k]), &mth(&d[k..]))
        }
    }
}

fn rfc_path(m: usize, d: &[Hash]) -> Vec<Hash> {
    if d.len() <= 1 {
        return vec![];
    }
    let k = k_of(d.len());
    if m < k {
        let mut p = rfc_path(m, &d[..k]);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = rfc_path(m - k, &d[k..]);
        p.push(mth(&d[..k]));
        p
    }
}

fn rfc_subproof(m: usize, d: &[Hash], b: bool) -> Vec<Hash> {
    let n = d.len();
    if m == n {
        return if b { vec![] } else { vec![mth(d)] };
    }
    let k = k_of(n);
    if m <= k {
        let mut p = rfc_subproof(m, &d[..k], b);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = rfc_subproof(m - k, &d[k..], false);
        p.push(mth(&d[..k]));
        p
    }
}

fn rfc_proof(m: usize, d: &[Hash]) -> Vec<Hash> {
    if m == 0 || m == d.len() { vec![] } else { rfc_subproof(m, d, true) }
}

/// A small deterministic generator (splitmix64), so the random tests replay exactly.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform-ish in `[lo, hi]`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

fn h(s: &str) -> Hash {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).unwrap();
    out
}

fn hs(v: &[String]) -> Vec<Hash> {
    v.iter().map(|s| h(s)).collect()
}

fn outcome(r: Result<(), ProofError>) -> &'static str {
    match r {
        Ok(()) => "ok",
        Err(ProofError::OutOfRange) => "out_of_range",
        Err(ProofError::WrongLength) => "wrong_length",
        Err(ProofError::RootMismatch) => "root_mismatch",
        Err(e) => panic!("unexpected proof error {e:?}"),
    }
}

#[derive(Deserialize)]
struct ReferenceTree {
    leaves: Vec<String>,
    roots: Vec<String>,
}

fn reference() -> (MemTree, Vec<Hash>) {
    let text = std::fs::read_to_string(data_dir().join("merkle/reference-tree.json")).unwrap();
    let t: ReferenceTree = serde_json::from_str(&text).unwrap();
    let leaves: Vec<Hash> = t.leaves.iter().map(|l| leaf_hash(&hex::decode(l).unwrap())).collect();
    (MemTree::new(leaves), hs(&t.roots))
}

#[derive(Deserialize)]
struct Cases<T> {
    cases: Vec<T>,
}

#[derive(Deserialize)]
struct InclusionCase {
    desc: String,
    index: u64,
    size: u64,
    leaf_hash: String,
    proof: Vec<String>,
    root: String,
    expect: String,
    #[serde(default)]
    canonical: bool,
}

#[derive(Deserialize)]
struct ConsistencyCase {
    desc: String,
    old: u64,
    new: u64,
    old_root: String,
    new_root: String,
    proof: Vec<String>,
    expect: String,
    #[serde(default)]
    canonical: bool,
}

#[test]
fn the_reference_tree_has_the_ct_roots_at_every_size() {
    let (tree, roots) = reference();
    assert_eq!(roots.len(), 9);
    for (n, want) in roots.iter().enumerate() {
        assert_eq!(&merkle::root(&tree, n as u64).unwrap(), want, "root of size {n}");
    }
    assert_eq!(merkle::empty_root(), roots[0]);
}

#[test]
fn inclusion_vectors_from_files() {
    let (tree, _) = reference();
    let text = std::fs::read_to_string(data_dir().join("merkle/inclusion.json")).unwrap();
    let cases: Cases<InclusionCase> = serde_json::from_str(&text).unwrap();
    assert!(cases.cases.len() > 100);
    let mut fails = 0;
    for c in &cases.cases {
        let proof = hs(&c.proof);
        let got = outcome(merkle::verify_inclusion(&h(&c.leaf_hash), c.index, c.size, &proof, &h(&c.root)));
        assert_eq!(got, c.expect, "{}", c.desc);
        if c.expect != "ok" {
            fails += 1;
        }
        if c.canonical {
            assert_eq!(merkle::inclusion_proof(&tree, c.index, c.size).unwrap(), proof, "{}", c.desc);
        }
    }
    assert!(fails > 100, "the file must carry many must-fail cases");
}

#[test]
fn consistency_vectors_from_files() {
    let (tree, _) = reference();
    let text = std::fs::read_to_string(data_dir().join("merkle/consistency.json")).unwrap();
    let cases: Cases<ConsistencyCase> = serde_json::from_str(&text).unwrap();
    assert!(cases.cases.len() > 100);
    for c in &cases.cases {
        let proof = hs(&c.proof);
        let got = outcome(merkle::verify_consistency(c.old, c.new, &h(&c.old_root), &h(&c.new_root), &proof));
        assert_eq!(got, c.expect, "{}", c.desc);
        if c.canonical {
            assert_eq!(merkle::consistency_proof(&tree, c.old, c.new).unwrap(), proof, "{}", c.desc);
        }
    }
}

#[test]
fn every_root_up_to_64_leaves_matches_the_rfc_definition() {
    let tree = MemTree::numbered(64);
    let leaves: Vec<Hash> = (0..64).map(|i| tree.leaf(i)).collect();
    for n in 0..=64usize {
        assert_eq!(merkle::root(&tree, n as u64).unwrap(), mth(&leaves[..n]), "size {n}");
    }
}

#[test]
fn every_inclusion_proof_up_to_64_leaves_verifies_and_no_other_position_does() {
    let tree = MemTree::numbered(64);
    let leaves: Vec<Hash> = (0..64).map(|i| tree.leaf(i)).collect();
    let mut checked = 0;
    for size in 1..=64u64 {
        let root = mth(&leaves[..size as usize]);
        for index in 0..size {
            let proof = merkle::inclusion_proof(&tree, index, size).unwrap();
            assert_eq!(proof, rfc_path(index as usize, &leaves[..size as usize]), "({index}, {size})");
            let leaf = leaves[index as usize];
            assert_eq!(merkle::verify_inclusion(&leaf, index, size, &proof, &root), Ok(()), "({index}, {size})");
            checked += 1;

            // The same proof must not place the leaf anywhere else, or place another leaf here.
            for other in 0..size {
                if other != index {
                    assert!(merkle::verify_inclusion(&leaf, other, size, &proof, &root).is_err());
                    assert!(merkle::verify_inclusion(&leaves[other as usize], index, size, &proof, &root).is_err());
                }
            }
            // Every damaged proof fails.
            for j in 0..proof.len() {
                let mut bad = proof.clone();
                bad[j][31] ^= 0x80;
                assert_eq!(merkle::verify_inclusion(&leaf, index, size, &bad, &root), Err(ProofError::RootMismatch));
            }
            if !proof.is_empty() {
                let short = &proof[..proof.len() - 1];
                assert_eq!(merkle::verify_inclusion(&leaf, index, size, short, &root), Err(ProofError::WrongLength));
            }
            let mut long = proof.clone();
            long.push(root);
            assert_eq!(merkle::verify_inclusion(&leaf, index, size, &long, &root), Err(ProofError::WrongLength));
            assert_eq!(merkle::verify_inclusion(&leaf, size, size, &proof, &root), Err(ProofError::OutOfRange));
        }
        assert!(merkle::inclusion_proof(&tree, size, size).is_err());
    }
    assert_eq!(checked, 64 * 65 / 2);
}

#[test]
fn every_consistency_proof_up_to_64_leaves_verifies_and_damage_is_refused() {
    let tree = MemTree::numbered(64);
    let leaves: Vec<Hash> = (0..64).map(|i| tree.leaf(i)).collect();
    let roots: Vec<Hash> = (0..=64).map(|n| mth(&leaves[..n])).collect();
    let mut checked = 0;
    for new in 0..=64u64 {
        for old in 0..=new {
            let proof = merkle::consistency_proof(&tree, old, new).unwrap();
            assert_eq!(proof, rfc_proof(old as usize, &leaves[..new as usize]), "({old}, {new})");
            let (a, b) = (roots[old as usize], roots[new as usize]);
            assert_eq!(merkle::verify_consistency(old, new, &a, &b, &proof), Ok(()), "({old}, {new})");
            checked += 1;
            if old == 0 {
                continue;
            }
            // Any other first tree of the same size, or any other second tree, is refused.
            let other_old = roots[(old - 1) as usize];
            assert!(merkle::verify_consistency(old, new, &other_old, &b, &proof).is_err(), "({old}, {new})");
            if new > 1 {
                let other_new = roots[(new - 1) as usize];
                assert!(merkle::verify_consistency(old, new, &a, &other_new, &proof).is_err(), "({old}, {new})");
            }
            for j in 0..proof.len() {
                let mut bad = proof.clone();
                bad[j][0] ^= 0x01;
                assert_eq!(
                    merkle::verify_consistency(old, new, &a, &b, &bad),
                    Err(ProofError::RootMismatch),
                    "({old}, {new}) hash {j}"
                );
            }
            if !proof.is_empty() {
                let short = &proof[..proof.len() - 1];
                assert_eq!(merkle::verify_consistency(old, new, &a, &b, short), Err(ProofError::WrongLength));
            }
            let mut long = proof.clone();
            long.push(b);
            assert_eq!(merkle::verify_consistency(old, new, &a, &b, &long), Err(ProofError::WrongLength));
            if old < new {
                assert_eq!(merkle::verify_consistency(new, old, &b, &a, &proof), Err(ProofError::OutOfRange));
            }
        }
        assert!(merkle::consistency_proof(&tree, new + 1, new).is_err());
    }
    assert_eq!(checked, 65 * 66 / 2);
}

/// The root of `n` leaves folded from a stack of complete subtrees, as a streaming verifier computes it:
/// a third, independent way to the same root.
fn stack_root(leaves: impl Iterator<Item = Hash>) -> Hash {
    let mut stack: Vec<(u32, Hash)> = Vec::new();
    for l in leaves {
        let mut cur = (0u32, l);
        while let Some(&(lvl, left)) = stack.last() {
            if lvl != cur.0 {
                break;
            }
            stack.pop();
            cur = (lvl + 1, node_hash(&left, &cur.1));
        }
        stack.push(cur);
    }
    let mut it = stack.into_iter().rev();
    let Some((_, mut r)) = it.next() else { return merkle::empty_root() };
    for (_, left) in it {
        r = node_hash(&left, &r);
    }
    r
}

#[test]
fn random_proofs_in_a_tree_of_a_million_leaves() {
    const N: u64 = 1 << 20;
    let tree = MemTree::numbered(N);
    assert_eq!(tree.len(), N);
    let full = merkle::root(&tree, N).unwrap();
    assert_eq!(full, stack_root((0..N).map(|i| tree.leaf(i))));
    let million = merkle::root(&tree, 1_000_000).unwrap();
    assert_eq!(million, stack_root((0..1_000_000).map(|i| tree.leaf(i))));

    let mut rng = Rng::new(0x7261_6365);
    let mut sizes = vec![1, 2, 3, N - 1, N, 1_000_000, 999_999, (1 << 19) + 1];
    sizes.extend((0..40).map(|_| rng.range(1, N)));
    for &size in &sizes {
        let root = merkle::root(&tree, size).unwrap();
        for _ in 0..25 {
            let index = rng.range(0, size - 1);
            let proof = merkle::inclusion_proof(&tree, index, size).unwrap();
            assert_eq!(merkle::verify_inclusion(&tree.leaf(index), index, size, &proof, &root), Ok(()));
            let mut bad = proof.clone();
            if let Some(p) = bad.first_mut() {
                p[7] ^= 0x10;
                assert!(merkle::verify_inclusion(&tree.leaf(index), index, size, &bad, &root).is_err());
            }
            let other = (index + 1) % size;
            if other != index {
                assert!(merkle::verify_inclusion(&tree.leaf(other), index, size, &proof, &root).is_err());
            }

            let old = rng.range(0, size);
            let old_root = merkle::root(&tree, old).unwrap();
            let proof = merkle::consistency_proof(&tree, old, size).unwrap();
            assert!(proof.len() <= 2 * 21, "consistency proof of {} hashes", proof.len());
            assert_eq!(merkle::verify_consistency(old, size, &old_root, &root, &proof), Ok(()), "({old}, {size})");
            if old > 0 && old < size {
                let mut bad = proof.clone();
                let j = rng.range(0, bad.len() as u64 - 1) as usize;
                bad[j][0] ^= 1;
                assert!(merkle::verify_consistency(old, size, &old_root, &root, &bad).is_err());
                let wrong_old = merkle::root(&tree, old - 1).unwrap();
                assert!(merkle::verify_consistency(old, size, &wrong_old, &root, &proof).is_err());
            }
        }
    }
}

#[test]
fn a_ledger_serves_proofs_that_verify_against_its_own_roots() {
    let t = TestLedger::founded();
    let l = &t.ledger;
    let n = l.size();
    assert_eq!(n, founding().len() as u64);
    let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&l.leaf_data(i).unwrap())).collect();
    assert_eq!(l.head().root, mth(&leaves));
    for size in 1..=n {
        let root = l.root_at(size).unwrap();
        assert_eq!(root, mth(&leaves[..size as usize]));
        for index in 0..size {
            let proof = l.inclusion_proof(index, size).unwrap();
            assert_eq!(merkle::verify_inclusion(&leaves[index as usize], index, size, &proof, &root), Ok(()));
        }
        for old in 0..=size {
            let proof = l.consistency_proof(old, size).unwrap();
            let old_root = l.root_at(old).unwrap();
            assert_eq!(merkle::verify_consistency(old, size, &old_root, &root, &proof), Ok(()));
        }
    }
    assert!(l.root_at(n + 1).is_err());
    assert!(l.inclusion_proof(0, n + 1).is_err());
    assert!(l.consistency_proof(1, n + 1).is_err());
}

#[test]
fn a_frontier_extended_leaf_by_leaf_has_the_root_and_nodes_of_every_size_up_to_130() {
    let n = 130u64;
    let tree = MemTree::numbered(n);
    let leaves: Vec<Hash> = (0..n).map(|i| tree.leaf(i)).collect();
    let mut f = merkle::Frontier::new();
    assert_eq!(f.root(), merkle::empty_root());
    for size in 1..=n {
        f.push(tree.leaf(size - 1));
        assert_eq!(f.size(), size);
        assert_eq!(f.hashes().len(), size.count_ones() as usize);
        assert_eq!(f.root(), mth(&leaves[..size as usize]), "size {size}");
        assert_eq!(f.root(), merkle::root(&tree, size).unwrap());
        // The frontier read from stored nodes is the same, and extends the same way.
        let stored = merkle::Frontier::of(&tree, size).unwrap();
        assert_eq!(stored, f);
        let again = merkle::Frontier::from_parts(size, f.hashes().to_vec()).unwrap();
        assert_eq!(again, f);
    }
    assert!(merkle::Frontier::from_parts(5, vec![[0; 32]]).is_none());
    assert!(merkle::Frontier::from_parts(0, vec![]).is_some());
}

#[test]
fn a_frontier_resumed_from_any_size_reaches_the_root_of_a_larger_tree() {
    let tree = MemTree::numbered(1000);
    for start in [0u64, 1, 2, 3, 255, 256, 257, 511, 777] {
        let mut f = merkle::Frontier::of(&tree, start).unwrap();
        for i in start..1000 {
            f.push(tree.leaf(i));
        }
        assert_eq!(f.root(), merkle::root(&tree, 1000).unwrap(), "from {start}");
        assert_eq!(f.root(), stack_root((0..1000).map(|i| tree.leaf(i))));
    }
}
