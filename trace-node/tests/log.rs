//! The log endpoints: checkpoint and log key, proofs, per-batch proof files, entries, tiles, the streamed audit
//! bundle, witness cosignatures; and every write endpoint refusing bad input without growing the tree.

use axum::http::StatusCode;
use trace_core::merkle::{self, Hash};
use trace_core::*;

use crate::common::*;

async fn get_text(w: &World, k: Option<&SecretKey>, path: &str) -> (StatusCode, String, axum::http::Response<()>) {
    let (s, b, r) = send(w.app(), request(k, "GET", path, "", vec![])).await;
    (s, String::from_utf8(b).unwrap(), r)
}

async fn log_key(w: &World) -> VerifierKey {
    let (s, text, _) = get_text(w, None, "/v1/log-key").await;
    assert_eq!(s, StatusCode::OK);
    text.trim().parse().unwrap()
}

async fn checkpoint(w: &World) -> SignedCheckpoint {
    let (s, text, r) = get_text(w, None, "/v1/checkpoint").await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
    SignedCheckpoint::open(text.as_bytes(), &log_key(w).await).unwrap()
}

fn hashes(v: &serde_json::Value) -> Vec<Hash> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| encoding::base64_decode(h.as_str().unwrap()).unwrap().try_into().unwrap())
        .collect()
}

async fn submit(w: &World, k: &SecretKey, r: &Record) -> serde_json::Value {
    let (s, v) = send_json(w.app(), request(Some(k), "POST", "/v1/records", "application/json", json_body(r))).await;
    assert!(s.is_success(), "{v}");
    v
}

#[tokio::test]
async fn the_checkpoint_is_public_signed_by_the_log_key_and_re_signed_after_appends() {
    let w = World::new();
    let key = log_key(&w).await;
    assert_eq!(key.name(), w.node.log_key_name);
    assert_eq!(key.public_key(), &w.node.log_key.public());
    let cp = checkpoint(&w).await;
    assert_eq!((cp.checkpoint().size(), cp.checkpoint().origin()), (w.size(), "node.test.example/ledger"));
    assert_eq!(cp.checkpoint().root(), &w.node.ledger.root_at(w.size()).unwrap());

    // An append through the API signs a new checkpoint before it answers.
    let (r, _) = w.register_pigs(3);
    submit(&w, &w.coop, &r).await;
    assert_eq!(checkpoint(&w).await.checkpoint().size(), w.size());

    // Reading never signs: an append behind the API's back shows only once the checkpoint is refreshed.
    let before = checkpoint(&w).await;
    let (r, _) = w.register_pigs(4);
    w.node.ledger.append(r).unwrap();
    assert_eq!(checkpoint(&w).await, before);
    w.node.refresh_checkpoint();
    assert_eq!(checkpoint(&w).await.checkpoint().size(), w.size());
    let (_, metrics, _) = get_text(&w, None, "/metrics").await;
    assert!(metrics.contains("trace_checkpoints_total 4"), "{metrics}");
}

