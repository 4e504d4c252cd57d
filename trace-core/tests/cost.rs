//! Query cost grows with the answer, not the ledger.
//!
//! The same small story (a herd fed from a feed lot, shipped, slaughtered into two cuts, one sold at a stall)
//! is recorded on ledgers padded with different amounts of unrelated traffic: herds fed from ten other feed
//! lots (so those lots have fan-outs in the thousands), certified, transformed and shipped. A
//! [`CountingStore`] between the ledger and sled counts every key the queries read. History, lineage both
//! ways, recall impact, the batch view and label lookups on the small story must read exactly the same keys
//! whatever the size of the ledger. No timings are asserted; the build rate is printed for the record.
//!
//! The default run compares 1k and 50k records over the in-memory store (the counts do not depend on the
//! engine, and 50k records of sled writes would starve the crash test's fsyncs when the suite runs in
//! parallel). `TRACE_SLOW_TESTS=1` builds all three sizes, up to 100k records, on sled on disk; build it in
//! release: `TRACE_SLOW_TESTS=1 cargo test --release -p trace-core --test core cost -- --nocapture`.

use std::sync::Arc;
use std::time::Instant;

use crate::common::*;
use trace_core::*;

/// The batches of the small story, whose queries are measured.
struct Probe {
    herd: BatchId,
    feed: BatchId,
    cuts: Vec<BatchId>,
}

fn q(s: &str) -> Quantity {
    s.parse().unwrap()
}

fn lot_event(name: &str) -> Event {
    Event::InputLotRegistered(InputLotRegistered {
        kind: InputKind::Feed,
        name: name.into(),
        approval_number: "辽饲证(2022)01001".into(),
        manufacturer: "Benxi feed mill".into(),
        lot: "F2510".parse().unwrap(),
        active_substances: vec!["corn".into(), "soybean meal".into()],
        periods: trace_core::Periods::days(0),
        prescription_only: false,
        quantity: q("1000 t"),
        vet_drug_codes: vec![],
        expires: None,
        made_from: vec![],
    })
}

fn apply(batch: BatchId, input: BatchId) -> Event {
    Event::InputApplied(InputApplied {
        batch,
        input,
        dose: q("500 kg"),
        prescription: None,
        vet_drug_code: None,
        note: String::new(),
        holding: None,
    })
}

fn ship(batch: BatchId, qty: &str, to: &SecretKey) -> Event {
    Event::Shipped(Shipped {
        batch,
        quantity: q(qty),
        to: Party::Member(to.public()),
        from_place: "farm".into(),
        to_place: "market".into(),
        document: "WB-1".into(),
        carrier: None,
        certificates: vec![],
    })
}

fn transform(input: BatchId, qty: &str, outputs: &[&str]) -> Event {
    Event::Transformed(Transformed {
        process: Process::Slaughter,
        inputs: vec![TransformInput { batch: input, quantity: q(qty) }],
        outputs: outputs
            .iter()
            .map(|o| TransformOutput {
                product: (*o).into(),
                class: ProductClass::Meat,
                quantity: q("100 kg"),
                gtin: None,
                lot: None,
            })
            .collect(),
        place: "Xihu slaughterhouse".into(),
        certificates: vec![],
    })
}

fn must(l: &Ledger, records: Vec<Record>) {
    for (i, out) in l.append_many(records).unwrap().into_iter().enumerate() {
        if let Err(e) = out {
            panic!("record {i} refused: {e}");
        }
    }
}

