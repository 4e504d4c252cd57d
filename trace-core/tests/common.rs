//! Shared test fixtures: fixed keys, a ledger in a temporary directory, record builders.

#![allow(dead_code)]

use trace_core::*;

pub const ORIGIN: &str = "test.trace.example/ledger";

pub fn origin() -> Origin {
    ORIGIN.parse().unwrap()
}

/// A deterministic key: seed filled with `n`.
pub fn key(n: u8) -> SecretKey {
    SecretKey::from_seed([n; 32])
}

pub fn authority() -> SecretKey {
    key(1)
}
pub fn coop() -> SecretKey {
    key(2)
}
pub fn vet() -> SecretKey {
    key(3)
}
pub fn supplier() -> SecretKey {
    key(4)
}
pub fn processor() -> SecretKey {
    key(5)
}
pub fn market() -> SecretKey {
    key(6)
}
pub fn lab() -> SecretKey {
    key(7)
}
pub fn regulator() -> SecretKey {
    key(8)
}

/// 2026-11-01 00:00 UTC+8.
pub const T0: u64 = 1_761_926_400_000;
pub const DAY: u64 = 86_400_000;

pub fn sign(k: &SecretKey, time: u64, parents: Vec<RecordId>, event: Event) -> Record {
    sign_event(k, &origin(), Time(time), parents, event)
}

pub fn admit(by: &SecretKey, who: &SecretKey, name: &str, roles: &[Role], time: u64) -> Record {
    sign(
        by,
        time,
        vec![],
        Event::ActorAdmitted(ActorAdmitted {
            actor: who.public(),
            name: name.into(),
            handle: handle_of(who),
            roles: roles.to_vec(),
            departments: vec![],
            registration: format!("REG-{name}"),
            location: "溪湖区".into(),
            licences: vec![],
            contact: None,
        }),
    )
}

/// A handle unique to `who`: its key's first twelve hex digits.
pub fn handle_of(who: &SecretKey) -> Handle {
    format!("k{}", &who.public().to_string()[..12]).parse().unwrap()
}

pub fn genesis() -> Record {
    admit(&authority(), &authority(), "Xihu district food safety office", &[Role::Authority, Role::Regulator], T0)
}

/// Genesis, the shipped banned list, and one actor of each role.
pub fn founding() -> Vec<Record> {
    let a = authority();
    vec![
        genesis(),
        sign(&a, T0, vec![], Event::RegistryAdopted(rules::shipped_registry_adoption("shipped list"))),
        admit(&a, &coop(), "Hetao pig co-op", &[Role::Coop], T0),
        admit(&a, &vet(), "Dr Wang", &[Role::Vet], T0),
        admit(&a, &supplier(), "Benxi vet supplies", &[Role::Supplier], T0),
        admit(&a, &processor(), "Xihu slaughterhouse", &[Role::Processor], T0),
        admit(&a, &market(), "Stall 12, Xihu market", &[Role::Market], T0),
        admit(&a, &lab(), "District testing centre", &[Role::Lab], T0),
        admit(&a, &regulator(), "Market supervision bureau", &[Role::Regulator], T0),
    ]
}

pub struct TestLedger {
    pub dir: tempfile::TempDir,
    pub ledger: Ledger,
}

impl TestLedger {
    pub fn new() -> TestLedger {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(dir.path(), origin()).unwrap();
        TestLedger { dir, ledger }
    }

    pub fn founded() -> TestLedger {
        let t = TestLedger::new();
        for r in founding() {
            t.ledger.append(r).unwrap();
        }
        t
    }

    /// An empty ledger whose accepted times come from `clock`: for the demo story, whose steps say when each is
    /// entered ([`demo::append_step`]).
    pub fn on(clock: &StoryClock) -> TestLedger {
        let dir = tempfile::tempdir().unwrap();
        let store: std::sync::Arc<dyn Store> = std::sync::Arc::new(SledStore::open(dir.path()).unwrap());
        let ledger = Ledger::with_clock(store, origin(), clock.clock()).unwrap();
        TestLedger { dir, ledger }
    }

