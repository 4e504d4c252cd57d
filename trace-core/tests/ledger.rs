//! Behaviour of the ledger foundation: genesis, actors, idempotency, heads, durability, refusing a broken store.

use std::sync::Arc;

use crate::common::*;
use trace_core::*;

#[test]
fn first_record_must_be_the_authority_admitting_itself() {
    let t = TestLedger::new();
    let wrong = admit(&authority(), &coop(), "co-op", &[Role::Coop], T0);
    assert_eq!(refusal_code(&t.ledger.append(wrong)), Some("genesis"));
    let not_authority = admit(&coop(), &coop(), "co-op", &[Role::Coop], T0);
    assert_eq!(refusal_code(&t.ledger.append(not_authority)), Some("genesis"));
    assert_eq!(t.ledger.size(), 0);
    let a = t.ledger.append(genesis()).unwrap();
    assert_eq!((a.index, a.duplicate), (0, false));
}

#[test]
fn resubmitting_a_record_is_idempotent() {
    let t = TestLedger::founded();
    let r = register(&coop(), T0 + DAY, "Live pigs", ProductClass::Livestock, "40 head");
    let first = t.ledger.append(r.clone()).unwrap();
    let size = t.ledger.size();
    let root = t.ledger.head().root;
    let again = t.ledger.append(r).unwrap();
    assert!(again.duplicate);
    assert_eq!((again.index, again.id, again.accepted), (first.index, first.id, first.accepted));
    assert_eq!((t.ledger.size(), t.ledger.head().root), (size, root));
}

#[test]
fn unknown_revoked_and_wrong_role_authors_are_refused() {
    let t = TestLedger::founded();
    let stranger = key(99);
    let r = register(&stranger, T0 + DAY, "pigs", ProductClass::Livestock, "1 head");
    let e = t.ledger.append(r).unwrap_err();
    assert_eq!(e.code(), Some("unknown-author"));
    assert!(e.to_string().contains(&stranger.public().to_string()), "{e}");

    let r = register(&market(), T0 + DAY, "pigs", ProductClass::Livestock, "1 head");
    let e = t.ledger.append(r).unwrap_err();
    assert_eq!(e.code(), Some("role-not-permitted"));
    assert!(e.to_string().contains("BatchRegistered needs one of the roles [coop, processor]"), "{e}");

    let revoke = sign(
        &regulator(),
        T0 + DAY,
        vec![],
        Event::ActorRevoked(ActorRevoked { actor: coop().public(), reason: "licence withdrawn".into() }),
    );
    let at = t.ledger.append(revoke).unwrap().index;
    let r = register(&coop(), T0 + DAY, "pigs", ProductClass::Livestock, "1 head");
    let e = t.ledger.append(r).unwrap_err();
    assert_eq!(e.code(), Some("revoked-author"));
    assert!(e.to_string().contains(&format!("revoked at entry {at}")), "{e}");
}

#[test]
fn rotated_keys_hand_over_roles_and_stop_signing() {
    let t = TestLedger::founded();
    let new = key(77);
    let rot = sign(&coop(), T0 + DAY, vec![], Event::KeyRotated(KeyRotated { new_key: new.public() }));
    t.ledger.append(rot).unwrap();
    let old = register(&coop(), T0 + DAY, "pigs", ProductClass::Livestock, "1 head");
    assert_eq!(refusal_code(&t.ledger.append(old)), Some("revoked-author"));
    let fresh = register(&new, T0 + DAY, "pigs", ProductClass::Livestock, "1 head");
    t.ledger.append(fresh).unwrap();
    assert_eq!(t.ledger.actor(&new.public()).unwrap().unwrap().roles, vec![Role::Coop]);
}

