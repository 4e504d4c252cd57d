//! The JSON API through the router (`oneshot`).

use crate::common::*;
use axum::http::StatusCode;
use trace_core::*;

#[tokio::test]
async fn submit_then_resubmit_is_created_then_ok_with_the_same_index() {
    let w = World::new();
    let (r, batch) = w.register_pigs(3);
    let (s, v) =
        send_json(w.app(), request(Some(&w.coop), "POST", "/v1/records", "application/json", json_body(&r))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["created"][0], batch.to_string());
    assert_eq!(v["duplicate"], false);
    let (s2, v2) =
        send_json(w.app(), request(Some(&w.coop), "POST", "/v1/records", "application/json", json_body(&r))).await;
    assert_eq!(s2, StatusCode::OK);
    assert_eq!((v2["index"].clone(), v2["duplicate"].clone()), (v["index"].clone(), true.into()));
}

#[tokio::test]
async fn binary_submissions_are_accepted() {
    let w = World::new();
    let (r, _) = w.register_pigs(3);
    let req = request(Some(&w.coop), "POST", "/v1/records", "application/octet-stream", r.encoded().to_vec());
    let (s, v) = send_json(w.app(), req).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["id"], r.id().to_string());
}

#[tokio::test]
async fn a_stale_head_is_a_409_and_writes_nothing() {
    let w = World::new();
    let (r, batch) = w.register_pigs(3);
    w.node.ledger.append(r.clone()).unwrap();
    let held = w.record(&w.regulator, 2, vec![r.id()], Event::Held(Held { batch, reason: "check".into() }));
    w.node.ledger.append(held).unwrap();
    let size = w.size();
    let stale = w.record(&w.regulator, 1, vec![r.id()], Event::Held(Held { batch, reason: "again".into() }));
    let (s, v) =
        send_json(w.app(), request(Some(&w.regulator), "POST", "/v1/records", "application/json", json_body(&stale)))
            .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "stale-head"), "{v}");
    assert_eq!(w.size(), size);
}

#[tokio::test]
async fn rule_refusals_carry_their_code_and_message() {
    let w = World::new();
    let r = w.record(
        &w.market,
        1,
        vec![],
        Event::BatchRegistered(BatchRegistered {
            product: "x".into(),
            class: ProductClass::Grain,
            commissioning: Commissioning::Harvest,
            quantity: "1 t".parse().unwrap(),
            gtin: None,
            lot: None,
            place: "".into(),
            identifiers: vec![],
        }),
    );
    let size = w.size();
    let (s, v) =
        send_json(w.app(), request(Some(&w.market), "POST", "/v1/records", "application/json", json_body(&r))).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "role-not-permitted"));
    assert!(v["error"]["message"].as_str().unwrap().contains("coop"));
    let facts = &v["error"]["facts"];
    assert_eq!(facts["fact"], "role-not-permitted", "{v}");
    assert_eq!(facts["kind"], "BatchRegistered", "{v}");
    assert_eq!(facts["needs"], serde_json::json!(["coop", "processor"]), "{v}");
    assert_eq!(facts["has"], serde_json::json!(["market"]), "{v}");
    assert_eq!(w.size(), size);
}

#[tokio::test]
async fn requests_must_be_signed_fresh_and_used_once() {
    let w = World::new();
    let size = w.size();
    let (r, _) = w.register_pigs(3);
    let (s, v) = send_json(w.app(), request(None, "POST", "/v1/records", "application/json", json_body(&r))).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "unauthenticated"));

    let req = request(Some(&w.coop), "GET", "/v1/batches", "", vec![]);
    let replay = resend(&req);
    let (s, _) = send_json(w.app(), req).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = send_json(w.app(), replay).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "replayed-request"));

    let old = Time(Time::now().0 - 10 * 60 * 1000);
    let mut b = axum::http::Request::builder().method("GET").uri("/v1/batches");
    for (h, v) in trace_node::auth::sign_request(&w.coop, "GET", "/v1/batches", &[], old) {
        b = b.header(h, v);
    }
    let (s, v) = send_json(w.app(), b.body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "request-expired"));

    // A signature over a different path does not authorise this one.
    let mut b = axum::http::Request::builder().method("GET").uri("/v1/actors");
    for (h, v) in trace_node::auth::sign_request(&w.coop, "GET", "/v1/batches", &[], Time::now()) {
        b = b.header(h, v);
    }
    let (s, v) = send_json(w.app(), b.body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "bad-request-signature"));

    let stranger = key(99);
    let (s, v) = send_json(w.app(), request(Some(&stranger), "GET", "/v1/batches", "", vec![])).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "forbidden"));
    assert_eq!(w.size(), size);
}

