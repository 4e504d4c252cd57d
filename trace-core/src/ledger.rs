//! [`Ledger`]: the append-only log of signed records, its derived state, and the group-commit writer.
//!
//! Appends go through one writer thread. Callers verify signatures in their own threads, then queue the
//! records; the writer takes everything queued, applies each record in order to an [`Overlay`] (refusing
//! those that break a rule), writes the whole group to the store in one atomic batch, flushes once, and only
//! then answers every caller. So an acknowledged record is on disk, and many concurrent appends share one
//! fsync. See `docs/storage.md` for what a crash at each step can lose.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, RwLock};
use std::thread;

use crate::clock::Clock;
use crate::encoding;
use crate::error::{Error, VerifyError};
use crate::ids::{BatchId, EntryHash, RecordId};
use crate::merkle::{self, Hash, NodeSource};
use crate::record::{LogEntry, Record};
use crate::rules::{self, Effects};
use crate::schema;
use crate::sled_store::SledStore;
use crate::state::{Actor, BatchState, Head, StateRead};
use crate::store::{CommittedView, Overlay, ReadStore, Store};
use crate::values::{Origin, Time};

/// Most records the writer takes into one group commit.
const MAX_GROUP: usize = 8192;

/// How many entries at the tail of the log are re-checked when a ledger is opened.
pub const TAIL_CHECK: u64 = 1024;

/// The outcome of appending one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// Entry index.
    pub index: u64,
    /// Record id.
    pub id: RecordId,
    /// When the node accepted it (for a duplicate: when it was first accepted).
    pub accepted: Time,
    /// True when the record was already in the log; nothing was written.
    pub duplicate: bool,
    /// Batches or input lots it created (empty for duplicates).
    pub created: Vec<BatchId>,
}

type Reply = mpsc::SyncSender<Result<Vec<Result<Appended, Error>>, Error>>;

struct Job {
    records: Vec<Record>,
    reply: Reply,
}

struct Shared {
    /// The store as of the last committed group: what every reader sees. The writer uses `store.raw()`.
    store: CommittedView,
    origin: Origin,
    head: RwLock<Head>,
    failed: AtomicBool,
    /// Where accepted times come from: the system clock, except in stories (see [`Clock`]).
    clock: Clock,
}

/// An open ledger. Cheap to clone; all clones share one writer.
#[derive(Clone)]
pub struct Ledger {
    shared: Arc<Shared>,
    jobs: mpsc::Sender<Job>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger").field("origin", &self.shared.origin).field("head", &self.head()).finish()
    }
}

impl Ledger {
    /// Opens the sled store in `dir` as the ledger `origin`, checking the tail of its chain.
    pub fn open(dir: &Path, origin: Origin) -> Result<Ledger, Error> {
        let store = SledStore::open(dir)?;
        Ledger::with_store(Arc::new(store), origin)
    }

    /// Opens a ledger over any [`Store`], checking the tail of its chain.
    pub fn with_store(store: Arc<dyn Store>, origin: Origin) -> Result<Ledger, Error> {
        Ledger::with_clock(store, origin, Clock::system())
    }

    /// Opens a ledger whose accepted times come from `clock`. Only stories pass anything but
    /// [`Clock::system`]: see [`crate::StoryClock`].
    pub fn with_clock(store: Arc<dyn Store>, origin: Origin, clock: Clock) -> Result<Ledger, Error> {
        let head = match store.get(schema::HEAD)? {
            None => Head::empty(),
            Some(v) => encoding::decode(&v)
                .map_err(|e| schema::corrupt(schema::HEAD, format!("the log head does not decode: {e}")))?,
        };
        let shared = Arc::new(Shared {
            store: CommittedView::new(store),
            origin,
            head: RwLock::new(head),
            failed: AtomicBool::new(false),
            clock,
        });
        let from = head.size.saturating_sub(TAIL_CHECK);
        check_chain(&shared.store, &shared.origin, &head, from)?;
        let (tx, rx) = mpsc::channel::<Job>();
        let writer = Arc::clone(&shared);
        thread::Builder::new()
            .name("trace-writer".into())
            .spawn(move || writer_loop(&writer, &rx))
            .map_err(|e| Error::Io { context: "starting the ledger writer".into(), source: e })?;
        Ok(Ledger { shared, jobs: tx })
    }

