//! What people read: the text of `show`, `back`, `forward`, `recall-impact` and `batches` on a seeded demo
//! ledger (same keys and start time, so the same records and batch ids), pinned as snapshots in
//! `tests/data/cli/`. `TRACE_BLESS=1` rewrites them.

use crate::basics::{ok, snapshot};

fn seeded_demo() -> (tempfile::TempDir, String, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let d = data.to_str().unwrap().to_owned();
    let out: serde_json::Value =
        serde_json::from_str(&ok(&["demo", "--data", &d, "--seed", "7", "--start", "2026-08-01", "--json"])).unwrap();
    (dir, d, out)
}

fn id_of(d: &str, product: &str) -> String {
    let rows: serde_json::Value = serde_json::from_str(&ok(&["batches", "--data", d, "--json"])).unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["product"].as_str().unwrap().contains(product))
        .unwrap_or_else(|| panic!("no batch {product}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn a_seeded_demo_reads_the_same_every_time() {
    let (_dir, d, out) = seeded_demo();
    let loin = id_of(&d, "pork loin");
    let feed = id_of(&d, "Finisher pig compound feed");
    let recalled = id_of(&d, "herd B");
    assert!(out["scan"]["pork_loin"].as_str().unwrap().starts_with("http://127.0.0.1:8080/01/06901234567892/10/"));
    snapshot("show-pork-loin.txt", &ok(&["show", &loin, "--data", &d]));
    snapshot("show-recalled-pork.txt", &ok(&["show", &recalled, "--data", &d]));
    snapshot("back-pork-loin.txt", &ok(&["back", &loin, "--data", &d]));
    snapshot("forward-feed-lot.txt", &ok(&["forward", &feed, "--data", &d]));
    snapshot("recall-impact-feed-lot.txt", &ok(&["recall-impact", &feed, "--data", &d]));
    snapshot("batches.txt", &ok(&["batches", "--data", &d]));
}
