//! The router and its handlers. Every ledger call runs on the blocking pool: appends wait for a group commit's
//! flush, and lineage walks read the store.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{MatchedPath, OriginalUri, Path, Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use trace_core::{BatchId, Direction, Facts, Gtin, Ledger, Lot, Record, RecordId, Role, SecretKey, VetDrugCode};

use crate::auth::{self, ReplayGuard};
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::scan;
use crate::wire::*;

/// Limits on what callers may send.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body, bytes.
    pub max_body: usize,
    /// Most records in one bulk submission.
    pub max_bulk: usize,
    /// Longest a request may take.
    pub timeout: Duration,
    /// Bytes of scan answers (summaries and pages) kept in memory.
    pub scan_cache_bytes: usize,
    /// Most unexpired request signatures remembered for one key (beyond: 429).
    pub replay_per_key: usize,
    /// Most unexpired request signatures remembered in all (beyond: 429).
    pub replay_total: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body: 8 * 1024 * 1024,
            max_bulk: 4096,
            timeout: Duration::from_secs(30),
            scan_cache_bytes: crate::cache::DEFAULT_BUDGET,
            replay_per_key: auth::REPLAY_PER_KEY,
            replay_total: auth::REPLAY_TOTAL,
        }
    }
}

/// What the handlers share.
#[derive(Debug)]
pub struct Node {
    /// The ledger.
    pub ledger: Ledger,
    /// The log key, which signs checkpoints.
    pub log_key: SecretKey,
    /// The key name on checkpoint signature lines.
    pub log_key_name: String,
    /// Metrics.
    pub metrics: Metrics,
    /// Request-signature replay guard; also holds the node's start time.
    pub replay: ReplayGuard,
    /// Limits.
    pub limits: Limits,
    /// The latest signed checkpoint and witness cosignatures.
    pub checkpoints: crate::log::Checkpoints,
    /// Public summaries and scan pages, until the log grows.
    pub scans: crate::cache::ScanCache,
    /// Personal values kept off the log (`docs/privacy.md`), when the node keeps any.
    pub vault: Option<trace_core::vault::Vault>,
}

/// The shared state handed to axum.
pub type AppState = Arc<Node>;

impl Node {
    /// A node over an open ledger. Signs the first checkpoint.
    pub fn new(ledger: Ledger, log_key: SecretKey, log_key_name: String, limits: Limits) -> Node {
        let checkpoints = crate::log::Checkpoints::new(&log_key, &log_key_name);
        let scans = crate::cache::ScanCache::with_budget(limits.scan_cache_bytes);
        let node = Node {
            ledger,
            log_key,
            log_key_name,
            metrics: Metrics::default(),
            replay: ReplayGuard::with_bounds(limits.replay_per_key, limits.replay_total),
            limits,
            checkpoints,
            scans,
            vault: None,
        };
        node.refresh_checkpoint();
        node
    }

    /// The same node, keeping personal values in `vault`.
    pub fn with_vault(mut self, vault: trace_core::vault::Vault) -> Node {
        self.vault = Some(vault);
        self
    }
}

pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(ApiError::internal)?
}

pub(crate) fn body_bytes(b: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    b.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge(r.body_text())
        } else {
            ApiError::BadBody(r.body_text())
        }
    })
}

fn path_and_query(uri: &OriginalUri) -> String {
    uri.0.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| uri.0.path().to_owned())
}

fn parse_batch(s: &str) -> Result<BatchId, ApiError> {
    s.parse().map_err(|e: trace_core::ParseError| ApiError::InvalidValue(e.to_string()))
}

/// Requires a signed request from an admitted actor with one of `roles` (any when empty).
pub(crate) fn require(
    node: &Node,
    headers: &HeaderMap,
    method: &Method,
    uri: &OriginalUri,
    body: &[u8],
    roles: &[Role],
) -> Result<trace_core::Actor, ApiError> {
    auth::authenticate(&node.ledger, &node.replay, headers, method.as_str(), &path_and_query(uri), body, roles)
        .inspect_err(|e| node.metrics.refused(e.code()))
}

