//! Property tests of lineage and holds on random DAGs of batches, built by random transforms (several inputs,
//! several outputs) and random applications of input lots, checked against a plain model of the edges:
//!
//! - `lineage(Forward)` and `lineage(Back)` are mutually consistent (b in forward(a) iff a in back(b)), and
//!   both equal the model's transitive closure; `BatchState::may_have_edges`, which lets the walk skip
//!   scans, never rules out an edge the model has;
//! - a hold placed on any batch or lot reaches exactly it and its descendants (status `on_hold`), and
//!   `Released` lifts exactly its own hold, leaving another hold and its reach in place.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use proptest::prelude::*;

use crate::common::*;
use trace_core::*;

#[derive(Debug, Clone)]
enum Op {
    /// Transform the produce batches at these positions (mod the count, deduplicated) into `outputs` new ones.
    Transform { inputs: Vec<usize>, outputs: usize },
    /// Apply the lot at position `lot` to the produce batch at position `batch`.
    Apply { lot: usize, batch: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (prop::collection::vec(any::<usize>(), 1..4), 1..4usize)
            .prop_map(|(inputs, outputs)| Op::Transform { inputs, outputs }),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(lot, batch)| Op::Apply { lot, batch }),
    ]
}

/// The DAG as built: every batch and lot, each one's current head, and each one's direct parents.
struct Dag {
    produce: Vec<BatchId>,
    lots: Vec<BatchId>,
    heads: BTreeMap<BatchId, RecordId>,
    parents: BTreeMap<BatchId, BTreeSet<BatchId>>,
    records: Vec<Record>,
    time: u64,
    /// Produce batches counted in tonnes (the rest in head).
    tonnes: BTreeSet<BatchId>,
}

impl Dag {
    fn tick(&mut self) -> u64 {
        self.time += 1000;
        self.time
    }

    fn push(&mut self, r: Record) -> RecordId {
        let id = r.id();
        self.records.push(r);
        id
    }

    fn build(roots: usize, lots: usize, ops: &[Op]) -> Dag {
        let mut d = Dag {
            produce: Vec::new(),
            lots: Vec::new(),
            heads: BTreeMap::new(),
            parents: BTreeMap::new(),
            records: Vec::new(),
            time: T0 + DAY,
            tonnes: BTreeSet::new(),
        };
        for i in 0..roots {
            let t = d.tick();
            // Every root is a crop (fertiliser goes on crops); every other one counted in tonnes, so transforms mix units and take amounts finer than a
            // batch's own unit (900 g of a batch counted in t).
            let id = if i % 2 == 0 {
                d.push(register(&coop(), t, &format!("seedlings {i}"), ProductClass::Grain, "1000 head"))
            } else {
                d.push(register(&coop(), t, &format!("rice {i}"), ProductClass::Grain, "50 t"))
            };
            let b = BatchId::derive(&id, 0);
            if i % 2 == 1 {
                d.tonnes.insert(b);
            }
            d.produce.push(b);
            d.heads.insert(b, id);
            d.parents.insert(b, BTreeSet::new());
        }
        for i in 0..lots {
            let t = d.tick();
            let lot = InputLotRegistered {
                kind: InputKind::Fertilizer,
                name: format!("fertiliser {i}"),
                approval_number: "A".into(),
                manufacturer: "M".into(),
                lot: "L1".parse().unwrap(),
                active_substances: vec!["corn".into()],
                periods: trace_core::Periods::days(0),
                prescription_only: false,
                quantity: "10 t".parse().unwrap(),
                vet_drug_codes: vec![],
                expires: None,
                made_from: vec![],
            };
            let id = d.push(sign(&supplier(), t, vec![], Event::InputLotRegistered(lot)));
            let b = BatchId::derive(&id, 0);
            d.lots.push(b);
            d.heads.insert(b, id);
            d.parents.insert(b, BTreeSet::new());
        }
        for op in ops {
            let t = d.tick();
            match op {
                Op::Transform { inputs, outputs } => {
                    let picked: BTreeSet<BatchId> = inputs.iter().map(|i| d.produce[i % d.produce.len()]).collect();
                    let picked: Vec<BatchId> = picked.into_iter().collect();
                    let event = Event::Transformed(Transformed {
                        process: Process::Packing,
                        inputs: picked
                            .iter()
                            .enumerate()
                            .map(|(k, b)| {
                                let q = if !d.tonnes.contains(b) {
                                    "1 head"
                                } else {
                                    ["900 g", "1.5 kg", "0.25 t"][(t as usize / 1000 + k) % 3]
                                };
                                TransformInput { batch: *b, quantity: q.parse().unwrap() }
                            })
                            .collect(),
                        outputs: (0..*outputs)
                            .map(|n| TransformOutput {
                                product: format!("mix {n}"),
                                class: ProductClass::Grain,
                                quantity: if n % 2 == 0 { "1000 head" } else { "50 t" }.parse().unwrap(),
                                gtin: None,
                                lot: None,
                            })
                            .collect(),
                        place: "yard".into(),
                        certificates: vec![],
                    });
                    let parents = picked.iter().map(|b| d.heads[b]).collect();
                    let id = d.push(sign(&coop(), t, parents, event));
                    for b in &picked {
                        d.heads.insert(*b, id);
                    }
                    for n in 0..*outputs {
                        let out = BatchId::derive(&id, n as u32);
                        if n % 2 == 1 {
                            d.tonnes.insert(out);
                        }
                        d.produce.push(out);
                        d.heads.insert(out, id);
                        d.parents.insert(out, picked.iter().copied().collect());
                    }
                }
                Op::Apply { lot, batch } => {
                    let lot = d.lots[lot % d.lots.len()];
                    let batch = d.produce[batch % d.produce.len()];
                    let event = Event::InputApplied(InputApplied {
                        batch,
                        input: lot,
                        dose: "5 kg".parse().unwrap(),
                        prescription: None,
                        vet_drug_code: None,
                        note: String::new(),
                        holding: None,
                    });
                    let id = d.push(sign(&coop(), t, vec![d.heads[&batch]], event));
                    d.heads.insert(batch, id);
                    d.parents.get_mut(&batch).unwrap().insert(lot);
                }
            }
        }
        d
    }

