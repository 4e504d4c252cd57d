//! The incremental auditor: auditing step by step ends where a full verification does, a rewritten or forked
//! log raises the alarm with both notes, the state survives restarts and refuses corruption, and a tampered
//! entry is named by its index.

use trace_core::merkle::Hash;
use trace_core::*;

use crate::common::*;
use crate::witness::{grow, log_signer};

fn note_at(l: &Ledger, size: u64) -> String {
    Checkpoint::of_ledger(l, size).unwrap().sign(&log_signer()).to_string()
}

fn leaves(l: &Ledger, from: u64, to: u64) -> Vec<Vec<u8>> {
    l.leaf_range(from, to, usize::MAX).unwrap()
}

fn pinned() -> VerifierKey {
    log_signer().verifier_key().clone()
}

/// Audits `l` from the auditor's size to `size`, the way `trace audit` does: proof, then entries in pages.
fn step(a: &mut Auditor, l: &Ledger, size: u64, page: usize) -> Result<AuditReport, AuditError> {
    let old = a.size();
    let proof = if old == 0 || old >= size { vec![] } else { l.consistency_proof(old, size).unwrap() };
    let mut p = a.begin(note_at(l, size).as_bytes(), &proof)?;
    let all = leaves(l, old, size);
    for chunk in all.chunks(page.max(1)) {
        p = p.push(chunk)?;
    }
    p.finish()
}

fn state(dir: &std::path::Path) -> String {
    std::fs::read_to_string(dir.join(AUDIT_STATE_FILE)).unwrap()
}

#[test]
fn auditing_step_by_step_ends_where_one_full_audit_and_the_bundle_verifier_do() {
    let t = TestLedger::founded();
    grow(&t.ledger, 40, "a");
    let size = t.ledger.size();

    let steps = tempfile::tempdir().unwrap();
    let mut a = Auditor::create(steps.path(), ORIGIN, pinned()).unwrap();
    let mut verified = 0;
    for (target, page) in [(1u64, 1usize), (1, 1), (2, 7), (9, 3), (16, 100), (17, 1), (33, 5), (size, 1000)] {
        let r = step(&mut a, &t.ledger, target, page).unwrap();
        verified += r.new_entries;
        assert_eq!((a.size(), r.checkpoint.size(), r.entries_verified), (target, target, verified));
        assert_eq!(a.root(), &t.ledger.root_at(target).unwrap());
    }

    let once = tempfile::tempdir().unwrap();
    let mut b = Auditor::create(once.path(), ORIGIN, pinned()).unwrap();
    b.advance(note_at(&t.ledger, size).as_bytes(), &[], &leaves(&t.ledger, 0, size)).unwrap();
    // The same state, byte for byte, however the log was walked.
    assert_eq!(state(steps.path()), state(once.path()));
    assert_eq!(
        std::fs::read(steps.path().join(AUDIT_IDS_FILE)).unwrap(),
        std::fs::read(once.path().join(AUDIT_IDS_FILE)).unwrap()
    );
    assert_eq!(b.entries_verified(), size);

    // And the full offline verifier agrees on the same checkpoint.
    let mut bundle = Vec::new();
    write_bundle(&t.ledger, &note_at(&t.ledger, size), &pinned(), &mut bundle).unwrap();
    let report = verify_bundle(&bundle[..], &Trust::pinned(pinned())).unwrap();
    assert_eq!(report.checkpoint.root(), b.root());
    assert_eq!(report.entries, b.entries_verified());
}

