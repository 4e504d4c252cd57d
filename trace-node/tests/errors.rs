//! Errors across the boundary: core's rule and error table against the node's statuses and codes, and where
//! error answers are logged.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::response::IntoResponse;
use http_body_util::BodyExt;
use trace_core::*;
use trace_node::{ApiError, INTERNAL_MESSAGE, Limits, Node, app, class_status};

use crate::common::*;

/// The status and JSON body an error answers with.
async fn answer(e: ApiError) -> (u16, String, String) {
    let (status, v) = answer_json(e).await;
    (status, code(&v).to_owned(), v["error"]["message"].as_str().unwrap().to_owned())
}

/// The status and the whole JSON body.
async fn answer_json(e: ApiError) -> (u16, serde_json::Value) {
    let resp = e.into_response();
    let status = resp.status().as_u16();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

/// The statuses docs/api.md gives the rule codes.
fn documented_status(code: &str) -> u16 {
    match code {
        "malformed" | "limit-exceeded" | "wrong-origin" | "bad-signature" | "genesis" => 400,
        "unknown-author" | "revoked-author" | "role-not-permitted" | "not-holder" => 403,
        "stale-head" | "batch-id-collision" => 409,
        _ => 422,
    }
}

#[tokio::test]
async fn every_rule_answers_its_code_with_the_status_of_its_class() {
    assert_eq!(Rule::ALL.len(), 25, "a new rule needs a row in docs/api.md's error table");
    let examples = Facts::examples();
    for &rule in Rule::ALL {
        let facts = examples.iter().find(|f| f.rule() == rule).unwrap_or_else(|| panic!("{rule}: no facts"));
        let (status, v) = answer_json(Error::Refused(Refusal::new(facts.clone())).into()).await;
        let code = code(&v).to_owned();
        assert_eq!(code, rule.code());
        assert_eq!(status, class_status(rule.class()).as_u16(), "{code}");
        assert_eq!(status, documented_status(&code), "{code}: docs/api.md");
        assert_eq!(v["error"]["message"], facts.to_string(), "{code}: the message is core's English");
        assert_eq!(v["error"]["facts"], serde_json::to_value(facts).unwrap(), "{code}: the facts as core has them");
        assert!(v["error"]["facts"]["fact"].is_string(), "{code}: tagged by fact");
        assert_eq!(Rule::from_code(&code), Some(rule), "the CLI reads {code} back into its rule");
    }
}

#[tokio::test]
async fn only_refusals_answer_facts() {
    let key = SecretKey::from_seed([1; 32]).public();
    let (_, v) = answer_json(Error::Verify(VerifyError::BadSignature { author: key }).into()).await;
    assert_eq!(v["error"]["facts"]["fact"], "bad-signature");
    assert_eq!(v["error"]["facts"]["author"], key.to_string());
    for e in [Error::NotFound("batch X".into()), Error::Parse(ParseError::new("GTIN", "12", "too short"))] {
        let (_, v) = answer_json(e.into()).await;
        assert!(v["error"].get("facts").is_none(), "{v}");
    }
    let (_, v) = answer_json(Error::Storage("disk full".into()).into()).await;
    assert!(v["error"].get("facts").is_none(), "{v}");
}

#[tokio::test]
async fn every_kind_of_core_error_answers_cores_code_with_the_status_of_its_class() {
    let key = SecretKey::from_seed([1; 32]).public();
    let errors = vec![
        (Error::Parse(ParseError::new("GTIN", "12", "too short")), 400, "invalid-value"),
        (Error::Decode(DecodeError::NonCanonical), 400, "malformed"),
        (Error::Verify(VerifyError::BadSignature { author: key }), 400, "bad-signature"),
        (Error::Verify(VerifyError::WrongOrigin { expected: "a".into(), found: "b".into() }), 400, "wrong-origin"),
        (Error::Verify(VerifyError::BrokenChain { index: 3, why: "gap".into() }), 400, "verify-failed"),
        (Error::Refused(Refusal::new(Facts::StaleHead { expected: vec![] })), 409, "stale-head"),
        (Error::NotFound("batch X".into()), 404, "not-found"),
        // Core calls a checkpoint that does not describe the ledger the caller's fault; the node used to answer
        // it 500.
        (Error::Checkpoint(CheckpointError::EmptyOrigin), 400, "invalid-checkpoint"),
        (Error::Storage("disk full".into()), 500, "internal"),
        (Error::Corrupt { index: 4, why: "bad hash".into() }, 500, "internal"),
        (Error::CorruptKey { key: "b/0000000000000001".into(), why: "bad state".into() }, 500, "internal"),
        (Error::StoryMismatch("step 3".into()), 500, "internal"),
        (Error::WriterStopped, 500, "internal"),
        (Error::Io { context: "reading x".into(), source: std::io::Error::other("gone") }, 500, "internal"),
    ];
    for (e, want_status, want_code) in errors {
        let (class, core_code, shown) = (e.class(), e.code(), e.message());
        let (status, code, message) = answer(e.into()).await;
        assert_eq!((status, code.as_str()), (want_status, want_code), "{shown}");
        assert_eq!(status, class_status(class).as_u16(), "{shown}: the node's status is the class's");
        assert_eq!(code, core_code.unwrap_or("internal"), "{shown}: the node's code is core's");
        if status >= 500 {
            assert_eq!(message, INTERNAL_MESSAGE, "a 5xx never says why");
        } else {
            assert_eq!(message, shown);
        }
    }
}

/// A log writer shared with the test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().unwrap()).lines().map(str::to_owned).collect()
    }
}

#[tokio::test]
async fn the_router_logs_a_5xx_with_its_cause_and_a_4xx_at_debug_and_answers_a_5xx_generically() {
    // A log key name that cannot be put on a note: the node serves, and every route that signs answers 500.
    let dir = tempfile::tempdir().unwrap();
    let d = DataDir::init(&dir.path().join("data"), "node.test.example/ledger".parse().unwrap(), "A").unwrap();
    let node = Arc::new(Node::new(d.ledger, d.log_key, "bad name".into(), Limits::default()));
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // The test runtime has one thread, and the middleware logs on it.
    let _guard = tracing::subscriber::set_default(subscriber);

    let (s, v) = send_json(app(node.clone()), request(None, "GET", "/v1/log-key", "", vec![])).await;
    assert_eq!((s.as_u16(), code(&v)), (500, "internal"));
    assert_eq!(v["error"]["message"], INTERNAL_MESSAGE);
    assert!(!v.to_string().contains("bad name"), "the cause stays out of the answer: {v}");
    // tower-http's trace layer also notes the 500 (without its cause); the error's own line comes from the
    // middleware, once.
    let ours = |l: &String| l.contains("trace_node::error");
    let errors: Vec<String> = log.lines().into_iter().filter(|l| l.contains("ERROR") && ours(l)).collect();
    assert_eq!(errors.len(), 1, "logged once, by the middleware: {errors:?}");
    assert!(errors[0].contains("internal error") && errors[0].contains("bad name"), "{errors:?}");

    let (s, v) = send_json(app(node), request(None, "GET", "/v1/public/batches/not-a-batch", "", vec![])).await;
    assert_eq!((s.as_u16(), code(&v)), (400, "invalid-value"));
    let lines = log.lines();
    assert_eq!(lines.iter().filter(|l| l.contains("ERROR") && ours(l)).count(), 1, "a 4xx is not an error: {lines:?}");
    assert!(
        lines.iter().any(|l| l.contains("DEBUG") && l.contains("refused") && l.contains("invalid-value")),
        "{lines:?}"
    );
}
