//! Property tests of issue 15 on a real ledger: random stories of a herd, its feed and drug, its shipments,
//! slaughters, sales, holds, releases and recalls, each record claimed at one time and entered at another (some
//! hours late, as paperwork is). After every record:
//! - a block on a batch is on every descendant, including descendants recorded after the block;
//! - no accepted record moved goods out of a block (a shipment or sale of blocked goods, or a transform or
//!   application claimed at or after the block) or out of a running withdrawal that bound its author's holding;
//! - and at the end, every batch made, before a treatment was recorded, from goods it binds inside its interval
//!   carries that treatment's hold, unless a regulator released it.

use proptest::prelude::*;

use crate::common::*;
use trace_core::*;

#[derive(Debug, Clone)]
enum Op {
    /// The co-op ships `n` head to the slaughterhouse, which receives them.
    Deliver(u8),
    /// Whoever is picked (co-op or slaughterhouse) slaughters `n` head.
    Slaughter(bool, u8),
    /// The slaughterhouse cuts part of meat batch `i`.
    Pack(usize),
    /// The holder of meat batch `i` sells some of it.
    Sell(usize),
    /// The vet treats the herd (the holding picked, when two hold it).
    Treat(bool),
    /// The co-op feeds the herd.
    Feed,
    /// A regulator holds batch `i` (of every batch in the story).
    Hold(usize),
    /// A regulator releases the latest hold placed.
    Release,
    /// The feed lot is recalled.
    RecallFeed,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1u8..8).prop_map(Op::Deliver),
        3 => (any::<bool>(), 1u8..6).prop_map(|(p, n)| Op::Slaughter(p, n)),
        2 => any::<usize>().prop_map(Op::Pack),
        2 => any::<usize>().prop_map(Op::Sell),
        2 => any::<bool>().prop_map(Op::Treat),
        1 => Just(Op::Feed),
        1 => any::<usize>().prop_map(Op::Hold),
        1 => Just(Op::Release),
        1 => Just(Op::RecallFeed),
    ]
}

/// One step: the op, how many hours after the previous step it is claimed, and how many hours after its claim
/// it is entered (0 most of the time; up to three days for late paperwork, which may claim before earlier steps).
fn step() -> impl Strategy<Value = (Op, u64, u64)> {
    (op(), 0u64..12, prop_oneof![3 => Just(0u64), 1 => 1u64..72])
}

const H: u64 = 3_600_000;

struct Story {
    t: TestLedger,
    clock: StoryClock,
    herd: BatchId,
    drug: BatchId,
    feed: BatchId,
    /// Meat and cuts made so far.
    meat: Vec<BatchId>,
    holds: Vec<(BatchId, RecordId)>,
    /// The latest accepted time: the ledger's stamps only move forward.
    accepted: u64,
}

impl Story {
    fn new() -> Story {
        let clock = StoryClock::starting_at(Time(T0));
        let t = TestLedger::founded_on(&clock);
        let mut s = Story {
            t,
            clock,
            herd: BatchId::from_value(1).unwrap(),
            drug: BatchId::from_value(1).unwrap(),
            feed: BatchId::from_value(1).unwrap(),
            meat: Vec::new(),
            holds: Vec::new(),
            accepted: T0,
        };
        s.herd = s
            .append(
                &coop(),
                T0 + H,
                0,
                register(&coop(), 0, "Live pigs", ProductClass::Livestock, "40 head").body().event.clone(),
            )
            .unwrap()
            .created[0];
        let lot = |kind, name: &str, days| InputLotRegistered {
            kind,
            name: name.into(),
            approval_number: "兽药字(2023)150012345".into(),
            manufacturer: "Liaoning".into(),
            lot: "L1".parse().unwrap(),
            active_substances: vec!["florfenicol".into()],
            periods: Periods::days(days),
            prescription_only: false,
            quantity: "100 box".parse().unwrap(),
            vet_drug_codes: vec![],
            expires: None,
            made_from: vec![],
        };
        let engage =
            Event::Engaged(Engaged { vet: vet().public(), batches: vec![s.herd], until: Time(T0 + 3650 * DAY) });
        s.append(&coop(), T0 + H, 0, engage).unwrap();
        s.drug = s
            .append(&supplier(), T0 + H, 0, Event::InputLotRegistered(lot(InputKind::VetDrug, "Florfenicol", 3)))
            .unwrap()
            .created[0];
        s.feed = s
            .append(&supplier(), T0 + H, 0, Event::InputLotRegistered(lot(InputKind::Feed, "Grower feed", 0)))
            .unwrap()
            .created[0];
        s
    }

