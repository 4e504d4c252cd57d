//! Golden vectors: the bytes of every record kind, its signed bytes, signature, id, and a log entry's leaf
//! data, pinned in `tests/data/golden/records.json`. A change to the encoding, the event model or the
//! signing scheme fails here. Regenerate deliberately with `TRACE_BLESS=1` and explain why in the commit.

use crate::common::*;
use trace_core::*;

fn data_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/golden/records.json")
}

fn batch() -> BatchId {
    BatchId::derive(&RecordId([0xbb; 32]), 0)
}

fn lot() -> BatchId {
    BatchId::derive(&RecordId([0xcc; 32]), 0)
}

/// One record of every event kind, with every optional field set somewhere.
pub fn golden_records() -> Vec<(&'static str, Record)> {
    let k = key(0x42);
    let p = vec![RecordId([0xaa; 32])];
    let t = 1_764_288_000_000; // 2025-11-28 08:00 UTC+8
    let q = |s: &str| s.parse::<Quantity>().unwrap();
    let events: Vec<(&'static str, Vec<RecordId>, Event)> = vec![
        (
            "ActorAdmitted",
            vec![],
            Event::ActorAdmitted(ActorAdmitted {
                actor: key(0x43).public(),
                name: "溪湖区生猪养殖合作社".into(),
                roles: vec![Role::Coop, Role::Market],
                registration: "93210503MA0XXXXXXX".into(),
                location: "本溪市溪湖区".into(),
            }),
        ),
        (
            "ActorRevoked",
            vec![],
            Event::ActorRevoked(ActorRevoked { actor: key(0x43).public(), reason: "left".into() }),
        ),
        ("KeyRotated", vec![], Event::KeyRotated(KeyRotated { new_key: key(0x44).public() })),
        (
            "BatchRegistered",
            vec![],
            Event::BatchRegistered(BatchRegistered {
                product: "Live pigs".into(),
                class: ProductClass::Livestock,
                commissioning: Commissioning::Herd,
                quantity: q("40 head"),
                gtin: Some("06901234567892".parse().unwrap()),
                lot: Some("HT-2025-11".parse().unwrap()),
                place: "Hetao farm".into(),
            }),
        ),
        (
            "InputLotRegistered",
            vec![],
            Event::InputLotRegistered(InputLotRegistered {
                kind: InputKind::VetDrug,
                name: "Amoxicillin soluble powder".into(),
                approval_number: "兽药字(2021)060011234".into(),
                manufacturer: "Liaoning Vet Pharma".into(),
                lot: "A2311".parse().unwrap(),
                active_substances: vec!["amoxicillin".into()],
                withdrawal_days: 28,
                prescription_only: true,
                high_toxicity: false,
                quantity: q("100 box"),
                vet_drug_codes: vec!["202511280123400000000042".parse().unwrap()],
                expires: Some(Time(t + 365 * DAY)),
            }),
        ),
        (
            "InputApplied",
            p.clone(),
            Event::InputApplied(InputApplied {
                batch: batch(),
                input: lot(),
                dose: q("0.25 kg"),
                prescribed_by: Some(key(0x45).public()),
                vet_drug_code: Some("202511280123400000000042".parse().unwrap()),
                note: "respiratory infection".into(),
            }),
        ),
        (
            "Inspected",
            p.clone(),
            Event::Inspected(Inspected {
                batch: batch(),
                sample: "S-001".into(),
                analyte: "clenbuterol".into(),
                value_milli: Some(1_200),
                limit_milli: Some(0),
                unit: "µg/kg".into(),
                method: "GB/T 22286-2008".into(),
                verdict: Verdict::Fail,
            }),
        ),
        (
            "Certified",
            p.clone(),
            Event::Certified(Certified {
                batch: batch(),
                kind: CertKind::OriginExit,
                number: "HGZ-0001".into(),
                valid_from: Time(t),
                valid_until: Time(t + 7 * DAY),
                promises: vec!["不使用禁用药物".into()],
            }),
        ),
        (
            "Shipped",
            p.clone(),
            Event::Shipped(Shipped {
                batch: batch(),
                quantity: q("20 head"),
                to: key(0x46).public(),
                from_place: "Hetao farm".into(),
                to_place: "Xihu slaughterhouse".into(),
                document: "WB-77".into(),
                carrier: Some(key(0x47).public()),
            }),
        ),
        (
            "Received",
            p.clone(),
            Event::Received(Received {
                batch: batch(),
                shipment: RecordId([0xdd; 32]),
                accepted: true,
                documents_checked: "HGZ-0001".into(),
                note: "".into(),
            }),
        ),
        (
            "Transformed",
            p.clone(),
            Event::Transformed(Transformed {
                process: Process::Slaughter,
                inputs: vec![TransformInput { batch: batch(), quantity: q("20 head") }],
                outputs: vec![TransformOutput {
                    product: "Pork, chilled half carcass".into(),
                    class: ProductClass::Meat,
                    quantity: q("1800.5 kg"),
                    gtin: None,
                    lot: Some("P1".parse().unwrap()),
                }],
                place: "Xihu slaughterhouse".into(),
            }),
        ),
        ("Sold", p.clone(), Event::Sold(Sold { batch: batch(), quantity: q("2.5 kg"), buyer: "retail".into() })),
        ("Held", p.clone(), Event::Held(Held { batch: batch(), reason: "investigation".into() })),
        ("Released", p.clone(), Event::Released(Released { batch: batch(), reason: "cleared".into() })),
        ("Recalled", p.clone(), Event::Recalled(Recalled { batch: batch(), reason: "clenbuterol".into() })),
        (
            "Disposed",
            p.clone(),
            Event::Disposed(Disposed { batch: batch(), quantity: q("10 kg"), method: "incineration".into() }),
        ),
        (
            "Correction",
            p.clone(),
            Event::Correction(Correction {
                target: RecordId([0xaa; 32]),
                reason: "wrong sample number".into(),
                corrected: "sample S-002".into(),
            }),
        ),
        (
            "BannedListChanged",
            vec![],
            Event::BannedListChanged(BannedListChanged {
                add: vec!["clenbuterol".into()],
                remove: vec!["x".into()],
                reason: "公告第250号".into(),
            }),
        ),
    ];
    events.into_iter().map(|(name, parents, e)| (name, sign(&k, t, parents, e))).collect()
}