#[tokio::test]
async fn recall_impact_needs_a_regulator() {
    let w = World::new();
    let (r, batch) = w.register_pigs(3);
    w.node.ledger.append(r).unwrap();
    let path = format!("/v1/batches/{batch}/recall-impact");
    let (s, v) = send_json(w.app(), request(Some(&w.coop), "GET", &path, "", vec![])).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "forbidden"));
    let (s, v) = send_json(w.app(), request(Some(&w.regulator), "GET", &path, "", vec![])).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["source"]["id"], batch.to_string());
}

#[tokio::test]
async fn malformed_bodies_get_specific_4xx_codes_and_write_nothing() {
    let w = World::with_limits(trace_node::Limits { max_body: 4096, ..Default::default() });
    let size = w.size();
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        ("application/json", b"{not json".to_vec(), StatusCode::BAD_REQUEST, "bad-json"),
        ("application/json", b"{\"body\":{}}".to_vec(), StatusCode::BAD_REQUEST, "bad-json"),
        ("application/json", b"{}".to_vec(), StatusCode::BAD_REQUEST, "malformed"),
        ("application/json", b"{\"encoded\":\"!!!\"}".to_vec(), StatusCode::BAD_REQUEST, "malformed"),
        ("application/octet-stream", vec![1, 2, 3], StatusCode::BAD_REQUEST, "malformed"),
        ("text/plain", b"hello".to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type"),
        ("application/json", vec![b' '; 5000], StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large"),
        ("application/json", vec![0xff, 0xfe, b'{'], StatusCode::BAD_REQUEST, "bad-json"),
    ];
    for (ct, body, status, want) in cases {
        let (s, v) = send_json(w.app(), request(Some(&w.coop), "POST", "/v1/records", ct, body.clone())).await;
        assert_eq!((s, code(&v)), (status, want), "{ct} {:?}", String::from_utf8_lossy(&body));
        assert_eq!(w.size(), size);
    }
}

#[tokio::test]
async fn bulk_submission_reports_each_record() {
    let w = World::new();
    let (a, _) = w.register_pigs(5);
    let (b, _) = w.register_pigs(4);
    let mut forged = b.signature().0;
    forged[3] ^= 1;
    let bad = Record::from_parts(b.body().clone(), Signature(forged));
    let body = serde_json::json!({"records": [
        trace_node::wire::WireRecord::from_record(&a),
        trace_node::wire::WireRecord::encoded(&b),
        trace_node::wire::WireRecord::from_record(&bad),
        {"encoded": "AAAA"},
    ]});
    let req =
        request(Some(&w.coop), "POST", "/v1/records/bulk", "application/json", serde_json::to_vec(&body).unwrap());
    let (s, v) = send_json(w.app(), req).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let r = v["results"].as_array().unwrap();
    assert_eq!(r[0]["id"], a.id().to_string());
    assert_eq!(r[1]["id"], b.id().to_string());
    assert_eq!(r[2]["error"]["code"], "bad-signature");
    assert_eq!(r[3]["error"]["code"], "malformed");
    // Bulk errors carry facts as single answers do.
    assert_eq!(r[2]["error"]["facts"]["fact"], "bad-signature", "{v}");
    assert_eq!(r[3]["error"]["facts"]["fact"], "bad-wire-record", "{v}");
    assert_eq!(r[3]["error"]["facts"]["index"], 3, "{v}");
}

#[tokio::test]
async fn batch_views_and_lineage_follow_the_read_model() {
    let w = World::new();
    let coop_b = key(9);
    w.admit(&coop_b, "Shiqiao vegetable co-op", "shiqiao-coop", Role::Coop);
    let (r, batch) = w.register_pigs(3);
    let registered = r.id();
    w.node.ledger.append(r).unwrap();
    let get = |k: &SecretKey, path: String| send_json(w.app(), request(Some(k), "GET", &path, "", vec![]));
    // The co-op that registered it reads it, and so does a regulator.
    for k in [&w.coop, &w.regulator] {
        let (s, v) = get(k, format!("/v1/batches/{batch}")).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["status"], "active");
        assert_eq!(v["history"].as_array().unwrap().len(), 1);
        assert_eq!(v["summary"]["origins"][0]["farm"], "Hetao pig co-op");
    }
    // Another co-op, and a stall it was never shipped to, read neither the batch, its history, its lineage nor its
    // records, and do not list it; they may read its head (to write about it) and its public summary.
    for k in [&coop_b, &w.market] {
        for route in ["", "/history", "/back", "/forward"] {
            let (s, v) = get(k, format!("/v1/batches/{batch}{route}")).await;
            assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "forbidden"), "{route}: {v}");
        }
        let (s, v) = get(k, format!("/v1/records/{registered}")).await;
        assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "forbidden"), "{v}");
        let (s, v) = get(k, "/v1/batches".into()).await;
        assert_eq!((s, v.as_array().map(Vec::len)), (StatusCode::OK, Some(0)), "{v}");
        let (s, v) = get(k, format!("/v1/batches/{batch}/head")).await;
        assert_eq!((s, v["head"].as_str()), (StatusCode::OK, Some(registered.to_string().as_str())));
    }
    let (s, _) = send_json(w.app(), request(None, "GET", &format!("/v1/public/batches/{batch}"), "", vec![])).await;
    assert_eq!(s, StatusCode::OK);
    // Shipped to the stall, the stall is a party to it: it reads the batch and lists it.
    let ship = w.record(
        &w.coop,
        2,
        vec![registered],
        Event::Shipped(Shipped {
            batch,
            quantity: "2 head".parse().unwrap(),
            to: Party::Member(w.market.public()),
            from_place: "Hetao farm".into(),
            to_place: "Stall 12".into(),
            document: "WB-1".into(),
            carrier: None,
            certificates: vec![],
        }),
    );
    w.node.ledger.append(ship).unwrap();
    let (s, v) = get(&w.market, format!("/v1/batches/{batch}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = get(&w.market, "/v1/batches".into()).await;
    assert_eq!((s, v[0]["id"].as_str()), (StatusCode::OK, Some(batch.to_string().as_str())));
    assert_eq!(v[0]["holder"], "Hetao pig co-op");
    let (s, v) = get(&coop_b, format!("/v1/batches/{batch}")).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    // A lab that samples the batch does not become a party to its trade.
    let inspected = w.record(
        &w.lab,
        1,
        vec![w.node.ledger.batch(batch).unwrap().unwrap().head],
        Event::Inspected(Inspected {
            batch,
            sample: "S-1".into(),
            analyte: "clenbuterol".into(),
            kind: InspectionKind::Supervisory,
            result: Measurement::NotDetected,
            limit_milli: None,
            unit: "µg/kg".into(),
            method: "GB/T 22286".into(),
            verdict: Verdict::Pass,
            retest_of: None,
        }),
    );
    let inspected_id = inspected.id();
    w.node.ledger.append(inspected).unwrap();
    let (s, v) = get(&w.lab, format!("/v1/batches/{batch}")).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = get(&w.lab, format!("/v1/records/{inspected_id}")).await;
    assert_eq!(s, StatusCode::OK, "the lab reads what it wrote: {v}");
    // Lineage rows are the batches the reader may read: a feed lot's forward walk does not list the farms fed.
    let supplier = key(12);
    w.admit(&supplier, "Feed mill", "feed-mill", Role::Supplier);
    let lot_id = w.register_lot(
        &supplier,
        3,
        InputLotRegistered {
            kind: InputKind::Feed,
            name: "Grower feed".into(),
            approval_number: "SCXK-1".into(),
            manufacturer: "Feed mill".into(),
            lot: "F1".parse().unwrap(),
            active_substances: vec!["corn".into()],
            periods: Periods::days(0),
            quantity: "1 t".parse().unwrap(),
            ..amoxicillin()
        },
    );
    let fed = w.record(
        &w.coop,
        0,
        vec![w.node.ledger.batch(batch).unwrap().unwrap().head],
        Event::InputApplied(InputApplied {
            batch,
            input: lot_id,
            dose: "10 kg".parse().unwrap(),
            prescription: None,
            vet_drug_code: None,
            note: String::new(),
            holding: None,
        }),
    );
    w.node.ledger.append(fed).unwrap();
    let reached = |v: &serde_json::Value| v["reached"].as_array().unwrap().len();
    let (s, v) = get(&coop_b, format!("/v1/batches/{lot_id}/forward")).await;
    assert_eq!((s, reached(&v)), (StatusCode::OK, 0), "{v}");
    let (s, v) = get(&w.regulator, format!("/v1/batches/{lot_id}/forward")).await;
    assert_eq!((s, reached(&v)), (StatusCode::OK, 1), "{v}");
    let (s, v) = get(&w.market, "/v1/batches/NOT-A-BATCH".into()).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid-value"));
    let missing = BatchId::derive(&RecordId([3; 32]), 0);
    let (s, v) = get(&w.market, format!("/v1/batches/{missing}/forward")).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "not-found"));
}