    /// The ledger's origin.
    pub fn origin(&self) -> &Origin {
        &self.shared.origin
    }

    /// The committed head.
    pub fn head(&self) -> Head {
        match self.shared.head.read() {
            Ok(h) => *h,
            Err(p) => *p.into_inner(),
        }
    }

    /// Number of entries.
    pub fn size(&self) -> u64 {
        self.head().size
    }

    /// The store as of the last committed append, for read-only queries: a group the writer has applied
    /// but not yet flushed and published is not visible here. Only the read side: the writer alone holds
    /// the [`Store`] that can write.
    pub fn store(&self) -> &dyn ReadStore {
        &self.shared.store
    }

    /// Verifies, checks and durably appends one record.
    pub fn append(&self, record: Record) -> Result<Appended, Error> {
        let mut out = self.append_many(vec![record])?;
        out.pop().unwrap_or_else(|| Err(Error::Storage("writer returned no outcome".into())))
    }

    /// Verifies, checks and durably appends records in order, returning one outcome per record. Records are
    /// independent: a refused record does not stop the others (though a later record that builds on a
    /// refused one is refused in turn). The outer error is a storage failure, after which nothing in this
    /// call was acknowledged.
    pub fn append_many(&self, records: Vec<Record>) -> Result<Vec<Result<Appended, Error>>, Error> {
        let checks = verify_stateless(&records, &self.shared.origin);
        let mut outcomes: Vec<Option<Result<Appended, Error>>> = Vec::with_capacity(records.len());
        let mut queued = Vec::new();
        for (r, c) in records.into_iter().zip(checks) {
            match c {
                Ok(()) => {
                    outcomes.push(None);
                    queued.push(r);
                }
                Err(e) => outcomes.push(Some(Err(e))),
            }
        }
        let mut written = if queued.is_empty() {
            Vec::new()
        } else {
            let (tx, rx) = mpsc::sync_channel(1);
            self.jobs.send(Job { records: queued, reply: tx }).map_err(|_| Error::WriterStopped)?;
            rx.recv().map_err(|_| Error::WriterStopped)??
        }
        .into_iter();
        Ok(outcomes
            .into_iter()
            .map(|o| o.unwrap_or_else(|| written.next().unwrap_or(Err(Error::WriterStopped))))
            .collect())
    }

    /// The leaf data of entry `index`.
    pub fn leaf_data(&self, index: u64) -> Result<Vec<u8>, Error> {
        if index >= self.size() {
            return Err(Error::NotFound(format!("entry {index}; the log has {} entries", self.size())));
        }
        self.store().get(&schema::entry(index))?.ok_or_else(|| Error::Corrupt { index, why: "entry missing".into() })
    }

    /// Entry `index`, decoded.
    pub fn entry(&self, index: u64) -> Result<LogEntry, Error> {
        let data = self.leaf_data(index)?;
        LogEntry::decode(&data).map_err(|e| Error::Corrupt { index, why: e.to_string() })
    }

    /// Leaf data of entries `[from, to)`, at most `limit`, in one range read.
    pub fn leaf_range(&self, from: u64, to: u64, limit: usize) -> Result<Vec<Vec<u8>>, Error> {
        let to = to.min(self.size());
        if from >= to {
            return Ok(Vec::new());
        }
        let pairs = self.store().range(&schema::entry(from), &schema::entry(to), limit)?;
        Ok(pairs.into_iter().map(|(_, v)| v).collect())
    }

    /// The entry index of a record, if it is in the log.
    pub fn index_of(&self, id: &RecordId) -> Result<Option<u64>, Error> {
        self.store().record_index(id)
    }

