//! Crash harness: a real node in a child process (this test binary in its child mode, serving the data
//! directory with `trace_node::serve`) takes concurrent submissions from several HTTP clients and is killed
//! with SIGKILL at a pseudo-random moment; then the parent opens the store itself and checks that
//!
//! - every record the node acknowledged (HTTP 201 or 200 received) is in the log,
//! - the whole chain and tree verify (`Ledger::verify_all`),
//! - each client's batch head is its last acknowledged record, or the one it had in flight,
//! - the new checkpoint (signed with the log key) is consistent, by RFC 9162 consistency proofs, with every
//!   earlier one and with every checkpoint the live node served at `/v1/checkpoint` before it was killed, and
//!   the log never shrank below any of them;
//!
//! and restarts the node, where each client first resubmits the record it had in flight (which must come back
//! 201, or 200 with `duplicate` when it had reached the disk before the kill) and carries on.
//!
//! `TRACE_CRASH_CYCLES` sets the number of cycles (default 20, well under a minute).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use trace_core::merkle::{Hash, verify_consistency};
use trace_core::*;
use trace_tests::*;

/// The child side: serves the data directory when the parent asks, else does nothing.
#[test]
fn node_child() {
    serve_child_if_asked();
}

fn cycles() -> usize {
    std::env::var("TRACE_CRASH_CYCLES").ok().and_then(|v| v.parse().ok()).unwrap_or(20)
}

const CLIENTS: u64 = 4;

/// One client's view: its batch, the head it knows, what was acknowledged, and what is in flight.
#[derive(Debug, Default)]
struct Client {
    batch: Option<BatchId>,
    head: Option<RecordId>,
    acked: Vec<RecordId>,
    in_flight: Option<Record>,
    next: u64,
}

/// The next record for a client: its batch's registration first, then certificates naming the head.
fn next_record(c: &Client, n: u64, key: &SecretKey, origin: &Origin, t0: u64) -> Record {
    let time = Time(t0 + n * 10_000_000 + c.next);
    match (c.batch, c.head) {
        (Some(batch), Some(head)) => sign_event(
            key,
            origin,
            time,
            vec![head],
            Event::Certified(Certified {
                batches: vec![batch],
                issuer: Party::Member(key.public()),
                kind: CertKind::Gap,
                number: format!("GAP-{n}-{}", c.next),
                valid_from: time,
                valid_until: Time(time.0 + 365 * 86_400_000),
                promises: vec!["no banned substances".into()],
            }),
        ),
        _ => sign_event(
            key,
            origin,
            time,
            vec![],
            Event::BatchRegistered(BatchRegistered {
                product: format!("rice, client {n}"),
                class: ProductClass::Grain,
                commissioning: Commissioning::Harvest,
                quantity: "1 t".parse().unwrap(),
                gtin: None,
                lot: None,
                place: "Xihu paddy 3".into(),
                identifiers: vec![],
            }),
        ),
    }
}

/// Submits `r` until the node answers; `None` when the connection fails (the node is gone).
fn try_submit(addr: SocketAddr, key: &SecretKey, r: &Record) -> Option<Answer> {
    submit(addr, key, r).ok()
}

/// Takes the answer to a client's record: moves its head on 201/200, panics on any refusal.
fn acknowledge(c: &mut Client, r: &Record, a: &Answer, n: u64) {
    assert!(a.status == 201 || a.status == 200, "client {n}: refused {}: {}", a.status, a.json());
    let v = a.json();
    assert_eq!(v["id"], r.id().to_string());
    if c.batch.is_none() {
        c.batch = Some(BatchId::derive(&r.id(), 0));
    }
    c.head = Some(r.id());
    c.acked.push(r.id());
    c.in_flight = None;
    c.next += 1;
}

fn run_client(addr: SocketAddr, key: SecretKey, origin: Origin, t0: u64, n: u64, c: &Mutex<Client>, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        let r = {
            let mut c = c.lock().unwrap();
            let r = c.in_flight.clone().unwrap_or_else(|| next_record(&c, n, &key, &origin, t0));
            c.in_flight = Some(r.clone());
            r
        };
        let Some(a) = try_submit(addr, &key, &r) else { return };
        acknowledge(&mut c.lock().unwrap(), &r, &a, n);
    }
}

/// A signed checkpoint of the whole log, as a node would serve it.
fn checkpoint(ledger: &Ledger, signer: &NoteSigner) -> (u64, Hash) {
    let size = ledger.size();
    let note = Checkpoint::of_ledger(ledger, size).unwrap().sign(signer).to_string();
    let signed = SignedCheckpoint::open(note.as_bytes(), signer.verifier_key()).unwrap();
    (signed.checkpoint().size(), *signed.checkpoint().root())
}