/// Records the small story and returns its batches.
fn probe_story(l: &Ledger) -> Probe {
    let t = T0 + DAY;
    let feed_reg = sign(&supplier(), t, vec![], lot_event("Grower compound feed"));
    let feed = BatchId::derive(&feed_reg.id(), 0);
    let herd_reg = register(&coop(), t, "Live pigs (probe)", ProductClass::Livestock, "40 head");
    let herd = BatchId::derive(&herd_reg.id(), 0);
    let fed = sign(&coop(), t + 1, vec![herd_reg.id()], apply(herd, feed));
    let cert = certify(&coop(), t + 2, fed.id(), herd, "CZ-PROBE");
    let shipped = sign(&coop(), t + 3, vec![cert.id()], ship(herd, "40 head", &processor()));
    let received = sign(
        &processor(),
        t + 4,
        vec![shipped.id()],
        Event::Received(Received {
            batch: herd,
            shipment: shipped.id(),
            accepted: true,
            checked: vec![],
            note: String::new(),
        }),
    );
    let slaughter = sign(&processor(), t + 5, vec![received.id()], transform(herd, "40 head", &["Loin", "Belly"]));
    let cuts: Vec<BatchId> = (0..2).map(|n| BatchId::derive(&slaughter.id(), n)).collect();
    let to_stall = sign(&processor(), t + 6, vec![slaughter.id()], ship(cuts[0], "60 kg", &market()));
    let at_stall = sign(
        &market(),
        t + 7,
        vec![to_stall.id()],
        Event::Received(Received {
            batch: cuts[0],
            shipment: to_stall.id(),
            accepted: true,
            checked: vec![],
            note: String::new(),
        }),
    );
    let sold = sign(
        &market(),
        t + 8,
        vec![at_stall.id()],
        Event::Sold(Sold { batch: cuts[0], quantity: q("5 kg"), buyer: None }),
    );
    must(l, vec![feed_reg, herd_reg, fed, cert, shipped, received, slaughter, to_stall, at_stall, sold]);
    Probe { herd, feed, cuts }
}

/// Appends `units * 5` records of unrelated traffic in groups of about 5000, returning records per second.
fn noise(l: &Ledger, units: usize) -> f64 {
    let t0 = T0 + 2 * DAY;
    // Deriving a key from its seed costs a scalar multiplication: do it once, not once per record.
    let (coop, supplier, market) = (coop(), supplier(), market());
    let lots: Vec<Record> =
        (0..10).map(|i| sign(&supplier, t0, vec![], lot_event(&format!("Finisher feed {i}")))).collect();
    let lot_ids: Vec<BatchId> = lots.iter().map(|r| BatchId::derive(&r.id(), 0)).collect();
    must(l, lots);
    let started = Instant::now();
    let mut appended = 0usize;
    let mut batch = Vec::with_capacity(5000);
    for i in 0..units {
        let t = t0 + 1000 + (i as u64) * 10;
        let reg = register(&coop, t, &format!("Live pigs, pen {i}"), ProductClass::Livestock, "10 head");
        let herd = BatchId::derive(&reg.id(), 0);
        let fed = sign(&coop, t + 1, vec![reg.id()], apply(herd, lot_ids[i % lot_ids.len()]));
        let cert = certify(&coop, t + 2, fed.id(), herd, &format!("CZ-{i}"));
        let cut = sign(&coop, t + 3, vec![cert.id()], transform(herd, "10 head", &["Carcass"]));
        let carcass = BatchId::derive(&cut.id(), 0);
        let shipped = sign(&coop, t + 4, vec![cut.id()], ship(carcass, "50 kg", &market));
        batch.extend([reg, fed, cert, cut, shipped]);
        if batch.len() >= 5000 || i + 1 == units {
            appended += batch.len();
            must(l, std::mem::take(&mut batch));
        }
    }
    appended as f64 / started.elapsed().as_secs_f64()
}

/// The counting store over sled or the in-memory store.
type Counting = CountingStore<Arc<dyn Store>>;

