//! The log's endpoints: the signed checkpoint and the log key, witness cosignatures, inclusion and
//! consistency proofs, per-batch proof files, entries, C2SP tiles, and the streamed audit bundle.
//!
//! The node keeps its latest signed checkpoint in [`Checkpoints`]: it is re-signed after every append that
//! changed the size and by a periodic task ([`CHECKPOINT_INTERVAL`], spawned by [`crate::serve`]), so reading
//! it never signs. Proofs, tiles and bundles are served against that checkpoint, so what a client gets always
//! matches a note the log signed.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use trace_core::merkle::{Hash, NodeSource};
use trace_core::{
    BatchId, Checkpoint, Ledger, Note, NoteKeyType, NoteSignature, NoteSigner, RecordId, Role, SecretKey,
    SignedCheckpoint, Tile, TileKind, VerifierKey, encoding,
};

use crate::api::{AppState, Node, blocking, body_bytes, require};
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::wire::{
    BatchProofs, ConsistencyProof, CosignatureAccepted, CosignatureSubmit, EntriesResponse, EntryLeaf, InclusionProof,
};

/// How often the periodic task re-signs the checkpoint when the log has grown outside the API.
pub const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(2);

/// Most entries one `/v1/entries` call returns.
pub const MAX_ENTRIES_PER_CALL: usize = 1000;

/// Most checkpoint sizes whose witness cosignatures are kept.
const COSIGNED_KEPT: usize = 16;

/// Bytes of audit bundle sent per chunk while streaming.
const EXPORT_CHUNK: usize = 64 * 1024;

/// A checkpoint the node signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHead {
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root: Hash,
    /// The signed note, exactly as served.
    pub note: String,
}

/// The node's latest signed checkpoint, and the checkpoints witnesses have cosigned.
#[derive(Debug)]
pub struct Checkpoints {
    signer: Result<NoteSigner, String>,
    latest: RwLock<Option<Arc<SignedHead>>>,
    /// Held while signing, so concurrent refreshes sign once.
    signing: Mutex<()>,
    /// The notes this node signed lately, by size: a cosignature is only attached to one of these, and only
    /// when the note it was made over is byte-identical.
    signed: Mutex<BTreeMap<u64, Arc<SignedHead>>>,
    cosigned: Mutex<BTreeMap<u64, Note>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

impl Checkpoints {
    /// Checkpoints signed by `log_key` under the key name `name`. An invalid name is reported by every call
    /// that needs a signature, not here, so that a node with a bad `ledger.json` still serves everything else.
    pub fn new(log_key: &SecretKey, name: &str) -> Checkpoints {
        Checkpoints {
            signer: NoteSigner::new(name, log_key.clone()).map_err(|e| format!("log key name {name:?}: {e}")),
            latest: RwLock::new(None),
            signing: Mutex::new(()),
            signed: Mutex::new(BTreeMap::new()),
            cosigned: Mutex::new(BTreeMap::new()),
        }
    }

    /// The log's verifier key (`name+hex(keyID)+base64(0x01‖key)`).
    pub fn verifier_key(&self) -> Result<&VerifierKey, ApiError> {
        self.signer.as_ref().map(NoteSigner::verifier_key).map_err(ApiError::internal)
    }

