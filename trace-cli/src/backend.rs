//! Where commands go: a node over HTTP (`--node URL`) or a local ledger (`--data DIR`, acting as the operator).
//! Both answer with the node's wire types, so every command reads the same shapes either way.

use anyhow::{Context, bail};
use trace_core::{BatchId, BatchState, DataDir, Direction, Error, Ledger, Origin, Record};
use trace_node::wire::{
    ActorView, BatchRow, BulkResponse, BulkResult, BulkSubmit, Health, LineageResponse, SubmitOk, WireRecord,
};

use crate::client::{Client, NodeError};

/// A node or a local ledger.
#[derive(Debug)]
pub enum Backend {
    /// A node.
    Remote(Box<Client>),
    /// A data directory opened directly.
    Local(Box<DataDir>),
}

impl Backend {
    /// The local ledger, when local.
    pub fn ledger(&self) -> Option<&Ledger> {
        match self {
            Backend::Local(d) => Some(&d.ledger),
            Backend::Remote(_) => None,
        }
    }

    /// The ledger's origin.
    pub fn origin(&self) -> anyhow::Result<Origin> {
        match self {
            Backend::Local(d) => Ok(d.config.origin.clone()),
            Backend::Remote(c) => {
                let h: Health = c.get("/healthz")?;
                h.origin.parse().context("the node's origin")
            }
        }
    }

    /// Appends one record.
    pub fn submit(&self, r: Record) -> anyhow::Result<SubmitOk> {
        match self {
            Backend::Local(d) => {
                let a = d.ledger.append(r)?;
                Ok(SubmitOk::from_appended(&a, d.ledger.size()))
            }
            Backend::Remote(c) => c.post("/v1/records", &WireRecord::from_record(&r)),
        }
    }

    /// Appends many records; one result each.
    pub fn submit_many(&self, records: Vec<Record>) -> anyhow::Result<Vec<Result<SubmitOk, NodeError>>> {
        match self {
            Backend::Local(d) => {
                let out = d.ledger.append_many(records)?;
                let size = d.ledger.size();
                Ok(out
                    .into_iter()
                    .map(|r| {
                        // The core error's own code and message, as a node's bulk answer gives them (and,
                        // like it, no HTTP status).
                        r.map(|a| SubmitOk::from_appended(&a, size)).map_err(|e| NodeError {
                            status: 0,
                            code: e.code().unwrap_or("internal").to_owned(),
                            message: e.message(),
                        })
                    })
                    .collect())
            }
            Backend::Remote(c) => {
                let mut out = Vec::with_capacity(records.len());
                for chunk in records.chunks(1024) {
                    let body = BulkSubmit { records: chunk.iter().map(WireRecord::encoded).collect() };
                    let resp: BulkResponse = c.post("/v1/records/bulk", &body)?;
                    for r in resp.results {
                        out.push(match r {
                            BulkResult::Ok(ok) => Ok(ok),
                            BulkResult::Err { error } => {
                                Err(NodeError { status: 0, code: error.code, message: error.message })
                            }
                        });
                    }
                }
                Ok(out)
            }
        }
    }

    /// A batch's state (for its head).
    pub fn batch_state(&self, id: BatchId) -> anyhow::Result<BatchState> {
        match self {
            Backend::Local(d) => match d.ledger.batch(id)? {
                Some(b) => Ok(b),
                None => Err(Error::NotFound(format!("batch {id}")).into()),
            },
            Backend::Remote(c) => {
                /// The part of `/v1/batches/{id}` a command acts on, read as its typed shape.
                #[derive(serde::Deserialize)]
                struct StateOnly {
                    state: BatchState,
                }
                let v: StateOnly = c.get(&format!("/v1/batches/{id}")).context("reading the batch state")?;
                Ok(v.state)
            }
        }
    }

    /// The full view of a batch, as JSON.
    pub fn batch_view(&self, id: BatchId) -> anyhow::Result<serde_json::Value> {
        match self {
            Backend::Local(d) => {
                let v = trace_node::batch_view(&d.ledger, id)?;
                Ok(serde_json::to_value(v)?)
            }
            Backend::Remote(c) => c.get(&format!("/v1/batches/{id}")),
        }
    }

    /// Every batch.
    pub fn batches(&self) -> anyhow::Result<Vec<BatchRow>> {
        match self {
            Backend::Local(d) => Ok(trace_node::batch_rows(&d.ledger)?),
            Backend::Remote(c) => c.get("/v1/batches"),
        }
    }

    /// Lineage in one direction.
    pub fn lineage(&self, id: BatchId, direction: Direction) -> anyhow::Result<LineageResponse> {
        match self {
            Backend::Local(d) => Ok(trace_node::lineage(&d.ledger, id, direction)?),
            Backend::Remote(c) => {
                let d = if direction == Direction::Back { "back" } else { "forward" };
                c.get(&format!("/v1/batches/{id}/{d}"))
            }
        }
    }

    /// A recall's reach, as JSON.
    pub fn recall_impact(&self, id: BatchId) -> anyhow::Result<serde_json::Value> {
        match self {
            Backend::Local(d) => Ok(serde_json::to_value(d.ledger.recall_impact(id)?)?),
            Backend::Remote(c) => c.get(&format!("/v1/batches/{id}/recall-impact")),
        }
    }

    /// Every actor.
    pub fn actors(&self) -> anyhow::Result<Vec<ActorView>> {
        match self {
            Backend::Local(d) => Ok(d.ledger.actors()?.iter().map(ActorView::from).collect()),
            Backend::Remote(c) => c.get("/v1/actors"),
        }
    }

    /// The remote client, or an error saying the command needs a node.
    pub fn client(&self, what: &str) -> anyhow::Result<&Client> {
        match self {
            Backend::Remote(c) => Ok(c),
            Backend::Local(_) => bail!("{what} talks to a node: pass --node URL"),
        }
    }
}
