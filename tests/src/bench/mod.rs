//! `trace-bench`: end-to-end figures of a ledger, each a ratio against a baseline measured in the same run on
//! the same machine, so that a loaded or slower machine moves both sides together.
//!
//! For each ledger size the run
//! 1. generates a synthetic ledger ([`synth`]), signing on every core;
//! 2. measures the raw `ed25519_dalek::verify_batch` rate on one core over the records' own signed bytes;
//! 3. appends everything through the library from two callers at once, in groups ([`measure::append_all`]);
//! 4. writes and verifies the audit bundle of the whole ledger ([`measure::audit`]);
//! 5. walks lineage back and forward and computes recall impact, counting edges, against raw sled point
//!    reads of the batches reached ([`measure::trace`]);
//! 6. starts the node as a child process ([`http::ChildNode`]) and, with one small HTTP client
//!    ([`http::load`]), appends more herds in bulk and one record per request, scans each label of a set
//!    once (first scans: the node's scan cache misses), then loads the public scan page and the public batch
//!    summary of that set for a phase (the steady state), the signed batch view, and the trivial JSON handler
//!    before and after;
//! 7. reads the node's peak resident set and the bytes on disk.
//!
//! [`Summary`] is printed as JSON; its top-level figures are those of the largest size, and `sizes` holds
//! every size's. Nothing here asserts a time: the test of this module checks only the summary's shape.

pub mod http;
pub mod measure;
pub mod synth;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use base64::Engine as _;
use hyper::body::Bytes;
use serde_json::{Map, Value, json};
use trace_core::{BatchId, DataDir, Record, Time};
use trace_node::auth::sign_request;

use http::{ChildNode, Req, TRIVIAL_ROUTE, Until};

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Ledger sizes, in records (approximate: whole herds are generated).
    pub sizes: Vec<usize>,
    /// How long each timed phase runs.
    pub phase: Duration,
    /// `quick` or `full`, for the report.
    pub mode: String,
    /// This program, to start the node child with `serve-node`.
    pub exe: PathBuf,
    /// Concurrent connections for lookups.
    pub connections: usize,
    /// Where the ledgers go (a fresh temporary directory under it, removed at the end).
    pub temp_root: Option<PathBuf>,
    /// Keep each size's ledger (for profiling or inspecting the store) instead of removing it.
    pub keep: bool,
}

impl Options {
    /// `--quick`: two small ledgers, short phases: under two minutes on two cores.
    pub fn quick(exe: PathBuf) -> Options {
        Options {
            sizes: vec![5_000, 50_000],
            phase: Duration::from_secs(2),
            mode: "quick".into(),
            exe,
            connections: 16,
            temp_root: None,
            keep: false,
        }
    }

    /// The full run: 10k, 100k and 1M records.
    pub fn full(exe: PathBuf) -> Options {
        Options {
            sizes: vec![10_000, 100_000, 1_000_000],
            phase: Duration::from_secs(8),
            mode: "full".into(),
            exe,
            connections: 16,
            temp_root: None,
            keep: false,
        }
    }
}

/// The targets for a full run: (figure, at least, at most).
pub const TARGETS: [(&str, Option<f64>, Option<f64>); 8] = [
    ("append_ratio", Some(0.5), None),
    ("http_bulk_append_ratio", Some(0.35), None),
    ("audit_ratio", Some(1.5), None),
    ("lookup_ratio", Some(0.5), None),
    ("lookup_p99_over_trivial", None, Some(3.0)),
    ("trace_ratio", Some(0.25), None),
    ("disk_amplification", None, Some(3.0)),
    ("peak_rss_mib", None, Some(512.0)),
];

