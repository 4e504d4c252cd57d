//! The EPCIS 2.0 view and the FSMA 204 sortable export, on the demo story started at a fixed time so records,
//! ids and dates are the same on every run. Expected outputs live in `tests/data/epcis/` and
//! `tests/data/fsma/` at the repository root; `TRACE_BLESS=1` rewrites them after a deliberate change.

use std::path::PathBuf;

use serde_json::Value;
use trace_core::demo::{self, Cast, Expect, Story};
use trace_core::{epcis, fsma, *};

use crate::common::*;

const RESOLVER: &str = "https://test.trace.example/ledger";

fn data(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data").join(path)
}

/// Compares `actual` with the file, or writes it when `TRACE_BLESS=1`.
fn snapshot(path: &str, actual: &str) {
    let file = data(path);
    if std::env::var("TRACE_BLESS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{}: {e}; run with TRACE_BLESS=1 to create it", file.display()));
    if expected != actual {
        let first = expected.lines().zip(actual.lines()).position(|(a, b)| a != b);
        panic!(
            "{} differs (first differing line {:?}); run with TRACE_BLESS=1 if the change is deliberate\n--- actual ---\n{actual}",
            file.display(),
            first.map(|n| n + 1)
        );
    }
}

/// The demo story started at T0 (2025-11-01 00:00 UTC+08:00), appended step by step.
fn demo_ledger() -> (TestLedger, Cast, Story) {
    let cast = Cast::from_seed(1);
    let story = demo::story(&cast, &origin(), Time(T0)).unwrap();
    let clock = StoryClock::starting_at(Time(T0));
    let t = TestLedger::on(&clock);
    for s in &story.steps {
        let out = demo::append_step(&t.ledger, &clock, s);
        assert_eq!(out.is_ok(), s.expect == Expect::Accepted, "{}: {out:?}", s.title_en);
    }
    (t, cast, story)
}

fn entries(l: &Ledger) -> Vec<LogEntry> {
    (0..l.size()).map(|i| l.entry(i).unwrap()).collect()
}

fn cbv(v: &str) -> Value {
    Value::String(format!("https://ref.gs1.org/cbv/{v}"))
}

/// An event without its `recordTime`, which is when the node accepted it: different on every run.
fn stable(mut v: Value) -> Value {
    v.as_object_mut().unwrap().remove("recordTime");
    v
}

#[test]
fn every_event_has_an_epcis_view_and_master_data_has_none() {
    let (t, _, _) = demo_ledger();
    let l = &t.ledger;
    let mut views = 0;
    for e in entries(l) {
        let kind = e.record.body().event.kind();
        let view = epcis::event(l, &e, RESOLVER).unwrap();
        match kind {
            // Administration, and the records between actors about goods (an engagement, a prescription: the
            // application that follows one is the event on the goods, and names it).
            "ActorAdmitted" | "ActorRevoked" | "KeyRotated" | "RegistryAdopted" | "Engaged" | "Prescribed" => {
                assert!(view.is_none(), "{kind}");
                continue;
            }
            _ => {}
        }
        let v = view.unwrap_or_else(|| panic!("{kind} has no view"));
        views += 1;
        assert_eq!(v["@context"][0], epcis::EPCIS_CONTEXT);
        assert!(v["eventID"].as_str().unwrap().starts_with("urn:trace:record:"));
        assert!(v["eventTime"].as_str().unwrap().ends_with("+08:00"), "{v}");
        assert_eq!(v["eventTimeZoneOffset"], "+08:00");
        assert!(v["recordTime"].as_str().unwrap().ends_with('Z'));
        assert!(v["bizLocation"]["id"].as_str().unwrap().starts_with("urn:trace:location:"));
        match v["type"].as_str().unwrap() {
            "ObjectEvent" => {
                assert!(["ADD", "OBSERVE", "DELETE"].contains(&v["action"].as_str().unwrap()), "{v}");
                assert!(v["quantityList"].is_array() || v["epcList"].is_array(), "{v}");
            }
            "TransformationEvent" => {
                assert!(v["inputQuantityList"].is_array() && v["outputQuantityList"].is_array(), "{v}");
            }
            other => panic!("unexpected type {other}"),
        }
        if let Some(step) = v.get("bizStep") {
            assert!(step.as_str().unwrap().starts_with("https://ref.gs1.org/cbv/BizStep-"), "{v}");
        }
        if let Some(d) = v.get("disposition") {
            assert!(d.as_str().unwrap().starts_with("https://ref.gs1.org/cbv/Disp-"), "{v}");
        }
    }
    let doc = epcis::document(l, &entries(l), RESOLVER, Time(T0 + 40 * DAY)).unwrap();
    assert_eq!(doc["type"], "EPCISDocument");
    assert_eq!(doc["schemaVersion"], "2.0");
    assert_eq!(doc["epcisBody"]["eventList"].as_array().unwrap().len(), views);
}

