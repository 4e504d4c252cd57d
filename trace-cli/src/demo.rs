//! `trace demo`: the seed's whole story on a local ledger, printed step by step; then the recall's reach, an
//! audit of the ledger from its bundle alone, the QR labels, and (with `--serve`) the node for the scan pages.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use trace_core::demo::{self, Cast, Expect, Story};
use trace_core::{
    Checkpoint, DataDir, NoteSigner, Origin, Payload, StoryClock, Time, Trust, verify_bundle, write_bundle,
};
use trace_node::wire;

use crate::cli::Global;
use crate::labels::label_for;
use crate::output;
use crate::qr;

fn step_line(n: usize, total: usize, step: &demo::Step) -> String {
    format!("[{n:>2}/{total}] {} · {}", step.title_zh, step.title_en)
}

/// Runs the story into a new ledger in `dir`, printing each step.
fn run_story(
    dir: &Path,
    origin: Origin,
    opts: &Options,
    json: bool,
) -> anyhow::Result<(DataDir, Story, Vec<serde_json::Value>)> {
    let cast = match opts.seed {
        Some(seed) => Cast::from_seed(seed),
        None => Cast::generate().context("generating the cast's keys")?,
    };
    let now = Time::now();
    let start = opts.start.unwrap_or_else(|| demo::default_start(now));
    let latest = demo::latest_start(now);
    if start > latest {
        bail!(
            "--start {} is too late: the story runs {} days and must be over before now, so start it on {} or earlier",
            start.display_local(),
            demo::STORY_DAYS + 1,
            latest.display_local()
        );
    }
    let story = demo::story(&cast, &origin, start).context("building the story")?;
    let clock = StoryClock::starting_at(start);
    let data = demo::create_dir(dir, origin, &cast, &clock)
        .with_context(|| format!("creating the ledger in {}", dir.display()))?;
    let total = story.steps.len();
    let mut report = Vec::with_capacity(total);
    for (i, step) in story.steps.iter().enumerate() {
        let o = demo::outcome(step, demo::append_step(&data.ledger, &clock, step));
        if !json {
            println!("{}", step_line(i + 1, total, step));
            match (&o.result, o.as_expected) {
                (Ok(a), true) => {
                    let created: Vec<String> = a.created.iter().map(|b| b.to_string()).collect();
                    let created =
                        if created.is_empty() { String::new() } else { format!(" → {}", created.join(", ")) };
                    println!("        {} entry {}{created}", output::good("✓"), a.index);
                }
                (Err((rule, message)), true) => {
                    println!("        {} refused, as the rules require ({rule}): {message}", output::warn("✗"));
                }
                _ => {}
            }
        }
        if !o.as_expected {
            bail!(
                "demo step {} ({}) expected {:?} but the ledger answered {:?}",
                i + 1,
                step.title_en,
                step.expect,
                o.result
            );
        }
        report.push(serde_json::json!({
            "step": i + 1,
            "title_en": step.title_en,
            "title_zh": step.title_zh,
            "expected": match step.expect { Expect::Accepted => "accepted".to_owned(), Expect::Refused(r) => format!("refused:{r}") },
            "index": o.result.as_ref().ok().map(|a| a.index),
            "refusal": o.result.as_ref().err().map(|(r, m)| serde_json::json!({"code": r.code(), "message": m, "facts": o.facts})),
        }));
    }
    // From here on (the audit, the labels, `--serve`) the ledger is stamped by the system clock.
    clock.finish();
    Ok((data, story, report))
}

/// Signs a checkpoint for the whole ledger, writes the audit bundle and verifies it from its bytes alone.
fn audit(data: &DataDir, path: &Path) -> anyhow::Result<u64> {
    let signer = NoteSigner::new(&data.config.log_key_name, data.log_key.clone()).context("the log key")?;
    let note = Checkpoint::of_ledger(&data.ledger, data.ledger.size())?.sign(&signer).to_string();
    let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    write_bundle(&data.ledger, &note, signer.verifier_key(), file).context("writing the audit bundle")?;
    let reader = std::io::BufReader::new(std::fs::File::open(path)?);
    let report = verify_bundle(reader, &Trust::pinned(signer.verifier_key().clone()))
        .map_err(|e| anyhow::anyhow!(crate::commands::VerifyFailed(format!("the demo's own audit failed: {e}"))))?;
    Ok(report.entries)
}

/// `trace demo`'s options.
#[derive(Debug)]
pub(crate) struct Options {
    pub(crate) serve: Option<SocketAddr>,
    pub(crate) base: Option<String>,
    pub(crate) origin: String,
    pub(crate) seed: Option<u8>,
    pub(crate) start: Option<Time>,
}