/// A request without a body, signed by an admitted, unrevoked actor: the extractor form of [`require`] for
/// reading routes.
#[derive(Debug)]
pub(crate) struct Admitted;

/// The same, keeping who asked: the read model (`trace_core::access`) decides what it may read.
#[derive(Debug)]
pub(crate) struct Reader(pub(crate) trace_core::Actor);

impl axum::extract::FromRequestParts<AppState> for Reader {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, node: &AppState) -> Result<Self, ApiError> {
        signed_parts(node, parts, &[]).map(Reader)
    }
}

/// Refuses `reader` a batch it is not a party to (403 `forbidden`); a batch that does not exist is 404.
fn may_read_batch(node: &Node, reader: &trace_core::Actor, id: BatchId) -> Result<(), ApiError> {
    let b = node.ledger.batch(id)?.ok_or_else(|| trace_core::Error::NotFound(format!("batch {id}")))?;
    if !node.ledger.reads_batch(reader, &b)? {
        return Err(ApiError::Forbidden(format!(
            "{} is not a party to batch {id}: actors read the batches they registered, hold, held, shipped, received \
             or treated; its public summary is at /v1/public/batches/{id}",
            reader.name
        )));
    }
    Ok(())
}

/// The same, by a regulator.
#[derive(Debug)]
pub(crate) struct Regulator;

fn signed_parts(
    node: &Node,
    parts: &axum::http::request::Parts,
    roles: &[Role],
) -> Result<trace_core::Actor, ApiError> {
    let uri = parts.extensions.get::<OriginalUri>().map(|u| u.0.clone()).unwrap_or_else(|| parts.uri.clone());
    let pq = uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| uri.path().to_owned());
    auth::authenticate(&node.ledger, &node.replay, &parts.headers, parts.method.as_str(), &pq, &[], roles)
        .inspect_err(|e| node.metrics.refused(e.code()))
}

impl axum::extract::FromRequestParts<AppState> for Admitted {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, node: &AppState) -> Result<Self, ApiError> {
        signed_parts(node, parts, &[]).map(|_| Admitted)
    }
}

impl axum::extract::FromRequestParts<AppState> for Regulator {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, node: &AppState) -> Result<Self, ApiError> {
        signed_parts(node, parts, &[Role::Regulator]).map(|_| Regulator)
    }
}

/// Builds the router.
pub fn app(node: AppState) -> Router {
    let limit = node.limits.max_body;
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .route("/v1/records", post(submit))
        .route("/v1/records/bulk", post(submit_bulk))
        .route("/v1/records/{id}", get(record))
        .route("/v1/batches", get(batches))
        .route("/v1/batches/{id}", get(batch))
        .route("/v1/batches/{id}/history", get(history))
        .route("/v1/batches/{id}/head", get(head))
        .route("/v1/batches/{id}/back", get(back))
        .route("/v1/batches/{id}/forward", get(forward))
        .route("/v1/batches/{id}/recall-impact", get(recall_impact))
        .route("/v1/batches/{id}/at-risk", get(at_risk_of))
        .route("/v1/at-risk", get(at_risk))
        .route("/v1/public/batches/{id}", get(public_batch))
        .route("/v1/actors", get(actors))
        .route("/v1/late-entries", get(late_entries))
        .route("/v1/export/fsma.csv", get(crate::exports::fsma_csv))
        .route("/v1/export/epcis", get(crate::exports::epcis))
        .route("/b/{id}", get(scan_batch))
        .route("/01/{gtin}/10/{lot}", get(scan_digital_link))
        .route("/01/{gtin}/10/{lot}/{*rest}", get(scan_digital_link_qualified))
        .route("/vd/{code}", get(scan_vet_drug))
        .route("/find", get(find))
        .merge(crate::log::routes())
        .merge(crate::personal::routes())
        .fallback(fallback)
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn_with_state(limit, refuse_long_bodies))
        .layer(middleware::from_fn(crate::error::log_errors))
        .layer(axum::extract::DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(node.clone(), observe))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(node)
}