#[test]
fn epcis_business_steps_and_dispositions_follow_cbv() {
    let (t, _, story) = demo_ledger();
    let l = &t.ledger;
    let by_kind = |kind: &str| -> Vec<Value> {
        entries(l)
            .iter()
            .filter(|e| e.record.body().event.kind() == kind)
            .map(|e| epcis::event(l, e, RESOLVER).unwrap().unwrap())
            .collect()
    };
    let shipped = &by_kind("Shipped")[0];
    assert_eq!((&shipped["bizStep"], &shipped["disposition"]), (&cbv("BizStep-shipping"), &cbv("Disp-in_transit")));
    assert_eq!(shipped["sourceList"][0]["type"], cbv("SDT-owning_party"));
    assert_eq!(shipped["bizTransactionList"][0]["type"], cbv("BTT-bol"));
    assert_eq!(shipped["quantityList"][0]["quantity"], 30);
    let received = &by_kind("Received")[0];
    assert_eq!((&received["bizStep"], &received["disposition"]), (&cbv("BizStep-receiving"), &cbv("Disp-in_progress")));
    assert_eq!(received["quantityList"], shipped["quantityList"], "a receipt carries the shipped quantity");
    let sold = &by_kind("Sold")[0];
    assert_eq!((&sold["bizStep"], &sold["disposition"]), (&cbv("BizStep-retail_selling"), &cbv("Disp-retail_sold")));
    assert_eq!((&sold["quantityList"][0]["quantity"], &sold["quantityList"][0]["uom"]), (&20.into(), &"KGM".into()));
    assert_eq!(by_kind("Recalled")[0]["disposition"], cbv("Disp-recalled"));
    assert_eq!(by_kind("Inspected")[0]["disposition"], cbv("Disp-non_conformant"));
    let disposed = &by_kind("Disposed")[0];
    assert_eq!((&disposed["action"], &disposed["bizStep"]), (&"DELETE".into(), &cbv("BizStep-destroying")));
    let applied = &by_kind("InputApplied")[0];
    assert_eq!(applied["type"], "TransformationEvent");

    // The loin comes out of the slaughter with a GS1 Digital Link; the herd goes in by its /b/ URI.
    let slaughters = by_kind("Transformed");
    let loin = slaughters.iter().find(|v| v["outputQuantityList"].as_array().unwrap().len() == 2).unwrap();
    assert_eq!(loin["bizStep"], cbv("BizStep-killing"));
    let dl = format!("{RESOLVER}/01/{}/10/{}", story.loin_gtin, story.loin_lot);
    assert_eq!(loin["outputQuantityList"][0]["epcClass"], dl);
    assert_eq!(loin["outputQuantityList"][0]["uom"], "KGM");
    assert_eq!(loin["inputQuantityList"][0]["epcClass"], format!("{RESOLVER}/b/{}", story.batches.herd_a.compact()));
    assert!(loin["inputQuantityList"][0].get("uom").is_none(), "heads are a count");
    assert_eq!(loin["inputQuantityList"][0]["trace:unit"], "head");
    // The vet drug's packages are listed by their 24-digit codes.
    let lot = by_kind("InputLotRegistered").into_iter().find(|v| v.get("epcList").is_some()).unwrap();
    assert_eq!(lot["epcList"][0], format!("{RESOLVER}/vd/{}", story.vet_drug_codes[0]));
    snapshot("epcis/pork-loin-slaughter.json", &format!("{:#}\n", stable(loin.clone())));
}

