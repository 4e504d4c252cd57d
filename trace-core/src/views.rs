//! The views users see: every read the node answers and the CLI prints (a batch's full view, the batch
//! listing, histories, lineage back and forward, a lot's lineage entries, late entries, records, actors), as
//! plain core types built from the ledger's queries. The public [`Summary`] and the
//! [`RecallImpact`](crate::RecallImpact) are views too; they are built in `summary.rs` and `query.rs`.
//!
//! **API boundary**: these types carry no serde derives. The node converts each into its JSON shape
//! explicitly (`trace-node/src/wire.rs`), so what is stored and what is answered can change apart, and a field
//! renamed on one side fails to compile on the other. A view of a batch that does not exist is
//! [`Error::NotFound`].

use crate::error::Error;
use crate::ids::{BatchId, RecordId};
use crate::keys::PublicKey;
use crate::ledger::Ledger;
use crate::query::Direction;
use crate::record::LogEntry;
use crate::state::{BatchKind, BatchState, Status};
use crate::summary::{HolderView, Summary};
use crate::values::{Handle, Role};

/// A log entry with the name of its author: one row of a history, of the late entries, or a record asked for
/// by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryView {
    /// The entry: index, acceptance time, the signed record.
    pub entry: LogEntry,
    /// The author's name; empty when the key is not an admitted actor's.
    pub author_name: String,
}

/// An at-risk list ([`Ledger::at_risk`](crate::Ledger::at_risk)) with its positives named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtRiskView {
    /// The batch found positive.
    pub source: BatchState,
    /// Its failed inspections and positive screenings, with their authors' names.
    pub positives: Vec<EntryView>,
    /// The lots it was fed, each with the other batches fed from it.
    pub lots: Vec<crate::query::AtRiskLot>,
}

/// A row of the batch listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRow {
    /// The batch or input lot.
    pub id: BatchId,
    /// Product description, or the input's name for a lot.
    pub product: String,
    /// Derived status.
    pub status: Status,
    /// The name of the holder holding most (the last of equals), empty when nobody holds any.
    pub holder: String,
    /// Whether this is an input lot.
    pub input_lot: bool,
}

/// Everything about one batch: its derived state, status, provenance summary and every record on it.
#[derive(Debug, Clone)]
pub struct BatchView {
    /// Derived state.
    pub state: BatchState,
    /// Derived status.
    pub status: Status,
    /// The provenance summary, as of now.
    pub summary: Summary,
    /// Every record on the batch, in claimed-time order ([`crate::claimed_order`]).
    pub history: Vec<EntryView>,
}

/// One batch reached by a lineage walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineageRow {
    /// The batch or input lot.
    pub id: BatchId,
    /// Edges from the start.
    pub depth: u32,
    /// Short description: product or input name and lot, with the id.
    pub label: String,
    /// Derived status.
    pub status: Status,
    /// Whether this is an input lot.
    pub input_lot: bool,
    /// Who holds how much of it now (names empty for keys that are not admitted).
    pub holders: Vec<HolderView>,
}

/// A lineage walk from one batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineageView {
    /// The start batch.
    pub start: BatchId,
    /// Which way the walk went.
    pub direction: Direction,
    /// Reached batches, breadth-first, without the start.
    pub reached: Vec<LineageRow>,
}

/// An admitted actor, for listings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorView {
    /// Its current key.
    pub key: PublicKey,
    /// Display name.
    pub name: String,
    /// Short unique name (`docs/formats.md`, "Handle").
    pub handle: Handle,
    /// Roles.
    pub roles: Vec<Role>,
    /// Registration number.
    pub registration: String,
    /// Location.
    pub location: String,
    /// Whether the key may still sign (not revoked or rotated away).
    pub active: bool,
}

impl Ledger {
    /// The name of the actor holding `key`, empty when none does.
    fn name_of(&self, key: &PublicKey) -> Result<String, Error> {
        Ok(self.actor(key)?.map(|a| a.name).unwrap_or_default())
    }

    fn entry_view(&self, entry: LogEntry) -> Result<EntryView, Error> {
        let author_name = self.name_of(&entry.record.body().author)?;
        Ok(EntryView { entry, author_name })
    }

    fn existing(&self, id: BatchId) -> Result<BatchState, Error> {
        self.batch(id)?.ok_or_else(|| Error::NotFound(format!("batch {id}")))
    }

    /// A record by id, with its author's name; [`Error::NotFound`] when the log does not hold it.
    pub fn record_view(&self, id: &RecordId) -> Result<EntryView, Error> {
        let entry = self.record(id)?.ok_or_else(|| Error::NotFound(format!("record {id}")))?;
        self.entry_view(entry)
    }

    /// Every batch and input lot as a listing row, in id order.
    pub fn batch_rows(&self) -> Result<Vec<BatchRow>, Error> {
        let mut rows = Vec::new();
        for b in self.batches()? {
            let main = b.holdings.iter().max_by_key(|h| h.quantity.base_milli());
            let holder = match main {
                Some(h) => self.name_of(&h.holder)?,
                None => String::new(),
            };
            let product = match &b.kind {
                BatchKind::Produce { product, .. } => product.clone(),
                BatchKind::Input(l) => l.name.clone(),
            };
            rows.push(BatchRow { id: b.id, product, status: b.status(), holder, input_lot: b.is_input() });
        }
        Ok(rows)
    }