/// Refuses at once a request whose `Content-Length` is over the body limit, before a byte of the body is read,
/// instead of reading up to the limit first (or waiting for a body that a hostile client never sends).
async fn refuse_long_bodies(State(limit): State<usize>, req: Request, next: Next) -> Response {
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if let Some(len) = declared.filter(|len| *len > limit as u64) {
        return ApiError::PayloadTooLarge(format!("a body of {len} bytes; the limit is {limit}")).into_response();
    }
    next.run(req).await
}

/// Gives every error answer the JSON shape of docs/api.md, including those the router and its extractors make
/// themselves: 405 for a method a route does not take (keeping its `Allow` header), and 400 for a path segment
/// or query string that does not decode. Handler errors ([`ApiError`]) and HTML pages pass through unchanged.
async fn json_errors(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let ct = resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if ct.starts_with("application/json") || ct.starts_with("text/html") {
        return resp;
    }
    let allow = resp.headers().get(header::ALLOW).cloned();
    // The router's own rejections are short plain-text messages.
    let text = match axum::body::to_bytes(resp.into_body(), 4096).await {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(_) => String::new(),
    };
    let reason = status.canonical_reason().unwrap_or("error").to_owned();
    let error = match status {
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(reason),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(reason),
        StatusCode::REQUEST_TIMEOUT => ApiError::RequestTimeout(reason),
        StatusCode::NOT_FOUND => ApiError::NotFound(if text.is_empty() { reason } else { text }),
        s if s.is_server_error() => ApiError::internal(format!("{s} without a body: {text}")),
        _ => ApiError::Rejected { status, message: if text.is_empty() { reason } else { text } },
    };
    let mut out = error.into_response();
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}

/// Records latency and status per matched route.
async fn observe(State(node): State<AppState>, req: Request, next: Next) -> Response {
    let route =
        req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned()).unwrap_or_else(|| "unmatched".into());
    let start = Instant::now();
    let resp = next.run(req).await;
    node.metrics.request(&route, resp.status().as_u16(), start.elapsed());
    resp
}

async fn fallback(headers: HeaderMap, uri: OriginalUri) -> Response {
    if wants_html(&headers) {
        let page = scan::not_found("页面 page", uri.0.path(), "This address is not part of the ledger.");
        return (StatusCode::NOT_FOUND, Html(page)).into_response();
    }
    ApiError::NotFound(format!("no route {}; see /openapi.json", uri.0.path())).into_response()
}

async fn home(State(node): State<AppState>) -> Html<String> {
    Html(scan::home(node.ledger.origin().as_str(), node.ledger.size()))
}

async fn healthz(State(node): State<AppState>) -> Json<Health> {
    Json(Health { status: "ok".into(), origin: node.ledger.origin().to_string(), tree_size: node.ledger.size() })
}

async fn metrics(State(node): State<AppState>) -> Response {
    let disk = node.ledger.store().size_on_disk().unwrap_or(0);
    let text = node.metrics.render(node.ledger.size(), disk, node.scans.usage());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], include_str!("../../docs/openapi.json")).into_response()
}

/// The media type of a request body: the `Content-Type` before any parameters, lower-cased (media types are
/// case-insensitive). `None` when the header is absent; an error when it is not ASCII.
fn media_type(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get(header::CONTENT_TYPE) else { return Ok(None) };
    let v = v.to_str().map_err(|_| unsupported("a Content-Type that is not ASCII"))?;
    Ok(Some(v.split(';').next().unwrap_or("").trim().to_ascii_lowercase()))
}

fn unsupported(what: &str) -> ApiError {
    ApiError::UnsupportedMediaType(format!(
        "send application/json (or, for one record, application/octet-stream), not {what}"
    ))
}

/// Requires a JSON body: `application/json`, or no `Content-Type` at all.
fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    match media_type(headers)?.as_deref() {
        None | Some("application/json") => Ok(()),
        Some(other) => Err(unsupported(other)),
    }
}