/// Each target with the figure and whether it is met; and the worst degradation from the smallest size to
/// the largest against its 1.5 limit.
fn targets(top: &Map<String, Value>, scaling: &Value) -> Value {
    let mut out = Map::new();
    for (k, min, max) in TARGETS {
        let v = top.get(k).and_then(Value::as_f64);
        let met = v.map(|v| min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m));
        out.insert(k.into(), json!({"value": v, "at_least": min, "at_most": max, "met": met}));
    }
    // Memory is expected to grow with the ledger (sled's cache fills); it has its own absolute target.
    let worst = scaling
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| k.as_str() != "peak_rss_mib")
                .filter_map(|(k, v)| v.as_f64().map(|v| (k.clone(), v)))
                .fold((String::new(), 0.0), |a, b| if b.1 > a.1 { b } else { a })
        })
        .unwrap_or_default();
    out.insert(
        "max_degradation".into(),
        json!({"figure": worst.0, "value": worst.1, "at_most": 1.5, "met": worst.1 <= 1.5}),
    );
    Value::Object(out)
}

/// Every size's figures, and the machine.
pub type Summary = Value;

fn progress(msg: impl AsRef<str>) {
    eprintln!("trace-bench: {}", msg.as_ref());
}

/// Runs the whole bench and returns the summary.
pub fn run(opts: &Options) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let load_start = load_average();
    let temp = match &opts.temp_root {
        Some(root) => tempfile::Builder::new().prefix("trace-bench-").tempdir_in(root),
        None => tempfile::Builder::new().prefix("trace-bench-").tempdir(),
    }
    .context("making a temporary directory")?;
    let mut sizes = Vec::new();
    for (i, &n) in opts.sizes.iter().enumerate() {
        let dir = temp.path().join(format!("size-{i}"));
        progress(format!("ledger of about {n} records in {}", dir.display()));
        let figures = run_size(opts, n, &dir)?;
        // Each size's ledger is removed before the next is built: a 1M ledger is about two gigabytes.
        if !opts.keep {
            let _ = std::fs::remove_dir_all(&dir);
        }
        sizes.push(figures);
    }
    let Some(Value::Object(last)) = sizes.last().cloned() else { bail!("no sizes to run") };
    let mut top = Map::new();
    top.insert("tool".into(), json!("trace-bench"));
    top.insert("mode".into(), json!(opts.mode));
    top.insert("date".into(), json!(utc_now()));
    top.insert("machine".into(), machine(load_start));
    for (k, v) in last {
        top.insert(k, v);
    }
    let sc = scaling(&sizes);
    top.insert("targets".into(), targets(&top, &sc));
    top.insert("scaling".into(), sc);
    top.insert("sizes".into(), Value::Array(sizes));
    top.insert("seconds".into(), json!(round(started.elapsed().as_secs_f64(), 1)));
    if opts.keep {
        progress(format!("kept the ledgers in {}", temp.keep().display()));
    }
    Ok(Value::Object(top))
}

/// How each figure changes from the smallest ledger to the largest, as a degradation factor: > 1 is worse
/// (for rates and ratios smallest ÷ largest; for bytes and CPU per record, amplification, latency and
/// memory largest ÷ smallest).
fn scaling(sizes: &[Value]) -> Value {
    let (Some(first), Some(last)) = (sizes.first(), sizes.last()) else { return json!({}) };
    let mut out = Map::new();
    let lower_is_better = |k: &str| {
        k.ends_with("_ms")
            || k.ends_with("_mib")
            || k.ends_with("_us_per_record")
            || k == "disk_amplification"
            || k == "disk_bytes_per_record"
    };
    if let (Value::Object(a), Value::Object(b)) = (first, last) {
        for (k, va) in a {
            let (Some(x), Some(y)) = (va.as_f64(), b.get(k).and_then(Value::as_f64)) else { continue };
            let rate_like = k.ends_with("_per_s") || k.ends_with("_ratio") || k == "lookup_p99_headroom";
            if !(rate_like || lower_is_better(k)) || x <= 0.0 || y <= 0.0 {
                continue;
            }
            let f = if lower_is_better(k) { y / x } else { x / y };
            out.insert(k.clone(), json!(round(f, 3)));
        }
    }
    Value::Object(out)
}

