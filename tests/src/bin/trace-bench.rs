//! `trace-bench`: the end-to-end benchmark. See `docs/benchmarks.md`.
//!
//! ```text
//! trace-bench [--quick] [--json] [--sizes N,N,...] [--seconds S] [--tmp DIR] [--keep]
//! trace-bench serve-node --data DIR        (internal: the node child process)
//! trace-bench store-stats --data DIR       live keys and bytes by key prefix of a kept ledger
//! ```

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use trace_tests::bench::{self, Options};

fn main() {
    match run() {
        Ok(()) => {}
        Err(e) => {
            eprintln!("trace-bench: {e:#}");
            std::process::exit(1);
        }
    }
}

const USAGE: &str = "usage: trace-bench [--quick] [--json] [--sizes N,N,...] [--seconds S] [--tmp DIR] [--keep]";

fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("serve-node") {
        let data = match args.get(1..3) {
            Some([flag, dir]) if flag == "--data" => PathBuf::from(dir),
            _ => bail!("usage: trace-bench serve-node --data DIR"),
        };
        return bench::http::serve_child(&data);
    }
    if args.first().map(String::as_str) == Some("store-stats") {
        let data = match args.get(1..3) {
            Some([flag, dir]) if flag == "--data" => PathBuf::from(dir),
            _ => bail!("usage: trace-bench store-stats --data DIR"),
        };
        let store = bench::measure::open_store(&data.join("ledger"))?;
        for (prefix, keys, bytes) in bench::measure::live_bytes(&store)? {
            println!("{prefix}\t{keys}\t{bytes}");
        }
        return Ok(());
    }
    let exe = std::env::current_exe().context("finding this program")?;
    let (mut json, mut quick, mut keep, mut sizes, mut seconds, mut tmp) = (false, false, false, None, None, None);
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => json = true,
            "--quick" => quick = true,
            "--sizes" => {
                let v = it.next().context("--sizes needs a value")?;
                let parsed: Result<Vec<usize>, _> = v.split(',').map(|s| s.trim().parse::<usize>()).collect();
                sizes = Some(parsed.with_context(|| format!("--sizes {v}"))?);
            }
            "--seconds" => {
                let v = it.next().context("--seconds needs a value")?;
                seconds = Some(v.parse::<f64>().with_context(|| format!("--seconds {v}"))?);
            }
            "--keep" => keep = true,
            "--tmp" => tmp = Some(PathBuf::from(it.next().context("--tmp needs a directory")?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    let mut opts = if quick { Options::quick(exe) } else { Options::full(exe) };
    if let Some(s) = sizes {
        opts.sizes = s;
    }
    if let Some(s) = seconds {
        opts.phase = Duration::from_secs_f64(s);
    }
    opts.temp_root = tmp;
    opts.keep = keep;
    let summary = bench::run(&opts)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print!("{}", bench::text(&summary));
    }
    Ok(())
}
