//! `trace-node`: create a ledger, or serve one over HTTP.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use trace_core::{DataDir, Origin};
use trace_node::{Limits, Node};

#[derive(Parser)]
#[command(name = "trace-node", version, about = "The trace ledger's HTTP node")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a ledger and its authority and log keys in a new data directory.
    Init {
        /// Data directory to create.
        #[arg(long, env = "TRACE_DATA")]
        data: PathBuf,
        /// The ledger's origin: a schema-less URL such as xihu.benxi.example/trace.
        #[arg(long, env = "TRACE_ORIGIN")]
        origin: String,
        /// The authority's display name.
        #[arg(long, default_value = "Ledger authority")]
        authority_name: String,
    },
    /// Serve a ledger.
    Serve {
        /// Data directory.
        #[arg(long, env = "TRACE_DATA")]
        data: PathBuf,
        /// Address to listen on.
        #[arg(long, env = "TRACE_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Largest request body in bytes.
        #[arg(long, env = "TRACE_MAX_BODY", default_value_t = 8 * 1024 * 1024)]
        max_body: usize,
        /// Memory for cached scan pages and public summaries, in MiB (0 turns the cache off).
        #[arg(long, env = "TRACE_SCAN_CACHE_MIB", default_value_t = 32)]
        scan_cache_mib: usize,
        /// If the data directory holds no ledger yet, create it with the seeded demo story first.
        #[arg(long)]
        demo: bool,
        /// Log format: text or json.
        #[arg(long, env = "TRACE_LOG_FORMAT", default_value = "text")]
        log_format: String,
    },
    /// Erase one personal value kept off the log (a lawful request); the log and every proof stay as they are.
    #[command(
        after_help = "Example:\n  trace-node erase --data ./ledger --record 3fa2…91 --field contact --reason '删除请求 2026-12-01 No. 7'"
    )]
    Erase {
        /// Data directory (the node must be stopped).
        #[arg(long, env = "TRACE_DATA")]
        data: PathBuf,
        /// The record whose value to erase.
        #[arg(long)]
        record: trace_core::RecordId,
        /// The field: contact or person.
        #[arg(long)]
        field: String,
        /// Why: the request's reference.
        #[arg(long)]
        reason: String,
    },
    /// Erase every personal value kept longer than its retention (ledger.json's personal_retention_days; 730 days
    /// by default). `serve` also runs this once a day.
    #[command(after_help = "Example:\n  trace-node retention --data ./ledger")]
    Retention {
        /// Data directory (the node must be stopped).
        #[arg(long, env = "TRACE_DATA")]
        data: PathBuf,
    },
}

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TRACE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn"));
    use std::io::IsTerminal;
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let b = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    if format == "json" {
        b.json().init();
    } else {
        b.init();
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("trace-node: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Init { data, origin, authority_name } => {
            let origin: Origin = origin.parse().context("checking --origin")?;
            let dir = DataDir::init(&data, origin, &authority_name).context("creating the ledger")?;
            let authority = dir.authority_key().context("reading the authority key")?;
            println!("created ledger {} in {}", dir.config.origin, data.display());
            println!("authority key {}  ({})", authority.public(), DataDir::authority_key_path(&data).display());
            println!("log key       {}", dir.log_key.public());
            Ok(())
        }
        Command::Erase { data, record, field, reason } => {
            let dir = DataDir::open(&data).with_context(|| format!("opening the ledger in {}", data.display()))?;
            let erased = dir.vault()?.erase(&record, &field, &reason, trace_core::Time::now())?;
            if !erased {
                anyhow::bail!("no {field} of record {record} is kept (never deposited, or already erased)");
            }
            println!("erased {field} of record {record}; the log is unchanged");
            Ok(())
        }
        Command::Retention { data } => {
            let dir = DataDir::open(&data).with_context(|| format!("opening the ledger in {}", data.display()))?;
            let n = dir.vault()?.erase_expired(&dir.config.personal_retention_days, trace_core::Time::now())?;
            println!("erased {n} personal values past their retention");
            Ok(())
        }
        Command::Serve { data, listen, max_body, scan_cache_mib, demo, log_format } => {
            init_logging(&log_format);
            let dir = if demo && !data.join("ledger.json").exists() {
                let origin: Origin = trace_core::demo::DEMO_ORIGIN.parse().context("the demo origin")?;
                let (dir, _, story) = trace_core::demo::install(&data, origin, trace_core::Time::now())
                    .with_context(|| format!("creating the demo ledger in {}", data.display()))?;
                println!("demo     {} steps of the story in {}", story.steps.len(), data.display());
                dir
            } else {
                DataDir::open(&data).with_context(|| format!("opening the ledger in {}", data.display()))?
            };
            let limits =
                Limits { max_body, scan_cache_bytes: scan_cache_mib.saturating_mul(1 << 20), ..Limits::default() };
            let vault = dir.vault().context("opening the personal store")?;
            let retention = dir.config.personal_retention_days.clone();
            let node = Arc::new(Node::new(dir.ledger, dir.log_key, dir.config.log_key_name, limits).with_vault(vault));
            let n = node.clone();
            // The retention job: once at start, then daily.
            std::thread::spawn(move || {
                loop {
                    if let Some(v) = &n.vault {
                        match v.erase_expired(&retention, trace_core::Time::now()) {
                            Ok(0) => {}
                            Ok(k) => tracing::info!(erased = k, "personal values past their retention erased"),
                            Err(e) => tracing::error!(error = %e, "the retention job failed"),
                        }
                    }
                    std::thread::sleep(std::time::Duration::from_secs(24 * 3600));
                }
            });
            let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            rt.block_on(async move {
                let listener =
                    tokio::net::TcpListener::bind(listen).await.with_context(|| format!("binding {listen}"))?;
                let addr = listener.local_addr()?;
                println!("origin   {}", node.ledger.origin());
                println!("log key  {}", node.log_key.public());
                println!("entries  {}", node.ledger.size());
                println!("listening on http://{addr}");
                trace_node::serve(node, listener, trace_node::shutdown_signal()).await.context("serving")
            })
        }
    }
}
