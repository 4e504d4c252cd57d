//! Witnesses and fork detection: a witness cosigns only append-only growth of a log it follows, refuses to go
//! backwards, to a conflicting root or past a bad proof, keeps its state across restarts, and reports a split
//! view with both notes. Also the cosignature golden vector.

use serde_json::Value;
use trace_core::*;

use crate::common::*;
use crate::merkle::data_dir;
use crate::notes::{golden_log, golden_root, load};

pub fn log_signer() -> NoteSigner {
    NoteSigner::new(ORIGIN, key(0x4c)).unwrap()
}

/// Appends `n` batch registrations whose product names carry `tag`, so two ledgers can be made to diverge.
pub fn grow(l: &Ledger, n: usize, tag: &str) {
    let records: Vec<Record> = (0..n)
        .map(|i| {
            register(&coop(), T0 + 1000 + i as u64, &format!("{tag} pigs {i}"), ProductClass::Livestock, "10 head")
        })
        .collect();
    for r in l.append_many(records).unwrap() {
        r.unwrap();
    }
}

fn note_at(l: &Ledger, size: u64) -> String {
    Checkpoint::of_ledger(l, size).unwrap().sign(&log_signer()).to_string()
}

fn witness(dir: &std::path::Path) -> Witness {
    let mut w = Witness::open(dir, "witness.test.trace.example/w1", key(0x57)).unwrap();
    w.follow(ORIGIN, log_signer().verifier_key().clone()).unwrap();
    w
}

const NOW: u64 = 1_764_288_000;

#[test]
fn a_witness_cosigns_append_only_growth_and_its_cosignatures_verify() {
    let t = TestLedger::founded();
    grow(&t.ledger, 5, "a");
    let dir = tempfile::tempdir().unwrap();
    let mut w = witness(dir.path());
    let wkey = w.verifier_key().clone();
    assert_eq!(wkey.key_type(), NoteKeyType::CosignatureV1);

    let mut old = 0;
    for (step, size) in [3u64, 3, 5, 9, 14].into_iter().enumerate() {
        let proof = t.ledger.consistency_proof(old, size).unwrap();
        let note = note_at(&t.ledger, size);
        let sig = w.add_checkpoint(old, &proof, note.as_bytes(), NOW + step as u64).unwrap();
        // The cosignature line appended to the note verifies under the witness key.
        let mut n = Note::parse(note.as_bytes()).unwrap();
        n.add_signature(sig);
        let signed = SignedCheckpoint::open_with_witnesses(
            n.to_string().as_bytes(),
            log_signer().verifier_key(),
            std::slice::from_ref(&wkey),
        )
        .unwrap();
        let cosigs: Vec<_> = signed.cosignatures().collect();
        assert_eq!(cosigs.len(), 1);
        assert_eq!(cosigs[0].timestamp, Some(NOW + step as u64));
        let latest = w.latest(ORIGIN).unwrap();
        assert_eq!((latest.size, latest.root), (size, t.ledger.root_at(size).unwrap()));
        old = size;
    }
}

#[test]
fn a_witness_refuses_to_go_backwards_or_skip_its_own_state() {
    let t = TestLedger::founded();
    grow(&t.ledger, 3, "a");
    let dir = tempfile::tempdir().unwrap();
    let mut w = witness(dir.path());
    w.add_checkpoint(0, &[], note_at(&t.ledger, 10).as_bytes(), NOW).unwrap();

    // A smaller checkpoint, presented as growing from 10: the log would be going backwards.
    let e = w.add_checkpoint(10, &[], note_at(&t.ledger, 6).as_bytes(), NOW).unwrap_err();
    assert!(matches!(e, WitnessError::OldSizeTooLarge { old_size: 10, size: 6 }), "{e}");
    // The same, presented as growing from 0, 6 or anything but 10: a conflict naming the size it holds.
    for old in [0, 6] {
        let proof = t.ledger.consistency_proof(old, 6).unwrap();
        let e = w.add_checkpoint(old, &proof, note_at(&t.ledger, 6).as_bytes(), NOW).unwrap_err();
        assert!(matches!(e, WitnessError::Conflict { latest: 10 }), "{e}");
    }
    let proof = t.ledger.consistency_proof(9, 12).unwrap();
    let e = w.add_checkpoint(9, &proof, note_at(&t.ledger, 12).as_bytes(), NOW).unwrap_err();
    assert!(matches!(e, WitnessError::Conflict { latest: 10 }), "{e}");
    assert_eq!(w.latest(ORIGIN).unwrap().size, 10);
}