#[test]
fn a_rewritten_or_forked_log_raises_the_alarm_with_both_notes() {
    let a = TestLedger::founded();
    grow(&a.ledger, 8, "a");
    let b = TestLedger::founded();
    grow(&b.ledger, 12, "b"); // the same records, accepted at other times: another history from entry 0
    let dir = tempfile::tempdir().unwrap();
    let mut aud = Auditor::create(dir.path(), ORIGIN, pinned()).unwrap();
    step(&mut aud, &a.ledger, 14, 4).unwrap();
    let seen = note_at(&a.ledger, 14);
    let before = state(dir.path());

    // Larger, and B's own consistency proof does not start from A's root.
    let e = step(&mut aud, &b.ledger, 20, 4).unwrap_err();
    let f = e.fork().unwrap_or_else(|| panic!("expected a fork, got {e}"));
    assert!(matches!(f.kind, ForkKind::NotConsistent { old_size: 14, new_size: 20, .. }), "{:?}", f.kind);
    assert_eq!((f.first.as_str(), f.second.as_str()), (seen.as_str(), note_at(&b.ledger, 20).as_str()));
    assert!(e.to_string().contains(&seen) && e.to_string().contains(&note_at(&b.ledger, 20)));

    // The same size with another root.
    let e = aud.begin(note_at(&b.ledger, 14).as_bytes(), &[]).unwrap_err();
    let f = e.fork().unwrap();
    assert_eq!(f.kind, ForkKind::SameSizeDifferentRoot { size: 14 });
    assert_eq!((f.first.as_str(), f.second.as_str()), (seen.as_str(), note_at(&b.ledger, 14).as_str()));

    // A smaller tree, even the log's own earlier one: an append-only log never shrinks.
    let e = aud.begin(note_at(&a.ledger, 10).as_bytes(), &[]).unwrap_err();
    let f = e.fork().unwrap();
    assert_eq!(f.kind, ForkKind::Rollback { old_size: 14, new_size: 10 });
    assert_eq!(f.second, note_at(&a.ledger, 10));

    // A damaged proof for honest growth is a failing consistency proof too.
    let mut proof = a.ledger.consistency_proof(14, 17).unwrap();
    proof[0][5] ^= 1;
    let e = aud.begin(note_at(&a.ledger, 17).as_bytes(), &proof).unwrap_err();
    assert!(matches!(e.fork().unwrap().kind, ForkKind::NotConsistent { .. }));

    // None of it moved the state, and honest growth still audits.
    assert_eq!(state(dir.path()), before);
    step(&mut aud, &a.ledger, 17, 2).unwrap();
    assert_eq!(aud.size(), 17);
}

#[test]
fn the_checkpoint_must_be_signed_by_the_pinned_key_for_the_audited_origin() {
    let t = TestLedger::founded();
    let dir = tempfile::tempdir().unwrap();
    let mut aud = Auditor::create(dir.path(), ORIGIN, pinned()).unwrap();
    let impostor = NoteSigner::new(ORIGIN, key(0x66)).unwrap();
    let forged = Checkpoint::of_ledger(&t.ledger, 9).unwrap().sign(&impostor).to_string();
    let e = aud.begin(forged.as_bytes(), &[]).unwrap_err();
    assert!(matches!(e, AuditError::Checkpoint(CheckpointError::Note(_))), "{e}");
    // A log key signs under its log's origin: a key named otherwise is not the audited log's.
    let e = Auditor::create(tempfile::tempdir().unwrap().path(), "other.example/log", pinned()).unwrap_err();
    assert!(matches!(e, AuditError::KeyNotForOrigin { .. }), "{e}");
    let wrong_origin = Checkpoint::new("other.example/log", 9, t.ledger.root_at(9).unwrap()).unwrap();
    let e = aud.begin(wrong_origin.sign(&log_signer()).to_string().as_bytes(), &[]).unwrap_err();
    assert!(matches!(e, AuditError::WrongOrigin { .. }), "{e}");

    // None of those failed first steps wrote anything; the first good one writes the state.
    assert!(!Auditor::exists(dir.path()) && std::fs::read_dir(dir.path()).unwrap().next().is_none());
    step(&mut aud, &t.ledger, 1, 1).unwrap();
    drop(aud);
    let e = Auditor::open_pinned(dir.path(), impostor.verifier_key()).unwrap_err();
    assert!(matches!(e, AuditError::KeyMismatch { .. }), "{e}");
    Auditor::open_pinned(dir.path(), &pinned()).unwrap();
    assert!(matches!(Auditor::create(dir.path(), ORIGIN, pinned()), Err(AuditError::StateExists { .. })));
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(Auditor::open(empty.path()), Err(AuditError::NoState { .. })));
}

#[test]
fn a_new_audit_whose_first_step_fails_writes_nothing_and_the_next_good_one_starts_it() {
    let t = TestLedger::founded();
    grow(&t.ledger, 6, "a");
    let size = t.ledger.size();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("audit");
    let mut aud = Auditor::create(&state, ORIGIN, pinned()).unwrap();
    // Signed by another key, a tampered entry, entries missing: each fails, and nothing is written.
    let impostor = NoteSigner::new(ORIGIN, key(0x66)).unwrap();
    let forged = Checkpoint::of_ledger(&t.ledger, size).unwrap().sign(&impostor).to_string();
    assert!(aud.begin(forged.as_bytes(), &[]).is_err());
    let mut bad = leaves(&t.ledger, 0, size);
    let last = bad[3].len() - 1;
    bad[3][last] ^= 1;
    let e = aud.begin(note_at(&t.ledger, size).as_bytes(), &[]).unwrap().push(&bad).unwrap_err();
    assert_eq!(e.entry_index(), Some(3), "{e}");
    let half = leaves(&t.ledger, 0, 2);
    let e = aud.begin(note_at(&t.ledger, size).as_bytes(), &[]).unwrap().push(&half).unwrap().finish().unwrap_err();
    assert!(matches!(e, AuditError::MissingEntries { .. }), "{e}");
    assert!(!state.exists(), "a failed first step created {}", state.display());
    assert!(matches!(Auditor::open(&state), Err(AuditError::NoState { .. })));

    // The next good run starts the audit as if the failures had never been.
    step(&mut aud, &t.ledger, size, 4).unwrap();
    let reopened = Auditor::open_pinned(&state, &pinned()).unwrap();
    assert_eq!((reopened.size(), reopened.entries_verified()), (size, size));
}