#[tokio::test]
async fn health_and_metrics_are_public() {
    let w = World::new();
    let (s, v) = send_json(w.app(), request(None, "GET", "/healthz", "", vec![])).await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("ok")));
    let (r, batch) = w.register_pigs(3);
    let _ = send_json(w.app(), request(Some(&w.coop), "POST", "/v1/records", "application/json", json_body(&r))).await;
    let _ = send_json(w.app(), request(Some(&w.coop), "POST", "/v1/records", "text/plain", vec![])).await;
    let (s, _) = send_json(w.app(), request(None, "GET", &format!("/v1/public/batches/{batch}"), "", vec![])).await;
    assert_eq!(s, StatusCode::OK);
    let (s, body, _) = send(w.app(), request(None, "GET", "/metrics", "", vec![])).await;
    let text = String::from_utf8(body).unwrap();
    assert_eq!(s, StatusCode::OK);
    assert!(text.contains("trace_appends_total 1"), "{text}");
    assert!(text.contains("trace_refusals_total{code=\"unsupported-media-type\"} 1"), "{text}");
    assert!(text.contains(&format!("trace_tree_size {}", w.size())));
    assert!(text.contains("trace_http_request_seconds_bucket{route=\"/v1/records\""));
    assert!(text.contains("trace_scan_cache_entries 1\n"), "the scanned batch is cached: {text}");
    let bytes = text.lines().find_map(|l| l.strip_prefix("trace_scan_cache_bytes ")).unwrap();
    assert!(bytes.parse::<usize>().unwrap() > 256, "{bytes}");
}

