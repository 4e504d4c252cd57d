//! The HTTP side of the bench: the node as a child process (this same binary, `trace-bench serve-node`), so its
//! peak memory is its own, and a small keep-alive HTTP/1.1 load client on hyper's connection API (already in
//! the tree under axum), which drives the node's routes and the trivial baseline handler the same way.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::Json;
use axum::routing::get;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use trace_core::DataDir;
use trace_node::{Limits, Node};

/// The route of the trivial JSON handler that every HTTP figure is compared with.
pub const TRIVIAL_ROUTE: &str = "/bench/trivial";

/// The node's router with the trivial baseline handler beside it: a constant JSON object, no state, no
/// blocking pool, so its throughput is what the HTTP stack and the client can do on this machine.
pub fn bench_app(node: Arc<Node>) -> axum::Router {
    trace_node::app(node).route(TRIVIAL_ROUTE, get(|| async { Json(serde_json::json!({"status": "ok", "n": 1})) }))
}

/// Runs the child side: serves the ledger in `data` with the trivial route on an ephemeral loopback port,
/// prints `listening ADDR` on stdout, and shuts down gracefully (finishing requests, flushing) when stdin
/// closes.
pub fn serve_child(data: &Path) -> anyhow::Result<()> {
    // The parent has just closed the ledger; its writer thread may still hold sled's lock for a moment.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let dir = loop {
        match DataDir::open(data) {
            Ok(d) => break d,
            Err(_) if std::time::Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(e).with_context(|| format!("opening the ledger in {}", data.display())),
        }
    };
    let node = Arc::new(Node::new(dir.ledger, dir.log_key, dir.config.log_key_name, Limits::default()));
    let rt = tokio::runtime::Runtime::new().context("starting the runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("listening {}", listener.local_addr()?);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            // Reads until the parent closes our stdin (or dies).
            let mut sink = String::new();
            while std::io::stdin().read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                sink.clear();
            }
            let _ = tx.send(());
        });
        axum::serve(listener, bench_app(node.clone()).into_make_service())
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await?;
        node.ledger.flush().map_err(|e| anyhow::anyhow!("flushing: {e}"))
    })
}

/// A node running as a child process of the bench.
#[derive(Debug)]
pub struct ChildNode {
    /// Where it listens.
    pub addr: SocketAddr,
    child: Child,
    stdin: Option<ChildStdin>,
}

impl ChildNode {
    /// Starts `exe serve-node --data DIR` and waits for its address.
    pub fn start(exe: &Path, data: &Path) -> anyhow::Result<ChildNode> {
        let mut child = Command::new(exe)
            .arg("serve-node")
            .arg("--data")
            .arg(data)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {} serve-node", exe.display()))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().context("the child's stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).context("reading the child's address")?;
        let Some(addr) = line.trim().strip_prefix("listening ") else {
            let _ = child.kill();
            bail!("the node child did not start (said {line:?})");
        };
        let addr = addr.parse().with_context(|| format!("the child's address {addr:?}"))?;
        Ok(ChildNode { addr, child, stdin })
    }

    /// The child's peak resident set so far, in bytes (`VmHWM`), where the platform tells.
    pub fn peak_rss(&self) -> Option<u64> {
        peak_rss_of(&format!("/proc/{}/status", self.child.id()))
    }

    /// Closes the child's stdin and waits for it to finish its requests, flush and exit.
    pub fn stop(mut self) -> anyhow::Result<()> {
        drop(self.stdin.take());
        let status = self.child.wait().context("waiting for the node child")?;
        if !status.success() {
            bail!("the node child exited with {status}");
        }
        Ok(())
    }
}

