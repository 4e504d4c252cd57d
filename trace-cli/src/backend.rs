//! Where commands go: a node over HTTP (`--node URL`) or a local ledger (`--data DIR`, acting as the operator).
//! Both answer with the node's typed wire shapes (`trace_node::wire`): locally, core's view converted as the node
//! converts it; remotely, the node's JSON deserialised into the same struct. So every command reads the same
//! fields either way, and a field renamed on either side fails to compile rather than printing a blank.

use anyhow::{Context, bail};
use trace_core::{BatchId, DataDir, Direction, Error, Ledger, Origin, Payload, Record};
use trace_node::wire::{
    self, ActorView, AtRisk, BatchRow, BatchState, BatchView, EntryView, Health, LineageResponse, RecallImpact,
    SubmitOk, Summary, WireRecord,
};

use crate::client::Client;

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

    /// Keeps a personal value of `record` off the log: on the node (`POST /v1/personal`, signed by the record's
    /// author), or in a local ledger's personal store.
    pub fn deposit_personal(
        &self,
        record: trace_core::RecordId,
        field: &str,
        salt: &[u8; 16],
        value: &str,
    ) -> anyhow::Result<()> {
        match self {
            Backend::Local(d) => {
                let entry = d.ledger.record(&record)?.ok_or_else(|| Error::NotFound(format!("record {record}")))?;
                d.vault()?.deposit_for(&entry.record, field, salt, value, trace_core::Time::now())?;
                Ok(())
            }
            Backend::Remote(c) => {
                let body = wire::PersonalDeposit {
                    record: record.to_string(),
                    field: field.to_owned(),
                    salt: hex::encode(salt),
                    value: value.to_owned(),
                };
                let _: serde_json::Value = c.post("/v1/personal", &body)?;
                Ok(())
            }
        }
    }

    /// A regulator's read of a personal value, with its reason (logged).
    pub fn read_personal(
        &self,
        record: trace_core::RecordId,
        field: &str,
        reason: &str,
        reader: &trace_core::SecretKey,
    ) -> anyhow::Result<wire::PersonalValue> {
        match self {
            Backend::Local(d) => {
                let actor = d
                    .ledger
                    .actor(&reader.public())?
                    .ok_or_else(|| anyhow::anyhow!("--key is not an admitted actor"))?;
                if !actor.has(trace_core::Role::Regulator) {
                    bail!("only a regulator reads personal values");
                }
                let held =
                    d.vault()?.read(&record, field, (&actor.key, &actor.name), reason, trace_core::Time::now())?;
                match held {
                    Some(h) => Ok(wire::PersonalValue::of(record, field, h)),
                    None => bail!("no {field} of record {record} is kept"),
                }
            }
            Backend::Remote(c) => {
                let q: String = form_urlencoded(reason);
                c.get(&format!("/v1/personal/{record}/{field}?reason={q}"))
            }
        }
    }

    /// The access log of personal values (the authority).
    pub fn access_log(&self, reader: Option<trace_core::SecretKey>) -> anyhow::Result<Vec<wire::AccessEntry>> {
        match self {
            Backend::Local(d) => {
                let key = reader.ok_or_else(|| anyhow::anyhow!("pass --key of the authority"))?;
                let actor =
                    d.ledger.actor(&key.public())?.ok_or_else(|| anyhow::anyhow!("--key is not an admitted actor"))?;
                if !actor.has(trace_core::Role::Authority) {
                    bail!("only the authority reads the access log");
                }
                Ok(d.vault()?.access_log()?.iter().map(wire::AccessEntry::from).collect())
            }
            Backend::Remote(c) => c.get("/v1/personal/access-log"),
        }
    }

    /// A batch's head: the parent a record acting on it names. On a node any admitted actor reads it, whether or
    /// not it may read the batch.
    pub fn head(&self, id: BatchId) -> anyhow::Result<trace_core::RecordId> {
        match self {
            Backend::Local(_) => Ok(self.batch_state(id)?.head),
            Backend::Remote(c) => {
                let v: wire::BatchHead =
                    c.get(&format!("/v1/batches/{id}/head")).context("reading the batch's head")?;
                Ok(v.head)
            }
        }
    }

    /// A batch's state (for a label).
    pub fn batch_state(&self, id: BatchId) -> anyhow::Result<BatchState> {
        match self {
            Backend::Local(d) => match d.ledger.batch(id)? {
                Some(b) => Ok(BatchState::from(&b)),
                None => Err(Error::NotFound(format!("batch {id}")).into()),
            },
            Backend::Remote(c) => {
                /// The part of `/v1/batches/{id}` a command acts on.
                #[derive(serde::Deserialize)]
                struct StateOnly {
                    state: BatchState,
                }
                let v: StateOnly = c.get(&format!("/v1/batches/{id}")).context("reading the batch state")?;
                Ok(v.state)
            }
        }
    }

    /// The full view of a batch.
    pub fn batch_view(&self, id: BatchId) -> anyhow::Result<BatchView> {
        match self {
            Backend::Local(d) => Ok(BatchView::from(&d.ledger.batch_view(id)?)),
            Backend::Remote(c) => c.get(&format!("/v1/batches/{id}")),
        }
    }

    /// Every batch.
    pub fn batches(&self) -> anyhow::Result<Vec<BatchRow>> {
        match self {
            Backend::Local(d) => Ok(wire::list(&d.ledger.batch_rows()?)),
            Backend::Remote(c) => c.get("/v1/batches"),
        }
    }

    /// Lineage in one direction.
    pub fn lineage(&self, id: BatchId, direction: Direction) -> anyhow::Result<LineageResponse> {
        match self {
            Backend::Local(d) => Ok(LineageResponse::from(&d.ledger.lineage_view(id, direction)?)),
            Backend::Remote(c) => {
                let d = if direction == Direction::Back { "back" } else { "forward" };
                c.get(&format!("/v1/batches/{id}/{d}"))
            }
        }
    }

    /// A recall's reach.
    pub fn recall_impact(&self, id: BatchId) -> anyhow::Result<RecallImpact> {
        match self {
            Backend::Local(d) => Ok(RecallImpact::from(&d.ledger.recall_impact(id)?)),
            Backend::Remote(c) => c.get(&format!("/v1/batches/{id}/recall-impact")),
        }
    }

    /// At-risk lists: of one batch, or of every batch with a positive result.
    pub fn at_risk(&self, batch: Option<BatchId>) -> anyhow::Result<Vec<AtRisk>> {
        match self {
            Backend::Local(d) => Ok(wire::list(&d.ledger.at_risk_views(batch)?)),
            Backend::Remote(c) => match batch {
                Some(id) => c.get(&format!("/v1/batches/{id}/at-risk")),
                None => c.get("/v1/at-risk"),
            },
        }
    }

    /// Records claimed long before they were accepted, from entry `from`, at most `limit` (up to 1000).
    pub fn late_entries(&self, from: u64, limit: usize) -> anyhow::Result<Vec<EntryView>> {
        match self {
            Backend::Local(d) => Ok(wire::list(&d.ledger.late_entry_views(from, limit.min(1000))?)),
            Backend::Remote(c) => c.get(&format!("/v1/late-entries?from={from}&limit={limit}")),
        }
    }

    /// The public summary a label resolves to (`/b/{id}`, a Digital Link, `/vd/{code}`), as a scanner sees it.
    /// Only a node resolves labels; locally this is an error saying so.
    pub fn public_summary(&self, payload: &Payload) -> anyhow::Result<Summary> {
        let c = self.client("resolving a label")?;
        c.get(&payload.path()).with_context(|| format!("resolving {}", payload.path()))
    }

    /// Every actor.
    pub fn actors(&self) -> anyhow::Result<Vec<ActorView>> {
        match self {
            Backend::Local(d) => Ok(wire::list(&d.ledger.actor_views()?)),
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

/// `s` percent-encoded for a query value: unreserved characters as they are, every other byte as `%XX`.
fn form_urlencoded(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
