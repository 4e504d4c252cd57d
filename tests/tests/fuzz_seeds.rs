//! The fuzz corpora under `fuzz/corpus/`: seeds written from real values (`TRACE_WRITE_FUZZ_SEEDS=1`), and a
//! replay of every corpus file through the parsers under plain `cargo test`, so the inputs the fuzzers kept
//! (and every crash they found, which joins the corpus) are re-run on the stable toolchain in CI even where
//! cargo-fuzz is not installed. The fuzz targets themselves are in `fuzz/fuzz_targets/`.

use std::path::{Path, PathBuf};

use trace_core::*;
use trace_node::wire::{BulkSubmit, WireRecord};
use trace_tests::*;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus")
}

/// The names the fuzz targets pin: a log key from seed 7, a witness key from seed 9.
const FUZZ_ORIGIN: &str = "fuzz.trace.example/ledger";

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = corpus().join(target);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
}

#[test]
fn write_seeds() {
    if std::env::var("TRACE_WRITE_FUZZ_SEEDS").as_deref() != Ok("1") {
        return;
    }
    // A small ledger under the fuzz origin, signed checkpoints, a bundle and a proof file.
    let dir = tempfile::tempdir().unwrap();
    let (demo, _cast, story) = demo_ledger_with_cast(&dir.path().join("demo")).unwrap();
    let origin: Origin = FUZZ_ORIGIN.parse().unwrap();
    let authority = SecretKey::from_seed([1; 32]);
    let d = DataDir::create(&dir.path().join("fuzz"), origin.clone(), &authority).unwrap();
    for r in genesis_records(&authority, "Fuzz authority", &origin, Time(1_767_225_600_000)) {
        d.ledger.append(r).unwrap();
    }
    let log = NoteSigner::new(FUZZ_ORIGIN, SecretKey::from_seed([7; 32])).unwrap();
    let witness = Cosigner::new("witness.example", SecretKey::from_seed([9; 32])).unwrap();
    let cp = Checkpoint::of_ledger(&d.ledger, d.ledger.size()).unwrap();
    let mut note = cp.sign(&log);
    note.add_signature(witness.cosign(note.text(), 1_767_225_600).unwrap());
    let note_text = note.to_string();
    write("note_checkpoint", "checkpoint-cosigned", note_text.as_bytes());
    write("note_checkpoint", "checkpoint-text", cp.text().as_bytes());
    write("note_checkpoint", "vkey", log.verifier_key().to_string().as_bytes());
    write("note_checkpoint", "vkey-witness", witness.verifier_key().to_string().as_bytes());
    write("note_checkpoint", "signature-line", note.signatures()[0].line().as_bytes());
    write("note_checkpoint", "tile", b"tile/0/x001/234.p/7");
    write("note_checkpoint", "tile-entries", b"tile/entries/000.p/3");
    let add = AddCheckpoint {
        old_size: 1,
        proof: d.ledger.consistency_proof(1, 2).unwrap(),
        note: note_text.clone().into_bytes(),
    };
    write("note_checkpoint", "add-checkpoint", &add.to_bytes());
    let mut bundle = Vec::new();
    write_bundle(&d.ledger, &note_text, log.verifier_key(), &mut bundle).unwrap();
    write("bundle_verify", "bundle", &bundle);
    let proof = inclusion_proof_file(&d.ledger, 1, &note_text, log.verifier_key()).unwrap();
    write("bundle_verify", "proof-file", proof.as_bytes());

    // Records of every kind in the demo story, as bytes, leaf data and JSON.
    let mut kinds = std::collections::BTreeSet::new();
    for i in 0..demo.ledger.size() {
        let e = demo.ledger.entry(i).unwrap();
        let kind = e.record.body().event.kind().to_owned();
        if !kinds.insert(kind.clone()) {
            continue;
        }
        write("record_decode", &format!("record-{kind}"), e.record.encoded());
        write("record_decode", &format!("entry-{kind}"), &e.leaf_data());
        write("wire_json", &format!("json-{kind}"), &serde_json::to_vec(&WireRecord::from_record(&e.record)).unwrap());
    }
    let head = demo.ledger.head();
    write("record_decode", "head", &encoding::encode(&head));
    let herd = demo.ledger.batch(story.batches.herd_a).unwrap().unwrap();
    write("record_decode", "batch-state", &encoding::encode(&herd));
    let actor = &demo.ledger.actors().unwrap()[0];
    write("record_decode", "actor", &encoding::encode(actor));
    let first = demo.ledger.entry(0).unwrap().record;
    write("wire_json", "encoded", &serde_json::to_vec(&WireRecord::encoded(&first)).unwrap());
    let bulk = BulkSubmit { records: vec![WireRecord::from_record(&first), WireRecord::encoded(&first)] };
    write("wire_json", "bulk", &serde_json::to_vec(&bulk).unwrap());

    // Label payloads.
    let base = "https://trace.example";
    let loin = Payload::DigitalLink { gtin: story.loin_gtin.clone(), lot: story.loin_lot.clone() };
    write("payload", "digital-link", loin.to_url(base).as_bytes());
    write("payload", "digital-link-qualified", format!("{}/21/SERIAL7?linkType=gs1:pip", loin.to_url(base)).as_bytes());
    write("payload", "batch-url", Payload::Batch(story.batches.pork_b).to_url(base).as_bytes());
    write("payload", "batch-bare", story.batches.pork_b.to_string().as_bytes());
    write("payload", "vet-drug", story.vet_drug_codes[0].as_str().as_bytes());
    write("payload", "quantity", b"12.5 kg");
    write("payload", "time", b"2026-12-19T08:30");
}

