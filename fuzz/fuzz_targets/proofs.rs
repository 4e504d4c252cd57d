//! Merkle proof verification (RFC 9162) with arbitrary inputs, and against real trees.
//!
//! Properties: `verify_inclusion` and `verify_consistency` never panic or loop on any input; for a real tree
//! of up to 300 leaves, the proofs the tree gives verify, and a proof with any one bit flipped, or for
//! another leaf, does not.

#![no_main]

use std::collections::HashMap;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use trace_core::encoding::leaf_hash;
use trace_core::merkle::{self, Hash, NodeSource};

#[derive(Debug, Arbitrary)]
struct Input {
    index: u64,
    size: u64,
    old: u64,
    proof: Vec<[u8; 32]>,
    leaf: [u8; 32],
    root: [u8; 32],
    other_root: [u8; 32],
    leaves: u16,
    flip: u16,
}

struct Tree(HashMap<(u8, u64), Hash>);

impl NodeSource for Tree {
    fn node(&self, level: u8, index: u64) -> Result<Hash, trace_core::Error> {
        self.0.get(&(level, index)).copied().ok_or_else(|| trace_core::Error::NotFound("node".into()))
    }
}

fuzz_target!(|input: Input| {
    // Arbitrary inputs: any answer, but an answer.
    let _ = merkle::verify_inclusion(&input.leaf, input.index, input.size, &input.proof, &input.root);
    let _ = merkle::verify_consistency(input.old, input.size, &input.root, &input.other_root, &input.proof);

    // A real tree.
    let n = u64::from(input.leaves % 300) + 1;
    let mut tree = Tree(HashMap::new());
    for i in 0..n {
        let leaf = leaf_hash(&i.to_le_bytes());
        for (level, index, h) in merkle::append_nodes(&tree, i, leaf).unwrap() {
            tree.0.insert((level, index), h);
        }
    }
    let root = merkle::root(&tree, n).unwrap();
    let index = input.index % n;
    let leaf = leaf_hash(&index.to_le_bytes());
    let proof = merkle::inclusion_proof(&tree, index, n).unwrap();
    merkle::verify_inclusion(&leaf, index, n, &proof, &root).expect("a real inclusion proof verifies");
    let other = (index + 1 + input.old % n) % n;
    if other != index {
        assert!(merkle::verify_inclusion(&leaf, other, n, &proof, &root).is_err(), "a proof for another index");
    }
    let old = input.old % (n + 1);
    let old_root = merkle::root(&tree, old).unwrap();
    let cproof = merkle::consistency_proof(&tree, old, n).unwrap();
    merkle::verify_consistency(old, n, &old_root, &root, &cproof).expect("a real consistency proof verifies");
    let bits = proof.len() * 256;
    if bits > 0 {
        let mut bad = proof.clone();
        let b = usize::from(input.flip) % bits;
        bad[b / 256][(b % 256) / 8] ^= 1 << (b % 8);
        assert!(merkle::verify_inclusion(&leaf, index, n, &bad, &root).is_err(), "a flipped inclusion proof");
    }
    let bits = cproof.len() * 256;
    if bits > 0 {
        let mut bad = cproof.clone();
        let b = usize::from(input.flip) % bits;
        bad[b / 256][(b % 256) / 8] ^= 1 << (b % 8);
        assert!(
            merkle::verify_consistency(old, n, &old_root, &root, &bad).is_err(),
            "a flipped consistency proof"
        );
    }
});