#[test]
fn acknowledged_records_survive_sigkill_of_a_real_node_under_concurrent_clients() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let d = DataDir::init(&data, "crash.trace.example/ledger".parse().unwrap(), "Crash test authority").unwrap();
    let origin = d.ledger.origin().clone();
    let authority = d.authority_key().unwrap();
    let signer = NoteSigner::new(&d.config.log_key_name, d.log_key.clone()).unwrap();
    let coops: Vec<SecretKey> = (0..CLIENTS).map(|n| SecretKey::from_seed([0x40 + n as u8; 32])).collect();
    for (n, k) in coops.iter().enumerate() {
        let admit = sign_event(
            &authority,
            &origin,
            Time::now(),
            vec![],
            Event::ActorAdmitted(ActorAdmitted {
                actor: k.public(),
                name: format!("Co-op {n}"),
                handle: format!("coop-{n}").parse().unwrap(),
                roles: vec![Role::Coop],
                registration: String::new(),
                location: "溪湖区".into(),
                contact: None,
                departments: vec![],
                licences: vec![],
            }),
        );
        d.ledger.append(admit).unwrap();
    }
    let mut checkpoints: Vec<(u64, Hash)> = vec![checkpoint(&d.ledger, &signer)];
    drop(d);

    let clients: Vec<Arc<Mutex<Client>>> = (0..CLIENTS).map(|_| Arc::default()).collect();
    let t0 = Time::now().0 - 30 * 86_400_000;
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let (mut resubmitted_new, mut resubmitted_dup, mut served_total) = (0usize, 0usize, 0usize);
    let started = Instant::now();
    let cycles = cycles();
    for cycle in 0..cycles {
        let node = ChildNode::spawn("crash::node_child", &data).unwrap();
        let addr = node.addr;
        // What each client had in flight when the last node died must come back 201 or 200, never a refusal.
        for (n, c) in clients.iter().enumerate() {
            let mut c = c.lock().unwrap();
            if let Some(r) = c.in_flight.clone() {
                let a = submit(addr, &coops[n], &r).unwrap();
                match a.status {
                    201 => resubmitted_new += 1,
                    200 => resubmitted_dup += 1,
                    s => panic!("cycle {cycle}: resubmitting client {n}'s record answered {s}: {}", a.json()),
                }
                acknowledge(&mut c, &r, &a, n as u64);
            }
        }
        let stop = Arc::new(AtomicBool::new(false));
        let threads: Vec<_> = (0..CLIENTS)
            .map(|n| {
                let (c, key, origin, stop) =
                    (clients[n as usize].clone(), coops[n as usize].clone(), origin.clone(), stop.clone());
                std::thread::spawn(move || run_client(addr, key, origin, t0, n, &c, &stop))
            })
            .collect();
        // A monitor fetches the node's signed checkpoint all along: whatever the node served before the kill
        // must be consistent with what is on disk after it.
        let served: Arc<Mutex<Vec<(u64, Hash)>>> = Arc::default();
        let monitor = {
            let (served, stop, vkey) = (served.clone(), stop.clone(), signer.verifier_key().clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let Ok(a) = call(addr, None, "GET", "/v1/checkpoint", "", b"") else { return };
                    if a.status != 200 {
                        return;
                    }
                    let cp = SignedCheckpoint::open(&a.body, &vkey).expect("the node serves checkpoints it signed");
                    served.lock().unwrap().push((cp.checkpoint().size(), *cp.checkpoint().root()));
                }
            })
        };
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(30 + seed % 400));
        node.kill().unwrap();
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            t.join().unwrap();
        }
        monitor.join().unwrap();
        let served = std::mem::take(&mut *served.lock().unwrap());
        served_total += served.len();

        let d = open_data_dir(&data).unwrap_or_else(|e| panic!("cycle {cycle}: the store does not open: {e}"));
        d.ledger.verify_all().unwrap_or_else(|e| panic!("cycle {cycle}: chain or tree does not verify: {e}"));
        for (n, c) in clients.iter().enumerate() {
            let c = c.lock().unwrap();
            for id in &c.acked {
                assert!(
                    d.ledger.index_of(id).unwrap().is_some(),
                    "cycle {cycle}: client {n}'s acknowledged record {id} was lost"
                );
            }
            if let Some(batch) = c.batch {
                let head = d.ledger.batch(batch).unwrap().expect("an acknowledged batch exists").head;
                let in_flight = c.in_flight.as_ref().map(Record::id);
                assert!(
                    Some(head) == c.head || Some(head) == in_flight,
                    "cycle {cycle}: client {n}'s batch head is neither its last acknowledged nor its in-flight record"
                );
            }
        }
        let (size, root) = checkpoint(&d.ledger, &signer);
        for &(old, old_root) in checkpoints.iter().chain(&served) {
            assert!(size >= old, "cycle {cycle}: the log shrank from {old} to {size}");
            let proof = d.ledger.consistency_proof(old, size).unwrap();
            verify_consistency(old, size, &old_root, &root, &proof)
                .unwrap_or_else(|e| panic!("cycle {cycle}: checkpoint {size} is not consistent with {old}: {e}"));
        }
        checkpoints.push((size, root));
        drop(d);
    }
    let acked: usize = clients.iter().map(|c| c.lock().unwrap().acked.len()).sum();
    let size = checkpoints.last().unwrap().0;
    eprintln!(
        "crash harness: {cycles} SIGKILL cycles in {:.1?}, {CLIENTS} clients, {acked} records acknowledged, 0 lost, \
         {size} entries; in-flight records resubmitted after a kill: {resubmitted_new} new, {resubmitted_dup} \
         already on disk; {} checkpoints signed after restarts and {served_total} served by the live node, all \
         consistent with every later one",
        started.elapsed(),
        checkpoints.len()
    );
    assert!(acked > cycles, "too few acknowledgements ({acked}) for the harness to prove anything");
}