fn round(x: f64, digits: i32) -> f64 {
    let m = 10f64.powi(digits);
    (x * m).round() / m
}

/// Herds in a ledger of about `n` records: each herd is about 16.5 records, and setup is small.
fn herds_for(n: usize) -> usize {
    (n * 2 / 33).max(8)
}

fn run_size(opts: &Options, n: usize, dir: &Path) -> anyhow::Result<Value> {
    let mut f = Map::new();
    let t = Instant::now();
    // Claimed times an hour back: everything is in the past, nothing is a late entry.
    let start = Time(Time::now().0.saturating_sub(3_600_000));
    let herds = herds_for(n);
    let synth = synth::generate(herds, start);
    let bulk_herds = (herds / 20).clamp(6, 3_000);
    let single_herds = (herds / 100).clamp(4, 300);
    let bulk = synth::more_units(&synth, herds, bulk_herds);
    let single = synth::more_units(&synth, herds + bulk_herds, single_herds);
    let records = synth.record_count();
    progress(format!("  generated {records} records in {:.1} s", t.elapsed().as_secs_f64()));
    f.insert("records".into(), json!(records));
    f.insert("herds".into(), json!(herds));

    // 1. The raw verification baseline, over the records' own signed bytes.
    let sample: Vec<&Record> = synth.units.iter().flat_map(|u| u.records.iter()).take(4096).collect();
    let base = measure::verify_baseline(&sample, opts.phase / 4)?;
    f.insert("raw_batch_verify_per_s".into(), json!(round(base.batch_per_s, 0)));
    f.insert("raw_strict_verify_per_s".into(), json!(round(base.strict_per_s, 0)));

    // 2. Durable append through the library.
    let data = DataDir::create(dir, synth.origin.clone(), &synth.cast.authority).context("creating the ledger")?;
    let log_key = data.log_key.clone();
    let log_key_name = data.config.log_key_name.clone();
    drop(data);
    let store_dir = dir.join("ledger");
    let (ledger, store) = measure::open_ledger(&store_dir, synth.origin.clone())?;
    let cpu_before = (measure::process_cpu_s(), measure::thread_cpu_s("trace-writer"));
    let append_per_s = measure::append_all(&ledger, &synth.setup, &synth.units, 2, 2048)?;
    let cpu_after = (measure::process_cpu_s(), measure::thread_cpu_s("trace-writer"));
    ledger.flush()?;
    let encoded: u64 = synth
        .setup
        .iter()
        .chain(synth.units.iter().flat_map(|u| u.records.iter()))
        .map(|r| r.encoded().len() as u64)
        .sum();
    progress(format!("  appended at {append_per_s:.0} records/s"));
    f.insert("append_per_s".into(), json!(round(append_per_s, 0)));
    f.insert("append_ratio".into(), json!(round(append_per_s / base.batch_per_s, 4)));
    // What an append costs in CPU, which a busy machine moves much less than the rate: all threads (the
    // signature checks on every core included), and the single writer's share. Left out where the platform
    // does not tell, or (the process's, counted in 10 ms ticks) on a ledger too small to register.
    let process_s = cpu_before.0.zip(cpu_after.0).map(|(b, a)| a - b);
    let writer_s = cpu_before.1.zip(cpu_after.1).map(|(b, a)| measure::thread_cpu_delta_s(&b, &a));
    for (key, seconds) in [("append_cpu_us_per_record", process_s), ("append_writer_cpu_us_per_record", writer_s)] {
        if let Some(us) = seconds.map(|s| round(s * 1e6 / records as f64, 1)).filter(|us| *us > 0.0) {
            f.insert(key.into(), json!(us));
        }
    }

    // 3. The audit.
    let audit = measure::audit(&ledger, &log_key_name, &log_key, &dir.join("bundle.jsonl"))?;
    let _ = std::fs::remove_file(dir.join("bundle.jsonl"));
    let audit_per_s = audit.entries as f64 / (audit.write_s + audit.verify_s);
    progress(format!("  audited at {audit_per_s:.0} entries/s"));
    f.insert("audit_per_s".into(), json!(round(audit_per_s, 0)));
    f.insert("audit_ratio".into(), json!(round(audit_per_s / base.batch_per_s, 4)));
    f.insert("audit_write_per_s".into(), json!(round(audit.entries as f64 / audit.write_s, 0)));
    f.insert("audit_verify_per_s".into(), json!(round(audit.entries as f64 / audit.verify_s, 0)));
    f.insert("bundle_bytes_per_entry".into(), json!(round(audit.bytes as f64 / audit.entries as f64, 1)));

    // 4. Lineage walks against raw point reads.
    let cuts: Vec<BatchId> = spread(synth.units.iter().flat_map(|u| u.cuts.iter().copied()), 500);
    let lots: Vec<BatchId> = spread(synth.feed_lots.iter().copied(), 100);
    let tr = measure::trace(&ledger, &store, &cuts, &lots, opts.phase / 4)?;
    progress(format!("  traced at {:.0} edges/s; raw reads {:.0}/s", tr.edges_per_s, tr.raw_reads_per_s));
    f.insert("trace_edges_per_s".into(), json!(round(tr.edges_per_s, 0)));
    f.insert("raw_sled_reads_per_s".into(), json!(round(tr.raw_reads_per_s, 0)));
    f.insert("trace_ratio".into(), json!(round(tr.edges_per_s / tr.raw_reads_per_s, 4)));
    f.insert("back_edges_per_s".into(), json!(round(tr.back_per_s, 0)));
    f.insert("forward_edges_per_s".into(), json!(round(tr.forward_per_s, 0)));
    f.insert("recall_edges_per_s".into(), json!(round(tr.recall_per_s, 0)));
    f.insert("edges_per_walk".into(), json!(round(tr.edges_per_walk, 1)));
    drop(ledger);
    drop(store);

    // 5. Over HTTP, against the node as a child process.
    let node = ChildNode::start(&opts.exe, dir).context("starting the node")?;
    let addr = node.addr;
    let key = &synth.cast.authority;
    let trivial = || vec![vec![Req::get(TRIVIAL_ROUTE.into(), "application/json")]; opts.connections];
    let trivial_a = http::load(addr, trivial(), Until::Elapsed(opts.phase / 2))?;

    let bulk_lanes = lanes_of(&bulk, 2, 1000, |chunk| bulk_request(key, chunk));
    let bulk_n: usize = bulk.iter().map(|u| u.records.len()).sum();
    let r = http::load(addr, bulk_lanes, Until::Done)?;
    ensure_ok(&r, "bulk append")?;
    let bulk_per_s = bulk_n as f64 / r.seconds;
    progress(format!("  HTTP bulk append at {bulk_per_s:.0} records/s"));
    f.insert("http_bulk_append_per_s".into(), json!(round(bulk_per_s, 0)));
    f.insert("http_bulk_append_ratio".into(), json!(round(bulk_per_s / base.batch_per_s, 4)));

    let single_lanes = lanes_of(&single, 32, 1, |chunk| single_request(key, &chunk[0]));
    let single_n: usize = single.iter().map(|u| u.records.len()).sum();
    let r = http::load(addr, single_lanes, Until::Done)?;
    ensure_ok(&r, "single append")?;
    let single_per_s = single_n as f64 / r.seconds;
    progress(format!("  HTTP one-by-one append at {single_per_s:.0} records/s"));
    f.insert("http_single_append_per_s".into(), json!(round(single_per_s, 0)));
    f.insert("http_single_append_ratio".into(), json!(round(single_per_s / base.batch_per_s, 4)));
    f.insert("http_single_append_p99_ms".into(), json!(round(r.percentile_ms(99.0), 3)));

    // Public lookups: the scan page (HTML) and the public summary (JSON) of cuts at stalls.
    let lookup_cuts = spread(synth.units.iter().flat_map(|u| u.cuts.iter().copied()), 4000);
    let lookup_lanes: Vec<Vec<Req>> = (0..opts.connections)
        .map(|c| {
            lookup_cuts
                .iter()
                .enumerate()
                .filter(|(i, _)| i % opts.connections == c)
                .map(|(i, b)| {
                    if i % 2 == 0 {
                        Req::get(format!("/b/{b}"), "text/html")
                    } else {
                        Req::get(format!("/v1/public/batches/{b}"), "application/json")
                    }
                })
                .collect()
        })
        .collect();
    // First scans: every label of the set once, each a miss of the node's scan cache (the summary built from
    // the store). Then the timed phase over the same set, which the cache now answers while it fits the
    // cache's budget: the steady state of a market whose labels are being scanned.
    let first = http::load(addr, lookup_lanes.clone(), Until::Done)?;
    ensure_ok(&first, "first scans")?;
    f.insert("lookup_first_per_s".into(), json!(round(first.per_second(), 0)));
    f.insert("lookup_first_p50_ms".into(), json!(round(first.percentile_ms(50.0), 3)));
    f.insert("lookup_first_p99_ms".into(), json!(round(first.percentile_ms(99.0), 3)));
    let lookups = http::load(addr, lookup_lanes, Until::Elapsed(opts.phase))?;
    ensure_ok(&lookups, "lookups")?;
    f.insert("lookup_labels".into(), json!(lookup_cuts.len()));
    f.insert("scan_cache_entries".into(), json!(gauge(addr, "trace_scan_cache_entries")?));
    f.insert("scan_cache_mib".into(), json!(round(gauge(addr, "trace_scan_cache_bytes")? / 1048576.0, 3)));
    // Signed batch views: every request signed afresh (the node refuses replays), signed before the clock.
    let per_lane = 200usize.min(lookup_cuts.len()).max(1);
    let view_lanes: Vec<Vec<Req>> = (0..opts.connections)
        .map(|c| {
            (0..per_lane)
                .map(|j| {
                    let b = lookup_cuts[(c * per_lane + j) % lookup_cuts.len()];
                    let path = format!("/v1/batches/{b}");
                    let mut req = Req::get(path.clone(), "application/json");
                    req.headers.extend(sign_request(key, "GET", &path, b"", Time::now()));
                    req
                })
                .collect()
        })
        .collect();
    let views = http::load(addr, view_lanes, Until::Done)?;
    ensure_ok(&views, "batch views")?;
    let trivial_b = http::load(addr, trivial(), Until::Elapsed(opts.phase / 2))?;
    let trivial_per_s = (trivial_a.per_second() + trivial_b.per_second()) / 2.0;
    let trivial_p50 = (trivial_a.percentile_ms(50.0) + trivial_b.percentile_ms(50.0)) / 2.0;
    let trivial_p99 = (trivial_a.percentile_ms(99.0) + trivial_b.percentile_ms(99.0)) / 2.0;
    progress(format!(
        "  first scans {:.0}/s p99 {:.2} ms; lookups {:.0}/s p99 {:.2} ms; trivial {trivial_per_s:.0}/s p99 {trivial_p99:.2} ms",
        first.per_second(),
        first.percentile_ms(99.0),
        lookups.per_second(),
        lookups.percentile_ms(99.0)
    ));
    f.insert("lookup_per_s".into(), json!(round(lookups.per_second(), 0)));
    f.insert("lookup_p50_ms".into(), json!(round(lookups.percentile_ms(50.0), 3)));
    f.insert("lookup_p99_ms".into(), json!(round(lookups.percentile_ms(99.0), 3)));
    f.insert("trivial_per_s".into(), json!(round(trivial_per_s, 0)));
    f.insert("trivial_p50_ms".into(), json!(round(trivial_p50, 3)));
    f.insert("trivial_p99_ms".into(), json!(round(trivial_p99, 3)));
    f.insert("lookup_ratio".into(), json!(round(lookups.per_second() / trivial_per_s, 4)));
    f.insert("lookup_p99_over_trivial".into(), json!(round(lookups.percentile_ms(99.0) / trivial_p99, 3)));
    f.insert("lookup_bytes_per_answer".into(), json!(round(lookups.bytes as f64 / lookups.requests as f64, 0)));
    f.insert("batch_view_per_s".into(), json!(round(views.per_second(), 0)));
    f.insert("batch_view_p50_ms".into(), json!(round(views.percentile_ms(50.0), 3)));
    f.insert("batch_view_p99_ms".into(), json!(round(views.percentile_ms(99.0), 3)));
    f.insert("batch_view_ratio".into(), json!(round(views.per_second() / trivial_per_s, 4)));

    let expected = records + bulk_n + single_n;
    let size = tree_size(addr)?;
    if size != expected as u64 {
        bail!("the node holds {size} entries; {expected} were appended");
    }
    let rss = node.peak_rss();
    node.stop()?;
    let disk = measure::dir_bytes(&store_dir);
    let encoded = encoded
        + bulk.iter().chain(&single).flat_map(|u| u.records.iter()).map(|r| r.encoded().len() as u64).sum::<u64>();
    f.insert("disk_bytes_per_record".into(), json!(round(disk as f64 / expected as f64, 1)));
    f.insert("encoded_bytes_per_record".into(), json!(round(encoded as f64 / expected as f64, 1)));
    f.insert("disk_amplification".into(), json!(round(disk as f64 / encoded as f64, 3)));
    match rss {
        Some(b) => f.insert("peak_rss_mib".into(), json!(round(b as f64 / (1024.0 * 1024.0), 1))),
        None => f.insert("peak_rss_mib".into(), Value::Null),
    };
    f.insert("seconds".into(), json!(round(t.elapsed().as_secs_f64(), 1)));
    Ok(Value::Object(f))
}