fn parse_record(headers: &HeaderMap, body: &[u8]) -> Result<Record, ApiError> {
    // An exact media type: `application/json-seq` or `application/jsonx` is not JSON to us.
    if media_type(headers)?.as_deref() == Some("application/octet-stream") {
        return Record::decode(body).map_err(|e| malformed(Facts::NotCanonical { why: e.to_string() }));
    }
    require_json(headers)?;
    let w: WireRecord = serde_json::from_slice(body).map_err(|e| ApiError::BadJson(e.to_string()))?;
    w.into_record().map_err(|why| malformed(Facts::BadWireRecord { index: None, why }))
}

async fn submit(
    State(node): State<AppState>,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_bytes(body)?;
    require(&node, &headers, &method, &uri, &body, &[])?;
    let record = parse_record(&headers, &body).inspect_err(|e| node.metrics.refused(e.code()))?;
    let n = node.clone();
    let out = blocking(move || {
        let a = n.ledger.append(record).map_err(ApiError::from)?;
        n.refresh_checkpoint();
        Ok(a)
    })
    .await;
    match out {
        Ok(a) => {
            node.metrics.appended(a.duplicate);
            let status = if a.duplicate { StatusCode::OK } else { StatusCode::CREATED };
            Ok((status, Json(SubmitOk::from_appended(&a, node.ledger.size()))).into_response())
        }
        Err(e) => {
            node.metrics.refused(e.code());
            Err(e)
        }
    }
}

