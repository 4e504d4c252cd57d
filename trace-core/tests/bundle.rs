//! Audit bundles and proof files: the documented line format, verification from the bytes alone, the first
//! failing entry named exactly (also when signatures are checked out of order on several cores), every byte
//! flip found, and proof files checked offline.

use trace_core::encoding::{base64_encode, leaf_hash};
use trace_core::*;

use crate::common::*;
use crate::witness::{grow, log_signer};

/// The entry line exactly as docs/formats.md specifies it, written independently of trace-core's writer.
pub fn entry_line(e: &LogEntry) -> String {
    let leaf = e.leaf_data();
    let r = &e.record;
    format!(
        concat!(
            r#"{{"type":"entry","index":{},"leaf_data":"{}","record":{{"author":"{}","signed_bytes":"{}","#,
            r#""signature":"{}"}},"id":"{}","hash":"{}","prev":"{}","accepted":{}}}"#
        ),
        e.index,
        base64_encode(&leaf),
        base64_encode(r.body().author.as_bytes()),
        base64_encode(&r.signed_bytes()),
        base64_encode(&r.signature().0),
        r.id(),
        hex::encode(leaf_hash(&leaf)),
        e.prev,
        e.accepted.0
    )
}

pub fn header_line(note: &str, key: &VerifierKey) -> String {
    format!(
        r#"{{"type":"checkpoint","note":{},"log_key":{}}}"#,
        serde_json::to_string(note).unwrap(),
        serde_json::to_string(&key.to_string()).unwrap()
    )
}

pub struct Audit {
    pub t: TestLedger,
    pub note: String,
    pub bundle: Vec<u8>,
}

/// A founded ledger plus `batches` registrations each followed by a certificate naming it as parent, and
/// its bundle at the current size.
pub fn audited(batches: usize) -> Audit {
    let t = TestLedger::founded();
    for i in 0..batches {
        let reg = t
            .ledger
            .append(register(&coop(), T0 + DAY + i as u64, &format!("pigs {i}"), ProductClass::Livestock, "9 head"))
            .unwrap();
        t.ledger.append(certify(&coop(), T0 + DAY + i as u64, reg.id, reg.created[0], &format!("GAP-{i}"))).unwrap();
    }
    let note = Checkpoint::of_ledger(&t.ledger, t.ledger.size()).unwrap().sign(&log_signer()).to_string();
    let bundle = export(&t.ledger, &note);
    Audit { t, note, bundle }
}

fn export(l: &Ledger, note: &str) -> Vec<u8> {
    let mut out = Vec::new();
    write_bundle(l, note, log_signer().verifier_key(), &mut out).unwrap();
    out
}

fn pinned() -> Trust {
    Trust::pinned(log_signer().verifier_key().clone())
}

fn lines(b: &[u8]) -> Vec<String> {
    let s = std::str::from_utf8(b).unwrap();
    s.strip_suffix('\n').unwrap().split('\n').map(str::to_owned).collect()
}

fn join(lines: &[String]) -> Vec<u8> {
    let mut out = String::new();
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
    out.into_bytes()
}

fn verify(b: &[u8]) -> Result<BundleReport, BundleError> {
    verify_bundle(b, &pinned())
}

fn fault_at(r: Result<BundleReport, BundleError>) -> (u64, EntryFault) {
    match r {
        Err(BundleError::Entry { index, fault }) => (index, fault),
        other => panic!("expected an entry failure, got {other:?}"),
    }
}

#[test]
fn an_exported_bundle_has_the_documented_lines_and_verifies() {
    let a = audited(3);
    let l = &a.t.ledger;
    let ls = lines(&a.bundle);
    assert_eq!(ls.len() as u64, 1 + l.size());
    assert_eq!(ls[0], header_line(&a.note, log_signer().verifier_key()));
    for i in 0..l.size() {
        assert_eq!(ls[i as usize + 1], entry_line(&l.entry(i).unwrap()), "entry {i}");
    }
    let report = verify(&a.bundle).unwrap();
    assert_eq!(report.entries, l.size());
    assert_eq!(report.checkpoint.root(), &l.head().root);
    assert_eq!(report.log_key, *log_signer().verifier_key());
    // Without a pinned key the bundle still checks, against the key it names.
    assert_eq!(verify_bundle(&a.bundle[..], &Trust::default()).unwrap(), report);
}

