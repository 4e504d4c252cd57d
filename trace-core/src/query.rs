//! Read-only queries over a ledger's indices. Each walks only the index entries of its answer: history is a
//! prefix scan of one batch's `h` keys, lineage walks `p`/`c` edges breadth-first, so the cost grows with the
//! answer, never with the ledger.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::encoding;
use crate::error::Error;
use crate::ids::{BatchId, RecordId};
use crate::keys::PublicKey;
use crate::ledger::Ledger;
use crate::record::LogEntry;
use crate::schema;
use crate::state::{BatchKind, BatchState, Holding, StateRead};

/// A batch reached by a lineage walk, with its distance from the start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached {
    /// The batch or input lot.
    pub batch: BatchState,
    /// Edges from the start batch.
    pub depth: u32,
}

/// The batches an input lot reached and who holds them now: a recall's reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecallImpact {
    /// The lot or batch whose reach this is.
    pub source: BatchState,
    /// Every descendant.
    pub reached: Vec<Reached>,
    /// Holders with what they hold of affected batches (holdings and shipments in transit to them).
    pub holders: Vec<ImpactHolder>,
}

/// One holder affected by a recall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImpactHolder {
    /// The holder's key.
    pub holder: PublicKey,
    /// Its name, when admitted.
    pub name: String,
    /// Affected batches it holds or has in transit to it.
    pub batches: Vec<BatchId>,
}

/// A positive result's batch and the other batches fed from the lots it was fed: a list for regulators to sample
/// next, not a block (issue 17).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtRisk {
    /// The batch found positive.
    pub source: BatchState,
    /// The failed inspections of it, oldest first (empty when asked about a batch with none).
    pub positives: Vec<LogEntry>,
    /// Each lot it (or an ancestor) was fed, with the other batches fed from it and what was made from them.
    pub lots: Vec<AtRiskLot>,
}

/// One lot of an [`AtRisk`] list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtRiskLot {
    /// The input lot.
    pub lot: BatchState,
    /// Batches fed from it (depth 0) and their descendants (depth from the batch fed), excluding the positive
    /// batch and what was made from it, and batches an earlier lot of the list already names.
    pub batches: Vec<Reached>,
}

/// Direction of a lineage walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Toward ancestors: to the farm and its inputs.
    Back,
    /// Toward descendants: to the market stall.
    Forward,
}

impl BatchState {
    /// Whether the batch can have lineage edges in `direction`, from its state alone; `false` means it has
    /// none. Rests on one rule of [`crate::rules`]: the child of every edge is a produce batch (an input lot
    /// is applied only to produce batches, and a transform's outputs are produce), so an input lot has no
    /// parents. `lineage` skips the scans this rules out; `trace-core/tests/lineage.rs` checks the claim on
    /// random DAGs. (Nothing in the state tells that a produce batch has no children: `consumed` is not a
    /// safe sign, since a quantity finer than the batch's unit could once round to nothing.)
    pub fn may_have_edges(&self, direction: Direction) -> bool {
        !matches!((direction, &self.kind), (Direction::Back, BatchKind::Input(_)))
    }
}

impl Ledger {
    /// Every record on a batch, oldest first (registration, inputs, inspections, custody, ...).
    pub fn history(&self, id: BatchId) -> Result<Vec<LogEntry>, Error> {
        let keys = self.store().scan_prefix(&schema::history_prefix(id))?;
        keys.iter().map(|(k, _)| self.entry(schema::tail_u64(k)?)).collect()
    }

