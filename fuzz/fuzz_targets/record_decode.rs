//! Record and log-entry decoding (`Record::decode`, `LogEntry::decode`, and the stored derived state): bytes
//! from the network (`application/octet-stream` submissions), from bundles and from the store.
//!
//! Properties: no panic; whatever decodes is canonical (re-encodes to exactly the input) and decodes again to
//! the same value; a record's id is the hash of its bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;
use trace_core::{Actor, BatchState, Head, LogEntry, Record, encoding};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = Record::decode(data) {
        assert_eq!(r.encoded(), data, "a decoded record is its canonical bytes");
        assert_eq!(r.id().0, encoding::sha256(data));
        let again = Record::decode(r.encoded()).expect("canonical bytes decode again");
        assert_eq!(again, r);
        let _ = r.verify_signature();
        let _ = trace_core::rules::check_limits(&r);
        let _ = r.body().event.acted_on();
    }
    if let Ok(e) = LogEntry::decode(data) {
        assert_eq!(e.leaf_data(), data, "a decoded entry is its canonical leaf data");
    }
    if let Ok(h) = encoding::decode::<Head>(data) {
        assert_eq!(encoding::encode(&h), data);
    }
    if let Ok(b) = encoding::decode::<BatchState>(data) {
        assert_eq!(encoding::encode(&b), data);
        let _ = b.status();
        let _ = b.label();
    }
    if let Ok(a) = encoding::decode::<Actor>(data) {
        assert_eq!(encoding::encode(&a), data);
    }
});