#[test]
fn the_state_survives_restarts_a_crash_between_its_files_and_refuses_corruption() {
    let t = TestLedger::founded();
    grow(&t.ledger, 20, "a");
    let dir = tempfile::tempdir().unwrap();
    let mut aud = Auditor::create(dir.path(), ORIGIN, pinned()).unwrap();
    step(&mut aud, &t.ledger, 13, 5).unwrap();
    drop(aud);

    let mut aud = Auditor::open(dir.path()).unwrap();
    assert_eq!((aud.size(), aud.entries_verified()), (13, 13));
    assert_eq!(aud.last_note().unwrap(), note_at(&t.ledger, 13));
    assert_eq!(aud.origin(), ORIGIN);
    // Parents recorded before the restart are known after it: the rest of the log audits.
    step(&mut aud, &t.ledger, 29, 3).unwrap();
    let good = state(dir.path());
    drop(aud);

    // A crash after the ids were appended but before the state was replaced: the extra ids are cut off.
    let ids = dir.path().join(AUDIT_IDS_FILE);
    let mut bytes = std::fs::read(&ids).unwrap();
    bytes.extend_from_slice(&[7u8; 64]);
    std::fs::write(&ids, &bytes).unwrap();
    let aud = Auditor::open(dir.path()).unwrap();
    assert_eq!(std::fs::metadata(&ids).unwrap().len(), 29 * 32);
    drop(aud);

    // Fewer ids than the size, a root the frontier does not make, a note of another size: refused.
    std::fs::write(&ids, &bytes[..28 * 32]).unwrap();
    assert!(matches!(Auditor::open(dir.path()), Err(AuditError::CorruptState { .. })));
    std::fs::write(&ids, &bytes[..29 * 32]).unwrap();
    let path = dir.path().join(AUDIT_STATE_FILE);
    let root = encoding::base64_encode(&t.ledger.root_at(29).unwrap());
    let other = encoding::base64_encode(&t.ledger.root_at(28).unwrap());
    std::fs::write(&path, good.replace(&root, &other)).unwrap();
    assert!(matches!(Auditor::open(dir.path()), Err(AuditError::CorruptState { .. })));
    let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
    v["last_note"] = note_at(&t.ledger, 28).into();
    std::fs::write(&path, v.to_string()).unwrap();
    assert!(matches!(Auditor::open(dir.path()), Err(AuditError::CorruptState { .. })));
    std::fs::write(&path, "{").unwrap();
    assert!(matches!(Auditor::open(dir.path()), Err(AuditError::CorruptState { .. })));
    std::fs::write(&path, &good).unwrap();
    assert_eq!(Auditor::open(dir.path()).unwrap().size(), 29);
}

/// The leaf data of entry `index` of `l` with `f` applied to the entry.
fn forged_leaf(l: &Ledger, index: u64, f: impl FnOnce(&mut LogEntry)) -> Vec<u8> {
    let mut e = l.entry(index).unwrap();
    f(&mut e);
    e.leaf_data()
}