    /// The record with this id.
    pub fn record(&self, id: &RecordId) -> Result<Option<LogEntry>, Error> {
        match self.index_of(id)? {
            Some(i) => self.entry(i).map(Some),
            None => Ok(None),
        }
    }

    /// An actor by key.
    pub fn actor(&self, key: &crate::keys::PublicKey) -> Result<Option<Actor>, Error> {
        self.store().actor(key)
    }

    /// Every actor.
    pub fn actors(&self) -> Result<Vec<Actor>, Error> {
        let pairs = self.store().scan_prefix(schema::ACTOR_PREFIX)?;
        pairs
            .into_iter()
            .map(|(k, v)| encoding::decode(&v).map_err(|e| schema::corrupt(&k, format!("actor does not decode: {e}"))))
            .collect()
    }

    /// A batch or input lot by id.
    pub fn batch(&self, id: BatchId) -> Result<Option<BatchState>, Error> {
        self.store().batch(id)
    }

    /// The Merkle root of the first `size` entries.
    pub fn root_at(&self, size: u64) -> Result<Hash, Error> {
        if size > self.size() {
            return Err(Error::NotFound(format!("tree size {size}; the log has {} entries", self.size())));
        }
        merkle::root(&self.nodes(), size)
    }

    /// Inclusion proof of entry `index` in the tree of `size` entries.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, Error> {
        if size > self.size() {
            return Err(Error::NotFound(format!("tree size {size}; the log has {} entries", self.size())));
        }
        merkle::inclusion_proof(&self.nodes(), index, size)
    }

    /// Consistency proof from the tree of `old` entries to the tree of `new` entries.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, Error> {
        if new > self.size() {
            return Err(Error::NotFound(format!("tree size {new}; the log has {} entries", self.size())));
        }
        merkle::consistency_proof(&self.nodes(), old, new)
    }

    /// The stored Merkle nodes, as a [`NodeSource`].
    pub fn nodes(&self) -> impl NodeSource + '_ {
        StoreNodes(self.store())
    }

    /// Re-checks the whole chain: every entry decodes, is numbered, links to the previous one, matches its
    /// stored leaf hash and record index, carries a valid signature for this origin; and the root matches.
    pub fn verify_all(&self) -> Result<(), Error> {
        let head = self.head();
        check_chain(self.store(), self.origin(), &head, 0)
    }

    /// Flushes the store: returns once every write applied to it is on disk. Every acknowledged append is
    /// already there (the writer flushes each group before it answers), so this adds a durability point for
    /// nothing a caller was told about; the node calls it once at shutdown. It does not stop the writer:
    /// appends through this and every other clone are still accepted afterwards.
    pub fn flush(&self) -> Result<(), Error> {
        self.shared.store.raw().flush()
    }
}

struct StoreNodes<'a>(&'a dyn ReadStore);

impl NodeSource for StoreNodes<'_> {
    fn node(&self, level: u8, index: u64) -> Result<Hash, Error> {
        read_node(|k| self.0.get(k), level, index)
    }
}

struct OverlayNodes<'a, 's>(&'a Overlay<'s>);

impl NodeSource for OverlayNodes<'_, '_> {
    fn node(&self, level: u8, index: u64) -> Result<Hash, Error> {
        read_node(|k| self.0.get(k), level, index)
    }
}

fn read_node(get: impl Fn(&[u8]) -> Result<Option<Vec<u8>>, Error>, level: u8, index: u64) -> Result<Hash, Error> {
    let v = get(&schema::tree_node(level, index))?;
    match v.as_deref().map(<[u8; 32]>::try_from) {
        Some(Ok(h)) => Ok(h),
        _ => Err(Error::Corrupt {
            index: index << level,
            why: format!("Merkle node ({level}, {index}) missing or damaged"),
        }),
    }
}

