//! The outbox, for real: a loopback TCP server (std::net) that reads a record's request and closes the
//! connection without answering, a real node that then accepts the kept record, a lost answer to a request the
//! node did write and the plain re-run that it answers as a duplicate, and a node nobody listens for.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use trace_core::{BatchId, RecordId};

use crate::basics::{Fixture, ok, trace};

/// What [`Lossy`] does with a POST: close at once, or first hand it to the node and lose the node's answer.
#[derive(Clone, Copy, PartialEq)]
enum Post {
    Drop,
    ForwardThenDrop,
}

/// A loopback server in front of a node: GETs go through, POSTs get no answer.
struct Lossy {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Reads one HTTP/1.1 request (head and `content-length` body) off `s`; `None` at end of stream.
fn read_request(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).to_lowercase();
    let len =
        head.lines().find_map(|l| l.strip_prefix("content-length:")).map_or(0, |v| v.trim().parse::<usize>().unwrap());
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).ok()?;
    buf.extend_from_slice(&body);
    Some(buf)
}

/// `request` with its `connection` header replaced by `connection: close`.
fn closing(request: &[u8]) -> Vec<u8> {
    let split = request.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&request[..split]);
    let mut lines: Vec<&str> = head.split("\r\n").filter(|l| !l.to_lowercase().starts_with("connection:")).collect();
    lines.push("connection: close");
    let mut out = lines.join("\r\n").into_bytes();
    out.extend_from_slice(&request[split..]);
    out
}

/// Sends `request` to the node and reads its whole answer (the node closes after it).
fn forward(node: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut up = TcpStream::connect(node).unwrap();
    up.write_all(&closing(request)).unwrap();
    let mut answer = Vec::new();
    up.read_to_end(&mut answer).unwrap();
    answer
}

