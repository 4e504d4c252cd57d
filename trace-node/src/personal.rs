//! Personal values off the log (`docs/privacy.md`): a record's author deposits the value its commitment opens;
//! a regulator reads it with a reason, which the access log keeps; the authority (regulators' supervisors) reads
//! the access log. Erasure is the operator's (`trace-node erase`, `trace-node retention`).

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use trace_core::vault::{Vault, VaultError};
use trace_core::{RecordId, Role, Time};

use crate::api::{AppState, blocking, body_bytes, require};
use crate::error::ApiError;
use crate::wire::{AccessEntry, PersonalDeposit, PersonalValue};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/personal", post(deposit))
        .route("/v1/personal/access-log", get(access_log))
        .route("/v1/personal/{record}/{field}", get(read))
}

fn vault(node: &crate::api::Node) -> Result<&Vault, ApiError> {
    node.vault.as_ref().ok_or_else(|| ApiError::NotFound("this node keeps no personal data".into()))
}

fn vault_error(e: VaultError) -> ApiError {
    match e {
        VaultError::Store(e) => ApiError::from(e),
        e => ApiError::InvalidValue(e.to_string()),
    }
}

fn parse_record(s: &str) -> Result<RecordId, ApiError> {
    s.parse().map_err(|e: trace_core::ParseError| ApiError::InvalidValue(e.to_string()))
}

/// `POST /v1/personal`: the record's author deposits the value of one of its commitments.
async fn deposit(
    State(node): State<AppState>,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_bytes(body)?;
    let who = require(&node, &headers, &method, &uri, &body, &[])?;
    let d: PersonalDeposit =
        serde_json::from_slice(&body).map_err(|e| ApiError::BadJson(format!("a personal deposit: {e}")))?;
    blocking(move || {
        let record = parse_record(&d.record)?;
        let entry = node.ledger.record(&record)?.ok_or_else(|| ApiError::NotFound(format!("record {record}")))?;
        if !who.is_or_was(&entry.record.body().author) {
            return Err(ApiError::Forbidden(format!(
                "only the author of record {record} deposits its personal values"
            )));
        }
        let salt: [u8; 16] = hex::decode(&d.salt)
            .ok()
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| ApiError::InvalidValue("salt is not 32 hex digits".into()))?;
        vault(&node)?.deposit_for(&entry.record, &d.field, &salt, &d.value, Time::now()).map_err(vault_error)?;
        Ok((StatusCode::CREATED, Json(serde_json::json!({"record": record, "field": d.field}))).into_response())
    })
    .await
}

#[derive(serde::Deserialize)]
struct Reason {
    reason: Option<String>,
}

/// `GET /v1/personal/{record}/{field}?reason=…`: a regulator's read, logged first.
async fn read(
    State(node): State<AppState>,
    Path((record, field)): Path<(String, String)>,
    q: Result<Query<Reason>, QueryRejection>,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
) -> Result<Json<PersonalValue>, ApiError> {
    let who = require(&node, &headers, &method, &uri, &[], &[Role::Regulator])?;
    let Query(q) = q.map_err(|e| ApiError::InvalidValue(e.body_text()))?;
    let record = parse_record(&record)?;
    blocking(move || {
        let reason = q.reason.unwrap_or_default();
        let held =
            vault(&node)?.read(&record, &field, (&who.key, &who.name), &reason, Time::now()).map_err(vault_error)?;
        match held {
            Some(h) => Ok(Json(PersonalValue::of(record, &field, h))),
            None => Err(ApiError::NotFound(format!("no {field} of record {record} is kept"))),
        }
    })
    .await
}

/// `GET /v1/personal/access-log`: every read, for the authority.
async fn access_log(
    State(node): State<AppState>,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
) -> Result<Json<Vec<AccessEntry>>, ApiError> {
    require(&node, &headers, &method, &uri, &[], &[Role::Authority])?;
    blocking(move || {
        let log = vault(&node)?.access_log()?;
        Ok(Json(log.iter().map(AccessEntry::from).collect()))
    })
    .await
}