/// Checks that need no ledger state, for many records at once on all cores: size, field limits, origin and
/// the strict signature check.
pub fn verify_stateless(records: &[Record], origin: &Origin) -> Vec<Result<(), Error>> {
    let check = |r: &Record| -> Result<(), Error> {
        if r.encoded().len() > crate::record::MAX_RECORD_BYTES {
            return Err(Error::Decode(crate::error::DecodeError::TooLarge {
                len: r.encoded().len(),
                limit: crate::record::MAX_RECORD_BYTES,
            }));
        }
        if &r.body().origin != origin {
            return Err(
                VerifyError::WrongOrigin { expected: origin.to_string(), found: r.body().origin.to_string() }.into()
            );
        }
        rules::check_limits(r)?;
        rules::check_envelope(r)?;
        r.verify_signature()?;
        Ok(())
    };
    crate::parallel::map(records, 64, |_, r| check(r), || Err(Error::Storage("verifier thread panicked".into())))
}

fn writer_loop(shared: &Shared, rx: &mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        let mut count = jobs[0].records.len();
        while count < MAX_GROUP {
            match rx.try_recv() {
                Ok(j) => {
                    count += j.records.len();
                    jobs.push(j);
                }
                Err(_) => break,
            }
        }
        if shared.failed.load(Ordering::SeqCst) {
            for j in jobs {
                let _ = j.reply.send(Err(Error::WriterStopped));
            }
            continue;
        }
        match commit_group(shared, &jobs) {
            Ok(results) => {
                for (j, r) in jobs.into_iter().zip(results) {
                    let _ = j.reply.send(Ok(r));
                }
            }
            Err(e) => {
                // The store may hold part of what we tried to write but we acknowledged none of it. Stop
                // writing: a reopen re-reads the head and re-checks the chain.
                shared.failed.store(true, Ordering::SeqCst);
                let msg = e.to_string();
                for j in jobs {
                    let _ = j.reply.send(Err(Error::Storage(msg.clone())));
                }
            }
        }
    }
}

/// Applies a group of jobs and makes it durable. Returns per-record outcomes for each job.
fn commit_group(shared: &Shared, jobs: &[Job]) -> Result<Vec<Vec<Result<Appended, Error>>>, Error> {
    let store = shared.store.raw();
    let mut head = match shared.head.read() {
        Ok(h) => *h,
        Err(p) => *p.into_inner(),
    };
    let mut ov = Overlay::new(shared.store.raw_reads());
    let mut results = Vec::with_capacity(jobs.len());
    for job in jobs {
        let mut out = Vec::with_capacity(job.records.len());
        for record in &job.records {
            let r = append_one(&mut ov, &mut head, record, shared.clock.now());
            match &r {
                Ok(a) if !a.duplicate => ov.keep(),
                _ => ov.drop_record(),
            }
            out.push(r);
        }
        results.push(out);
    }
    if !ov.is_empty() {
        // The root is needed only in the head written with the group, so it is folded once per group rather
        // than once per record (log n stored subtree hashes read and hashed each time).
        head.root = merkle::root(&OverlayNodes(&ov), head.size)?;
        ov.put(schema::HEAD.to_vec(), encoding::encode(&head));
        ov.keep();
        let writes = ov.into_writes();
        // Readers keep seeing the last committed state until the new head is published (CommittedView). On
        // an error the parked values stay: the writer stops, and readers keep the state they knew.
        shared.store.begin(&writes)?;
        store.apply(&writes)?;
        store.flush()?;
        match shared.head.write() {
            Ok(mut h) => *h = head,
            Err(p) => *p.into_inner() = head,
        }
        shared.store.end();
    }
    Ok(results)
}