/// Up to `n` items spread evenly over `items`.
fn spread<T: Copy>(items: impl Iterator<Item = T>, n: usize) -> Vec<T> {
    let all: Vec<T> = items.collect();
    let step = all.len().div_ceil(n.max(1)).max(1);
    all.into_iter().step_by(step).collect()
}

/// Splits herds over `lanes` connections, whole herds per lane (a herd's records depend on each other),
/// and each lane's records into requests of up to `per_request` records.
fn lanes_of(herds: &[synth::Herd], lanes: usize, per_request: usize, make: impl Fn(&[Record]) -> Req) -> Vec<Vec<Req>> {
    let mut out: Vec<Vec<Req>> = vec![Vec::new(); lanes];
    let mut pending: Vec<Vec<Record>> = vec![Vec::new(); lanes];
    for (i, h) in herds.iter().enumerate() {
        let lane = i % lanes;
        pending[lane].extend(h.records.iter().cloned());
        while pending[lane].len() >= per_request {
            let rest = pending[lane].split_off(per_request);
            out[lane].push(make(&pending[lane]));
            pending[lane] = rest;
        }
    }
    for (lane, p) in pending.into_iter().enumerate() {
        if !p.is_empty() {
            out[lane].push(make(&p));
        }
    }
    out
}

fn bulk_request(key: &trace_core::SecretKey, records: &[Record]) -> Req {
    let b64 = base64::engine::general_purpose::STANDARD;
    let body =
        json!({"records": records.iter().map(|r| json!({"encoded": b64.encode(r.encoded())})).collect::<Vec<_>>()});
    let body = Bytes::from(body.to_string());
    let path = "/v1/records/bulk".to_owned();
    let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
    headers.extend(sign_request(key, "POST", &path, &body, Time::now()));
    Req { method: "POST", path, headers, body }
}