async fn submit_bulk(
    State(node): State<AppState>,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<BulkResponse>, ApiError> {
    let body = body_bytes(body)?;
    require(&node, &headers, &method, &uri, &body, &[])?;
    require_json(&headers).inspect_err(|e| node.metrics.refused(e.code()))?;
    let bulk: BulkSubmit = serde_json::from_slice(&body).map_err(|e| ApiError::BadJson(e.to_string()))?;
    if bulk.records.len() > node.limits.max_bulk {
        return Err(ApiError::TooManyRecords { sent: bulk.records.len(), max: node.limits.max_bulk });
    }
    let mut results: Vec<Option<BulkResult>> = Vec::with_capacity(bulk.records.len());
    let mut records = Vec::new();
    for (i, w) in bulk.records.into_iter().enumerate() {
        match w.into_record() {
            Ok(r) => {
                results.push(None);
                records.push(r);
            }
            Err(why) => results
                .push(Some(BulkResult::Err { error: malformed(Facts::BadWireRecord { index: Some(i), why }).body() })),
        }
    }
    let n = node.clone();
    let outcomes = blocking(move || {
        let out = n.ledger.append_many(records).map_err(ApiError::from)?;
        n.refresh_checkpoint();
        Ok(out)
    })
    .await?;
    let size = node.ledger.size();
    let mut outcomes = outcomes.into_iter();
    let results = results
        .into_iter()
        .map(|r| match r {
            Some(r) => {
                node.metrics.refused("malformed");
                r
            }
            None => match outcomes.next() {
                Some(Ok(a)) => {
                    node.metrics.appended(a.duplicate);
                    BulkResult::Ok(SubmitOk::from_appended(&a, size))
                }
                Some(Err(e)) => {
                    let e = ApiError::from(e);
                    node.metrics.refused(e.code());
                    bulk_error(e)
                }
                None => bulk_error(ApiError::internal("the ledger gave no outcome for a bulk record")),
            },
        })
        .collect();
    Ok(Json(BulkResponse { results, tree_size: size }))
}

/// One record's error inside a bulk answer. The answer is a 200, which [`crate::error::log_errors`] does not
/// log, so a 5xx-class error is logged here with its cause; the caller gets the generic message either way.
fn bulk_error(e: ApiError) -> BulkResult {
    if e.status().is_server_error() {
        tracing::error!(code = e.code(), cause = %e, "internal error in a bulk submission");
    }
    BulkResult::Err { error: e.body() }
}

/// A record whose wire form the node cannot read: refused with facts of [`trace_core::Rule::Malformed`], as core refuses
/// bytes that do not decode.
fn malformed(facts: Facts) -> ApiError {
    ApiError::Refused(trace_core::Refusal::new(facts))
}

async fn record(
    State(node): State<AppState>,
    Path(id): Path<String>,
    Reader(reader): Reader,
) -> Result<Json<EntryView>, ApiError> {
    let id: RecordId = id.parse().map_err(|e: trace_core::ParseError| ApiError::InvalidValue(e.to_string()))?;
    blocking(move || {
        let view = node.ledger.record_view(&id)?;
        if !node.ledger.reads_record(&reader, &view.entry.record)? {
            return Err(ApiError::Forbidden(format!(
                "{} neither wrote record {id}, nor is named in it, nor is a party to a batch it acts on",
                reader.name
            )));
        }
        Ok(Json(EntryView::from(&view)))
    })
    .await
}

async fn batches(State(node): State<AppState>, Reader(reader): Reader) -> Result<Json<Vec<BatchRow>>, ApiError> {
    blocking(move || {
        let rows = node.ledger.batch_rows()?;
        if reader.reads_everything() {
            return Ok(Json(list(&rows)));
        }
        // A party's own batches, and every input lot.
        let mine = node.ledger.party_batches(&reader)?;
        let rows: Vec<_> = rows.into_iter().filter(|r| r.input_lot || mine.binary_search(&r.id).is_ok()).collect();
        Ok(Json(list(&rows)))
    })
    .await
}

async fn batch(
    State(node): State<AppState>,
    Path(id): Path<String>,
    Reader(reader): Reader,
) -> Result<Json<BatchView>, ApiError> {
    let id = parse_batch(&id)?;
    blocking(move || {
        may_read_batch(&node, &reader, id)?;
        Ok(Json(BatchView::from(&node.ledger.batch_view(id)?)))
    })
    .await
}

/// The batch's head, which a record acting on it must name as a parent: any admitted actor may write about a
/// batch it cannot read (a vet asked to treat, a lab sampling), and a record id tells nothing else.
async fn head(State(node): State<AppState>, Path(id): Path<String>, _: Admitted) -> Result<Json<BatchHead>, ApiError> {
    let id = parse_batch(&id)?;
    blocking(move || {
        let b = node.ledger.batch(id)?.ok_or_else(|| trace_core::Error::NotFound(format!("batch {id}")))?;
        Ok(Json(BatchHead { batch: id, head: b.head }))
    })
    .await
}

async fn history(
    State(node): State<AppState>,
    Path(id): Path<String>,
    Reader(reader): Reader,
) -> Result<Json<Vec<EntryView>>, ApiError> {
    let id = parse_batch(&id)?;
    blocking(move || {
        may_read_batch(&node, &reader, id)?;
        Ok(Json(list(&node.ledger.history_view(id)?)))
    })
    .await
}

async fn back(
    State(node): State<AppState>,
    Path(id): Path<String>,
    Reader(reader): Reader,
) -> Result<Json<LineageResponse>, ApiError> {
    lineage(node, id, reader, Direction::Back).await
}

async fn forward(
    State(node): State<AppState>,
    Path(id): Path<String>,
    Reader(reader): Reader,
) -> Result<Json<LineageResponse>, ApiError> {
    lineage(node, id, reader, Direction::Forward).await
}

async fn lineage(
    node: AppState,
    id: String,
    reader: trace_core::Actor,
    direction: Direction,
) -> Result<Json<LineageResponse>, ApiError> {
    let id = parse_batch(&id)?;
    blocking(move || {
        may_read_batch(&node, &reader, id)?;
        let mut view = node.ledger.lineage_view(id, direction)?;
        if !reader.reads_everything() {
            // A lineage row names a batch and its holders: only the batches the reader may read. A feed lot's
            // forward walk would otherwise list every farm fed from it, which is the regulators' recall view.
            let mut kept = Vec::with_capacity(view.reached.len());
            for row in view.reached {
                if let Some(b) = node.ledger.batch(row.id)? {
                    if node.ledger.reads_batch(&reader, &b)? {
                        kept.push(row);
                    }
                }
            }
            view.reached = kept;
        }
        Ok(Json(LineageResponse::from(&view)))
    })
    .await
}

async fn recall_impact(
    State(node): State<AppState>,
    Path(id): Path<String>,
    _: Regulator,
) -> Result<Json<RecallImpact>, ApiError> {
    let id = parse_batch(&id)?;
    blocking(move || Ok(Json(RecallImpact::from(&node.ledger.recall_impact(id)?)))).await
}

async fn at_risk_of(
    State(node): State<AppState>,
    Path(id): Path<String>,
    _: Regulator,
) -> Result<Json<Vec<AtRisk>>, ApiError> {
    let id = parse_batch(&id)?;
    blocking(move || Ok(Json(list(&node.ledger.at_risk_views(Some(id))?)))).await
}

async fn at_risk(State(node): State<AppState>, _: Regulator) -> Result<Json<Vec<AtRisk>>, ApiError> {
    blocking(move || Ok(Json(list(&node.ledger.at_risk_views(None)?)))).await
}

async fn actors(State(node): State<AppState>, _: Admitted) -> Result<Json<Vec<ActorView>>, ApiError> {
    blocking(move || Ok(Json(list(&node.ledger.actor_views()?)))).await
}

#[derive(Debug, Deserialize)]
struct Page {
    from: Option<u64>,
    limit: Option<usize>,
}

async fn late_entries(
    State(node): State<AppState>,
    page: Result<Query<Page>, QueryRejection>,
    _: Regulator,
) -> Result<Json<Vec<EntryView>>, ApiError> {
    let Query(page) = page.map_err(|e| ApiError::InvalidValue(e.body_text()))?;
    let limit = page.limit.unwrap_or(100).min(1000);
    blocking(move || Ok(Json(list(&node.ledger.late_entry_views(page.from.unwrap_or(0), limit)?)))).await
}

async fn public_batch(State(node): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = parse_batch(&id)?;
    if let Some(hit) = scan_hit(&node, id, false) {
        return Ok(hit);
    }
    blocking(move || {
        let cached = scan_cached(&node, id, false)?;
        Ok(([(header::CONTENT_TYPE, "application/json")], cached.json).into_response())
    })
    .await
}

/// The public summary of `id` (and, when `html`, its rendered page) from the scan cache, building and
/// keeping them on a miss.
fn scan_cached(node: &Node, id: BatchId, html: bool) -> Result<crate::cache::Cached, ApiError> {
    let now = trace_core::Time::now();
    if let Some(c) = node.scans.get(&node.ledger, id, node.ledger.size(), now) {
        if c.html.is_some() || !html {
            return Ok(c);
        }
    }
    let state = node.ledger.batch(id)?.ok_or_else(|| ApiError::NotFound(format!("batch {id} not found")))?;
    let summary = node.ledger.summary_at(id, now)?;
    let json = serde_json::to_vec(&Summary::from(&summary)).map_err(ApiError::internal)?;
    let page = if html {
        let cp = match node.checkpoints.covering(&node.ledger, &node.metrics, summary.tree_size) {
            Ok(c) => {
                scan::CoveringCheckpoint { size: c.size, root_hex: hex::encode(c.root), note: Some(c.note.clone()) }
            }
            Err(_) => {
                let head = node.ledger.head();
                scan::CoveringCheckpoint { size: head.size, root_hex: hex::encode(head.root), note: None }
            }
        };
        Some(Bytes::from(scan::render(&summary, &state, &cp)))
    } else {
        None
    };
    let covers = summary.lineage.iter().copied().collect();
    let cached = crate::cache::Cached {
        tree_size: summary.tree_size,
        until: crate::cache::valid_until(&summary),
        json: Bytes::from(json),
        html: page,
        covers: Arc::new(covers),
        records: Arc::new(summary.records.iter().map(|(_, r)| *r).collect()),
    };
    node.scans.put(id, cached.clone());
    Ok(cached)
}

/// Whether the client prefers HTML (a browser) over JSON.
fn wants_html(headers: &HeaderMap) -> bool {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    match (accept.find("text/html"), accept.find("application/json")) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(h), Some(j)) => h < j,
    }
}