    /// A founded ledger whose accepted times come from `clock` (set to `T0` for the founding records), for
    /// stories whose rules read acceptance: a treatment's interval, late entries.
    pub fn founded_on(clock: &StoryClock) -> TestLedger {
        let t = TestLedger::on(clock);
        clock.set(Time(T0));
        for r in founding() {
            t.ledger.append(r).unwrap();
        }
        t
    }

    pub fn reopen(self) -> TestLedger {
        let TestLedger { dir, ledger } = self;
        drop(ledger);
        // The writer thread holds the store until it sees the channel close; give it a moment.
        let ledger = reopen_retry(dir.path());
        TestLedger { dir, ledger }
    }
}

/// Opens a ledger, retrying while a dropped handle's threads still hold sled's lock, and returns whatever else
/// the open says (tests of damaged stores expect an error).
pub fn open_when_unlocked(path: &std::path::Path) -> Result<Ledger, Error> {
    for _ in 0..200 {
        match Ledger::open(path, origin()) {
            Err(Error::Storage(m)) if m.contains("lock") => std::thread::sleep(std::time::Duration::from_millis(10)),
            other => return other,
        }
    }
    panic!("store stayed locked");
}

pub fn reopen_retry(path: &std::path::Path) -> Ledger {
    for _ in 0..200 {
        match Ledger::open(path, origin()) {
            Ok(l) => return l,
            Err(Error::Storage(_)) => std::thread::sleep(std::time::Duration::from_millis(10)),
            Err(e) => panic!("reopen failed: {e}"),
        }
    }
    panic!("store stayed locked");
}

pub fn register(k: &SecretKey, time: u64, product: &str, class: ProductClass, qty: &str) -> Record {
    sign(
        k,
        time,
        vec![],
        Event::BatchRegistered(BatchRegistered {
            product: product.into(),
            class,
            commissioning: Commissioning::Herd,
            quantity: qty.parse().unwrap(),
            gtin: None,
            lot: None,
            place: "Hetao farm, shed 3".into(),
            identifiers: vec![],
        }),
    )
}

pub fn certify(k: &SecretKey, time: u64, head: RecordId, batch: BatchId, number: &str) -> Record {
    sign(
        k,
        time,
        vec![head],
        Event::Certified(Certified {
            batches: vec![batch],
            kind: CertKind::Gap,
            number: number.into(),
            issuer: Party::Member(k.public()),
            valid_from: Time(time),
            valid_until: Time(time + 365 * DAY),
            promises: vec!["good agricultural practice".into()],
        }),
    )
}

pub fn refusal_code(r: &Result<Appended, Error>) -> Option<&'static str> {
    match r {
        Ok(_) => None,
        Err(e) => e.code(),
    }
}

/// Opens the raw sled store once a dropped ledger's writer has let go of it.
pub fn open_store_retry(path: &std::path::Path) -> SledStore {
    for _ in 0..200 {
        match SledStore::open(path) {
            Ok(s) => return s,
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
        }
    }
    panic!("store stayed locked");
}

pub fn transporter() -> SecretKey {
    key(9)
}

/// A store in memory: a `BTreeMap` behind a mutex. Fast enough for property tests that build many ledgers.
#[derive(Debug, Default)]
pub struct MemStore {
    map: std::sync::Mutex<std::collections::BTreeMap<Vec<u8>, Vec<u8>>>,
}

impl ReadStore for MemStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.map.lock().unwrap().get(key).cloned())
    }

    fn range(&self, from: &[u8], to: &[u8], limit: usize) -> Result<Vec<Pair>, Error> {
        let map = self.map.lock().unwrap();
        Ok(map.range(from.to_vec()..to.to_vec()).take(limit).map(|(k, v)| (k.clone(), v.clone())).collect())
    }

    fn size_on_disk(&self) -> Result<u64, Error> {
        Ok(0)
    }
}

impl Store for MemStore {
    fn apply(&self, writes: &Writes) -> Result<(), Error> {
        let mut map = self.map.lock().unwrap();
        for (k, v) in writes {
            match v {
                Some(v) => map.insert(k.clone(), v.clone()),
                None => map.remove(k),
            };
        }
        Ok(())
    }

    fn flush(&self) -> Result<(), Error> {
        Ok(())
    }
}
