//! [`ApiError`]: every error the node answers with, as `{"error":{"code":"…","message":"…"}}`.
//!
//! Each variant has one stable code. Errors that come from `trace-core` keep core's code and take their status
//! from core's [`ErrorClass`] through [`class_status`], the one place a class becomes an HTTP status; the node's
//! own errors name their class too, except the few that only HTTP knows (413, 415, 405, 408, 429).
//!
//! Building an error logs nothing. Its response carries an [`ErrorCause`] extension, and the [`log_errors`]
//! middleware logs every error answer once: 5xx at error level with the cause, 4xx (the caller's fault) at debug.
//! A 5xx body is always the generic [`INTERNAL_MESSAGE`], so internals never leak to callers.

use std::fmt;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use trace_core::{Error, ErrorClass, Refusal};

use crate::wire::{ErrorBody, ErrorResponse};

/// The message of every 5xx answer; the cause is in the operator's log.
pub const INTERNAL_MESSAGE: &str = "internal error; the operator's log has details";

/// Why a signed request was not accepted as coming from its key (all 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthFailure {
    /// A signature header is missing.
    Unauthenticated,
    /// A header does not parse, or the signature does not verify.
    BadRequestSignature,
    /// The request time is more than 5 minutes from the node's clock.
    RequestExpired,
    /// The request time is before the node process started.
    RequestBeforeStart,
    /// The signature was already accepted once.
    ReplayedRequest,
}

impl AuthFailure {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            AuthFailure::Unauthenticated => "unauthenticated",
            AuthFailure::BadRequestSignature => "bad-request-signature",
            AuthFailure::RequestExpired => "request-expired",
            AuthFailure::RequestBeforeStart => "request-before-start",
            AuthFailure::ReplayedRequest => "replayed-request",
        }
    }
}

/// An error answer. The `String`s are messages for people; the code and status follow from the variant.
#[derive(Debug)]
#[non_exhaustive]
pub enum ApiError {
    /// A record breaks a ledger rule (from core, or `malformed` from the node's own reading of the wire form):
    /// the rule's code, and the status of its class.
    Refused(Refusal),
    /// Any other error from `trace-core`: core's code and the status of core's class; `internal` when core
    /// has no code for it.
    Core(Error),
    /// 400 `invalid-value`: a parameter or path segment that does not parse.
    InvalidValue(String),
    /// 400 `bad-json`: a body that is not the JSON the route takes.
    BadJson(String),
    /// 400 `bad-body`: the body could not be read.
    BadBody(String),
    /// 400 `bad-checkpoint`: a posted note that is not a checkpoint signed by this log.
    BadCheckpoint(String),
    /// 400 `bad-cosignature`: a cosignature line that is not by the witness key or does not verify.
    BadCosignature(String),
    /// 404 `not-found`.
    NotFound(String),
    /// 401, with the code of the failure.
    Unauthorized {
        /// What was wrong with the request signature.
        why: AuthFailure,
        /// For people.
        message: String,
    },
    /// 403 `forbidden`: the key is not admitted, is revoked, or lacks the route's role.
    Forbidden(String),
    /// 409 `unknown-checkpoint`: a checkpoint that is not this ledger's tree, or not one this node signed lately.
    UnknownCheckpoint(String),
    /// 409 `checkpoint-mismatch`: a note that is not byte-identical to the one this node signed at its size.
    CheckpointMismatch(String),
    /// 413 `payload-too-large`.
    PayloadTooLarge(String),
    /// 413 `too-many-records`: a bulk submission over the per-call limit.
    TooManyRecords {
        /// Records sent.
        sent: usize,
        /// The limit.
        max: usize,
    },
    /// 415 `unsupported-media-type`.
    UnsupportedMediaType(String),
    /// 405 `method-not-allowed`.
    MethodNotAllowed,
    /// 408 `request-timeout`.
    RequestTimeout(String),
    /// 429 `too-many-requests`: the replay guard is full for the key or the node.
    TooManyRequests(String),
    /// `bad-request`: the router or an extractor refused the request with a client-error status of its own
    /// (400 for a path segment or query string that does not decode).
    Rejected {
        /// The router's status.
        status: StatusCode,
        /// The router's message.
        message: String,
    },
    /// 500 `internal`: the cause goes to the operator's log, never to the caller.
    Internal(String),
}

