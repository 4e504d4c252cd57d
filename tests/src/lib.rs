//! Shared pieces of the end-to-end suites: a demo ledger served by a real node on loopback ([`RunningNode`]) or
//! in a child process that a test can SIGKILL ([`ChildNode`]), a raw HTTP/1.1 client that sends what no HTTP
//! library would ([`raw_exchange`]), and digests of a whole store ([`store_digest`]).
//!
//! Also the [`bench`](mod@bench) behind the `trace-bench` binary.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use trace_core::demo::{self, Cast, Story};
use trace_core::{DataDir, Origin, Pair, ReadStore, Record, SecretKey, Time};

/// A node serving a ledger on `127.0.0.1`, in its own thread with its own runtime, until dropped.
#[derive(Debug)]
pub struct RunningNode {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<anyhow::Result<()>>>,
}

impl RunningNode {
    /// Serves `data` on an ephemeral loopback port.
    pub fn start(data: DataDir) -> anyhow::Result<RunningNode> {
        let vault = data.vault()?;
        let node = Arc::new(
            trace_node::Node::new(data.ledger, data.log_key, data.config.log_key_name, trace_node::Limits::default())
                .with_vault(vault),
        );
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || -> anyhow::Result<()> {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                addr_tx.send(listener.local_addr()?)?;
                trace_node::serve(node, listener, async {
                    let _ = stop_rx.await;
                })
                .await?;
                Ok(())
            })
        });
        let addr = addr_rx.recv().context("the node thread died before binding")?;
        Ok(RunningNode { addr, stop: Some(stop), thread: Some(thread) })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for RunningNode {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A demo ledger in `dir`: the whole story appended.
pub fn demo_ledger(dir: &Path) -> anyhow::Result<(DataDir, Story)> {
    let origin: Origin = demo::DEMO_ORIGIN.parse()?;
    let (data, _, story) = demo::install(dir, origin, Time::now())?;
    Ok((data, story))
}

/// A demo ledger in `dir`, with the keys of everyone in the story.
pub fn demo_ledger_with_cast(dir: &Path) -> anyhow::Result<(DataDir, Cast, Story)> {
    let origin: Origin = demo::DEMO_ORIGIN.parse()?;
    Ok(demo::install(dir, origin, Time::now())?)
}

/// Every key and value in a store, in key order: what "the store" means when a suite says it is unchanged.
pub fn dump_store(store: &dyn ReadStore) -> Result<Vec<Pair>, trace_core::Error> {
    // Every key starts with a one-byte ASCII prefix (schema.rs), so this range holds all of them.
    store.range(&[], &[0xff; 8], usize::MAX)
}

/// SHA-256 over every key and value of a store (each length-prefixed), in key order.
pub fn store_digest(store: &dyn ReadStore) -> Result<[u8; 32], trace_core::Error> {
    let mut parts: Vec<Vec<u8>> = Vec::new();
    for (k, v) in dump_store(store)? {
        parts.push((k.len() as u64).to_be_bytes().to_vec());
        parts.push(k);
        parts.push((v.len() as u64).to_be_bytes().to_vec());
        parts.push(v);
    }
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    Ok(trace_core::encoding::sha256_parts(&refs))
}

/// Opens the data directory in `dir`, waiting while another handle (a dropped ledger's writer thread, or a
/// killed process's lock) still holds the store, and returns whatever else the open says.
pub fn open_data_dir(dir: &Path) -> Result<DataDir, trace_core::Error> {
    let mut last = None;
    for _ in 0..500 {
        match DataDir::open(dir) {
            Err(trace_core::Error::Storage(m)) if m.contains("in use") || m.contains("lock") => {
                last = Some(m);
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return other,
        }
    }
    Err(trace_core::Error::Storage(format!("store stayed locked: {}", last.unwrap_or_default())))
}

/// An HTTP answer read off the wire.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Header lines, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body bytes (de-chunked).
    pub body: Vec<u8>,
}

impl Answer {
    /// The JSON body, or `Null` when the body is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The `error.code` of a JSON error body.
    pub fn code(&self) -> Option<String> {
        self.json()["error"]["code"].as_str().map(str::to_owned)
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Sends raw bytes to `addr` as one HTTP/1.1 exchange and reads the answer. The caller writes the request
/// line and headers itself (so it can send what no HTTP library would), and should ask for
/// `Connection: close`. With `half_close` the write side is shut after sending, as a client that hangs up
/// mid-body does.
pub fn raw_exchange(addr: SocketAddr, request: &[u8], half_close: bool) -> std::io::Result<Answer> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    match s.write_all(request) {
        Ok(()) => {}
        // The server may answer (413, say) and close before the whole request is sent: read that answer.
        Err(e) if matches!(e.kind(), std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset) => {}
        Err(e) => return Err(e),
    }
    if half_close {
        let _ = s.shutdown(std::net::Shutdown::Write);
    }
    let mut raw = Vec::new();
    match s.read_to_end(&mut raw) {
        Ok(_) => {}
        // The server may reset the connection after answering a request whose body it did not read.
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset && !raw.is_empty() => {}
        Err(e) => return Err(e),
    }
    parse_answer(&raw)
}

fn parse_answer(raw: &[u8]) -> std::io::Result<Answer> {
    let bad = |why: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_owned());
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| bad("no end of headers"))?;
    let head = std::str::from_utf8(&raw[..end]).map_err(|_| bad("headers are not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().ok_or_else(|| bad("no status line"))?;
    let status: u16 =
        status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| bad("bad status line"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    if headers.iter().any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked")) {
        body = dechunk(&body).ok_or_else(|| bad("bad chunked body"))?;
    }
    Ok(Answer { status, headers, body })
}

fn dechunk(mut b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&b[..eol]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        b = &b[eol + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(b.get(..size)?);
        b = b.get(size + 2..)?;
    }
}

/// A well-formed request: `method path`, the given headers, `Content-Length` and `Connection: close`.
pub fn http_request(method: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n").into_bytes();
    for (k, v) in headers {
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out
}

/// Sends a request signed by `key` (unsigned when `None`) and reads the answer.
pub fn call(
    addr: SocketAddr,
    key: Option<&SecretKey>,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> std::io::Result<Answer> {
    let mut headers = Vec::new();
    if !content_type.is_empty() {
        headers.push(("content-type".to_owned(), content_type.to_owned()));
    }
    if let Some(k) = key {
        headers.extend(trace_node::auth::sign_request(k, method, path, body, Time::now()));
    }
    raw_exchange(addr, &http_request(method, path, &headers, body), false)
}

/// Submits one record as JSON, with the request signed by `key`.
pub fn submit(addr: SocketAddr, key: &SecretKey, record: &Record) -> std::io::Result<Answer> {
    let body = serde_json::to_vec(&trace_node::wire::WireRecord::from_record(record))
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
    call(addr, Some(key), "POST", "/v1/records", "application/json", &body)
}

/// A node in a child process: this test binary run again in its child mode (see [`serve_child_if_asked`]),
/// serving a data directory on an ephemeral loopback port. Killed with SIGKILL when dropped.
#[derive(Debug)]
pub struct ChildNode {
    /// The process.
    pub child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    reader: Option<std::thread::JoinHandle<()>>,
}

/// The environment variable that puts the test binary into its child-node mode.
pub const CHILD_NODE_ENV: &str = "TRACE_TEST_NODE_DIR";

impl ChildNode {
    /// Starts this test executable as `test_name` (a test that calls [`serve_child_if_asked`]) serving `data`.
    pub fn spawn(test_name: &str, data: &Path) -> anyhow::Result<ChildNode> {
        let exe = std::env::current_exe()?;
        let mut child = Command::new(exe)
            .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_NODE_ENV, data)
            .env("TRACE_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().context("child stdout")?;
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let addr = loop {
            match rx.recv_timeout(Duration::from_secs(120)) {
                // libtest may print its own text before ours on the same line.
                Ok(l) => {
                    if let Some((_, a)) = l.split_once("LISTENING ") {
                        break a.trim().parse()?;
                    }
                }
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    anyhow::bail!("the child node never listened ({e}); its stderr is above");
                }
            }
        };
        Ok(ChildNode { child, addr, reader: Some(reader) })
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory of the child in KiB, from `/proc/PID/status`.
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    /// SIGKILLs the child and reaps it.
    pub fn kill(mut self) -> anyhow::Result<()> {
        self.stop()
    }

    fn stop(&mut self) -> anyhow::Result<()> {
        let _ = self.child.kill(); // SIGKILL on Unix.
        self.child.wait()?;
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        Ok(())
    }
}

impl Drop for ChildNode {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// The child side of [`ChildNode`]: when the environment names a data directory, serves it on an ephemeral
/// loopback port until killed and never returns; otherwise returns at once (the test then does nothing).
pub fn serve_child_if_asked() {
    let Some(dir) = std::env::var_os(CHILD_NODE_ENV) else { return };
    let result = (|| -> anyhow::Result<()> {
        let data = open_data_dir(Path::new(&dir))?;
        let node = Arc::new(trace_node::Node::new(
            data.ledger,
            data.log_key,
            data.config.log_key_name,
            trace_node::Limits::default(),
        ));
        let rt = tokio::runtime::Runtime::new()?;
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            println!("LISTENING {}", listener.local_addr()?);
            trace_node::serve(node, listener, std::future::pending::<()>()).await?;
            Ok(())
        })
    })();
    if let Err(e) = result {
        eprintln!("child node: {e:#}");
        std::process::exit(2);
    }
    std::process::exit(0);
}

pub mod bench;
