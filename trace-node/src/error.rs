//! [`ApiError`]: every error the node answers with, as `{"error":{"code":"…","message":"…"}}`.
//!
//! 4xx errors are the caller's fault and are logged at debug level; 5xx errors are logged in full and answered
//! with a generic message, so internals never leak to callers.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use trace_core::{Error, Rule};

/// An error answer: status, stable machine-readable code, human message.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code that scripts match on.
    pub code: String,
    /// For people.
    pub message: String,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError { status, code: code.to_owned(), message: message.into() }
    }

    /// 400 with a code.
    pub fn bad_request(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", message)
    }

    /// 401.
    pub fn unauthorized(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 403.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 500 with a generic message; the cause is logged, not sent.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "internal error");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error; the operator's log has details")
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({ "error": { "code": self.code, "message": self.message } })
    }
}

/// The HTTP status for a refusal rule.
pub fn rule_status(rule: Rule) -> StatusCode {
    match rule {
        Rule::Malformed | Rule::LimitExceeded | Rule::WrongOrigin | Rule::BadSignature | Rule::Genesis => {
            StatusCode::BAD_REQUEST
        }
        Rule::UnknownAuthor | Rule::RevokedAuthor | Rule::RoleNotPermitted | Rule::NotHolder => StatusCode::FORBIDDEN,
        Rule::StaleHead | Rule::BatchIdCollision => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        if let Some(rule) = e.rule() {
            let message = match &e {
                Error::Refused(r) => r.message.clone(),
                other => other.to_string(),
            };
            return ApiError::new(rule_status(rule), rule.code(), message);
        }
        match e {
            Error::NotFound(what) => ApiError::not_found(format!("{what} not found")),
            Error::Parse(p) => ApiError::bad_request("invalid-value", p.to_string()),
            Error::Verify(v) => ApiError::bad_request("verify-failed", v.to_string()),
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_client_error() {
            tracing::debug!(code = %self.code, message = %self.message, status = %self.status, "refused");
        }
        (self.status, axum::Json(self.body())).into_response()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.status.as_u16(), self.code, self.message)
    }
}

impl std::error::Error for ApiError {}