/// Feeds a corpus file to every parser its target exercises; a panic fails the test and names the file.
fn replay(target: &str, data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match target {
        "record_decode" => {
            if let Ok(r) = Record::decode(data) {
                assert_eq!(r.encoded(), data);
                let _ = r.verify_signature();
            }
            if let Ok(e) = LogEntry::decode(data) {
                assert_eq!(e.leaf_data(), data);
            }
            let _ = encoding::decode::<Head>(data);
            let _ = encoding::decode::<BatchState>(data);
            let _ = encoding::decode::<Actor>(data);
        }
        "note_checkpoint" => {
            if let Ok(n) = Note::parse(data) {
                assert_eq!(n.to_string().as_bytes(), data);
            }
            let _ = Checkpoint::parse(&text);
            let _ = text.parse::<VerifierKey>();
            let _ = NoteSignature::parse_line(&text);
            let _ = Tile::parse(&text);
            let _ = AddCheckpoint::parse(data);
        }
        "payload" => {
            if let Ok(p) = Payload::parse(&text) {
                assert_eq!(Payload::parse(&p.to_url("https://t.example")), Ok(p));
            }
            let _ = text.parse::<VetDrugCode>();
            let _ = text.parse::<Quantity>();
            let _ = Time::parse_human(&text);
        }
        "wire_json" => {
            if let Ok(w) = serde_json::from_slice::<WireRecord>(data) {
                let _ = w.into_record();
            }
            let _ = serde_json::from_slice::<BulkSubmit>(data);
        }
        "bundle_verify" => {
            let _ = verify_bundle(data, &Trust::default());
            let _ = verify_proof_file(data, &Trust::default());
        }
        // Structured inputs (`arbitrary`): only the fuzz target itself can read them.
        _ => {}
    }
}

#[test]
fn every_corpus_file_replays_through_its_parsers() {
    let Ok(targets) = std::fs::read_dir(corpus()) else { return };
    let mut files = 0;
    for t in targets {
        let t = t.unwrap();
        let target = t.file_name().to_string_lossy().into_owned();
        for f in std::fs::read_dir(t.path()).unwrap() {
            let path = f.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| replay(&target, &data));
            assert!(outcome.is_ok(), "{} panics its parsers", path.display());
            files += 1;
        }
    }
    eprintln!("fuzz corpora: {files} files replayed");
}
