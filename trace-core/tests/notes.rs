//! Signed notes, verifier keys and checkpoints: the vectors others published (Go's sumdb/note, the C2SP
//! signed-note example, a real CT log checkpoint with witness cosignatures) reproduced or verified byte for
//! byte, must-fail cases from `tests/data/checkpoint/must-fail.json`, and our own golden checkpoints pinned in
//! `tests/data/checkpoint/golden.json` (regenerate deliberately with `TRACE_BLESS=1`).

use serde_json::Value;
use trace_core::encoding::{base64_decode, sha256};
use trace_core::*;

use crate::common::*;
use crate::merkle::data_dir;

pub fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(data_dir().join("checkpoint").join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap()
}

fn note_kind(e: &NoteError) -> &'static str {
    match e {
        NoteError::TooLarge { .. } => "TooLarge",
        NoteError::NotUtf8 => "NotUtf8",
        NoteError::ControlCharacter { .. } => "ControlCharacter",
        NoteError::BadText => "BadText",
        NoteError::NoSignatures => "NoSignatures",
        NoteError::MalformedSignatureLine { .. } => "MalformedSignatureLine",
        NoteError::TooManySignatures { .. } => "TooManySignatures",
        NoteError::InvalidKeyName { .. } => "InvalidKeyName",
        NoteError::InvalidVerifierKey { .. } => "InvalidVerifierKey",
        NoteError::AmbiguousKey { .. } => "AmbiguousKey",
        NoteError::BadSignature { .. } => "BadSignature",
        NoteError::NoVerifiedSignature => "NoVerifiedSignature",
        _ => "other",
    }
}

fn checkpoint_kind(e: &CheckpointError) -> &'static str {
    match e {
        CheckpointError::Note(_) => "Note",
        CheckpointError::TooFewLines { .. } => "TooFewLines",
        CheckpointError::EmptyOrigin => "EmptyOrigin",
        CheckpointError::BadLine => "BadLine",
        CheckpointError::BadSize { .. } => "BadSize",
        CheckpointError::BadRoot { .. } => "BadRoot",
        CheckpointError::EmptyExtension { .. } => "EmptyExtension",
        CheckpointError::NotALogKey { .. } => "NotALogKey",
        CheckpointError::NotSignedByLog { .. } => "NotSignedByLog",
        CheckpointError::LedgerMismatch { .. } => "LedgerMismatch",
        _ => "other",
    }
}

/// The seed inside Go's `PRIVATE+KEY+name+id+base64(0x01 ‖ seed)` signer key form.
fn go_signer_seed(skey: &str) -> (String, [u8; 32]) {
    let rest = skey.strip_prefix("PRIVATE+KEY+").unwrap();
    let (name, rest) = rest.split_once('+').unwrap();
    let (_id, material) = rest.split_once('+').unwrap();
    let raw = base64_decode(material).unwrap();
    assert_eq!(raw[0], 0x01);
    (name.to_owned(), raw[1..].try_into().unwrap())
}

#[test]
fn go_sumdb_note_example_is_reproduced_byte_for_byte() {
    let v = &load("external.json")["go_sumdb_note"];
    let (name, seed) = go_signer_seed(s(&v["signer_key"]));
    let signer = NoteSigner::new(&name, SecretKey::from_seed(seed)).unwrap();
    assert_eq!(signer.verifier_key().to_string(), s(&v["peter_vkey"]));
    assert_eq!(hex::encode(signer.verifier_key().key_id()), "c74f20a3");

    let mut note = Note::new(s(&v["text"])).unwrap();
    note.sign(&signer);
    assert_eq!(note.to_string(), s(&v["signed_note"]));
    assert_eq!(note.signatures()[0].line(), s(&v["peter_signature_line"]));

    let parsed = Note::parse(s(&v["signed_note"]).as_bytes()).unwrap();
    assert_eq!(parsed, note);
    let peter: VerifierKey = s(&v["peter_vkey"]).parse().unwrap();
    let ok = parsed.verify(std::slice::from_ref(&peter)).unwrap();
    assert_eq!(ok, vec![VerifiedSignature { key: peter, timestamp: None }]);
}

#[test]
fn go_sumdb_note_enoch_root_is_the_all_zero_seed_and_its_signature_is_reproduced() {
    let v = &load("external.json")["go_sumdb_note"];
    let signer = NoteSigner::new("EnochRoot", SecretKey::from_seed([0; 32])).unwrap();
    assert_eq!(signer.verifier_key().to_string(), s(&v["enoch_vkey"]));
    assert_eq!(signer.sign(s(&v["text"])).line(), s(&v["enoch_signature_line"]));
}