    fn all(&self) -> Vec<BatchId> {
        self.produce.iter().chain(&self.lots).copied().collect()
    }

    fn children(&self, of: BatchId) -> impl Iterator<Item = BatchId> + '_ {
        self.parents.iter().filter(move |(_, ps)| ps.contains(&of)).map(|(c, _)| *c)
    }

    fn closure(&self, start: BatchId, forward: bool) -> BTreeSet<BatchId> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start];
        while let Some(b) = stack.pop() {
            let next: Vec<BatchId> =
                if forward { self.children(b).collect() } else { self.parents[&b].iter().copied().collect() };
            for n in next {
                if seen.insert(n) {
                    stack.push(n);
                }
            }
        }
        seen
    }
}

fn ledger_with(d: &Dag) -> Ledger {
    let l = Ledger::with_store(Arc::new(MemStore::default()), origin()).unwrap();
    for r in founding() {
        l.append(r).unwrap();
    }
    for (i, out) in l.append_many(d.records.clone()).unwrap().into_iter().enumerate() {
        let a = out.unwrap_or_else(|e| panic!("record {i} ({}) refused: {e}", d.records[i].body().event.kind()));
        assert!(!a.duplicate);
    }
    l
}

fn reach(l: &Ledger, b: BatchId, dir: Direction) -> BTreeSet<BatchId> {
    l.lineage(b, dir).unwrap().into_iter().map(|r| r.batch.id).collect()
}

/// The sources of the blocks on `b`, as the ledger sees them.
fn block_sources(l: &Ledger, b: BatchId) -> BTreeSet<BatchId> {
    l.batch(b).unwrap().unwrap().blocks.iter().map(|x| x.source).collect()
}