#[tokio::test]
async fn inclusion_and_consistency_proofs_are_public_and_verify_against_the_checkpoint() {
    let w = World::new();
    for d in 0..5 {
        let (r, _) = w.register_pigs(10 + d);
        submit(&w, &w.coop, &r).await;
    }
    let cp = checkpoint(&w).await;
    let (size, root) = (cp.checkpoint().size(), *cp.checkpoint().root());
    for index in [0, 3, size - 1] {
        let (s, v) =
            send_json(w.app(), request(None, "GET", &format!("/v1/proof/inclusion?index={index}"), "", vec![])).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["tree_size"], size);
        let leaf = encoding::leaf_hash(&w.node.ledger.leaf_data(index).unwrap());
        assert_eq!(v["leaf_hash"], encoding::base64_encode(&leaf));
        merkle::verify_inclusion(&leaf, index, size, &hashes(&v["proof"]), &root).unwrap();
    }
    let id = w.node.ledger.entry(6).unwrap().record.id();
    let (s, v) =
        send_json(w.app(), request(None, "GET", &format!("/v1/proof/inclusion?id={id}&size={size}"), "", vec![])).await;
    assert_eq!((s, v["index"].as_u64(), v["id"].as_str()), (StatusCode::OK, Some(6), Some(id.to_string().as_str())));
    for old in [0, 1, 4, size] {
        let (s, v) = send_json(
            w.app(),
            request(None, "GET", &format!("/v1/proof/consistency?old={old}&new={size}"), "", vec![]),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let old_root = w.node.ledger.root_at(old).unwrap();
        merkle::verify_consistency(old, size, &old_root, &root, &hashes(&v["proof"])).unwrap();
    }
    let (_, v) = send_json(w.app(), request(None, "GET", "/v1/proof/consistency?old=2", "", vec![])).await;
    assert_eq!(v["new"], size, "new= defaults to the checkpoint's size");

    let bad: &[(&str, StatusCode, &str)] = &[
        ("/v1/proof/inclusion", StatusCode::BAD_REQUEST, "invalid-value"),
        ("/v1/proof/inclusion?index=x", StatusCode::BAD_REQUEST, "invalid-value"),
        ("/v1/proof/inclusion?index=-1", StatusCode::BAD_REQUEST, "invalid-value"),
        ("/v1/proof/inclusion?index=1&id=00", StatusCode::BAD_REQUEST, "invalid-value"),
        ("/v1/proof/inclusion?id=zz", StatusCode::BAD_REQUEST, "invalid-value"),
        ("/v1/proof/inclusion?index=5&size=5", StatusCode::BAD_REQUEST, "invalid-value"),
        ("/v1/proof/inclusion?index=0&size=100000", StatusCode::NOT_FOUND, "not-found"),
        ("/v1/proof/consistency", StatusCode::BAD_REQUEST, "invalid-value"),
        ("/v1/proof/consistency?old=5&new=3", StatusCode::BAD_REQUEST, "invalid-value"),
        ("/v1/proof/consistency?old=1&new=100000", StatusCode::NOT_FOUND, "not-found"),
    ];
    for (path, status, want) in bad {
        let (s, v) = send_json(w.app(), request(None, "GET", path, "", vec![])).await;
        assert_eq!((s, code(&v)), (*status, *want), "{path}");
    }
    let missing = RecordId([7; 32]);
    let (s, v) =
        send_json(w.app(), request(None, "GET", &format!("/v1/proof/inclusion?id={missing}"), "", vec![])).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "not-found"));
}

#[tokio::test]
async fn a_batch_s_proof_files_cover_its_summary_and_its_warnings_and_verify_offline() {
    let w = World::new();
    let (r, batch) = w.register_pigs(3);
    submit(&w, &w.coop, &r).await;
    let held = w.record(&w.regulator, 1, vec![r.id()], Event::Held(Held { batch, reason: "residue check".into() }));
    submit(&w, &w.regulator, &held).await;
    let (s, v) =
        send_json(w.app(), request(None, "GET", &format!("/v1/public/batches/{batch}/proofs"), "", vec![])).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let key = log_key(&w).await;
    assert_eq!(v["log_key"], key.to_string());
    let trust = Trust::pinned(key);
    let mut proven = Vec::new();
    for p in v["proofs"].as_array().unwrap() {
        let ok = verify_proof_file(p.to_string().as_bytes(), &trust).unwrap();
        assert_eq!(ok.checkpoint.size(), v["tree_size"].as_u64().unwrap());
        proven.push(ok.entry.record.id());
    }
    assert_eq!(proven, vec![r.id(), held.id()]);
    let (s, v) = send_json(w.app(), request(None, "GET", "/v1/public/batches/XXXX/proofs", "", vec![])).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid-value"));
    let missing = BatchId::derive(&RecordId([3; 32]), 0);
    let (s, v) =
        send_json(w.app(), request(None, "GET", &format!("/v1/public/batches/{missing}/proofs"), "", vec![])).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "not-found"));

    // The scan page shows the signed checkpoint that covers the records.
    let (s, html, _) = get_text(&w, None, &format!("/b/{}", batch.compact())).await;
    assert_eq!(s, StatusCode::OK);
    let note = checkpoint(&w).await.note().to_string();
    assert!(html.contains(&trace_node::scan::esc(&note)), "{html}");
}

