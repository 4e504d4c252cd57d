//! The outbox: records signed for a node and not yet acknowledged by it, so that a retry after a lost answer
//! sends the same record and cannot record it twice.
//!
//! A command that records something over `--node` signs the record once, keeps its canonical bytes in the
//! outbox, and only then sends it (each attempt is a freshly signed request carrying those bytes). The file
//! goes when the node answers, whatever it answers, or when the request provably never left (the node could
//! not be reached). It stays when the request went out and no answer came: the node may have written it.
//! Running the same command again then finds it ([`Outbox::matching`]: same origin, author and event, whatever
//! the time and parents of the fresh signing) and sends it instead, so the node answers "already recorded"
//! (a duplicate) if the first attempt got through, and records it now if it did not.
//!
//! **Where.** Next to the signing key: the outbox of `coop.key` is the directory `coop.key.outbox/`, one file
//! `RECORD-ID.record` per record. The records are that key's, it names the actor whose retries they are, and
//! it needs no other configuration. Where the key's directory is not writable, `TRACE_OUTBOX=DIR` puts the
//! outbox elsewhere (records of several keys may share one: a retry matches on the author too). Files are
//! written atomically (temporary file, fsync, rename); an emptied `KEY_FILE.outbox` is removed.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use trace_core::{BatchId, Event, Record, RecordId};
use trace_node::wire::{SubmitOk, WireRecord};

use crate::client::{Client, NoAnswer, NodeError};
use crate::output;

/// The extension of an outbox file.
const EXT: &str = "record";

/// The outbox of one signing key.
#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    dir: PathBuf,
    /// Whether the directory is ours to remove when empty (not one named by `TRACE_OUTBOX`).
    own: bool,
}

/// A record kept in the outbox.
#[derive(Debug, Clone)]
pub(crate) struct Kept {
    /// Its file.
    pub(crate) path: PathBuf,
    /// The record.
    pub(crate) record: Record,
    /// When it was kept (the file's modification time), unix ms; 0 when unknown.
    pub(crate) kept_ms: u64,
}

impl Outbox {
    /// The outbox of the key file `key_file`: `$TRACE_OUTBOX` when set, else the directory `KEY_FILE.outbox`
    /// beside it.
    pub(crate) fn for_key(key_file: &Path) -> Outbox {
        if let Some(dir) = std::env::var_os("TRACE_OUTBOX").filter(|d| !d.is_empty()) {
            return Outbox { dir: PathBuf::from(dir), own: false };
        }
        let mut dir = key_file.as_os_str().to_owned();
        dir.push(".outbox");
        Outbox { dir: PathBuf::from(dir), own: true }
    }

    /// The directory.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, id: &RecordId) -> PathBuf {
        self.dir.join(format!("{id}.{EXT}"))
    }

    /// Keeps `record` until [`Outbox::remove`]: written to a temporary file, synced, renamed into place.
    pub(crate) fn keep(&self, record: &Record) -> anyhow::Result<PathBuf> {
        fs::create_dir_all(&self.dir).with_context(|| format!("creating the outbox {}", self.dir.display()))?;
        let path = self.path(&record.id());
        let tmp = self.dir.join(format!(".{}.tmp", record.id()));
        let write = || -> std::io::Result<()> {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(record.encoded())?;
            f.sync_all()?;
            fs::rename(&tmp, &path)?;
            // The rename is durable only once the directory entry is.
            fs::File::open(&self.dir)?.sync_all()
        };
        write().with_context(|| format!("keeping the record in the outbox {}", path.display()))?;
        Ok(path)
    }

    /// Forgets the record `id` (the node answered for it). Forgetting one that is not there is not an error.
    pub(crate) fn remove(&self, id: &RecordId) -> anyhow::Result<()> {
        let path = self.path(id);
        match fs::remove_file(&path) {
            Ok(()) => {
                // Leave no empty directory beside the key; one that still holds records stays.
                if self.own {
                    let _ = fs::remove_dir(&self.dir);
                }
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(anyhow::Error::new(e).context(format!("removing {} from the outbox", path.display()))),
        }
    }

    /// Every kept record, oldest first. A file that does not decode as a record, or whose name is not its
    /// record's id, is an error naming it: the outbox is never silently skipped.
    pub(crate) fn list(&self) -> anyhow::Result<Vec<Kept>> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(anyhow::Error::new(e).context(format!("reading the outbox {}", self.dir.display()))),
        };
        let mut kept = Vec::new();
        for entry in entries {
            let entry = entry.with_context(|| format!("reading the outbox {}", self.dir.display()))?;
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some(EXT) {
                continue;
            }
            let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            let record = Record::decode(&bytes).with_context(|| format!("{} is not a record", path.display()))?;
            if path != self.path(&record.id()) {
                anyhow::bail!("{} holds record {}, not the one its name says", path.display(), record.id());
            }
            let kept_ms = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
            kept.push(Kept { path, record, kept_ms });
        }
        kept.sort_by_key(|k| (k.kept_ms, k.record.body().time.0));
        Ok(kept)
    }

    /// The kept record that `fresh` is a retry of: the same origin, author and event (the time and parents of
    /// a fresh signing differ; after a first attempt that got through, the batch's head is that record).
    pub(crate) fn matching(&self, fresh: &Record) -> anyhow::Result<Option<Kept>> {
        let f = fresh.body();
        Ok(self.list()?.into_iter().find(|k| {
            let b = k.record.body();
            b.origin == f.origin && b.author == f.author && b.event == f.event
        }))
    }
}