#[test]
fn a_bundle_of_a_past_size_and_of_the_empty_tree_verify() {
    let a = audited(2);
    for size in [0, 1, 9, a.t.ledger.size() - 1] {
        let note = Checkpoint::of_ledger(&a.t.ledger, size).unwrap().sign(&log_signer()).to_string();
        let b = export(&a.t.ledger, &note);
        assert_eq!(verify(&b).unwrap().entries, size);
    }
}

#[test]
fn the_writer_refuses_a_checkpoint_that_does_not_describe_the_ledger() {
    let a = audited(1);
    let l = &a.t.ledger;
    let key = log_signer().verifier_key().clone();
    let mut sink = Vec::new();
    let wrong_root = Checkpoint::new(ORIGIN, l.size(), [1; 32]).unwrap().sign(&log_signer()).to_string();
    let too_big = Checkpoint::new(ORIGIN, l.size() + 1, [1; 32]).unwrap().sign(&log_signer()).to_string();
    let other_origin =
        Checkpoint::new("other.example/log", l.size(), l.head().root).unwrap().sign(&log_signer()).to_string();
    for note in [wrong_root, too_big, other_origin] {
        let e = write_bundle(l, &note, &key, &mut sink).unwrap_err();
        assert!(matches!(e, Error::Checkpoint(CheckpointError::LedgerMismatch { .. })), "{e}");
    }
    let other_key = NoteSigner::new(ORIGIN, key_of(0x50)).unwrap();
    assert!(matches!(write_bundle(l, &a.note, other_key.verifier_key(), &mut sink), Err(Error::Checkpoint(_))));
}

fn key_of(n: u8) -> SecretKey {
    key(n)
}

/// Replaces the line of entry `i` with the line of `e`.
fn with_entry(ls: &[String], i: u64, e: &LogEntry) -> Vec<String> {
    let mut out = ls.to_vec();
    out[i as usize + 1] = entry_line(e);
    out
}