    /// Every batch and input lot reachable from `start` in `direction`, breadth-first, without `start`.
    pub fn lineage(&self, start: BatchId, direction: Direction) -> Result<Vec<Reached>, Error> {
        let prefix = |id| match direction {
            Direction::Back => schema::parents_prefix(id),
            Direction::Forward => schema::children_prefix(id),
        };
        let mut seen = BTreeSet::from([start]);
        // Each queued batch carries whether it can have edges this way at all, from its state (the start's
        // is not read): walks back end at input lots, which cannot, and in sled an empty range scan costs
        // several point reads.
        let mut queue = VecDeque::from([(start, 0u32, true)]);
        let mut out = Vec::new();
        while let Some((id, depth, may_have_edges)) = queue.pop_front() {
            if !may_have_edges {
                continue;
            }
            for (k, _) in self.store().scan_prefix(&prefix(id))? {
                let Some(next) = BatchId::from_value(schema::tail_u64(&k)?) else { continue };
                if !seen.insert(next) {
                    continue;
                }
                let batch = self
                    .batch(next)?
                    .ok_or_else(|| schema::corrupt(&k, format!("lineage edge to missing batch {next}")))?;
                queue.push_back((next, depth + 1, batch.may_have_edges(direction)));
                out.push(Reached { batch, depth: depth + 1 });
            }
        }
        Ok(out)
    }

    /// Every descendant of a lot or batch and who holds each now.
    pub fn recall_impact(&self, source: BatchId) -> Result<RecallImpact, Error> {
        let src = self.batch(source)?.ok_or_else(|| Error::NotFound(format!("batch {source}")))?;
        let reached = self.lineage(source, Direction::Forward)?;
        let mut by_holder: BTreeMap<PublicKey, BTreeSet<BatchId>> = BTreeMap::new();
        for b in std::iter::once(&src).chain(reached.iter().map(|r| &r.batch)) {
            for Holding { holder, quantity } in &b.holdings {
                if !quantity.is_zero() {
                    by_holder.entry(*holder).or_default().insert(b.id);
                }
            }
            for t in &b.in_transit {
                by_holder.entry(t.to).or_default().insert(b.id);
            }
        }
        let mut holders = Vec::with_capacity(by_holder.len());
        for (holder, batches) in by_holder {
            let name = self.actor(&holder)?.map(|a| a.name).unwrap_or_default();
            holders.push(ImpactHolder { holder, name, batches: batches.into_iter().collect() });
        }
        Ok(RecallImpact { source: src, reached, holders })
    }

    /// The batches at risk from what `batch` was fed: every other batch fed from the same lots, and what was made
    /// from them. The positive batch's own descendants carry its block already and are left out; its ancestors
    /// fed from the lot (the rest of the herd) are in.
    pub fn at_risk(&self, batch: BatchId) -> Result<AtRisk, Error> {
        let positives = self.positives()?.into_iter().filter(|e| e.record.body().event.acted_on() == [batch]).collect();
        self.at_risk_with(batch, positives)
    }

    fn at_risk_with(&self, batch: BatchId, positives: Vec<LogEntry>) -> Result<AtRisk, Error> {
        let source = self.batch(batch)?.ok_or_else(|| Error::NotFound(format!("batch {batch}")))?;
        let mut seen: BTreeSet<BatchId> = BTreeSet::from([batch]);
        seen.extend(self.lineage(batch, Direction::Forward)?.into_iter().map(|r| r.batch.id));
        let mut lots = Vec::new();
        // A positive input lot has no lots of its own: what was fed from it carries its block already.
        let mut lot_ids: Vec<BatchId> = Vec::new();
        for a in &source.applied {
            if !lot_ids.contains(&a.lot) {
                lot_ids.push(a.lot);
            }
        }
        for lot_id in lot_ids {
            let Some(lot) = self.batch(lot_id)? else { continue };
            let mut batches = Vec::new();
            for (k, _) in self.store().scan_prefix(&schema::applied_prefix(lot_id))? {
                let Some(fed) = BatchId::from_value(schema::tail_u64(&k)?) else { continue };
                if !seen.insert(fed) {
                    continue;
                }
                let state = self
                    .batch(fed)?
                    .ok_or_else(|| schema::corrupt(&k, format!("application to missing batch {fed}")))?;
                batches.push(Reached { batch: state, depth: 0 });
                for r in self.lineage(fed, Direction::Forward)? {
                    if seen.insert(r.batch.id) {
                        batches.push(r);
                    }
                }
            }
            lots.push(AtRiskLot { lot, batches });
        }
        Ok(AtRisk { source, positives, lots })
    }

    /// Every failed inspection (screening or laboratory), oldest first.
    pub fn positives(&self) -> Result<Vec<LogEntry>, Error> {
        let keys = self.store().scan_prefix(&schema::positives_prefix())?;
        keys.iter().map(|(k, _)| self.entry(schema::tail_u64(k)?)).collect()
    }

