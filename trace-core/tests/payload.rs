//! QR label payloads: formatting and parsing driven by the golden vectors in `tests/data/qr/payloads.json`,
//! plus properties: parsing never panics, and every payload reads back from its URL, path and QR content.

use proptest::prelude::*;
use serde_json::{Value, json};
use trace_core::*;

fn vectors() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/qr/payloads.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// The vectors' JSON form of a payload.
fn to_json(p: &Payload) -> Value {
    match p {
        Payload::DigitalLink { gtin, lot } => {
            json!({"kind": "digital-link", "gtin": gtin.as_str(), "lot": lot.as_str()})
        }
        Payload::Batch(id) => json!({"kind": "batch", "id": id.to_string()}),
        Payload::VetDrug(code) => json!({"kind": "vet-drug", "code": code.as_str()}),
    }
}

fn from_json(v: &Value) -> Payload {
    let field = |k: &str| v[k].as_str().unwrap_or_else(|| panic!("missing {k} in {v}"));
    match field("kind") {
        "digital-link" => {
            Payload::DigitalLink { gtin: field("gtin").parse().unwrap(), lot: field("lot").parse().unwrap() }
        }
        "batch" => Payload::Batch(field("id").parse().unwrap()),
        "vet-drug" => Payload::VetDrug(field("code").parse().unwrap()),
        other => panic!("unknown kind {other}"),
    }
}

#[test]
fn payloads_format_exactly_as_the_golden_vectors() {
    let v = vectors();
    let cases = v["format"].as_array().unwrap();
    assert!(cases.len() >= 7);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let payload = from_json(&case["payload"]);
        let base = case["base"].as_str().unwrap();
        assert_eq!(payload.path(), case["path"].as_str().unwrap(), "{name}: path");
        assert_eq!(payload.to_url(base), case["url"].as_str().unwrap(), "{name}: url");
        assert_eq!(payload.qr_content(base), case["qr"].as_str().unwrap(), "{name}: qr content");
        // Everything a label or the node prints reads back as the same payload.
        for text in [payload.path(), payload.to_url(base), payload.qr_content(base)] {
            assert_eq!(Payload::parse(&text).as_ref(), Ok(&payload), "{name}: reading back {text}");
        }
    }
}

#[test]
fn payloads_parse_exactly_as_the_golden_vectors() {
    let v = vectors();
    let cases = v["parse"].as_array().unwrap();
    assert!(cases.len() >= 60);
    for case in cases {
        let input = case["input"].as_str().unwrap();
        let got = Payload::parse(input);
        match (&case["payload"], &case["error"]) {
            (Value::Null, Value::String(code)) => match got {
                Err(e) => {
                    assert_eq!(e.code(), code, "{input:?}: {e}");
                    assert!(!e.to_string().is_empty());
                }
                Ok(p) => panic!("{input:?} parsed as {p:?}, expected error {code}"),
            },
            (expected, Value::Null) => match got {
                Ok(p) => assert_eq!(to_json(&p), *expected, "{input:?}"),
                Err(e) => panic!("{input:?} refused: {e} ({})", e.code()),
            },
            _ => panic!("case needs exactly one of payload and error: {case}"),
        }
    }
}

#[test]
fn from_str_is_parse() {
    let p: Payload = "/b/18DJRFAEBXG7X".parse().unwrap();
    assert_eq!(p, Payload::parse("18DJ-RFAE-BXG7X").unwrap());
}

#[test]
fn a_gtin_without_a_lot_says_the_lot_is_needed() {
    let e = Payload::parse("https://trace.example/01/9506000134352/21/7").unwrap_err();
    assert_eq!(e, PayloadError::MissingLot { gtin: "09506000134352".parse().unwrap() });
    let msg = e.to_string();
    assert!(msg.contains("09506000134352") && msg.contains("lot"), "{msg}");
}

#[test]
fn value_errors_name_what_is_wrong() {
    let e = Payload::parse("https://trace.example/b/18DJRFAEBXG7Y").unwrap_err();
    assert!(matches!(&e, PayloadError::Value(p) if p.what == "batch id"), "{e:?}");
    let e = Payload::parse("https://trace.example/01/09506000134353/10/A").unwrap_err();
    assert!(matches!(&e, PayloadError::Value(p) if p.what == "GTIN" && p.why.contains("check digit")), "{e:?}");
    let e = Payload::parse("202613280123400000000042").unwrap_err();
    assert!(matches!(&e, PayloadError::Value(p) if p.what == "vet-drug code"), "{e:?}");
}

#[test]
fn error_messages_stay_short_for_long_inputs() {
    let long = format!("https://trace.example/{}", "x/".repeat(1000));
    let e = Payload::parse(&long).unwrap_err();
    assert_eq!(e.code(), "unknown-path");
    assert!(e.to_string().len() < 250, "{e}");
    let too_long = "1".repeat(MAX_PAYLOAD_LEN + 1);
    assert_eq!(Payload::parse(&too_long).unwrap_err().code(), "too-long");
}

/// Lots drawn from GS1 character set 82.
fn lot() -> impl Strategy<Value = Lot> {
    proptest::string::string_regex("[A-Za-z0-9!\"%&'()*+,./:;<=>?_-]{1,20}").unwrap().prop_map(|s| s.parse().unwrap())
}

fn payload() -> impl Strategy<Value = Payload> {
    let gtin = (0u64..10u64.pow(13)).prop_map(|body| {
        let digits = format!("{body:013}");
        let sum: u32 =
            digits.bytes().rev().enumerate().map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 }).sum();
        format!("{digits}{}", (10 - sum % 10) % 10).parse::<Gtin>().unwrap()
    });
    let vet = (0u32..3650, 0u64..100_000, 0u64..100_000_000_000).prop_map(|(day, ent, serial)| {
        let date = Time::parse_human("2020-01-01").unwrap().plus_days(day).display_date().replace('-', "");
        format!("{date}{ent:05}{serial:011}").parse::<VetDrugCode>().unwrap()
    });
    prop_oneof![
        (gtin, lot()).prop_map(|(gtin, lot)| Payload::DigitalLink { gtin, lot }),
        (0u64..1 << 60).prop_map(|v| Payload::Batch(BatchId::from_value(v).unwrap())),
        vet.prop_map(Payload::VetDrug),
    ]
}

proptest! {
    #[test]
    fn parse_never_panics(s in "\\PC{0,200}") {
        let _ = Payload::parse(&s);
    }

    #[test]
    fn parse_never_panics_on_path_like_text(s in "(https?://[a-z.]{0,10})?(/(01|10|21|22|b|vd|%[0-9A-Fa-f]{0,2}|[0-9]{0,14}|[^/]{0,5})){0,8}[?#]?.{0,5}") {
        let _ = Payload::parse(&s);
    }

    #[test]
    fn every_payload_reads_back_from_what_is_printed(p in payload(), base in "https?://[a-z]{1,8}\\.example(:[0-9]{2,5})?(/[a-z]{1,5})?/?") {
        prop_assert_eq!(Payload::parse(&p.to_url(&base)), Ok(p.clone()));
        prop_assert_eq!(Payload::parse(&p.qr_content(&base)), Ok(p.clone()));
        prop_assert_eq!(Payload::parse(&p.path()), Ok(p.clone()));
        prop_assert_eq!(Payload::parse(&format!("{}?linkType=all", p.to_url(&base))), Ok(p));
    }
}