#[test]
fn a_witness_refuses_a_bad_proof_and_a_forked_log() {
    let a = TestLedger::founded();
    grow(&a.ledger, 6, "a");
    let b = TestLedger::founded();
    grow(&b.ledger, 6, "b"); // the same records first, but accepted at other times: another tree
    let dir = tempfile::tempdir().unwrap();
    let mut w = witness(dir.path());
    w.add_checkpoint(0, &[], note_at(&a.ledger, 11).as_bytes(), NOW).unwrap();

    // A damaged proof for honest growth is refused and changes nothing; the right one then works.
    let mut proof = a.ledger.consistency_proof(11, 15).unwrap();
    proof[0][0] ^= 1;
    let e = w.add_checkpoint(11, &proof, note_at(&a.ledger, 15).as_bytes(), NOW).unwrap_err();
    assert!(matches!(e, WitnessError::InconsistentProof { old_size: 11, size: 15, .. }), "{e}");
    assert_eq!(w.latest(ORIGIN).unwrap().size, 11);

    // The log signs a forked tree B: B's own proof from 11 to 15 does not lead from A's root at 11.
    let proof_b = b.ledger.consistency_proof(11, 15).unwrap();
    let e = w.add_checkpoint(11, &proof_b, note_at(&b.ledger, 15).as_bytes(), NOW).unwrap_err();
    assert!(matches!(e, WitnessError::InconsistentProof { .. }), "{e}");

    // The log signs B at the very size the witness holds: a fork, with both notes.
    let note_b = note_at(&b.ledger, 11);
    let e = w.add_checkpoint(11, &[], note_b.as_bytes(), NOW).unwrap_err();
    let WitnessError::Fork(fork) = e else { panic!("expected a fork, got {e}") };
    assert_eq!(fork.kind, ForkKind::SameSizeDifferentRoot { size: 11 });
    assert_eq!(fork.first, note_at(&a.ledger, 11));
    assert_eq!(fork.second, note_b);
    let shown = fork.to_string();
    assert!(shown.starts_with("FORK of log") && shown.contains(&fork.first) && shown.contains(&fork.second));

    let proof = a.ledger.consistency_proof(11, 15).unwrap();
    w.add_checkpoint(11, &proof, note_at(&a.ledger, 15).as_bytes(), NOW).unwrap();
    assert_eq!(w.latest(ORIGIN).unwrap().size, 15);
}

#[test]
fn a_witness_only_cosigns_logs_it_follows_under_their_keys() {
    let t = TestLedger::founded();
    let dir = tempfile::tempdir().unwrap();
    let mut w = witness(dir.path());
    let stranger = NoteSigner::new("other.example/log", key(0x4c)).unwrap();
    let note = Checkpoint::new("other.example/log", 1, t.ledger.root_at(1).unwrap()).unwrap().sign(&stranger);
    let e = w.add_checkpoint(0, &[], note.to_string().as_bytes(), NOW).unwrap_err();
    assert!(matches!(e, WitnessError::UnknownLog { ref origin } if origin == "other.example/log"), "{e}");

    // Right origin, wrong key: refused as unsigned.
    let impostor = NoteSigner::new(ORIGIN, key(0x4d)).unwrap();
    let note = Checkpoint::of_ledger(&t.ledger, 3).unwrap().sign(&impostor);
    let e = w.add_checkpoint(0, &[], note.to_string().as_bytes(), NOW).unwrap_err();
    assert!(matches!(e, WitnessError::Checkpoint(CheckpointError::Note(NoteError::NoVerifiedSignature))), "{e}");
    // Garbage, and a non-log key.
    assert!(matches!(w.add_checkpoint(0, &[], b"not a note", NOW), Err(WitnessError::UnknownLog { .. })));
    let cosig_key = Cosigner::new("w", key(1)).unwrap().verifier_key().clone();
    assert!(matches!(w.follow("x", cosig_key), Err(WitnessError::Checkpoint(CheckpointError::NotALogKey { .. }))));
    // An empty tree must have the empty root.
    let bogus = Checkpoint::new(ORIGIN, 0, [7; 32]).unwrap().sign(&log_signer());
    let e = w.add_checkpoint(0, &[], bogus.to_string().as_bytes(), NOW).unwrap_err();
    assert!(matches!(e, WitnessError::InconsistentProof { .. }), "{e}");
    assert!(w.latest(ORIGIN).is_none());
}