#[test]
fn each_kind_of_tampering_is_named_at_the_first_entry_it_breaks() {
    let a = audited(3);
    let l = &a.t.ledger;
    let ls = lines(&a.bundle);
    let n = l.size();
    let e = |i| l.entry(i).unwrap();

    // A forged signature: the entry holds together, the signature does not verify.
    let mut forged = e(10);
    let mut sig = forged.record.signature().0;
    sig[5] ^= 1;
    forged.record = Record::from_parts(forged.record.body().clone(), Signature(sig));
    let (i, f) = fault_at(verify(&join(&with_entry(&ls, 10, &forged))));
    assert_eq!((i, &f), (10, &EntryFault::BadSignature { author: coop().public() }));

    // A stolen author key: a new, validly signed record put in place of entry 11. It breaks the chain at 12.
    let mut rewritten = e(11);
    rewritten.record = register(&coop(), T0 + DAY, "rewritten", ProductClass::Livestock, "1 head");
    assert_eq!(fault_at(verify(&join(&with_entry(&ls, 11, &rewritten)))), (12, EntryFault::BrokenChain));
    // ... and at the last entry, the root no longer matches the checkpoint.
    let mut last = e(n - 1);
    last.record = register(&coop(), T0 + DAY, "rewritten", ProductClass::Livestock, "1 head");
    assert!(matches!(verify(&join(&with_entry(&ls, n - 1, &last))), Err(BundleError::RootMismatch { .. })));

    // Reordered, dropped, repeated and extra lines.
    let mut swapped = ls.clone();
    swapped.swap(5, 6);
    assert_eq!(fault_at(verify(&join(&swapped))), (4, EntryFault::WrongIndex { found: 5 }));
    let mut dropped = ls.clone();
    dropped.remove(8);
    assert_eq!(fault_at(verify(&join(&dropped))), (7, EntryFault::WrongIndex { found: 8 }));
    let short = &ls[..ls.len() - 1];
    assert!(
        matches!(verify(&join(short)), Err(BundleError::MissingEntries { checkpoint, entries }) if checkpoint == n && entries == n - 1)
    );
    let mut extra = ls.clone();
    extra.push(ls.last().unwrap().clone());
    assert_eq!(fault_at(verify(&join(&extra))), (n, EntryFault::BeyondCheckpoint));

    // Entries that are well formed and signed but break the log's own rules.
    let mut back = e(7);
    back.accepted = Time(e(6).accepted.0 - 1);
    assert!(matches!(fault_at(verify(&join(&with_entry(&ls, 7, &back)))), (7, EntryFault::TimeBackwards { .. })));
    let mut dup = e(12);
    dup.record = e(10).record;
    assert_eq!(
        fault_at(verify(&join(&with_entry(&ls, 12, &dup)))),
        (12, EntryFault::DuplicateRecord { id: e(10).record.id() })
    );
    let mut orphan = e(12);
    orphan.record = certify(&coop(), T0 + DAY, RecordId([9; 32]), BatchId::derive(&RecordId([9; 32]), 0), "X");
    assert_eq!(
        fault_at(verify(&join(&with_entry(&ls, 12, &orphan)))),
        (12, EntryFault::UnknownParent { parent: RecordId([9; 32]) })
    );
    let mut foreign = e(12);
    let other: Origin = "other.example/ledger".parse().unwrap();
    foreign.record = sign_event(&coop(), &other, Time(T0), vec![], e(12).record.body().event.clone());
    assert_eq!(
        fault_at(verify(&join(&with_entry(&ls, 12, &foreign)))),
        (12, EntryFault::WrongOrigin { found: "other.example/ledger".into() })
    );
    // A parent that is a later entry is not an earlier one.
    let (reg, cert) = (e(9), e(10));
    let mut later = ls.clone();
    later[10] = entry_line(&LogEntry { index: 9, prev: reg.prev, accepted: reg.accepted, record: cert.record.clone() });
    assert!(matches!(fault_at(verify(&join(&later))), (9, EntryFault::UnknownParent { .. })));

    // Fields beside leaf_data that do not match it, and lines that match but are not canonical.
    let line = &ls[5];
    let id = e(4).record.id().to_string();
    let cases = [
        (line.replacen(&id, &RecordId([7; 32]).to_string(), 1), EntryFault::FieldMismatch { field: "id" }),
        (line.replacen(&id, &id.to_uppercase(), 1), EntryFault::FieldMismatch { field: "id" }),
        (line.replacen("\"index\":4,", "\"index\": 4,", 1), EntryFault::NotCanonical),
        (
            line.replacen("{\"type\":\"entry\",\"index\":4,", "{\"index\":4,\"type\":\"entry\",", 1),
            EntryFault::NotCanonical,
        ),
        (line.replacen("\"type\":\"entry\"", "\"type\":\"entries\"", 1), EntryFault::WrongType),
    ];
    for (bad, want) in cases {
        let mut m = ls.clone();
        m[5] = bad;
        assert_eq!(fault_at(verify(&join(&m))), (4, want));
    }
    let mut m = ls.clone();
    m[5].push(' ');
    assert_eq!(fault_at(verify(&join(&m))), (4, EntryFault::NotCanonical));
    let mut m = ls.clone();
    m[5] = m[5].replacen("\"accepted\":", "\"accepted\":1,\"x\":", 1);
    assert!(matches!(fault_at(verify(&join(&m))), (4, EntryFault::Json(_))));
    let unterminated = &a.bundle[..a.bundle.len() - 1];
    assert_eq!(fault_at(verify(unterminated)), (n - 1, EntryFault::MissingNewline));
    let mut crlf = a.bundle.clone();
    crlf.splice(crlf.len() - 1.., b"\r\n".iter().copied());
    assert_eq!(fault_at(verify(&crlf)), (n - 1, EntryFault::NotCanonical));
}