    /// The at-risk list of every batch with a positive result, in the order of their first positives.
    pub fn at_risk_all(&self) -> Result<Vec<AtRisk>, Error> {
        let mut by_batch: Vec<(BatchId, Vec<LogEntry>)> = Vec::new();
        for e in self.positives()? {
            for b in e.record.body().event.acted_on() {
                match by_batch.iter_mut().find(|(id, _)| *id == b) {
                    Some((_, list)) => list.push(e.clone()),
                    None => by_batch.push((b, vec![e.clone()])),
                }
            }
        }
        by_batch.into_iter().map(|(b, positives)| self.at_risk_with(b, positives)).collect()
    }

    /// The batch carrying a GTIN and lot, if registered.
    pub fn batch_by_gtin_lot(
        &self,
        gtin: &crate::values::Gtin,
        lot: &crate::values::Lot,
    ) -> Result<Option<BatchId>, Error> {
        let key = schema::gtin_lot(gtin.as_str(), lot.as_str());
        self.batch_at(&key)
    }

    /// The input lot a 24-digit vet-drug code belongs to.
    pub fn lot_by_vet_drug_code(&self, code: &crate::values::VetDrugCode) -> Result<Option<BatchId>, Error> {
        self.batch_at(&schema::vet_drug_code(code.as_str()))
    }

    /// The batch id stored as the value at a lookup key (`g`, `v`), if any.
    fn batch_at(&self, key: &[u8]) -> Result<Option<BatchId>, Error> {
        match self.store().get(key)? {
            None => Ok(None),
            Some(v) => {
                let id = schema::read_u64_value(key, &v)?;
                BatchId::from_value(id).map(Some).ok_or_else(|| schema::corrupt(key, format!("{id} is not a batch id")))
            }
        }
    }

    /// Corrections of a record, oldest first.
    pub fn corrections(&self, target: &RecordId) -> Result<Vec<LogEntry>, Error> {
        let keys = self.store().scan_prefix(&schema::corrections_prefix(target))?;
        keys.iter().map(|(k, _)| self.entry(schema::tail_u64(k)?)).collect()
    }

    /// The countersignature of a record (a regulator's, of a disposal), if any.
    pub fn countersignature(&self, target: &RecordId) -> Result<Option<LogEntry>, Error> {
        let key = schema::countersigned(target);
        match self.store().get(&key)? {
            None => Ok(None),
            Some(v) => self.entry(schema::read_u64_value(&key, &v)?).map(Some),
        }
    }

    /// Entries whose claimed time is more than [`crate::rules::LATE_ENTRY_MS`] before their acceptance,
    /// from index `from`, at most `limit`.
    pub fn late_entries(&self, from: u64, limit: usize) -> Result<Vec<LogEntry>, Error> {
        let (start, to) = schema::late_entries_from(from);
        let keys = self.store().range(&start, &to, limit)?;
        keys.iter().map(|(k, _)| self.entry(schema::tail_u64(k)?)).collect()
    }

    /// Every batch and input lot, in id order: a full scan, for exports and listings.
    pub fn batches(&self) -> Result<Vec<BatchState>, Error> {
        let pairs = self.store().scan_prefix(schema::BATCH_PREFIX)?;
        pairs
            .into_iter()
            .map(|(k, v)| encoding::decode(&v).map_err(|e| schema::corrupt(&k, format!("batch does not decode: {e}"))))
            .collect()
    }

    /// The substance registry in force: the version adopted, names added on this ledger, entries removed.
    pub fn registry_in_force(&self) -> Result<crate::rules::Adopted, Error> {
        let key = schema::registry();
        match self.store().get(&key)? {
            None => Ok(crate::rules::Adopted::default()),
            Some(v) => encoding::decode(&v).map_err(|e| schema::corrupt(&key, format!("registry state: {e}"))),
        }
    }

    /// Whether the record is in the ledger (by id).
    pub fn contains(&self, id: &RecordId) -> Result<bool, Error> {
        Ok(self.store().record_index(id)?.is_some())
    }
}
