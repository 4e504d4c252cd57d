//! The scan pages: HTML for browsers, JSON by content negotiation, helpful 404s.

use crate::common::*;
use axum::http::StatusCode;
use trace_core::*;

fn get(path: &str, accept: &str) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::builder().uri(path).header("accept", accept).body(axum::body::Body::empty()).unwrap()
}

#[tokio::test]
async fn a_batch_page_shows_origin_and_status_in_both_languages() {
    let w = World::new();
    let (r, batch) = w.register_pigs(3);
    w.node.ledger.append(r).unwrap();
    let (s, body, resp) = send(w.app(), get(&format!("/b/{}", batch.compact()), "text/html")).await;
    let html = String::from_utf8(body).unwrap();
    assert_eq!(s, StatusCode::OK);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    for want in ["Live pigs 生猪", "Hetao pig co-op", "产地 Origin", "正常 Active", &batch.to_string()] {
        assert!(html.contains(want), "missing {want}");
    }
    assert!(!html.contains("id=\"warning\""));
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"), "no external assets");
}

#[tokio::test]
async fn digital_link_and_json_negotiation_resolve_the_same_batch() {
    let w = World::new();
    let (r, batch) = w.register_pigs(3);
    w.node.ledger.append(r).unwrap();
    let (s, v) = send_json(w.app(), get("/01/06901234567892/10/HT3", "application/json")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["batch"], batch.to_string());
    let (s, v) = send_json(w.app(), get("/01/06901234567892/10/HT3/21/0001", "application/json")).await;
    assert_eq!((s, v["batch"].as_str()), (StatusCode::OK, Some(batch.to_string().as_str())));
    let (s, v) = send_json(w.app(), get(&format!("/v1/public/batches/{batch}"), "application/json")).await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("active")));
}

#[tokio::test]
async fn a_recalled_batch_shows_a_warning_that_cannot_be_missed() {
    let w = World::new();
    let (r, batch) = w.register_pigs(3);
    w.node.ledger.append(r.clone()).unwrap();
    let rec = w.record(
        &w.regulator,
        1,
        vec![r.id()],
        Event::Recalled(Recalled {
            batch,
            reason: "clenbuterol 瘦肉精".into(),
            deadline: None,
            drill: false,
            level: trace_core::RecallLevel::First,
        }),
    );
    w.node.ledger.append(rec).unwrap();
    let (_, body, _) = send(w.app(), get(&format!("/b/{batch}"), "text/html")).await;
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains("id=\"warning\""));
    assert!(html.contains("RECALLED"));
    assert!(html.contains("clenbuterol 瘦肉精"));
}