#[tokio::test]
async fn entries_need_a_regulators_signed_request_and_are_the_leaf_data_in_bounded_pages() {
    let w = World::new();
    let (s, v) = send_json(w.app(), request(None, "GET", "/v1/entries?from=0", "", vec![])).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "unauthenticated"));
    // Whole entries carry every record's restricted fields: a stall reads its own batches, not the log.
    let (s, v) = send_json(w.app(), request(Some(&w.market), "GET", "/v1/entries?from=2&limit=3", "", vec![])).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "forbidden"));
    let (s, v) = send_json(w.app(), request(Some(&w.regulator), "GET", "/v1/entries?from=2&limit=3", "", vec![])).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!((v["from"].as_u64(), v["tree_size"].as_u64()), (Some(2), Some(w.size())));
    let e = v["entries"].as_array().unwrap();
    assert_eq!(e.len(), 3);
    for (i, x) in e.iter().enumerate() {
        assert_eq!(x["index"], 2 + i as u64);
        assert_eq!(x["leaf_data"], encoding::base64_encode(&w.node.ledger.leaf_data(2 + i as u64).unwrap()));
    }
    let (_, v) = send_json(w.app(), request(Some(&w.regulator), "GET", "/v1/entries?limit=999999", "", vec![])).await;
    assert_eq!(v["entries"].as_array().unwrap().len() as u64, w.size().min(1000));
    let (_, v) = send_json(w.app(), request(Some(&w.regulator), "GET", "/v1/entries?from=99999", "", vec![])).await;
    assert_eq!(v["entries"].as_array().unwrap().len(), 0);
    let (s, v) = send_json(w.app(), request(Some(&w.regulator), "GET", "/v1/entries?from=a", "", vec![])).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid-value"));
}

#[tokio::test]
async fn hash_tiles_are_public_and_cached_entry_bundles_need_a_regulators_signed_request() {
    let w = World::new();
    let size = w.size();
    let (s, b, r) = send(w.app(), request(None, "GET", &format!("/tile/0/000.p/{size}"), "", vec![])).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-cache");
    let t = Tile::hashes(0, 0, size as u16).unwrap();
    assert_eq!(b, read_tile(&w.node.ledger, &t, size).unwrap());
    let (s, _, _) = send(w.app(), request(None, "GET", &format!("/tile/entries/000.p/{size}"), "", vec![])).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _, _) =
        send(w.app(), request(Some(&w.market), "GET", &format!("/tile/entries/000.p/{size}"), "", vec![])).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, b, _) =
        send(w.app(), request(Some(&w.regulator), "GET", &format!("/tile/entries/000.p/{size}"), "", vec![])).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b, read_tile(&w.node.ledger, &Tile::entries(0, size as u16).unwrap(), size).unwrap());
    // A full tile once the log has 256 entries, immutable from then on.
    let records: Vec<Record> = (0..260).map(|i| w.register_pigs(20 + i).0).collect();
    for r in w.node.ledger.append_many(records).unwrap() {
        r.unwrap();
    }
    w.node.refresh_checkpoint();
    let (s, b, r) = send(w.app(), request(None, "GET", "/tile/0/000", "", vec![])).await;
    assert_eq!((s, b.len()), (StatusCode::OK, 256 * 32));
    assert_eq!(r.headers()["cache-control"], "public, max-age=31536000, immutable");
    for (path, status) in [
        ("/tile/0/001", StatusCode::NOT_FOUND),
        ("/tile/0/0", StatusCode::BAD_REQUEST),
        ("/tile/x/000", StatusCode::BAD_REQUEST),
        ("/tile/0/000.p/0", StatusCode::BAD_REQUEST),
    ] {
        let (s, v) = send_json(w.app(), request(None, "GET", path, "", vec![])).await;
        assert_eq!(s, status, "{path}: {v}");
    }
}

