//! The storage boundary: a narrow ordered key-value interface split in two, as Trillian splits
//! `ReadOnlyLogStorage` from `LogStorage`. [`ReadStore`] is what a reader may do (point reads, range reads,
//! prefix scans); [`Store`] adds what only the ledger's writer does (atomic batches and an explicit flush).
//! [`crate::Ledger::store`] hands readers a `&dyn ReadStore`, so nothing outside the writer can write.
//! [`SledStore`](crate::SledStore), in `sled_store.rs`, is the one implementation; nothing else in the crate
//! names sled, and another engine that can apply a batch atomically and make it durable on `flush` can
//! replace it without touching the domain code.
//!
//! Also here: [`CountingStore`], which counts the reads passing through it, and two pieces private to the
//! ledger: `CommittedView`, what readers see while a group commit is in flight, and `Overlay`, the write set
//! of one group commit, layered over the store so that each record in a group sees the effects of the records
//! before it, and a refused record's writes are dropped.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;

use crate::error::Error;

/// One key-value pair read from a store.
pub type Pair = (Vec<u8>, Vec<u8>);

/// A write set: key to new value, or to `None` for a deletion.
pub type Writes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// The read side of an ordered, byte-keyed store: what a reader of a ledger may do with it.
pub trait ReadStore: Send + Sync + std::fmt::Debug {
    /// The value at `key`.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, Error>;
    /// Pairs with keys in `[from, to)`, ascending, at most `limit` of them.
    fn range(&self, from: &[u8], to: &[u8], limit: usize) -> Result<Vec<Pair>, Error>;
    /// Bytes used on disk.
    fn size_on_disk(&self) -> Result<u64, Error>;
    /// Every pair whose key starts with `prefix`, ascending.
    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<Pair>, Error> {
        let (from, to) = prefix_range(prefix);
        self.range(&from, &to, usize::MAX)
    }
}

/// An ordered, byte-keyed store that can also be written: the ledger's writer holds one, readers only ever
/// see its [`ReadStore`] side.
pub trait Store: ReadStore {
    /// Applies all writes atomically: after a crash, either all of them or none are present.
    fn apply(&self, writes: &Writes) -> Result<(), Error>;
    /// Makes every applied write durable. Returns only once it is on disk.
    fn flush(&self) -> Result<(), Error>;
}

/// All keys that start with `prefix`: the `[from, to)` range for [`ReadStore::range`].
pub(crate) fn prefix_range(prefix: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let from = prefix.to_vec();
    let mut to = prefix.to_vec();
    // The smallest key greater than every key with this prefix: increment the last byte that is not 0xff.
    while let Some(last) = to.pop() {
        if last < 0xff {
            to.push(last + 1);
            return (from, to);
        }
    }
    (from, vec![0xff; prefix.len() + 1])
}

/// A shared store is a store: a ledger can be opened over a store that something else also holds, such as a
/// [`CountingStore`] the caller keeps to read its counters.
impl<T: ReadStore + ?Sized> ReadStore for std::sync::Arc<T> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        (**self).get(key)
    }

    fn range(&self, from: &[u8], to: &[u8], limit: usize) -> Result<Vec<Pair>, Error> {
        (**self).range(from, to, limit)
    }

    fn size_on_disk(&self) -> Result<u64, Error> {
        (**self).size_on_disk()
    }
}

/// A shared writable store is a writable store (see the [`ReadStore`] impl above).
impl<T: Store + ?Sized> Store for std::sync::Arc<T> {
    fn apply(&self, writes: &Writes) -> Result<(), Error> {
        (**self).apply(writes)
    }

    fn flush(&self) -> Result<(), Error> {
        (**self).flush()
    }
}

/// What a [`CountingStore`] has passed through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reads {
    /// Point reads.
    pub gets: u64,
    /// Range reads.
    pub ranges: u64,
    /// Pairs returned by range reads.
    pub pairs: u64,
}

impl Reads {
    /// Every key touched: point reads plus pairs returned by ranges (a range that returns nothing still
    /// counts once, as a seek).
    pub fn keys(&self) -> u64 {
        self.gets + self.pairs.max(self.ranges)
    }
}