#[tokio::test]
async fn fsma_and_epcis_exports_need_a_regulator_and_name_the_lot() {
    let w = World::new();
    let (r, batch) = w.register_pigs(3);
    w.node.ledger.append(r).unwrap();
    let path = format!("/v1/export/fsma.csv?lot={batch}");
    let (s, v) = send_json(w.app(), request(Some(&w.coop), "GET", &path, "", vec![])).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "forbidden"));
    let (s, body, resp) = send(w.app(), request(Some(&w.regulator), "GET", &path, "", vec![])).await;
    assert_eq!(s, StatusCode::OK);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = String::from_utf8(body).unwrap();
    let row = csv.lines().nth(1).unwrap();
    assert!(row.starts_with("(01)06901234567892(10)HT3,") && row.contains(&batch.to_string()), "{csv}");
    let (s, v) =
        send_json(w.app(), request(Some(&w.regulator), "GET", &format!("/v1/export/epcis?lot={batch}"), "", vec![]))
            .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["type"], "EPCISDocument");
    let (s, v) = send_json(w.app(), request(Some(&w.regulator), "GET", "/v1/export/epcis?lot=nope", "", vec![])).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid-value"));
    let (s, v) = send_json(w.app(), request(Some(&w.regulator), "GET", "/v1/export/fsma.csv", "", vec![])).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid-value"));
}