#[test]
fn signed_note_spec_example_verifies() {
    let v = &load("external.json")["signed_note_spec"];
    let key: VerifierKey = s(&v["vkey"]).parse().unwrap();
    assert_eq!(key.name(), "example.com/foo");
    assert_eq!(key.key_type(), NoteKeyType::Ed25519);
    assert_eq!(key.public_key().to_string(), s(&v["public_key_hex"]));
    let note = Note::parse(s(&v["note"]).as_bytes()).unwrap();
    assert_eq!(note.text(), s(&v["text"]));
    assert_eq!(note.verify(&[key]).unwrap().len(), 1);
    assert_eq!(note.to_string(), s(&v["note"]));
}

#[test]
fn a_real_ct_checkpoint_verifies_with_four_witness_cosignatures_and_an_ignored_signature_type() {
    let v = &load("external.json")["ct_checkpoint"];
    let log: VerifierKey = s(&v["log_vkey"]).parse().unwrap();
    let witnesses: Vec<VerifierKey> =
        v["witness_vkeys"].as_array().unwrap().iter().map(|k| s(k).parse().unwrap()).collect();
    assert!(witnesses.iter().all(|w| w.key_type() == NoteKeyType::CosignatureV1));
    let note = s(&v["note"]).as_bytes();

    let signed = SignedCheckpoint::open_with_witnesses(note, &log, &witnesses).unwrap();
    let cp = signed.checkpoint();
    assert_eq!(cp.origin(), s(&v["origin"]));
    assert_eq!(cp.size(), v["size"].as_u64().unwrap());
    assert_eq!(trace_core::encoding::base64_encode(cp.root()), s(&v["root"]));
    let cosigs: Vec<&VerifiedSignature> = signed.cosignatures().collect();
    assert_eq!(cosigs.len(), 4);
    for c in &cosigs {
        let t = c.timestamp.unwrap();
        assert!((1_700_000_000..2_000_000_000).contains(&t), "cosignature time {t}");
    }
    // Six signature lines, one of an RFC 6962 type this crate does not know: it is ignored.
    assert_eq!(signed.note().signatures().len(), 6);
    assert_eq!(signed.note().to_string(), s(&v["note"]));

    // The log key alone is enough to open it; witnesses alone are not.
    assert_eq!(SignedCheckpoint::open(note, &log).unwrap().cosignatures().count(), 0);
    let wit_as_log = SignedCheckpoint::open(note, &witnesses[0]);
    assert!(matches!(wit_as_log, Err(CheckpointError::NotALogKey { .. })));

    // A changed size breaks the log signature and every cosignature.
    let forged = s(&v["note"]).replacen("1432088532", "1432088533", 1);
    let e = SignedCheckpoint::open_with_witnesses(forged.as_bytes(), &log, &witnesses).unwrap_err();
    assert!(matches!(e, CheckpointError::Note(NoteError::BadSignature { .. })), "{e}");
    for w in &witnesses {
        let n = Note::parse(forged.as_bytes()).unwrap();
        assert!(matches!(n.verify(std::slice::from_ref(w)), Err(NoteError::BadSignature { .. })));
    }
}

