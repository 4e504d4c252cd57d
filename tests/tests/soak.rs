//! Soak: a real node in a child process under mixed appends and lookups from several HTTP clients for a
//! bounded time, with the node's resident memory sampled from `/proc` at the start, every second, and at the
//! end, and every answer that is not the expected one counted as an error. Afterwards the store must hold every
//! acknowledged record and verify.
//!
//! `TRACE_SOAK_SECS` sets the duration (default 5 s, the short form CI runs). The figures are printed and
//! recorded in docs/reliability.md; nothing here asserts on timing or memory, only on correctness.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use trace_core::*;
use trace_tests::*;

#[test]
fn soak_child() {
    serve_child_if_asked();
}

#[derive(Default)]
struct Counts {
    appends: AtomicU64,
    lookups: AtomicU64,
    errors: AtomicU64,
}

fn registration(k: &SecretKey, origin: &Origin, time: Time, n: u64) -> Record {
    sign_event(
        k,
        origin,
        time,
        vec![],
        Event::BatchRegistered(BatchRegistered {
            product: format!("soak rice {n}"),
            class: ProductClass::Grain,
            commissioning: Commissioning::Harvest,
            quantity: "1 t".parse().unwrap(),
            gtin: None,
            lot: None,
            place: "Xihu paddy 3".into(),
            identifiers: vec![],
        }),
    )
}

fn certificate(k: &SecretKey, origin: &Origin, time: Time, batch: BatchId, head: RecordId, n: u64) -> Record {
    sign_event(
        k,
        origin,
        time,
        vec![head],
        Event::Certified(Certified {
            batches: vec![batch],
            issuer: Party::Member(k.public()),
            kind: CertKind::Gap,
            number: format!("GAP-{n}"),
            valid_from: time,
            valid_until: Time(time.0 + 365 * 86_400_000),
            promises: vec![],
        }),
    )
}

/// Appends a batch, then certificates on it, four to a batch; records what was acknowledged.
fn appender(
    addr: SocketAddr,
    key: SecretKey,
    origin: Origin,
    stop: &AtomicBool,
    c: &Counts,
    seen: &Mutex<Vec<(BatchId, RecordId)>>,
) {
    let t0 = Time::now().0 - 10 * 86_400_000;
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let reg = registration(&key, &origin, Time(t0 + n), n);
        n += 1;
        let a = submit(addr, &key, &reg).unwrap();
        if a.status != 201 {
            c.errors.fetch_add(1, Ordering::Relaxed);
            eprintln!("append answered {}: {}", a.status, a.json());
            continue;
        }
        c.appends.fetch_add(1, Ordering::Relaxed);
        let batch = BatchId::derive(&reg.id(), 0);
        let mut head = reg.id();
        seen.lock().unwrap().push((batch, head));
        for _ in 0..4 {
            let cert = certificate(&key, &origin, Time(t0 + n), batch, head, n);
            n += 1;
            let a = submit(addr, &key, &cert).unwrap();
            if a.status == 201 {
                c.appends.fetch_add(1, Ordering::Relaxed);
                head = cert.id();
                seen.lock().unwrap().push((batch, head));
            } else {
                c.errors.fetch_add(1, Ordering::Relaxed);
                eprintln!("append answered {}: {}", a.status, a.json());
            }
        }
    }
}

/// Looks up what the appenders wrote, through the signed API, the scan page and the public proofs.
fn reader(addr: SocketAddr, key: SecretKey, stop: &AtomicBool, c: &Counts, seen: &Mutex<Vec<(BatchId, RecordId)>>) {
    let mut i = 0usize;
    while !stop.load(Ordering::Relaxed) {
        let pick = {
            let s = seen.lock().unwrap();
            if s.is_empty() { None } else { Some(s[(i * 7919) % s.len()]) }
        };
        i += 1;
        let Some((batch, record)) = pick else {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        };
        let paths = [
            (Some(&key), format!("/v1/batches/{batch}")),
            (Some(&key), format!("/v1/records/{record}")),
            (None, format!("/b/{batch}")),
            (None, format!("/v1/proof/inclusion?id={record}")),
            (None, "/v1/checkpoint".to_owned()),
            (None, "/healthz".to_owned()),
        ];
        let (k, path) = &paths[i % paths.len()];
        match call(addr, *k, "GET", path, "", b"") {
            Ok(a) if a.status == 200 => {
                c.lookups.fetch_add(1, Ordering::Relaxed);
            }
            Ok(a) => {
                c.errors.fetch_add(1, Ordering::Relaxed);
                eprintln!("GET {path} answered {}: {}", a.status, String::from_utf8_lossy(&a.body));
            }
            Err(e) => {
                c.errors.fetch_add(1, Ordering::Relaxed);
                eprintln!("GET {path}: {e}");
            }
        }
    }
}