    /// The latest signed checkpoint, if one was signed.
    pub fn latest(&self) -> Option<Arc<SignedHead>> {
        match self.latest.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Signs a checkpoint of the ledger's current size, unless the latest one already has that size.
    pub fn refresh(&self, ledger: &Ledger, metrics: &Metrics) -> Result<Arc<SignedHead>, ApiError> {
        let _signing = lock(&self.signing);
        let size = ledger.size();
        if let Some(l) = self.latest().filter(|l| l.size == size) {
            return Ok(l);
        }
        let signer = self.signer.as_ref().map_err(ApiError::internal)?;
        // The node's own checkpoint: core classes a bad checkpoint as the caller's fault, but here there is no
        // caller to blame, so any failure (storage, or an origin core cannot put in a note) is internal.
        let cp = Checkpoint::of_ledger(ledger, size).map_err(ApiError::internal)?;
        let head = Arc::new(SignedHead { size, root: *cp.root(), note: cp.sign(signer).to_string() });
        match self.latest.write() {
            Ok(mut g) => *g = Some(head.clone()),
            Err(p) => *p.into_inner() = Some(head.clone()),
        }
        {
            let mut signed = lock(&self.signed);
            signed.insert(size, head.clone());
            while signed.len() > COSIGNED_KEPT {
                signed.pop_first();
            }
        }
        metrics.checkpoint();
        Ok(head)
    }

    /// A signed checkpoint of at least `size` entries: the latest, or a fresh one when the latest is older
    /// (an append the node has not signed yet).
    pub fn covering(&self, ledger: &Ledger, metrics: &Metrics, size: u64) -> Result<Arc<SignedHead>, ApiError> {
        match self.latest() {
            Some(l) if l.size >= size => Ok(l),
            _ => self.refresh(ledger, metrics),
        }
    }

    /// Adds a witness's cosignature line to a checkpoint this log signed, after checking that the note is
    /// signed by the log key, describes this ledger, is byte-identical to a note this node signed lately (so
    /// the line is attached to the very text it was made over), and that the line verifies under `witness`.
    /// Returns the checkpoint's size and how many witness cosignatures it now carries.
    pub fn add_cosignature(
        &self,
        ledger: &Ledger,
        note: &str,
        witness: &VerifierKey,
        line: &str,
    ) -> Result<(u64, usize), ApiError> {
        let log_key = self.verifier_key()?;
        if witness.key_type() != NoteKeyType::CosignatureV1 {
            return Err(ApiError::InvalidValue(format!("{witness} is not a cosignature/v1 key")));
        }
        let signed = SignedCheckpoint::open(note.as_bytes(), log_key)
            .map_err(|e| ApiError::BadCheckpoint(format!("not a checkpoint signed by this log: {e}")))?;
        let cp = signed.checkpoint();
        let ours = cp.origin() == ledger.origin().as_str()
            && cp.size() <= ledger.size()
            && ledger.root_at(cp.size()).map(|r| &r == cp.root()).unwrap_or(false);
        if !ours {
            return Err(ApiError::UnknownCheckpoint(format!(
                "the checkpoint of size {} is not this ledger's tree",
                cp.size()
            )));
        }
        let bad = ApiError::BadCosignature;
        let sig = NoteSignature::parse_line(line).map_err(|e| bad(format!("cosignature line: {e}")))?;
        if sig.name() != witness.name() || sig.key_id() != witness.key_id() {
            return Err(bad(format!("the cosignature line is not by {witness}")));
        }
        witness
            .verify(signed.note().text(), sig.signature())
            .map_err(|e| bad(format!("the cosignature does not verify: {e}")))?;
        // The cosignature is served on the node's own note: only accept it over exactly that note, or a witness
        // line made over other text (other signature lines, extension lines) would be served where it does not
        // verify.
        let head = lock(&self.signed).get(&cp.size()).cloned().ok_or_else(|| {
            ApiError::UnknownCheckpoint(format!(
                "this node has not signed a checkpoint of size {} lately; cosign the current one",
                cp.size()
            ))
        })?;
        if head.note != note {
            return Err(ApiError::CheckpointMismatch(format!(
                "the note is not byte-identical to the checkpoint of size {} this node signed; cosign the note \
                     exactly as GET /v1/checkpoint serves it",
                cp.size()
            )));
        }
        let fresh = Note::parse(head.note.as_bytes()).map_err(ApiError::internal)?;
        let mut cosigned = lock(&self.cosigned);
        let entry = cosigned.entry(cp.size()).or_insert(fresh);
        entry.add_signature(sig);
        let witnesses = entry.signatures().len().saturating_sub(1);
        while cosigned.len() > COSIGNED_KEPT {
            cosigned.pop_first();
        }
        Ok((cp.size(), witnesses))
    }

    /// The largest checkpoint that carries witness cosignatures, as a signed note.
    pub fn witnessed(&self) -> Option<String> {
        lock(&self.cosigned).last_key_value().map(|(_, n)| n.to_string())
    }
}

impl Node {
    /// Re-signs the checkpoint if the log grew; failures are logged, not returned (the append they follow
    /// has succeeded, and the periodic task tries again).
    pub fn refresh_checkpoint(&self) {
        if let Err(e) = self.checkpoints.refresh(&self.ledger, &self.metrics) {
            tracing::error!(error = %e, "signing the checkpoint failed");
        }
    }