#[tokio::test]
async fn unknown_ids_get_a_helpful_404_page_or_json() {
    let w = World::new();
    let (s, body, _) = send(w.app(), get("/b/NOPE", "text/html")).await;
    let html = String::from_utf8(body).unwrap();
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(html.contains("NOPE") && html.contains("7K3M-Q9TA-C2XVR"));
    let (s, v) = send_json(w.app(), get("/vd/202611280123400000000042", "application/json")).await;
    assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "not-found"));
    let (s, _, _) = send(w.app(), get("/b/%3Cscript%3E", "text/html")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn html_in_records_is_escaped() {
    let w = World::new();
    let r = w.record(
        &w.coop,
        2,
        vec![],
        Event::BatchRegistered(BatchRegistered {
            product: "<script>alert(1)</script>".into(),
            class: ProductClass::Vegetable,
            commissioning: Commissioning::Harvest,
            quantity: "10 kg".parse().unwrap(),
            gtin: None,
            lot: None,
            place: "\"><img src=x>".into(),
            identifiers: vec![],
        }),
    );
    let batch = BatchId::derive(&r.id(), 0);
    w.node.ledger.append(r).unwrap();
    let (_, body, _) = send(w.app(), get(&format!("/b/{batch}"), "text/html")).await;
    let html = String::from_utf8(body).unwrap();
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<img src=x>"));
    assert!(html.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn a_cached_scan_answer_never_outlives_a_new_record() {
    let w = World::new();
    let (r, batch) = w.register_pigs(3);
    w.node.ledger.append(r.clone()).unwrap();
    let path = format!("/b/{batch}");
    let (_, first, _) = send(w.app(), get(&path, "text/html")).await;
    let (_, again, _) = send(w.app(), get(&path, "text/html")).await;
    assert_eq!(first, again, "the same log gives the same page");
    assert!(w.node.scans.get(&w.node.ledger, batch, w.size(), Time::now()).is_some(), "the answer was kept");
    // A recall appended after the page was cached must show on the very next scan.
    let rec = w.record(
        &w.regulator,
        1,
        vec![r.id()],
        Event::Recalled(Recalled {
            batch,
            reason: "瘦肉精".into(),
            deadline: None,
            drill: false,
            level: trace_core::RecallLevel::First,
        }),
    );
    w.node.ledger.append(rec).unwrap();
    let (_, after, _) = send(w.app(), get(&path, "text/html")).await;
    assert!(String::from_utf8(after).unwrap().contains("RECALLED"));
    let (_, v) = send_json(w.app(), get(&format!("/v1/public/batches/{batch}"), "application/json")).await;
    assert_eq!(v["status"], "recalled");
}

#[tokio::test]
async fn a_cached_scan_answer_expires_when_a_withdrawal_period_ends() {
    let w = World::new();
    let supplier = key(4);
    w.admit(&supplier, "Vet supplies", "vet-supplies", Role::Supplier);
    let lot_id = w.register_lot(&supplier, 3, amoxicillin());
    let (r, batch) = w.register_pigs(2);
    w.node.ledger.append(r.clone()).unwrap();
    let dose = w.record(
        &w.coop,
        1,
        vec![r.id()],
        Event::InputApplied(InputApplied {
            batch,
            input: lot_id,
            dose: "1 box".parse().unwrap(),
            prescription: None,
            vet_drug_code: None,
            note: String::new(),
            holding: None,
        }),
    );
    w.node.ledger.append(dose).unwrap();
    let (_, v) = send_json(w.app(), get(&format!("/v1/public/batches/{batch}"), "application/json")).await;
    assert_eq!(v["inputs"][0]["withdrawal_over"], false);
    let ends = Time(v["inputs"][0]["withdrawal_ends"].as_u64().unwrap());
    // Claimed a day ago and entered now: kept as claimed, marked late, counted from its entry (issue 15).
    assert_eq!((v["inputs"][0]["late"].as_bool(), v["inputs"][0]["binds"].as_bool()), (Some(true), Some(true)));
    assert!(ends.0 > Time::now().0 + 27 * DAY, "28 days from entry, not from the claim: {ends}");
    let (_, body, _) = send(w.app(), get(&format!("/b/{batch}"), "text/html")).await;
    assert!(String::from_utf8(body).unwrap().contains("补录 <span lang=\"en\">entered later</span>"));
    let size = w.size();
    assert!(w.node.scans.get(&w.node.ledger, batch, size, Time::now()).is_some());
    assert!(
        w.node.scans.get(&w.node.ledger, batch, size, ends).is_none(),
        "at the end of the period the page must be rebuilt"
    );
}

#[tokio::test]
async fn a_cached_scan_answer_is_carried_over_appends_elsewhere_but_not_over_its_own_lineage() {
    let w = World::new();
    let (r, batch) = w.register_pigs(5);
    w.node.ledger.append(r.clone()).unwrap();
    let path = format!("/v1/public/batches/{batch}");
    let (_, before) = send_json(w.app(), get(&path, "application/json")).await;
    // Another farm's batch: nothing this page shows can have changed.
    let (other, _) = w.register_pigs(4);
    w.node.ledger.append(other).unwrap();
    let carried = w.node.scans.get(&w.node.ledger, batch, w.size(), Time::now()).expect("carried forward");
    assert_eq!(carried.tree_size, w.size());
    let (_, same) = send_json(w.app(), get(&path, "application/json")).await;
    assert_eq!(same, before);
    // A correction of a record the page rests on, and an event on the batch itself, each make it stale.
    let fix = w.record(
        &w.coop,
        1,
        vec![r.id()],
        Event::Correction(Correction { target: r.id(), reason: "wrong shed".into(), corrected: "shed 4".into() }),
    );
    w.node.ledger.append(fix).unwrap();
    assert!(w.node.scans.get(&w.node.ledger, batch, w.size(), Time::now()).is_none());
    let (_, v) = send_json(w.app(), get(&path, "application/json")).await;
    assert_eq!(v["corrections"][0]["corrected"], "shed 4");
    let held = w.record(&w.regulator, 0, vec![r.id()], Event::Held(Held { batch, reason: "sampling".into() }));
    w.node.ledger.append(held).unwrap();
    assert!(w.node.scans.get(&w.node.ledger, batch, w.size(), Time::now()).is_none());
    let (_, v) = send_json(w.app(), get(&path, "application/json")).await;
    assert_eq!(v["status"], "on_hold");
}

/// Through the whole demo story, appended one step at a time: after every step, every batch's public
/// summary as served (from the cache when it could be carried forward) equals one built afresh.
#[tokio::test]
async fn the_scan_cache_never_serves_an_answer_that_a_fresh_build_would_not() {
    let dir = tempfile::tempdir().unwrap();
    let cast = trace_core::demo::Cast::from_seed(3);
    let origin: Origin = "cache.test.example/ledger".parse().unwrap();
    let start = trace_core::demo::default_start(Time::now());
    let story = trace_core::demo::story(&cast, &origin, start).unwrap();
    let clock = trace_core::StoryClock::starting_at(start);
    let data = trace_core::demo::create_dir(&dir.path().join("d"), origin, &cast, &clock).unwrap();
    let node = std::sync::Arc::new(trace_node::Node::new(
        data.ledger,
        data.log_key,
        data.config.log_key_name,
        trace_node::Limits::default(),
    ));
    let app = trace_node::app(node.clone());
    let without_size = |mut v: serde_json::Value| {
        v.as_object_mut().unwrap().remove("tree_size");
        v
    };
    let mut served = 0;
    for step in &story.steps {
        let _ = trace_core::demo::append_step(&node.ledger, &clock, step);
        for b in node.ledger.batches().unwrap() {
            let (s, got) =
                send_json(app.clone(), get(&format!("/v1/public/batches/{}", b.id), "application/json")).await;
            assert_eq!(s, StatusCode::OK);
            let fresh =
                serde_json::to_value(trace_node::wire::Summary::from(&node.ledger.summary(b.id).unwrap())).unwrap();
            assert_eq!(without_size(got), without_size(fresh), "stale answer for {} after: {}", b.id, step.title_en);
            served += 1;
        }
    }
    assert!(served > 200, "the story exercised the cache ({served} answers)");
}

#[tokio::test]
async fn milk_from_a_treated_herd_says_it_must_be_destroyed() {
    let w = World::new();
    let supplier = key(11);
    w.admit(&supplier, "Vet supplies", "vet-supplies", Role::Supplier);
    let lot_id = w.register_lot(
        &supplier,
        3,
        InputLotRegistered {
            name: "Oxytetracycline injection".into(),
            approval_number: "兽药字(2022)150010001".into(),
            lot: "OX1".parse().unwrap(),
            active_substances: vec!["oxytetracycline".into()],
            periods: Periods { meat_days: 28, milk_hours: Some(168), egg_days: None },
            ..amoxicillin()
        },
    );
    let (r, herd) = w.register_pigs(2);
    w.node.ledger.append(r.clone()).unwrap();
    let dose = w.record(
        &w.coop,
        0,
        vec![r.id()],
        Event::InputApplied(InputApplied {
            batch: herd,
            input: lot_id,
            dose: "1 box".parse().unwrap(),
            prescription: None,
            vet_drug_code: None,
            note: String::new(),
            holding: None,
        }),
    );
    let dose_id = dose.id();
    w.node.ledger.append(dose).unwrap();
    let output = TransformOutput {
        product: "生鲜乳 Raw milk".into(),
        class: ProductClass::Dairy,
        quantity: "480 l".parse().unwrap(),
        gtin: None,
        lot: None,
    };
    let milking = w.record(
        &w.coop,
        0,
        vec![dose_id],
        Event::Produced(Produced { source: herd, process: Production::Milking, output }),
    );
    let milk = BatchId::derive(&milking.id(), 0);
    w.node.ledger.append(milking).unwrap();
    let (s, body, _) = send(w.app(), get(&format!("/b/{}", milk.compact()), "text/html")).await;
    let html = String::from_utf8(body).unwrap();
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("DISCARD — produced during a withdrawal, must be destroyed"), "{html}");
    assert!(!html.contains("under investigation"), "{html}");
    assert!(html.contains("产出 Produced"), "{html}");
    assert!(html.contains("弃奶期/弃蛋期至"), "{html}");
}