impl Lossy {
    fn start(node: SocketAddr, post: Post) -> Lossy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(mut conn) = conn else { continue };
                let Some(request) = read_request(&mut conn) else { continue };
                if request.starts_with(b"POST ") {
                    if post == Post::ForwardThenDrop {
                        forward(node, &request);
                    }
                    // Closed without a byte of answer: the client cannot know what happened.
                    continue;
                }
                // The node's answer, told to close so the client does not reuse this connection.
                let answer = forward(node, &request);
                let _ = conn.write_all(&closing(&answer));
            }
        });
        Lossy { addr, stop, thread: Some(thread) }
    }

    fn base(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Lossy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn err(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn out(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn log_size(node: &trace_tests::RunningNode) -> u64 {
    let health = trace_tests::call(node.addr, None, "GET", "/healthz", "", b"").unwrap();
    health.json()["tree_size"].as_u64().unwrap()
}

fn kept(outbox: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(outbox) {
        Ok(d) => d.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

fn record_id_of(path: &Path) -> RecordId {
    path.file_stem().unwrap().to_str().unwrap().parse().unwrap()
}

#[test]
fn a_lost_answer_keeps_the_record_and_the_plain_retry_never_records_it_twice() {
    let f = Fixture::new();
    let node = trace_tests::RunningNode::start(trace_tests::open_data_dir(&f.data).unwrap()).unwrap();
    let outbox = PathBuf::from(format!("{}.outbox", f.k()));
    let register = |base: &str, product: &str| {
        let args = ["register", "--product", product, "--class", "livestock", "--quantity", "40 head"];
        let mut all = args.to_vec();
        all.extend_from_slice(&["--node", base, "--key", f.k()]);
        trace(&all)
    };
    let size0 = log_size(&node);

    // The connection closes once the request is read: the outcome is unknown, and the record is kept.
    let lossy = Lossy::start(node.addr, Post::Drop);
    let o = register(&lossy.base(), "Live pigs");
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
    let shown = err(&o);
    assert!(shown.contains("went out to") && shown.contains("may have been written"), "{shown}");
    assert!(shown.contains("trace show ") && shown.contains("running the same command again"), "{shown}");
    assert!(!shown.contains("connecting to"), "{shown}");
    let files = kept(&outbox);
    assert_eq!(files.len(), 1, "{files:?}");
    let first = record_id_of(&files[0]);
    assert!(shown.contains(&first.to_string()), "{shown}");
    let listed = ok(&["outbox", "--key", f.k()]);
    assert!(listed.contains(&first.to_string()) && listed.contains("BatchRegistered"), "{listed}");
    assert_eq!(log_size(&node), size0, "nothing reached the node");

    // The same command against the node: the kept record goes, and is recorded once.
    let o = register(&node.base(), "Live pigs");
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert!(err(&o).contains(&format!("sending record {first} again")), "{}", err(&o));
    let batch = BatchId::derive(&first, 0).to_string();
    assert!(out(&o).contains(&format!("recorded BatchRegistered as entry {size0} (record {first})")), "{}", out(&o));
    assert!(out(&o).contains(&format!("new batch {batch}")), "{}", out(&o));
    assert!(kept(&outbox).is_empty() && !outbox.exists(), "acknowledged, so forgotten");
    assert_eq!(log_size(&node), size0 + 1);

    // The node writes the record, and its answer is lost on the way back.
    let forwarding = Lossy::start(node.addr, Post::ForwardThenDrop);
    let o = register(&forwarding.base(), "Piglets");
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
    assert!(err(&o).contains("may have been written"), "{}", err(&o));
    assert_eq!(log_size(&node), size0 + 2, "the node did write it");
    let files = kept(&outbox);
    assert_eq!(files.len(), 1, "{files:?}");
    let second = record_id_of(&files[0]);
    let o = trace(&["outbox", "--key", f.k(), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(v["records"][0]["id"], second.to_string());
    assert_eq!(v["records"][0]["batches"][0], BatchId::derive(&second, 0).to_string());

    // The plain re-run: the node answers that it has it, naming the record and its batch; nothing is added.
    let o = register(&node.base(), "Piglets");
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    let shown = out(&o);
    assert!(
        shown.contains(&format!("already recorded BatchRegistered as entry {} (record {second})", size0 + 1)),
        "{shown}"
    );
    assert!(shown.contains(&format!("batch {}", BatchId::derive(&second, 0))), "{shown}");
    assert_eq!(log_size(&node), size0 + 2, "no second record");
    assert!(kept(&outbox).is_empty());
    let shown = ok(&["outbox", "--key", f.k()]);
    assert!(shown.contains("is empty"), "{shown}");

    // Nobody listens: nothing was sent, so nothing is kept and the message says a retry is safe.
    let dead = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let o = register(&format!("http://{dead}"), "Sows");
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
    assert!(err(&o).contains("before sending anything"), "{}", err(&o));
    assert!(kept(&outbox).is_empty());
    assert_eq!(log_size(&node), size0 + 2);
}

#[test]
fn a_kept_record_the_node_refuses_was_never_written_and_the_fresh_one_goes_instead() {
    let f = Fixture::new();
    let reg_key = f._dir.path().join("regulator.key");
    let regulator = ok(&["key", "new", "--out", reg_key.to_str().unwrap()]).trim().to_owned();
    ok(&[
        "admit",
        "--data",
        f.d(),
        "--actor",
        &regulator,
        "--name",
        "District bureau",
        "--handle",
        "district-bureau",
        "--role",
        "regulator",
    ]);
    let node = trace_tests::RunningNode::start(trace_tests::open_data_dir(&f.data).unwrap()).unwrap();
    let base = node.base();
    let r = reg_key.to_str().unwrap();
    let outbox = PathBuf::from(format!("{r}.outbox"));
    let reg = ok(&[
        "register",
        "--product",
        "Live pigs",
        "--class",
        "livestock",
        "--quantity",
        "40 head",
        "--node",
        &base,
        "--key",
        f.k(),
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&reg).unwrap();
    let batch = v["created"][0].as_str().unwrap().to_owned();
    let hold = |base: &str| trace(&["hold", &batch, "--reason", "swab", "--node", base, "--key", r]);

    // The hold is lost on the way (it never reaches the node) and kept.
    let lossy = Lossy::start(node.addr, Post::Drop);
    let o = hold(&lossy.base());
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
    assert_eq!(kept(&outbox).len(), 1);
    // Meanwhile the batch's head moves: the kept hold names the old head, and the node refuses it.
    let args = ["inspect", &batch, "--sample", "S1", "--analyte", "clenbuterol", "--verdict", "pass"];
    let mut all = args.to_vec();
    all.extend_from_slice(&["--node", &base, "--key", r]);
    ok(&all);
    let size = log_size(&node);
    let o = hold(&base);
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert!(err(&o).contains("stale-head") && err(&o).contains("never recorded"), "{}", err(&o));
    assert!(out(&o).contains("recorded Held"), "{}", out(&o));
    assert_eq!(log_size(&node), size + 1);
    assert!(kept(&outbox).is_empty());
}

#[test]
fn a_post_says_whether_its_request_may_have_reached_the_node() {
    let dead = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let post = |base: &str| {
        let c = trace_cli::client::Client::new(base, Some(trace_core::SecretKey::from_seed([3; 32])));
        c.post::<serde_json::Value>("/v1/records", &serde_json::json!({"record": "AA=="})).unwrap_err()
    };
    // Connection refused: nothing was sent.
    let e = post(&format!("http://{dead}"));
    let n = e.downcast_ref::<trace_cli::client::NoAnswer>().unwrap_or_else(|| panic!("{e:#}"));
    assert!(!n.sent && e.to_string().contains("nothing was sent"), "{e}");
    // Read, then closed without an answer: it may have been acted on.
    let lossy = Lossy::start(dead, Post::Drop);
    let e = post(&lossy.base());
    let n = e.downcast_ref::<trace_cli::client::NoAnswer>().unwrap_or_else(|| panic!("{e:#}"));
    assert!(n.sent && e.to_string().contains("went out to"), "{e}");
}
