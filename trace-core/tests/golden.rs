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
                handle: "hetao-coop".parse().unwrap(),
                roles: vec![Role::Coop, Role::Market],
                registration: "93210503MA0XXXXXXX".into(),
                location: "本溪市溪湖区".into(),
                contact: None,
                departments: vec![],
                licences: vec![],
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
                identifiers: vec![],
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
                periods: trace_core::Periods::days(28),
                prescription_only: true,
                quantity: q("100 box"),
                vet_drug_codes: vec!["202511280123400000000042".parse().unwrap()],
                expires: Some(Time(t + 365 * DAY)),
                made_from: vec![],
            }),
        ),
        (
            "InputApplied",
            p.clone(),
            Event::InputApplied(InputApplied {
                batch: batch(),
                input: lot(),
                dose: q("0.25 kg"),
                prescription: Some(RecordId([0xcc; 32])),
                vet_drug_code: Some("202511280123400000000042".parse().unwrap()),
                note: "respiratory infection".into(),
                holding: None,
            }),
        ),
        (
            "Inspected",
            p.clone(),
            Event::Inspected(Inspected {
                batch: batch(),
                sample: "S-001".into(),
                analyte: "clenbuterol".into(),
                result: trace_core::Measurement::Value(1_200),
                limit_milli: Some(0),
                unit: "µg/kg".into(),
                method: "GB/T 22286-2008".into(),
                verdict: Verdict::Fail,
                kind: trace_core::InspectionKind::Supervisory,
                retest_of: None,
            }),
        ),
        (
            "Certified",
            p.clone(),
            Event::Certified(Certified {
                batches: vec![batch()],
                kind: CertKind::OriginExit,
                number: "HGZ-0001".into(),
                issuer: Party::Member(key(0x43).public()),
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
                to: Party::Member(key(0x46).public()),
                from_place: "Hetao farm".into(),
                to_place: "Xihu slaughterhouse".into(),
                document: "WB-77".into(),
                carrier: Some(key(0x47).public()),
                certificates: vec![],
            }),
        ),
        (
            "Received",
            p.clone(),
            Event::Received(Received {
                batch: batch(),
                shipment: RecordId([0xdd; 32]),
                accepted: true,
                checked: vec![],
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
                certificates: vec![],
            }),
        ),
        ("Sold", p.clone(), Event::Sold(Sold { batch: batch(), quantity: q("2.5 kg"), buyer: None })),
        ("Held", p.clone(), Event::Held(Held { batch: batch(), reason: "investigation".into() })),
        (
            "Released",
            p.clone(),
            Event::Released(Released { batch: batch(), lifts: RecordId([0xbb; 32]), reason: "cleared".into() }),
        ),
        (
            "Recalled",
            p.clone(),
            Event::Recalled(Recalled {
                batch: batch(),
                reason: "clenbuterol".into(),
                deadline: None,
                drill: false,
                level: trace_core::RecallLevel::First,
            }),
        ),
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
            "RegistryAdopted",
            vec![],
            Event::RegistryAdopted(RegistryAdopted {
                registry: RegistryKind::Substances,
                version: "trace-substances-1".into(),
                hash: ContentHash([0x5a; 32]),
                adds: vec!["zilpaterol".into()],
                removes: vec![],
                reason: "公告第250号".into(),
            }),
        ),
        (
            "Prescribed",
            p.clone(),
            Event::Prescribed(Prescribed {
                batches: vec![batch()],
                drug: "氟苯尼考注射液".into(),
                approval_number: "兽药字(2023)150012345".into(),
                dose: q("20 ml"),
                valid_until: Time(t + 3 * DAY),
                note: "respiratory infection, i.m. 3 days".into(),
            }),
        ),
        (
            "Engaged",
            p.clone(),
            Event::Engaged(Engaged { vet: key(0x45).public(), batches: vec![batch()], until: Time(t + 90 * DAY) }),
        ),
        (
            "Produced",
            p.clone(),
            Event::Produced(Produced {
                source: batch(),
                process: Production::Milking,
                output: TransformOutput {
                    product: "Raw milk (生鲜乳)".into(),
                    class: ProductClass::Dairy,
                    quantity: q("850 l"),
                    gtin: None,
                    lot: Some("M1128".parse().unwrap()),
                },
            }),
        ),
        (
            "Countersigned",
            vec![],
            Event::Countersigned(Countersigned { target: RecordId([0xaa; 32]), note: "second regulator".into() }),
        ),
        (
            "LicenceChanged",
            vec![],
            Event::LicenceChanged(LicenceChanged {
                actor: key(0x43).public(),
                change: LicenceChange::Granted(Licence {
                    kind: LicenceKind::PesticideDealing,
                    number: "农药经营许可证 (辽)农药经许 001".into(),
                    issuer: "本溪市农业农村局".into(),
                    valid_from: Time(t),
                    valid_until: Some(Time(t + 5 * 365 * DAY)),
                    scope: vec!["restricted".into()],
                }),
                reason: "licence granted".into(),
            }),
        ),
        (
            "HoldingsTransferred",
            vec![],
            Event::HoldingsTransferred(HoldingsTransferred {
                from: key(0x43).public(),
                to: key(0x44).public(),
                reason: "key lost".into(),
            }),
        ),
        (
            "CertificateChanged",
            vec![],
            Event::CertificateChanged(CertificateChanged {
                certificate: RecordId([0xaa; 32]),
                change: CertificateChange::Suspended,
                reason: "audit".into(),
            }),
        ),
        (
            "ComplianceCertified",
            p.clone(),
            Event::ComplianceCertified(ComplianceCertified {
                batches: vec![batch()],
                product: "大白菜".into(),
                quantity: q("500 kg"),
                origin_place: "溪湖区河套村".into(),
                commitments: vec!["不使用禁用农药兽药".into(), "遵守农药安全间隔期、兽药休药期".into()],
                basis: CommitmentBasis::SelfTested,
                test: Some(CertRef::External(ExternalCert {
                    kind: CertKind::TestReport,
                    number: "KJ-0001".into(),
                    issuer: "合作社自检".into(),
                    valid_until: None,
                })),
                contact: Some(Personal::commit("contact", &[7; 16], "13800000000")),
                cites: vec![RecordId([0xaa; 32])],
            }),
        ),
        (
            "RecallAcknowledged",
            p.clone(),
            Event::RecallAcknowledged(RecallAcknowledged {
                recall: RecordId([0xaa; 32]),
                batch: batch(),
                returned: q("18 kg"),
                destroyed: q("2 kg"),
                note: "returned to the slaughterhouse".into(),
            }),
        ),
        (
            "RecallClosed",
            vec![],
            Event::RecallClosed(RecallClosed {
                recall: RecordId([0xaa; 32]),
                distributed: q("200 kg"),
                recovered: q("198 kg"),
                note: "2 kg sold before the recall".into(),
            }),
        ),
        (
            "ComplaintFiled",
            vec![],
            Event::ComplaintFiled(ComplaintFiled {
                case: "TS-2025-0001".into(),
                batch: Some(batch()),
                scanned: "https://xihu.example/b/0000".into(),
                what: "异味".into(),
                where_bought: "彩屯市场12号摊位".into(),
                contact: Some(Personal::commit("contact", &[9; 16], "13900000000")),
            }),
        ),
        (
            "ComplaintAnswered",
            vec![],
            Event::ComplaintAnswered(ComplaintAnswered {
                complaint: RecordId([0xaa; 32]),
                reply: "已抽检，合格".into(),
                closed: true,
            }),
        ),
        (
            "PenaltyDecided",
            vec![],
            Event::PenaltyDecided(PenaltyDecided {
                party: Party::Outside(OutsideParty {
                    name: "某农资店".into(),
                    credit_code: Some("92210503MA0XXXXXX1".into()),
                    certificates: vec![],
                    person: None,
                }),
                decision_number: "溪市监罚〔2025〕1号".into(),
                violation: "经营禁用农药".into(),
                penalty: "罚款5万元".into(),
                decided: Time(t),
            }),
        ),
        (
            "CreditListed",
            vec![],
            Event::CreditListed(CreditListed {
                party: Party::Member(key(0x43).public()),
                list: "严重违法失信名单".into(),
                reason: "经营禁用农药".into(),
                until: Some(Time(t + 3 * 365 * DAY)),
                change: CreditChange::Listed,
                cites: Some(RecordId([0xaa; 32])),
            }),
        ),
        (
            "DrawPlanned",
            vec![],
            Event::DrawPlanned(DrawPlanned {
                plan: "2025年第4季度双随机抽查".into(),
                classes: vec![DrawClass { class: ProductClass::Vegetable, per_mille: 600 }],
                candidates: ContentHash([0x11; 32]),
                seed_size: 16,
            }),
        ),
        (
            "DrawPublished",
            vec![],
            Event::DrawPublished(DrawPublished {
                plan: RecordId([0xaa; 32]),
                targets: vec![Party::Member(key(0x43).public())],
                inspectors: vec![key(0x44).public()],
            }),
        ),
        (
            "Imported",
            vec![],
            Event::Imported(Imported {
                format: "epcis-2.0-json".into(),
                source: ContentHash([0x22; 32]),
                original_party: Party::Outside(OutsideParty {
                    name: "外省屠宰场".into(),
                    credit_code: None,
                    certificates: vec![],
                    person: None,
                }),
                event: "{\"type\":\"ObjectEvent\"}".into(),
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
    assert_eq!(kinds.len(), 35, "every event kind has a golden vector");
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