    fn current(&self) -> Result<Arc<SignedHead>, ApiError> {
        match self.checkpoints.latest() {
            Some(l) => Ok(l),
            None => self.checkpoints.refresh(&self.ledger, &self.metrics),
        }
    }
}

/// The log routes, merged into the router by [`crate::app`].
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/checkpoint", get(checkpoint))
        .route("/v1/checkpoint/witnessed", get(witnessed))
        .route("/v1/checkpoint/cosignatures", post(cosign))
        .route("/v1/log-key", get(log_key))
        .route("/v1/proof/inclusion", get(inclusion))
        .route("/v1/proof/consistency", get(consistency))
        .route("/v1/public/batches/{id}/proofs", get(batch_proofs))
        .route("/v1/entries", get(entries))
        .route("/v1/export/bundle", get(export_bundle))
        .route("/tile/{*path}", get(tile))
}

fn text(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}

async fn checkpoint(State(node): State<AppState>) -> Result<Response, ApiError> {
    Ok(text(node.current()?.note.clone()))
}

async fn witnessed(State(node): State<AppState>) -> Result<Response, ApiError> {
    let note = node
        .checkpoints
        .witnessed()
        .ok_or_else(|| ApiError::NotFound("no witness has cosigned a checkpoint yet".into()))?;
    Ok(text(note))
}

async fn log_key(State(node): State<AppState>) -> Result<Response, ApiError> {
    Ok(text(format!("{}\n", node.checkpoints.verifier_key()?)))
}

async fn cosign(
    State(node): State<AppState>,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_bytes(body)?;
    require(&node, &headers, &method, &uri, &body, &[Role::Regulator])?;
    let refused = |e: ApiError| {
        node.metrics.refused(e.code());
        e
    };
    let req: CosignatureSubmit =
        serde_json::from_slice(&body).map_err(|e| refused(ApiError::BadJson(e.to_string())))?;
    let witness: VerifierKey =
        req.witness_key.parse().map_err(|e| refused(ApiError::InvalidValue(format!("witness_key: {e}"))))?;
    let n = node.clone();
    let (size, witnesses) =
        blocking(move || n.checkpoints.add_cosignature(&n.ledger, &req.note, &witness, &req.cosignature))
            .await
            .map_err(refused)?;
    Ok(axum::Json(CosignatureAccepted { tree_size: size, witnesses }).into_response())
}

type Params = Result<Query<HashMap<String, String>>, QueryRejection>;

/// Reads an optional decimal parameter.
fn param(q: &HashMap<String, String>, name: &str) -> Result<Option<u64>, ApiError> {
    match q.get(name) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| ApiError::InvalidValue(format!("{name}={v:?} is not a non-negative decimal number"))),
    }
}

fn params(p: Params) -> Result<HashMap<String, String>, ApiError> {
    p.map(|Query(q)| q).map_err(|e| ApiError::InvalidValue(e.body_text()))
}

/// A tree size a proof may be asked for: at most the log's size.
fn check_size(ledger: &Ledger, size: u64) -> Result<(), ApiError> {
    if size > ledger.size() {
        return Err(ApiError::NotFound(format!("tree size {size}; the log has {} entries", ledger.size())));
    }
    Ok(())
}

fn b64(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(|h| encoding::base64_encode(h)).collect()
}

async fn inclusion(State(node): State<AppState>, q: Params) -> Result<Response, ApiError> {
    let q = params(q)?;
    blocking(move || {
        let size = match param(&q, "size")? {
            Some(s) => s,
            None => node.current()?.size,
        };
        check_size(&node.ledger, size)?;
        let (index, id) = match (param(&q, "index")?, q.get("id")) {
            (Some(i), None) => (i, None),
            (None, Some(id)) => {
                let id: RecordId =
                    id.parse().map_err(|e: trace_core::ParseError| ApiError::InvalidValue(format!("id: {e}")))?;
                let i = node.ledger.index_of(&id)?.ok_or_else(|| ApiError::NotFound(format!("record {id}")))?;
                (i, Some(id))
            }
            _ => return Err(ApiError::InvalidValue("give exactly one of index= and id=".into())),
        };
        if index >= size {
            return Err(ApiError::InvalidValue(format!("entry {index} is not in a tree of size {size}")));
        }
        let proof = node.ledger.inclusion_proof(index, size)?;
        let leaf_hash = node.ledger.nodes().node(0, index)?;
        Ok(axum::Json(InclusionProof {
            index,
            id,
            tree_size: size,
            leaf_hash: encoding::base64_encode(&leaf_hash),
            proof: b64(&proof),
        })
        .into_response())
    })
    .await
}

async fn consistency(State(node): State<AppState>, q: Params) -> Result<Response, ApiError> {
    let q = params(q)?;
    blocking(move || {
        let old = param(&q, "old")?.ok_or_else(|| ApiError::InvalidValue("old= is required".into()))?;
        let new = match param(&q, "new")? {
            Some(n) => n,
            None => node.current()?.size,
        };
        if old > new {
            return Err(ApiError::InvalidValue(format!("old={old} is larger than new={new}")));
        }
        check_size(&node.ledger, new)?;
        let proof = node.ledger.consistency_proof(old, new)?;
        Ok(axum::Json(ConsistencyProof { old, new, proof: b64(&proof) }).into_response())
    })
    .await
}

