//! Signed requests. Everything but the public routes needs a request signed by an admitted actor's key:
//!
//! ```text
//! X-Trace-Key:       <author public key, 64 hex digits>
//! X-Trace-Time:      <unix milliseconds>
//! X-Trace-Signature: <Ed25519 over encoding::request_signed_bytes(method, path and query, time, body), hex>
//! ```
//!
//! The time must be within [`WINDOW_MS`] of the node's clock, and each signature is accepted once: a replay
//! within the window is refused. The guard never forgets a signature inside its window: when a key has
//! [`REPLAY_PER_KEY`] signatures in flight, or the node [`REPLAY_TOTAL`], new requests are refused with 429
//! instead. The guard lives in memory, so a request timed before the node process started is refused: no
//! signature seen by an earlier process can be replayed after a restart. See `docs/api.md`.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Mutex;

use axum::http::HeaderMap;
use trace_core::{Actor, PublicKey, Role, SecretKey, Signature, Time, encoding};

use crate::error::{ApiError, AuthFailure};

/// Header naming the signing key.
pub const KEY_HEADER: &str = "x-trace-key";
/// Header with the request time.
pub const TIME_HEADER: &str = "x-trace-time";
/// Header with the signature.
pub const SIGNATURE_HEADER: &str = "x-trace-signature";

/// How far a request's time may be from the node's clock, either way.
pub const WINDOW_MS: u64 = 5 * 60 * 1000;

/// Most unexpired signatures remembered for one key. When reached, that key's new requests are refused with
/// 429 `too-many-requests` until some expire; a remembered signature is never forgotten early.
pub const REPLAY_PER_KEY: usize = 20_000;

/// Most unexpired signatures remembered in all. When reached, every new request is refused with 429.
pub const REPLAY_TOTAL: usize = 200_000;

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

/// Remembers accepted request signatures until their window has passed, and the time the node started.
#[derive(Debug)]
pub struct ReplayGuard {
    started: u64,
    per_key: usize,
    total: usize,
    inner: Mutex<ReplayInner>,
}

#[derive(Debug, Default)]
struct ReplayInner {
    seen: HashSet<[u8; 64]>,
    /// (expires, signature, key), in expiry order.
    expiry: BTreeSet<(u64, [u8; 64], [u8; 32])>,
    per_key: HashMap<[u8; 32], usize>,
}

/// Why a signature was not recorded.
enum Refusal {
    Replayed,
    KeyFull,
    Full,
}

impl Default for ReplayGuard {
    fn default() -> ReplayGuard {
        ReplayGuard::with_bounds(REPLAY_PER_KEY, REPLAY_TOTAL)
    }
}

impl ReplayGuard {
    /// A guard started now, remembering at most `per_key` unexpired signatures of one key and `total` in all.
    pub fn with_bounds(per_key: usize, total: usize) -> ReplayGuard {
        ReplayGuard { started: Time::now().0, per_key, total, inner: Mutex::new(ReplayInner::default()) }
    }

    /// When this guard (the node process) started, unix milliseconds.
    pub fn started(&self) -> u64 {
        self.started
    }

    /// Records `sig` by `key` (valid until `expires`), or says why not. Only expired signatures are dropped.
    fn first_use(&self, key: &PublicKey, sig: &Signature, now: u64, expires: u64) -> Result<(), Refusal> {
        let mut g = match self.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        while let Some(&(exp, s, k)) = g.expiry.first() {
            if exp > now {
                break;
            }
            g.expiry.pop_first();
            g.seen.remove(&s);
            if let Some(n) = g.per_key.get_mut(&k) {
                *n -= 1;
                if *n == 0 {
                    g.per_key.remove(&k);
                }
            }
        }
        if g.seen.contains(&sig.0) {
            return Err(Refusal::Replayed);
        }
        if g.per_key.get(key.as_bytes()).copied().unwrap_or(0) >= self.per_key {
            return Err(Refusal::KeyFull);
        }
        if g.seen.len() >= self.total {
            return Err(Refusal::Full);
        }
        g.seen.insert(sig.0);
        g.expiry.insert((expires, sig.0, *key.as_bytes()));
        *g.per_key.entry(*key.as_bytes()).or_insert(0) += 1;
        Ok(())
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Result<&'h str, ApiError> {
    headers
        .get(name)
        .ok_or_else(|| {
            unauthorized(
                AuthFailure::Unauthenticated,
                format!("this route needs a signed request: missing {name} (see docs/api.md)"),
            )
        })?
        .to_str()
        .map_err(|_| unauthorized(AuthFailure::BadRequestSignature, format!("{name} is not ASCII")))
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
        .map_err(|e| unauthorized(AuthFailure::BadRequestSignature, format!("{KEY_HEADER}: {e}")))?;
    let time: u64 = header(headers, TIME_HEADER)?.parse().map_err(|_| {
        unauthorized(AuthFailure::BadRequestSignature, format!("{TIME_HEADER} must be unix milliseconds"))
    })?;
    let sig: Signature = header(headers, SIGNATURE_HEADER)?
        .parse()
        .map_err(|e| unauthorized(AuthFailure::BadRequestSignature, format!("{SIGNATURE_HEADER}: {e}")))?;
    let now = Time::now().0;
    if time.abs_diff(now) > WINDOW_MS {
        return Err(unauthorized(
            AuthFailure::RequestExpired,
            format!("request time {time} is more than 5 minutes from the node's clock {now}; check your clock"),
        ));
    }
    if time < replay.started {
        return Err(unauthorized(
            AuthFailure::RequestBeforeStart,
            format!(
                "request time {time} is before the node started ({}); a restarted node cannot tell a replay, so \
                 sign the request afresh",
                replay.started
            ),
        ));
    }
    key.verify_strict(&encoding::request_signed_bytes(method, path_and_query, time, body), &sig)
        .map_err(|_| unauthorized(AuthFailure::BadRequestSignature, "request signature does not verify"))?;
    let actor = ledger
        .actor(&key)
        .map_err(ApiError::from)?
        .ok_or_else(|| ApiError::Forbidden(format!("key {} is not an admitted actor of this ledger", key.short())))?;
    if !actor.active() {
        return Err(ApiError::Forbidden(format!("key of {} is revoked", actor.name)));
    }
    if !roles.is_empty() && !roles.iter().any(|r| actor.has(*r)) {
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        return Err(ApiError::Forbidden(format!("this route needs one of the roles [{}]", names.join(", "))));
    }
    match replay.first_use(&key, &sig, now, time + WINDOW_MS) {
        Ok(()) => {}
        Err(Refusal::Replayed) => {
            return Err(unauthorized(
                AuthFailure::ReplayedRequest,
                "this request signature was already used; sign each request afresh",
            ));
        }
        Err(Refusal::KeyFull) => {
            return Err(ApiError::TooManyRequests(format!(
                "key {} has too many requests in the last 5 minutes; retry later",
                key.short()
            )));
        }
        Err(Refusal::Full) => {
            return Err(ApiError::TooManyRequests(
                "the node has too many signed requests in the last 5 minutes; retry later".into(),
            ));
        }
    }
    Ok(actor)
}

fn unauthorized(why: AuthFailure, message: impl Into<String>) -> ApiError {
    ApiError::Unauthorized { why, message: message.into() }
}
