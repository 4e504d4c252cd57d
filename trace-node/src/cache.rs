//! The scan cache: the public summary of a batch, as JSON and as the rendered page, kept while nothing it
//! shows can have changed.
//!
//! Shoppers scan the same few labels over and over, and a summary walks the batch's whole lineage. A cached
//! answer remembers the log size it was built at, the batches its lineage covers (the batch, its ancestors and
//! their input lots) and the records it rests on. When the log has grown, the new entries are read: if none of
//! them acts on a covered batch or corrects a record the answer rests on, nothing the summary shows can have
//! moved (holds and recalls reach a batch only through an event on it or on an ancestor; custody, inputs,
//! inspections and certificates are events on it or an ancestor), so the answer is carried forward to the new
//! size. Otherwise, or when a withdrawal period the answer shows as running ends, it is rebuilt.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use axum::body::Bytes;
use trace_core::{BatchId, Event, Ledger, LogEntry, RecordId, Summary, Time};

/// Most batches kept; past this the cache is emptied and refilled by what is scanned next.
const CAPACITY: usize = 4096;

/// Most new entries read to carry an answer forward; past this it is rebuilt instead.
const MAX_CATCH_UP: u64 = 512;

/// One batch's answers.
#[derive(Debug, Clone)]
pub struct Cached {
    /// The log size up to which the answer is known to be right.
    pub tree_size: u64,
    /// The first time the summary would read differently (a running withdrawal period ends).
    pub until: Time,
    /// The summary as JSON.
    pub json: Bytes,
    /// The scan page, once rendered.
    pub html: Option<Bytes>,
    /// The batches whose events could change the answer: the batch, its ancestors and their input lots.
    pub covers: std::sync::Arc<HashSet<BatchId>>,
    /// The records the answer rests on, which a correction could name.
    pub records: std::sync::Arc<HashSet<RecordId>>,
}

/// Answers by batch.
#[derive(Debug, Default)]
pub struct ScanCache {
    entries: Mutex<HashMap<BatchId, Cached>>,
}

/// When `summary` would read differently without any new record: the earliest end of a withdrawal period it
/// shows as still running.
pub(crate) fn valid_until(summary: &Summary) -> Time {
    summary.inputs.iter().filter(|i| !i.withdrawal_over).map(|i| i.withdrawal_ends).min().unwrap_or(Time(u64::MAX))
}

/// Whether `entry` could change an answer covering `covers` and resting on `records`.
fn touches(entry: &LogEntry, covers: &HashSet<BatchId>, records: &HashSet<RecordId>) -> bool {
    let event = &entry.record.body().event;
    if event.acted_on().iter().any(|b| covers.contains(b)) {
        return true;
    }
    match event {
        Event::Correction(c) => records.contains(&c.target),
        // An input applied elsewhere from a covered lot does not change this batch; a transform's outputs
        // are new batches. Both are covered by `acted_on` where they matter.
        _ => false,
    }
}

impl ScanCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<BatchId, Cached>> {
        match self.entries.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// The cached answers for `id` if they are still right for the log of `size` at `now`, carrying them
    /// forward over new entries that cannot have changed them.
    pub fn get(&self, ledger: &Ledger, id: BatchId, size: u64, now: Time) -> Option<Cached> {
        let cached = self.lock().get(&id).cloned()?;
        if now >= cached.until || cached.tree_size > size {
            return None;
        }
        if cached.tree_size == size {
            return Some(cached);
        }
        if size - cached.tree_size > MAX_CATCH_UP {
            return None;
        }
        let leaves = ledger.leaf_range(cached.tree_size, size, (size - cached.tree_size) as usize).ok()?;
        if leaves.len() as u64 != size - cached.tree_size {
            return None;
        }
        for leaf in leaves {
            let entry = LogEntry::decode(&leaf).ok()?;
            if touches(&entry, &cached.covers, &cached.records) {
                return None;
            }
        }
        let carried = Cached { tree_size: size, ..cached };
        self.put(id, carried.clone());
        Some(carried)
    }

    /// The cached answers for `id` only if built at exactly `size` and still true at `now`: no store read.
    pub fn current(&self, id: BatchId, size: u64, now: Time) -> Option<Cached> {
        self.lock().get(&id).filter(|c| c.tree_size == size && now < c.until).cloned()
    }

    /// Keeps answers for `id`.
    pub fn put(&self, id: BatchId, cached: Cached) {
        let mut g = self.lock();
        if g.len() >= CAPACITY && !g.contains_key(&id) {
            g.clear();
        }
        g.insert(id, cached);
    }
}