#[test]
fn a_correction_is_the_corrected_event_with_an_error_declaration() {
    let (t, _, _) = demo_ledger();
    let l = &t.ledger;
    let all = entries(l);
    let correction = all.iter().find(|e| e.record.body().event.kind() == "Correction").unwrap();
    let Event::Correction(c) = &correction.record.body().event else { unreachable!() };
    let target = l.record(&c.target).unwrap().unwrap();
    let original = epcis::event(l, &target, RESOLVER).unwrap().unwrap();
    let v = epcis::event(l, correction, RESOLVER).unwrap().unwrap();
    assert_eq!(v["eventID"], original["eventID"], "the same event, declared in error");
    assert_eq!(v["bizStep"], original["bizStep"]);
    assert!(original.get("errorDeclaration").is_none(), "the original stays as it was");
    let err = &v["errorDeclaration"];
    assert_eq!(err["reason"], cbv("ER-incorrect_data"));
    assert_eq!(err["declarationTime"], epcis::local_time(correction.record.body().time));
    assert_eq!(err["trace:corrected"], "the sample number is XH-FEED-171");
    assert_eq!(err["trace:correction"], epcis::event_id(&correction.record.id()));
    snapshot("epcis/inspection-correction.json", &format!("{:#}\n", stable(v)));
}

/// Splits RFC 4180 CSV into records of fields.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    rows
}

#[test]
fn the_fsma_export_of_a_lot_covers_its_lineage_and_matches_the_expected_file() {
    let (t, _, story) = demo_ledger();
    let l = &t.ledger;
    let b = &story.batches;
    let csv = fsma::export_csv(l, b.pork_loin, Time(0), Time(u64::MAX)).unwrap();
    assert!(csv.ends_with("\r\n") && !csv.contains("\r\n\r\n"));
    let rows = parse_csv(&csv);
    assert_eq!(rows[0], fsma::HEADER);
    assert!(rows.iter().all(|r| r.len() == fsma::HEADER.len()), "every row has every column");
    let tlcs: std::collections::BTreeSet<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    let loin_tlc = format!("(01){}(10){}", story.loin_gtin, story.loin_lot);
    for want in [loin_tlc.clone(), b.herd_a.to_string(), b.feed_a.to_string(), b.vet_drug.to_string()] {
        assert!(tlcs.contains(want.as_str()), "{want} missing from {tlcs:?}");
    }
    assert!(!tlcs.contains(b.feed_b.to_string().as_str()), "feed lot B is not in the loin's lineage");
    let ctes: Vec<&str> = rows[1..].iter().map(|r| r[4].as_str()).collect();
    for cte in ["Registration", "Input Applied", "Shipping", "Receiving", "Transformation", "Sale"] {
        assert!(ctes.contains(&cte), "{cte}");
    }
    // Sorted by event date and time.
    let when: Vec<(String, String)> = rows[1..].iter().map(|r| (r[5].clone(), r[6].clone())).collect();
    assert!(when.windows(2).all(|w| w[0] <= w[1]));
    // The receipt's KDEs: quantity from the shipment, the previous source, the waybill.
    let receipt = rows.iter().find(|r| r[0] == loin_tlc && r[4] == "Receiving").unwrap();
    assert_eq!((receipt[2].as_str(), receipt[3].as_str(), receipt[12].as_str()), ("100", "kg", "WB-A-0001"));
    assert!(receipt[8].contains("Xihu designated slaughterhouse"), "{receipt:?}");
    snapshot("fsma/pork-loin-lineage.csv", &csv);
}

#[test]
fn the_fsma_export_keeps_to_its_date_range() {
    let (t, _, story) = demo_ledger();
    let from = Time(T0 + 14 * DAY);
    let to = Time(T0 + 16 * DAY);
    let csv = fsma::export_csv(&t.ledger, story.batches.feed_b, from, to).unwrap();
    let rows = parse_csv(&csv);
    let ctes: Vec<&str> = rows[1..].iter().map(|r| r[4].as_str()).collect();
    assert_eq!(ctes, ["Inspection", "Recall", "Disposal"], "{csv}");
    // The inspection row shows what the lab recorded, and that it was later corrected.
    assert!(
        rows[1][12] == "XH-FEED-117" && rows[1][14].contains("[corrected 2025-11-15: the sample number is XH-FEED-171")
    );
    for r in &rows[1..] {
        let date = Time::parse_human(&r[5]).unwrap();
        assert!(date >= Time(T0 + 14 * DAY) && date <= to, "{r:?}");
    }
    snapshot("fsma/feed-lot-b-days-14-16.csv", &csv);
    let none = fsma::export_csv(&t.ledger, story.batches.feed_b, Time(0), Time(T0 - 1)).unwrap();
    assert_eq!(parse_csv(&none).len(), 1, "only the header");
}
