//! Model-based test: random sequences of appends (valid, duplicate, forged, stale, unknown author) against
//! the sled-backed ledger and a plain in-memory model of the log. They must agree on every observable:
//! each outcome, the log size, the record at every index, every batch head, before and after a reopen.

use std::collections::HashMap;

use proptest::prelude::*;

use crate::common::*;
use trace_core::*;

#[derive(Debug, Clone)]
enum Op {
    /// A co-op registers a new batch.
    Register,
    /// An event on batch `n % batches` naming its current head.
    Advance(usize),
    /// An event on batch `n % batches` naming a head that is no longer current.
    Stale(usize),
    /// Resubmit the record of an earlier op.
    Duplicate(usize),
    /// A record whose signature is damaged.
    Forged,
    /// A record signed by a key that was never admitted.
    Stranger,
    /// Several of the above submitted together in one call.
    Bulk(Vec<Op>),
}

fn op() -> impl Strategy<Value = Op> {
    let leaf = prop_oneof![
        3 => Just(Op::Register),
        5 => any::<usize>().prop_map(Op::Advance),
        2 => any::<usize>().prop_map(Op::Stale),
        2 => any::<usize>().prop_map(Op::Duplicate),
        1 => Just(Op::Forged),
        1 => Just(Op::Stranger),
    ];
    leaf.prop_recursive(1, 8, 6, |inner| prop::collection::vec(inner, 1..6).prop_map(Op::Bulk))
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Accepted(u64),
    Duplicate(u64),
    Refused(&'static str),
}

/// The model: what the log should be, kept as plainly as possible.
struct Model {
    /// Entries before the first op (the founding records).
    base: u64,
    log: Vec<RecordId>,
    index: HashMap<RecordId, u64>,
    /// Per batch: every record on it, in order; the last is the head.
    batches: Vec<(BatchId, Vec<RecordId>)>,
}

impl Model {
    fn submit(&mut self, r: &Record, expect_refusal: Option<&'static str>) -> Outcome {
        if let Some(i) = self.index.get(&r.id()) {
            return Outcome::Duplicate(*i);
        }
        if let Some(code) = expect_refusal {
            return Outcome::Refused(code);
        }
        let i = self.base + self.log.len() as u64;
        self.log.push(r.id());
        self.index.insert(r.id(), i);
        match &r.body().event {
            Event::BatchRegistered(_) => self.batches.push((BatchId::derive(&r.id(), 0), vec![r.id()])),
            Event::Certified(c) => {
                let b = self.batches.iter_mut().find(|(id, _)| c.batches.contains(id)).unwrap();
                b.1.push(r.id());
            }
            _ => unreachable!(),
        }
        Outcome::Accepted(i)
    }
}

struct Run {
    model: Model,
    submitted: Vec<Record>,
    clock: u64,
}

impl Run {
    /// Builds the record for a leaf op and the refusal the model expects for it (if any, before dedup).
    fn build(&mut self, op: &Op) -> (Record, Option<&'static str>) {
        self.clock += 1;
        let t = T0 + DAY + self.clock;
        match op {
            Op::Register => (register(&coop(), t, "pigs", ProductClass::Livestock, "10 head"), None),
            Op::Advance(n) | Op::Stale(n) if self.model.batches.is_empty() => {
                let _ = n;
                (register(&coop(), t, "rice", ProductClass::Grain, "1 t"), None)
            }
            Op::Advance(n) => {
                let (b, hist) = &self.model.batches[n % self.model.batches.len()];
                (certify(&coop(), t, *hist.last().unwrap(), *b, &format!("C{t}")), None)
            }
            Op::Stale(n) => {
                let (b, hist) = &self.model.batches[n % self.model.batches.len()];
                if hist.len() >= 2 {
                    (certify(&coop(), t, hist[hist.len() - 2], *b, &format!("S{t}")), Some("stale-head"))
                } else {
                    (certify(&coop(), t, RecordId([0xee; 32]), *b, &format!("S{t}")), Some("unknown-parent"))
                }
            }
            Op::Duplicate(n) if !self.submitted.is_empty() => {
                let r = self.submitted[n % self.submitted.len()].clone();
                // Whatever was expected of it then is expected now, unless it was accepted (dedup wins).
                let expect = self.expectation_of(&r);
                (r, expect)
            }
            Op::Duplicate(_) => (register(&coop(), t, "paddy", ProductClass::Grain, "100 kg"), None),
            Op::Forged => {
                let r = register(&coop(), t, "forged", ProductClass::Livestock, "1 head");
                let mut sig = r.signature().0;
                sig[0] ^= 1;
                (Record::from_parts(r.body().clone(), Signature(sig)), Some("bad-signature"))
            }
            Op::Stranger => (register(&key(200), t, "x", ProductClass::Livestock, "1 head"), Some("unknown-author")),
            Op::Bulk(_) => unreachable!(),
        }
    }

    /// What resubmitting an earlier record should give: refused records stay refused for the same reason
    /// unless the state moved (a stale record is still stale; a refused certify whose head is now current
    /// cannot happen because heads only move forward).
    fn expectation_of(&self, r: &Record) -> Option<&'static str> {
        if self.model.index.contains_key(&r.id()) {
            return None;
        }
        if r.verify_signature().is_err() {
            return Some("bad-signature");
        }
        if r.body().author == key(200).public() {
            return Some("unknown-author");
        }
        if let Event::Certified(c) = &r.body().event {
            let (_, hist) = self.model.batches.iter().find(|(id, _)| c.batches.contains(id)).unwrap();
            if !hist.contains(&r.body().parents[0]) {
                return Some("unknown-parent");
            }
            if hist.last() != Some(&r.body().parents[0]) {
                return Some("stale-head");
            }
        }
        None
    }
}