impl Drop for ChildNode {
    fn drop(&mut self) {
        if self.stdin.take().is_some() {
            // Not stopped cleanly: stop it now.
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `VmHWM` from a `/proc/PID/status` file, in bytes.
pub fn peak_rss_of(status_path: &str) -> Option<u64> {
    let text = std::fs::read_to_string(status_path).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// One request: method, path, headers and body, built before the clock starts.
#[derive(Debug, Clone)]
pub struct Req {
    /// GET or POST.
    pub method: &'static str,
    /// Path and query.
    pub path: String,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Bytes,
}

impl Req {
    /// A GET with an `Accept` header.
    pub fn get(path: String, accept: &str) -> Req {
        Req { method: "GET", path, headers: vec![("accept".into(), accept.into())], body: Bytes::new() }
    }
}

/// What a load run saw.
#[derive(Debug, Clone, Default)]
pub struct LoadResult {
    /// Requests completed.
    pub requests: u64,
    /// Of which answered with a status outside 2xx.
    pub failures: u64,
    /// Wall time.
    pub seconds: f64,
    /// Latencies, microseconds, sorted.
    pub latencies_us: Vec<u64>,
    /// Response body bytes received.
    pub bytes: u64,
    /// The first failing answer, for the report.
    pub first_failure: Option<String>,
}

impl LoadResult {
    /// Completed requests per second.
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.seconds.max(1e-9)
    }

    /// The `p`-th percentile latency, milliseconds.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let i = ((self.latencies_us.len() as f64 - 1.0) * p / 100.0).round() as usize;
        self.latencies_us[i.min(self.latencies_us.len() - 1)] as f64 / 1000.0
    }
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(addr: SocketAddr) -> anyhow::Result<Sender> {
    let stream = tokio::net::TcpStream::connect(addr).await.context("connecting")?;
    stream.set_nodelay(true)?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

async fn send(sender: &mut Sender, addr: SocketAddr, req: &Req) -> anyhow::Result<(u16, Bytes)> {
    sender.ready().await?;
    let mut b = hyper::Request::builder().method(req.method).uri(&req.path).header("host", addr.to_string());
    for (k, v) in &req.headers {
        b = b.header(k.as_str(), v.as_str());
    }
    let resp = sender.send_request(b.body(Full::new(req.body.clone()))?).await?;
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

/// Sends one request on a fresh connection and returns the status and body.
pub fn fetch(addr: SocketAddr, req: &Req) -> anyhow::Result<(u16, Bytes)> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().context("the client runtime")?;
    rt.block_on(async {
        let mut sender = connect(addr).await?;
        send(&mut sender, addr, req).await
    })
}

/// How a load run ends.
#[derive(Debug, Clone, Copy)]
pub enum Until {
    /// After this long (requests are drawn round-robin from the list, repeating).
    Elapsed(Duration),
    /// When every request of every lane was sent once.
    Done,
}

/// Sends requests over `lanes.len()` keep-alive connections at once, each lane in order, and measures.
/// With [`Until::Elapsed`] each lane repeats its requests until the time is up.
pub fn load(addr: SocketAddr, lanes: Vec<Vec<Req>>, until: Until) -> anyhow::Result<LoadResult> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("the client runtime")?;
    rt.block_on(async move {
        let start = Instant::now();
        let mut tasks = Vec::new();
        for lane in lanes {
            tasks.push(tokio::spawn(async move {
                let mut out = LoadResult::default();
                if lane.is_empty() {
                    return Ok::<_, anyhow::Error>(out);
                }
                let mut sender = connect(addr).await?;
                let mut i = 0usize;
                loop {
                    let req = match until {
                        Until::Done if i >= lane.len() => break,
                        Until::Elapsed(d) if start.elapsed() >= d => break,
                        _ => &lane[i % lane.len()],
                    };
                    let t = Instant::now();
                    let (status, body) = send(&mut sender, addr, req).await?;
                    out.latencies_us.push(t.elapsed().as_micros() as u64);
                    out.requests += 1;
                    out.bytes += body.len() as u64;
                    if !(200..300).contains(&status) {
                        out.failures += 1;
                        if out.first_failure.is_none() {
                            let text = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
                            out.first_failure = Some(format!("{} {} -> {status}: {text}", req.method, req.path));
                        }
                    }
                    i += 1;
                }
                Ok(out)
            }));
        }
        let mut total = LoadResult::default();
        for t in tasks {
            let r = t.await.context("a client lane panicked")??;
            total.requests += r.requests;
            total.failures += r.failures;
            total.bytes += r.bytes;
            total.latencies_us.extend(r.latencies_us);
            if total.first_failure.is_none() {
                total.first_failure = r.first_failure;
            }
        }
        total.seconds = start.elapsed().as_secs_f64();
        total.latencies_us.sort_unstable();
        Ok(total)
    })
}