#[test]
fn the_checkpoint_line_must_be_signed_trusted_and_canonical() {
    let a = audited(1);
    let ls = lines(&a.bundle);
    let l = &a.t.ledger;

    assert!(matches!(verify(b""), Err(BundleError::Empty)));
    // A bundle made by someone else's key checks on its own terms but not under the pinned key.
    let mallory = NoteSigner::new(ORIGIN, key(0x66)).unwrap();
    let note = Checkpoint::of_ledger(l, l.size()).unwrap().sign(&mallory).to_string();
    let mut m = ls.clone();
    m[0] = header_line(&note, mallory.verifier_key());
    assert!(verify_bundle(&join(&m)[..], &Trust::default()).is_ok());
    assert!(matches!(verify(&join(&m)), Err(BundleError::Trust(TrustError::UntrustedLogKey { .. }))));
    // The right key named, the note signed by another.
    m[0] = header_line(&note, log_signer().verifier_key());
    assert!(matches!(verify(&join(&m)), Err(BundleError::Trust(TrustError::Checkpoint(_)))));
    // The log signs a root the entries do not make.
    let lie = Checkpoint::new(ORIGIN, l.size(), [3; 32]).unwrap().sign(&log_signer()).to_string();
    m[0] = header_line(&lie, log_signer().verifier_key());
    assert!(matches!(verify(&join(&m)), Err(BundleError::RootMismatch { .. })));
    // A checkpoint of fewer entries than the bundle holds.
    let small = Checkpoint::of_ledger(l, 5).unwrap().sign(&log_signer()).to_string();
    m[0] = header_line(&small, log_signer().verifier_key());
    assert_eq!(fault_at(verify(&join(&m))), (5, EntryFault::BeyondCheckpoint));
    // Non-canonical header.
    m[0] = ls[0].replacen("{\"type\":\"checkpoint\",", "{\"type\": \"checkpoint\",", 1);
    assert!(matches!(verify(&join(&m)), Err(BundleError::BadHeader(_))));
    m[0] = ls[0].replacen("\"type\":\"checkpoint\"", "\"type\":\"entry\"", 1);
    assert!(matches!(verify(&join(&m)), Err(BundleError::BadHeader(_))));
}

#[test]
fn witness_cosignatures_on_the_checkpoint_count_towards_a_quorum() {
    let a = audited(1);
    let l = &a.t.ledger;
    let w1 = Cosigner::new("w1.example", key(0x71)).unwrap();
    let w2 = Cosigner::new("w2.example", key(0x72)).unwrap();
    let mut note = Note::parse(a.note.as_bytes()).unwrap();
    note.add_signature(w1.cosign(note.text(), 1_764_288_000).unwrap());
    let note = note.to_string();
    let b = export(l, &note);
    let trust = |quorum| Trust {
        log_key: Some(log_signer().verifier_key().clone()),
        witnesses: vec![w1.verifier_key().clone(), w2.verifier_key().clone()],
        quorum,
    };
    let r = verify_bundle(&b[..], &trust(1)).unwrap();
    assert_eq!(r.cosignatures.len(), 1);
    assert_eq!(r.cosignatures[0].timestamp, Some(1_764_288_000));
    assert!(matches!(
        verify_bundle(&b[..], &trust(2)),
        Err(BundleError::Trust(TrustError::Quorum { need: 2, have: 1 }))
    ));
}