    fn l(&self) -> &Ledger {
        &self.t.ledger
    }

    fn batch(&self, b: BatchId) -> BatchState {
        self.l().batch(b).unwrap().unwrap()
    }

    /// Signs `event` claimed at `claimed` and enters it `lag` hours later (never before the last entry).
    fn append(&mut self, k: &SecretKey, claimed: u64, lag: u64, event: Event) -> Result<Appended, Error> {
        let parents = event.acted_on().iter().map(|b| self.batch(*b).head).collect();
        self.accepted = self.accepted.max(claimed + lag * H);
        self.clock.set(Time(self.accepted));
        self.l().append(sign(k, claimed, parents, event))
    }

    fn holder_of(&self, b: BatchId) -> Option<SecretKey> {
        let s = self.batch(b);
        [coop(), processor(), market()].into_iter().find(|k| s.held_by(&k.public()).is_some_and(|q| !q.is_zero()))
    }

    /// The record an op makes, and who signs it; `None` when the op makes no sense now (nobody holds it).
    fn record_for(&self, op: &Op) -> Option<(SecretKey, Event)> {
        let q = |s: &str| -> Quantity { s.parse().unwrap() };
        let ship = |batch, qty: Quantity, to: &SecretKey| {
            Event::Shipped(Shipped {
                batch,
                quantity: qty,
                to: Party::Member(to.public()),
                from_place: "farm".into(),
                to_place: "slaughterhouse".into(),
                document: "WB-1".into(),
                carrier: None,
                certificates: vec![],
            })
        };
        let transform = |process, batch, qty: Quantity, out: Quantity| {
            Event::Transformed(Transformed {
                process,
                inputs: vec![TransformInput { batch, quantity: qty }],
                outputs: vec![TransformOutput {
                    product: "Pork".into(),
                    class: ProductClass::Meat,
                    quantity: out,
                    gtin: None,
                    lot: None,
                }],
                place: "slaughterhouse".into(),
                certificates: vec![],
            })
        };
        let apply = |input, holding: Option<&SecretKey>| {
            Event::InputApplied(InputApplied {
                batch: self.herd,
                input,
                dose: q("1 box"),
                prescription: None,
                vet_drug_code: None,
                note: String::new(),
                holding: holding.map(|k| Party::Member(k.public())),
            })
        };
        let everything: Vec<BatchId> = [self.herd, self.feed].into_iter().chain(self.meat.iter().copied()).collect();
        Some(match op {
            Op::Deliver(n) => (coop(), ship(self.herd, q(&format!("{n} head")), &processor())),
            Op::Slaughter(at_processor, n) => {
                let k = if *at_processor { processor() } else { coop() };
                (k, transform(Process::Slaughter, self.herd, q(&format!("{n} head")), q("100 kg")))
            }
            Op::Pack(i) => {
                let m = *self.meat.get(i % self.meat.len().max(1))?;
                (self.holder_of(m)?, transform(Process::Packing, m, q("10 kg"), q("10 kg")))
            }
            Op::Sell(i) => {
                let m = *self.meat.get(i % self.meat.len().max(1))?;
                (self.holder_of(m)?, Event::Sold(Sold { batch: m, quantity: q("1 kg"), buyer: None }))
            }
            Op::Treat(at_processor) => {
                let k = if *at_processor { processor() } else { coop() };
                (vet(), apply(self.drug, Some(&k)))
            }
            Op::Feed => (coop(), apply(self.feed, None)),
            Op::Hold(i) => {
                let b = everything[i % everything.len()];
                (regulator(), Event::Held(Held { batch: b, reason: "check".into() }))
            }
            Op::Release => {
                let (b, r) = *self.holds.last()?;
                (regulator(), Event::Released(Released { batch: b, lifts: r, reason: "checked".into() }))
            }
            Op::RecallFeed => (
                regulator(),
                Event::Recalled(Recalled {
                    batch: self.feed,
                    reason: "clenbuterol".into(),
                    level: RecallLevel::First,
                    deadline: None,
                    drill: false,
                }),
            ),
        })
    }
}