fn single_request(key: &trace_core::SecretKey, record: &Record) -> Req {
    let body = Bytes::copy_from_slice(record.encoded());
    let path = "/v1/records".to_owned();
    let mut headers = vec![("content-type".to_owned(), "application/octet-stream".to_owned())];
    headers.extend(sign_request(key, "POST", &path, &body, Time::now()));
    Req { method: "POST", path, headers, body }
}

fn ensure_ok(r: &http::LoadResult, what: &str) -> anyhow::Result<()> {
    if r.failures > 0 || r.requests == 0 {
        bail!(
            "{what}: {} of {} requests failed; first: {}",
            r.failures,
            r.requests,
            r.first_failure.clone().unwrap_or_default()
        );
    }
    Ok(())
}

/// The body of a `GET path` that must answer 200.
fn fetch_ok(addr: std::net::SocketAddr, path: &str, accept: &str) -> anyhow::Result<Bytes> {
    let (status, body) = http::fetch(addr, &Req::get(path.into(), accept))?;
    if status != 200 {
        bail!("{path} answered {status}");
    }
    Ok(body)
}

/// A gauge from the node's `/metrics`.
fn gauge(addr: std::net::SocketAddr, name: &str) -> anyhow::Result<f64> {
    let body = fetch_ok(addr, "/metrics", "text/plain")?;
    let text = String::from_utf8(body.to_vec()).context("/metrics is not UTF-8")?;
    let line = text.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' '));
    line.and_then(|v| v.trim().parse().ok()).with_context(|| format!("/metrics has no {name}"))
}