#[test]
fn records_for_another_ledger_or_with_bad_signatures_are_refused() {
    let t = TestLedger::founded();
    let other: Origin = "other.example/ledger".parse().unwrap();
    let r = sign_event(
        &coop(),
        &other,
        Time(T0),
        vec![],
        register(&coop(), T0, "x", ProductClass::Grain, "1 kg").body().event.clone(),
    );
    assert_eq!(refusal_code(&t.ledger.append(r)), Some("wrong-origin"));
    let good = register(&coop(), T0, "x", ProductClass::Grain, "1 kg");
    let mut sig = good.signature().0;
    sig[5] ^= 0x20;
    let forged = Record::from_parts(good.body().clone(), Signature(sig));
    assert_eq!(refusal_code(&t.ledger.append(forged)), Some("bad-signature"));
}

#[test]
fn events_must_name_the_current_head_and_stale_heads_get_409_style_refusals() {
    let t = TestLedger::founded();
    let reg = t.ledger.append(register(&coop(), T0 + DAY, "pigs", ProductClass::Livestock, "40 head")).unwrap();
    let batch = reg.created[0];
    assert_eq!(batch, BatchId::derive(&reg.id, 0));
    let c1 = t.ledger.append(certify(&coop(), T0 + DAY, reg.id, batch, "GAP-1")).unwrap();
    assert_eq!(t.ledger.batch(batch).unwrap().unwrap().head, c1.id);
    let stale = t.ledger.append(certify(&coop(), T0 + DAY, reg.id, batch, "GAP-2")).unwrap_err();
    assert_eq!(stale.code(), Some("stale-head"));
    assert!(stale.to_string().contains(&batch.to_string()), "{stale}");
    let unknown = t.ledger.append(certify(&coop(), T0 + DAY, RecordId([9; 32]), batch, "GAP-3")).unwrap_err();
    assert_eq!(unknown.code(), Some("unknown-parent"));
    let early = t.ledger.append(certify(&coop(), T0, c1.id, batch, "GAP-4")).unwrap_err();
    assert_eq!(early.code(), Some("bad-time"));
}

#[test]
fn claimed_times_far_in_the_future_are_refused() {
    let t = TestLedger::founded();
    let future = Time::now().0 + 3_600_000;
    let r = register(&coop(), future, "pigs", ProductClass::Livestock, "1 head");
    assert_eq!(refusal_code(&t.ledger.append(r)), Some("bad-time"));
}