/// A store that counts the reads passing through it to another, for measuring what a query costs in keys
/// rather than in time: the cost tests check that a query's reads depend on its answer and not on the size
/// of the ledger, and the benchmark counts lineage edges. Each read costs one relaxed atomic add more.
#[derive(Debug)]
pub struct CountingStore<S> {
    inner: S,
    gets: AtomicU64,
    ranges: AtomicU64,
    pairs: AtomicU64,
}

impl<S: ReadStore> CountingStore<S> {
    /// Counts the reads of `inner`, from zero.
    pub fn new(inner: S) -> CountingStore<S> {
        CountingStore { inner, gets: 0.into(), ranges: 0.into(), pairs: 0.into() }
    }

    /// The store underneath: reads through it are not counted (the benchmark's raw baseline).
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The reads so far.
    pub fn reads(&self) -> Reads {
        Reads { gets: self.gets.load(Relaxed), ranges: self.ranges.load(Relaxed), pairs: self.pairs.load(Relaxed) }
    }

    /// The reads so far, and starts counting again from zero.
    pub fn take(&self) -> Reads {
        Reads {
            gets: self.gets.swap(0, Relaxed),
            ranges: self.ranges.swap(0, Relaxed),
            pairs: self.pairs.swap(0, Relaxed),
        }
    }
}

impl<S: ReadStore> ReadStore for CountingStore<S> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        self.gets.fetch_add(1, Relaxed);
        self.inner.get(key)
    }

    fn range(&self, from: &[u8], to: &[u8], limit: usize) -> Result<Vec<Pair>, Error> {
        let out = self.inner.range(from, to, limit)?;
        self.ranges.fetch_add(1, Relaxed);
        self.pairs.fetch_add(out.len() as u64, Relaxed);
        Ok(out)
    }

    fn size_on_disk(&self) -> Result<u64, Error> {
        self.inner.size_on_disk()
    }
}

impl<S: Store> Store for CountingStore<S> {
    fn apply(&self, writes: &Writes) -> Result<(), Error> {
        self.inner.apply(writes)
    }

    fn flush(&self) -> Result<(), Error> {
        self.inner.flush()
    }
}

/// What readers of a ledger see: the store as of the last *committed* group, never a group the writer has
/// applied but not yet flushed and published.
///
/// sled makes an applied batch visible at once, before `flush` makes it durable and before the ledger
/// publishes the new head. Without this view a reader could find an entry in a batch's history that the
/// head does not cover yet (and get "not found" for it), or be shown state that a crash in the next
/// milliseconds would take back. So while a group is in flight the writer parks the *previous* value of every
/// key it writes here ([`CommittedView::begin`]), and readers that find such a key answer with the parked
/// value; once the head is published the writer clears them ([`CommittedView::end`]).
///
/// Ordering: the writer parks before it applies and clears after it publishes the head; a reader reads the
/// store first and looks at the parked values afterwards. So a reader that sees a new value either also
/// sees it parked (and answers the old one), or reads after the head that covers it was published.
///
/// Private to the ledger: readers get it only as a `&dyn ReadStore` ([`crate::Ledger::store`]), and only the
/// writer, which holds the [`Store`] underneath ([`CommittedView::raw`]), can write.
#[derive(Debug)]
pub(crate) struct CommittedView {
    store: std::sync::Arc<dyn Store>,
    parked: std::sync::RwLock<Option<std::sync::Arc<Writes>>>,
}

impl CommittedView {
    /// A view of `store` with nothing in flight.
    pub(crate) fn new(store: std::sync::Arc<dyn Store>) -> CommittedView {
        CommittedView { store, parked: std::sync::RwLock::new(None) }
    }

