//! The auditor's commands: `export --bundle`, `verify`, `audit` and `witness`. The checks themselves are
//! `trace-core`'s ([`write_bundle`], [`verify_bundle`], [`Auditor`], [`Witness`]); this module fetches, shows
//! progress, prints and picks exit codes (4 for anything that failed to verify, see [`VerifyFailed`]).

use std::fs;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use trace_core::merkle::Hash;
use trace_core::{
    AuditError, Auditor, BundleError, Checkpoint, Note, NoteSigner, SignedCheckpoint, Trust, VerifierKey, Witness,
    WitnessError, encoding, verify_bundle, write_bundle,
};
use trace_node::wire::{ConsistencyProof, CosignatureAccepted, CosignatureSubmit, EntriesResponse};

use crate::backend::Backend;
use crate::client::Client;
use crate::commands::{Ctx, VerifyFailed};
use crate::output::{self, Progress};

/// The file in a witness's state directory that pins the log key it follows.
pub const WITNESS_LOG_KEY_FILE: &str = "witness-log-key";

/// Entries asked for per `/v1/entries` call (the node's maximum).
const PAGE: u64 = 1000;

fn print_json(v: &serde_json::Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// Counts lines written through it, for the progress line.
struct CountingWriter<W: Write> {
    inner: W,
    progress: Progress,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        let lines = buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        if lines > 0 {
            self.progress.inc(lines);
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Counts bytes read through it, for the progress line.
struct CountingReader<R: Read> {
    inner: R,
    progress: Progress,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.inc(n as u64);
        Ok(n)
    }
}

/// Writes to `path` through a temporary file renamed into place on success, so a failed export leaves no
/// file that looks complete. `-` is standard output.
fn write_atomically(path: &Path, f: impl FnOnce(&mut dyn Write) -> anyhow::Result<u64>) -> anyhow::Result<u64> {
    if path == Path::new("-") {
        let mut out = io::stdout().lock();
        return f(&mut out);
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    let file = fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let mut out = io::BufWriter::new(file);
    let result = f(&mut out).and_then(|n| {
        let file = out.into_inner().map_err(|e| anyhow!("writing {}: {}", tmp.display(), e.error()))?;
        file.sync_all().with_context(|| format!("syncing {}", tmp.display()))?;
        Ok(n)
    });
    match result {
        Ok(n) => {
            fs::rename(&tmp, path).with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
            Ok(n)
        }
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// `trace export --bundle FILE`: locally, signs a checkpoint of the whole ledger with the data directory's
/// log key (acting as the operator) and writes the bundle; against a node, streams `/v1/export/bundle`.
pub(crate) fn export(ctx: &mut Ctx, bundle: Option<PathBuf>) -> anyhow::Result<()> {
    let Some(path) = bundle else {
        bail!("say what to export: --bundle FILE (the audit bundle of every log entry)");
    };
    let json = ctx.global.json;
    let (size, note, log_key) = match ctx.backend()? {
        Backend::Local(d) => {
            let signer = NoteSigner::new(&d.config.log_key_name, d.log_key.clone())
                .with_context(|| format!("the log key name {:?} in ledger.json", d.config.log_key_name))?;
            let size = d.ledger.size();
            let note = Checkpoint::of_ledger(&d.ledger, size).context("computing the checkpoint")?.sign(&signer);
            let note = note.to_string();
            let vkey = signer.verifier_key().clone();
            let ledger = &d.ledger;
            write_atomically(&path, |out| {
                let mut w = CountingWriter { inner: out, progress: Progress::new("exporting", size + 1) };
                let n = write_bundle(ledger, &note, &vkey, &mut w).context("writing the audit bundle")?;
                w.progress.finish();
                Ok(n)
            })?;
            (size, note, vkey.to_string())
        }
        Backend::Remote(c) => {
            let (size, mut body) = c.get_stream("/v1/export/bundle")?;
            write_atomically(&path, |out| {
                let mut w = CountingWriter { inner: out, progress: Progress::new("exporting", size + 1) };
                io::copy(&mut body, &mut w).context("downloading the audit bundle")?;
                w.progress.finish();
                Ok(size)
            })?;
            // What the node signed, for the summary below (not checked here: that is `trace verify`'s job).
            let header = first_line(&path)?;
            let v: serde_json::Value = serde_json::from_str(&header).unwrap_or_default();
            let field = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            (size, field("note"), field("log_key"))
        }
    };
    if json {
        return print_json(&serde_json::json!({"file": path, "entries": size, "checkpoint": note, "log_key": log_key}));
    }
    if path != Path::new("-") {
        println!("{} wrote {size} entries to {}", output::good("✓"), path.display());
        println!("  log key {log_key}");
        print!("{}", indent(&note));
    }
    Ok(())
}

fn first_line(path: &Path) -> anyhow::Result<String> {
    if path == Path::new("-") {
        return Ok(String::new());
    }
    let mut r = io::BufRead::lines(BufReader::new(fs::File::open(path)?));
    Ok(r.next().transpose()?.unwrap_or_default())
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

/// `trace verify FILE`: checks a bundle offline; exits 4 naming the first failure.
pub(crate) fn verify(json: bool, file: &Path, log_key: Option<VerifierKey>) -> anyhow::Result<()> {
    let f = fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = BufReader::with_capacity(
        1 << 20,
        CountingReader { inner: f, progress: Progress::new(&format!("verifying {}", file.display()), len) },
    );
    let pinned = log_key.is_some();
    let trust = Trust { log_key, ..Trust::default() };
    let result = verify_bundle(&mut reader, &trust);
    reader.get_mut().progress.finish();
    match result {
        Ok(r) => {
            if json {
                return print_json(&serde_json::json!({
                    "ok": true,
                    "entries": r.entries,
                    "tree_size": r.checkpoint.size(),
                    "root": encoding::base64_encode(r.checkpoint.root()),
                    "log_key": r.log_key.to_string(),
                    "log_key_pinned": pinned,
                }));
            }
            println!(
                "{} {}: {} entries verified: signatures, hash chain, parents, Merkle root, checkpoint signature",
                output::good("✓"),
                file.display(),
                r.entries
            );
            println!(
                "  checkpoint {} size {} root {}",
                r.checkpoint.origin(),
                r.checkpoint.size(),
                encoding::base64_encode(r.checkpoint.root())
            );
            println!("  log key {}", r.log_key);
            if !pinned {
                eprintln!(
                    "{} the log key was not pinned: this proves the bundle holds together, not whose log it is. Pass --log-key VKEY.",
                    output::warn("⚠")
                );
            }
            Ok(())
        }
        Err(e) => {
            let message = format!("{}: {e}", file.display());
            if json {
                print_json(&serde_json::json!({"ok": false, "error": message, "entry": e.entry_index()}))?;
            }
            match e {
                BundleError::Io(_) => Err(anyhow!(e).context(format!("reading {}", file.display()))),
                _ => Err(VerifyFailed(format!("{} {message}", output::bad("✗ does not verify:"))).into()),
            }
        }
    }
}

/// The node client of `trace audit`/`trace witness`: `--node` is required.
fn node_client(ctx: &Ctx, what: &str, key_required: bool) -> anyhow::Result<Client> {
    let url = ctx.global.node.clone().ok_or_else(|| anyhow!("{what} follows a node: pass --node URL"))?;
    let key = if key_required { Some(ctx.key()?) } else { ctx.key().ok() };
    Ok(Client::new(&url, key))
}

/// The log key to trust on first use: `--log-key`, or the node's own, with a loud warning.
fn first_use_key(client: &Client, given: Option<VerifierKey>) -> anyhow::Result<VerifierKey> {
    if let Some(k) = given {
        return Ok(k);
    }
    let text = client.get_text("/v1/log-key", "text/plain")?;
    let key: VerifierKey = text.trim().parse().context("reading the node's /v1/log-key")?;
    eprintln!(
        "{} trusting the log key the node itself sent, on first use: {key}\n  Check it against the operator's published key; from now on it is pinned, and a node that later signs with another key is refused.",
        output::bad("⚠ WARNING:")
    );
    Ok(key)
}

/// The size a checkpoint note claims, read without verifying (to know what to ask for; it is verified later).
fn claimed_size(note: &str) -> anyhow::Result<u64> {
    let parsed = Note::parse(note.as_bytes()).context("the node's checkpoint is not a signed note")?;
    Ok(Checkpoint::parse(parsed.text()).context("the node's checkpoint")?.size())
}

fn consistency(client: &Client, old: u64, new: u64) -> anyhow::Result<Vec<Hash>> {
    if old == 0 || new <= old {
        return Ok(Vec::new());
    }
    let p: ConsistencyProof = client.get(&format!("/v1/proof/consistency?old={old}&new={new}"))?;
    p.proof
        .iter()
        .map(|h| encoding::base64_decode(h).and_then(|h| h.try_into().ok()))
        .collect::<Option<Vec<Hash>>>()
        .ok_or_else(|| anyhow!("the node's consistency proof holds something that is not a base64 hash"))
}

/// An audit failure as an error with the right exit code: anything the log did wrong exits 4.
fn audit_failed(json: bool, e: AuditError) -> anyhow::Error {
    match &e {
        AuditError::Io { .. }
        | AuditError::CorruptState { .. }
        | AuditError::NoState { .. }
        | AuditError::StateExists { .. } => {
            anyhow!(e)
        }
        _ => {
            if json {
                let fork = e.fork().map(
                    |f| serde_json::json!({"kind": format!("{:?}", f.kind), "first": f.first, "second": f.second}),
                );
                let _ = print_json(
                    &serde_json::json!({"ok": false, "error": e.to_string(), "entry": e.entry_index(), "fork": fork}),
                );
            }
            let head = if e.fork().is_some() { output::bad("⚠ ALARM:") } else { output::bad("✗ audit failed:") };
            VerifyFailed(format!("{head} {e}")).into()
        }
    }
}

/// `trace audit --node URL --state DIR`: one step of a regulator's monitor.
pub(crate) fn audit(ctx: &mut Ctx, state: &Path, log_key: Option<VerifierKey>) -> anyhow::Result<()> {
    let json = ctx.global.json;
    let client = node_client(ctx, "trace audit", false)?;
    let note = client.get_text("/v1/checkpoint", "text/plain")?;
    let first = !Auditor::exists(state);
    let mut auditor = if first {
        // The first run pins a key and an origin: both are checked against the checkpoint (its signature, and
        // the key's name, which is the log's origin) before anything is kept, and the state is written only
        // when the whole run has verified, so a failed first run pins nothing.
        let key = first_use_key(&client, log_key)?;
        let signed = SignedCheckpoint::open(note.as_bytes(), &key)
            .map_err(|e| VerifyFailed(format!("{} the node's checkpoint: {e}", output::bad("✗ audit failed:"))))?;
        Auditor::create(state, signed.checkpoint().origin(), key).map_err(|e| audit_failed(json, e))?
    } else {
        match &log_key {
            Some(k) => Auditor::open_pinned(state, k),
            None => Auditor::open(state),
        }
        .map_err(|e| audit_failed(json, e))?
    };
    let old = auditor.size();
    let new = claimed_size(&note)?;
    let proof = consistency(&client, old, new)?;
    let mut pending = auditor.begin(note.as_bytes(), &proof).map_err(|e| audit_failed(json, e))?;
    let mut progress = Progress::new("auditing", pending.remaining());
    while pending.remaining() > 0 {
        let from = pending.next_index();
        let limit = pending.remaining().min(PAGE);
        let page: EntriesResponse = client
            .get(&format!("/v1/entries?from={from}&limit={limit}"))
            .context("fetching entries (a regulator's signed request: pass --key FILE of a regulator)")?;
        if page.entries.is_empty() {
            bail!("the node sent no entries from {from}, though its checkpoint covers {new}");
        }
        let leaves = page
            .entries
            .iter()
            .take(limit as usize)
            .map(|e| {
                encoding::base64_decode(&e.leaf_data)
                    .ok_or_else(|| anyhow!("entry {}: leaf_data is not base64", e.index))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let n = leaves.len() as u64;
        pending = pending.push(&leaves).map_err(|e| audit_failed(json, e))?;
        progress.inc(n);
    }
    progress.finish();
    let report = pending.finish().map_err(|e| audit_failed(json, e))?;
    if first && !json {
        eprintln!("started auditing {} in {}", auditor.origin(), state.display());
    }
    let cp = &report.checkpoint;
    if json {
        return print_json(&serde_json::json!({
            "ok": true,
            "origin": cp.origin(),
            "old_size": report.old_size,
            "tree_size": cp.size(),
            "root": encoding::base64_encode(cp.root()),
            "new_entries": report.new_entries,
            "entries_verified": report.entries_verified,
            "checkpoint": report.note,
            "log_key": auditor.log_key().to_string(),
        }));
    }
    println!(
        "{} {} grew from {} to {} entries: {} new entries verified, consistent with every checkpoint seen",
        output::good("✓"),
        cp.origin(),
        report.old_size,
        cp.size(),
        report.new_entries
    );
    println!(
        "  root {}  ({} entries verified since the audit began)",
        encoding::base64_encode(cp.root()),
        report.entries_verified
    );
    Ok(())
}

fn witness_failed(json: bool, e: WitnessError) -> anyhow::Error {
    match &e {
        WitnessError::Io { .. } | WitnessError::CorruptState { .. } => anyhow!(e),
        _ => {
            if json {
                let fork = match &e {
                    WitnessError::Fork(f) => Some(serde_json::json!({"first": f.first, "second": f.second})),
                    _ => None,
                };
                let _ = print_json(&serde_json::json!({"ok": false, "error": e.to_string(), "fork": fork}));
            }
            let head = if matches!(e, WitnessError::Fork(_)) { "⚠ ALARM:" } else { "✗ refused to cosign:" };
            VerifyFailed(format!("{} {e}", output::bad(head))).into()
        }
    }
}

/// `trace witness --node URL --state DIR --key FILE`: checks the node's checkpoint against the last one this
/// witness cosigned (signature under the pinned log key, consistency proof, no going back, no second root for
/// one size) with core [`Witness`], cosigns it and posts the cosignature to the node.
pub(crate) fn witness(
    ctx: &mut Ctx,
    state: &Path,
    name: Option<String>,
    log_key: Option<VerifierKey>,
) -> anyhow::Result<()> {
    let json = ctx.global.json;
    let key = ctx.key()?;
    let client = node_client(ctx, "trace witness", true)?;
    let pin = state.join(WITNESS_LOG_KEY_FILE);
    // On first use the key is pinned only once a cosignature under it has been made and kept, so a first run that
    // fails (a wrong key, a bad checkpoint) pins nothing and the next run starts afresh.
    let mut unpinned = false;
    let log_key = match fs::read_to_string(&pin) {
        Ok(text) => {
            let pinned: VerifierKey = text.trim().parse().with_context(|| format!("reading {}", pin.display()))?;
            if let Some(given) = log_key.filter(|g| g != &pinned) {
                return Err(VerifyFailed(format!(
                    "{} --log-key {given} is not the key {pinned} pinned in {}",
                    output::bad("✗"),
                    pin.display()
                ))
                .into());
            }
            pinned
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            unpinned = true;
            first_use_key(&client, log_key)?
        }
        Err(e) => return Err(anyhow!(e).context(format!("reading {}", pin.display()))),
    };
    let name = name.unwrap_or_else(|| format!("witness-{}", key.public().short()));
    let note = client.get_text("/v1/checkpoint", "text/plain")?;
    let origin = note.lines().next().unwrap_or_default().to_owned();
    let mut w = Witness::open(state, &name, key).map_err(|e| witness_failed(json, e))?;
    let pinned = log_key.to_string();
    w.follow(&origin, log_key).map_err(|e| witness_failed(json, e))?;
    let old = w.latest(&origin).map_or(0, |l| l.size);
    let new = claimed_size(&note)?;
    let proof = consistency(&client, old, new)?;
    let now = trace_core::Time::now().0 / 1000;
    let line = w.add_checkpoint(old, &proof, note.as_bytes(), now).map_err(|e| witness_failed(json, e))?.line();
    if unpinned {
        write_atomically(&pin, |out| {
            out.write_all(format!("{pinned}\n").as_bytes())?;
            Ok(1)
        })?;
    }
    let body = CosignatureSubmit { note: note.clone(), witness_key: w.verifier_key().to_string(), cosignature: line };
    let ok: CosignatureAccepted =
        client.post("/v1/checkpoint/cosignatures", &body).context("posting the cosignature to the node")?;
    if json {
        return print_json(&serde_json::json!({
            "ok": true, "origin": origin, "old_size": old, "tree_size": ok.tree_size, "witnesses": ok.witnesses,
            "witness_key": w.verifier_key().to_string(), "cosignature": body.cosignature,
        }));
    }
    println!(
        "{} cosigned {origin} at size {} (after {old}) as {}; the node now serves it with {} witness cosignature(s)",
        output::good("✓"),
        ok.tree_size,
        w.verifier_key(),
        ok.witnesses
    );
    Ok(())
}