fn append_one(ov: &mut Overlay<'_>, head: &mut Head, record: &Record, now: Time) -> Result<Appended, Error> {
    let id = record.id();
    if let Some(index) = ov.record_index(&id)? {
        let data =
            ov.get(&schema::entry(index))?.ok_or_else(|| Error::Corrupt { index, why: "entry missing".into() })?;
        let entry = LogEntry::decode(&data).map_err(|e| Error::Corrupt { index, why: e.to_string() })?;
        return Ok(Appended { index, id, accepted: entry.accepted, duplicate: true, created: Vec::new() });
    }
    let index = head.size;
    let accepted = now.max(head.last_accepted);
    let Effects { created } = rules::apply(ov, record, index, accepted)?;
    let entry = LogEntry { index, accepted, prev: EntryHash(head.last_hash), record: record.clone() };
    let leaf_data = entry.leaf_data();
    let leaf = encoding::leaf_hash(&leaf_data);
    let nodes = merkle::append_nodes(&OverlayNodes(ov), index, leaf)?;
    for (level, i, h) in nodes {
        ov.put(schema::tree_node(level, i), h.to_vec());
    }
    ov.put(schema::entry(index), leaf_data);
    ov.put(schema::record_index(&id), schema::u64_value(index));
    head.size = index + 1;
    head.last_hash = leaf;
    head.last_accepted = accepted;
    Ok(Appended { index, id, accepted, duplicate: false, created })
}

/// Checks entries `[from, head.size)` against each other and the head; refuses with the first bad index.
fn check_chain(store: &dyn ReadStore, origin: &Origin, head: &Head, from: u64) -> Result<(), Error> {
    let corrupt = |index: u64, why: String| Error::Corrupt { index, why };
    let mut prev = if from == 0 { EntryHash::ZERO } else { EntryHash(read_node(|k| store.get(k), 0, from - 1)?) };
    let mut last_accepted = Time(0);
    let mut index = from;
    while index < head.size {
        let batch_end = (index + 4096).min(head.size);
        let pairs = store.range(&schema::entry(index), &schema::entry(batch_end), usize::MAX)?;
        if pairs.len() as u64 != batch_end - index {
            // Find the first missing index for the message.
            let mut want = index;
            for (k, _) in &pairs {
                if schema::tail_u64(k).ok() != Some(want) {
                    break;
                }
                want += 1;
            }
            return Err(corrupt(want, "entry missing".into()));
        }
        for (k, data) in pairs {
            if schema::tail_u64(&k).ok() != Some(index) {
                return Err(corrupt(index, "entry stored under the wrong key".into()));
            }
            let entry = LogEntry::decode(&data).map_err(|e| corrupt(index, format!("does not decode: {e}")))?;
            if entry.index != index {
                return Err(corrupt(index, format!("entry claims index {}", entry.index)));
            }
            if entry.prev != prev {
                return Err(corrupt(index, "previous-entry hash does not match entry before it".into()));
            }
            if entry.accepted < last_accepted {
                return Err(corrupt(index, "accepted time goes backwards".into()));
            }
            if &entry.record.body().origin != origin {
                return Err(corrupt(index, format!("record is for ledger '{}'", entry.record.body().origin)));
            }
            entry.record.verify_signature().map_err(|e| corrupt(index, e.to_string()))?;
            let leaf = encoding::leaf_hash(&data);
            if read_node(|k| store.get(k), 0, index)? != leaf {
                return Err(corrupt(index, "stored leaf hash does not match the entry".into()));
            }
            // A damaged record-index value is this entry's fault as much as a wrong one.
            match store.record_index(&entry.record.id()) {
                Ok(Some(i)) if i == index => {}
                Ok(_) | Err(Error::CorruptKey { .. }) => {
                    return Err(corrupt(index, "record index does not point at this entry".into()));
                }
                Err(e) => return Err(e),
            }
            last_accepted = entry.accepted;
            prev = EntryHash(leaf);
            index += 1;
        }
    }
    if head.size > 0 && prev.0 != head.last_hash {
        return Err(corrupt(head.size - 1, "last entry hash does not match the log head".into()));
    }
    let root = merkle::root(&StoreNodes(store), head.size)?;
    if root != head.root {
        return Err(corrupt(head.size.saturating_sub(1), "Merkle root does not match the log head".into()));
    }
    if store.get(&schema::entry(head.size))?.is_some() {
        return Err(corrupt(head.size, "an entry exists past the log head".into()));
    }
    Ok(())
}