#[tokio::test]
async fn the_audit_bundle_is_for_regulators_and_verifies_under_the_log_key() {
    let w = World::new();
    let (s, v) = send_json(w.app(), request(Some(&w.coop), "GET", "/v1/export/bundle", "", vec![])).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "forbidden"));
    let (s, v) = send_json(w.app(), request(None, "GET", "/v1/export/bundle", "", vec![])).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "unauthenticated"));
    let records: Vec<Record> = (0..300).map(|i| w.register_pigs(20 + i).0).collect();
    for r in w.node.ledger.append_many(records).unwrap() {
        r.unwrap();
    }
    w.node.refresh_checkpoint();
    let (s, bundle, r) = send(w.app(), request(Some(&w.regulator), "GET", "/v1/export/bundle", "", vec![])).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/x-ndjson");
    assert_eq!(r.headers()["x-trace-tree-size"], w.size().to_string().as_str());
    let report = verify_bundle(&bundle[..], &Trust::pinned(log_key(&w).await)).unwrap();
    assert_eq!(report.entries, w.size());
}

/// A witness's cosignature of the node's current checkpoint, as `trace witness` makes it.
fn cosign(w: &World, witness_dir: &std::path::Path, note: &str) -> (VerifierKey, String) {
    let mut wit = Witness::open(witness_dir, "witness.test.example/w1", w.regulator.clone()).unwrap();
    let log = NoteSigner::new(&w.node.log_key_name, w.node.log_key.clone()).unwrap();
    wit.follow(w.node.ledger.origin().as_str(), log.verifier_key().clone()).unwrap();
    let old = wit.latest(w.node.ledger.origin().as_str()).map_or(0, |l| l.size);
    let size = Checkpoint::parse(Note::parse(note.as_bytes()).unwrap().text()).unwrap().size();
    let proof = w.node.ledger.consistency_proof(old, size).unwrap();
    let line = wit.add_checkpoint(old, &proof, note.as_bytes(), 1_764_288_000).unwrap().line();
    (wit.verifier_key().clone(), line)
}

fn cosig_body(note: &str, key: &str, line: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({"note": note, "witness_key": key, "cosignature": line})).unwrap()
}

#[tokio::test]
async fn witness_cosignatures_are_checked_and_served_on_the_witnessed_checkpoint() {
    let w = World::new();
    let (s, v) = send_json(w.app(), request(None, "GET", "/v1/checkpoint/witnessed", "", vec![])).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "not-found"));
    let note = checkpoint(&w).await.note().to_string();
    let dir = tempfile::tempdir().unwrap();
    let (wkey, line) = cosign(&w, dir.path(), &note);
    let body = cosig_body(&note, &wkey.to_string(), &line);
    let req = request(Some(&w.regulator), "POST", "/v1/checkpoint/cosignatures", "application/json", body);
    let (s, v) = send_json(w.app(), req).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!((v["tree_size"].as_u64(), v["witnesses"].as_u64()), (Some(w.size()), Some(1)));
    let (s, text, _) = get_text(&w, None, "/v1/checkpoint/witnessed").await;
    assert_eq!(s, StatusCode::OK);
    let signed = SignedCheckpoint::open_with_witnesses(text.as_bytes(), &log_key(&w).await, &[wkey]).unwrap();
    assert_eq!(signed.cosignatures().count(), 1);
    assert_eq!(signed.checkpoint().size(), w.size());
}