#[test]
fn the_first_failing_entry_is_named_exactly_across_parallel_signature_chunks() {
    let t = TestLedger::founded();
    grow(&t.ledger, 700, "chunk");
    let l = &t.ledger;
    let note = Checkpoint::of_ledger(l, l.size()).unwrap().sign(&log_signer()).to_string();
    let ls = lines(&export(l, &note));
    let badsig = |i: u64| {
        let mut e = l.entry(i).unwrap();
        let mut s = e.record.signature().0;
        s[0] ^= 0x40;
        e.record = Record::from_parts(e.record.body().clone(), Signature(s));
        entry_line(&e)
    };
    let badjson = |i: u64| ls[i as usize + 1].replacen("\"type\"", "\"tpye\"", 1);
    let sig = |i| EntryFault::BadSignature { author: l.entry(i).unwrap().record.body().author };

    // (lines to damage, the first failure expected, whether it is a signature failure)
    type Damage = Vec<(u64, String)>;
    let cases: Vec<(Damage, u64, bool)> = vec![
        (vec![(600, badsig(600))], 600, true),
        (vec![(600, badsig(600)), (650, badjson(650))], 600, true),
        (vec![(640, badsig(640)), (601, badsig(601)), (300, badsig(300))], 300, true),
        (vec![(600, badsig(600)), (300, badjson(300))], 300, false),
        (vec![(5, badsig(5)), (700, badsig(700))], 5, true),
        (vec![(708, badsig(708))], 708, true),
    ];
    for (damage, first, is_sig) in cases {
        let mut m = ls.clone();
        for (i, line) in &damage {
            m[*i as usize + 1] = line.clone();
        }
        let (index, fault) = fault_at(verify(&join(&m)));
        assert_eq!(index, first, "{damage:?}");
        if is_sig {
            assert_eq!(fault, sig(first));
        } else {
            assert!(matches!(fault, EntryFault::Json(_)), "{fault}");
        }
    }
    assert_eq!(verify(&join(&ls)).unwrap().entries, 709);
}

/// The kind of failure a damaged bundle gets: it no longer parses (JSON or line framing), or it parses and
/// verification refuses it.
fn unparseable(e: &BundleError) -> bool {
    matches!(
        e,
        BundleError::Empty
            | BundleError::BadHeader(_)
            | BundleError::Entry {
                fault: EntryFault::Json(_) | EntryFault::LineTooLong | EntryFault::MissingNewline,
                ..
            }
    )
}

#[test]
fn every_byte_flip_of_a_bundle_is_found() {
    let a = audited(1);
    let l = &a.t.ledger;
    // A cosigned checkpoint, with the witness trusted and required, so no byte of line 1 is left unchecked.
    let w = Cosigner::new("w1.example", key(0x71)).unwrap();
    let mut note = Note::parse(a.note.as_bytes()).unwrap();
    note.add_signature(w.cosign(note.text(), 1_764_288_000).unwrap());
    let bundle = export(l, &note.to_string());
    let trust = Trust {
        log_key: Some(log_signer().verifier_key().clone()),
        witnesses: vec![w.verifier_key().clone()],
        quorum: 1,
    };
    verify_bundle(&bundle[..], &trust).unwrap();

    let line_starts: Vec<usize> =
        std::iter::once(0).chain(bundle.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1)).collect();
    let line_range = |n: usize| line_starts[n]..line_starts[n + 1];
    let middle = line_starts.len() / 2;
    let last = line_starts.len() - 2;
    let mut flips: Vec<(usize, u8)> = (0..bundle.len()).step_by(7).map(|p| (p, 0x01)).collect();
    for n in [0, middle, last] {
        for p in line_range(n) {
            flips.extend([(p, 0x01), (p, 0x20)]);
        }
    }
    let (mut parse, mut refused) = (0, 0);
    for &(pos, mask) in &flips {
        let mut b = bundle.clone();
        b[pos] ^= mask;
        match verify_bundle(&b[..], &trust) {
            Ok(_) => panic!("flip of byte {pos} with {mask:#04x} ({:?}) still verifies", bundle[pos] as char),
            Err(e) if unparseable(&e) => parse += 1,
            Err(_) => refused += 1,
        }
    }
    println!(
        "{} flips of a {}-byte bundle: {parse} no longer parse, {refused} refused by verification",
        flips.len(),
        bundle.len()
    );
    assert_eq!(parse + refused, flips.len());
    assert!(parse > 100 && refused > 100, "both kinds of failure are exercised: {parse} / {refused}");
}