async fn batch_proofs(State(node): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id: BatchId = id.parse().map_err(|e: trace_core::ParseError| ApiError::InvalidValue(e.to_string()))?;
    blocking(move || {
        let summary = node.ledger.summary(id)?;
        // The records the summary shows, and those its warnings stand on (a lot's recall is not in the
        // batch's own history), each once, in log order.
        let mut indices: Vec<u64> = summary.records.iter().map(|(i, _)| *i).collect();
        for w in &summary.warnings {
            if let Some(i) = node.ledger.index_of(&w.record)? {
                indices.push(i);
            }
        }
        indices.sort_unstable();
        indices.dedup();
        let needed = indices.last().map_or(0, |i| i + 1);
        let head = node.checkpoints.covering(&node.ledger, &node.metrics, needed)?;
        let log_key = node.checkpoints.verifier_key()?;
        let mut proofs = Vec::with_capacity(indices.len());
        for i in indices {
            // A record with restricted fields is proven by its inclusion, not shown (`trace_core::privacy`).
            let entry = node.ledger.entry(i)?;
            let file = if trace_core::privacy::restricted_fields(&entry.record.body().event).is_empty() {
                trace_core::inclusion_proof_file(&node.ledger, i, &head.note, log_key)?
            } else {
                trace_core::withheld_proof_file(&node.ledger, i, &head.note, log_key)?
            };
            proofs.push(serde_json::from_str(&file).map_err(ApiError::internal)?);
        }
        Ok(axum::Json(BatchProofs {
            batch: id,
            checkpoint: head.note.clone(),
            log_key: log_key.to_string(),
            tree_size: head.size,
            proofs,
        })
        .into_response())
    })
    .await
}

/// Whole entries carry every record's restricted fields: regulators only (the read model, `docs/privacy.md`).
async fn entries(State(node): State<AppState>, q: Params, _: crate::api::Regulator) -> Result<Response, ApiError> {
    let q = params(q)?;
    let from = param(&q, "from")?.unwrap_or(0);
    let limit = param(&q, "limit")?.unwrap_or(MAX_ENTRIES_PER_CALL as u64).min(MAX_ENTRIES_PER_CALL as u64);
    blocking(move || {
        let size = node.ledger.size();
        let to = from.saturating_add(limit).min(size);
        let leaves = node.ledger.leaf_range(from, to, limit as usize)?;
        let entries = leaves
            .iter()
            .enumerate()
            .map(|(i, l)| EntryLeaf { index: from + i as u64, leaf_data: encoding::base64_encode(l) })
            .collect();
        Ok(axum::Json(EntriesResponse { from, entries, tree_size: size }).into_response())
    })
    .await
}

async fn tile(
    State(node): State<AppState>,
    Path(path): Path<String>,
    method: Method,
    uri: OriginalUri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let tile = Tile::parse(&format!("tile/{path}")).map_err(|e| ApiError::InvalidValue(e.to_string()))?;
    if tile.kind() == TileKind::Entries {
        // Entry bundles carry whole records: the same access as /v1/entries.
        require(&node, &headers, &method, &uri, &[], &[trace_core::Role::Regulator])?;
    }
    blocking(move || {
        let size = node.current()?.size;
        if !tile.is_within(size) {
            return Err(ApiError::NotFound(format!("{tile} is not within the checkpoint's tree of size {size}")));
        }
        let bytes = trace_core::read_tile(&node.ledger, &tile, size)?;
        // A full tile never changes; a partial one is replaced by a wider one as the log grows.
        let cache = if tile.is_partial() { "no-cache" } else { "public, max-age=31536000, immutable" };
        Ok(([(header::CONTENT_TYPE, "application/octet-stream"), (header::CACHE_CONTROL, cache)], bytes)
            .into_response())
    })
    .await
}

/// Sends what `write_bundle` writes to the response body in chunks, blocking while the client is slow.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Result<Bytes, io::Error>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(EXPORT_CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client closed the connection"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= EXPORT_CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// The receiving end of a [`ChannelWriter`], as a body stream.
struct ChunkStream(tokio::sync::mpsc::Receiver<Result<Bytes, io::Error>>);

impl futures_core::Stream for ChunkStream {
    type Item = Result<Bytes, io::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().0.poll_recv(cx)
    }
}

async fn export_bundle(State(node): State<AppState>, _: crate::api::Regulator) -> Result<Response, ApiError> {
    let n = node.clone();
    let head = blocking(move || n.current()).await?;
    let log_key = node.checkpoints.verifier_key()?.clone();
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let size = head.size;
    tokio::task::spawn_blocking(move || {
        let mut out = ChannelWriter { tx: tx.clone(), buf: Vec::with_capacity(EXPORT_CHUNK) };
        if let Err(e) = trace_core::write_bundle(&node.ledger, &head.note, &log_key, &mut out) {
            // The status line is gone already: ending the body with an error aborts the connection, so the
            // client sees a truncated bundle, which the verifier refuses, rather than a short valid-looking one.
            tracing::error!(error = %e, "streaming the audit bundle failed");
            let _ = tx.blocking_send(Err(io::Error::other(e.to_string())));
        }
    });
    let mut resp = Body::from_stream(ChunkStream(rx)).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-ndjson"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"trace-bundle-{size}.jsonl\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert("x-trace-tree-size", HeaderValue::from(size));
    Ok(resp)
}