#[tokio::test]
async fn every_write_endpoint_refuses_bad_input_with_a_specific_4xx_and_the_tree_does_not_grow() {
    let w = World::with_limits(trace_node::Limits { max_body: 64 * 1024, max_bulk: 2, ..Default::default() });
    let size = w.size();
    let note = checkpoint(&w).await.note().to_string();
    let dir = tempfile::tempdir().unwrap();
    let (wkey, line) = cosign(&w, dir.path(), &note);
    let (r, _) = w.register_pigs(3);
    let mut forged_sig = r.signature().0;
    forged_sig[0] ^= 1;
    let forged = Record::from_parts(r.body().clone(), Signature(forged_sig));
    let other_log = NoteSigner::new(&w.node.log_key_name, key(0x31)).unwrap();
    let foreign_note = Checkpoint::of_ledger(&w.node.ledger, size).unwrap().sign(&other_log).to_string();
    let other_witness = Cosigner::new("witness.test.example/w2", key(0x32)).unwrap();
    let wrong_line = other_witness.cosign(Note::parse(note.as_bytes()).unwrap().text(), 1).unwrap().line();
    let bad_cosig = {
        let mut sig = NoteSignature::parse_line(&line).unwrap().signature().to_vec();
        sig[20] ^= 1;
        NoteSignature::new(wkey.name(), wkey.key_id(), sig).unwrap().line()
    };
    let wk = wkey.to_string();
    let stranger = key(99);
    let rec = |body: serde_json::Value| serde_json::to_vec(&body).unwrap();
    type Case<'a> = (&'a str, &'a str, Option<&'a SecretKey>, Vec<u8>, StatusCode, &'a str);
    let cases: Vec<Case<'_>> = vec![
        ("/v1/records", "application/json", None, json_body(&r), StatusCode::UNAUTHORIZED, "unauthenticated"),
        ("/v1/records", "application/json", Some(&w.coop), b"[".to_vec(), StatusCode::BAD_REQUEST, "bad-json"),
        (
            "/v1/records",
            "application/json",
            Some(&w.coop),
            json_body(&forged),
            StatusCode::BAD_REQUEST,
            "bad-signature",
        ),
        (
            "/v1/records",
            "application/json",
            Some(&w.coop),
            vec![b' '; 70_000],
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
        ),
        ("/v1/records/bulk", "application/json", None, b"{}".to_vec(), StatusCode::UNAUTHORIZED, "unauthenticated"),
        (
            "/v1/records/bulk",
            "application/json",
            Some(&w.coop),
            b"{\"records\":1}".to_vec(),
            StatusCode::BAD_REQUEST,
            "bad-json",
        ),
        (
            "/v1/records/bulk",
            "application/json",
            Some(&w.coop),
            rec(serde_json::json!({"records": [{"encoded": "AA=="}, {"encoded": "AA=="}, {"encoded": "AA=="}]})),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-many-records",
        ),
        (
            "/v1/records/bulk",
            "application/json",
            Some(&stranger),
            b"{\"records\":[]}".to_vec(),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            "/v1/checkpoint/cosignatures",
            "application/json",
            None,
            cosig_body(&note, &wk, &line),
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
        (
            "/v1/checkpoint/cosignatures",
            "application/json",
            Some(&w.coop),
            cosig_body(&note, &wk, &line),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            "/v1/checkpoint/cosignatures",
            "application/json",
            Some(&w.regulator),
            b"{\"note\":1}".to_vec(),
            StatusCode::BAD_REQUEST,
            "bad-json",
        ),
        (
            "/v1/checkpoint/cosignatures",
            "application/json",
            Some(&w.regulator),
            cosig_body(&note, "nope", &line),
            StatusCode::BAD_REQUEST,
            "invalid-value",
        ),
        (
            "/v1/checkpoint/cosignatures",
            "application/json",
            Some(&w.regulator),
            cosig_body(&note, &log_key(&w).await.to_string(), &line),
            StatusCode::BAD_REQUEST,
            "invalid-value",
        ),
        (
            "/v1/checkpoint/cosignatures",
            "application/json",
            Some(&w.regulator),
            cosig_body(&foreign_note, &wk, &line),
            StatusCode::BAD_REQUEST,
            "bad-checkpoint",
        ),
        (
            "/v1/checkpoint/cosignatures",
            "application/json",
            Some(&w.regulator),
            cosig_body("garbage\n", &wk, &line),
            StatusCode::BAD_REQUEST,
            "bad-checkpoint",
        ),
        (
            "/v1/checkpoint/cosignatures",
            "application/json",
            Some(&w.regulator),
            cosig_body(&note, &wk, &wrong_line),
            StatusCode::BAD_REQUEST,
            "bad-cosignature",
        ),
        (
            "/v1/checkpoint/cosignatures",
            "application/json",
            Some(&w.regulator),
            cosig_body(&note, &wk, &bad_cosig),
            StatusCode::BAD_REQUEST,
            "bad-cosignature",
        ),
        (
            "/v1/checkpoint/cosignatures",
            "application/json",
            Some(&w.regulator),
            cosig_body(&note, &wk, "— x"),
            StatusCode::BAD_REQUEST,
            "bad-cosignature",
        ),
    ];
    for (path, ct, k, body, status, want) in cases {
        let shown = String::from_utf8_lossy(&body).chars().take(120).collect::<String>();
        let (s, v) = send_json(w.app(), request(k, "POST", path, ct, body)).await;
        assert_eq!((s, code(&v)), (status, want), "{path} {shown}");
        assert_eq!(w.size(), size, "{path} {shown} grew the tree");
    }
    // A checkpoint the log key signed over a tree that is not this ledger's.
    let log = NoteSigner::new(&w.node.log_key_name, w.node.log_key.clone()).unwrap();
    let not_ours = Checkpoint::new(w.node.ledger.origin().as_str(), size, [9; 32]).unwrap().sign(&log).to_string();
    let req = request(
        Some(&w.regulator),
        "POST",
        "/v1/checkpoint/cosignatures",
        "application/json",
        cosig_body(&not_ours, &wk, &line),
    );
    let (s, v) = send_json(w.app(), req).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "unknown-checkpoint"));
    assert_eq!(w.size(), size);
    let (s, _) = send_json(w.app(), request(None, "GET", "/v1/checkpoint/witnessed", "", vec![])).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "nothing refused was kept");
}

