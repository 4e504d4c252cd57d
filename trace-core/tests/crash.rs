//! Crash test: a child process appends concurrently from several threads and prints each acknowledged record
//! id; the parent kills it with SIGKILL at a random moment, reopens the ledger and checks that every
//! acknowledged record is present and the chain verifies. Repeated; `TRACE_CRASH_CYCLES` sets how often.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;
use trace_core::*;

const CHILD_ENV: &str = "TRACE_CRASH_CHILD_DIR";

/// The child's side. Does nothing unless started by the parent test with the data directory set.
#[test]
fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else { return };
    // The parent has just dropped its own handle on the store; its writer thread may still hold sled's lock
    // for a moment (longer while the disk is busy), so retry as the parent does.
    let ledger = reopen_retry(std::path::Path::new(&dir));
    if ledger.size() == 0 {
        for r in founding() {
            ledger.append(r).unwrap();
        }
    }
    let salt = ledger.size();
    println!("READY");
    let threads: Vec<_> = (0..4u64)
        .map(|n| {
            let l = ledger.clone();
            std::thread::spawn(move || {
                for i in 0.. {
                    let t = T0 + DAY + salt * 1_000_000 + n * 100_000 + i;
                    let r = register(&coop(), t, "rice", ProductClass::Grain, "1 t");
                    let a = l.append(r).unwrap();
                    // Printed only after append returned, i.e. after the flush: an acknowledgement.
                    println!("ACK {}", a.id);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

fn cycles() -> usize {
    std::env::var("TRACE_CRASH_CYCLES").ok().and_then(|v| v.parse().ok()).unwrap_or(6)
}

#[test]
fn acknowledged_records_survive_sigkill_during_concurrent_appends() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut total_acked = 0usize;
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for cycle in 0..cycles() {
        let mut child = Command::new(&exe)
            .args(["crash::crash_child", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait until the child is appending, then let it run a pseudo-random while before the kill.
        let mut acked: Vec<RecordId> = Vec::new();
        let start = Instant::now();
        loop {
            match rx.recv_timeout(Duration::from_secs(30)) {
                // libtest prints its own prefix before ours on the same line.
                Ok(l) if l.ends_with("READY") => break,
                Ok(_) => {}
                Err(e) => panic!("child never became ready: {e}"),
            }
            assert!(start.elapsed() < Duration::from_secs(60));
        }
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let run_for = Duration::from_millis(50 + seed % 400);
        let until = Instant::now() + run_for;
        while Instant::now() < until {
            if let Ok(l) = rx.recv_timeout(Duration::from_millis(5)) {
                if let Some(id) = l.strip_prefix("ACK ") {
                    acked.push(id.parse().unwrap());
                }
            }
        }
        child.kill().unwrap(); // SIGKILL on Unix.
        child.wait().unwrap();
        reader.join().unwrap();
        // Lines the child printed before dying are acknowledgements too.
        for l in rx.try_iter() {
            if let Some(id) = l.strip_prefix("ACK ") {
                acked.push(id.parse().unwrap());
            }
        }
        let ledger = reopen_retry(dir.path());
        ledger.verify_all().unwrap_or_else(|e| panic!("cycle {cycle}: chain does not verify: {e}"));
        for id in &acked {
            assert!(ledger.index_of(id).unwrap().is_some(), "cycle {cycle}: acknowledged record {id} lost");
        }
        total_acked += acked.len();
        drop(ledger);
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(total_acked > 0, "the child acknowledged nothing; the test proved nothing");
}
