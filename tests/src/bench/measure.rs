//! The library-side measurements and their same-run baselines: raw signature verification, durable append,
//! the audit, lineage walks against raw point reads, and bytes on disk.

use std::collections::BTreeMap;
use std::io::{BufReader, BufWriter};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use trace_core::{
    BatchId, Checkpoint, Direction, Error, Ledger, NoteSigner, Origin, ReadStore, Record, SecretKey, SledStore, Trust,
    verify_bundle, write_bundle,
};

use super::synth::Herd;

/// Signatures per call of `ed25519_dalek::verify_batch` in the baseline.
pub const BATCH: usize = 256;

/// The sled store with counters: lineage walks are measured in edges, and an edge is a key read by a range
/// scan; reads through its `inner()` are the raw baseline.
pub type CountingStore = trace_core::CountingStore<SledStore>;

/// Opens the sled store in `dir`, retrying while a previous handle (a writer thread winding down) still
/// holds its lock.
pub fn open_store(dir: &Path) -> anyhow::Result<SledStore> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match SledStore::open(dir) {
            Ok(s) => return Ok(s),
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => return Err(e).with_context(|| format!("opening the store in {}", dir.display())),
        }
    }
}

/// Runs `f` over and over until at least `min` has passed; returns items per second, given `f`'s count.
fn rate(min: Duration, mut f: impl FnMut() -> u64) -> f64 {
    let start = Instant::now();
    let mut n = 0;
    while start.elapsed() < min || n == 0 {
        n += f();
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// Raw signature-verification rates on one core, over the signed bytes of real records: `verify_batch` in
/// batches of [`BATCH`], and one `verify_strict` at a time.
#[derive(Debug, Clone, Copy)]
pub struct VerifyBaseline {
    /// `ed25519_dalek::verify_batch` signatures per second on one core.
    pub batch_per_s: f64,
    /// `VerifyingKey::verify_strict` signatures per second on one core.
    pub strict_per_s: f64,
}

/// Measures [`VerifyBaseline`] on up to 4096 of `records`, for about `min` each.
pub fn verify_baseline(records: &[&Record], min: Duration) -> anyhow::Result<VerifyBaseline> {
    let sample: Vec<&Record> = records.iter().copied().take(4096).collect();
    let messages: Vec<Vec<u8>> = sample.iter().map(|r| r.signed_bytes()).collect();
    let sigs: Vec<ed25519_dalek::Signature> =
        sample.iter().map(|r| ed25519_dalek::Signature::from_bytes(&r.signature().0)).collect();
    let keys: Vec<ed25519_dalek::VerifyingKey> = sample.iter().map(|r| r.body().author.verifying_key()).collect();
    let mut bad = false;
    let batch_per_s = rate(min, || {
        let mut n = 0;
        for ((m, s), k) in messages.chunks(BATCH).zip(sigs.chunks(BATCH)).zip(keys.chunks(BATCH)) {
            let m: Vec<&[u8]> = m.iter().map(Vec::as_slice).collect();
            bad |= ed25519_dalek::verify_batch(&m, s, k).is_err();
            n += m.len() as u64;
        }
        n
    });
    let strict_per_s = rate(min, || {
        for ((m, s), k) in messages.iter().zip(&sigs).zip(&keys) {
            bad |= k.verify_strict(m, s).is_err();
        }
        messages.len() as u64
    });
    if bad {
        bail!("a generated record's signature does not verify");
    }
    Ok(VerifyBaseline { batch_per_s, strict_per_s })
}

/// Appends `setup` in one call, then every herd's records from `callers` threads at once, each taking whole
/// herds in groups of about `group` records. Returns records per second; fails on any refusal.
pub fn append_all(
    ledger: &Ledger,
    setup: &[Record],
    herds: &[Herd],
    callers: usize,
    group: usize,
) -> anyhow::Result<f64> {
    let start = Instant::now();
    let mut n = setup.len();
    check(ledger.append_many(setup.to_vec())?)?;
    let mut chunks: Vec<Vec<Record>> = Vec::new();
    let mut cur = Vec::new();
    for h in herds {
        cur.extend(h.records.iter().cloned());
        if cur.len() >= group {
            chunks.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        chunks.push(cur);
    }
    n += chunks.iter().map(Vec::len).sum::<usize>();
    // Cloning the records is setup, not append: restart the clock for the concurrent part.
    let setup_time = start.elapsed();
    let start = Instant::now();
    let next = AtomicUsize::new(0);
    let chunks = &chunks;
    std::thread::scope(|s| -> anyhow::Result<()> {
        let handles: Vec<_> = (0..callers)
            .map(|_| {
                s.spawn(|| -> anyhow::Result<()> {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(c) = chunks.get(i) else { return Ok(()) };
                        check(ledger.append_many(c.clone())?)?;
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().map_err(|_| anyhow::anyhow!("an appender panicked"))??;
        }
        Ok(())
    })?;
    Ok(n as f64 / (setup_time + start.elapsed()).as_secs_f64())
}

fn check(outcomes: Vec<Result<trace_core::Appended, Error>>) -> anyhow::Result<()> {
    for (i, o) in outcomes.into_iter().enumerate() {
        match o {
            Ok(a) if !a.duplicate => {}
            Ok(a) => bail!("record {i} of a group was a duplicate of entry {}", a.index),
            Err(e) => bail!("record {i} of a group was refused: {e}"),
        }
    }
    Ok(())
}

/// The audit: times writing the bundle of the whole ledger and verifying it from the file alone.
#[derive(Debug, Clone, Copy)]
pub struct Audit {
    /// Entries audited.
    pub entries: u64,
    /// Seconds to write the bundle.
    pub write_s: f64,
    /// Seconds to verify it.
    pub verify_s: f64,
    /// Bundle size in bytes.
    pub bytes: u64,
}

/// Signs a checkpoint with the log key, writes the bundle to `path` and verifies it with the key pinned.
pub fn audit(ledger: &Ledger, log_key_name: &str, log_key: &SecretKey, path: &Path) -> anyhow::Result<Audit> {
    let signer = NoteSigner::new(log_key_name, log_key.clone()).context("the log key")?;
    let note = Checkpoint::of_ledger(ledger, ledger.size())?.sign(&signer).to_string();
    let start = Instant::now();
    let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let entries = write_bundle(ledger, &note, signer.verifier_key(), BufWriter::with_capacity(1 << 20, file))?;
    let write_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let file = std::fs::File::open(path)?;
    let report = verify_bundle(BufReader::with_capacity(1 << 20, file), &Trust::pinned(signer.verifier_key().clone()))
        .map_err(|e| anyhow::anyhow!("the bundle does not verify: {e}"))?;
    let verify_s = start.elapsed().as_secs_f64();
    if report.entries != entries {
        bail!("verified {} entries of {entries}", report.entries);
    }
    Ok(Audit { entries, write_s, verify_s, bytes: std::fs::metadata(path)?.len() })
}

/// Lineage walks in edges per second, and the raw point-read rate of the same store.
#[derive(Debug, Clone, Copy, Default)]
pub struct Trace {
    /// `back` from cuts at stalls: edges per second.
    pub back_per_s: f64,
    /// `forward` from feed lots: edges per second.
    pub forward_per_s: f64,
    /// `recall_impact` of feed lots: edges per second.
    pub recall_per_s: f64,
    /// All three together: edges per second.
    pub edges_per_s: f64,
    /// Raw sled point reads (batch-state keys of the batches the walks reached) per second.
    pub raw_reads_per_s: f64,
    /// Average edges per walk.
    pub edges_per_walk: f64,
}

/// Times `back` from `cuts`, `forward` and `recall_impact` from `lots`, each for about `min`, and raw point
/// reads of the batch keys they reach.
pub fn trace(
    ledger: &Ledger,
    store: &CountingStore,
    cuts: &[BatchId],
    lots: &[BatchId],
    min: Duration,
) -> anyhow::Result<Trace> {
    let mut reached: Vec<BatchId> = Vec::new();
    let mut walks = 0u64;
    let mut edges_total = 0u64;
    let mut time_total = 0.0;
    let mut measure =
        |starts: &[BatchId], f: &dyn Fn(BatchId) -> anyhow::Result<Vec<BatchId>>| -> anyhow::Result<f64> {
            let before = store.reads().pairs;
            let start = Instant::now();
            let mut i = 0;
            while start.elapsed() < min || i < starts.len().min(8) {
                let ids = f(starts[i % starts.len()])?;
                if reached.len() < 100_000 {
                    reached.extend(ids);
                }
                i += 1;
            }
            let t = start.elapsed().as_secs_f64();
            let edges = store.reads().pairs - before;
            walks += i as u64;
            edges_total += edges;
            time_total += t;
            Ok(edges as f64 / t)
        };
    let back_per_s =
        measure(cuts, &|b| Ok(ledger.lineage(b, Direction::Back)?.into_iter().map(|r| r.batch.id).collect()))?;
    let forward_per_s =
        measure(lots, &|b| Ok(ledger.lineage(b, Direction::Forward)?.into_iter().map(|r| r.batch.id).collect()))?;
    let recall_per_s =
        measure(lots, &|b| Ok(ledger.recall_impact(b)?.reached.into_iter().map(|r| r.batch.id).collect()))?;
    if reached.is_empty() {
        bail!("the lineage walks reached nothing");
    }
    // Spread the raw reads over the reached set in a scrambled order, so they are not all cache-adjacent.
    let keys: Vec<Vec<u8>> = (0..reached.len())
        .map(|i| trace_core::batch_key(reached[(i.wrapping_mul(2_654_435_761)) % reached.len()]))
        .collect();
    let mut missing = 0;
    let raw_reads_per_s = rate(min, || {
        for k in &keys {
            if store.inner().get(k).ok().flatten().is_none() {
                missing += 1;
            }
        }
        keys.len() as u64
    });
    if missing > 0 {
        bail!("{missing} raw reads of reached batches found nothing: the key layout changed?");
    }
    Ok(Trace {
        back_per_s,
        forward_per_s,
        recall_per_s,
        edges_per_s: edges_total as f64 / time_total,
        raw_reads_per_s,
        edges_per_walk: edges_total as f64 / walks.max(1) as f64,
    })
}

/// Total size of the files under `dir`, in bytes.
pub fn dir_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    for e in entries.flatten() {
        match e.metadata() {
            Ok(m) if m.is_dir() => total += dir_bytes(&e.path()),
            Ok(m) => total += m.len(),
            Err(_) => {}
        }
    }
    total
}

/// Opens a ledger over a counting store in `dir`.
pub fn open_ledger(dir: &Path, origin: Origin) -> anyhow::Result<(Ledger, Arc<CountingStore>)> {
    let store = Arc::new(CountingStore::new(open_store(dir)?));
    let ledger = Ledger::with_store(store.clone(), origin).context("opening the ledger")?;
    Ok((ledger, store))
}

/// Live bytes in the store by key prefix: (prefix, keys, key bytes + value bytes), for seeing where disk goes.
pub fn live_bytes(store: &dyn ReadStore) -> anyhow::Result<Vec<(char, u64, u64)>> {
    let mut out: std::collections::BTreeMap<u8, (u64, u64)> = std::collections::BTreeMap::new();
    let mut from = Vec::new();
    loop {
        let page = store.range(&from, &[0xff; 40], 65_536)?;
        let Some((last, _)) = page.last() else { break };
        let mut next = last.clone();
        next.push(0);
        for (k, v) in &page {
            let e = out.entry(k.first().copied().unwrap_or(0)).or_default();
            e.0 += 1;
            e.1 += (k.len() + v.len()) as u64;
        }
        from = next;
    }
    Ok(out.into_iter().map(|(p, (n, b))| (p as char, n, b)).collect())
}

/// CPU time this process has used so far, every thread's (the living and the finished), in seconds, where
/// the platform tells (`/proc/self/stat`, in clock ticks of 1/100 s). On a shared machine the CPU an
/// operation costs moves much less than its wall-clock rate.
pub fn process_cpu_s() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces: state is field 3, utime 14
    // and stime 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// CPU time used so far by each of this process's threads named `name`, by thread id, in seconds
/// (`/proc/self/task/*/schedstat`, in nanoseconds), where the platform tells. A thread names itself once it
/// runs, so a thread just spawned is waited for, up to a second.
pub fn thread_cpu_s(name: &str) -> Option<BTreeMap<u64, f64>> {
    for _ in 0..100 {
        let found = thread_cpu_once(name)?;
        if !found.is_empty() {
            return Some(found);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

/// CPU a set of threads used between two readings of [`thread_cpu_s`]: threads that ended in between are
/// left out (the writer of a ledger just dropped), threads that started count from zero.
pub fn thread_cpu_delta_s(before: &BTreeMap<u64, f64>, after: &BTreeMap<u64, f64>) -> f64 {
    after.iter().map(|(tid, a)| a - before.get(tid).copied().unwrap_or(0.0)).sum()
}

fn thread_cpu_once(name: &str) -> Option<BTreeMap<u64, f64>> {
    let mut out = BTreeMap::new();
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let Some(tid) = task.file_name().to_str().and_then(|t| t.parse::<u64>().ok()) else { continue };
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim_end() != name {
            continue;
        }
        // A thread that is exiting may no longer answer: leave it out.
        let ns = std::fs::read_to_string(task.path().join("schedstat"))
            .ok()
            .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse::<u64>().ok()));
        if let Some(ns) = ns {
            out.insert(tid, ns as f64 / 1e9);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_cpu_counts_threads_that_started_and_leaves_out_those_that_ended() {
        let before = BTreeMap::from([(1, 5.0), (2, 1.0)]);
        let after = BTreeMap::from([(2, 1.5), (3, 0.25)]);
        // Thread 1 ended (left out), thread 2 used 0.5 s, thread 3 started and used 0.25 s.
        assert_eq!(thread_cpu_delta_s(&before, &after), 0.75);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_named_busy_thread_is_found_with_its_cpu() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::Builder::new()
            .name("cpu-probe-test".into())
            .spawn(move || {
                let start = Instant::now();
                let mut x = 0u64;
                while start.elapsed() < Duration::from_millis(30) {
                    x = x.wrapping_mul(31).wrapping_add(7);
                }
                std::hint::black_box(x);
                rx.recv().ok();
            })
            .unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let seen = thread_cpu_s("cpu-probe-test").expect("the probe thread is listed");
        assert_eq!(seen.len(), 1);
        assert!(seen.values().all(|s| *s > 0.0), "{seen:?}");
        tx.send(()).unwrap();
        t.join().unwrap();
    }
}