#[tokio::test]
async fn a_cosignature_over_another_note_text_is_refused_and_witnessed_always_verifies() {
    let w = World::new();
    let note = checkpoint(&w).await.note().to_string();
    let dir = tempfile::tempdir().unwrap();
    let (wkey, line) = cosign(&w, dir.path(), &note);
    let req = request(
        Some(&w.regulator),
        "POST",
        "/v1/checkpoint/cosignatures",
        "application/json",
        cosig_body(&note, &wkey.to_string(), &line),
    );
    assert_eq!(send_json(w.app(), req).await.0, StatusCode::OK);
    // Same origin, size and root, signed by the log key, but another text: an extension line.
    let log = NoteSigner::new(&w.node.log_key_name, w.node.log_key.clone()).unwrap();
    let cp = Checkpoint::of_ledger(&w.node.ledger, w.size()).unwrap();
    let other = Checkpoint::with_extensions(cp.origin(), cp.size(), *cp.root(), vec!["extra".into()]).unwrap();
    let other_note = other.sign(&log).to_string();
    let w2 = Cosigner::new("witness.test.example/w2", key(0x32)).unwrap();
    let w2line = w2.cosign(Note::parse(other_note.as_bytes()).unwrap().text(), 1).unwrap().line();
    let w2key = w2.verifier_key().to_string();
    {
        let (posted, line, key) = (other_note, w2line, w2key);
        let req = request(
            Some(&w.regulator),
            "POST",
            "/v1/checkpoint/cosignatures",
            "application/json",
            cosig_body(&posted, &key, &line),
        );
        let (s, v) = send_json(w.app(), req).await;
        assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "checkpoint-mismatch"), "{v}");
    }
    let (s, text, _) = get_text(&w, None, "/v1/checkpoint/witnessed").await;
    assert_eq!(s, StatusCode::OK);
    let served = Note::parse(text.as_bytes()).unwrap();
    assert_eq!(served.signatures().len(), 2, "{text}");
    let signed = SignedCheckpoint::open_with_witnesses(text.as_bytes(), &log_key(&w).await, &[wkey]).unwrap();
    assert_eq!(signed.cosignatures().count(), 1);
}

