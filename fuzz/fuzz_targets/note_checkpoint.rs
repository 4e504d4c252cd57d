//! Signed notes, checkpoints, verifier keys, signature lines, witness add-checkpoint requests and tile paths:
//! every text a witness, an auditor or a mirror parses from someone else.
//!
//! Properties: no panic; a parsed note prints back to exactly its bytes; a parsed checkpoint's text is its
//! input; verifier keys, signature lines and tile paths round-trip through their text form.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use trace_core::{
    AddCheckpoint, Checkpoint, Note, NoteKeyType, NoteSignature, SecretKey, SignedCheckpoint, Tile, VerifierKey,
};

/// The log key that signed the seed checkpoints in the corpus (seed 7), and a witness key (seed 9).
fn keys() -> &'static (VerifierKey, VerifierKey) {
    static KEYS: OnceLock<(VerifierKey, VerifierKey)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let log = SecretKey::from_seed([7; 32]).public();
        let witness = SecretKey::from_seed([9; 32]).public();
        (
            VerifierKey::new("fuzz.trace.example/ledger", NoteKeyType::Ed25519, log).unwrap(),
            VerifierKey::new("witness.example", NoteKeyType::CosignatureV1, witness).unwrap(),
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let (log, witness) = keys();
    if let Ok(note) = Note::parse(data) {
        assert_eq!(note.to_string().as_bytes(), data, "a note prints back to its bytes");
        let _ = note.verify(&[log.clone(), witness.clone()]);
        if let Ok(cp) = Checkpoint::parse(note.text()) {
            assert_eq!(cp.text(), note.text());
        }
    }
    let _ = SignedCheckpoint::open_with_witnesses(data, log, std::slice::from_ref(witness));
    let _ = AddCheckpoint::parse(data);
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(cp) = Checkpoint::parse(text) {
        assert_eq!(cp.text(), text, "a checkpoint's text is its input");
    }
    if let Ok(k) = text.parse::<VerifierKey>() {
        // An upper-case key id is accepted (as Go's note package does) and printed in lower case, so compare
        // keys, and texts up to the case of the key id.
        assert_eq!(k.to_string().parse::<VerifierKey>().unwrap(), k);
        assert!(k.to_string().eq_ignore_ascii_case(text));
    }
    if let Ok(s) = NoteSignature::parse_line(text) {
        assert_eq!(NoteSignature::parse_line(&s.line()).unwrap(), s);
    }
    if let Ok(t) = Tile::parse(text) {
        assert_eq!(Tile::parse(&t.path()).unwrap(), t);
    }
});