/// The reads of each query on the small story, in order: history, back, forward, recall impact, batch view,
/// corrections, GTIN/lot lookup.
fn measure(l: &Ledger, store: &Counting, p: &Probe) -> Vec<(&'static str, Reads, usize)> {
    let mut out = Vec::new();
    store.take();
    let n = l.history(p.herd).unwrap().len();
    out.push(("history(herd)", store.take(), n));
    let n = l.history(p.cuts[0]).unwrap().len();
    out.push(("history(cut)", store.take(), n));
    let n = l.lineage(p.cuts[0], Direction::Back).unwrap().len();
    out.push(("lineage(cut, back)", store.take(), n));
    let n = l.lineage(p.feed, Direction::Forward).unwrap().len();
    out.push(("lineage(feed, forward)", store.take(), n));
    let n = l.recall_impact(p.feed).unwrap().holders.len();
    out.push(("recall_impact(feed)", store.take(), n));
    let n = usize::from(l.batch(p.cuts[1]).unwrap().is_some());
    out.push(("batch(cut)", store.take(), n));
    let head = l.batch(p.herd).unwrap().unwrap().head;
    store.take();
    let n = l.corrections(&head).unwrap().len();
    out.push(("corrections(head)", store.take(), n));
    let n =
        usize::from(l.batch_by_gtin_lot(&"06901234567892".parse().unwrap(), &"X1".parse().unwrap()).unwrap().is_some());
    out.push(("batch_by_gtin_lot", store.take(), n));
    out
}

/// Builds a ledger of about `size` records with the small story in it, over sled (`on_disk`) or the in-memory
/// store, behind a counting store.
fn ledger_of(size: usize, on_disk: bool) -> (tempfile::TempDir, Ledger, Arc<Counting>, Probe, f64) {
    let dir = tempfile::tempdir().unwrap();
    let inner: Arc<dyn Store> =
        if on_disk { Arc::new(SledStore::open(dir.path()).unwrap()) } else { Arc::new(MemStore::default()) };
    let counting = Arc::new(CountingStore::new(inner));
    let l = Ledger::with_store(counting.clone(), origin()).unwrap();
    must(&l, founding());
    let probe = probe_story(&l);
    let fixed = l.size() as usize + 10;
    let rate = noise(&l, size.saturating_sub(fixed) / 5);
    (dir, l, counting, probe, rate)
}

fn report(size: u64, rate: f64, m: &[(&'static str, Reads, usize)]) {
    let store = if slow() { "sled" } else { "memory" };
    eprintln!("ledger of {size} records on {store} (signed and appended at {rate:.0} records/s):");
    for (name, r, answer) in m {
        eprintln!(
            "  {name:<24} answer {answer:>3}  gets {:>3}  ranges {:>2}  pairs {:>3}  keys {:>3}",
            r.gets,
            r.ranges,
            r.pairs,
            r.keys()
        );
    }
}

fn slow() -> bool {
    std::env::var("TRACE_SLOW_TESTS").is_ok_and(|v| v == "1")
}

#[test]
fn queries_read_the_same_keys_on_a_1k_and_a_50k_ledger() {
    let mut sizes = vec![1_000, 50_000];
    if slow() {
        sizes.push(100_000);
    }
    let mut baseline: Option<Vec<(&'static str, Reads, usize)>> = None;
    for size in sizes {
        let (_dir, l, store, probe, rate) = ledger_of(size, slow());
        assert!(l.size() >= size as u64 - 5, "{} < {size}", l.size());
        let m = measure(&l, &store, &probe);
        report(l.size(), rate, &m);
        // The answers are what the story says, so the counts below are of real work.
        assert_eq!(m[0].2, 6, "herd history: registered, fed, certified, shipped, received, slaughtered");
        assert_eq!(m[2].2, 2, "cut back to herd and feed lot");
        assert_eq!(m[3].2, 3, "feed forward to herd and two cuts");
        match &baseline {
            None => baseline = Some(m),
            Some(b) => assert_eq!(&m, b, "reads differ at {} records", l.size()),
        }
        // Cost grows with the answer: each history entry is one point read after one range read.
        let (_, h, n) = baseline.as_ref().unwrap()[0];
        assert_eq!((h.ranges, h.pairs, h.gets), (1, n as u64, n as u64));
    }
}