#[test]
fn proof_files_verify_offline_and_every_byte_flip_is_found() {
    let a = audited(2);
    let l = &a.t.ledger;
    let key = log_signer().verifier_key().clone();
    for i in 0..l.size() {
        let file = inclusion_proof_file(l, i, &a.note, &key).unwrap();
        let v = verify_proof_file(file.as_bytes(), &pinned()).unwrap();
        assert_eq!(v.entry, l.entry(i).unwrap());
        assert_eq!(v.checkpoint.size(), l.size());
    }
    let file = inclusion_proof_file(l, 10, &a.note, &key).unwrap();
    let json: serde_json::Value = serde_json::from_str(&file).unwrap();
    assert_eq!(json["type"], "inclusion-proof");
    assert_eq!(json["entry"]["index"], 10);
    assert_eq!(json["tree_size"], l.size());

    let mut refused = 0;
    for pos in 0..file.len() {
        let mut b = file.clone().into_bytes();
        b[pos] ^= 0x01;
        assert!(verify_proof_file(&b, &pinned()).is_err(), "flip of byte {pos} still verifies");
        refused += 1;
    }
    assert_eq!(refused, file.len());

    // Specific refusals.
    let e = verify_proof_file(
        file.replacen(&format!("\"tree_size\": {}", l.size()), "\"tree_size\": 3", 1).as_bytes(),
        &pinned(),
    );
    assert!(matches!(e, Err(ProofFileError::SizeMismatch { file: 3, .. })), "{e:?}");
    let other = NoteSigner::new(ORIGIN, key_of(0x66)).unwrap();
    assert!(matches!(
        verify_proof_file(file.as_bytes(), &Trust::pinned(other.verifier_key().clone())),
        Err(ProofFileError::Trust(TrustError::UntrustedLogKey { .. }))
    ));
    let mut v: serde_json::Value = serde_json::from_str(&file).unwrap();
    v["inclusion_proof"][0] = serde_json::Value::String(base64_encode(&[0u8; 32]));
    let e = verify_proof_file(v.to_string().as_bytes(), &pinned());
    assert!(matches!(e, Err(ProofFileError::Proof(_))), "{e:?}");
    let mut v: serde_json::Value = serde_json::from_str(&file).unwrap();
    v["inclusion_proof"].as_array_mut().unwrap().pop();
    assert!(matches!(verify_proof_file(v.to_string().as_bytes(), &pinned()), Err(ProofFileError::Proof(_))));
    assert!(inclusion_proof_file(l, l.size(), &a.note, &key).is_err());
}

/// Verify throughput in release mode on a 100k-entry ledger:
/// `TRACE_BENCH_BUNDLE=100000 cargo test --release -p trace-core --test core bundle_throughput -- --nocapture`.
#[test]
fn bundle_throughput() {
    let Some(n) = std::env::var("TRACE_BENCH_BUNDLE").ok().and_then(|v| v.parse::<usize>().ok()) else { return };
    let t = TestLedger::founded();
    let start = std::time::Instant::now();
    let mut left = n;
    let mut round = 0;
    while left > 0 {
        let k = left.min(5000);
        grow(&t.ledger, k, &format!("bench {round}"));
        left -= k;
        round += 1;
    }
    let l = &t.ledger;
    println!("appended {} entries in {:.1?}", l.size(), start.elapsed());
    let note = Checkpoint::of_ledger(l, l.size()).unwrap().sign(&log_signer()).to_string();
    let path = t.dir.path().join("bundle.jsonl");
    let start = std::time::Instant::now();
    write_bundle(l, &note, log_signer().verifier_key(), std::fs::File::create(&path).unwrap()).unwrap();
    let wrote = start.elapsed();
    let bytes = std::fs::metadata(&path).unwrap().len();
    println!("wrote {bytes} bytes in {wrote:.2?} ({:.0} entries/s)", l.size() as f64 / wrote.as_secs_f64());
    let start = std::time::Instant::now();
    let file = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&path).unwrap());
    let r = verify_bundle(file, &pinned()).unwrap();
    let took = start.elapsed();
    println!(
        "verified {} entries in {took:.2?} ({:.0} entries/s, {} threads)",
        r.entries,
        r.entries as f64 / took.as_secs_f64(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
}