fn tree_size(addr: std::net::SocketAddr) -> anyhow::Result<u64> {
    let body = fetch_ok(addr, "/healthz", "application/json")?;
    let v: Value = serde_json::from_slice(&body).context("healthz is not JSON")?;
    v.get("tree_size").and_then(Value::as_u64).context("healthz has no tree_size")
}

fn load_average() -> Value {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let v: Vec<f64> = text.split_whitespace().take(3).filter_map(|x| x.parse().ok()).collect();
    json!(v)
}

fn machine(load_start: Value) -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, m)| m.trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| t.lines().next().and_then(|l| l.split_whitespace().nth(1)).and_then(|k| k.parse::<u64>().ok()))
        .map(|kib| kib / 1024);
    json!({
        "cores": cores,
        "cpu_model": model,
        "memory_mib": mem,
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "load_average_start": load_start,
        "load_average_end": load_average(),
    })
}

/// Now as an ISO 8601 UTC timestamp.
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// The summary for people: one line per figure and size, then the targets.
pub fn text(summary: &Summary) -> String {
    let mut out = String::new();
    let m = &summary["machine"];
    out.push_str(&format!(
        "trace-bench {} on {} cores ({}), {}\n",
        summary["mode"].as_str().unwrap_or(""),
        m["cores"],
        m["cpu_model"].as_str().unwrap_or("?"),
        summary["date"].as_str().unwrap_or("")
    ));
    let sizes = summary["sizes"].as_array().cloned().unwrap_or_default();
    out.push_str(&format!("{:<28}", "records"));
    for s in &sizes {
        out.push_str(&format!("{:>14}", s["records"]));
    }
    out.push('\n');
    if let Some(Value::Object(first)) = sizes.first() {
        for k in first.keys().filter(|k| k.as_str() != "records") {
            out.push_str(&format!("{k:<28}"));
            for s in &sizes {
                out.push_str(&format!("{:>14}", s[k]));
            }
            out.push('\n');
        }
    }
    out.push_str("targets (largest size):\n");
    if let Some(t) = summary["targets"].as_object() {
        for (k, v) in t {
            out.push_str(&format!("  {k:<26} {:>10} met: {}\n", v["value"], v["met"]));
        }
    }
    out
}

/// The keys every size's figures carry (and so the summary's top level).
pub const FIGURE_KEYS: [&str; 14] = [
    "append_ratio",
    "http_bulk_append_ratio",
    "audit_ratio",
    "lookup_ratio",
    "trace_ratio",
    "disk_amplification",
    "peak_rss_mib",
    "raw_batch_verify_per_s",
    "append_per_s",
    "http_bulk_append_per_s",
    "audit_per_s",
    "lookup_per_s",
    "trivial_per_s",
    "raw_sled_reads_per_s",
];
