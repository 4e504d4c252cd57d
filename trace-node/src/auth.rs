//! Signed requests. Everything but the public routes needs a request signed by an admitted actor's key:
//!
//! ```text
//! X-Trace-Key:       <author public key, 64 hex digits>
//! X-Trace-Time:      <unix milliseconds>
//! X-Trace-Signature: <Ed25519 over encoding::request_signed_bytes(method, path and query, time, body), hex>
//! ```
//!
//! The time must be within [`WINDOW_MS`] of the node's clock, and each signature is accepted once: a replay
//! within the window is refused. See `docs/api.md`.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use axum::http::HeaderMap;
use trace_core::{Actor, PublicKey, Role, SecretKey, Signature, Time, encoding};

use crate::error::ApiError;

/// Header naming the signing key.
pub const KEY_HEADER: &str = "x-trace-key";
/// Header with the request time.
pub const TIME_HEADER: &str = "x-trace-time";
/// Header with the signature.
pub const SIGNATURE_HEADER: &str = "x-trace-signature";

/// How far a request's time may be from the node's clock, either way.
pub const WINDOW_MS: u64 = 5 * 60 * 1000;

/// Most signatures remembered for replay detection. When full, the oldest are forgotten early, which only
/// narrows the replay window for them.
const REPLAY_CAPACITY: usize = 200_000;

/// The three headers for a signed request.
pub fn sign_request(
    key: &SecretKey,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    now: Time,
) -> [(String, String); 3] {
    let sig = key.sign(&encoding::request_signed_bytes(method, path_and_query, now.0, body));
    [
        (KEY_HEADER.to_owned(), key.public().to_string()),
        (TIME_HEADER.to_owned(), now.0.to_string()),
        (SIGNATURE_HEADER.to_owned(), sig.to_string()),
    ]
}

/// Remembers accepted request signatures until their window has passed.
#[derive(Debug, Default)]
pub struct ReplayGuard {
    inner: Mutex<ReplayInner>,
}

#[derive(Debug, Default)]
struct ReplayInner {
    seen: HashMap<[u8; 64], u64>,
    order: VecDeque<([u8; 64], u64)>,
}

impl ReplayGuard {
    /// Records `sig` (valid until `expires`), or says it was already used.
    fn first_use(&self, sig: &Signature, now: u64, expires: u64) -> bool {
        let mut g = match self.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        while let Some((s, exp)) = g.order.front().copied() {
            if exp > now && g.order.len() < REPLAY_CAPACITY {
                break;
            }
            g.order.pop_front();
            g.seen.remove(&s);
        }
        if g.seen.contains_key(&sig.0) {
            return false;
        }
        g.seen.insert(sig.0, expires);
        g.order.push_back((sig.0, expires));
        true
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Result<&'h str, ApiError> {
    headers
        .get(name)
        .ok_or_else(|| {
            ApiError::unauthorized(
                "unauthenticated",
                format!("this route needs a signed request: missing {name} (see docs/api.md)"),
            )
        })?
        .to_str()
        .map_err(|_| ApiError::unauthorized("bad-request-signature", format!("{name} is not ASCII")))
}

/// Checks a signed request and returns the admitted, unrevoked actor who signed it, which must hold one of
/// `roles` (any role when empty).
pub fn authenticate(
    ledger: &trace_core::Ledger,
    replay: &ReplayGuard,
    headers: &HeaderMap,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    roles: &[Role],
) -> Result<Actor, ApiError> {
    let key: PublicKey = header(headers, KEY_HEADER)?
        .parse()
        .map_err(|e| ApiError::unauthorized("bad-request-signature", format!("{KEY_HEADER}: {e}")))?;
    let time: u64 = header(headers, TIME_HEADER)?.parse().map_err(|_| {
        ApiError::unauthorized("bad-request-signature", format!("{TIME_HEADER} must be unix milliseconds"))
    })?;
    let sig: Signature = header(headers, SIGNATURE_HEADER)?
        .parse()
        .map_err(|e| ApiError::unauthorized("bad-request-signature", format!("{SIGNATURE_HEADER}: {e}")))?;
    let now = Time::now().0;
    if time.abs_diff(now) > WINDOW_MS {
        return Err(ApiError::unauthorized(
            "request-expired",
            format!("request time {time} is more than 5 minutes from the node's clock {now}; check your clock"),
        ));
    }
    key.verify_strict(&encoding::request_signed_bytes(method, path_and_query, time, body), &sig)
        .map_err(|_| ApiError::unauthorized("bad-request-signature", "request signature does not verify"))?;
    let actor = ledger
        .actor(&key)
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::forbidden(format!("key {} is not an admitted actor of this ledger", key.short())))?;
    if !actor.active() {
        return Err(ApiError::forbidden(format!("key of {} is revoked", actor.name)));
    }
    if !roles.is_empty() && !roles.iter().any(|r| actor.has(*r)) {
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        return Err(ApiError::forbidden(format!("this route needs one of the roles [{}]", names.join(", "))));
    }
    if !replay.first_use(&sig, now, time + WINDOW_MS) {
        return Err(ApiError::unauthorized(
            "replayed-request",
            "this request signature was already used; sign each request afresh",
        ));
    }
    Ok(actor)
}