fn golden_entry() -> LogEntry {
    let (_, record) = golden_records().remove(3);
    LogEntry { index: 7, accepted: Time(1_764_288_001_234), prev: EntryHash([0x11; 32]), record }
}

fn render() -> serde_json::Value {
    let records: Vec<serde_json::Value> = golden_records()
        .into_iter()
        .map(|(name, r)| {
            serde_json::json!({
                "kind": name,
                "body_json": serde_json::to_value(r.body()).unwrap(),
                "body": hex::encode(r.body_bytes()),
                "signed_bytes": hex::encode(r.signed_bytes()),
                "signature": r.signature().to_string(),
                "record": hex::encode(r.encoded()),
                "id": r.id().to_string(),
            })
        })
        .collect();
    let e = golden_entry();
    let leaf = e.leaf_data();
    serde_json::json!({
        "about": "Golden vectors for trace/v2. Key seed: 32 bytes of 0x42. See docs/formats.md.",
        "seed": hex::encode([0x42u8; 32]),
        "public_key": key(0x42).public().to_string(),
        "records": records,
        "entry": {
            "index": e.index,
            "accepted": e.accepted.0,
            "prev": e.prev.to_string(),
            "record_kind": "BatchRegistered",
            "leaf_data": hex::encode(&leaf),
            "leaf_hash": hex::encode(trace_core::encoding::leaf_hash(&leaf)),
        },
        "batch_id": {
            "record_id": RecordId([0xbb; 32]).to_string(),
            "output": 0,
            "batch_id": batch().to_string(),
        },
    })
}

#[test]
fn golden_vectors_match_the_pinned_bytes() {
    let now = render();
    let path = data_path();
    if std::env::var_os("TRACE_BLESS").is_some() {
        std::fs::write(&path, serde_json::to_string_pretty(&now).unwrap() + "\n").unwrap();
    }
    let pinned: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let (now_records, pinned_records) = (now["records"].as_array().unwrap(), pinned["records"].as_array().unwrap());
    assert_eq!(now_records.len(), pinned_records.len(), "number of golden records changed");
    for (n, p) in now_records.iter().zip(pinned_records) {
        assert_eq!(n, p, "golden vector for {} changed", p["kind"]);
    }
    assert_eq!(now, pinned);
}

#[test]
fn pinned_vectors_decode_and_verify_from_the_file_alone() {
    let pinned: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(data_path()).unwrap()).unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    for v in pinned["records"].as_array().unwrap() {
        let bytes = hex::decode(v["record"].as_str().unwrap()).unwrap();
        let r = Record::decode(&bytes).unwrap();
        r.verify_signature().unwrap();
        assert_eq!(r.id().to_string(), v["id"].as_str().unwrap());
        assert_eq!(hex::encode(r.signed_bytes()), v["signed_bytes"].as_str().unwrap());
        let from_json: RecordBody = serde_json::from_value(v["body_json"].clone()).unwrap();
        assert_eq!(&from_json, r.body(), "JSON form of {} does not round-trip", v["kind"]);
        assert!(r.signed_bytes().starts_with(b"trace/v2/record\n"));
        kinds.insert(r.body().event.kind());
    }
    assert_eq!(kinds.len(), 18, "every event kind has a golden vector");
    let leaf = hex::decode(pinned["entry"]["leaf_data"].as_str().unwrap()).unwrap();
    let e = LogEntry::decode(&leaf).unwrap();
    assert_eq!(e.index, 7);
    assert_eq!(hex::encode(trace_core::encoding::leaf_hash(&leaf)), pinned["entry"]["leaf_hash"].as_str().unwrap());
}

#[test]
fn every_single_bit_flip_of_a_record_is_rejected() {
    for (name, r) in golden_records() {
        let bytes = r.encoded().to_vec();
        for bit in 0..bytes.len() * 8 {
            let mut b = bytes.clone();
            b[bit / 8] ^= 1 << (bit % 8);
            match Record::decode(&b) {
                Err(_) => {}
                Ok(d) => assert!(d.verify_signature().is_err(), "{name}: flip of bit {bit} still verifies"),
            }
        }
    }
}

#[test]
fn truncated_or_extended_records_do_not_decode_as_valid() {
    let (_, r) = golden_records().remove(0);
    let bytes = r.encoded();
    for cut in 0..bytes.len() {
        if let Ok(d) = Record::decode(&bytes[..cut]) {
            assert!(d.verify_signature().is_err(), "prefix of {cut} bytes verifies");
        }
    }
    let mut longer = bytes.to_vec();
    longer.push(0);
    if let Ok(d) = Record::decode(&longer) {
        assert!(d.verify_signature().is_err());
    }
}
