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

/// Bytes of answers kept by default (JSON, pages, and the sets they rest on, approximately): about 4,000 cuts
/// of meat (~8 KB each in `trace-bench`, half of them with their page). A summary grows with its lineage, so
/// a count of entries would not bound memory; past the budget, entries are dropped (in hash order, so at
/// random) until a quarter is free.
pub(crate) const DEFAULT_BUDGET: usize = 32 << 20;

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

/// Answers by batch, within a byte budget.
#[derive(Debug)]
pub struct ScanCache {
    entries: Mutex<Entries>,
    budget: usize,
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<BatchId, Cached>,
    bytes: usize,
}

impl Default for ScanCache {
    fn default() -> ScanCache {
        ScanCache::with_budget(DEFAULT_BUDGET)
    }
}

/// What an answer costs to keep, approximately: its bytes and its sets, plus the map's own overhead.
fn weight(c: &Cached) -> usize {
    c.json.len() + c.html.as_ref().map_or(0, Bytes::len) + c.covers.len() * 16 + c.records.len() * 48 + 256
}

/// When `summary` would read differently without any new record: the earliest end of a withdrawal period it
/// shows as still running.
pub(crate) fn valid_until(summary: &Summary) -> Time {
    summary
        .inputs
        .iter()
        .filter(|i| i.binds && !i.withdrawal_over)
        .map(|i| i.withdrawal_ends)
        .min()
        .unwrap_or(Time(u64::MAX))
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
    /// A cache keeping at most about `budget` bytes of answers; 0 keeps nothing.
    pub fn with_budget(budget: usize) -> ScanCache {
        ScanCache { entries: Mutex::new(Entries::default()), budget }
    }

    /// Answers kept and their approximate bytes.
    pub fn usage(&self) -> (usize, usize) {
        let g = self.lock();
        (g.map.len(), g.bytes)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        match self.entries.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// The cached answers for `id` if they are still right for the log of `size` at `now`, carrying them
    /// forward over new entries that cannot have changed them.
    pub fn get(&self, ledger: &Ledger, id: BatchId, size: u64, now: Time) -> Option<Cached> {
        let cached = self.lock().map.get(&id).cloned()?;
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
        let from = cached.tree_size;
        let carried = Cached { tree_size: size, ..cached };
        // Only over the answer this was carried from: another request may have put a newer one (or one with
        // its page) meanwhile.
        let mut g = self.lock();
        if let Some(current) = g.map.get_mut(&id) {
            if current.tree_size == from && current.html.is_some() == carried.html.is_some() {
                current.tree_size = size;
            }
        }
        drop(g);
        Some(carried)
    }

    /// The cached answers for `id` only if built at exactly `size` and still true at `now`: no store read.
    pub fn current(&self, id: BatchId, size: u64, now: Time) -> Option<Cached> {
        self.lock().map.get(&id).filter(|c| c.tree_size == size && now < c.until).cloned()
    }

    /// Keeps answers for `id`, dropping others when over the budget. An answer larger than the whole budget
    /// is not kept.
    pub fn put(&self, id: BatchId, cached: Cached) {
        let w = weight(&cached);
        let mut g = self.lock();
        if w > self.budget {
            // Not kept, and neither is an older answer for the batch, which every request would otherwise
            // find stale and try to carry forward before rebuilding.
            if let Some(old) = g.map.remove(&id) {
                g.bytes = g.bytes.saturating_sub(weight(&old));
            }
            return;
        }
        if let Some(old) = g.map.insert(id, cached) {
            g.bytes = g.bytes.saturating_sub(weight(&old));
        }
        g.bytes += w;
        if g.bytes <= self.budget {
            return;
        }
        let excess = g.bytes - self.budget / 4 * 3;
        let mut freed = 0;
        let victims: Vec<BatchId> = g
            .map
            .iter()
            .filter(|(k, _)| **k != id)
            .take_while(|(_, c)| {
                let more = freed < excess;
                freed += weight(c);
                more
            })
            .map(|(k, _)| *k)
            .collect();
        for k in victims {
            if let Some(c) = g.map.remove(&k) {
                g.bytes = g.bytes.saturating_sub(weight(&c));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(size: usize) -> Cached {
        Cached {
            tree_size: 1,
            until: Time(u64::MAX),
            json: Bytes::from(vec![b'x'; size]),
            html: None,
            covers: Default::default(),
            records: Default::default(),
        }
    }

    fn id(n: u64) -> BatchId {
        BatchId::from_value(n).unwrap_or_else(|| panic!("batch id {n}"))
    }

    #[test]
    fn the_cache_stays_within_its_budget_and_keeps_what_was_just_put() {
        let cache = ScanCache::with_budget(100_000);
        for n in 1..=1000 {
            cache.put(id(n), answer(5_000 - 256));
            let (entries, bytes) = cache.usage();
            assert!(bytes <= 100_000, "{bytes} bytes after {n} answers");
            assert_eq!(bytes, entries * 5_000, "the account matches the entries");
            assert!(cache.current(id(n), 1, Time(0)).is_some(), "answer {n} is kept");
        }
        // Replacing an answer re-counts it rather than adding to it.
        cache.put(id(1000), answer(1_000 - 256));
        let (entries, bytes) = cache.usage();
        assert_eq!(bytes, (entries - 1) * 5_000 + 1_000);
    }

    #[test]
    fn an_answer_larger_than_the_budget_is_not_kept() {
        let cache = ScanCache::with_budget(10_000);
        cache.put(id(7), answer(1_000));
        assert_eq!(cache.usage().0, 1);
        // A larger answer for the same batch (its page rendered) that does not fit drops the older one too.
        cache.put(id(7), answer(20_000));
        assert_eq!(cache.usage(), (0, 0));
        assert!(cache.current(id(7), 1, Time(0)).is_none());
        let none = ScanCache::with_budget(0);
        none.put(id(7), answer(1));
        assert_eq!(none.usage(), (0, 0));
    }
}