#[test]
fn witness_state_survives_a_restart_and_corruption_is_refused() {
    let t = TestLedger::founded();
    let dir = tempfile::tempdir().unwrap();
    {
        let mut w = witness(dir.path());
        w.add_checkpoint(0, &[], note_at(&t.ledger, 4).as_bytes(), NOW).unwrap();
        let proof = t.ledger.consistency_proof(4, 7).unwrap();
        w.add_checkpoint(4, &proof, note_at(&t.ledger, 7).as_bytes(), NOW).unwrap();
    }
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(names, vec![WITNESS_STATE_FILE.to_string()], "no temporary file is left behind");

    let mut w = witness(dir.path());
    let latest = w.latest(ORIGIN).unwrap().clone();
    assert_eq!((latest.size, latest.root), (7, t.ledger.root_at(7).unwrap()));
    assert_eq!(latest.note, note_at(&t.ledger, 7));
    // After the restart it still refuses to forget: old size 4 is stale.
    let proof = t.ledger.consistency_proof(4, 9).unwrap();
    assert!(matches!(
        w.add_checkpoint(4, &proof, note_at(&t.ledger, 9).as_bytes(), NOW),
        Err(WitnessError::Conflict { latest: 7 })
    ));
    drop(w);

    let path = dir.path().join(WITNESS_STATE_FILE);
    let good = std::fs::read_to_string(&path).unwrap();
    for bad in [
        good.replacen("\"size\": 7", "\"size\": 6", 1),
        good.replacen("\"version\": 1", "\"version\": 2", 1),
        good[..good.len() / 2].to_string(),
    ] {
        std::fs::write(&path, bad).unwrap();
        let e = Witness::open(dir.path(), "witness.test.trace.example/w1", key(0x57)).unwrap_err();
        assert!(matches!(e, WitnessError::CorruptState { .. }), "{e}");
    }
}

#[test]
fn add_checkpoint_request_bodies_round_trip_and_malformed_ones_are_refused() {
    let t = TestLedger::founded();
    let note = note_at(&t.ledger, 8);
    let req = AddCheckpoint { old_size: 3, proof: t.ledger.consistency_proof(3, 8).unwrap(), note: note.into_bytes() };
    let body = req.to_bytes();
    assert!(body.starts_with(b"old 3\n"));
    assert_eq!(AddCheckpoint::parse(&body).unwrap(), req);

    let dir = tempfile::tempdir().unwrap();
    let mut w = witness(dir.path());
    w.add_checkpoint(0, &[], note_at(&t.ledger, 3).as_bytes(), NOW).unwrap();
    w.add_checkpoint_request(&body, NOW).unwrap();
    assert_eq!(w.latest(ORIGIN).unwrap().size, 8);

    let h = trace_core::encoding::base64_encode(&[0u8; 32]);
    let bad: Vec<(String, &str)> = vec![
        ("old 03\n\nx".into(), "leading zero"),
        ("old -1\n\nx".into(), "negative"),
        ("old 18446744073709551616\n\nx".into(), "overflow"),
        ("new 3\n\nx".into(), "wrong keyword"),
        ("old 3".into(), "no newline"),
        (format!("old 3\n{h}\nx"), "no blank line"),
        (format!("old 3\n{}\n\nx", &h[1..]), "short hash"),
        (format!("old 3\n{}\n\nx", format!("{h}\n").repeat(64).trim_end()), "64 proof lines"),
        (format!("old 0\n{h}\n\nx"), "proof with old size 0"),
    ];
    for (body, why) in bad {
        assert!(matches!(AddCheckpoint::parse(body.as_bytes()), Err(WitnessError::MalformedRequest { .. })), "{why}");
    }
    let ok63 = format!("old 3\n{}\nx", format!("{h}\n").repeat(63));
    assert_eq!(AddCheckpoint::parse(ok63.as_bytes()).unwrap().proof.len(), 63);
}

