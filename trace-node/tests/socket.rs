//! The node on a real socket on loopback.

use std::sync::Arc;

use crate::common::*;
use trace_core::*;

fn call(base: &str, k: &SecretKey, method: &str, path: &str, body: Vec<u8>) -> (u16, serde_json::Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let url = format!("{base}{path}");
    let headers = trace_node::auth::sign_request(k, method, path, &body, Time::now());
    let mut resp = if method == "POST" {
        let mut r = agent.post(&url).header("content-type", "application/json");
        for (h, v) in &headers {
            r = r.header(h, v);
        }
        r.send(&body[..]).unwrap()
    } else {
        let mut r = agent.get(&url);
        for (h, v) in &headers {
            r = r.header(h, v);
        }
        r.call().unwrap()
    };
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submissions_and_lookups_over_a_real_socket_and_graceful_shutdown() {
    let w = World::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let node = w.node.clone();
    let server = tokio::spawn(trace_node::serve(node, listener, async {
        let _ = stop_rx.await;
    }));
    let coop = w.coop.clone();
    let records: Vec<Record> = (0..20).map(|i| w.register_pigs(10 + i).0).collect();
    let b = base.clone();
    let statuses = tokio::task::spawn_blocking(move || {
        let threads: Vec<_> = records
            .into_iter()
            .map(|r| {
                let (b, coop) = (b.clone(), coop.clone());
                std::thread::spawn(move || call(&b, &coop, "POST", "/v1/records", json_body(&r)).0)
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect::<Vec<u16>>()
    })
    .await
    .unwrap();
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    // The co-op lists the batches it registered (a stall that is no party to them lists none).
    let (b, coop, market) = (base.clone(), w.coop.clone(), w.market.clone());
    let (s, v) = tokio::task::spawn_blocking(move || call(&b, &coop, "GET", "/v1/batches", vec![])).await.unwrap();
    assert_eq!(s, 200);
    assert_eq!(v.as_array().unwrap().len(), 20);
    let b = base.clone();
    let (s, v) = tokio::task::spawn_blocking(move || call(&b, &market, "GET", "/v1/batches", vec![])).await.unwrap();
    assert_eq!((s, v.as_array().map(Vec::len)), (200, Some(0)));
    stop_tx.send(()).unwrap();
    server.await.unwrap().unwrap();
    let size = w.size();
    let dir = w.dir.path().join("data");
    let node: Arc<trace_node::Node> = w.node;
    drop(node);
    // After shutdown the ledger reopens with every acknowledged record.
    let reopened = (0..200)
        .find_map(|_| match DataDir::open(&dir) {
            Ok(d) => Some(d),
            Err(_) => {
                std::thread::sleep(std::time::Duration::from_millis(10));
                None
            }
        })
        .expect("reopen");
    assert_eq!(reopened.ledger.size(), size);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checkpoint_is_re_signed_periodically_and_the_bundle_streams_over_a_real_socket() {
    let w = World::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(trace_node::serve(w.node.clone(), listener, async {
        let _ = stop_rx.await;
    }));
    // Appended behind the API's back: only the periodic task signs the new size.
    let records: Vec<Record> = (0..1500).map(|i| w.register_pigs(10 + i).0).collect();
    for r in w.node.ledger.append_many(records).unwrap() {
        r.unwrap();
    }
    let size = w.size();
    let (b, regulator) = (base.clone(), w.regulator.clone());
    let (note, bundle) = tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let get = |path: &str| agent.get(format!("{b}{path}")).call().unwrap().body_mut().read_to_string().unwrap();
        let started = std::time::Instant::now();
        let note = loop {
            let note = get("/v1/checkpoint");
            if note.lines().nth(1) == Some(size.to_string().as_str()) {
                break note;
            }
            assert!(started.elapsed() < std::time::Duration::from_secs(20), "checkpoint not re-signed: {note}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        };
        let mut req = agent.get(format!("{b}/v1/export/bundle"));
        for (h, v) in trace_node::auth::sign_request(&regulator, "GET", "/v1/export/bundle", &[], Time::now()) {
            req = req.header(h, v);
        }
        let mut resp = req.call().unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let bundle = resp.body_mut().with_config().limit(1 << 30).read_to_vec().unwrap();
        (note, bundle)
    })
    .await
    .unwrap();
    let key = w.node.checkpoints.verifier_key().unwrap().clone();
    let report = verify_bundle(&bundle[..], &Trust::pinned(key)).unwrap();
    assert_eq!(report.entries, size);
    assert_eq!(report.checkpoint.size(), size);
    assert!(String::from_utf8(bundle).unwrap().starts_with("{\"type\":\"checkpoint\""));
    assert!(note.starts_with("node.test.example/ledger\n"));
    stop_tx.send(()).unwrap();
    server.await.unwrap().unwrap();
}