#[tokio::test]
async fn a_sold_batch_s_public_answers_carry_no_restricted_or_personal_field_and_still_verify() {
    let w = World::new();
    let (r, batch) = w.register_pigs(5);
    submit(&w, &w.coop, &r).await;
    let ship = w.record(
        &w.coop,
        4,
        vec![r.id()],
        Event::Shipped(Shipped {
            batch,
            quantity: "2 head".parse().unwrap(),
            to: Party::Member(w.market.public()),
            from_place: "Secret farm road 9".into(),
            to_place: "Back door of stall 12".into(),
            document: "WB-SECRET-77".into(),
            carrier: None,
            certificates: vec![],
        }),
    );
    submit(&w, &w.coop, &ship).await;
    let receive = w.record(
        &w.market,
        3,
        vec![ship.id()],
        Event::Received(Received {
            batch,
            shipment: ship.id(),
            accepted: true,
            checked: vec![],
            note: "driver Zhang, 13800000000".into(),
        }),
    );
    submit(&w, &w.market, &receive).await;
    // A person buying is named by a commitment only; writing the name is refused.
    let salt = [9u8; 16];
    let person = |name: &str| OutsideParty {
        name: name.into(),
        credit_code: None,
        certificates: vec![],
        person: Some(Personal::commit("person", &salt, "李四 13900000000")),
    };
    let sold_to = |p: OutsideParty| {
        w.record(
            &w.market,
            2,
            vec![receive.id()],
            Event::Sold(Sold { batch, quantity: "1 head".parse().unwrap(), buyer: Some(Party::Outside(p)) }),
        )
    };
    let named = sold_to(person("李四"));
    let (s, v) = send_json(
        w.app(),
        request(
            Some(&w.market),
            "POST",
            "/v1/records",
            "application/json",
            serde_json::to_vec(&trace_node::wire::WireRecord::from_record(&named)).unwrap(),
        ),
    )
    .await;
    assert_eq!(
        (s, v["error"]["facts"]["fact"].as_str()),
        (StatusCode::BAD_REQUEST, Some("person-named-in-the-clear")),
        "{v}"
    );
    let sale = sold_to(person(""));
    submit(&w, &w.market, &sale).await;
    // A correction of the shipment repeats its waybill: its words are for the parties too.
    let fix = w.record(
        &w.coop,
        1,
        vec![ship.id()],
        Event::Correction(Correction {
            target: ship.id(),
            reason: "waybill WB-SECRET-77 was mistyped".into(),
            corrected: "Secret farm road 9, gate 2".into(),
        }),
    );
    submit(&w, &w.coop, &fix).await;
    let secrets = ["WB-SECRET-77", "Secret farm road", "Back door", "13800000000", "Zhang", "李四", "13900000000"];
    for path in
        [format!("/v1/public/batches/{batch}/proofs"), format!("/v1/public/batches/{batch}"), format!("/b/{batch}")]
    {
        let (s, body, _) = send(w.app(), request(None, "GET", &path, "", vec![])).await;
        assert_eq!(s, StatusCode::OK);
        let text = String::from_utf8(body).unwrap();
        for secret in secrets {
            assert!(!text.contains(secret), "{path} shows {secret}");
        }
    }
    // Every proof verifies offline: the public records in full, the three others by their entries' inclusion.
    let (_, v) =
        send_json(w.app(), request(None, "GET", &format!("/v1/public/batches/{batch}/proofs"), "", vec![])).await;
    let trust = Trust::pinned(log_key(&w).await);
    let (mut full, mut withheld) = (Vec::new(), Vec::new());
    for p in v["proofs"].as_array().unwrap() {
        if p["type"] == "withheld-inclusion-proof" {
            withheld.push(verify_withheld_proof(p.to_string().as_bytes(), &trust).unwrap().index);
        } else {
            full.push(verify_proof_file(p.to_string().as_bytes(), &trust).unwrap().entry.record.id());
        }
    }
    assert_eq!(full, vec![r.id()]);
    let index = |id: &RecordId| w.node.ledger.index_of(id).unwrap().unwrap();
    assert_eq!(withheld, vec![index(&ship.id()), index(&receive.id()), index(&sale.id())]);
    // A withheld proof whose leaf hash is changed does not verify.
    let mut forged = v["proofs"][1].clone();
    forged["leaf_hash"] = serde_json::Value::String(encoding::base64_encode(&[7u8; 32]));
    assert!(verify_withheld_proof(forged.to_string().as_bytes(), &trust).is_err());
    // The parties read the restricted fields in the batch's history; a regulator too.
    let (s, v) =
        send_json(w.app(), request(Some(&w.market), "GET", &format!("/v1/batches/{batch}/history"), "", vec![])).await;
    assert_eq!(s, StatusCode::OK);
    assert!(v.to_string().contains("WB-SECRET-77"));
}
