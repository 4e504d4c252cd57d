//! Exports for systems that already speak food traceability: the FSMA 204 sortable spreadsheet of a lot's key
//! data elements, and the EPCIS 2.0 JSON-LD document of a lot's events. Both need a regulator.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use trace_core::{BatchId, Ledger, Time};

use crate::api::{AppState, blocking};
use crate::error::ApiError;

/// The identifiers EPCIS documents use for this ledger's batches: `https://` and the ledger's origin, which
/// names the ledger whatever address a request came in on.
pub fn resolver_base(ledger: &Ledger) -> String {
    format!("https://{}", ledger.origin())
}

struct ExportQuery {
    lot: BatchId,
    from: Time,
    to: Time,
}

fn parse(q: Result<Query<HashMap<String, String>>, QueryRejection>) -> Result<ExportQuery, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::InvalidValue(e.body_text()))?;
    let lot = q.get("lot").ok_or_else(|| ApiError::InvalidValue("lot= is required".into()))?;
    let lot: BatchId = lot.parse().map_err(|e: trace_core::ParseError| ApiError::InvalidValue(e.to_string()))?;
    let time = |k: &str, default: Time| -> Result<Time, ApiError> {
        match q.get(k) {
            None => Ok(default),
            Some(v) => Time::parse_human(v).map_err(|e| ApiError::InvalidValue(format!("{k}: {e}"))),
        }
    };
    Ok(ExportQuery { lot, from: time("from", Time(0))?, to: time("to", Time(u64::MAX))? })
}

/// `GET /v1/export/fsma.csv?lot=&from=&to=`.
pub(crate) async fn fsma_csv(
    State(node): State<AppState>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
    _: crate::api::Regulator,
) -> Result<Response, ApiError> {
    let q = parse(q)?;
    let csv = blocking(move || {
        if node.ledger.batch(q.lot)?.is_none() {
            return Err(ApiError::NotFound(format!("batch {} not found", q.lot)));
        }
        Ok(trace_core::fsma::export_csv(&node.ledger, q.lot, q.from, q.to)?)
    })
    .await?;
    let mut resp = csv.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    Ok(resp)
}

/// `GET /v1/export/epcis?lot=`.
pub(crate) async fn epcis(
    State(node): State<AppState>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
    _: crate::api::Regulator,
) -> Result<Response, ApiError> {
    let q = parse(q)?;
    let doc = blocking(move || {
        let entries = node.ledger.lineage_entries(q.lot)?;
        let base = resolver_base(&node.ledger);
        Ok(trace_core::epcis::document(&node.ledger, &entries, &base, Time::now())?)
    })
    .await?;
    let mut resp = axum::Json(doc).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/ld+json"));
    Ok(resp)
}