    /// The store underneath, for the writer.
    pub(crate) fn raw(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// The store underneath as a [`ReadStore`], for the writer's [`Overlay`]: reads that see the group in
    /// flight. (Through the `Arc`, which is a `ReadStore`, since casting `&dyn Store` up to `&dyn ReadStore`
    /// needs Rust 1.86 and the workspace supports 1.85.)
    pub(crate) fn raw_reads(&self) -> &dyn ReadStore {
        &self.store
    }

    fn parked(&self) -> Option<std::sync::Arc<Writes>> {
        match self.parked.read() {
            Ok(p) => p.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn set(&self, value: Option<std::sync::Arc<Writes>>) {
        match self.parked.write() {
            Ok(mut p) => *p = value,
            Err(p) => *p.into_inner() = value,
        }
    }

    /// Parks the current value of every key in `writes`, before the writer applies them.
    pub(crate) fn begin(&self, writes: &Writes) -> Result<(), Error> {
        let mut old = Writes::new();
        for k in writes.keys() {
            old.insert(k.clone(), self.store.get(k)?);
        }
        self.set(Some(std::sync::Arc::new(old)));
        Ok(())
    }

    /// Forgets the parked values, after the writer has published the head that covers the group.
    pub(crate) fn end(&self) {
        self.set(None);
    }
}

/// Only the read side: writes go to [`CommittedView::raw`], which only the ledger's writer uses.
impl ReadStore for CommittedView {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        let v = self.store.get(key)?;
        match self.parked() {
            Some(p) => Ok(p.get(key).cloned().unwrap_or(v)),
            None => Ok(v),
        }
    }

    fn range(&self, from: &[u8], to: &[u8], limit: usize) -> Result<Vec<Pair>, Error> {
        // Read first, then patch with whatever is parked in the range (see the ordering note above). Keys the
        // group adds are dropped, so read enough to still fill `limit`.
        let pairs = self.store.range(from, to, limit.saturating_add(self.parked().map_or(0, |p| p.len())))?;
        let Some(parked) = self.parked() else {
            return Ok(pairs.into_iter().take(limit).collect());
        };
        let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = pairs.into_iter().collect();
        for (k, old) in parked.range(from.to_vec()..to.to_vec()) {
            match old {
                Some(v) => merged.insert(k.clone(), v.clone()),
                None => merged.remove(k),
            };
        }
        Ok(merged.into_iter().take(limit).collect())
    }

    fn size_on_disk(&self) -> Result<u64, Error> {
        self.store.size_on_disk()
    }
}

/// Pending writes of a group commit over a store, in two layers: the group so far, and the record being
/// checked now. [`Overlay::keep`] folds the record's writes into the group; [`Overlay::drop_record`]
/// forgets them. Private to the ledger's writer and the rules it runs.
#[derive(Debug)]
pub(crate) struct Overlay<'s> {
    store: &'s dyn ReadStore,
    group: Writes,
    record: Writes,
    /// Answers of [`Overlay::scan_prefix`] by prefix, kept until a write under that prefix. The rules read
    /// the banned list for every input applied and every lot registered; scanning and merging it each time
    /// was a fifth of the writer's time.
    scans: RefCell<HashMap<Vec<u8>, Vec<Pair>>>,
}

impl<'s> Overlay<'s> {
    /// An empty overlay over `store`.
    pub(crate) fn new(store: &'s dyn ReadStore) -> Overlay<'s> {
        Overlay { store, group: Writes::new(), record: Writes::new(), scans: RefCell::new(HashMap::new()) }
    }

    /// The value at `key` as the current record sees it.
    pub(crate) fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        if let Some(v) = self.record.get(key) {
            return Ok(v.clone());
        }
        if let Some(v) = self.group.get(key) {
            return Ok(v.clone());
        }
        self.store.get(key)
    }

    /// Writes `value` at `key`.
    pub(crate) fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.forget_scans(&key);
        self.record.insert(key, Some(value));
    }

    /// Deletes `key`. No rule deletes since the banned list is adopted, not edited; the store's tests do.
    #[cfg(test)]
    pub(crate) fn delete(&mut self, key: Vec<u8>) {
        self.forget_scans(&key);
        self.record.insert(key, None);
    }

    /// Forgets remembered scans that `key` falls under.
    fn forget_scans(&mut self, key: &[u8]) {
        let scans = self.scans.get_mut();
        if !scans.is_empty() {
            scans.retain(|prefix, _| !key.starts_with(prefix));
        }
    }

    /// Every pair under `prefix` as the current record sees it, ascending.
    pub(crate) fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<Pair>, Error> {
        if let Some(pairs) = self.scans.borrow().get(prefix) {
            return Ok(pairs.clone());
        }
        let (from, to) = prefix_range(prefix);
        let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = self.store.range(&from, &to, usize::MAX)?.into_iter().collect();
        for layer in [&self.group, &self.record] {
            for (k, v) in layer.range(from.clone()..to.clone()) {
                match v {
                    Some(v) => merged.insert(k.clone(), v.clone()),
                    None => merged.remove(k),
                };
            }
        }
        let pairs: Vec<Pair> = merged.into_iter().collect();
        self.scans.borrow_mut().insert(prefix.to_vec(), pairs.clone());
        Ok(pairs)
    }

