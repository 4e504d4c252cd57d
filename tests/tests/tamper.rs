//! Store and bundle tampering: bytes flipped in the sled files under a ledger's data directory, and in an
//! exported audit bundle. Every flip must be refused at open, reported by `verify_all` (or `verify_bundle`)
//! naming the entry, or provably harmless: the reopened store reads back byte for byte what it held before
//! the flip. A flip that opens, verifies, and reads back anything different was *silently served*, and fails
//! the suite.
//!
//! `TRACE_TAMPER_FLIPS` sets how many store flips to make (default 120); `TRACE_BUNDLE_FLIPS` how many bundle
//! flips (default 400). The figures are printed and recorded in docs/reliability.md.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use trace_core::*;
use trace_tests::*;

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A deterministic pseudo-random sequence (xorshift64*), so a failing flip can be replayed from its number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Every file under `dir`, relative path to contents.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn restore(files: &BTreeMap<PathBuf, Vec<u8>>, dir: &Path) {
    for (rel, bytes) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

/// What became of one flip.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// `Ledger::open` refused the store: sled's own checks, or ours naming an entry.
    RefusedAtOpen(String),
    /// It opened, and `verify_all` named the broken entry.
    ReportedByVerify(u64),
    /// It opened and verified, but reading the store back failed: a storage error, never a wrong answer.
    ReadError,
    /// It opened, verified, and every key and value reads back as before: the byte was not in use.
    Harmless,
    /// It opened, verified, and served something else. Must never happen.
    Silent(String),
}

fn classify(dir: &Path, origin: &Origin, before: &[Pair]) -> Outcome {
    let ledger = match Ledger::open(dir, origin.clone()) {
        Err(Error::Corrupt { index, .. }) => return Outcome::RefusedAtOpen(format!("corrupt at entry {index}")),
        Err(Error::Storage(_)) => return Outcome::RefusedAtOpen("storage error".into()),
        Err(e) => return Outcome::RefusedAtOpen(format!("other error: {e}")),
        // sled may panic on some damaged files rather than return an error; the process does not serve then.
        Ok(l) => l,
    };
    if let Err(e) = ledger.verify_all() {
        return match e {
            Error::Corrupt { index, .. } => Outcome::ReportedByVerify(index),
            other => Outcome::Silent(format!("verify_all failed without naming an entry: {other}")),
        };
    }
    let after = match dump_store(ledger.store()) {
        Ok(a) => a,
        Err(_) => return Outcome::ReadError,
    };
    if after == before {
        return Outcome::Harmless;
    }
    let b: BTreeMap<_, _> = before.iter().cloned().collect();
    let a: BTreeMap<_, _> = after.iter().cloned().collect();
    let changed: Vec<String> = b
        .keys()
        .chain(a.keys())
        .filter(|k| b.get(*k) != a.get(*k))
        .take(5)
        .map(|k| format!("{}{}", char::from(k[0]), hex::encode(&k[1..])))
        .collect();
    Outcome::Silent(format!(
        "{} keys before, {} after; first differing keys {changed:?}; head {:?}",
        b.len(),
        a.len(),
        ledger.head().size
    ))
}