#[test]
fn mixed_appends_and_lookups_for_a_bounded_time() {
    let secs: u64 = std::env::var("TRACE_SOAK_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let d = DataDir::init(&data, "soak.trace.example/ledger".parse().unwrap(), "Soak authority").unwrap();
    let origin = d.ledger.origin().clone();
    let authority = d.authority_key().unwrap();
    let coops: Vec<SecretKey> = (0..2u8).map(|n| SecretKey::from_seed([0x60 + n; 32])).collect();
    // Readers look at both co-ops' batches, which a regulator may (a co-op reads only its own); one key each, so
    // that two identical requests in one millisecond are not one signature replayed.
    let readers: Vec<SecretKey> = (0..2u8).map(|n| SecretKey::from_seed([0x70 + n; 32])).collect();
    let members =
        coops.iter().map(|k| (k, Role::Coop, "co-op")).chain(readers.iter().map(|k| (k, Role::Regulator, "regulator")));
    for (n, (k, role, what)) in members.enumerate() {
        d.ledger
            .append(sign_event(
                &authority,
                &origin,
                Time::now(),
                vec![],
                Event::ActorAdmitted(ActorAdmitted {
                    actor: k.public(),
                    name: format!("Soak {what} {n}"),
                    handle: format!("soak-{n}").parse().unwrap(),
                    roles: vec![role],
                    registration: String::new(),
                    location: String::new(),
                    contact: None,
                    departments: vec![],
                    licences: vec![],
                }),
            ))
            .unwrap();
    }
    drop(d);
    let node = ChildNode::spawn("soak::soak_child", &data).unwrap();
    let addr = node.addr;
    let rss_start = node.rss_kib().unwrap_or(0);
    let counts = Arc::new(Counts::default());
    let stop = Arc::new(AtomicBool::new(false));
    let seen: Arc<Mutex<Vec<(BatchId, RecordId)>>> = Arc::default();
    let mut threads = Vec::new();
    for k in &coops {
        let (k, origin, stop, c, seen) = (k.clone(), origin.clone(), stop.clone(), counts.clone(), seen.clone());
        threads.push(std::thread::spawn(move || appender(addr, k, origin, &stop, &c, &seen)));
    }
    for k in &readers {
        let (k, stop, c, seen) = (k.clone(), stop.clone(), counts.clone(), seen.clone());
        threads.push(std::thread::spawn(move || reader(addr, k, &stop, &c, &seen)));
    }
    let started = Instant::now();
    let mut rss_peak = rss_start;
    while started.elapsed() < Duration::from_secs(secs) {
        std::thread::sleep(
            Duration::from_millis(1000).min(Duration::from_secs(secs).saturating_sub(started.elapsed())),
        );
        rss_peak = rss_peak.max(node.rss_kib().unwrap_or(0));
    }
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let elapsed = started.elapsed();
    let rss_end = node.rss_kib().unwrap_or(0);
    node.kill().unwrap();

    let d = open_data_dir(&data).unwrap();
    d.ledger.verify_all().unwrap();
    for (_, id) in seen.lock().unwrap().iter() {
        assert!(d.ledger.index_of(id).unwrap().is_some(), "acknowledged record {id} is not in the store");
    }
    let (appends, lookups, errors) = (
        counts.appends.load(Ordering::Relaxed),
        counts.lookups.load(Ordering::Relaxed),
        counts.errors.load(Ordering::Relaxed),
    );
    eprintln!(
        "soak: {:.1?}, {appends} appends and {lookups} lookups ({:.0}/s), {errors} errors; node RSS {} MiB at start, \
         {} MiB at end, {} MiB peak; {} entries, store {} MiB on disk",
        elapsed,
        (appends + lookups) as f64 / elapsed.as_secs_f64(),
        rss_start / 1024,
        rss_end / 1024,
        rss_peak / 1024,
        d.ledger.size(),
        d.ledger.store().size_on_disk().unwrap_or(0) / (1024 * 1024)
    );
    assert_eq!(errors, 0, "unexpected answers during the soak (printed above)");
    assert!(appends > 0 && lookups > 0, "the soak did nothing");
}