#[test]
fn detect_fork_reports_both_notes_and_accepts_consistent_checkpoints() {
    let a = TestLedger::founded();
    grow(&a.ledger, 4, "a");
    let b = TestLedger::founded();
    grow(&b.ledger, 4, "b");
    let key = log_signer().verifier_key().clone();
    let open = |n: &str| SignedCheckpoint::open(n.as_bytes(), &key).unwrap();

    // Consistent: any two sizes of one ledger, in either order.
    for (x, y) in [(0, 13), (5, 13), (9, 9), (13, 4)] {
        let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
        let proof = a.ledger.consistency_proof(lo, hi).unwrap();
        detect_fork(&open(&note_at(&a.ledger, x)), &open(&note_at(&a.ledger, y)), &proof).unwrap();
    }

    // Same size, different roots.
    let (na, nb) = (note_at(&a.ledger, 11), note_at(&b.ledger, 11));
    let Err(WitnessError::Fork(f)) = detect_fork(&open(&na), &open(&nb), &[]) else { panic!("no fork reported") };
    assert_eq!(f.kind, ForkKind::SameSizeDifferentRoot { size: 11 });
    assert_eq!((f.first.as_str(), f.second.as_str(), f.origin.as_str()), (na.as_str(), nb.as_str(), ORIGIN));

    // Different sizes, and the best proof there is (the larger tree's own) fails from the smaller root.
    let (na, nb) = (note_at(&a.ledger, 10), note_at(&b.ledger, 13));
    let proof = b.ledger.consistency_proof(10, 13).unwrap();
    let Err(WitnessError::Fork(f)) = detect_fork(&open(&nb), &open(&na), &proof) else { panic!("no fork reported") };
    assert!(matches!(f.kind, ForkKind::NotConsistent { old_size: 10, new_size: 13, .. }), "{:?}", f.kind);
    assert_eq!((f.first.as_str(), f.second.as_str()), (na.as_str(), nb.as_str()), "smaller checkpoint first");

    // Checkpoints of different logs are not comparable.
    let other = NoteSigner::new("other.example/log", key_of_other()).unwrap();
    let cp = Checkpoint::new("other.example/log", 3, a.ledger.root_at(3).unwrap()).unwrap().sign(&other);
    let o = SignedCheckpoint::open(cp.to_string().as_bytes(), other.verifier_key()).unwrap();
    assert!(matches!(detect_fork(&open(&na), &o, &[]), Err(WitnessError::DifferentLogs { .. })));
}

fn key_of_other() -> SecretKey {
    key(0x4e)
}

fn render_cosignature() -> Value {
    let log = golden_log();
    let cp = Checkpoint::new(log.name(), 20_852_163, golden_root()).unwrap();
    let mut note = cp.sign(&log);
    let witness = Cosigner::new("witness.trace.example/w1", SecretKey::from_seed([0x57; 32])).unwrap();
    let sig = witness.cosign(note.text(), 1_764_288_000).unwrap();
    let line = sig.line();
    note.add_signature(sig);
    serde_json::json!({
        "witness_seed": hex::encode([0x57u8; 32]),
        "witness_vkey": witness.verifier_key().to_string(),
        "timestamp": 1_764_288_000u64,
        "signed_message": String::from_utf8(trace_core::encoding::cosignature_message(1_764_288_000, note.text())).unwrap(),
        "cosignature_line": line,
        "cosigned_note": note.to_string(),
    })
}

#[test]
fn golden_cosignature_matches_the_pinned_bytes() {
    let now = render_cosignature();
    let path = data_dir().join("checkpoint/golden.json");
    let mut pinned = load("golden.json");
    if std::env::var_os("TRACE_BLESS").is_some() {
        pinned["cosignature"] = now.clone();
        std::fs::write(&path, serde_json::to_string_pretty(&pinned).unwrap() + "\n").unwrap();
    }
    assert_eq!(pinned["cosignature"], now);
    let c = &pinned["cosignature"];
    let log: VerifierKey = pinned["log_vkey"].as_str().unwrap().parse().unwrap();
    let wit: VerifierKey = c["witness_vkey"].as_str().unwrap().parse().unwrap();
    let signed =
        SignedCheckpoint::open_with_witnesses(c["cosigned_note"].as_str().unwrap().as_bytes(), &log, &[wit]).unwrap();
    assert_eq!(signed.cosignatures().next().unwrap().timestamp, Some(1_764_288_000));
}