#[test]
fn verifier_keys_published_by_others_round_trip() {
    let v = load("external.json");
    for k in v["vkeys_that_parse"].as_array().unwrap() {
        let key: VerifierKey = s(k).parse().unwrap();
        assert_eq!(key.to_string(), s(k));
        let json = serde_json::to_string(&key).unwrap();
        assert_eq!(serde_json::from_str::<VerifierKey>(&json).unwrap(), key);
    }
    // An upper-case key id names the same key; the text form is lower case.
    let upper: VerifierKey = "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW".parse().unwrap();
    assert_eq!(upper.to_string(), "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
}

#[test]
fn malformed_notes_are_refused_with_the_exact_error() {
    let v = load("must-fail.json");
    for c in v["parse"].as_array().unwrap() {
        let bytes = match c.get("note") {
            Some(n) => s(n).as_bytes().to_vec(),
            None => hex::decode(s(&c["note_hex"])).unwrap(),
        };
        let got = Note::parse(&bytes).map(|_| ()).map_err(|e| note_kind(&e));
        assert_eq!(got, Err(s(&c["expect"])), "{}", s(&c["desc"]));
    }
}

#[test]
fn note_verification_cases() {
    let v = load("must-fail.json");
    for c in v["verify"].as_array().unwrap() {
        let desc = s(&c["desc"]);
        let keys: Vec<VerifierKey> = c["keys"].as_array().unwrap().iter().map(|k| s(k).parse().unwrap()).collect();
        let note = Note::parse(s(&c["note"]).as_bytes()).unwrap();
        match note.verify(&keys) {
            Ok(verified) => {
                assert_eq!(s(&c["expect"]), "ok", "{desc}");
                let names: Vec<&str> = verified.iter().map(|v| v.key.name()).collect();
                let want: Vec<&str> = c["verified"].as_array().unwrap().iter().map(s).collect();
                assert_eq!(names, want, "{desc}");
            }
            Err(e) => assert_eq!(note_kind(&e), s(&c["expect"]), "{desc}: {e}"),
        }
    }
}

#[test]
fn a_key_with_the_signers_name_but_another_public_key_is_simply_unknown() {
    let v = &load("external.json")["go_sumdb_note"];
    let note = Note::parse(s(&v["signed_note"]).as_bytes()).unwrap();
    let impostor = VerifierKey::new("PeterNeumann", NoteKeyType::Ed25519, key(9).public()).unwrap();
    assert_eq!(note.verify(std::slice::from_ref(&impostor)), Err(NoteError::NoVerifiedSignature));
    // Two different trusted keys under one name and id would make a signature unattributable.
    let peter: VerifierKey = s(&v["peter_vkey"]).parse().unwrap();
    assert_eq!(note.verify(&[peter.clone(), impostor]).unwrap().len(), 1);
    assert_eq!(note.verify(&[peter.clone(), peter]).unwrap().len(), 1, "the same key twice is not ambiguous");
}

#[test]
fn bad_verifier_keys_are_refused() {
    let v = load("must-fail.json");
    for c in v["bad_vkeys"].as_array().unwrap() {
        let got = s(&c["vkey"]).parse::<VerifierKey>().map(|_| ()).map_err(|e| note_kind(&e));
        assert_eq!(got, Err(s(&c["expect"])), "{}", s(&c["desc"]));
    }
}

#[test]
fn checkpoint_bodies_parse_or_are_refused_precisely() {
    let v = load("must-fail.json");
    for c in v["bad_checkpoint_bodies"].as_array().unwrap() {
        let got = Checkpoint::parse(s(&c["text"])).map(|_| ()).map_err(|e| checkpoint_kind(&e));
        assert_eq!(got, Err(s(&c["expect"])), "{}", s(&c["desc"]));
    }
    for c in v["good_checkpoint_bodies"].as_array().unwrap() {
        let cp = Checkpoint::parse(s(&c["text"])).unwrap();
        assert_eq!(cp.size(), c["size"].as_u64().unwrap(), "{}", s(&c["desc"]));
        assert_eq!(cp.text(), s(&c["text"]), "{}: the text round-trips", s(&c["desc"]));
    }
}

#[test]
fn note_limits_are_enforced() {
    let signer = NoteSigner::new("log.example", key(3)).unwrap();
    let mut note = Note::new("hello\n").unwrap();
    note.sign(&signer);
    let line = note.signatures()[0].line();
    let many = format!("hello\n\n{}", line.repeat(MAX_NOTE_SIGNATURES));
    assert_eq!(Note::parse(many.as_bytes()).unwrap().signatures().len(), MAX_NOTE_SIGNATURES);
    let too_many = format!("hello\n\n{}", line.repeat(MAX_NOTE_SIGNATURES + 1));
    assert_eq!(Note::parse(too_many.as_bytes()), Err(NoteError::TooManySignatures { limit: MAX_NOTE_SIGNATURES }));
    let huge = format!("{}\n\n{line}", "x".repeat(MAX_NOTE_BYTES));
    assert!(matches!(Note::parse(huge.as_bytes()), Err(NoteError::TooLarge { .. })));
    assert_eq!(Note::new("no newline"), Err(NoteError::BadText));
    assert_eq!(Note::new("tab\there\n"), Err(NoteError::ControlCharacter { offset: 3 }));
    assert!(matches!(NoteSigner::new("has space", key(3)), Err(NoteError::InvalidKeyName { .. })));
    assert!(matches!(NoteSigner::new("", key(3)), Err(NoteError::InvalidKeyName { .. })));
}

#[test]
fn notes_with_blank_lines_in_the_text_sign_verify_and_round_trip() {
    let signer = NoteSigner::new("log.example", key(3)).unwrap();
    let mut note = Note::new("first\n\nsecond\n\n").unwrap();
    note.sign(&signer);
    note.sign(&signer); // re-signing replaces the line
    assert_eq!(note.signatures().len(), 1);
    let parsed = Note::parse(note.to_string().as_bytes()).unwrap();
    assert_eq!(parsed.text(), "first\n\nsecond\n\n");
    assert_eq!(parsed.verify(&[signer.verifier_key().clone()]).unwrap().len(), 1);
}

#[test]
fn a_ledger_checkpoint_signs_opens_and_describes_the_ledger() {
    let t = TestLedger::founded();
    let signer = NoteSigner::new(ORIGIN, key(0x4c)).unwrap();
    for size in [0, 1, t.ledger.size()] {
        let cp = Checkpoint::of_ledger(&t.ledger, size).unwrap();
        assert_eq!((cp.origin(), cp.size()), (ORIGIN, size));
        assert_eq!(cp.root(), &t.ledger.root_at(size).unwrap());
        let note = cp.sign(&signer).to_string();
        let opened = SignedCheckpoint::open(note.as_bytes(), signer.verifier_key()).unwrap();
        assert_eq!(opened.checkpoint(), &cp);
        let other = NoteSigner::new(ORIGIN, key(0x4d)).unwrap();
        assert!(matches!(
            SignedCheckpoint::open(note.as_bytes(), other.verifier_key()),
            Err(CheckpointError::Note(NoteError::NoVerifiedSignature))
        ));
    }
    assert!(Checkpoint::of_ledger(&t.ledger, t.ledger.size() + 1).is_err());
}

/// The fixed log key of the golden vectors: seed of 32 bytes 0x4c, named like its origin.
pub fn golden_log() -> NoteSigner {
    NoteSigner::new("trace.example/golden", SecretKey::from_seed([0x4c; 32])).unwrap()
}

pub fn golden_root() -> [u8; 32] {
    sha256(b"trace golden root")
}

fn render_golden() -> Value {
    let log = golden_log();
    let cp = Checkpoint::new(log.name(), 20_852_163, golden_root()).unwrap();
    let empty = Checkpoint::new(log.name(), 0, trace_core::merkle::empty_root()).unwrap();
    let ext = Checkpoint::with_extensions(log.name(), 7, golden_root(), vec!["extension line".into()]).unwrap();
    let mut out = serde_json::json!({
        "about": "Golden checkpoints of trace. Log key: seed of 32 bytes 0x4c under the key name \
                  trace.example/golden. Root: SHA-256(\"trace golden root\"). See docs/formats.md.",
        "log_seed": hex::encode([0x4cu8; 32]),
        "log_vkey": log.verifier_key().to_string(),
        "checkpoints": [],
    });
    for (desc, c) in [("a checkpoint", &cp), ("the empty tree", &empty), ("with an extension line", &ext)] {
        let note = c.sign(&log);
        out["checkpoints"].as_array_mut().unwrap().push(serde_json::json!({
            "desc": desc,
            "origin": c.origin(),
            "size": c.size(),
            "root_hex": hex::encode(c.root()),
            "text": c.text(),
            "note": note.to_string(),
        }));
    }
    out
}

#[test]
fn golden_checkpoints_match_the_pinned_bytes() {
    let now = render_golden();
    let path = data_dir().join("checkpoint/golden.json");
    if std::env::var_os("TRACE_BLESS").is_some() {
        std::fs::write(&path, serde_json::to_string_pretty(&now).unwrap() + "\n").unwrap();
    }
    let pinned: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(now["log_vkey"], pinned["log_vkey"]);
    assert_eq!(now["checkpoints"], pinned["checkpoints"]);

    // The pinned notes open with the pinned key alone.
    let key: VerifierKey = s(&pinned["log_vkey"]).parse().unwrap();
    for c in pinned["checkpoints"].as_array().unwrap() {
        let signed = SignedCheckpoint::open(s(&c["note"]).as_bytes(), &key).unwrap();
        assert_eq!(signed.checkpoint().text(), s(&c["text"]));
        assert_eq!(signed.checkpoint().size(), c["size"].as_u64().unwrap());
    }
}