/// Every block on a batch is on each of its descendants.
fn blocks_reach_descendants(l: &Ledger) -> Result<(), TestCaseError> {
    for b in l.batches().unwrap() {
        for d in l.lineage(b.id, Direction::Forward).unwrap() {
            for x in &b.blocks {
                prop_assert!(
                    d.batch.blocks.contains(x),
                    "block {:?} of {} missing on descendant {}",
                    x.kind,
                    b.id,
                    d.batch.id
                );
            }
        }
    }
    Ok(())
}

/// Whether moving `b` by `author` at `claimed` was allowed by the state before the record.
fn movable(before: &BatchState, author: &PublicKey, claimed: Time, transform: bool) -> bool {
    let blocked = before.blocks.iter().any(|x| !transform || x.time <= claimed);
    let holder = before.held_by(author).is_some_and(|q| !q.is_zero());
    let withdrawn = before.withdrawals.iter().any(|w| (!holder || w.binds(|h| h == author)) && claimed < w.until);
    !blocked && !withdrawn
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn no_story_moves_goods_out_of_a_block_or_a_withdrawal(steps in prop::collection::vec(step(), 1..28)) {
        let mut s = Story::new();
        let mut claimed = T0 + 2 * H;
        // Transforms: entry, author, input, claimed time, outputs. Treatments: entry and the withdrawal as it was
        // when accepted. Releases: the records they lifted.
        let mut transforms: Vec<(u64, PublicKey, BatchId, Time, Vec<BatchId>)> = Vec::new();
        let mut treatments: Vec<(u64, Withdrawal)> = Vec::new();
        let mut released: Vec<RecordId> = Vec::new();
        for (op, gap, lag) in steps {
            claimed += gap * H;
            let Some((k, event)) = s.record_for(&op) else { continue };
            // Late paperwork claims its time `lag` hours before it is entered; on-time records are entered at
            // their claim.
            let at = if lag > 0 { claimed.saturating_sub(lag * H).max(T0 + 2 * H) } else { claimed };
            let acted = event.acted_on();
            let before: Vec<BatchState> = acted.iter().map(|b| s.batch(*b)).collect();
            let is_move = matches!(event, Event::Shipped(_) | Event::Sold(_) | Event::Transformed(_));
            let is_transform = matches!(event, Event::Transformed(_));
            let is_hold = matches!(event, Event::Held(_));
            let lifts = match &event { Event::Released(r) => Some(r.lifts), _ => None };
            let created_before = s.meat.len();
            let Ok(a) = s.append(&k, at, lag, event) else { continue };
            if is_move {
                for b in &before {
                    prop_assert!(movable(b, &k.public(), Time(at), is_transform), "{op:?} moved {} out of a block or withdrawal", b.id);
                }
            }
            if is_transform {
                transforms.push((a.index, k.public(), acted[0], Time(at), a.created.clone()));
            }
            if let Some(w) = s.batch(s.herd).withdrawals.iter().find(|w| w.record == a.id) {
                treatments.push((a.index, w.clone()));
            }
            released.extend(lifts);
            if is_hold {
                s.holds.push((acted[0], a.id));
            }
            if matches!(op, Op::Deliver(_)) {
                let receipt = Event::Received(Received {
                    batch: acted[0],
                    shipment: a.id,
                    accepted: true,
                    checked: vec![],
                    note: String::new(),
                });
                s.append(&processor(), at + 60_000, lag, receipt).unwrap();
                // The slaughterhouse engages the vet for what it holds (once is enough; again is harmless).
                let engage =
                    Event::Engaged(Engaged { vet: vet().public(), batches: vec![s.herd], until: Time(T0 + 3650 * DAY) });
                s.append(&processor(), at + 120_000, lag, engage).unwrap();
            }
            if is_transform {
                s.meat.extend(a.created.iter().copied());
            }
            prop_assert!(s.meat.len() >= created_before);
            blocks_reach_descendants(s.l())?;
        }
        // What was made from treated goods inside the interval, before the treatment was entered, is held.
        for (treated_at, w) in &treatments {
            for (index, author, input, t, outputs) in &transforms {
                // By the holder treated (receivers are bound only from their receipt on, which this does not track).
                let inside = *t >= w.applied && *t < w.until && w.holders.first() == Some(author);
                if *index < *treated_at && *input == s.herd && inside && !released.contains(&w.record) {
                    for o in outputs {
                        let held = s.batch(*o).blocks.iter().any(|x| x.kind == BlockKind::WithdrawalBreached && x.record == w.record);
                        prop_assert!(held, "{o}, made at {t} by entry {index}, is not held by treatment entry {treated_at}");
                    }
                }
            }
        }
    }
}
