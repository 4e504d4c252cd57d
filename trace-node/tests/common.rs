//! Fixtures: a node over a fresh data directory with one actor of each role, and signed requests.

#![allow(dead_code)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;
use trace_core::*;
use trace_node::{Limits, Node, app, auth};

pub const DAY: u64 = 86_400_000;

pub struct World {
    pub dir: tempfile::TempDir,
    pub node: Arc<Node>,
    pub authority: SecretKey,
    pub coop: SecretKey,
    pub market: SecretKey,
    pub regulator: SecretKey,
    pub lab: SecretKey,
    pub processor: SecretKey,
}

pub fn key(n: u8) -> SecretKey {
    SecretKey::from_seed([n; 32])
}

impl World {
    pub fn new() -> World {
        World::with_limits(Limits::default())
    }

    pub fn with_limits(limits: Limits) -> World {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let d = DataDir::init(&data, "node.test.example/ledger".parse().unwrap(), "Test authority").unwrap();
        let authority = d.authority_key().unwrap();
        let vault = d.vault().unwrap();
        let (coop, market, regulator, lab, processor) = (key(2), key(6), key(8), key(7), key(5));
        let w = World {
            node: Arc::new(Node::new(d.ledger, d.log_key, d.config.log_key_name, limits).with_vault(vault)),
            dir,
            authority,
            coop,
            market,
            regulator,
            lab,
            processor,
        };
        for (k, name, role) in [
            (&w.coop, "Hetao pig co-op", Role::Coop),
            (&w.market, "Stall 12", Role::Market),
            (&w.regulator, "Market supervision bureau", Role::Regulator),
            (&w.lab, "District lab", Role::Lab),
            (&w.processor, "Xihu slaughterhouse", Role::Processor),
        ] {
            let r = w.record(
                &w.authority,
                0,
                vec![],
                Event::ActorAdmitted(ActorAdmitted {
                    actor: k.public(),
                    name: name.into(),
                    handle: format!("k{}", &k.public().to_string()[..12]).parse().unwrap(),
                    roles: vec![role],
                    registration: String::new(),
                    location: "溪湖区".into(),
                    contact: None,
                    departments: vec![],
                    licences: vec![],
                }),
            );
            w.node.ledger.append(r).unwrap();
        }
        // Appended behind the API's back: sign the checkpoint as the periodic task would.
        w.node.refresh_checkpoint();
        w
    }

    /// Registers `lot` as `supplier`, claimed `days_ago` days before now; its id.
    pub fn register_lot(&self, supplier: &SecretKey, days_ago: u64, lot: InputLotRegistered) -> BatchId {
        let r = self.record(supplier, days_ago, vec![], Event::InputLotRegistered(lot));
        let id = BatchId::derive(&r.id(), 0);
        self.node.ledger.append(r).unwrap();
        id
    }

    /// Admits `k` with one role, by the authority.
    pub fn admit(&self, k: &SecretKey, name: &str, handle: &str, role: Role) {
        let r = self.record(
            &self.authority,
            3,
            vec![],
            Event::ActorAdmitted(ActorAdmitted {
                actor: k.public(),
                name: name.into(),
                handle: handle.parse().unwrap(),
                roles: vec![role],
                registration: String::new(),
                location: String::new(),
                contact: None,
                departments: vec![],
                licences: vec![],
            }),
        );
        self.node.ledger.append(r).unwrap();
    }

    pub fn origin(&self) -> Origin {
        self.node.ledger.origin().clone()
    }

    /// A record signed by `k`, claimed `days_ago` days before now.
    pub fn record(&self, k: &SecretKey, days_ago: u64, parents: Vec<RecordId>, event: Event) -> Record {
        sign_event(k, &self.origin(), Time(Time::now().0 - days_ago * DAY), parents, event)
    }

    pub fn register_pigs(&self, days_ago: u64) -> (Record, BatchId) {
        let r = self.record(
            &self.coop,
            days_ago,
            vec![],
            Event::BatchRegistered(BatchRegistered {
                product: "Live pigs 生猪".into(),
                class: ProductClass::Livestock,
                commissioning: Commissioning::Herd,
                quantity: "40 head".parse().unwrap(),
                gtin: Some("06901234567892".parse().unwrap()),
                lot: Some(format!("HT{days_ago}").parse().unwrap()),
                place: "Hetao farm".into(),
                identifiers: vec![],
            }),
        );
        let id = BatchId::derive(&r.id(), 0);
        (r, id)
    }

    pub fn app(&self) -> axum::Router {
        app(self.node.clone())
    }

    pub fn size(&self) -> u64 {
        self.node.ledger.size()
    }
}

/// A request signed by `k` (or unsigned when `k` is None).
pub fn request(k: Option<&SecretKey>, method: &str, path: &str, content_type: &str, body: Vec<u8>) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(path);
    if !content_type.is_empty() {
        b = b.header("content-type", content_type);
    }
    if let Some(k) = k {
        for (h, v) in auth::sign_request(k, method, path, &body, Time::now()) {
            b = b.header(h, v);
        }
    }
    b.body(Body::from(body)).unwrap()
}

/// A bodiless copy of `req`: the same method, path and headers (signature included), to send again.
pub fn resend(req: &Request<Body>) -> Request<Body> {
    let mut b = Request::builder().method(req.method()).uri(req.uri());
    for (k, v) in req.headers() {
        b = b.header(k, v);
    }
    b.body(Body::empty()).unwrap()
}

pub fn json_body(r: &Record) -> Vec<u8> {
    serde_json::to_vec(&trace_node::wire::WireRecord::from_record(r)).unwrap()
}

pub async fn send(app: axum::Router, req: Request<Body>) -> (StatusCode, Vec<u8>, Response<()>) {
    let resp = app.oneshot(req).await.unwrap();
    let (parts, body) = resp.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes().to_vec();
    (parts.status, bytes, Response::from_parts(parts, ()))
}

pub async fn send_json(app: axum::Router, req: Request<Body>) -> (StatusCode, serde_json::Value) {
    let (s, b, _) = send(app, req).await;
    let v = serde_json::from_slice(&b).unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&b)));
    (s, v)
}

pub fn code(v: &serde_json::Value) -> &str {
    v["error"]["code"].as_str().unwrap_or_else(|| panic!("no error code in {v}"))
}

/// Ten boxes of amoxicillin with a 28-day withdrawal; tests change the fields they need.
pub fn amoxicillin() -> InputLotRegistered {
    InputLotRegistered {
        kind: InputKind::VetDrug,
        name: "Amoxicillin".into(),
        approval_number: "兽药字(2021)060011234".into(),
        manufacturer: "Liaoning".into(),
        lot: "A1".parse().unwrap(),
        active_substances: vec!["amoxicillin".into()],
        periods: Periods::days(28),
        prescription_only: false,
        quantity: "10 box".parse().unwrap(),
        vet_drug_codes: vec![],
        expires: None,
        made_from: vec![],
    }
}
