//! The read model: who may read which batch and which record (issue 18, `docs/privacy.md`).
//!
//! Regulators and the authority read everything. Any other admitted actor reads the batches it is a party to —
//! it registered them, holds or held some, has some in transit to or from it, is the vet its holder engaged, or
//! wrote or is named in one of their records — and every input lot (a lot's name, approval number and recall are
//! what a buyer of it checks). It reads a record when it wrote it, when the record names it, or when the record
//! acts on a batch it reads. Everyone reads the public summaries and the scan pages. The node enforces this on
//! every route (`trace-node/src/api.rs`); a local ledger is its operator's and is read whole.

use crate::error::Error;
use crate::event::Event;
use crate::ids::BatchId;
use crate::keys::PublicKey;
use crate::ledger::Ledger;
use crate::record::Record;
use crate::schema;
use crate::shared::Party;
use crate::state::{Actor, BatchKind, BatchState};
use crate::values::Role;

impl Actor {
    /// Whether the actor reads every batch and record: a regulator or the authority.
    pub fn reads_everything(&self) -> bool {
        self.has(Role::Regulator) || self.has(Role::Authority)
    }
}

/// The keys a record names as a party: a receiver, a carrier, an engaged vet, a treated holding, a buyer.
pub fn named_parties(event: &Event) -> Vec<PublicKey> {
    let member = |p: &Party| p.member();
    match event {
        Event::Shipped(e) => member(&e.to).into_iter().chain(e.carrier).collect(),
        Event::Engaged(e) => vec![e.vet],
        Event::InputApplied(e) => e.holding.as_ref().and_then(member).into_iter().collect(),
        Event::Sold(e) => e.buyer.as_ref().and_then(member).into_iter().collect(),
        Event::ActorAdmitted(e) => vec![e.actor],
        Event::ActorRevoked(e) => vec![e.actor],
        Event::LicenceChanged(e) => vec![e.actor],
        Event::HoldingsTransferred(e) => vec![e.from, e.to],
        _ => Vec::new(),
    }
}

impl Ledger {
    /// Whether `reader` may read batch `b`'s state, history and lineage.
    pub fn reads_batch(&self, reader: &Actor, b: &BatchState) -> Result<bool, Error> {
        if reader.reads_everything() || matches!(b.kind, BatchKind::Input(_)) {
            return Ok(true);
        }
        let mine = |k: &PublicKey| reader.is_or_was(k);
        for k in std::iter::once(&reader.key).chain(&reader.previous_keys) {
            if self.store().get(&schema::party(k, b.id))?.is_some() {
                return Ok(true);
            }
        }
        if mine(&b.registrant)
            || b.holdings.iter().any(|h| mine(&h.holder))
            || b.in_transit.iter().any(|t| mine(&t.from) || mine(&t.to))
            || b.engaged.iter().any(|e| mine(&e.vet) || mine(&e.holder))
        {
            return Ok(true);
        }
        // A store written before the index existed: the batch's own records, read once. (Only a reader that is
        // no party comes this far.)
        for e in self.history(b.id)? {
            if !matches!(e.record.body().event, Event::Inspected(_)) && self.record_names(reader, &e.record) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether `reader` may read `record`: it wrote it, the record names it, or it acts on a batch `reader`
    /// reads.
    pub fn reads_record(&self, reader: &Actor, record: &Record) -> Result<bool, Error> {
        if reader.reads_everything() || self.record_names(reader, record) {
            return Ok(true);
        }
        for id in record.body().event.acted_on().into_iter().chain(self.created_by(record)) {
            if let Some(b) = self.batch(id)? {
                if self.reads_batch(reader, &b)? {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// Whether `reader` wrote `record` (under any of its keys) or is named in it.
    fn record_names(&self, reader: &Actor, record: &Record) -> bool {
        reader.is_or_was(&record.body().author)
            || named_parties(&record.body().event).iter().any(|k| reader.is_or_was(k))
    }

    /// The batches a record created (its registrations and outputs).
    fn created_by(&self, record: &Record) -> Vec<BatchId> {
        let id = record.id();
        let n = match &record.body().event {
            Event::BatchRegistered(_) | Event::InputLotRegistered(_) | Event::Produced(_) => 1,
            Event::Transformed(t) => t.outputs.len(),
            _ => 0,
        };
        (0..n).map(|i| BatchId::derive(&id, u32::try_from(i).unwrap_or(u32::MAX))).collect()
    }

    /// The batches `reader` is a party to (not the input lots it may also read), in id order: the read model's
    /// index, walked without touching any other batch.
    pub fn party_batches(&self, reader: &Actor) -> Result<Vec<BatchId>, Error> {
        let mut ids = std::collections::BTreeSet::new();
        for k in std::iter::once(&reader.key).chain(&reader.previous_keys) {
            for (key, _) in self.store().scan_prefix(&schema::party_prefix(k))? {
                if let Some(b) = BatchId::from_value(schema::tail_u64(&key)?) {
                    ids.insert(b);
                }
            }
        }
        Ok(ids.into_iter().collect())
    }
}