/// The HTTP status of each class of error: the one table from core's classification to HTTP.
pub fn class_status(class: ErrorClass) -> StatusCode {
    match class {
        ErrorClass::Invalid => StatusCode::BAD_REQUEST,
        ErrorClass::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorClass::Forbidden => StatusCode::FORBIDDEN,
        ErrorClass::NotFound => StatusCode::NOT_FOUND,
        ErrorClass::Conflict => StatusCode::CONFLICT,
        ErrorClass::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
        // A class added to core is the node's own failure until it is given a status here.
        ErrorClass::Internal | _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ApiError {
    /// 500 with a generic message; the cause reaches the log through the router's `log_errors` middleware,
    /// not the caller.
    pub fn internal(cause: impl fmt::Display) -> ApiError {
        ApiError::Internal(cause.to_string())
    }

    /// The class of this error, for those that have one in core's terms (all but the HTTP-only ones).
    pub fn class(&self) -> Option<ErrorClass> {
        Some(match self {
            ApiError::Refused(r) => r.rule.class(),
            ApiError::Core(e) => e.class(),
            ApiError::InvalidValue(_)
            | ApiError::BadJson(_)
            | ApiError::BadBody(_)
            | ApiError::BadCheckpoint(_)
            | ApiError::BadCosignature(_) => ErrorClass::Invalid,
            ApiError::NotFound(_) => ErrorClass::NotFound,
            ApiError::Unauthorized { .. } => ErrorClass::Unauthorized,
            ApiError::Forbidden(_) => ErrorClass::Forbidden,
            ApiError::UnknownCheckpoint(_) | ApiError::CheckpointMismatch(_) => ErrorClass::Conflict,
            ApiError::Internal(_) => ErrorClass::Internal,
            ApiError::PayloadTooLarge(_)
            | ApiError::TooManyRecords { .. }
            | ApiError::UnsupportedMediaType(_)
            | ApiError::MethodNotAllowed
            | ApiError::RequestTimeout(_)
            | ApiError::TooManyRequests(_)
            | ApiError::Rejected { .. } => return None,
        })
    }

    /// The HTTP status: the class's, or the HTTP-only status of the variant.
    pub fn status(&self) -> StatusCode {
        if let Some(class) = self.class() {
            return class_status(class);
        }
        match self {
            ApiError::PayloadTooLarge(_) | ApiError::TooManyRecords { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Rejected { status, .. } => *status,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code that scripts match on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Refused(r) => r.rule.code(),
            ApiError::Core(e) => e.code().unwrap_or("internal"),
            ApiError::InvalidValue(_) => "invalid-value",
            ApiError::BadJson(_) => "bad-json",
            ApiError::BadBody(_) => "bad-body",
            ApiError::BadCheckpoint(_) => "bad-checkpoint",
            ApiError::BadCosignature(_) => "bad-cosignature",
            ApiError::NotFound(_) => "not-found",
            ApiError::Unauthorized { why, .. } => why.code(),
            ApiError::Forbidden(_) => "forbidden",
            ApiError::UnknownCheckpoint(_) => "unknown-checkpoint",
            ApiError::CheckpointMismatch(_) => "checkpoint-mismatch",
            ApiError::PayloadTooLarge(_) => "payload-too-large",
            ApiError::TooManyRecords { .. } => "too-many-records",
            ApiError::UnsupportedMediaType(_) => "unsupported-media-type",
            ApiError::MethodNotAllowed => "method-not-allowed",
            ApiError::RequestTimeout(_) => "request-timeout",
            ApiError::TooManyRequests(_) => "too-many-requests",
            ApiError::Rejected { .. } => "bad-request",
            ApiError::Internal(_) => "internal",
        }
    }

    /// The message the caller gets: generic for every 5xx, the error's own sentence otherwise.
    pub fn message(&self) -> String {
        if self.status().is_server_error() {
            return INTERNAL_MESSAGE.to_owned();
        }
        self.detail()
    }

    /// The full sentence, cause included: what the log gets.
    fn detail(&self) -> String {
        match self {
            ApiError::Refused(r) => r.facts.to_string(),
            ApiError::Core(e) => e.message(),
            ApiError::InvalidValue(m)
            | ApiError::BadJson(m)
            | ApiError::BadBody(m)
            | ApiError::BadCheckpoint(m)
            | ApiError::BadCosignature(m)
            | ApiError::NotFound(m)
            | ApiError::Unauthorized { message: m, .. }
            | ApiError::Forbidden(m)
            | ApiError::UnknownCheckpoint(m)
            | ApiError::CheckpointMismatch(m)
            | ApiError::PayloadTooLarge(m)
            | ApiError::UnsupportedMediaType(m)
            | ApiError::RequestTimeout(m)
            | ApiError::TooManyRequests(m)
            | ApiError::Rejected { message: m, .. }
            | ApiError::Internal(m) => m.clone(),
            ApiError::TooManyRecords { sent, max } => format!("{sent} records; at most {max} per call"),
            ApiError::MethodNotAllowed => "this route does not take that method; see /openapi.json".to_owned(),
        }
    }

    /// The `error` member of the answer (also one bulk result's error).
    pub fn body(&self) -> ErrorBody {
        ErrorBody { code: self.code().to_owned(), message: self.message(), facts: self.facts() }
    }

    /// A refusal's facts as JSON: for a record refused by a rule (or by the signature and origin checks).
    fn facts(&self) -> Option<serde_json::Value> {
        let facts = match self {
            ApiError::Refused(r) => Some(r.facts.clone()),
            ApiError::Core(e) => e.facts(),
            _ => None,
        }?;
        // Facts are plain data (strings, numbers, lists); serialising them cannot fail, and if it ever did the
        // answer would still carry its code and message.
        serde_json::to_value(facts).ok()
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        match e {
            Error::Refused(r) => ApiError::Refused(r),
            other => ApiError::Core(other),
        }
    }
}

/// The response extension an error answer carries for [`log_errors`]: its code and the full sentence, cause
/// included (which the body of a 5xx leaves out).
#[derive(Debug, Clone)]
pub(crate) struct ErrorCause {
    /// The stable code.
    code: &'static str,
    /// The full sentence.
    cause: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status(), axum::Json(ErrorResponse { error: self.body() })).into_response();
        resp.extensions_mut().insert(ErrorCause { code: self.code(), cause: self.detail() });
        resp
    }
}

/// Logs every error answer once, from its [`ErrorCause`]: 5xx at error level with the cause, 4xx at debug.
/// The router wraps every route and its own rejections in it.
pub(crate) async fn log_errors(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    if let Some(e) = resp.extensions().get::<ErrorCause>() {
        let status = resp.status().as_u16();
        if resp.status().is_server_error() {
            tracing::error!(status, code = e.code, cause = %e.cause, "internal error");
        } else {
            tracing::debug!(status, code = e.code, message = %e.cause, "refused");
        }
    }
    resp
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // As the CLI prints a node's answer (`code: message`); the log lines carry the status separately.
        write!(f, "{}: {}", self.code(), self.detail())
    }
}

impl std::error::Error for ApiError {
    /// The core error underneath, so that a caller holding an `ApiError` (the CLI's local views) still finds
    /// core's typed error in the chain.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ApiError::Core(e) => Some(e),
            ApiError::Refused(r) => Some(r),
            _ => None,
        }
    }
}