/// Answers a scan for `id` (or a not-found page), as HTML or JSON by content negotiation.
fn scan_answer(
    node: &Node,
    headers: &HeaderMap,
    id: Option<BatchId>,
    what: &str,
    input: &str,
) -> Result<Response, ApiError> {
    let html = wants_html(headers);
    let state = match id {
        Some(id) => node.ledger.batch(id)?,
        None => None,
    };
    if state.is_none() {
        if html {
            let page = scan::not_found(what, input, "");
            return Ok((StatusCode::NOT_FOUND, Html(page)).into_response());
        }
        return Err(ApiError::NotFound(format!("{what} {input} not found")));
    }
    let Some(id) = id else { unreachable!("a state was found, so an id was given") };
    let cached = scan_cached(node, id, html)?;
    match cached.html {
        Some(page) if html => Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()),
        _ => Ok(([(header::CONTENT_TYPE, "application/json")], cached.json).into_response()),
    }
}

/// The answer straight from the scan cache when it was built at the current log size: no store read, so no
/// trip to the blocking pool. Anything else (a miss, or an answer to carry forward) goes the slow way.
fn scan_hit(node: &Node, id: BatchId, html: bool) -> Option<Response> {
    let c = node.scans.current(id, node.ledger.size(), trace_core::Time::now())?;
    match (html, c.html) {
        (true, Some(page)) => Some(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()),
        (false, _) => Some(([(header::CONTENT_TYPE, "application/json")], c.json).into_response()),
        (true, None) => None,
    }
}