/// The batches a record would create, derived from its id as the ledger derives them (output 0 of a
/// registration, output `i` of a transformation): what a duplicate answer, which creates nothing, refers to.
pub(crate) fn created_by(record: &Record) -> Vec<BatchId> {
    let id = record.id();
    match &record.body().event {
        Event::BatchRegistered(_) | Event::InputLotRegistered(_) => vec![BatchId::derive(&id, 0)],
        Event::Transformed(t) => {
            (0..t.outputs.len()).map(|i| BatchId::derive(&id, u32::try_from(i).unwrap_or(u32::MAX))).collect()
        }
        _ => Vec::new(),
    }
}

/// Whether the node's answer settles the record's fate, so the outbox may forget it: an acknowledgement, a
/// refusal (4xx: nothing was written), or a request that provably never left. A 5xx, an answer that could not
/// be read and a request that went out unanswered leave it unknown.
fn settled(result: &anyhow::Result<SubmitOk>) -> bool {
    match result {
        Ok(_) => true,
        Err(e) => {
            if let Some(n) = e.downcast_ref::<NodeError>() {
                return (400..500).contains(&n.status);
            }
            e.downcast_ref::<NoAnswer>().is_some_and(|n| !n.sent)
        }
    }
}

/// The error for a record whose fate is unknown: what happened, how to check, and that a plain retry is safe.
fn unknown_outcome(e: anyhow::Error, record: &Record, outbox: &Outbox) -> anyhow::Error {
    let id = record.id();
    let mut batches = created_by(record);
    batches.extend(record.body().event.acted_on());
    let check = match batches.first() {
        Some(b) => format!("`trace show {b}` shows it if it was"),
        None => "`trace actors` or `trace batches` show it if it was".to_owned(),
    };
    anyhow!(
        "{e:#}\n{} record {id} may have been written. Check: {check}.\n  It is kept in {}: running the same command \
         again sends this same record, so it cannot be recorded twice (the node answers \"already recorded\" if it \
         was). `trace outbox` with the same --key lists what is kept.",
        output::warn("⚠"),
        outbox.dir().display()
    )
}

/// Sends one record: kept in the outbox first, forgotten once its fate is settled.
fn send(client: &Client, outbox: &Outbox, record: &Record) -> anyhow::Result<SubmitOk> {
    outbox.keep(record)?;
    let result = client.post("/v1/records", &WireRecord::from_record(record));
    if settled(&result) {
        outbox.remove(&record.id())?;
        return result;
    }
    result.map_err(|e| unknown_outcome(e, record, outbox))
}

/// Submits `fresh` to the node through `outbox`, answering with the node's answer and the record it is about.
/// When the outbox holds a record `fresh` is a retry of (see [`Outbox::matching`]), that one is sent instead;
/// if the node refuses it, it was never written, and `fresh` is sent after all.
pub(crate) fn submit(client: &Client, outbox: &Outbox, fresh: Record) -> anyhow::Result<(SubmitOk, Record)> {
    if let Some(kept) = outbox.matching(&fresh)? {
        eprintln!(
            "{} sending record {} again, kept in {} by an earlier attempt that got no answer",
            output::warn("↻"),
            kept.record.id(),
            outbox.dir().display()
        );
        match send(client, outbox, &kept.record) {
            Ok(ok) => return Ok((ok, kept.record)),
            Err(e) if e.downcast_ref::<NodeError>().is_some_and(|n| (400..500).contains(&n.status)) => {
                eprintln!("  the node refused it ({e}), so it was never recorded; sending the one signed now");
            }
            Err(e) => return Err(e),
        }
    }
    let ok = send(client, outbox, &fresh)?;
    Ok((ok, fresh))
}

/// `trace outbox [--clear]`: lists the records kept for the signing key, or forgets them.
pub(crate) fn run(outbox: &Outbox, clear: bool, json: bool) -> anyhow::Result<()> {
    let kept = outbox.list()?;
    if clear {
        for k in &kept {
            outbox.remove(&k.record.id())?;
        }
    }
    if json {
        let rows: Vec<_> = kept
            .iter()
            .map(|k| {
                serde_json::json!({
                    "id": k.record.id(),
                    "kind": k.record.body().event.kind(),
                    "origin": k.record.body().origin,
                    "time": k.record.body().time.0,
                    "batches": created_by(&k.record).into_iter().chain(k.record.body().event.acted_on()).collect::<Vec<_>>(),
                    "file": k.path,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"outbox": outbox.dir(), "records": rows, "cleared": clear})
            )?
        );
        return Ok(());
    }
    if kept.is_empty() {
        println!("the outbox {} is empty", outbox.dir().display());
        return Ok(());
    }
    for k in &kept {
        let b = k.record.body();
        let batches: Vec<String> =
            created_by(&k.record).into_iter().chain(b.event.acted_on()).map(|b| b.to_string()).collect();
        let on = if batches.is_empty() { String::new() } else { format!(" on {}", batches.join(", ")) };
        println!("{}  {}{on}  for {}, signed {}", k.record.id(), b.event.kind(), b.origin, b.time.display_local());
    }
    if clear {
        println!("forgot {} record(s): the node may or may not hold them (check with `trace show BATCH`)", kept.len());
    } else {
        println!(
            "{} record(s) whose outcome is unknown; running the command that made one sends it again, safely",
            kept.len()
        );
    }
    Ok(())
}