#[test]
fn concurrent_appends_share_group_commits_and_all_land() {
    let t = TestLedger::founded();
    let before = t.ledger.size();
    let threads: Vec<_> = (0..8u64)
        .map(|n| {
            let l = t.ledger.clone();
            std::thread::spawn(move || {
                (0..50u64)
                    .map(|i| {
                        l.append(register(&coop(), T0 + n * 1000 + i, "rice", ProductClass::Grain, "1 t")).unwrap().id
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let ids: Vec<RecordId> = threads.into_iter().flat_map(|h| h.join().unwrap()).collect();
    assert_eq!(t.ledger.size(), before + 400);
    let t = t.reopen();
    for id in ids {
        assert!(t.ledger.index_of(&id).unwrap().is_some());
    }
    t.ledger.verify_all().unwrap();
}

#[test]
fn append_many_reports_each_record_and_keeps_the_good_ones() {
    let t = TestLedger::founded();
    let good = register(&coop(), T0 + DAY, "pigs", ProductClass::Livestock, "40 head");
    let bad = register(&market(), T0 + DAY, "pigs", ProductClass::Livestock, "40 head");
    let out = t.ledger.append_many(vec![good.clone(), bad, good.clone()]).unwrap();
    assert!(out[0].as_ref().is_ok_and(|a| !a.duplicate));
    assert_eq!(refusal_code(&out[1]), Some("role-not-permitted"));
    assert!(out[2].as_ref().is_ok_and(|a| a.duplicate));
}

#[test]
fn the_ledger_survives_reopen_with_the_same_head() {
    let t = TestLedger::founded();
    t.ledger.append(register(&coop(), T0 + DAY, "pigs", ProductClass::Livestock, "40 head")).unwrap();
    let head = t.ledger.head();
    let t = t.reopen();
    assert_eq!(t.ledger.head(), head);
    t.ledger.verify_all().unwrap();
}

/// Opens the raw store under a closed ledger and lets `f` damage it.
fn damage(dir: &std::path::Path, f: impl FnOnce(&SledStore)) {
    let store = open_store_retry(dir);
    f(&store);
    store.flush().unwrap();
}

#[test]
fn opening_a_store_with_a_rewritten_entry_names_the_broken_index() {
    let t = TestLedger::founded();
    for i in 0..5 {
        t.ledger.append(register(&coop(), T0 + DAY + i, "pigs", ProductClass::Livestock, "40 head")).unwrap();
    }
    let TestLedger { dir, ledger } = t;
    let victim = 6u64;
    let original = ledger.entry(victim).unwrap();
    drop(ledger);
    // Rewrite entry 6 with a different, validly signed record: signatures still check, the chain does not.
    let replacement = register(&coop(), T0 + 5 * DAY, "rewritten", ProductClass::Livestock, "1 head");
    let forged = LogEntry { record: replacement, ..original };
    damage(dir.path(), |s| {
        let mut w = Writes::new();
        w.insert(entry_key(victim), Some(forged.leaf_data()));
        s.apply(&w).unwrap();
    });
    match open_when_unlocked(dir.path()) {
        Err(Error::Corrupt { index, why }) => {
            assert_eq!(index, victim, "{why}");
        }
        other => panic!("expected a corrupt store, got {other:?}"),
    }
}

#[test]
fn opening_a_store_with_a_deleted_entry_names_it() {
    let t = TestLedger::founded();
    let TestLedger { dir, ledger } = t;
    drop(ledger);
    damage(dir.path(), |s| {
        let mut w = Writes::new();
        w.insert(entry_key(4), None);
        s.apply(&w).unwrap();
    });
    match open_when_unlocked(dir.path()) {
        Err(Error::Corrupt { index: 4, .. }) => {}
        other => panic!("expected corrupt at 4, got {other:?}"),
    }
}

/// Regression: damaged derived state was reported as `Corrupt { index: u64::MAX }`, which printed "corrupt
/// store at entry 18446744073709551615". It names the key now, and no entry.
#[test]
fn damaged_batch_state_names_its_key_not_a_made_up_entry() {
    let t = TestLedger::founded();
    let reg = t.ledger.append(register(&coop(), T0 + DAY, "pigs", ProductClass::Livestock, "40 head")).unwrap();
    let batch = reg.created[0];
    let TestLedger { dir, ledger } = t;
    drop(ledger);
    damage(dir.path(), |s| {
        let mut w = Writes::new();
        w.insert(batch_key(batch), Some(b"not a batch".to_vec()));
        s.apply(&w).unwrap();
    });
    // The tail check at open covers the log, not derived state: the damage shows when the batch is read.
    let ledger = open_when_unlocked(dir.path()).unwrap();
    let want = format!("B{}", hex::encode(batch.value().to_be_bytes()));
    for e in [ledger.batch(batch).unwrap_err(), ledger.batches().unwrap_err()] {
        match &e {
            Error::CorruptKey { key, .. } => assert_eq!(key, &want),
            other => panic!("expected a corrupt key, got {other:?}"),
        }
        let msg = e.to_string();
        assert!(msg.starts_with(&format!("corrupt store at key {want}: ")), "{msg}");
        assert!(!msg.contains(&u64::MAX.to_string()) && !msg.contains("entry"), "{msg}");
    }
}

#[test]
fn a_ledger_can_run_over_any_store_through_the_boundary() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SledStore::open(dir.path()).unwrap());
    let l = Ledger::with_store(store, origin()).unwrap();
    for r in founding() {
        l.append(r).unwrap();
    }
    assert_eq!(l.size(), founding().len() as u64);
}

#[test]
fn readers_never_see_a_group_the_writer_has_not_committed() {
    // Regression (soak): sled shows an applied batch before it is flushed and the new head published, so a
    // reader could find an entry in a batch's history past the head, and get "not found" for it.
    let t = TestLedger::founded();
    let reg = t.ledger.append(register(&coop(), T0 + DAY, "pigs", ProductClass::Livestock, "9 head")).unwrap();
    let batch = reg.created[0];
    let done = std::sync::atomic::AtomicBool::new(false);
    let reads = std::thread::scope(|s| {
        let ledger = &t.ledger;
        let done = &done;
        s.spawn(move || {
            let mut head = reg.id;
            for i in 0..200 {
                let cert = certify(&coop(), T0 + DAY + i, head, batch, &format!("GAP-{i}"));
                head = ledger.append(cert).unwrap().id;
            }
            done.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        let mut reads = 0;
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            let history = ledger.history(batch).unwrap();
            let state = ledger.batch(batch).unwrap().unwrap();
            let size = ledger.size();
            assert!(history.iter().all(|e| e.index < size));
            assert!(ledger.index_of(&state.head).unwrap().unwrap() < size, "the batch head is past the log head");
            reads += 1;
        }
        reads
    });
    assert!(reads > 0);
    assert_eq!(t.ledger.history(batch).unwrap().len(), 201);
}

/// Format version 2's envelope: a day-precision claim names a day's 00:00 in China Standard Time, and a ledger
/// refuses every extension tag, since none is defined yet (docs/formats.md, "Extensions").
#[test]
fn the_v2_envelope_takes_day_precision_at_midnight_cst_and_refuses_unknown_extensions() {
    let t = TestLedger::founded();
    let body = |time: u64, precision: TimePrecision, extensions: Vec<Extension>| RecordBody {
        origin: origin(),
        author: coop().public(),
        time: Time(time),
        precision,
        parents: Vec::new(),
        event: register(&coop(), time, "Rice paddy", ProductClass::Grain, "3 t").body().event.clone(),
        extensions,
    };
    // T0 is 2025-10-31 16:00 UTC: 2025-11-01 00:00 in China.
    let midnight_cst = T0;
    let day = Record::sign(body(midnight_cst, TimePrecision::Day, vec![]), &coop());
    let a = t.ledger.append(day);
    assert!(a.is_ok(), "{a:?}");
    let noon = Record::sign(body(midnight_cst + 12 * 3_600_000, TimePrecision::Day, vec![]), &coop());
    let e = t.ledger.append(noon).unwrap_err();
    assert_eq!(e.rule(), Some(Rule::Malformed), "{e}");
    assert!(e.to_string().contains("day-precision"), "{e}");
    let ext = vec![Extension { tag: 1, value: vec![0] }];
    let e = t.ledger.append(Record::sign(body(T0 + 1, TimePrecision::Minute, ext), &coop())).unwrap_err();
    assert!(e.to_string().contains("extension tag 1"), "{e}");
    let unordered = vec![Extension { tag: 2, value: vec![] }, Extension { tag: 2, value: vec![] }];
    let e = t.ledger.append(Record::sign(body(T0 + 2, TimePrecision::Minute, unordered), &coop())).unwrap_err();
    assert!(e.to_string().contains("increase strictly"), "{e}");

    // In JSON, both fields may be left out: a minute-precision record with no extensions.
    let r = register(&coop(), T0 + 3, "Rice paddy", ProductClass::Grain, "3 t");
    let mut json = serde_json::to_value(r.body()).unwrap();
    assert!(json.get("extensions").is_none(), "no extensions, no key: {json}");
    json.as_object_mut().unwrap().remove("precision");
    let back: RecordBody = serde_json::from_value(json).unwrap();
    assert_eq!(&back, r.body());
    assert!(r.signed_bytes().starts_with(b"trace/v2/record\n"));
}