fn regulator_event(l: &Ledger, time: u64, b: BatchId, event: Event) -> RecordId {
    let head = l.batch(b).unwrap().unwrap().head;
    l.append(sign(&regulator(), time, vec![head], event)).unwrap().id
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn forward_and_back_are_mutually_consistent_on_random_dags(
        roots in 1..5usize,
        lots in 1..3usize,
        ops in prop::collection::vec(op(), 0..24),
    ) {
        let d = Dag::build(roots, lots, &ops);
        let l = ledger_with(&d);
        let all = d.all();
        let forward: BTreeMap<BatchId, BTreeSet<BatchId>> =
            all.iter().map(|b| (*b, reach(&l, *b, Direction::Forward))).collect();
        let back: BTreeMap<BatchId, BTreeSet<BatchId>> =
            all.iter().map(|b| (*b, reach(&l, *b, Direction::Back))).collect();
        for a in &all {
            prop_assert_eq!(&forward[a], &d.closure(*a, true), "forward of {}", a);
            prop_assert_eq!(&back[a], &d.closure(*a, false), "back of {}", a);
            prop_assert!(!forward[a].contains(a), "{} is its own descendant", a);
            for b in &all {
                prop_assert_eq!(forward[a].contains(b), back[b].contains(a), "{} -> {}", a, b);
            }
        }
        // The walk's shortcut: a batch whose state rules out edges one way has none that way. Only lots
        // going back are ruled out, and always.
        for a in &all {
            let st = l.batch(*a).unwrap().unwrap();
            let (children, parents) = (d.children(*a).next().is_some(), !d.parents[a].is_empty());
            prop_assert!(st.may_have_edges(Direction::Forward) || !children, "{} has children", a);
            prop_assert!(st.may_have_edges(Direction::Back) || !parents, "{} has parents", a);
            prop_assert_eq!(st.may_have_edges(Direction::Back), !d.lots.contains(a), "{}", a);
            prop_assert!(st.may_have_edges(Direction::Forward), "{}", a);
        }
        // Depths are shortest distances: every batch reached at depth n > 1 has a parent reached at n - 1.
        for a in &all {
            let reached = l.lineage(*a, Direction::Forward).unwrap();
            let depth: BTreeMap<BatchId, u32> = reached.iter().map(|r| (r.batch.id, r.depth)).collect();
            for r in &reached {
                let ps = &d.parents[&r.batch.id];
                if r.depth == 1 {
                    prop_assert!(ps.contains(a));
                } else {
                    prop_assert!(ps.iter().any(|p| depth.get(p) == Some(&(r.depth - 1))));
                }
            }
        }
    }

    #[test]
    fn holds_reach_all_descendants_and_releases_lift_exactly_their_own(
        roots in 1..5usize,
        lots in 1..3usize,
        ops in prop::collection::vec(op(), 0..24),
        first in any::<usize>(),
        second in any::<usize>(),
    ) {
        let d = Dag::build(roots, lots, &ops);
        let l = ledger_with(&d);
        let all = d.all();
        let h1 = all[first % all.len()];
        let h2 = all[second % all.len()];
        let mut t = d.time + 1000;
        let hold1 = regulator_event(&l, t, h1, Event::Held(Held { batch: h1, reason: "first".into() }));
        if h2 != h1 {
            t += 1000;
            regulator_event(&l, t, h2, Event::Held(Held { batch: h2, reason: "second".into() }));
        }
        let reach_of = |h: BatchId| {
            let mut r = d.closure(h, true);
            r.insert(h);
            r
        };
        let expect = |holds: &[BatchId], b: BatchId| -> BTreeSet<BatchId> {
            holds.iter().copied().filter(|h| reach_of(*h).contains(&b)).collect()
        };
        for b in &all {
            let want = expect(&[h1, h2], *b);
            prop_assert_eq!(&block_sources(&l, *b), &want, "blocks on {}", b);
            let status = l.batch(*b).unwrap().unwrap().status();
            prop_assert_eq!(status == Status::OnHold, !want.is_empty(), "status of {}", b);
        }
        t += 1000;
        regulator_event(&l, t, h1, Event::Released(Released { batch: h1, lifts: hold1, reason: "cleared".into() }));
        let left: Vec<BatchId> = if h2 != h1 { vec![h2] } else { vec![] };
        for b in &all {
            let want = expect(&left, *b);
            prop_assert_eq!(&block_sources(&l, *b), &want, "blocks on {} after release", b);
            let status = l.batch(*b).unwrap().unwrap().status();
            prop_assert_eq!(status, if want.is_empty() { Status::Active } else { Status::OnHold }, "{}", b);
        }
    }
}