#[test]
fn every_flipped_byte_in_the_sled_files_is_refused_reported_or_harmless() {
    let flips = env_count("TRACE_TAMPER_FLIPS", 120);
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let (d, cast, _story) = demo_ledger_with_cast(&data).unwrap();
    // Grow the log past one sled segment's worth of small records, so flips land among many entries.
    let origin = d.ledger.origin().clone();
    let t0 = Time::now().0 - 86_400_000;
    let records: Vec<Record> = (0..300u64)
        .map(|i| {
            sign_event(
                &cast.coop,
                &origin,
                Time(t0 + i),
                vec![],
                Event::BatchRegistered(BatchRegistered {
                    product: format!("rice {i}"),
                    class: ProductClass::Grain,
                    commissioning: Commissioning::Harvest,
                    quantity: "1 t".parse().unwrap(),
                    gtin: None,
                    lot: None,
                    place: "Xihu paddy 3".into(),
                    identifiers: vec![],
                }),
            )
        })
        .collect();
    for r in d.ledger.append_many(records).unwrap() {
        r.unwrap();
    }
    let before = dump_store(d.ledger.store()).unwrap();
    let size = d.ledger.size();
    drop(d);
    let store_dir = data.join("ledger");
    // Wait until the dropped ledger lets go of the store, then take the files as they are on disk.
    drop(open_data_dir(&data).unwrap());
    std::thread::sleep(std::time::Duration::from_millis(50));
    let files = snapshot(&store_dir);
    let total: u64 = files.values().map(|v| v.len() as u64).sum();

    let mut rng = Rng(0x05ee_d0ff_11b5);
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    let mut silent = Vec::new();
    let names: Vec<&PathBuf> = files.keys().collect();
    for flip in 0..flips {
        // Half the flips land anywhere, weighted by file size; the other half in the first 64 KiB of a file
        // chosen uniformly, where sled keeps its configuration, headers and the most recent log messages.
        let (file, offset) = if flip % 2 == 0 {
            let mut at = rng.below(total);
            let mut chosen = names[0];
            for n in &names {
                let len = files[*n].len() as u64;
                if at < len {
                    chosen = n;
                    break;
                }
                at -= len;
            }
            (chosen, at as usize)
        } else {
            let n = names[rng.below(names.len() as u64) as usize];
            let len = files[n].len().min(64 * 1024) as u64;
            (n, rng.below(len.max(1)) as usize)
        };
        let bit = 1u8 << rng.below(8);
        if files[file].is_empty() {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        let mut damaged = files.clone();
        damaged.get_mut(file).unwrap()[offset] ^= bit;
        restore(&damaged, dir.path());
        let outcome = std::panic::catch_unwind(|| classify(dir.path(), &origin, &before))
            .unwrap_or(Outcome::RefusedAtOpen("panicked at open".into()));
        let key = match &outcome {
            Outcome::RefusedAtOpen(why) => format!("refused at open: {why}"),
            Outcome::ReportedByVerify(_) => "reported by verify_all".into(),
            Outcome::ReadError => "storage error on read".into(),
            Outcome::Harmless => "harmless (reads back identical)".into(),
            Outcome::Silent(_) => "SILENTLY SERVED".into(),
        };
        if let Outcome::Silent(why) = outcome {
            silent.push(format!("flip {flip}: {} byte {offset} bit {bit:#04x}: {why}", file.display()));
        }
        *tally.entry(key).or_default() += 1;
    }
    let harmless = tally.get("harmless (reads back identical)").copied().unwrap_or(0);
    eprintln!(
        "store tampering: {flips} flips over {} files ({total} bytes, {size} entries): {} detected, {harmless} \
         harmless, {} silently served",
        files.len(),
        flips - harmless - silent.len(),
        silent.len()
    );
    for (k, v) in &tally {
        eprintln!("  {v:5}  {k}");
    }
    assert!(silent.is_empty(), "flips silently served:\n{}", silent.join("\n"));
}

#[test]
fn every_flipped_byte_of_an_exported_bundle_is_refused_naming_its_entry() {
    let flips = env_count("TRACE_BUNDLE_FLIPS", 400);
    let work = tempfile::tempdir().unwrap();
    let (d, _cast, _story) = demo_ledger_with_cast(&work.path().join("data")).unwrap();
    let signer = NoteSigner::new(&d.config.log_key_name, d.log_key.clone()).unwrap();
    let note = Checkpoint::of_ledger(&d.ledger, d.ledger.size()).unwrap().sign(&signer).to_string();
    let mut bundle = Vec::new();
    write_bundle(&d.ledger, &note, signer.verifier_key(), &mut bundle).unwrap();
    let trust = Trust::pinned(signer.verifier_key().clone());
    verify_bundle(&bundle[..], &trust).unwrap();
    // The line each byte is on: 0 for the checkpoint line, k + 1 for entry k.
    let mut line_of = Vec::with_capacity(bundle.len());
    let mut line = 0u64;
    for b in &bundle {
        line_of.push(line);
        if *b == b'\n' {
            line += 1;
        }
    }
    let mut rng = Rng(0x00b0_0d1e);
    let (mut named_exactly, mut header_refused, mut other) = (0usize, 0usize, Vec::new());
    for flip in 0..flips {
        let at = rng.below(bundle.len() as u64) as usize;
        let bit = 1u8 << rng.below(8);
        let mut damaged = bundle.clone();
        damaged[at] ^= bit;
        let err = match verify_bundle(&damaged[..], &trust) {
            Ok(_) => panic!("flip {flip} (byte {at}, bit {bit:#04x}) verified"),
            Err(e) => e,
        };
        match (line_of[at], err.entry_index()) {
            (0, None) => header_refused += 1,
            // A flipped newline joins two lines or splits one: the first line it touches is named.
            (l, Some(i)) if i + 1 == l || (damaged[at] == b'\n' || bundle[at] == b'\n') && i == l => named_exactly += 1,
            (l, _) => other.push(format!("flip {flip}: byte {at} (line {}): {err}", l + 1)),
        }
    }
    eprintln!(
        "bundle tampering: {flips} flips of a {}-byte bundle of {} entries: all refused; {named_exactly} named \
         the flipped entry, {header_refused} refused the checkpoint line, {} otherwise",
        bundle.len(),
        d.ledger.size(),
        other.len()
    );
    assert!(other.is_empty(), "flips not named at their own entry:\n{}", other.join("\n"));
}