#[test]
fn a_tampered_entry_is_named_by_its_index() {
    let t = TestLedger::founded();
    grow(&t.ledger, 10, "a");
    let size = t.ledger.size();
    let note = note_at(&t.ledger, size);
    let honest = leaves(&t.ledger, 0, size);
    let audit = |bad: Vec<Vec<u8>>| {
        let dir = tempfile::tempdir().unwrap();
        let mut a = Auditor::create(dir.path(), ORIGIN, pinned()).unwrap();
        let e = a.advance(note.as_bytes(), &[], &bad).unwrap_err();
        assert_eq!(a.size(), 0, "a failed step writes nothing");
        e
    };
    let with = |i: usize, leaf: Vec<u8>| {
        let mut v = honest.clone();
        v[i] = leaf;
        v
    };

    // A flipped signature bit, deep among entries whose signatures are checked in parallel.
    let mut bad = t.ledger.entry(15).unwrap();
    let mut sig = bad.record.signature().0;
    sig[10] ^= 4;
    bad.record = Record::from_parts(bad.record.body().clone(), Signature(sig));
    let e = audit(with(15, bad.leaf_data()));
    assert!(matches!(e, AuditError::Entry { index: 15, fault: EntryFault::BadSignature { .. } }), "{e}");

    // A validly signed replacement breaks the chain at the next entry.
    let replacement = register(&coop(), T0 + 5, "other pigs", ProductClass::Livestock, "3 head");
    let swapped = forged_leaf(&t.ledger, 12, |e| e.record = replacement.clone());
    let e = audit(with(12, swapped));
    assert!(matches!(e, AuditError::Entry { index: 13, fault: EntryFault::BrokenChain }), "{e}");

    // ... or, at the last entry, leaves the root unmatched.
    let last = forged_leaf(&t.ledger, size - 1, |e| e.record = replacement.clone());
    let e = audit(with(size as usize - 1, last));
    assert!(matches!(e, AuditError::RootMismatch { from: 0, to } if to == size), "{e}");

    let e = audit(with(4, vec![1, 2, 3]));
    assert!(matches!(e, AuditError::Entry { index: 4, fault: EntryFault::LeafDecode(_) }), "{e}");
    let e = audit(with(6, honest[7].clone()));
    assert!(matches!(e, AuditError::Entry { index: 6, fault: EntryFault::LeafIndex { found: 7 } }), "{e}");
    let early = forged_leaf(&t.ledger, 9, |e| e.accepted = Time(1));
    let e = audit(with(9, early));
    assert!(matches!(e, AuditError::Entry { index: 9, fault: EntryFault::TimeBackwards { .. } }), "{e}");

    // A record naming a parent that is not in the log, properly signed by its author.
    let orphan = sign(&coop(), T0 + 9, vec![RecordId([9; 32])], replacement.body().event.clone());
    let e = audit(with(10, forged_leaf(&t.ledger, 10, |e| e.record = orphan)));
    assert!(matches!(e, AuditError::Entry { index: 10, fault: EntryFault::UnknownParent { .. } }), "{e}");

    // A record that already appeared.
    let dup = t.ledger.entry(3).unwrap().record;
    let e = audit(with(11, forged_leaf(&t.ledger, 11, |e| e.record = dup)));
    assert!(matches!(e, AuditError::Entry { index: 11, fault: EntryFault::DuplicateRecord { .. } }), "{e}");

    // Too few entries, and one too many.
    let e = audit(honest[..size as usize - 1].to_vec());
    assert!(matches!(e, AuditError::MissingEntries { .. }), "{e}");
    let mut more = honest.clone();
    more.push(honest[0].clone());
    let e = audit(more);
    assert!(matches!(e, AuditError::Entry { fault: EntryFault::BeyondCheckpoint, .. }), "{e}");
}

#[test]
fn an_equal_checkpoint_is_accepted_without_entries_and_a_proof_is_not_needed_from_the_empty_tree() {
    let t = TestLedger::founded();
    let dir = tempfile::tempdir().unwrap();
    let mut a = Auditor::create(dir.path(), ORIGIN, pinned()).unwrap();
    let r = a.advance(note_at(&t.ledger, 0).as_bytes(), &[], &[]).unwrap();
    assert_eq!((r.old_size, r.new_entries), (0, 0));
    let r = step(&mut a, &t.ledger, 9, 2).unwrap();
    assert_eq!(r.new_entries, 9);
    let r = a.advance(note_at(&t.ledger, 9).as_bytes(), &[], &[]).unwrap();
    assert_eq!((r.old_size, r.new_entries, r.entries_verified), (9, 0, 9));
    let _: Hash = *a.root();
}

#[test]
fn the_lowest_bad_signature_is_named_when_signatures_are_checked_in_parallel() {
    let t = TestLedger::founded();
    grow(&t.ledger, 200, "a");
    let size = t.ledger.size();
    let mut all = leaves(&t.ledger, 0, size);
    for i in [150usize, 77, 190] {
        let mut e = t.ledger.entry(i as u64).unwrap();
        let mut sig = e.record.signature().0;
        sig[0] ^= 1;
        e.record = Record::from_parts(e.record.body().clone(), Signature(sig));
        all[i] = e.leaf_data();
    }
    let dir = tempfile::tempdir().unwrap();
    let mut a = Auditor::create(dir.path(), ORIGIN, pinned()).unwrap();
    let e = a.advance(note_at(&t.ledger, size).as_bytes(), &[], &all).unwrap_err();
    assert_eq!(e.entry_index(), Some(77), "{e}");
}