/// Runs `trace demo`.
pub(crate) fn run(global: &Global, opts: Options) -> anyhow::Result<()> {
    let origin: Origin = opts.origin.parse().context("reading --origin")?;
    let serve = opts.serve;
    let json = global.json;
    let temp;
    let dir: PathBuf = match &global.data {
        Some(d) => d.clone(),
        None => {
            temp = tempfile::tempdir().context("making a temporary directory")?;
            temp.path().join("ledger")
        }
    };
    let base = opts.base.clone().unwrap_or_else(|| match serve {
        Some(a) => format!("http://{a}"),
        None => "http://127.0.0.1:8080".to_owned(),
    });
    let data = if dir.join("ledger.json").exists() {
        if serve.is_none() {
            bail!(
                "{} already holds a ledger; give --data a new directory, or add --serve to serve this one",
                dir.display()
            );
        }
        eprintln!("{} already holds a ledger; serving it as it is.", dir.display());
        DataDir::open(&dir).with_context(|| format!("opening {}", dir.display()))?
    } else {
        if !json {
            println!(
                "{}",
                output::bold(&format!("溪湖区食品安全追溯 · the Xihu district story, in {}", dir.display()))
            );
        }
        let (data, story, report) = run_story(&dir, origin, &opts, json)?;
        conclude(&data, &dir, &story, &report, &base, json)?;
        data
    };
    if let Some(addr) = serve {
        let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
        let vault = data.vault().context("opening the personal store")?;
        let node = Arc::new(
            trace_node::Node::new(data.ledger, data.log_key, data.config.log_key_name, trace_node::Limits::default())
                .with_vault(vault),
        );
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
            eprintln!("\nnode serving http://{} — press Ctrl-C to stop", listener.local_addr()?);
            trace_node::serve(node, listener, trace_node::shutdown_signal()).await.context("serving")
        })?;
    }
    Ok(())
}

/// After the story: the recall's reach, the audit from the bundle alone, the labels, the QR to scan.
fn conclude(
    data: &DataDir,
    dir: &Path,
    story: &Story,
    report: &[serde_json::Value],
    base: &str,
    json: bool,
) -> anyhow::Result<()> {
    let b = &story.batches;
    let ledger = &data.ledger;
    let impact = ledger.recall_impact(b.feed_b)?;
    let bundle = dir.join("audit-bundle.jsonl");
    let entries = audit(data, &bundle)?;
    let labels_dir = dir.join("labels");
    std::fs::create_dir_all(&labels_dir)?;
    for (name, id) in [("pork-loin", b.pork_loin), ("recalled-pork", b.pork_b)] {
        let state = ledger.batch(id)?.context("story batch missing")?;
        let label = label_for(&wire::BatchState::from(&state), base);
        std::fs::write(labels_dir.join(format!("{name}.png")), qr::png(&label)?)?;
        std::fs::write(labels_dir.join(format!("{name}.svg")), qr::svg(&label)?)?;
    }
    let loin = ledger.batch(b.pork_loin)?.context("story batch missing")?;
    let label = label_for(&wire::BatchState::from(&loin), base);
    let recalled = Payload::Batch(b.pork_b).to_url(base);
    if json {
        let out = serde_json::json!({
            "data": dir,
            "steps": report,
            "recall_impact": wire::RecallImpact::from(&impact),
            "audit": { "bundle": bundle, "entries": entries },
            "scan": { "pork_loin": label.payload, "recalled_pork": recalled },
            "labels": labels_dir,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!("\n{}", output::bold("召回影响 Recall reach of the clenbuterol feed lot"));
    println!("  {} batches reached", impact.reached.len());
    for h in &impact.holders {
        let ids: Vec<String> = h.batches.iter().map(|x| x.to_string()).collect();
        println!("  {} holds {}", h.name, ids.join(", "));
    }
    println!(
        "\n{} audit: {entries} entries re-verified from {} alone (signatures, chain, Merkle root, checkpoint)",
        output::good("✓"),
        bundle.display()
    );
    let style = if output::colour() { qr::TermStyle::Ansi } else { qr::TermStyle::DarkBackground };
    println!("\n{}", output::bold("扫码查看 Scan the pork loin sold at stall 12:"));
    print!("{}", qr::terminal_styled(&label.payload, style)?);
    println!("  {}", label.payload);
    println!("  recalled pork from the same stall: {recalled}");
    println!("  labels written to {}", labels_dir.display());
    println!("  keys of every member in {}", dir.join("keys").display());
    Ok(())
}
