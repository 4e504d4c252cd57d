//! What a scanner or a person hands the node: label payloads (`Payload::parse`: Digital Link URLs, paths,
//! bare codes) and the typed values inside them (`VetDrugCode`, `Gtin`, `Lot`, `BatchId`, `RecordId`,
//! `Quantity`, `Origin`, `Time`).
//!
//! Properties: no panic; a parsed payload reads back the same from its URL, its path and its QR content; a
//! parsed value reads back the same from its text form.

#![no_main]

use libfuzzer_sys::fuzz_target;
use trace_core::{BatchId, Gtin, Lot, Origin, Payload, Quantity, RecordId, Time, VetDrugCode};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    if let Ok(p) = Payload::parse(text) {
        for base in ["https://trace.example", "http://127.0.0.1:8080/prefix/"] {
            assert_eq!(Payload::parse(&p.to_url(base)).as_ref(), Ok(&p), "URL of {p:?}");
            assert_eq!(Payload::parse(&p.qr_content(base)).as_ref(), Ok(&p), "QR content of {p:?}");
        }
        assert_eq!(Payload::parse(&p.path()).as_ref(), Ok(&p), "path of {p:?}");
    }
    if let Ok(c) = text.parse::<VetDrugCode>() {
        assert_eq!(c.as_str().parse::<VetDrugCode>().as_ref(), Ok(&c));
        assert_eq!(c.as_str().len(), 24);
        let _ = (c.date_part(), c.enterprise(), c.serial());
    }
    if let Ok(g) = text.parse::<Gtin>() {
        assert_eq!(g.as_str().parse::<Gtin>().as_ref(), Ok(&g));
    }
    if let Ok(l) = text.parse::<Lot>() {
        assert_eq!(l.as_str().parse::<Lot>().as_ref(), Ok(&l));
    }
    if let Ok(b) = text.parse::<BatchId>() {
        assert_eq!(b.to_string().parse::<BatchId>(), Ok(b));
        assert_eq!(b.compact().parse::<BatchId>(), Ok(b));
    }
    if let Ok(r) = text.parse::<RecordId>() {
        assert_eq!(r.to_string().parse::<RecordId>(), Ok(r));
    }
    if let Ok(q) = text.parse::<Quantity>() {
        assert_eq!(q.to_string().parse::<Quantity>(), Ok(q));
    }
    if let Ok(o) = text.parse::<Origin>() {
        assert_eq!(o.to_string().parse::<Origin>().as_ref(), Ok(&o));
    }
    let _ = Time::parse_human(text);
});