    /// Keeps the current record's writes.
    pub(crate) fn keep(&mut self) {
        let record = std::mem::take(&mut self.record);
        self.group.extend(record);
    }

    /// Forgets the current record's writes.
    pub(crate) fn drop_record(&mut self) {
        let record = std::mem::take(&mut self.record);
        for key in record.keys() {
            self.forget_scans(key);
        }
    }

    /// The group's writes, for [`Store::apply`]. Any unkept record writes are dropped.
    pub(crate) fn into_writes(self) -> Writes {
        self.group
    }

    /// Whether the group has any writes.
    pub(crate) fn is_empty(&self) -> bool {
        self.group.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sled_store::SledStore;

    #[test]
    fn prefix_range_covers_exactly_the_prefix() {
        assert_eq!(prefix_range(b"ab"), (b"ab".to_vec(), b"ac".to_vec()));
        assert_eq!(prefix_range(&[1, 0xff]), (vec![1, 0xff], vec![2]));
    }

    #[test]
    fn a_counting_store_counts_reads_not_writes_and_take_starts_again() {
        let dir = tempfile::tempdir().unwrap();
        let shared: std::sync::Arc<dyn Store> = std::sync::Arc::new(SledStore::open(dir.path()).unwrap());
        let store = CountingStore::new(shared);
        let mut w = Writes::new();
        w.insert(b"k1".to_vec(), Some(b"a".to_vec()));
        w.insert(b"k2".to_vec(), Some(b"b".to_vec()));
        store.apply(&w).unwrap();
        assert_eq!(store.reads(), Reads::default());
        assert_eq!(store.get(b"k1").unwrap(), Some(b"a".to_vec()));
        assert_eq!(store.get(b"nope").unwrap(), None);
        assert_eq!(store.range(b"k", b"l", usize::MAX).unwrap().len(), 2);
        assert!(store.range(b"x", b"y", usize::MAX).unwrap().is_empty());
        let r = Reads { gets: 2, ranges: 2, pairs: 2 };
        assert_eq!(store.reads(), r);
        assert_eq!(r.keys(), 4);
        // Reads past the counter are not counted.
        store.inner().get(b"k2").unwrap();
        assert_eq!(store.take(), r);
        assert_eq!(store.reads(), Reads::default());
    }

    #[test]
    fn overlay_layers_shadow_the_store_and_drop_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        let mut w = Writes::new();
        w.insert(b"p1".to_vec(), Some(b"store".to_vec()));
        w.insert(b"p2".to_vec(), Some(b"store".to_vec()));
        store.apply(&w).unwrap();
        let mut o = Overlay::new(&store);
        o.put(b"p3".to_vec(), b"group".to_vec());
        o.delete(b"p1".to_vec());
        o.keep();
        o.put(b"p4".to_vec(), b"refused".to_vec());
        assert_eq!(o.scan_prefix(b"p").unwrap().len(), 3);
        o.drop_record();
        let keys: Vec<Vec<u8>> = o.scan_prefix(b"p").unwrap().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, vec![b"p2".to_vec(), b"p3".to_vec()]);
        assert_eq!(o.get(b"p1").unwrap(), None);
    }

    #[test]
    fn remembered_scans_follow_puts_deletes_and_dropped_records() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        let mut o = Overlay::new(&store);
        let keys =
            |o: &Overlay<'_>| -> Vec<Vec<u8>> { o.scan_prefix(b"S").unwrap().into_iter().map(|(k, _)| k).collect() };
        assert!(keys(&o).is_empty());
        o.put(b"Sa".to_vec(), Vec::new());
        assert_eq!(keys(&o), vec![b"Sa".to_vec()]);
        o.keep();
        o.put(b"Sb".to_vec(), Vec::new());
        assert_eq!(keys(&o).len(), 2);
        o.drop_record();
        assert_eq!(keys(&o), vec![b"Sa".to_vec()]);
        o.delete(b"Sa".to_vec());
        assert!(keys(&o).is_empty());
        o.put(b"T".to_vec(), Vec::new());
        assert!(keys(&o).is_empty());
    }
}