fn outcome(r: &Result<Appended, Error>) -> Outcome {
    match r {
        Ok(a) if a.duplicate => Outcome::Duplicate(a.index),
        Ok(a) => Outcome::Accepted(a.index),
        Err(e) => Outcome::Refused(e.code().unwrap_or("internal")),
    }
}

fn check_observables(ledger: &Ledger, model: &Model, base: u64) {
    assert_eq!(ledger.size(), base + model.log.len() as u64);
    for (i, id) in model.log.iter().enumerate() {
        assert_eq!(&ledger.entry(base + i as u64).unwrap().record.id(), id);
        assert_eq!(ledger.index_of(id).unwrap(), Some(base + i as u64));
    }
    for (b, hist) in &model.batches {
        assert_eq!(&ledger.batch(*b).unwrap().unwrap().head, hist.last().unwrap());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn sled_ledger_agrees_with_the_in_memory_model(ops in prop::collection::vec(op(), 1..40)) {
        let t = TestLedger::founded();
        let base = t.ledger.size();
        let mut run = Run { model: Model { base, log: Vec::new(), index: HashMap::new(), batches: Vec::new() }, submitted: Vec::new(), clock: 0 };
        for op in &ops {
            let leaves: Vec<&Op> = match op { Op::Bulk(v) => v.iter().collect(), o => vec![o] };
            let leaves: Vec<&Op> = leaves.into_iter().filter(|o| !matches!(o, Op::Bulk(_))).collect();
            // Build all records first (as a client preparing a bulk upload would), then submit together.
            let built: Vec<(Record, Option<&'static str>)> = leaves.iter().map(|o| run.build(o)).collect();
            let mut expected = Vec::new();
            for (r, intended) in &built {
                // The model decides in submission order against its own state, as the ledger must: within
                // one bulk call an earlier record can make a later one stale.
                let refusal = run.expectation_of(r);
                if leaves.len() == 1 && !matches!(leaves[0], Op::Duplicate(_)) {
                    // A lone op gets exactly the outcome the generator intended.
                    prop_assert_eq!(refusal, *intended);
                }
                expected.push(run.model.submit(r, refusal));
            }
            let records: Vec<Record> = built.iter().map(|(r, _)| r.clone()).collect();
            let got: Vec<Outcome> = if records.len() == 1 {
                vec![outcome(&t.ledger.append(records[0].clone()))]
            } else {
                t.ledger.append_many(records.clone()).unwrap().iter().map(outcome).collect()
            };
            prop_assert_eq!(&got, &expected, "op {:?}", op);
            run.submitted.extend(records);
        }
        check_observables(&t.ledger, &run.model, base);
        let t = t.reopen();
        check_observables(&t.ledger, &run.model, base);
        t.ledger.verify_all().unwrap();
    }
}