    /// The full view of a batch, its summary judged as of now.
    pub fn batch_view(&self, id: BatchId) -> Result<BatchView, Error> {
        let state = self.existing(id)?;
        let summary = self.summary(id)?;
        let history = self.history_view(id)?;
        Ok(BatchView { status: state.status(), state, summary, history })
    }

    /// Every record on a batch, in claimed-time order, with author names; [`Error::NotFound`] for an unknown batch
    /// (where [`Ledger::history`] answers an empty list).
    pub fn history_view(&self, id: BatchId) -> Result<Vec<EntryView>, Error> {
        self.existing(id)?;
        let mut entries = self.history(id)?;
        crate::record::claimed_order(&mut entries);
        entries.into_iter().map(|e| self.entry_view(e)).collect()
    }

    /// The lineage walk from `id` in `direction`, each reached batch with its holders.
    pub fn lineage_view(&self, id: BatchId, direction: Direction) -> Result<LineageView, Error> {
        self.existing(id)?;
        let mut reached = Vec::new();
        for r in self.lineage(id, direction)? {
            let mut holders = Vec::with_capacity(r.batch.holdings.len());
            for h in &r.batch.holdings {
                holders.push(HolderView { key: h.holder, name: self.name_of(&h.holder)?, quantity: h.quantity });
            }
            reached.push(LineageRow {
                id: r.batch.id,
                depth: r.depth,
                label: r.batch.label(),
                status: r.batch.status(),
                input_lot: r.batch.is_input(),
                holders,
            });
        }
        Ok(LineageView { start: id, direction, reached })
    }

    /// Every record on `lot` and on its ancestors, once each, in claimed-time order: what the lot's EPCIS document
    /// holds. [`Error::NotFound`] for an unknown batch.
    pub fn lineage_entries(&self, lot: BatchId) -> Result<Vec<LogEntry>, Error> {
        self.existing(lot)?;
        let mut batches = vec![lot];
        batches.extend(self.lineage(lot, Direction::Back)?.into_iter().map(|r| r.batch.id));
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        for b in batches {
            for e in self.history(b)? {
                if seen.insert(e.index) {
                    out.push(e);
                }
            }
        }
        crate::record::claimed_order(&mut out);
        Ok(out)
    }

    /// Late entries (see [`Ledger::late_entries`]) with author names.
    pub fn late_entry_views(&self, from: u64, limit: usize) -> Result<Vec<EntryView>, Error> {
        self.late_entries(from, limit)?.into_iter().map(|e| self.entry_view(e)).collect()
    }

    /// The at-risk list of `batch`, or of every batch with a positive result when `None`.
    pub fn at_risk_views(&self, batch: Option<BatchId>) -> Result<Vec<AtRiskView>, Error> {
        let lists = match batch {
            Some(b) => vec![self.at_risk(b)?],
            None => self.at_risk_all()?,
        };
        lists
            .into_iter()
            .map(|l| {
                let positives = l.positives.into_iter().map(|e| self.entry_view(e)).collect::<Result<_, _>>()?;
                Ok(AtRiskView { source: l.source, positives, lots: l.lots })
            })
            .collect()
    }

    /// Every admitted actor, revoked ones included, in key order.
    pub fn actor_views(&self) -> Result<Vec<ActorView>, Error> {
        Ok(self
            .actors()?
            .into_iter()
            .map(|a| ActorView {
                active: a.active(),
                key: a.key,
                name: a.name,
                handle: a.handle,
                roles: a.roles,
                registration: a.registration,
                location: a.location,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_view_of_a_missing_batch_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let origin: crate::values::Origin = crate::demo::DEMO_ORIGIN.parse().unwrap();
        let (d, _, _) = crate::demo::install(dir.path(), origin, crate::values::Time::now()).unwrap();
        let l = &d.ledger;
        let real = l.batches().unwrap()[0].id;
        let missing = (0..u64::MAX).filter_map(BatchId::from_value).find(|b| l.batch(*b).unwrap().is_none()).unwrap();
        let not_found = |r: Result<(), Error>| matches!(r, Err(Error::NotFound(m)) if m == format!("batch {missing}"));
        assert!(not_found(l.batch_view(missing).map(drop)));
        assert!(not_found(l.history_view(missing).map(drop)));
        assert!(not_found(l.lineage_view(missing, Direction::Back).map(drop)));
        assert!(not_found(l.lineage_view(missing, Direction::Forward).map(drop)));
        assert!(not_found(l.recall_impact(missing).map(drop)));
        assert!(not_found(l.summary(missing).map(drop)));
        assert!(not_found(l.lineage_entries(missing).map(drop)));
        // The bare query answers an empty history for the same id; the view says it does not exist.
        assert!(l.history(missing).unwrap().is_empty());
        assert!(l.batch_view(real).is_ok());
    }
}
