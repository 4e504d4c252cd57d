//! The auditor's commands with the real binary: `export --bundle` and `verify` on a local ledger; `audit`,
//! `witness`, `scan` and a remote export against a real node served in-process on loopback, including a fork
//! (a second ledger with the same origin and log key but another history) that must raise the alarm.

use std::path::Path;
use std::process::Output;
use std::sync::Arc;

use trace_core::{DataDir, NoteSigner, VerifierKey};
use trace_node::{Limits, Node};

use crate::basics::{Fixture, ok, snapshot, trace};

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The log's verifier key, read from the data directory once a dropped ledger has let go of it.
fn log_vkey(dir: &Path) -> VerifierKey {
    let d = trace_tests::open_data_dir(dir).unwrap();
    NoteSigner::new(&d.config.log_key_name, d.log_key.clone()).unwrap().verifier_key().clone()
}

#[test]
fn the_help_of_the_auditor_s_commands_matches_its_snapshot() {
    for cmd in ["export", "verify", "audit", "witness", "scan"] {
        snapshot(&format!("help-{cmd}.txt"), &ok(&[cmd, "--help"]));
    }
}

#[test]
fn export_then_verify_a_local_ledger_and_every_failure_exits_4_naming_the_entry() {
    let f = Fixture::new();
    for i in 0..3 {
        ok(&[
            "register",
            "--data",
            f.d(),
            "--key",
            f.k(),
            "--product",
            &format!("pigs {i}"),
            "--class",
            "livestock",
            "--quantity",
            "10 head",
        ]);
    }
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("audit.jsonl");
    // Exactly as DESIGN.md says scripts call them.
    let shown = ok(&["export", "--bundle", p(&bundle), "--data", f.d()]);
    assert!(shown.contains("wrote 6 entries"), "{shown}");
    assert!(!dir.path().join("audit.jsonl.partial").exists());
    let shown = ok(&["verify", p(&bundle)]);
    assert!(shown.contains("6 entries verified"), "{shown}");
    let o = trace(&["verify", p(&bundle)]);
    assert!(err(&o).contains("not pinned"), "an unpinned verify says so: {}", err(&o));

    let vkey = log_vkey(&f.data).to_string();
    let v: serde_json::Value =
        serde_json::from_str(&ok(&["verify", p(&bundle), "--log-key", &vkey, "--json"])).unwrap();
    assert_eq!(
        (v["ok"].as_bool(), v["entries"].as_u64(), v["log_key_pinned"].as_bool()),
        (Some(true), Some(6), Some(true))
    );
    assert_eq!(v["log_key"], vkey);

    // Another log key: refused with 4.
    let other = NoteSigner::new("other.example/log", trace_core::SecretKey::from_seed([5; 32])).unwrap();
    let o = trace(&["verify", p(&bundle), "--log-key", &other.verifier_key().to_string()]);
    assert_eq!(o.status.code(), Some(4), "{}", err(&o));
    let o = trace(&["verify", p(&bundle), "--log-key", "not-a-key"]);
    assert_eq!(o.status.code(), Some(2), "a malformed key is a usage error: {}", err(&o));

    // A byte changed inside entry 4's leaf data: exit 4, naming entry 4.
    let text = std::fs::read_to_string(&bundle).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let v: serde_json::Value = serde_json::from_str(&lines[5]).unwrap();
    let leaf = v["leaf_data"].as_str().unwrap();
    let mut bytes = trace_core::encoding::base64_decode(leaf).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    lines[5] = lines[5].replace(leaf, &trace_core::encoding::base64_encode(&bytes));
    let tampered = dir.path().join("tampered.jsonl");
    std::fs::write(&tampered, lines.join("\n") + "\n").unwrap();
    let o = trace(&["verify", p(&tampered)]);
    assert_eq!(o.status.code(), Some(4), "{}", err(&o));
    assert!(err(&o).contains("entry 4 (line 6)"), "{}", err(&o));
    let o = trace(&["verify", p(&tampered), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!((v["ok"].as_bool(), v["entry"].as_u64()), (Some(false), Some(4)));

    // A truncated bundle names what is missing.
    std::fs::write(&tampered, lines[..4].join("\n") + "\n").unwrap();
    let o = trace(&["verify", p(&tampered)]);
    assert_eq!(o.status.code(), Some(4));
    assert!(err(&o).contains("covers 6 entries but the bundle holds 3"), "{}", err(&o));
    let o = trace(&["verify", p(&dir.path().join("missing.jsonl"))]);
    assert_eq!(o.status.code(), Some(1));
    let o = trace(&["export", "--data", f.d()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("--bundle FILE"), "{}", err(&o));
}

/// A node served in-process on a loopback port, in a runtime thread of its own, stopped on drop.
struct Served {
    base: String,
    node: Arc<Node>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Served {
    fn start(node: Arc<Node>) -> Served {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let n = node.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                trace_node::serve(n, listener, async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
            });
        });
        let addr = addr_rx.recv().unwrap();
        Served { base: format!("http://{addr}"), node, stop: Some(stop), thread: Some(thread) }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A fresh ledger under `dir` served with `log_key` (its own when `None`).
fn ledger(dir: &Path, log_key: Option<trace_core::SecretKey>) -> Served {
    let d = DataDir::init(dir, "audit.cli.test.example/ledger".parse().unwrap(), "authority").unwrap();
    let key = log_key.unwrap_or_else(|| d.log_key.clone());
    Served::start(Arc::new(Node::new(d.ledger, key, d.config.log_key_name, Limits::default())))
}

fn admit(s: &Served, authority: &str, n: u8) {
    let actor = trace_core::SecretKey::from_seed([n; 32]).public().to_string();
    ok(&[
        "admit",
        "--node",
        &s.base,
        "--key",
        authority,
        "--actor",
        &actor,
        "--name",
        &format!("co-op {n}"),
        "--handle",
        &format!("coop-{n}"),
        "--role",
        "coop",
    ]);
}

#[test]
fn audit_and_witness_follow_a_live_node_and_a_forked_log_raises_the_alarm_with_both_notes() {
    let dir = tempfile::tempdir().unwrap();
    let (a_dir, b_dir) = (dir.path().join("a"), dir.path().join("b"));
    let a = ledger(&a_dir, None);
    let auth_a = DataDir::authority_key_path(&a_dir);
    let auth_a = p(&auth_a).to_owned();
    let state = dir.path().join("audit");
    let wstate = dir.path().join("witness");
    let audit = |s: &Served, extra: &[&str]| {
        let mut args = vec!["audit", "--node", &s.base, "--state", p(&state), "--key", &auth_a];
        args.extend_from_slice(extra);
        trace(&args)
    };

    // First run: trusts the node's key on first use, loudly, and audits the two genesis entries.
    let o = audit(&a, &[]);
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert!(err(&o).contains("WARNING") && err(&o).contains("first use"), "{}", err(&o));
    assert!(out(&o).contains("from 0 to 2 entries: 2 new entries verified"), "{}", out(&o));

    for n in 30..33 {
        admit(&a, &auth_a, n);
    }
    // Second run, across the new appends; the key is pinned now, and given again it must match.
    let vkey = a.node.checkpoints.verifier_key().unwrap().to_string();
    let o = audit(&a, &["--log-key", &vkey, "--json"]);
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(
        (v["old_size"].as_u64(), v["tree_size"].as_u64(), v["new_entries"].as_u64()),
        (Some(2), Some(5), Some(3))
    );
    assert_eq!(v["entries_verified"], 5);
    assert!(!err(&o).contains("WARNING"));
    let o = audit(&a, &[]);
    assert!(out(&o).contains("0 new entries verified"), "{}", out(&o));

    // A witness cosigns, and the node serves the cosigned checkpoint.
    let w = trace(&["witness", "--node", &a.base, "--state", p(&wstate), "--key", &auth_a, "--name", "bureau.test/w1"]);
    assert!(w.status.success(), "{}{}", out(&w), err(&w));
    assert!(out(&w).contains("cosigned audit.cli.test.example/ledger at size 5"), "{}", out(&w));
    let witnessed = a.node.checkpoints.witnessed().unwrap();
    assert!(witnessed.contains("— bureau.test/w1 "), "{witnessed}");
    let note_a = a.node.checkpoints.latest().unwrap().note.clone();
    let log_key = a.node.log_key.clone();
    drop(a);

    // The operator's log key signs another history of the same log, at a larger size.
    let b = ledger(&b_dir, Some(log_key));
    let auth_b = DataDir::authority_key_path(&b_dir);
    for n in 40..44 {
        admit(&b, p(&auth_b), n);
    }
    let note_b = b.node.checkpoints.latest().unwrap().note.clone();
    assert!(note_b.contains("\n6\n"), "{note_b}");
    let o = trace(&["audit", "--node", &b.base, "--state", p(&state), "--key", p(&auth_b)]);
    assert_eq!(o.status.code(), Some(4), "{}{}", out(&o), err(&o));
    let shown = err(&o);
    assert!(shown.contains("ALARM") && shown.contains("FORK of log 'audit.cli.test.example/ledger'"), "{shown}");
    assert!(shown.contains(&note_a) && shown.contains(&note_b), "both notes are printed: {shown}");
    // The state still holds the first history: the alarm repeats until someone looks.
    let o = trace(&["audit", "--node", &b.base, "--state", p(&state), "--key", p(&auth_b), "--json"]);
    assert_eq!(o.status.code(), Some(4));
    let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(
        (v["fork"]["first"].as_str(), v["fork"]["second"].as_str()),
        (Some(note_a.as_str()), Some(note_b.as_str()))
    );

    // The witness refuses to cosign it, and so does an audit started with another pinned key.
    let w = trace(&["witness", "--node", &b.base, "--state", p(&wstate), "--key", &auth_a, "--name", "bureau.test/w1"]);
    assert_eq!(w.status.code(), Some(4), "{}{}", out(&w), err(&w));
    let o = trace(&[
        "audit",
        "--node",
        &b.base,
        "--state",
        p(&state),
        "--key",
        p(&auth_b),
        "--log-key",
        &NoteSigner::new("x", trace_core::SecretKey::from_seed([6; 32])).unwrap().verifier_key().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(4), "{}", err(&o));
    assert!(err(&o).contains("pinned"), "{}", err(&o));
}

#[test]
fn scan_verifies_a_label_on_the_trusted_node_and_is_loud_on_hold() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ledger");
    let s = ledger(&data, None);
    let auth = DataDir::authority_key_path(&data);
    let auth = p(&auth).to_owned();
    let coop_key = dir.path().join("coop.key");
    let coop = ok(&["key", "new", "--out", p(&coop_key)]).trim().to_owned();
    ok(&[
        "admit",
        "--node",
        &s.base,
        "--key",
        &auth,
        "--actor",
        &coop,
        "--name",
        "Hetao co-op",
        "--handle",
        "hetao-coop",
        "--role",
        "coop",
    ]);
    let reg = ok(&[
        "register",
        "--node",
        &s.base,
        "--key",
        p(&coop_key),
        "--product",
        "Live pigs",
        "--class",
        "livestock",
        "--quantity",
        "40 head",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&reg).unwrap();
    let batch: trace_core::BatchId = v["created"][0].as_str().unwrap().parse().unwrap();
    let vkey = s.node.checkpoints.verifier_key().unwrap().to_string();

    // The label names some other host: it is resolved on --node all the same.
    let label = format!("https://elsewhere.invalid/b/{}", batch.compact());
    let o = trace(&["scan", &label, "--node", &s.base, "--log-key", &vkey]);
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert!(out(&o).contains("Live pigs") && out(&o).contains("1 records verified"), "{}", out(&o));
    let o = trace(&["scan", &batch.to_string(), "--node", &s.base]);
    assert!(o.status.success());
    assert!(err(&o).contains("not pinned"), "{}", err(&o));

    ok(&["hold", &batch.to_string(), "--reason", "clenbuterol suspected", "--node", &s.base, "--key", &auth]);
    let o = trace(&["scan", &label, "--node", &s.base, "--log-key", &vkey]);
    assert_eq!(o.status.code(), Some(5), "{}{}", out(&o), err(&o));
    assert!(out(&o).contains("ON HOLD — DO NOT SELL") && out(&o).contains("clenbuterol suspected"), "{}", out(&o));
    let o = trace(&["scan", &label, "--node", &s.base, "--json"]);
    assert_eq!(o.status.code(), Some(5));
    let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!((v["status"].as_str(), v["verified_records"].as_u64()), (Some("on_hold"), Some(2)));

    // Under another log key nothing verifies.
    let other = NoteSigner::new("audit.cli.test.example/ledger", trace_core::SecretKey::from_seed([5; 32])).unwrap();
    let o = trace(&["scan", &label, "--node", &s.base, "--log-key", &other.verifier_key().to_string()]);
    assert_eq!(o.status.code(), Some(4), "{}", err(&o));
    let o = trace(&["scan", "not a label", "--node", &s.base]);
    assert_eq!(o.status.code(), Some(1));
    let o = trace(&["scan", &label]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("--node"), "{}", err(&o));

    // A regulator downloads the bundle from the node, and it verifies under the pinned key.
    let bundle = dir.path().join("remote.jsonl");
    let shown = ok(&["export", "--bundle", p(&bundle), "--node", &s.base, "--key", &auth]);
    assert!(shown.contains(&format!("wrote {} entries", s.node.ledger.size())), "{shown}");
    ok(&["verify", p(&bundle), "--log-key", &vkey]);
    let o = trace(&["export", "--bundle", p(&dir.path().join("x.jsonl")), "--node", &s.base, "--key", p(&coop_key)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("forbidden"), "{}", err(&o));
}

/// Serves the ledger in `dir` on a [`trace_tests::RunningNode`], optionally signing its checkpoints with another
/// log key or under another key name than the origin.
fn running(dir: &Path, log_key: Option<trace_core::SecretKey>, key_name: Option<&str>) -> trace_tests::RunningNode {
    let mut d = trace_tests::open_data_dir(dir).unwrap();
    if let Some(k) = log_key {
        d.log_key = k;
    }
    if let Some(n) = key_name {
        d.config.log_key_name = n.to_owned();
    }
    trace_tests::RunningNode::start(d).unwrap()
}

#[test]
fn a_failed_first_audit_writes_no_state_and_the_next_correct_audit_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ledger");
    drop(DataDir::init(&data, "audit.cli.test.example/ledger".parse().unwrap(), "authority").unwrap());
    let vkey = log_vkey(&data).to_string();
    let auth = DataDir::authority_key_path(&data);
    let state = dir.path().join("audit");
    let audit = |node: &trace_tests::RunningNode, extra: &[&str]| {
        let base = node.base();
        let mut args = vec!["audit", "--node", &base, "--state", p(&state)];
        args.extend_from_slice(extra);
        trace(&args)
    };
    let no_state = |what: &str| assert!(!state.exists(), "{what} left {}", state.display());

    // Trusted on first use, the node's key is named for another log than its checkpoint's origin.
    let n = running(&data, None, Some("elsewhere.example/log"));
    let o = audit(&n, &["--key", p(&auth)]);
    assert_eq!(o.status.code(), Some(4), "{}{}", out(&o), err(&o));
    assert!(err(&o).contains("named 'elsewhere.example/log'") && err(&o).contains("not this log's key"), "{}", err(&o));
    no_state("an origin that is not the key's");
    drop(n);

    // The checkpoint is signed by another key than the one pinned with --log-key.
    let n = running(&data, Some(trace_core::SecretKey::from_seed([9; 32])), None);
    let o = audit(&n, &["--key", p(&auth), "--log-key", &vkey]);
    assert_eq!(o.status.code(), Some(4), "{}{}", out(&o), err(&o));
    assert!(err(&o).contains("audit failed") && err(&o).contains("checkpoint"), "{}", err(&o));
    no_state("a checkpoint signed by another key");
    drop(n);

    // The right node, but the entries cannot be read (no key for the signed request): nothing is kept either.
    let n = running(&data, None, None);
    let o = audit(&n, &["--log-key", &vkey]);
    assert_eq!(o.status.code(), Some(1), "{}{}", out(&o), err(&o));
    no_state("a run that could not fetch the entries");

    // The correct audit now starts from nothing, pinned to the right key, and the next one follows it.
    let o = audit(&n, &["--key", p(&auth), "--log-key", &vkey]);
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert!(out(&o).contains("from 0 to 2 entries"), "{}", out(&o));
    assert!(err(&o).contains("started auditing audit.cli.test.example/ledger"), "{}", err(&o));
    let o = audit(&n, &["--key", p(&auth)]);
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert!(out(&o).contains("0 new entries verified"), "{}", out(&o));
}

/// A witness's first run pins the log key only once it has cosigned under it: a first run against a node whose
/// checkpoint another key signed pins nothing, and the next run, against the right node, pins the right key.
#[test]
fn a_failed_first_witness_run_pins_no_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ledger");
    drop(DataDir::init(&data, "witness.cli.test.example/ledger".parse().unwrap(), "authority").unwrap());
    let vkey = log_vkey(&data).to_string();
    let auth = DataDir::authority_key_path(&data);
    let state = dir.path().join("witness");
    let pin = state.join(trace_cli::WITNESS_LOG_KEY_FILE);
    let witness = |node: &trace_tests::RunningNode, extra: &[&str]| {
        let base = node.base();
        let mut args = vec!["witness", "--node", &base, "--state", p(&state), "--key", p(&auth)];
        args.extend_from_slice(extra);
        trace(&args)
    };

    let n = running(&data, Some(trace_core::SecretKey::from_seed([9; 32])), None);
    let o = witness(&n, &["--log-key", &vkey]);
    assert!(!o.status.success(), "a checkpoint under another key was cosigned: {}{}", out(&o), err(&o));
    assert!(!pin.exists(), "a failed first run pinned {}", std::fs::read_to_string(&pin).unwrap_or_default());
    drop(n);

    let n = running(&data, None, None);
    let o = witness(&n, &["--log-key", &vkey]);
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert_eq!(std::fs::read_to_string(&pin).unwrap().trim(), vkey);
}
