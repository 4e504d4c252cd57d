//! A blocking HTTP client for a trace node, signing requests with the caller's key (see `docs/api.md`).

use anyhow::{Context, anyhow, bail};
use trace_core::{SecretKey, Time};
use trace_node::wire::ErrorResponse;

/// An error answer from the node: status, stable code, message.
#[derive(Debug, Clone)]
pub struct NodeError {
    /// HTTP status.
    pub status: u16,
    /// Stable code.
    pub code: String,
    /// Message.
    pub message: String,
    /// A refusal's facts, as the node answered them.
    pub facts: Option<serde_json::Value>,
}

impl std::fmt::Display for NodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for NodeError {}

/// A POST that got no answer from the node. `sent` says whether the request may have reached it: false when
/// the node could not be reached at all (name not found, connection refused), so nothing was sent and a retry
/// is safe; true when the connection was made and then failed before a whole answer came, so the node may
/// have acted on it.
#[derive(Debug, Clone)]
pub struct NoAnswer {
    /// The node's base URL.
    pub base: String,
    /// Whether the request may have reached the node.
    pub sent: bool,
    /// What went wrong, as the HTTP library put it.
    pub cause: String,
}

impl std::fmt::Display for NoAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.sent {
            write!(f, "the request went out to {} but no answer came back: {}", self.base, self.cause)
        } else {
            write!(
                f,
                "could not reach {}: {} (nothing was sent: running the command again is safe)",
                self.base, self.cause
            )
        }
    }
}

impl std::error::Error for NoAnswer {}

/// Whether a failed call may have delivered its request: only a failure to resolve or to connect proves it
/// did not. Anything later (a reset, an early close, a timeout after connecting) leaves the outcome unknown.
fn may_have_been_sent(e: &ureq::Error) -> bool {
    use std::io::ErrorKind;
    match e {
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::BadUri(_)
        | ureq::Error::Http(_)
        | ureq::Error::InvalidProxyUrl
        | ureq::Error::RequireHttpsOnly(_)
        | ureq::Error::Tls(_)
        | ureq::Error::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect) => false,
        ureq::Error::Io(io) => !matches!(
            io.kind(),
            ErrorKind::ConnectionRefused
                | ErrorKind::AddrNotAvailable
                | ErrorKind::NetworkUnreachable
                | ErrorKind::HostUnreachable
                | ErrorKind::NotFound
        ),
        _ => true,
    }
}

/// A node at a base URL.
#[derive(Debug, Clone)]
pub struct Client {
    base: String,
    key: Option<SecretKey>,
    agent: ureq::Agent,
}

impl Client {
    /// A client for the node at `base` (e.g. `http://127.0.0.1:8080`), signing with `key` when given.
    pub fn new(base: &str, key: Option<SecretKey>) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(120)))
            .build()
            .into();
        Client { base: base.trim_end_matches('/').to_owned(), key, agent }
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn headers(&self, method: &str, path: &str, body: &[u8]) -> Vec<(String, String)> {
        match &self.key {
            Some(k) => trace_node::auth::sign_request(k, method, path, body, Time::now()).to_vec(),
            None => Vec::new(),
        }
    }

    /// GETs `path` and returns the body text, or the node's error.
    pub fn get_text(&self, path: &str, accept: &str) -> anyhow::Result<String> {
        let mut req = self.agent.get(format!("{}{path}", self.base)).header("accept", accept);
        for (h, v) in self.headers("GET", path, &[]) {
            req = req.header(h, v);
        }
        let resp = req.call().with_context(|| format!("connecting to {}", self.base))?;
        self.finish(resp)
    }

    /// GETs `path` as JSON.
    pub fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        let text = self.get_text(path, "application/json")?;
        serde_json::from_str(&text).with_context(|| format!("reading the node's answer to {path}"))
    }

    /// POSTs a JSON body, signed afresh for this attempt, and decodes the JSON answer. A call that got no
    /// answer fails with [`NoAnswer`], saying whether the request may have reached the node.
    pub fn post<T: serde::de::DeserializeOwned>(&self, path: &str, body: &impl serde::Serialize) -> anyhow::Result<T> {
        let bytes = serde_json::to_vec(body)?;
        let mut req = self.agent.post(format!("{}{path}", self.base)).header("content-type", "application/json");
        for (h, v) in self.headers("POST", path, &bytes) {
            req = req.header(h, v);
        }
        let no_answer = |sent: bool, cause: String| anyhow!(NoAnswer { base: self.base.clone(), sent, cause });
        let resp = req.send(&bytes[..]).map_err(|e| no_answer(may_have_been_sent(&e), e.to_string()))?;
        let text = match self.finish(resp) {
            Ok(text) => text,
            // The status line came, but the rest of the answer did not: the node may have acted.
            Err(e) if e.downcast_ref::<NodeError>().is_none() && e.chain().any(|c| c.is::<ureq::Error>()) => {
                return Err(no_answer(true, format!("{e:#}")));
            }
            Err(e) => return Err(e),
        };
        serde_json::from_str(&text).with_context(|| format!("reading the node's answer to {path}"))
    }

    /// GETs `path` as a stream, without the usual time limit (an audit bundle of a large log takes a while).
    /// Returns the tree size the node announces in `X-Trace-Tree-Size` (0 when absent) and the body.
    pub fn get_stream(&self, path: &str) -> anyhow::Result<(u64, Box<dyn std::io::Read + Send>)> {
        let mut req = self.agent.get(format!("{}{path}", self.base)).config().timeout_global(None).build();
        for (h, v) in self.headers("GET", path, &[]) {
            req = req.header(h, v);
        }
        let resp = req.call().with_context(|| format!("connecting to {}", self.base))?;
        if !resp.status().is_success() {
            return Err(self.finish(resp).err().unwrap_or_else(|| anyhow!("unexpected answer to {path}")));
        }
        let size = resp
            .headers()
            .get("x-trace-tree-size")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        Ok((size, Box::new(resp.into_body().into_reader())))
    }

    fn finish(&self, mut resp: ureq::http::Response<ureq::Body>) -> anyhow::Result<String> {
        let status = resp.status().as_u16();
        let text =
            resp.body_mut().with_config().limit(1 << 30).read_to_string().context("reading the node's answer")?;
        if (200..300).contains(&status) {
            return Ok(text);
        }
        match serde_json::from_str::<ErrorResponse>(&text) {
            Ok(e) => {
                Err(anyhow!(NodeError { status, code: e.error.code, message: e.error.message, facts: e.error.facts }))
            }
            Err(_) => bail!("node answered {status}: {}", text.chars().take(200).collect::<String>()),
        }
    }
}
