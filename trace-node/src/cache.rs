//! The scan cache: the public summary of a batch, as JSON and as the rendered page, kept until the log grows or
//! a withdrawal period the summary shows as running comes to an end.
//!
//! Shoppers scan the same few labels over and over while the log rarely changes between two scans, and a
//! summary walks the batch's whole lineage. A cached answer is exactly what would be built again: it is keyed
//! by the log size it was built at (any append makes every entry stale, so no lineage tracking can go wrong)
//! and carries the first moment its content would change by the clock alone.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;
use trace_core::{BatchId, Summary, Time};

/// Most batches kept; past this the cache is emptied and refilled by what is scanned next.
const CAPACITY: usize = 4096;

/// One batch's answers.
#[derive(Debug, Clone)]
pub struct Cached {
    /// The log size the summary was built at.
    pub tree_size: u64,
    /// The first time the summary would read differently (a running withdrawal period ends).
    pub until: Time,
    /// The summary as JSON.
    pub json: Bytes,
    /// The scan page, once rendered.
    pub html: Option<Bytes>,
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

impl ScanCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<BatchId, Cached>> {
        match self.entries.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// The cached answers for `id`, if built at `tree_size` and still true at `now`.
    pub fn get(&self, id: BatchId, tree_size: u64, now: Time) -> Option<Cached> {
        self.lock().get(&id).filter(|c| c.tree_size == tree_size && now < c.until).cloned()
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
