//! The offline verifiers an auditor runs on files someone gave them: `verify_bundle` (JSON Lines audit bundle)
//! and `verify_proof_file` (one record's inclusion proof), unpinned and pinned to a key.
//!
//! Properties: no panic, no hang, bounded memory, whatever the bytes.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use trace_core::{NoteKeyType, SecretKey, Trust, VerifierKey, verify_bundle, verify_proof_file};

fn pinned() -> &'static Trust {
    static TRUST: OnceLock<Trust> = OnceLock::new();
    TRUST.get_or_init(|| {
        let log = SecretKey::from_seed([7; 32]).public();
        Trust::pinned(VerifierKey::new("fuzz.trace.example/ledger", NoteKeyType::Ed25519, log).unwrap())
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = verify_bundle(data, &Trust::default());
    let _ = verify_bundle(data, pinned());
    let _ = verify_proof_file(data, &Trust::default());
    let _ = verify_proof_file(data, pinned());
});