async fn scan_batch(
    State(node): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(hit) = id.parse::<BatchId>().ok().and_then(|b| scan_hit(&node, b, wants_html(&headers))) {
        return Ok(hit);
    }
    blocking(move || {
        let parsed = id.parse::<BatchId>().ok();
        scan_answer(&node, &headers, parsed, "批次 batch", &id)
    })
    .await
}

async fn scan_digital_link(
    State(node): State<AppState>,
    Path((gtin, lot)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    blocking(move || {
        let input = format!("GTIN {gtin} lot {lot}");
        let id = match (gtin.parse::<Gtin>(), lot.parse::<Lot>()) {
            (Ok(g), Ok(l)) => node.ledger.batch_by_gtin_lot(&g, &l)?,
            _ => None,
        };
        scan_answer(&node, &headers, id, "商品批次 product lot", &input)
    })
    .await
}

async fn scan_digital_link_qualified(
    State(node): State<AppState>,
    Path((gtin, lot, _rest)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    scan_digital_link(State(node), Path((gtin, lot)), headers).await
}

async fn scan_vet_drug(
    State(node): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    blocking(move || {
        let id = match code.parse::<VetDrugCode>() {
            Ok(c) => node.ledger.lot_by_vet_drug_code(&c)?,
            Err(_) => None,
        };
        scan_answer(&node, &headers, id, "兽药追溯码 vet-drug code", &code)
    })
    .await
}

#[derive(Debug, Deserialize)]
struct Find {
    code: Option<String>,
}

/// The landing page's look-up form: redirects to the page for whatever was typed.
async fn find(Query(f): Query<Find>) -> Response {
    let code = f.code.unwrap_or_default();
    let t: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let target =
        if t.len() == 24 && t.bytes().all(|b| b.is_ascii_digit()) { format!("/vd/{t}") } else { format!("/b/{}", t) };
    let target: String = target.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '/' || *c == '-').collect();
    (StatusCode::SEE_OTHER, [(header::LOCATION, target)]).into_response()
}
