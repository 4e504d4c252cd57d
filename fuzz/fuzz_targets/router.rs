//! The node's whole router (`trace_node::app`) through `tower::ServiceExt::oneshot`, over a real ledger in a
//! temporary directory: arbitrary method, path, content type, body and headers, sent unsigned or signed by an
//! admitted co-op (so submissions reach the JSON and record parsers, the rules and the writer).
//!
//! Properties: no panic; no 5xx; every 4xx is a JSON error with a code; a refused request leaves the log size
//! as it was.

#![no_main]

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;
use trace_core::{ActorAdmitted, DataDir, Event, Role, SecretKey, Time, sign_event};
use trace_node::{Limits, Node, app, auth};

#[derive(Debug, Arbitrary)]
struct Input {
    method: u8,
    path: String,
    content_type: u8,
    accept_json: bool,
    sign: bool,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

const METHODS: [&str; 8] = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "BREW"];
const TYPES: [&str; 6] = ["", "application/json", "application/octet-stream", "text/plain", "APPLICATION/JSON; x=1", "application/json-seq"];

struct World {
    _dir: tempfile::TempDir,
    node: Arc<Node>,
    coop: SecretKey,
    rt: tokio::runtime::Runtime,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let d = DataDir::init(&dir.path().join("data"), "fuzz.trace.example/ledger".parse().unwrap(), "Fuzz").unwrap();
        let authority = d.authority_key().unwrap();
        let coop = SecretKey::from_seed([2; 32]);
        let admit = sign_event(
            &authority,
            d.ledger.origin(),
            Time::now(),
            vec![],
            Event::ActorAdmitted(ActorAdmitted {
                actor: coop.public(),
                name: "Fuzz co-op".into(),
                handle: "fuzz-coop".parse().unwrap(),
                roles: vec![Role::Coop],
                departments: vec![],
                registration: String::new(),
                location: String::new(),
                licences: vec![],
                contact: None,
            }),
        );
        d.ledger.append(admit).unwrap();
        let node = Arc::new(Node::new(d.ledger, d.log_key, d.config.log_key_name, Limits::default()));
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        World { _dir: dir, node, coop, rt }
    })
}

fuzz_target!(|input: Input| {
    let w = world();
    let path = if input.path.starts_with('/') { input.path.clone() } else { format!("/{}", input.path) };
    let method = METHODS[usize::from(input.method) % METHODS.len()];
    let mut b = Request::builder().method(method).uri(&path);
    let ct = TYPES[usize::from(input.content_type) % TYPES.len()];
    if !ct.is_empty() {
        b = b.header("content-type", ct);
    }
    if input.accept_json {
        b = b.header("accept", "application/json");
    }
    for (k, v) in input.headers.iter().take(8) {
        b = b.header(k.as_str(), v.as_str());
    }
    if input.sign {
        for (k, v) in auth::sign_request(&w.coop, method, &path, &input.body, Time::now()) {
            b = b.header(k, v);
        }
    }
    // A request the http crate will not build (a path that is not a URI, a header name that is not a token)
    // never reaches a server either.
    let Ok(req) = b.body(Body::from(input.body.clone())) else { return };
    let size = w.node.ledger.size();
    let (status, body) = w.rt.block_on(async {
        let resp = app(w.node.clone()).oneshot(req).await.unwrap();
        let status = resp.status();
        let body = resp.into_body().collect().await.map(|c| c.to_bytes().to_vec()).unwrap_or_default();
        (status, body)
    });
    assert!(!status.is_server_error(), "{method} {path}: {status} {}", String::from_utf8_lossy(&body));
    if status.is_client_error() {
        let html = body.starts_with(b"<!doctype html>") || body.starts_with(b"<!DOCTYPE html>");
        if !html && method != "HEAD" {
            let v: serde_json::Value = serde_json::from_slice(&body)
                .unwrap_or_else(|_| panic!("{method} {path}: {status} is not JSON: {}", String::from_utf8_lossy(&body)));
            assert!(v["error"]["code"].is_string(), "{method} {path}: {status} has no code: {v}");
        }
        assert_eq!(w.node.ledger.size(), size, "{method} {path}: refused with {status} but the log grew");
    }
});
