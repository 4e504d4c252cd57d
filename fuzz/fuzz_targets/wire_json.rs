//! JSON submissions as the node reads them: `WireRecord` (a body and signature, or the canonical bytes in
//! base64) and `BulkSubmit`, then the stateless checks every submission goes through.
//!
//! Properties: no panic; a record read from JSON survives a round trip through both JSON forms unchanged
//! (same id), and its canonical bytes decode to it.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use trace_core::{Origin, Record, verify_stateless};
use trace_node::wire::{BulkSubmit, WireRecord};

fn origin() -> &'static Origin {
    static ORIGIN: OnceLock<Origin> = OnceLock::new();
    ORIGIN.get_or_init(|| "fuzz.trace.example/ledger".parse().unwrap())
}

fn check(w: WireRecord) {
    let Ok(r) = w.into_record() else { return };
    let _ = verify_stateless(std::slice::from_ref(&r), origin());
    let json = serde_json::to_vec(&WireRecord::from_record(&r)).unwrap();
    let back: WireRecord = serde_json::from_slice(&json).unwrap();
    assert_eq!(back.into_record().unwrap(), r, "the JSON form round-trips");
    let json = serde_json::to_vec(&WireRecord::encoded(&r)).unwrap();
    let back: WireRecord = serde_json::from_slice(&json).unwrap();
    assert_eq!(back.into_record().unwrap().id(), r.id(), "the base64 form round-trips");
    assert_eq!(Record::decode(r.encoded()).unwrap(), r);
}

fuzz_target!(|data: &[u8]| {
    if let Ok(w) = serde_json::from_slice::<WireRecord>(data) {
        check(w);
    }
    if let Ok(b) = serde_json::from_slice::<BulkSubmit>(data) {
        for w in b.records.into_iter().take(64) {
            check(w);
        }
    }
});