#[tokio::test]
async fn a_valid_record_labelled_application_json_seq_is_refused_not_appended() {
    // Regression (hostile table): the media type was matched by prefix, so `application/json-seq`,
    // `application/jsonx` and the like were read as JSON and appended.
    let w = World::new();
    let size = w.size();
    // A different record each time: the same body signed in the same millisecond is a replay (docs/api.md), which
    // the guard would refuse before the media type is looked at.
    for (n, ct) in
        ["application/json-seq", "application/jsonx", "text/plain", "application/octet-streamy"].iter().enumerate()
    {
        let (r, _) = w.register_pigs(10 + n as u64);
        let (s, v) = send_json(w.app(), request(Some(&w.coop), "POST", "/v1/records", ct, json_body(&r))).await;
        assert_eq!((s, code(&v)), (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type"), "{ct}");
    }
    // Media types are case-insensitive and may carry parameters.
    let (r, _) = w.register_pigs(4);
    let ct = "Application/JSON; charset=utf-8";
    let (s, v) = send_json(w.app(), request(Some(&w.coop), "POST", "/v1/records", ct, json_body(&r))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(w.size(), size + 1);
}

#[tokio::test]
async fn a_bulk_submission_that_is_not_json_is_refused_not_appended() {
    // Regression (hostile table): the bulk route ignored Content-Type altogether.
    let w = World::new();
    let size = w.size();
    let (r, _) = w.register_pigs(3);
    let body =
        serde_json::to_vec(&serde_json::json!({"records": [trace_node::wire::WireRecord::from_record(&r)]})).unwrap();
    let (s, v) = send_json(w.app(), request(Some(&w.coop), "POST", "/v1/records/bulk", "text/plain", body)).await;
    assert_eq!((s, code(&v)), (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type"));
    assert_eq!(w.size(), size);
}

#[tokio::test]
async fn router_rejections_are_json_errors_with_a_code() {
    // Regression (hostile table): a method a route does not take got a bare 405, and a path segment or query
    // string that does not decode got a plain-text 400.
    let w = World::new();
    let (s, body, resp) = send(w.app(), request(Some(&w.coop), "PUT", "/v1/records", "application/json", vec![])).await;
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((s, code(&v)), (StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed"));
    assert_eq!(resp.headers()["allow"], "POST");
    let (s, v) = send_json(w.app(), request(Some(&w.coop), "GET", "/v1/batches/%FF%FE", "", vec![])).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "bad-request"));
    let (s, v) = send_json(w.app(), request(Some(&w.regulator), "GET", "/v1/late-entries?limit=all", "", vec![])).await;
    assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "invalid-value"));
}

#[tokio::test]
async fn a_declared_body_over_the_limit_is_refused_before_it_is_read() {
    let w = World::with_limits(trace_node::Limits { max_body: 4096, ..Default::default() });
    let mut req = request(Some(&w.coop), "POST", "/v1/records", "application/json", b"{}".to_vec());
    req.headers_mut().insert("content-length", "1000000".parse().unwrap());
    let (s, v) = send_json(w.app(), req).await;
    assert_eq!((s, code(&v)), (StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large"));
}

#[tokio::test]
async fn a_full_replay_guard_refuses_with_429_and_never_forgets_a_signature() {
    let w = World::with_limits(trace_node::Limits { replay_per_key: 2, replay_total: 3, ..Default::default() });
    let first = request(Some(&w.coop), "GET", "/v1/batches", "", vec![]);
    let replay = resend(&first);
    assert_eq!(send_json(w.app(), first).await.0, StatusCode::OK);
    assert_eq!(send_json(w.app(), request(Some(&w.coop), "GET", "/v1/batches?a", "", vec![])).await.0, StatusCode::OK);
    let (s, v) = send_json(w.app(), request(Some(&w.coop), "GET", "/v1/batches?b", "", vec![])).await;
    assert_eq!((s, code(&v)), (StatusCode::TOO_MANY_REQUESTS, "too-many-requests"));
    assert_eq!(send_json(w.app(), request(Some(&w.lab), "GET", "/v1/batches", "", vec![])).await.0, StatusCode::OK);
    let (s, v) = send_json(w.app(), request(Some(&w.market), "GET", "/v1/batches", "", vec![])).await;
    assert_eq!((s, code(&v)), (StatusCode::TOO_MANY_REQUESTS, "too-many-requests"));
    let (s, v) = send_json(w.app(), replay).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "replayed-request"));
}

#[tokio::test]
async fn a_restarted_node_refuses_requests_signed_before_it_started() {
    let w = World::new();
    let req = request(Some(&w.coop), "GET", "/v1/batches", "", vec![]);
    let replay = resend(&req);
    assert_eq!(send_json(w.app(), req).await.0, StatusCode::OK);
    std::thread::sleep(std::time::Duration::from_millis(5));
    let World { node, dir: _dir, coop, .. } = w;
    let trace_node::Node { ledger, log_key, log_key_name, limits, .. } =
        std::sync::Arc::try_unwrap(node).expect("no other holder of the node");
    let restarted = std::sync::Arc::new(trace_node::Node::new(ledger, log_key, log_key_name, limits));
    let (s, v) = send_json(trace_node::app(restarted.clone()), replay).await;
    assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "request-before-start"));
    std::thread::sleep(std::time::Duration::from_millis(2));
    let (s, _) = send_json(trace_node::app(restarted), request(Some(&coop), "GET", "/v1/batches", "", vec![])).await;
    assert_eq!(s, StatusCode::OK);
}

/// Every view's wire shape deserialises back to what was serialised, byte for byte: the CLI reads each answer
/// as its typed struct, so a shape that serialises but does not read back (a tag clash, a renamed field, a
/// type that prints one way and parses another) would fail only against a node.
#[test]
fn every_wire_view_reads_back_as_it_was_written() {
    use trace_node::wire;
    fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(v: &T) {
        let bytes = serde_json::to_vec(v).unwrap();
        let back: T =
            serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&bytes)));
        assert_eq!(&back, v);
        assert_eq!(serde_json::to_vec(&back).unwrap(), bytes);
    }
    let dir = tempfile::tempdir().unwrap();
    let origin: Origin = demo::DEMO_ORIGIN.parse().unwrap();
    let (d, _, _) = demo::install(dir.path(), origin, Time::now()).unwrap();
    let l = &d.ledger;
    let (mut inputs, mut produce) = (0, 0);
    for b in l.batches().unwrap() {
        match b.kind {
            BatchKind::Input(_) => inputs += 1,
            BatchKind::Produce { .. } => produce += 1,
        }
        round_trip(&wire::BatchView::from(&l.batch_view(b.id).unwrap()));
        round_trip(&wire::Summary::from(&l.summary(b.id).unwrap()));
        round_trip(&wire::RecallImpact::from(&l.recall_impact(b.id).unwrap()));
        for dir in [Direction::Back, Direction::Forward] {
            round_trip(&wire::LineageResponse::from(&l.lineage_view(b.id, dir).unwrap()));
        }
    }
    assert!(inputs > 0 && produce > 0, "the demo has both kinds of batch");
    round_trip(&wire::list::<_, wire::BatchRow>(&l.batch_rows().unwrap()));
    round_trip(&wire::list::<_, wire::ActorView>(&l.actor_views().unwrap()));
    round_trip(&wire::list::<_, wire::EntryView>(&l.late_entry_views(0, 1000).unwrap()));
}
