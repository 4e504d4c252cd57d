//! Scenarios from the seed work plan (溪湖区2017年食品安全重点工作安排), told as records on a real ledger:
//! withdrawal periods (休药期) and pre-harvest intervals (安全间隔期), lean-meat agents (瘦肉精) found by a lab,
//! high-toxicity pesticides kept off vegetables, prescription-only vet drugs (兽用处方药), origin-exit
//! certificates (产地准出), purchase inspection (进货查验), and recalls that reach every stall.
//!
//! Every story starts at `T0` (2025-11-01 00:00 UTC+08:00), fixed so the dates in refusal messages can be checked
//! exactly, on a story clock: each record is accepted at its claimed time unless the story says it was recorded
//! later (`submit_late`).

use crate::common::*;
use trace_core::*;

/// 09:00 on day `n` of the story.
fn day(n: u64) -> u64 {
    T0 + n * DAY + 9 * 3_600_000
}

fn q(s: &str) -> Quantity {
    s.parse().unwrap()
}

fn market_b() -> SecretKey {
    key(10)
}

fn market_c() -> SecretKey {
    key(11)
}

fn coop_b() -> SecretKey {
    key(12)
}

/// A second lab (admitted by `Farm::with_lab_b`).
fn lab_b() -> SecretKey {
    key(13)
}

/// A founded ledger with a transporter, two more market stalls and a second co-op, and helpers that sign
/// records naming the current heads of the batches they act on.
struct Farm {
    t: TestLedger,
    clock: StoryClock,
}

impl Farm {
    fn new() -> Farm {
        let clock = StoryClock::starting_at(Time(T0));
        let t = TestLedger::founded_on(&clock);
        let a = authority();
        for (k, name, role) in [
            (transporter(), "Benxi cold-chain logistics", Role::Transporter),
            (market_b(), "Stall 7, Caitun market", Role::Market),
            (market_c(), "Stall 3, Pengjiabao market", Role::Market),
            (coop_b(), "Shiqiao vegetable co-op", Role::Coop),
        ] {
            t.ledger.append(admit(&a, &k, name, &[role], T0)).unwrap();
        }
        Farm { t, clock }
    }

    fn l(&self) -> &Ledger {
        &self.t.ledger
    }

    fn batch(&self, b: BatchId) -> BatchState {
        self.l().batch(b).unwrap().unwrap()
    }

    fn status(&self, b: BatchId) -> Status {
        self.batch(b).status()
    }

    /// Signs `event` by `k` at `time`, naming the current heads of the batches it acts on, and appends it.
    fn submit(&self, k: &SecretKey, time: u64, event: Event) -> Result<Appended, Error> {
        self.submit_late(k, time, time, event)
    }

    /// Signs `event` as claimed at `time` and has the ledger accept it at `accepted`.
    fn submit_late(&self, k: &SecretKey, time: u64, accepted: u64, event: Event) -> Result<Appended, Error> {
        let parents = match &event {
            Event::Correction(c) => vec![c.target],
            e => e.acted_on().iter().map(|b| self.batch(*b).head).collect(),
        };
        self.clock.set(Time(accepted));
        self.l().append(sign(k, time, parents, event))
    }

    fn ok(&self, k: &SecretKey, time: u64, event: Event) -> Appended {
        let kind = event.kind();
        self.submit(k, time, event).unwrap_or_else(|e| panic!("{kind} refused: {e}"))
    }

    fn refused(&self, k: &SecretKey, time: u64, event: Event) -> Refusal {
        let kind = event.kind();
        match self.submit(k, time, event) {
            Err(Error::Refused(r)) => r,
            other => panic!("{kind}: expected a refusal, got {other:?}"),
        }
    }

    fn herd(&self, k: &SecretKey, time: u64, product: &str, class: ProductClass, qty: &str) -> BatchId {
        let commissioning =
            if InputKind::VetDrug.goes_on(class) { Commissioning::Herd } else { Commissioning::Planting };
        let e = Event::BatchRegistered(BatchRegistered {
            product: product.into(),
            class,
            commissioning,
            quantity: q(qty),
            gtin: None,
            lot: None,
            place: "Hetao farm, Xihu district".into(),
            identifiers: vec![],
        });
        let b = self.ok(k, time, e).created[0];
        // Live animals come with their holder's vet engaged for the story's length: every story here treats with
        // the one vet, and the engagement rules have tests of their own (`vets`).
        if InputKind::VetDrug.goes_on(class) {
            let engage =
                Event::Engaged(Engaged { vet: vet().public(), batches: vec![b], until: Time(T0 + 3650 * DAY) });
            self.ok(k, time, engage);
        }
        b
    }

    /// The vet's prescription of `lot` (by its approval number) for `batch`, valid for 30 days: its record id.
    fn prescribe(&self, time: u64, batch: BatchId, drug: &str) -> RecordId {
        let e = Event::Prescribed(Prescribed {
            batches: vec![batch],
            drug: drug.into(),
            approval_number: "兽药字(2023)150012345".into(),
            dose: q("10 ml"),
            valid_until: Time(time + 30 * DAY),
            note: "respiratory infection".into(),
        });
        self.ok(&vet(), time, e).id
    }

    fn lot(&self, time: u64, lot: InputLotRegistered) -> BatchId {
        self.ok(&supplier(), time, Event::InputLotRegistered(lot)).created[0]
    }

    fn apply(
        &self,
        k: &SecretKey,
        time: u64,
        batch: BatchId,
        input: BatchId,
        prescription: Option<RecordId>,
    ) -> Result<Appended, Error> {
        self.submit(k, time, Farm::treatment_event(batch, input, prescription, None))
    }

    /// 10 ml of `input` on `batch`, as directed, citing `prescription`; of the holding of `holding` when named.
    fn treatment_event(
        batch: BatchId,
        input: BatchId,
        prescription: Option<RecordId>,
        holding: Option<&SecretKey>,
    ) -> Event {
        Event::InputApplied(InputApplied {
            batch,
            input,
            dose: q("10 ml"),
            prescription,
            vet_drug_code: None,
            note: "as directed".into(),
            holding: holding.map(|k| Party::Member(k.public())),
        })
    }

    /// A treatment claimed at `time` and recorded at `accepted`.
    fn apply_late(&self, k: &SecretKey, time: u64, accepted: u64, batch: BatchId, input: BatchId) -> Appended {
        let e = Farm::treatment_event(batch, input, None, None);
        self.submit_late(k, time, accepted, e).unwrap_or_else(|e| panic!("late treatment refused: {e}"))
    }

    /// A farm with a second lab, for re-tests (复检 is made by another lab than the first).
    fn with_lab_b() -> Farm {
        let f = Farm::new();
        f.t.ledger.append(admit(&authority(), &lab_b(), "Benxi food inspection institute", &[Role::Lab], T0)).unwrap();
        f
    }

    /// A re-test (复检) of `of`: `inspect_event`'s record, of `kind`, naming the failure it re-tests.
    fn retest_event(
        batch: BatchId,
        of: RecordId,
        (analyte, kind): (&str, InspectionKind),
        value: u64,
        limit: u64,
        verdict: Verdict,
    ) -> Event {
        match Farm::inspect_event(batch, analyte, value, limit, verdict) {
            Event::Inspected(i) => Event::Inspected(Inspected { kind, retest_of: Some(of), ..i }),
            _ => unreachable!(),
        }
    }

    fn ship_event(batch: BatchId, qty: &str, to: &SecretKey) -> Event {
        Event::Shipped(Shipped {
            batch,
            quantity: q(qty),
            to: Party::Member(to.public()),
            from_place: "ship-from".into(),
            to_place: "ship-to".into(),
            document: "WB-2025-0001".into(),
            carrier: None,
            certificates: vec![],
        })
    }

    /// Ships and returns the shipment's record id.
    fn ship(&self, from: &SecretKey, time: u64, batch: BatchId, qty: &str, to: &SecretKey) -> RecordId {
        self.ok(from, time, Farm::ship_event(batch, qty, to)).id
    }

    fn receive_event(batch: BatchId, shipment: RecordId, accepted: bool) -> Event {
        Event::Received(Received {
            batch,
            shipment,
            accepted,
            checked: vec![],
            note: if accepted { "checked, accepted".into() } else { "paperwork missing, refused".into() },
        })
    }

    fn receive(&self, k: &SecretKey, time: u64, batch: BatchId, shipment: RecordId, accepted: bool) {
        self.ok(k, time, Farm::receive_event(batch, shipment, accepted));
    }

    /// Ships `qty` of `batch` and has the receiver accept it.
    fn deliver(&self, from: &SecretKey, time: u64, batch: BatchId, qty: &str, to: &SecretKey) {
        let s = self.ship(from, time, batch, qty, to);
        self.receive(to, time + 3_600_000, batch, s, true);
    }

    fn transform_event(process: Process, inputs: &[(BatchId, &str)], outputs: &[(&str, ProductClass, &str)]) -> Event {
        Event::Transformed(Transformed {
            process,
            inputs: inputs.iter().map(|(b, qty)| TransformInput { batch: *b, quantity: q(qty) }).collect(),
            outputs: outputs
                .iter()
                .map(|(p, class, qty)| TransformOutput {
                    product: (*p).into(),
                    class: *class,
                    quantity: q(qty),
                    gtin: None,
                    lot: None,
                })
                .collect(),
            place: "Xihu designated slaughterhouse".into(),
            certificates: vec![],
        })
    }

    fn transform(
        &self,
        k: &SecretKey,
        time: u64,
        process: Process,
        inputs: &[(BatchId, &str)],
        outputs: &[(&str, ProductClass, &str)],
    ) -> Vec<BatchId> {
        self.ok(k, time, Farm::transform_event(process, inputs, outputs)).created
    }

    fn sell_event(batch: BatchId, qty: &str) -> Event {
        Event::Sold(Sold { batch, quantity: q(qty), buyer: None })
    }

    fn inspect_event(batch: BatchId, analyte: &str, value: u64, limit: u64, verdict: Verdict) -> Event {
        Event::Inspected(Inspected {
            batch,
            sample: "XH-2025-117".into(),
            analyte: analyte.into(),
            result: trace_core::Measurement::Value(value),
            limit_milli: Some(limit),
            unit: "µg/kg".into(),
            method: "GB/T 22286-2008".into(),
            verdict,
            kind: trace_core::InspectionKind::Supervisory,
            retest_of: None,
        })
    }

    fn hold(&self, time: u64, batch: BatchId, reason: &str) -> Appended {
        self.ok(&regulator(), time, Event::Held(Held { batch, reason: reason.into() }))
    }

    fn release_event(batch: BatchId, lifts: RecordId) -> Event {
        Event::Released(Released { batch, lifts, reason: "re-test negative".into() })
    }

    fn recall_event(batch: BatchId) -> Event {
        Event::Recalled(Recalled {
            batch,
            reason: "clenbuterol in feed".into(),
            deadline: None,
            drill: false,
            level: trace_core::RecallLevel::First,
        })
    }
}

fn vet_drug(name: &str, days: u32, prescription_only: bool) -> InputLotRegistered {
    InputLotRegistered {
        kind: InputKind::VetDrug,
        name: name.into(),
        approval_number: "兽药字(2023)150012345".into(),
        manufacturer: "Liaoning veterinary pharma".into(),
        lot: "VD2510".parse().unwrap(),
        active_substances: vec!["ivermectin".into()],
        periods: trace_core::Periods::days(days),
        prescription_only,
        quantity: q("100 box"),
        vet_drug_codes: vec![],
        expires: None,
        made_from: vec![],
    }
}

fn feed(name: &str, substances: &[&str]) -> InputLotRegistered {
    InputLotRegistered {
        kind: InputKind::Feed,
        name: name.into(),
        approval_number: "辽饲证(2022)01001".into(),
        manufacturer: "Benxi feed mill".into(),
        lot: "F2510-07".parse().unwrap(),
        active_substances: substances.iter().map(|s| (*s).into()).collect(),
        periods: trace_core::Periods::days(0),
        prescription_only: false,
        quantity: q("20 t"),
        vet_drug_codes: vec![],
        expires: None,
        made_from: vec![],
    }
}

fn pesticide(name: &str, substance: &str, days: u32, _high_toxicity_is_from_the_list: bool) -> InputLotRegistered {
    InputLotRegistered {
        kind: InputKind::Pesticide,
        name: name.into(),
        approval_number: "PD20151234".into(),
        manufacturer: "Shenyang agrochemicals".into(),
        lot: "P2509".parse().unwrap(),
        active_substances: vec![substance.into()],
        periods: trace_core::Periods::days(days),
        prescription_only: false,
        quantity: q("200 l"),
        vet_drug_codes: vec![],
        expires: None,
        made_from: vec![],
    }
}

const PIG: ProductClass = ProductClass::Livestock;
const MEAT: ProductClass = ProductClass::Meat;

#[test]
fn a_pig_herd_on_a_28_day_drug_cannot_be_slaughtered_on_day_10_and_can_on_day_29() {
    let f = Farm::new();
    let herd = f.herd(&coop(), day(0), "Live pigs (三元杂交)", PIG, "40 head");
    let drug = f.lot(day(0), vet_drug("Ivermectin injection", 28, false));
    f.apply(&vet(), day(1), herd, drug, None).unwrap();

    let b = f.batch(herd);
    let w = b.withdrawal_ends().unwrap();
    assert_eq!((w.days, w.until.display_local()), (28, "2025-11-30 09:00".to_owned()));

    // Day 10 after treatment: slaughter, the origin-exit certificate and shipping are all refused.
    let slaughter =
        Farm::transform_event(Process::Slaughter, &[(herd, "40 head")], &[("Pork carcass", MEAT, "3200 kg")]);
    let r = f.refused(&coop(), day(11), slaughter.clone());
    assert_eq!(r.rule, Rule::WithdrawalPeriod);
    assert!(r.facts.to_string().contains("Ivermectin injection lot VD2510"), "{}", r.facts);
    assert!(r.facts.to_string().contains("2025-11-02 09:00"), "names when it was given: {}", r.facts);
    assert!(r.facts.to_string().contains("28-day withdrawal period"), "{}", r.facts);
    assert!(r.facts.to_string().contains("cannot be slaughtered before 2025-11-30 09:00"), "{}", r.facts);
    // The same facts as data: what the interface renders in other languages.
    match &r.facts {
        Facts::Withdrawal { batch, drug, days, interval, until, ancestor, action, .. } => {
            assert_eq!((*batch, drug.as_str(), *days), (herd, "Ivermectin injection lot VD2510", 28));
            assert_eq!((*interval, *action, *ancestor), (Interval::WithdrawalPeriod, Action::Slaughtered, None));
            assert_eq!(until.display_local(), "2025-11-30 09:00");
        }
        other => panic!("withdrawal facts, got {other:?}"),
    }
    let cert = Event::Certified(Certified {
        batches: vec![herd],
        issuer: Party::Member(coop().public()),
        kind: CertKind::OriginExit,
        number: "CZ-0001".into(),
        valid_from: Time(day(11)),
        valid_until: Time(day(14)),
        promises: vec!["withdrawal periods observed".into()],
    });
    assert_eq!(f.refused(&coop(), day(11), cert).rule, Rule::WithdrawalPeriod);
    assert_eq!(
        f.refused(&coop(), day(11), Farm::ship_event(herd, "40 head", &processor())).rule,
        Rule::WithdrawalPeriod
    );
    // One minute before the end is still too early.
    assert_eq!(f.refused(&coop(), day(29) - 60_000, slaughter.clone()).rule, Rule::WithdrawalPeriod);

    // Day 29 after treatment: slaughter goes ahead and the carcass remembers the treatment of its ancestor.
    let out = f.ok(&coop(), day(30), slaughter).created;
    let carcass = f.batch(out[0]);
    assert_eq!(carcass.withdrawals.len(), 1);
    assert_eq!(carcass.withdrawals[0].applied_to, herd);
    assert_eq!(f.status(herd), Status::Consumed);
}

#[test]
fn a_treatment_given_to_an_ancestor_blocks_its_products_until_it_ends() {
    let f = Farm::new();
    let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "40 head");
    // Half the herd moves to a finishing pen (a transform) before the other half is treated: only the
    // treated half carries the withdrawal.
    let pens =
        f.transform(&coop(), day(1), Process::Other, &[(herd, "20 head")], &[("Finishing pen A pigs", PIG, "20 head")]);
    let drug = f.lot(day(0), vet_drug("Tilmicosin premix", 14, false));
    f.apply(&vet(), day(2), herd, drug, None).unwrap();
    assert!(f.batch(pens[0]).withdrawals.is_empty());
    f.ship(&coop(), day(3), pens[0], "20 head", &processor());
    let r = f.refused(&coop(), day(3), Farm::ship_event(herd, "20 head", &processor()));
    assert_eq!(r.rule, Rule::WithdrawalPeriod);
    assert!(r.facts.to_string().contains("before 2025-11-17 09:00"), "{}", r.facts);
}

#[test]
fn clenbuterol_found_by_a_lab_holds_the_batch_and_every_product_made_from_it() {
    let f = Farm::new();
    let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "40 head");
    f.deliver(&coop(), day(1), herd, "40 head", &processor());
    let carcass = f.transform(
        &processor(),
        day(2),
        Process::Slaughter,
        &[(herd, "30 head")],
        &[("Pork carcass", MEAT, "2400 kg")],
    )[0];
    let cuts = f.transform(
        &processor(),
        day(3),
        Process::Packing,
        &[(carcass, "400 kg")],
        &[("Pork loin", MEAT, "150 kg"), ("Pork belly", MEAT, "250 kg")],
    );
    f.deliver(&processor(), day(4), cuts[0], "150 kg", &market());
    f.ok(&market(), day(5), Farm::sell_event(cuts[0], "10 kg"));

    // A pass that reports clenbuterol is a contradiction, not a pass.
    let r = f.refused(&lab(), day(6), Farm::inspect_event(herd, "Clenbuterol", 2_300, 0, Verdict::Pass));
    assert_eq!(r.rule, Rule::InconsistentVerdict);
    assert!(r.facts.to_string().contains("banned substance '克仑特罗 clenbuterol (农业部公告第193号"), "{}", r.facts);

    // The lab finds 2.3 µg/kg in the remaining pigs (urine sample): everything from the herd is held.
    f.ok(&lab(), day(6), Farm::inspect_event(herd, "Clenbuterol (克伦特罗)", 2_300, 0, Verdict::Fail));
    for b in [herd, carcass, cuts[0], cuts[1]] {
        assert_eq!(f.status(b), Status::OnHold, "{b}");
        let block = &f.batch(b).blocks[0];
        assert_eq!((block.kind, block.source), (BlockKind::BannedSubstanceFound, herd));
    }
    let r = f.refused(&market(), day(7), Farm::sell_event(cuts[0], "10 kg"));
    assert_eq!(r.rule, Rule::BatchBlocked);
    assert!(r.facts.to_string().contains("held after a banned substance was found through ancestor"), "{}", r.facts);
    assert!(r.facts.to_string().contains("Clenbuterol"), "{}", r.facts);
    let r = f.refused(&processor(), day(7), Farm::ship_event(cuts[1], "250 kg", &market_b()));
    assert_eq!(r.rule, Rule::BatchBlocked);
    let r = f.refused(
        &processor(),
        day(7),
        Farm::transform_event(Process::Packing, &[(carcass, "100 kg")], &[("Minced pork", MEAT, "100 kg")]),
    );
    assert_eq!(r.rule, Rule::BatchBlocked);
    // Held goods may still be destroyed.
    f.ok(
        &market(),
        day(8),
        Event::Disposed(Disposed { batch: cuts[0], quantity: q("140 kg"), method: "incineration".into() }),
    );
    assert_eq!(f.batch(cuts[0]).disposed, q("140 kg"));
}

#[test]
fn a_failed_inspection_must_be_backed_by_its_numbers() {
    let f = Farm::new();
    let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "40 head");
    let r = f.refused(&lab(), day(1), Farm::inspect_event(herd, "Sulfonamides", 50_000, 100_000, Verdict::Fail));
    assert_eq!(r.rule, Rule::InconsistentVerdict);
    let r = f.refused(&lab(), day(1), Farm::inspect_event(herd, "Sulfonamides", 150_000, 100_000, Verdict::Pass));
    assert_eq!(r.rule, Rule::InconsistentVerdict);
    f.ok(&lab(), day(1), Farm::inspect_event(herd, "Sulfonamides", 50_000, 100_000, Verdict::Pass));
    assert_eq!(f.status(herd), Status::Active);
    f.ok(&lab(), day(2), Farm::inspect_event(herd, "Sulfonamides", 150_000, 100_000, Verdict::Fail));
    assert_eq!(f.status(herd), Status::OnHold);
    // Only labs and regulators record inspections.
    let r = f.refused(&coop(), day(3), Farm::inspect_event(herd, "Sulfonamides", 0, 100_000, Verdict::Pass));
    assert_eq!(r.rule, Rule::RoleNotPermitted);
}

#[test]
fn a_feed_lot_recall_finds_every_affected_stall() {
    let f = Farm::new();
    let bad_feed = f.lot(day(0), feed("Grower pig compound feed", &["corn", "soybean meal"]));
    let good_feed = f.lot(day(0), feed("Finisher pig compound feed", &["corn", "wheat bran"]));
    let herd1 = f.herd(&coop(), day(0), "Live pigs, shed 1", PIG, "40 head");
    let herd2 = f.herd(&coop(), day(0), "Live pigs, shed 2", PIG, "30 head");
    let herd3 = f.herd(&coop(), day(0), "Live pigs, shed 3", PIG, "20 head");
    f.apply(&coop(), day(1), herd1, bad_feed, None).unwrap();
    f.apply(&coop(), day(1), herd2, bad_feed, None).unwrap();
    f.apply(&coop(), day(1), herd3, good_feed, None).unwrap();
    let mut pork = Vec::new();
    for (i, h) in [herd1, herd2, herd3].into_iter().enumerate() {
        let qty = ["40 head", "30 head", "20 head"][i];
        f.deliver(&coop(), day(2), h, qty, &processor());
        pork.push(f.transform(&processor(), day(3), Process::Slaughter, &[(h, qty)], &[("Pork", MEAT, "1000 kg")])[0]);
    }
    f.deliver(&processor(), day(4), pork[0], "500 kg", &market());
    f.deliver(&processor(), day(4), pork[1], "300 kg", &market_b());
    // Part of herd 2's pork is still on the truck to stall A when the recall comes.
    f.ship(&processor(), day(4) + 7_200_000, pork[1], "200 kg", &market());
    f.deliver(&processor(), day(4), pork[2], "800 kg", &market_c());

    f.ok(&regulator(), day(6), Farm::recall_event(bad_feed));
    for b in [bad_feed, herd1, herd2, pork[0], pork[1]] {
        assert_eq!(f.status(b), Status::Recalled, "{b}");
    }
    assert_eq!(f.status(pork[2]), Status::Active);

    let impact = f.l().recall_impact(bad_feed).unwrap();
    let reached: Vec<BatchId> = impact.reached.iter().map(|r| r.batch.id).collect();
    for b in [herd1, herd2, pork[0], pork[1]] {
        assert!(reached.contains(&b), "{b} not reached");
    }
    assert!(!reached.contains(&pork[2]) && !reached.contains(&herd3));
    let holders: Vec<(PublicKey, Vec<BatchId>)> =
        impact.holders.iter().map(|h| (h.holder, h.batches.clone())).collect();
    let find = |k: &SecretKey| holders.iter().find(|(h, _)| *h == k.public()).map(|(_, b)| b.clone());
    let mut stall_a = find(&market()).expect("stall A affected");
    stall_a.sort();
    let mut want = vec![pork[0], pork[1]];
    want.sort();
    assert_eq!(stall_a, want, "stall A holds pork 1 and has pork 2 on its way");
    assert_eq!(find(&market_b()), Some(vec![pork[1]]));
    assert_eq!(find(&market_c()), None, "stall C sold only unaffected pork");
    assert!(find(&processor()).is_some(), "the processor still holds affected pork");
    assert!(find(&supplier()).is_some(), "the supplier still holds the rest of the lot");
    let name = impact.holders.iter().find(|h| h.holder == market_b().public()).unwrap().name.clone();
    assert_eq!(name, "Stall 7, Caitun market");

    // Trace back from the stall's pork to the farm and the feed.
    let back: Vec<BatchId> = f.l().lineage(pork[1], Direction::Back).unwrap().iter().map(|r| r.batch.id).collect();
    assert_eq!(back, vec![herd2, bad_feed]);
    // A recalled lot can no longer be fed (herd 3 itself was slaughtered: nobody holds it to feed it).
    assert_eq!(f.apply(&vet(), day(7), herd3, bad_feed, None).unwrap_err().rule(), Some(Rule::NotHolder));
    let herd4 = f.herd(&coop(), day(7), "Live pigs, shed 4", PIG, "10 head");
    assert_eq!(f.apply(&coop(), day(7), herd4, bad_feed, None).unwrap_err().rule(), Some(Rule::BatchBlocked));
}

#[test]
fn a_high_toxicity_pesticide_on_vegetables_is_refused() {
    let f = Farm::new();
    let cabbage = f.herd(&coop_b(), day(0), "Chinese cabbage (大白菜)", ProductClass::Vegetable, "5 t");
    let maize = f.herd(&coop_b(), day(0), "Maize", ProductClass::Grain, "20 t");
    let omethoate = f.lot(day(0), pesticide("Omethoate 40% EC (氧乐果)", "omethoate", 30, true));
    let r = f.apply(&coop_b(), day(1), cabbage, omethoate, None).unwrap_err();
    assert_eq!(r.rule(), Some(Rule::HighToxicityPesticide));
    assert!(
        r.to_string().contains("Omethoate 40% EC (氧乐果) is a high-toxicity pesticide, forbidden on vegetable"),
        "{r}"
    );
    for class in [ProductClass::Fruit, ProductClass::Tea, ProductClass::Herb] {
        let crop = f.herd(&coop_b(), day(1), "crop", class, "1 t");
        let e = f.apply(&coop_b(), day(1), crop, omethoate, None).unwrap_err();
        assert_eq!(e.rule(), Some(Rule::HighToxicityPesticide), "{class}");
    }
    // The seed plan restricts high-toxicity pesticides on vegetables, fruit, tea and herbs, not on grain.
    f.apply(&coop_b(), day(1), maize, omethoate, None).unwrap();

    // An ordinary pesticide has a pre-harvest interval, and the refusal says so.
    let emamectin = f.lot(day(0), pesticide("Emamectin benzoate 5% WDG", "emamectin benzoate", 7, false));
    f.apply(&coop_b(), day(2), cabbage, emamectin, None).unwrap();
    let harvest = Farm::transform_event(
        Process::Harvest,
        &[(cabbage, "5 t")],
        &[("Chinese cabbage, harvested", ProductClass::Vegetable, "4.8 t")],
    );
    let r = f.refused(&coop_b(), day(5), harvest.clone());
    assert_eq!(r.rule, Rule::WithdrawalPeriod);
    assert!(r.facts.to_string().contains("7-day pre-harvest interval"), "{}", r.facts);
    assert!(r.facts.to_string().contains("cannot be harvested before 2025-11-10 09:00"), "{}", r.facts);
    f.ok(&coop_b(), day(9), harvest);
}

#[test]
fn a_stall_cannot_sell_more_than_it_received() {
    let f = Farm::new();
    let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "10 head");
    f.deliver(&coop(), day(1), herd, "10 head", &processor());
    let pork =
        f.transform(&processor(), day(2), Process::Slaughter, &[(herd, "10 head")], &[("Pork", MEAT, "800 kg")])[0];
    f.deliver(&processor(), day(3), pork, "50 kg", &market());
    f.ok(&market(), day(4), Farm::sell_event(pork, "30 kg"));
    let r = f.refused(&market(), day(4), Farm::sell_event(pork, "25 kg"));
    assert_eq!(r.rule, Rule::QuantityExceeded);
    assert!(r.facts.to_string().contains("cannot sell 25 kg of Pork"), "{}", r.facts);
    assert!(r.facts.to_string().contains("only 20 kg held"), "{}", r.facts);
    match &r.facts {
        Facts::QuantityExceeded { batch, asked, held, action, .. } => {
            assert_eq!((*batch, asked.to_string(), held.to_string()), (pork, "25 kg".into(), "20 kg".into()));
            assert_eq!(*action, Take::Sell);
        }
        other => panic!("quantity facts, got {other:?}"),
    }
    // Grams count against kilograms; heads do not.
    f.ok(&market(), day(4), Farm::sell_event(pork, "19500 g"));
    assert_eq!(f.refused(&market(), day(4), Farm::sell_event(pork, "1 head")).rule, Rule::Malformed);
    f.ok(&market(), day(4), Farm::sell_event(pork, "0.5 kg"));
    assert_eq!(f.batch(pork).held_by(&market().public()), None);
    assert_eq!(f.refused(&market(), day(5), Farm::sell_event(pork, "1 kg")).rule, Rule::NotHolder);
    // A stall that never received the pork cannot sell it at all.
    assert_eq!(f.refused(&market_b(), day(5), Farm::sell_event(pork, "1 kg")).rule, Rule::NotHolder);
}

#[test]
fn prescription_only_drugs_need_a_vet() {
    let f = Farm::new();
    let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "40 head");
    let florfenicol = f.lot(day(0), vet_drug("Florfenicol injection (氟苯尼考注射液)", 14, true));
    let e = f.apply(&coop(), day(1), herd, florfenicol, None).unwrap_err();
    assert_eq!(e.rule(), Some(Rule::PrescriptionRequired));
    assert!(e.to_string().contains("is prescription-only"), "{e}");
    // Not even the vet gives it without writing the prescription.
    assert_eq!(f.apply(&vet(), day(1), herd, florfenicol, None).unwrap_err().rule(), Some(Rule::PrescriptionRequired));
    // A forged prescription: the co-op cannot sign one, and citing a record that is none is refused.
    let forged = Event::Prescribed(Prescribed {
        batches: vec![herd],
        drug: "Florfenicol".into(),
        approval_number: "兽药字(2023)150012345".into(),
        dose: q("10 ml"),
        valid_until: Time(day(30)),
        note: String::new(),
    });
    assert_eq!(f.refused(&coop(), day(1), forged).rule, Rule::RoleNotPermitted);
    let not_rx = f.l().history(herd).unwrap()[0].record.id();
    let e = f.apply(&coop(), day(1), herd, florfenicol, Some(not_rx)).unwrap_err();
    assert!(e.to_string().contains("is not a vet's prescription"), "{e}");
    // The vet's prescription, cited by the co-op that gives the drug; the pages name the vet.
    let rx = f.prescribe(day(2), herd, "Florfenicol injection");
    f.apply(&coop(), day(2), herd, florfenicol, Some(rx)).unwrap();
    let s = f.l().summary(herd).unwrap();
    assert_eq!(s.inputs[0].prescribed_by.as_deref(), Some("Dr Wang"));
    // Another herd, another drug, an expired prescription: refused.
    let herd2 = f.herd(&coop(), day(0), "Live pigs, shed 2", PIG, "10 head");
    let e = f.apply(&coop(), day(3), herd2, florfenicol, Some(rx)).unwrap_err();
    assert!(e.to_string().contains("is for other batches"), "{e}");
    let other = f.lot(
        day(0),
        InputLotRegistered {
            approval_number: "兽药字(2020)999".into(),
            lot: "VD2512".parse().unwrap(),
            ..vet_drug("Tylosin", 7, true)
        },
    );
    let e = f.apply(&coop(), day(3), herd, other, Some(rx)).unwrap_err();
    assert!(e.to_string().contains("another drug"), "{e}");
    let e = f.apply(&coop(), day(40), herd, florfenicol, Some(rx)).unwrap_err();
    assert!(e.to_string().contains("not valid at this time"), "{e}");
    // Over-the-counter drugs need no prescription.
    let otc = f.lot(day(0), InputLotRegistered { lot: "VD2511".parse().unwrap(), ..vet_drug("Ivermectin", 28, false) });
    f.apply(&coop(), day(4), herd, otc, None).unwrap();
}

#[test]
fn banned_substances_are_refused_and_regulators_can_extend_the_list() {
    let f = Farm::new();
    let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "40 head");
    let r = f.refused(
        &supplier(),
        day(1),
        Event::InputLotRegistered(feed("Lean-meat premix", &["Clenbuterol hydrochloride"])),
    );
    assert_eq!(r.rule, Rule::BannedSubstance);
    assert!(r.facts.to_string().contains("banned substance '克仑特罗 clenbuterol (农业部公告第193号"), "{}", r.facts);
    let r = f.refused(&supplier(), day(1), Event::InputLotRegistered(feed("瘦肉精预混料", &["盐酸莱克多巴胺"])));
    assert_eq!(r.rule, Rule::BannedSubstance, "Chinese names match too");

    // Zilpaterol is not on the shipped list, so a lot containing it is registered and fed...
    let zil = f.lot(day(1), feed("Finisher premix Z", &["corn", "zilpaterol"]));
    f.apply(&coop(), day(2), herd, zil, None).unwrap();
    // ...until a regulator adds it. Only regulators and the authority may change the list.
    let change = Event::RegistryAdopted(RegistryAdopted {
        adds: vec!["Zilpaterol".into(), "齐帕特罗".into()],
        ..rules::shipped_registry_adoption("农业农村部公告 (illustrative)")
    });
    assert_eq!(f.refused(&coop(), day(3), change.clone()).rule, Rule::RoleNotPermitted);
    f.ok(&regulator(), day(3), change);
    assert!(f.l().registry_in_force().unwrap().adds.contains(&"zilpaterol".to_owned()));
    let e = f.apply(&coop(), day(4), herd, zil, None).unwrap_err();
    assert_eq!(e.rule(), Some(Rule::BannedSubstance));
    assert!(
        e.to_string().contains("Finisher premix Z contains zilpaterol, banned as 'zilpaterol (added on this ledger)'"),
        "{e}"
    );
    let r = f.refused(&supplier(), day(4), Event::InputLotRegistered(feed("Premix Z2", &["zilpaterol HCl"])));
    assert_eq!(r.rule, Rule::BannedSubstance);
    // A lab result that finds it must fail.
    let r = f.refused(&lab(), day(5), Farm::inspect_event(herd, "zilpaterol", 1_000, 0, Verdict::Pass));
    assert_eq!(r.rule, Rule::InconsistentVerdict);
    // An empty name would match everything: refused.
    let empty =
        Event::RegistryAdopted(RegistryAdopted { adds: vec![" ".into()], ..rules::shipped_registry_adoption("x") });
    assert_eq!(f.refused(&regulator(), day(5), empty).rule, Rule::Malformed);
    // A version this node does not ship is refused.
    let unknown =
        Event::RegistryAdopted(RegistryAdopted { hash: ContentHash([0; 32]), ..rules::shipped_registry_adoption("x") });
    assert_eq!(f.refused(&regulator(), day(5), unknown).rule, Rule::InvalidState);
    // One regulator cannot remove clenbuterol: the removal waits for a second regulator's countersignature.
    let second = key(14);
    f.t.ledger.append(admit(&authority(), &second, "District agriculture bureau", &[Role::Regulator], T0)).unwrap();
    let unknown_entry = Event::RegistryAdopted(RegistryAdopted {
        removes: vec!["aspirin".into()],
        ..rules::shipped_registry_adoption("x")
    });
    assert_eq!(
        f.refused(&regulator(), day(5), unknown_entry).facts,
        Facts::UnknownRegistryEntry { name: "aspirin".into() }
    );
    let removal = f
        .ok(
            &regulator(),
            day(5),
            Event::RegistryAdopted(RegistryAdopted {
                removes: vec!["克伦特罗".into()],
                ..rules::shipped_registry_adoption("illustrative")
            }),
        )
        .id;
    let clen = |n: &str| Event::InputLotRegistered(feed(n, &["clenbuterol"]));
    assert_eq!(f.refused(&supplier(), day(6), clen("Premix C1")).rule, Rule::BannedSubstance, "still banned");
    let countersign = Event::Countersigned(Countersigned { target: removal, note: "agreed".into() });
    assert_eq!(
        f.refused(&regulator(), day(6), countersign.clone()).facts,
        Facts::CountersignedBySelf { record: removal }
    );
    // The second regulator rotated its key after the removal: still the regulator admitted before it.
    let second2 = key(15);
    f.ok(&second, day(6) - 60_000, Event::KeyRotated(KeyRotated { new_key: second2.public() }));
    let second = second2;
    f.ok(&second, day(6), countersign);
    assert_eq!(f.l().registry_in_force().unwrap().removed, ["clenbuterol"]);
    f.ok(&supplier(), day(7), clen("Premix C2"));
    // Its aliases and the 瘦肉精 group still match other names.
    assert_eq!(
        f.refused(&supplier(), day(7), Event::InputLotRegistered(feed("瘦肉精", &[]))).rule,
        Rule::BannedSubstance
    );
}

#[test]
fn released_lifts_a_hold_from_descendants_but_a_recall_is_final() {
    let f = Farm::new();
    let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "40 head");
    f.deliver(&coop(), day(1), herd, "40 head", &processor());
    let carcass =
        f.transform(&processor(), day(2), Process::Slaughter, &[(herd, "20 head")], &[("Carcass", MEAT, "1600 kg")])[0];
    let cuts =
        f.transform(&processor(), day(3), Process::Packing, &[(carcass, "100 kg")], &[("Loin", MEAT, "100 kg")])[0];

    // Releasing what is not held is refused.
    let nothing = RecordId([1; 32]);
    assert_eq!(f.refused(&regulator(), day(4), Farm::release_event(herd, nothing)).rule, Rule::InvalidState);
    let herd_hold = f.hold(day(4), herd, "suspected swine fever in the district").id;
    let carcass_hold = f.hold(day(4), carcass, "label missing").id;
    // A release names the hold it lifts: not another batch's, not a record that placed none.
    let r = f.refused(&regulator(), day(5), Farm::release_event(herd, carcass_hold));
    assert_eq!(r.facts, Facts::NotABlock { batch: herd, lifts: carcass_hold });
    for b in [herd, carcass, cuts] {
        assert_eq!(f.status(b), Status::OnHold);
    }
    // Only a regulator holds and releases.
    let r = f.refused(&processor(), day(5), Farm::release_event(herd, herd_hold));
    assert_eq!(r.rule, Rule::RoleNotPermitted);
    // The carcass's own hold cannot be lifted by releasing its ancestor, nor the ancestor's by releasing it.
    f.ok(&regulator(), day(5), Farm::release_event(herd, herd_hold));
    assert_eq!(f.status(herd), Status::Active);
    assert_eq!(f.status(carcass), Status::OnHold);
    assert_eq!(f.status(cuts), Status::OnHold);
    assert_eq!(f.batch(cuts).blocks.len(), 1);
    assert_eq!(f.batch(cuts).blocks[0].source, carcass);
    f.ok(&regulator(), day(5), Farm::release_event(carcass, carcass_hold));
    assert_eq!(f.status(cuts), Status::Active);

    // A recall is final.
    f.ok(&regulator(), day(6), Farm::recall_event(herd));
    for b in [herd, carcass, cuts] {
        assert_eq!(f.status(b), Status::Recalled);
    }
    let r = f.refused(&regulator(), day(7), Farm::release_event(herd, herd_hold));
    assert_eq!(r.rule, Rule::InvalidState);
    assert!(r.facts.to_string().contains("recalls are final"), "{}", r.facts);
    assert_eq!(f.refused(&regulator(), day(7), Farm::recall_event(herd)).rule, Rule::InvalidState);
    // A co-op may recall what it registered, not what others did.
    let other = f.herd(&coop_b(), day(7), "Cabbage", ProductClass::Vegetable, "1 t");
    assert_eq!(f.refused(&coop(), day(8), Farm::recall_event(other)).rule, Rule::RoleNotPermitted);
    f.ok(&coop_b(), day(8), Farm::recall_event(other));
}

/// Everything that ever was of a batch is somewhere: held, on its way, sold, used up or destroyed.
fn assert_conserved(b: &BatchState) {
    let unit = b.initial.unit;
    let mut total = Quantity { milli: 0, unit };
    let parts = b
        .holdings
        .iter()
        .map(|h| h.quantity)
        .chain(b.in_transit.iter().map(|t| t.quantity))
        .chain([b.sold, b.consumed, b.disposed]);
    for part in parts {
        total = total.checked_add(part).unwrap();
    }
    assert_eq!(total, b.initial, "{b:#?}");
}

#[test]
fn quantities_are_conserved_across_shipping_and_receiving() {
    let f = Farm::new();
    let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "40 head");
    assert_conserved(&f.batch(herd));
    assert_eq!(
        f.refused(&coop(), day(1), Farm::ship_event(herd, "41 head", &processor())).rule,
        Rule::QuantityExceeded
    );

    // Purchase inspection fails at the slaughterhouse: the goods go back to the co-op.
    let s = f.ship(&coop(), day(1), herd, "30 head", &processor());
    let b = f.batch(herd);
    assert_eq!((b.held_by(&coop().public()), b.in_transit.len()), (Some(q("10 head")), 1));
    assert_conserved(&b);
    // Only the addressee may answer a shipment, and only once.
    assert_eq!(f.refused(&market(), day(1), Farm::receive_event(herd, s, true)).rule, Rule::NotHolder);
    f.receive(&processor(), day(1), herd, s, false);
    let b = f.batch(herd);
    assert_eq!((b.held_by(&coop().public()), b.held_by(&processor().public())), (Some(q("40 head")), None));
    assert!(b.in_transit.is_empty());
    assert_conserved(&b);
    assert_eq!(f.refused(&processor(), day(2), Farm::receive_event(herd, s, true)).rule, Rule::InvalidState);

    // With the paperwork fixed the second delivery is accepted, via the transporter.
    let via = Event::Shipped(Shipped {
        carrier: Some(transporter().public()),
        ..match Farm::ship_event(herd, "30 head", &processor()) {
            Event::Shipped(s) => s,
            _ => unreachable!(),
        }
    });
    let s = f.ok(&coop(), day(2), via).id;
    f.receive(&processor(), day(2), herd, s, true);
    let b = f.batch(herd);
    assert_eq!(
        (b.held_by(&coop().public()), b.held_by(&processor().public())),
        (Some(q("10 head")), Some(q("30 head")))
    );
    assert_conserved(&b);
    f.transform(&processor(), day(3), Process::Slaughter, &[(herd, "30 head")], &[("Pork", MEAT, "2400 kg")]);
    f.ok(&coop(), day(3), Event::Disposed(Disposed { batch: herd, quantity: q("1 head"), method: "rendering".into() }));
    f.ok(&coop(), day(4), Farm::sell_event(herd, "9 head"));
    let b = f.batch(herd);
    assert_conserved(&b);
    assert_eq!(b.status(), Status::Consumed);
    // The processor cannot ship what it does not hold.
    assert_eq!(f.refused(&processor(), day(5), Farm::ship_event(herd, "1 head", &market())).rule, Rule::NotHolder);
}

#[test]
fn shipments_go_only_to_actors_who_can_receive_them() {
    let f = Farm::new();
    let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "40 head");
    let r = f.refused(&coop(), day(1), Farm::ship_event(herd, "1 head", &lab()));
    assert_eq!(r.rule, Rule::UnknownActor);
    assert!(r.facts.to_string().contains("District testing centre cannot record receipts"), "{}", r.facts);
    assert_eq!(f.refused(&coop(), day(1), Farm::ship_event(herd, "1 head", &key(99))).rule, Rule::UnknownActor);
    assert_eq!(f.refused(&coop(), day(1), Farm::ship_event(herd, "1 head", &coop())).rule, Rule::Malformed);
    let by_market = Event::Shipped(Shipped {
        carrier: Some(market().public()),
        ..match Farm::ship_event(herd, "1 head", &processor()) {
            Event::Shipped(s) => s,
            _ => unreachable!(),
        }
    });
    let r = f.refused(&coop(), day(1), by_market);
    assert!(r.facts.to_string().contains("is not a transporter"), "{}", r.facts);
    assert_eq!(f.batch(herd).held_by(&coop().public()), Some(q("40 head")));
}

#[test]
fn purchase_inspection_is_recorded_with_the_receipt_and_held_goods_can_still_arrive() {
    let f = Farm::new();
    let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "10 head");
    let cert = Event::Certified(Certified {
        batches: vec![herd],
        issuer: Party::Member(coop().public()),
        kind: CertKind::OriginExit,
        number: "承诺达标合格证 No. 0001".into(),
        valid_from: Time(day(1)),
        valid_until: Time(day(3)),
        promises: vec!["不使用禁用药物".into(), "遵守休药期".into()],
    });
    let cert_id = f.ok(&coop(), day(1), cert).id;
    let s = f.ship(&coop(), day(1), herd, "10 head", &processor());
    // The regulator holds the herd while it is on the road; the slaughterhouse still takes custody...
    f.hold(day(1) + 60_000, herd, "quarantine papers under review");
    let receipt = Event::Received(Received {
        checked: vec![CertRef::OnLedger(cert_id)],
        ..match Farm::receive_event(herd, s, true) {
            Event::Received(r) => r,
            _ => unreachable!(),
        }
    });
    f.ok(&processor(), day(1) + 120_000, receipt);
    // ...but cannot slaughter it.
    let slaughter = Farm::transform_event(Process::Slaughter, &[(herd, "10 head")], &[("Pork", MEAT, "800 kg")]);
    assert_eq!(f.refused(&processor(), day(2), slaughter).rule, Rule::BatchBlocked);
    let history = f.l().history(herd).unwrap();
    let kinds: Vec<&str> = history.iter().map(|e| e.record.body().event.kind()).collect();
    assert_eq!(kinds, ["BatchRegistered", "Engaged", "Certified", "Shipped", "Held", "Received"]);
    match &history[5].record.body().event {
        Event::Received(r) => {
            assert!(r.accepted);
            assert_eq!(r.checked, [CertRef::OnLedger(cert_id)]);
        }
        _ => unreachable!(),
    }
}

#[test]
fn corrections_never_rewrite() {
    let f = Farm::new();
    let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "40 head");
    let wrong = f.ok(&lab(), day(1), Farm::inspect_event(herd, "Sulfonamides", 50_000, 100_000, Verdict::Pass));
    let before = f.l().leaf_data(wrong.index).unwrap();
    let root_before = f.l().head().root;
    let state_before = f.batch(herd);
    let fix = |reason: &str| {
        Event::Correction(Correction {
            target: wrong.id,
            reason: reason.into(),
            corrected: "the sample was from shed 2, not shed 1".into(),
        })
    };
    // Only the author (or a regulator) may correct, and the correction names its target as its only parent.
    assert_eq!(f.refused(&coop(), day(2), fix("not mine")).rule, Rule::RoleNotPermitted);
    let stale = sign(&lab(), day(2), vec![f.batch(herd).head, wrong.id], fix("two parents"));
    assert_eq!(f.l().append(stale).unwrap_err().rule(), Some(Rule::StaleHead));
    let c1 = f.ok(&lab(), day(2), fix("wrong sample number"));
    let c2 = f.ok(&regulator(), day(3), fix("confirmed by the bureau"));

    // The original entry is byte for byte what it was; the log only grew; the batch did not change.
    assert_eq!(f.l().leaf_data(wrong.index).unwrap(), before);
    assert_eq!(f.l().consistency_proof(wrong.index + 1, f.l().size()).map(|_| ()).ok(), Some(()));
    assert_ne!(f.l().head().root, root_before);
    assert_eq!(f.batch(herd), state_before);
    let cs: Vec<u64> = f.l().corrections(&wrong.id).unwrap().iter().map(|e| e.index).collect();
    assert_eq!(cs, vec![c1.index, c2.index]);
    f.l().verify_all().unwrap();
}

#[test]
fn a_rotated_key_keeps_what_the_actor_held() {
    let f = Farm::new();
    let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "40 head");
    let bought_in = f.herd(&processor(), day(0), "Bought-in piglets", PIG, "5 head");
    let s = f.ship(&processor(), day(0), bought_in, "5 head", &coop());
    let new = key(77);
    f.ok(&coop(), day(1), Event::KeyRotated(KeyRotated { new_key: new.public() }));
    assert_eq!(f.l().actor(&new.public()).unwrap().unwrap().previous_keys, vec![coop().public()]);
    // The co-op, under its new key, ships what it registered under the old one...
    f.deliver(&new, day(2), herd, "10 head", &processor());
    let b = f.batch(herd);
    assert_eq!(b.held_by(&new.public()), Some(q("30 head")));
    assert_eq!(b.held_by(&coop().public()), None);
    // ...answers a shipment addressed to its old key...
    f.receive(&new, day(2), bought_in, s, true);
    assert_eq!(f.batch(bought_in).held_by(&new.public()), Some(q("5 head")));
    // ...and may still recall its own batch, while the old key may do nothing.
    assert_eq!(f.refused(&coop(), day(3), Farm::recall_event(herd)).rule, Rule::RevokedAuthor);
    f.ok(&new, day(3), Farm::recall_event(herd));
}

#[test]
fn an_input_cannot_be_applied_before_its_lot_existed() {
    let f = Farm::new();
    let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "40 head");
    let lot = f.lot(day(5), vet_drug("Ivermectin injection", 28, false));
    // Back-dating a treatment to before the drug was registered would shorten the withdrawal period.
    let e = f.apply(&vet(), day(1), herd, lot, None).unwrap_err();
    assert_eq!(e.rule(), Some(Rule::BadTime));
    assert!(e.to_string().contains("was registered on 2025-11-06 09:00"), "{e}");
    f.apply(&vet(), day(5), herd, lot, None).unwrap();
}

#[test]
fn labels_resolve_by_gtin_and_lot_and_by_vet_drug_code() {
    let f = Farm::new();
    let code: VetDrugCode = "202510010123400000000042".parse().unwrap();
    let lot =
        f.lot(day(0), InputLotRegistered { vet_drug_codes: vec![code.clone()], ..vet_drug("Ivermectin", 28, false) });
    assert_eq!(f.l().lot_by_vet_drug_code(&code).unwrap(), Some(lot));
    let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "4 head");
    let gtin: Gtin = "06901234567892".parse().unwrap();
    let e = Event::Transformed(Transformed {
        process: Process::Slaughter,
        inputs: vec![TransformInput { batch: herd, quantity: q("4 head") }],
        outputs: vec![TransformOutput {
            product: "Chilled pork loin".into(),
            class: MEAT,
            quantity: q("40 kg"),
            gtin: Some(gtin.clone()),
            lot: Some("L251101".parse().unwrap()),
        }],
        place: "farm".into(),
        certificates: vec![],
    });
    let out = f.ok(&coop(), day(1), e).created[0];
    assert_eq!(f.l().batch_by_gtin_lot(&gtin, &"L251101".parse().unwrap()).unwrap(), Some(out));
    // A vet-drug code scanned at application must belong to the lot.
    let other: VetDrugCode = "202510010123400000000043".parse().unwrap();
    let sows = f.herd(&coop(), day(1), "Sows", PIG, "4 head");
    let apply = |c: VetDrugCode| {
        Event::InputApplied(InputApplied {
            batch: sows,
            input: lot,
            dose: q("2 ml"),
            prescription: None,
            vet_drug_code: Some(c),
            note: String::new(),
            holding: None,
        })
    };
    assert_eq!(f.refused(&vet(), day(2), apply(other)).rule, Rule::InvalidState);
    f.ok(&vet(), day(2), apply(code));
}

#[test]
fn records_claimed_long_before_acceptance_appear_in_the_late_entry_report() {
    let f = Farm::new();
    let from = f.l().size();
    // A registration entered two days after its claimed time is late; one a minute after is not.
    let e = |p: &str| match register(&coop(), day(0), p, PIG, "4 head").body().event.clone() {
        e @ Event::BatchRegistered(_) => e,
        _ => unreachable!(),
    };
    let herd = f.submit_late(&coop(), day(0), day(2), e("Live pigs")).unwrap().created[0];
    let fresh = f.submit_late(&coop(), day(3), day(3) + 60_000, e("Live pigs, today")).unwrap().created[0];
    // A treatment is late after 15 minutes: its withdrawal then runs from its recording.
    let drug = f.lot(day(3), vet_drug("Florfenicol injection", 28, false));
    let treated = f.apply_late(&coop(), day(3) + 60_000, day(3) + 17 * 60_000, fresh, drug).index;
    let late: Vec<u64> = f.l().late_entries(from, 100).unwrap().iter().map(|e| e.index).collect();
    let herd_index = f.l().history(herd).unwrap()[0].index;
    let fresh_index = f.l().history(fresh).unwrap()[0].index;
    assert!(late.contains(&herd_index));
    assert!(!late.contains(&fresh_index));
    assert!(late.contains(&treated));
    // And a claimed time more than five minutes ahead of the node's clock is refused outright.
    f.clock.set(Time(day(4)));
    let future = register(&coop(), day(4) + 10 * 60_000, "pigs", PIG, "1 head");
    assert_eq!(f.l().append(future).unwrap_err().rule(), Some(Rule::BadTime));
}

#[test]
fn quantities_finer_than_a_batch_unit_are_counted_exactly_and_keep_the_lineage() {
    // Rice counted in tonnes, milled a few hundred grams at a time: nothing may round away, neither from the
    // books nor from a recall's reach.
    let f = Farm::new();
    let rice = f.herd(&coop(), day(0), "Paddy rice", ProductClass::Grain, "2 t");
    let milled = f.transform(
        &coop(),
        day(1),
        Process::Milling,
        &[(rice, "1 t")],
        &[("Milled rice", ProductClass::Grain, "1 t")],
    )[0];
    let sample = f.transform(
        &coop(),
        day(2),
        Process::Packing,
        &[(milled, "900 g")],
        &[("Rice sample", ProductClass::Grain, "900 g")],
    )[0];
    let b = f.batch(milled);
    assert_eq!(b.consumed, q("0.9 kg"), "900 g of a batch counted in t is 900 g consumed, not 0 t");
    assert_eq!(b.held_by(&coop().public()), Some(q("999.1 kg")));
    assert_eq!(b.consumed.base_milli() + q("999.1 kg").base_milli(), b.initial.base_milli());
    assert_eq!(b.status(), Status::Active);
    // The sample is reached from the paddy rice two transforms up, and recalling the paddy reaches it.
    let reached: Vec<BatchId> = f.l().lineage(rice, Direction::Forward).unwrap().iter().map(|r| r.batch.id).collect();
    assert_eq!(reached, vec![milled, sample]);
    let impact = f.l().recall_impact(rice).unwrap();
    assert!(impact.reached.iter().any(|r| r.batch.id == sample));
    // Using the rest, in grams, consumes the batch exactly.
    f.transform(
        &coop(),
        day(3),
        Process::Packing,
        &[(milled, "999100 g")],
        &[("Rice bags", ProductClass::Grain, "999 kg")],
    );
    let b = f.batch(milled);
    assert_eq!(b.holdings, vec![], "nothing left, nothing rounded");
    assert_eq!(b.consumed.base_milli(), b.initial.base_milli());
    assert_eq!(b.status(), Status::Consumed);
}

/// Issue 15: time and blocks a regulator can rely on.
mod time_and_blocks {
    use super::*;
    use trace_core::rules::TREATMENT_GRACE_MS;

    fn farm() -> Farm {
        Farm::with_lab_b()
    }

    fn treatment(batch: BatchId, input: BatchId, holding: Option<&SecretKey>) -> Event {
        Farm::treatment_event(batch, input, None, holding)
    }

    fn retest(batch: BatchId, of: RecordId, kind: InspectionKind, verdict: Verdict, value: u64) -> Event {
        Farm::retest_event(batch, of, ("Clenbuterol (克伦特罗)", kind), value, 0, verdict)
    }

    fn slaughter(herd: BatchId, head: &str, kg: &str) -> Event {
        Farm::transform_event(Process::Slaughter, &[(herd, head)], &[("Pork carcass", MEAT, kg)])
    }

    /// Point 1: A drug given on day 20 and claimed for day 1 counts from day 20; the claim is kept, marked late.
    #[test]
    fn a_back_dated_treatment_counts_from_its_recording_and_is_marked_late() {
        let f = farm();
        let herd = f.herd(&coop(), day(0), "Live pigs, pen A (A栏生猪)", PIG, "40 head");
        let drug = f.lot(day(0), vet_drug("Florfenicol injection (氟苯尼考注射液)", 28, false));
        // (The ledger's accepted times only move forward, so the story is told in the order it was entered.)
        // Recorded within 15 minutes, a treatment counts from its claim and is not late.
        let herd2 = f.herd(&coop(), day(0), "Live pigs, pen B", PIG, "10 head");
        let b = f.submit_late(&vet(), day(2), day(2) + TREATMENT_GRACE_MS, treatment(herd2, drug, None)).unwrap();
        assert_eq!(f.batch(herd2).withdrawals[0].until, Time(day(30)));
        assert!(!f.l().late_entries(0, 100).unwrap().iter().any(|e| e.index == b.index));
        let a = f.submit_late(&vet(), day(1), day(20), treatment(herd, drug, None)).unwrap();
        let w = f.batch(herd).withdrawals[0].clone();
        assert_eq!((w.applied, w.starts), (Time(day(1)), Time(day(20) - TREATMENT_GRACE_MS)));
        assert_eq!(w.until, Time(day(48) - TREATMENT_GRACE_MS));
        // Day 29 is when the claim alone would have let the herd go.
        let r = f.refused(&coop(), day(29), Farm::ship_event(herd, "40 head", &processor()));
        assert_eq!(r.rule, Rule::WithdrawalPeriod);
        assert!(r.facts.to_string().contains("before 2025-12-19 08:45"), "{}", r.facts);
        assert!(f.l().late_entries(0, 100).unwrap().iter().any(|e| e.index == a.index));
        let s = f.l().summary_at(herd, Time(day(29))).unwrap();
        assert!(s.inputs[0].late && s.inputs[0].binds && !s.inputs[0].withdrawal_over);
        f.ok(&coop(), day(48), Farm::ship_event(herd, "40 head", &processor()));
    }

    /// Point 1: a date without a time means the end of that day, so a 1-day pre-harvest interval sprayed "on
    /// 11-05" ends at 11-07 00:00, not 11-06 00:00.
    #[test]
    fn a_treatment_claimed_for_a_day_counts_from_the_end_of_that_day() {
        let f = farm();
        let cabbage = f.herd(&coop_b(), day(0), "Chinese cabbage (大白菜)", ProductClass::Vegetable, "5 t");
        let spray = f.lot(day(0), pesticide("Beta-cypermethrin 4.5% EC", "beta-cypermethrin", 1, false));
        let day4 = Time::parse_human("2025-11-05").unwrap();
        let body = RecordBody {
            origin: origin(),
            author: coop_b().public(),
            time: day4,
            precision: TimePrecision::Day,
            parents: vec![f.batch(cabbage).head],
            event: treatment(cabbage, spray, None),
            extensions: vec![],
        };
        f.clock.set(Time(day4.0 + 20 * 3_600_000));
        f.l().append(Record::sign(body, &coop_b())).unwrap();
        assert_eq!(f.batch(cabbage).withdrawals[0].until.display_local(), "2025-11-07 00:00");
        let harvest = Farm::transform_event(
            Process::Harvest,
            &[(cabbage, "5 t")],
            &[("Cabbage", ProductClass::Vegetable, "5 t")],
        );
        let at = |s: &str| Time::parse_human(s).unwrap().0;
        assert_eq!(f.refused(&coop_b(), at("2025-11-06T12:00"), harvest.clone()).rule, Rule::WithdrawalPeriod);
        f.ok(&coop_b(), at("2025-11-07T00:00"), harvest);
    }

    /// Point 3: Feed eaten before a recall and entered after it links the herd: the recall reaches it.
    #[test]
    fn feed_eaten_before_a_recall_and_entered_after_it_is_linked_and_recalled() {
        let f = farm();
        let feed_lot = f.lot(day(0), feed("Grower pig compound feed", &["corn"]));
        let h2 = f.herd(&coop(), day(0), "Live pigs, shed 2 (H2)", PIG, "30 head");
        f.ok(&regulator(), day(6), Farm::recall_event(feed_lot));
        f.ok(&coop(), day(7) - 3_600_000, Farm::ship_event(h2, "1 head", &processor()));
        // Entered on day 7, claimed for day 2 (before the recall and before the herd's last event): accepted.
        f.submit_late(&coop(), day(2), day(7), treatment(h2, feed_lot, None)).unwrap();
        assert_eq!(f.status(h2), Status::Recalled);
        let impact = f.l().recall_impact(feed_lot).unwrap();
        assert!(impact.reached.iter().any(|r| r.batch.id == h2), "the recall reaches H2");
        assert_eq!(f.refused(&coop(), day(8), Farm::ship_event(h2, "10 head", &processor())).rule, Rule::BatchBlocked);
        // Feeding it after the recall is refused: that is using recalled feed now.
        let h3 = f.herd(&coop(), day(7), "Live pigs, shed 3", PIG, "10 head");
        assert_eq!(f.refused(&coop(), day(7), treatment(h3, feed_lot, None)).rule, Rule::BatchBlocked);
    }

    /// Point 3: A slaughter done before a hold and entered after it: the meat exists, and is held.
    #[test]
    fn a_slaughter_before_a_hold_entered_after_it_makes_held_meat() {
        let f = farm();
        let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "20 head");
        f.deliver(&coop(), day(1), herd, "20 head", &processor());
        let hold = f.hold(day(5), herd, "quarantine papers under review").id;
        let meat = f.submit_late(&processor(), day(4), day(6), slaughter(herd, "10 head", "800 kg")).unwrap().created;
        assert_eq!(f.status(meat[0]), Status::OnHold);
        assert_eq!(f.batch(meat[0]).blocks[0].record, hold);
        // Slaughtering the rest after the hold is refused; releasing the hold frees both.
        assert_eq!(f.refused(&processor(), day(6), slaughter(herd, "10 head", "800 kg")).rule, Rule::BatchBlocked);
        f.ok(&regulator(), day(7), Farm::release_event(herd, hold));
        assert_eq!(f.status(meat[0]), Status::Active);
        // Late paperwork still cannot claim a time before the herd existed.
        let r = f.submit_late(&processor(), T0 - DAY, day(8), slaughter(herd, "1 head", "80 kg")).unwrap_err();
        assert_eq!(r.rule(), Some(Rule::BadTime));
    }

    /// Point 2: A treatment entered after the slaughter it preceded holds the meat made from treated animals.
    #[test]
    fn a_late_treatment_holds_meat_made_from_the_treated_animals_in_its_window() {
        let f = farm();
        let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "40 head");
        let drug = f.lot(day(0), vet_drug("Tilmicosin premix", 14, false));
        f.deliver(&coop(), day(3), herd, "40 head", &processor());
        let pork =
            f.transform(&processor(), day(4), Process::Slaughter, &[(herd, "40 head")], &[("Pork", MEAT, "3 t")]);
        f.deliver(&processor(), day(5), pork[0], "1 t", &market());
        let loin = f.transform(
            &processor(),
            day(5) + 7_200_000,
            Process::Packing,
            &[(pork[0], "100 kg")],
            &[("Loin", MEAT, "100 kg")],
        );
        // On day 6 the vet enters the treatment given on day 2.
        let t = f.submit_late(&vet(), day(2), day(6), treatment(herd, drug, None)).unwrap();
        for b in [pork[0], loin[0]] {
            let s = f.batch(b);
            assert_eq!(s.status(), Status::OnHold, "{b}");
            let hold = s.blocks.iter().find(|x| x.kind == BlockKind::WithdrawalBreached).expect("a breach hold");
            assert_eq!((hold.source, hold.record), (pork[0], t.id));
            assert!(
                hold.reason.contains("Tilmicosin premix") && hold.reason.contains("recorded late"),
                "{}",
                hold.reason
            );
        }
        assert_eq!(f.refused(&market(), day(7), Farm::sell_event(pork[0], "5 kg")).rule, Rule::BatchBlocked);
        // A regulator who has checked the meat releases it by naming the treatment.
        f.ok(&regulator(), day(8), Farm::release_event(pork[0], t.id));
        assert_eq!(f.status(loin[0]), Status::Active);
        // Meat made before the treatment's claimed time is not touched.
        let herd2 = f.herd(&coop(), day(0), "Live pigs, shed 2", PIG, "10 head");
        let early = f.transform(&coop(), day(1), Process::Slaughter, &[(herd2, "5 head")], &[("Pork", MEAT, "400 kg")]);
        f.submit_late(&vet(), day(2), day(6), treatment(herd2, drug, None)).unwrap();
        assert_eq!(f.status(early[0]), Status::Active);
    }

    /// Point 4: A treatment binds the holding treated: the slaughterhouse's untreated half moves on.
    #[test]
    fn a_treatment_binds_the_holding_that_was_treated() {
        let f = farm();
        let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "40 head");
        let drug = f.lot(day(0), vet_drug("Ceftiofur injection", 28, false));
        f.deliver(&coop(), day(1), herd, "20 head", &processor());
        let before =
            f.transform(&processor(), day(2), Process::Slaughter, &[(herd, "10 head")], &[("Pork A", MEAT, "800 kg")]);
        // Two holders: a vet names the holding treated.
        let r = f.refused(&vet(), day(3), treatment(herd, drug, None));
        assert!(matches!(r.facts, Facts::HoldingAmbiguous { holders: 2, .. }), "{:?}", r.facts);
        let r = f.refused(&vet(), day(3), treatment(herd, drug, Some(&market())));
        assert!(matches!(r.facts, Facts::HoldingNotHeld { .. }), "{:?}", r.facts);
        f.ok(&vet(), day(3), treatment(herd, drug, Some(&coop())));
        // The co-op's 20 wait; the slaughterhouse's 10 do not.
        assert_eq!(
            f.refused(&coop(), day(4), Farm::ship_event(herd, "20 head", &processor())).rule,
            Rule::WithdrawalPeriod
        );
        let after =
            f.transform(&processor(), day(4), Process::Slaughter, &[(herd, "10 head")], &[("Pork B", MEAT, "800 kg")]);
        assert!(f.batch(after[0]).withdrawals.is_empty());
        // The page of pork made before the treatment does not show it pending.
        let s = f.l().summary_at(before[0], Time(day(5))).unwrap();
        let i = s.inputs.iter().find(|i| i.lot == drug).expect("the herd's treatment is listed");
        assert!(!i.binds, "{i:?}");
        // After the withdrawal the co-op's pigs ship, and the treatment follows them.
        f.ok(&coop(), day(31), Farm::ship_event(herd, "20 head", &processor()));
        assert!(f.batch(herd).withdrawals[0].holders.contains(&processor().public()));
    }

    /// Point 5: Releases lift what they name; a banned substance found ends only with a re-test or a disposal.
    #[test]
    fn a_banned_finding_is_not_released_but_ends_with_a_retest_or_a_countersigned_disposal() {
        let f = farm();
        let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "40 head");
        let failed =
            f.ok(&lab(), day(6), Farm::inspect_event(herd, "Clenbuterol (克伦特罗)", 2_300, 0, Verdict::Fail)).id;
        let papers = f.hold(day(6), herd, "origin-exit certificate missing").id;
        // Releasing the paperwork hold leaves the finding.
        f.ok(&regulator(), day(7), Farm::release_event(herd, papers));
        assert_eq!(f.status(herd), Status::OnHold);
        let r = f.refused(&regulator(), day(7), Farm::release_event(herd, failed));
        assert_eq!(r.facts, Facts::BannedFindingNotReleased { batch: herd, lifts: failed });
        // A re-test: not rapid, not by the same lab, once, in time.
        let rapid = retest(herd, failed, InspectionKind::Rapid, Verdict::Pass, 0);
        assert!(matches!(f.refused(&lab_b(), day(7), rapid).facts, Facts::RetestNotAllowed { .. }));
        let same = retest(herd, failed, InspectionKind::Supervisory, Verdict::Pass, 0);
        assert!(matches!(f.refused(&lab(), day(7), same).facts, Facts::RetestNotAllowed { .. }));
        let late = retest(herd, failed, InspectionKind::Supervisory, Verdict::Pass, 0);
        let r = f.refused(&lab_b(), day(40), late);
        assert!(matches!(r.facts, Facts::RetestTooLate { .. }), "{:?}", r.facts);
        // Friday 11-07 + 5 working days ends on the 14th, + 7 for the report on the 25th (24:00).
        assert!(r.facts.to_string().contains("by 2025-11-26 00:00"), "{}", r.facts);
        let pass = retest(herd, failed, InspectionKind::Supervisory, Verdict::Pass, 0);
        f.ok(&lab_b(), day(12), pass.clone());
        assert_eq!(f.status(herd), Status::Active);
        assert!(matches!(f.refused(&lab_b(), day(12), pass).facts, Facts::RetestNotAllowed { .. }));

        // The other end: disposal of the held goods, countersigned by a regulator.
        let herd2 = f.herd(&coop(), day(0), "Live pigs, shed 2", PIG, "10 head");
        f.ok(&lab(), day(13), Farm::inspect_event(herd2, "Clenbuterol (克伦特罗)", 5_000, 0, Verdict::Fail));
        let unrelated = f.ok(&coop(), day(13), Farm::sell_event(herd, "1 head")).id;
        let disposal = f
            .ok(
                &coop(),
                day(13),
                Event::Disposed(Disposed {
                    batch: herd2,
                    quantity: q("10 head"),
                    method: "无害化处理 rendering".into(),
                }),
            )
            .id;
        let countersign = |target| Event::Countersigned(Countersigned { target, note: "witnessed".into() });
        assert_eq!(
            f.refused(&regulator(), day(13), countersign(unrelated)).facts,
            Facts::NotCountersignable { record: unrelated }
        );
        assert_eq!(f.refused(&coop(), day(13), countersign(disposal)).rule, Rule::RoleNotPermitted);
        f.ok(&regulator(), day(13), countersign(disposal));
        assert_eq!(f.refused(&regulator(), day(14), countersign(disposal)).rule, Rule::InvalidState);
        let s = f.l().summary(herd2).unwrap();
        let row = s.custody.iter().find(|c| c.kind == "Disposed").unwrap();
        assert!(row.detail.contains("countersigned by Market supervision bureau"), "{}", row.detail);
        // Nothing is left, and the page still says why it went: a finding is never quietly lifted.
        assert_eq!((f.batch(herd2).disposed, s.status), (q("10 head"), Status::OnHold));
        assert!(f.batch(herd2).holdings.is_empty());
    }
}

/// Issue 16: the substance registry as officials and labs write it.
mod registry {
    use super::*;

    fn refused_lot(f: &Farm, lot: InputLotRegistered) -> Refusal {
        f.refused(&supplier(), day(1), Event::InputLotRegistered(lot))
    }

    #[test]
    fn official_and_alias_spellings_name_only_lots_and_full_width_letters_are_caught() {
        let f = Farm::new();
        for (name, substances) in [
            ("盐酸克仑特罗预混剂", vec!["盐酸克仑特罗"]),
            ("Premix K", vec!["盐酸克伦特罗"]),
            ("瘦肉精预混料", vec![]),
            ("Premix F", vec!["ＣＬＥＮＢＵＴＥＲＯＬ"]),
            ("Premix R", vec!["Ractopamine HCl"]),
        ] {
            let r = refused_lot(&f, feed(name, &substances));
            assert_eq!(r.rule, Rule::BannedSubstance, "{name} {substances:?}");
        }
        // Word boundaries: a feed of semolina is not semicarbazide's SEM; amoxicillin is a lawful drug.
        f.lot(day(1), feed("Semolina bran", &["semolina"]));
        f.lot(day(1), vet_drug("Amoxicillin soluble powder", 7, false));
    }

    #[test]
    fn nitrofuran_metabolites_are_the_banned_parents() {
        let f = Farm::new();
        let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "40 head");
        for marker in ["AOZ", "AMOZ", "AHD", "SEM"] {
            let pass = Farm::inspect_event(herd, marker, 500, 0, Verdict::Pass);
            let r = f.refused(&lab(), day(1), pass);
            assert_eq!(r.rule, Rule::InconsistentVerdict, "a pass with {marker} detected");
        }
        // A fail on SEM at 0.5 µg/kg with a limit of 0 stands: it is nitrofurazone.
        f.ok(&lab(), day(2), Farm::inspect_event(herd, "SEM (氨基脲)", 500, 0, Verdict::Fail));
        assert_eq!(f.status(herd), Status::OnHold);
    }

    #[test]
    fn banned_pesticides_crop_restrictions_and_dates() {
        let f = Farm::new();
        // Banned outright since 2007.
        let r = refused_lot(&f, pesticide("Methamidophos 50% EC", "甲胺磷", 7, true));
        assert!(r.facts.to_string().contains("农业部公告第322号"), "{}", r.facts);
        // Chlorpyrifos: not on vegetables since 2016-12-31, lawful on rice.
        let cp = f.lot(day(0), pesticide("Chlorpyrifos 40% EC", "毒死蜱", 21, false));
        let cabbage = f.herd(&coop_b(), day(0), "Cabbage", ProductClass::Vegetable, "5 t");
        let rice = f.herd(&coop_b(), day(0), "Paddy rice", ProductClass::Grain, "10 t");
        let r = f.apply(&coop_b(), day(1), cabbage, cp, None).unwrap_err();
        match r {
            Error::Refused(r) => {
                assert!(matches!(r.facts, Facts::NotOnCrop { class: ProductClass::Vegetable, .. }), "{:?}", r.facts)
            }
            e => panic!("{e}"),
        }
        f.apply(&coop_b(), day(1), rice, cp, None).unwrap();
        // Omethoate was lawful on grain until 2026-06-01 (农业农村部公告第736号), and is banned from then.
        let om = f.lot(day(0), pesticide("Omethoate 40% EC (氧乐果)", "omethoate", 30, true));
        let maize = f.herd(&coop_b(), day(0), "Maize", ProductClass::Grain, "20 t");
        f.apply(&coop_b(), day(2), maize, om, None).unwrap();
        let june = Time::parse_human("2026-06-02").unwrap().0;
        let r = f.apply(&coop_b(), june, maize, om, None).unwrap_err();
        assert_eq!(r.rule(), Some(Rule::BannedSubstance));
        assert!(r.to_string().contains("农业农村部公告第736号"), "{r}");
        let r = f.refused(&supplier(), june, Event::InputLotRegistered(pesticide("Omethoate", "氧乐果", 30, true)));
        assert_eq!(r.rule, Rule::BannedSubstance);
    }

    #[test]
    fn a_grain_field_sprayed_with_omethoate_is_not_harvested_as_a_vegetable() {
        let f = Farm::new();
        let om = f.lot(day(0), pesticide("Omethoate 40% EC (氧乐果)", "omethoate", 1, true));
        let field = f.herd(&coop_b(), day(0), "Field 7", ProductClass::Grain, "10 t");
        f.apply(&coop_b(), day(1), field, om, None).unwrap();
        let as_veg = Farm::transform_event(
            Process::Harvest,
            &[(field, "10 t")],
            &[("Green soybeans", ProductClass::Vegetable, "9 t")],
        );
        assert_eq!(f.refused(&coop_b(), day(5), as_veg).rule, Rule::HighToxicityPesticide);
        let as_grain =
            Farm::transform_event(Process::Harvest, &[(field, "10 t")], &[("Maize", ProductClass::Grain, "9 t")]);
        let out = f.ok(&coop_b(), day(5), as_grain).created[0];
        // Milling the maize into a "vegetable" is refused the same way: every applied input travels with the goods.
        assert_eq!(f.batch(out).applied.len(), 1);
        let milled = Farm::transform_event(
            Process::Other,
            &[(out, "1 t")],
            &[("Sweet corn kernels", ProductClass::Vegetable, "1 t")],
        );
        assert_eq!(f.refused(&coop_b(), day(6), milled).rule, Rule::HighToxicityPesticide);
    }
}

/// Issue 17 (part): an input goes on what it is for.
#[test]
fn vet_drugs_go_on_animals_and_pesticides_on_crops() {
    let f = Farm::new();
    let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "10 head");
    let pork = f.transform(&coop(), day(1), Process::Slaughter, &[(herd, "2 head")], &[("Pork", MEAT, "160 kg")])[0];
    let drug = f.lot(day(0), vet_drug("Florfenicol injection", 28, false));
    let spray = f.lot(day(0), pesticide("Emamectin benzoate 5% WDG", "emamectin benzoate", 7, false));
    let cabbage = f.herd(&coop(), day(0), "Cabbage", ProductClass::Vegetable, "1 t");
    for (batch, lot) in [(pork, drug), (cabbage, drug), (herd, spray)] {
        let r = f.apply(&coop(), day(2), batch, lot, None).unwrap_err();
        match r {
            Error::Refused(r) => assert!(matches!(r.facts, Facts::InputNotForClass { .. }), "{:?}", r.facts),
            e => panic!("{e}"),
        }
    }
    f.apply(&coop(), day(2), cabbage, spray, None).unwrap();
    f.apply(&vet(), day(2), herd, drug, None).unwrap();
}

/// Findings of the review of issues 15 and 16, each now refused or fixed.
mod review_fixes {
    use super::*;

    fn farm() -> Farm {
        Farm::with_lab_b()
    }

    fn treatment(batch: BatchId, input: BatchId) -> Event {
        Farm::treatment_event(batch, input, None, None)
    }

    fn retest(batch: BatchId, of: RecordId, analyte: &str, value: u64, limit: u64, verdict: Verdict) -> Event {
        Farm::retest_event(batch, of, (analyte, InspectionKind::Supervisory), value, limit, verdict)
    }

    fn failed_clen(f: &Farm, at: u64) -> (BatchId, RecordId) {
        let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "40 head");
        let first = f.ok(&lab(), at, Farm::inspect_event(herd, "Clenbuterol", 500, 0, Verdict::Fail)).id;
        (herd, first)
    }

    #[test]
    fn a_retest_measures_the_same_analyte_by_another_lab_in_time() {
        let f = farm();
        let (herd, first) = failed_clen(&f, day(1));
        let r = f.refused(&lab_b(), day(2), retest(herd, first, "Moisture", 10, 100, Verdict::Pass));
        assert_eq!(r.facts, Facts::RetestNotAllowed { record: first, why: "other-analyte".into() });
        // The same lab under a rotated key is the same lab.
        let new = key(30);
        f.ok(&lab(), day(1) + 60_000, Event::KeyRotated(KeyRotated { new_key: new.public() }));
        let r = f.refused(&new, day(2), retest(herd, first, "Clenbuterol", 0, 0, Verdict::Pass));
        assert_eq!(r.facts, Facts::RetestNotAllowed { record: first, why: "same-lab".into() });
        // Back-dating does not reopen the window: judged at its entry.
        let late = f.submit_late(&lab_b(), day(2), day(90), retest(herd, first, "Clenbuterol", 0, 0, Verdict::Pass));
        assert!(matches!(late, Err(Error::Refused(Refusal { facts: Facts::RetestTooLate { .. }, .. }))), "{late:?}");
    }

    #[test]
    fn the_retest_deadline_counts_seven_working_days_after_the_window() {
        // Result Thu 2025-11-06; 5 working days end Thu 11-13; 7 more end Mon 11-24.
        let f = farm();
        let (herd, first) = failed_clen(&f, day(5));
        let tue = Time::parse_human("2025-11-25T12:00").unwrap().0;
        let r = f.refused(&lab_b(), tue, retest(herd, first, "Clenbuterol", 0, 0, Verdict::Pass));
        assert!(r.facts.to_string().contains("reported by 2025-11-25 00:00"), "{}", r.facts);
        let mon = Time::parse_human("2025-11-24T17:00").unwrap().0;
        f.ok(&lab_b(), mon, retest(herd, first, "Clenbuterol", 0, 0, Verdict::Pass));
    }

    #[test]
    fn a_lots_declared_kind_does_not_decide_which_ban_applies() {
        let f = farm();
        let mut l = pesticide("盐酸克仑特罗预混剂", "克仑特罗", 0, false);
        l.kind = InputKind::Pesticide;
        assert_eq!(f.refused(&supplier(), day(1), Event::InputLotRegistered(l)).rule, Rule::BannedSubstance);
        let mut m = pesticide("甲胺磷 50% EC", "methamidophos", 0, false);
        m.kind = InputKind::Fertilizer;
        assert_eq!(f.refused(&supplier(), day(1), Event::InputLotRegistered(m)).rule, Rule::BannedSubstance);
    }

    #[test]
    fn a_regulator_cannot_mint_its_own_second_signature() {
        let f = farm();
        let puppet = key(40);
        let admit_puppet = admit(&regulator(), &puppet, "Puppet", &[Role::Regulator], day(1)).body().event.clone();
        f.ok(&regulator(), day(1), admit_puppet);
        let removal = f
            .ok(
                &regulator(),
                day(2),
                Event::RegistryAdopted(RegistryAdopted {
                    removes: vec!["clenbuterol".into()],
                    ..rules::shipped_registry_adoption("x")
                }),
            )
            .id;
        let r =
            f.refused(&puppet, day(2), Event::Countersigned(Countersigned { target: removal, note: String::new() }));
        assert_eq!(r.facts, Facts::CountersignedBySelf { record: removal });
        assert!(f.l().registry_in_force().unwrap().removed.is_empty());
    }

    #[test]
    fn a_late_treatment_binds_everything_made_from_the_treated_goods() {
        let f = farm();
        let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "40 head");
        let drug = f.lot(day(0), vet_drug("Florfenicol", 28, false));
        let carcass =
            f.transform(&coop(), day(2), Process::Slaughter, &[(herd, "40 head")], &[("Carcass", MEAT, "3000 kg")])[0];
        let pork =
            f.transform(&coop(), day(3), Process::Packing, &[(carcass, "3000 kg")], &[("Pork", MEAT, "2500 kg")])[0];
        let t = f.submit_late(&vet(), day(1), day(4), treatment(herd, drug)).unwrap();
        f.ok(&regulator(), day(5), Event::Released(Released { batch: carcass, lifts: t.id, reason: "checked".into() }));
        // Released from the hold, still in the withdrawal: neither the carcass nor the pork cut from it sells.
        assert_eq!(f.refused(&coop(), day(6), Farm::sell_event(carcass, "1 kg")).rule, Rule::WithdrawalPeriod);
        assert_eq!(f.refused(&coop(), day(6), Farm::sell_event(pork, "1 kg")).rule, Rule::WithdrawalPeriod);
        assert!(f.l().summary_at(pork, Time(day(6))).unwrap().inputs.iter().any(|i| i.binds && !i.withdrawal_over));
    }

    #[test]
    fn a_late_treatment_follows_the_holder_through_a_key_rotation() {
        let f = Farm::new();
        let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "40 head");
        let drug = f.lot(day(0), vet_drug("Florfenicol", 28, false));
        let k2 = key(31);
        f.ok(&coop(), day(1) + 3_600_000, Event::KeyRotated(KeyRotated { new_key: k2.public() }));
        let carcass =
            f.transform(&k2, day(2), Process::Slaughter, &[(herd, "40 head")], &[("Carcass", MEAT, "3000 kg")])[0];
        f.submit_late(&vet(), day(1), day(4), treatment(herd, drug)).unwrap();
        assert_eq!(f.status(carcass), Status::OnHold);
        assert_eq!(f.refused(&k2, day(5), Farm::sell_event(carcass, "1 kg")).rule, Rule::BatchBlocked);
    }

    #[test]
    fn a_treatment_claimed_for_today_is_not_late() {
        let f = farm();
        let cabbage = f.herd(&coop_b(), day(0), "Cabbage", ProductClass::Vegetable, "5 t");
        let spray = f.lot(day(0), pesticide("Beta-cypermethrin", "beta-cypermethrin", 1, false));
        let d = Time::parse_human("2025-11-05").unwrap();
        let body = RecordBody {
            origin: origin(),
            author: coop_b().public(),
            time: d,
            precision: TimePrecision::Day,
            parents: vec![f.batch(cabbage).head],
            event: treatment(cabbage, spray),
            extensions: vec![],
        };
        f.clock.set(Time(d.0 + 3 * 3_600_000));
        let a = f.l().append(Record::sign(body, &coop_b())).unwrap();
        assert!(!f.l().late_entries(0, 100).unwrap().iter().any(|e| e.index == a.index));
    }

    #[test]
    fn additions_match_like_the_registry_and_pesticide_residues_go_by_their_numbers() {
        let f = farm();
        let add = RegistryAdopted { adds: vec!["sem".into(), "xz-7".into()], ..rules::shipped_registry_adoption("x") };
        f.ok(&regulator(), day(1), Event::RegistryAdopted(add));
        f.lot(day(2), feed("Semolina bran", &["semolina"]));
        let r = f.refused(&supplier(), day(2), Event::InputLotRegistered(feed("ＸＺ-7 premix", &[])));
        assert_eq!(r.rule, Rule::BannedSubstance);
        // DDT is a banned pesticide with national residue limits: a result under its limit passes.
        let tea = f.herd(&coop_b(), day(0), "Tea", ProductClass::Tea, "1 t");
        f.ok(&lab(), day(3), Farm::inspect_event(tea, "DDT (滴滴涕)", 10, 200, Verdict::Pass));
    }
}

/// Issue 17: vets sign what vets decide.
mod vets {
    use super::*;

    #[test]
    fn a_vet_treats_and_prescribes_only_where_the_holder_engaged_it() {
        let f = Farm::new();
        let drug = f.lot(day(0), vet_drug("Amoxicillin", 7, false));
        // A herd registered without the fixture's engagement: the vet is not engaged.
        let e = Event::BatchRegistered(BatchRegistered {
            product: "Sows".into(),
            class: PIG,
            commissioning: Commissioning::Herd,
            quantity: q("5 head"),
            gtin: None,
            lot: None,
            place: "farm".into(),
            identifiers: vec![],
        });
        let sows = f.ok(&coop(), day(0), e).created[0];
        let r = f.apply(&vet(), day(1), sows, drug, None).unwrap_err();
        assert!(matches!(r, Error::Refused(Refusal { facts: Facts::VetNotEngaged { .. }, .. })), "{r:?}");
        let rx = Event::Prescribed(Prescribed {
            batches: vec![sows],
            drug: "Amoxicillin".into(),
            approval_number: "兽药字(2023)150012345".into(),
            dose: q("1 box"),
            valid_until: Time(day(10)),
            note: String::new(),
        });
        assert_eq!(f.refused(&vet(), day(1), rx.clone()).rule, Rule::NotHolder);
        // Only a holder engages, and only a vet is engaged; then the vet may treat and prescribe until it ends.
        let engage = |vet: &SecretKey, until: u64| {
            Event::Engaged(Engaged { vet: vet.public(), batches: vec![sows], until: Time(until) })
        };
        assert_eq!(f.refused(&market(), day(1), engage(&vet(), day(5))).rule, Rule::RoleNotPermitted);
        assert!(matches!(f.refused(&coop(), day(1), engage(&lab(), day(5))).facts, Facts::PrescriberNotVet { .. }));
        f.ok(&coop(), day(1), engage(&vet(), day(5)));
        f.ok(&vet(), day(2), rx);
        f.apply(&vet(), day(2), sows, drug, None).unwrap();
        let r = f.apply(&vet(), day(6), sows, drug, None).unwrap_err();
        assert!(
            matches!(r, Error::Refused(Refusal { facts: Facts::VetNotEngaged { .. }, .. })),
            "the engagement ended: {r:?}"
        );
    }

    #[test]
    fn an_engagement_survives_the_holders_key_rotation() {
        let f = Farm::new();
        let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "10 head");
        let drug = f.lot(day(0), vet_drug("Amoxicillin", 7, false));
        let k2 = key(32);
        f.ok(&coop(), day(1), Event::KeyRotated(KeyRotated { new_key: k2.public() }));
        // Shipping under the new key moves the co-op's holding to it.
        f.deliver(&k2, day(1) + 60_000, herd, "1 head", &processor());
        assert!(f.batch(herd).held_by(&k2.public()).is_some());
        f.ok(&vet(), day(2), Farm::treatment_event(herd, drug, None, Some(&k2)));
    }
}

mod milk_eggs_and_screening {
    use super::*;
    use trace_core::{Measurement, Production};

    fn cows(f: &Farm) -> BatchId {
        f.herd(&coop(), day(0), "Holstein dairy cows", PIG, "20 head")
    }

    /// A drug with a 28-day meat withdrawal and the milk and egg periods given.
    fn drug(f: &Farm, name: &str, milk_hours: Option<u32>, egg_days: Option<u32>) -> BatchId {
        let periods = Periods { meat_days: 28, milk_hours, egg_days };
        f.lot(day(0), InputLotRegistered { periods, ..vet_drug(name, 28, false) })
    }

    fn produce_event(source: BatchId, process: Production, qty: &str) -> Event {
        let (product, class) = match process {
            Production::Milking => ("Raw milk", ProductClass::Dairy),
            Production::Laying => ("Eggs", ProductClass::Egg),
        };
        let output = TransformOutput { product: product.into(), class, quantity: q(qty), gtin: None, lot: None };
        Event::Produced(Produced { source, process, output })
    }

    fn produce(f: &Farm, time: u64, source: BatchId, process: Production) -> BatchId {
        f.ok(&coop(), time, produce_event(source, process, "500 l")).created[0]
    }

    fn discards(f: &Farm, b: BatchId) -> Vec<RecordId> {
        f.batch(b).blocks.iter().filter(|x| x.kind == BlockKind::Discard).map(|x| x.record).collect()
    }

    fn dispose(b: BatchId, qty: &str) -> Event {
        Event::Disposed(Disposed { batch: b, quantity: q(qty), method: "无害化处理 rendering".into() })
    }

    #[test]
    fn milk_in_the_discard_period_is_recorded_and_only_disposed_of() {
        let f = Farm::new();
        let herd = cows(&f);
        let oxytet = drug(&f, "Oxytetracycline injection", Some(72), None);
        let treated = f.apply(&vet(), day(1), herd, oxytet, None).unwrap().id;
        // The next day's milk is recorded, linked to the herd, and held for disposal only.
        let milk = produce(&f, day(2), herd, Production::Milking);
        assert_eq!(discards(&f, milk), vec![treated]);
        assert_eq!(f.batch(herd).initial, q("20 head"), "milking does not draw the herd down");
        assert_eq!(f.l().lineage(milk, Direction::Back).unwrap().first().map(|a| a.batch.id), Some(herd));
        let r = f.refused(&coop(), day(2), Farm::ship_event(milk, "500 l", &processor()));
        assert!(matches!(r.facts, Facts::Blocked { block: BlockKind::Discard, .. }), "{r}");
        assert!(matches!(f.refused(&coop(), day(2), Farm::sell_event(milk, "1 l")).facts, Facts::Blocked { .. }));
        let r = f.refused(&regulator(), day(2), Farm::release_event(milk, treated));
        assert_eq!(r.facts, Facts::DiscardNotReleased { batch: milk, lifts: treated });
        f.ok(&coop(), day(2), dispose(milk, "500 l"));
        // 72 hours after the treatment the milk goes to market, while the meat withdrawal still runs.
        let later = produce(&f, day(4) + 3_600_000, herd, Production::Milking);
        assert!(discards(&f, later).is_empty());
        f.ok(&coop(), day(5), Farm::ship_event(later, "500 l", &processor()));
        let r = f.refused(
            &coop(),
            day(5),
            Farm::transform_event(Process::Slaughter, &[(herd, "1 head")], &[("Beef", MEAT, "200 kg")]),
        );
        assert_eq!(r.rule, Rule::WithdrawalPeriod);
    }

    #[test]
    fn a_drug_without_a_milk_period_discards_milk_for_its_whole_withdrawal() {
        let f = Farm::new();
        let herd = cows(&f);
        let ivermectin = drug(&f, "Ivermectin injection", None, None);
        f.apply(&vet(), day(1), herd, ivermectin, None).unwrap();
        let milk = produce(&f, day(20), herd, Production::Milking);
        assert_eq!(discards(&f, milk).len(), 1, "day 20 of a 28-day withdrawal");
        let milk = produce(&f, day(30), herd, Production::Milking);
        assert!(discards(&f, milk).is_empty());
    }

    #[test]
    fn eggs_follow_their_flock_and_its_egg_period() {
        let f = Farm::new();
        let hens = f.herd(&coop(), day(0), "Laying hens", ProductClass::Poultry, "2000 head");
        let tetra = drug(&f, "Oxytetracycline tablets", None, Some(2));
        f.apply(&vet(), day(1), hens, tetra, None).unwrap();
        let eggs = produce(&f, day(2), hens, Production::Laying);
        assert_eq!(discards(&f, eggs).len(), 1);
        let eggs = produce(&f, day(4), hens, Production::Laying);
        assert!(discards(&f, eggs).is_empty());
        // Milking hens, or laying into milk, is refused; so is milk from nothing and milking by a transform.
        let r = f.refused(&coop(), day(4), produce_event(hens, Production::Milking, "1 l"));
        assert!(matches!(r.facts, Facts::ProductionMismatch { .. }), "{r}");
        let raw = Event::BatchRegistered(BatchRegistered {
            product: "Raw milk".into(),
            class: ProductClass::Dairy,
            commissioning: Commissioning::MilkCollection,
            quantity: q("500 l"),
            gtin: None,
            lot: None,
            place: "farm".into(),
            identifiers: vec![],
        });
        let r = f.refused(&coop(), day(4), raw.clone());
        assert_eq!(r.facts, Facts::ProduceFromHerd { class: ProductClass::Dairy });
        // A processor's milk station collects from farmers outside the ledger (issue 20 binds its suppliers).
        f.ok(&processor(), day(4), raw);
        let r = f.refused(
            &coop(),
            day(4),
            Farm::transform_event(Process::Milking, &[(hens, "1 head")], &[("Milk", ProductClass::Dairy, "1 l")]),
        );
        assert_eq!(r.facts, Facts::ProduceFromHerd { class: ProductClass::Dairy });
        // Only the holder records what its animals give.
        let r = f.refused(&coop_b(), day(4), produce_event(hens, Production::Laying, "10 kg"));
        assert_eq!(r.rule, Rule::NotHolder);
    }

    #[test]
    fn a_held_herd_s_milk_is_held_and_a_late_treatment_discards_milk_already_recorded() {
        let f = Farm::new();
        let herd = cows(&f);
        let oxytet = drug(&f, "Oxytetracycline injection", Some(72), None);
        let milk = produce(&f, day(2), herd, Production::Milking);
        // The treatment, given on day 1, is entered on day 3: the day-2 milk is discarded after all.
        let treated = f.apply_late(&coop(), day(1), day(3), herd, oxytet).id;
        assert_eq!(discards(&f, milk), vec![treated]);
        let hold = f.hold(day(6), herd, "mastitis outbreak").id;
        let held = produce(&f, day(7), herd, Production::Milking);
        assert!(f.batch(held).blocks.iter().any(|x| x.record == hold && x.kind == BlockKind::Held));
        assert!(discards(&f, held).is_empty());
    }

    #[test]
    fn withdrawal_periods_are_bounded_by_the_official_lists() {
        let f = Farm::new();
        let r = f.refused(&supplier(), day(0), Event::InputLotRegistered(vet_drug("Florfenicol", 36_500, false)));
        assert_eq!(r.rule, Rule::PeriodOutOfRange);
        assert!(matches!(r.facts, Facts::PeriodOutOfRange { value: 36_500, max: 365, .. }), "{r}");
        let milk = Periods { meat_days: 0, milk_hours: Some(2000), egg_days: None };
        let r = f.refused(
            &supplier(),
            day(0),
            Event::InputLotRegistered(InputLotRegistered { periods: milk, ..vet_drug("Intramammary", 0, false) }),
        );
        assert!(matches!(r.facts, Facts::PeriodOutOfRange { max: 1440, .. }), "{r}");
        let r =
            f.refused(&supplier(), day(0), Event::InputLotRegistered(pesticide("Buprofezin", "噻嗪酮", 400, false)));
        assert!(matches!(r.facts, Facts::PeriodOutOfRange { ref period, .. } if period == "pre-harvest interval"));
        f.lot(day(0), vet_drug("Long-acting", rules::MAX_PERIOD_DAYS, false));
    }

    #[test]
    fn a_mistaken_treatment_is_lifted_by_its_authors_correction_and_a_regulators_countersignature() {
        let f = Farm::new();
        let herd = cows(&f);
        let oxytet = drug(&f, "Oxytetracycline injection", Some(72), None);
        let treated = f.apply(&vet(), day(1), herd, oxytet, None).unwrap().id;
        let milk = produce(&f, day(2), herd, Production::Milking);
        let slaughter = || Farm::transform_event(Process::Slaughter, &[(herd, "1 head")], &[("Beef", MEAT, "200 kg")]);
        assert_eq!(f.refused(&coop(), day(3), slaughter()).rule, Rule::WithdrawalPeriod);
        let correct = |by: &SecretKey| {
            let e = Event::Correction(Correction {
                target: treated,
                reason: "recorded on the wrong herd".into(),
                corrected: "given to herd B".into(),
            });
            f.ok(by, day(3), e).id
        };
        let countersign =
            |target| Event::Countersigned(Countersigned { target, note: "checked the vet's book".into() });
        // A regulator's own correction of the vet's treatment lifts nothing: the vet says it was wrong.
        let by_regulator = correct(&regulator());
        let r = f.refused(&regulator(), day(3), countersign(by_regulator));
        assert_eq!(r.facts, Facts::NotCountersignable { record: by_regulator });
        let by_vet = correct(&vet());
        // The correction alone changes nothing; only a regulator countersigns it.
        assert_eq!(f.refused(&coop(), day(3), slaughter()).rule, Rule::WithdrawalPeriod);
        assert_eq!(f.refused(&coop(), day(3), countersign(by_vet)).rule, Rule::RoleNotPermitted);
        f.ok(&regulator(), day(3), countersign(by_vet));
        assert!(discards(&f, milk).is_empty(), "the discard is lifted with the treatment");
        f.ok(&coop(), day(3), slaughter());
        assert!(f.l().record(&treated).unwrap().is_some(), "both records stay");
    }

    fn screen(batch: BatchId, result: Measurement, verdict: Verdict) -> Event {
        Event::Inspected(Inspected {
            batch,
            sample: "KJ-0412".into(),
            analyte: "clenbuterol".into(),
            kind: InspectionKind::Rapid,
            result,
            limit_milli: None,
            unit: "µg/kg".into(),
            method: "胶体金免疫层析 colloidal gold strip".into(),
            verdict,
            retest_of: None,
        })
    }

    fn lab_test(batch: BatchId, of: RecordId, result: Measurement, verdict: Verdict) -> Event {
        Event::Inspected(Inspected {
            kind: InspectionKind::Entrusted,
            method: "GB/T 22286-2008".into(),
            retest_of: Some(of),
            ..match screen(batch, result, verdict) {
                Event::Inspected(i) => i,
                _ => unreachable!(),
            }
        })
    }

    fn pork_at_the_stall(f: &Farm) -> BatchId {
        let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "10 head");
        let cuts = f.transform(&coop(), day(1), Process::Slaughter, &[(herd, "1 head")], &[("Pork", MEAT, "80 kg")]);
        f.deliver(&coop(), day(1), cuts[0], "80 kg", &market());
        cuts[0]
    }

    #[test]
    fn a_stalls_rapid_test_positive_holds_its_pork_until_a_laboratory_test() {
        let f = Farm::new();
        let pork = pork_at_the_stall(&f);
        let positive = Measurement::Qualitative(Verdict::Fail);
        // A stall screens only what it holds, only by a rapid test or a self-test.
        let r = f.refused(&market_b(), day(2), screen(pork, positive, Verdict::Fail));
        assert_eq!(r.rule, Rule::NotHolder);
        let supervisory = match screen(pork, positive, Verdict::Fail) {
            Event::Inspected(i) => Event::Inspected(Inspected { kind: InspectionKind::Supervisory, ..i }),
            _ => unreachable!(),
        };
        assert!(matches!(f.refused(&market(), day(2), supervisory).facts, Facts::ScreeningOnly { retest: false, .. }));
        let s = f.ok(&market(), day(2), screen(pork, positive, Verdict::Fail)).id;
        let r = f.refused(&market(), day(2), Farm::sell_event(pork, "1 kg"));
        assert!(matches!(r.facts, Facts::Blocked { block: BlockKind::ScreeningPositive, .. }), "{r}");
        // The stall's own negative strip does not answer its positive; a laboratory's test does, whenever it comes.
        let r = f.refused(&market(), day(2), lab_test(pork, s, Measurement::NotDetected, Verdict::Pass));
        assert!(matches!(r.facts, Facts::ScreeningOnly { retest: true, .. }));
        f.ok(&lab(), day(40), lab_test(pork, s, Measurement::NotDetected, Verdict::Pass));
        assert_eq!(f.status(pork), Status::Active);
        f.ok(&market(), day(40), Farm::sell_event(pork, "1 kg"));
    }

    #[test]
    fn a_laboratory_confirming_a_screening_places_its_own_block() {
        let f = Farm::new();
        let pork = pork_at_the_stall(&f);
        let s = f.ok(&market(), day(2), screen(pork, Measurement::Qualitative(Verdict::Fail), Verdict::Fail)).id;
        let confirm = f.ok(&lab(), day(3), lab_test(pork, s, Measurement::Value(1_200), Verdict::Fail)).id;
        let kinds: Vec<(BlockKind, RecordId)> = f.batch(pork).blocks.iter().map(|x| (x.kind, x.record)).collect();
        assert_eq!(kinds, vec![(BlockKind::BannedSubstanceFound, confirm)]);
    }

    #[test]
    fn a_banned_analyte_fails_at_any_value_and_nothing_detected_never_fails() {
        let f = Farm::new();
        let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "10 head");
        let at = |result: Measurement, analyte: &str, verdict: Verdict| match Farm::inspect_event(
            herd, analyte, 0, 500, verdict,
        ) {
            Event::Inspected(i) => Event::Inspected(Inspected { result, ..i }),
            _ => unreachable!(),
        };
        let r = f.refused(&lab(), day(1), at(Measurement::NotDetected, "clenbuterol", Verdict::Fail));
        assert!(matches!(r.facts, Facts::FailWithinLimit { .. }), "{r}");
        f.ok(&lab(), day(1), at(Measurement::NotDetected, "clenbuterol", Verdict::Pass));
        f.ok(&lab(), day(1), at(Measurement::NotDetected, "moisture", Verdict::Pass));
        assert_eq!(f.status(herd), Status::Active);
        let fail = f.ok(&lab(), day(2), at(Measurement::Value(0), "盐酸克仑特罗", Verdict::Fail)).id;
        let b = f.batch(herd);
        assert_eq!(
            b.blocks.iter().map(|x| (x.kind, x.record)).collect::<Vec<_>>(),
            vec![(BlockKind::BannedSubstanceFound, fail)]
        );
        // Within its limit, a permitted drug's residue is no fail.
        let r = f.refused(&lab(), day(3), at(Measurement::Value(100), "florfenicol", Verdict::Fail));
        assert!(matches!(r.facts, Facts::FailWithinLimit { .. }), "{r}");
    }

    #[test]
    fn a_positive_puts_every_batch_fed_from_the_same_lots_on_the_at_risk_list() {
        let f = Farm::new();
        let feed_f = f.lot(day(0), feed("Grower feed F", &["soybean meal"]));
        let feed_g =
            f.lot(day(0), InputLotRegistered { lot: "G2510-01".parse().unwrap(), ..feed("Grower feed G", &[]) });
        let herd_a = f.herd(&coop(), day(0), "Pigs A", PIG, "10 head");
        let herd_b = f.herd(&coop(), day(0), "Pigs B", PIG, "10 head");
        let herd_c = f.herd(&coop_b(), day(0), "Pigs C", PIG, "10 head");
        for (herd, lot, k) in [(herd_a, feed_f, coop()), (herd_b, feed_f, coop()), (herd_c, feed_g, coop_b())] {
            f.ok(&k, day(1), Farm::treatment_event(herd, lot, None, None));
        }
        let pork_a =
            f.transform(&coop(), day(2), Process::Slaughter, &[(herd_a, "1 head")], &[("Pork A", MEAT, "80 kg")]);
        let pork_b =
            f.transform(&coop(), day(2), Process::Slaughter, &[(herd_b, "1 head")], &[("Pork B", MEAT, "80 kg")]);
        let cut_a =
            f.transform(&coop(), day(2), Process::Packing, &[(pork_a[0], "10 kg")], &[("Loin A", MEAT, "10 kg")]);
        assert!(f.l().at_risk_all().unwrap().is_empty(), "no positive yet");
        let fail =
            f.ok(&lab(), day(3), Farm::inspect_event(pork_a[0], "doxycycline", 500_000, 100_000, Verdict::Fail)).id;
        let all = f.l().at_risk_all().unwrap();
        assert_eq!(all.len(), 1);
        let list = &all[0];
        assert_eq!(list.source.id, pork_a[0]);
        assert_eq!(list.positives.iter().map(|e| e.record.id()).collect::<Vec<_>>(), vec![fail]);
        let named: Vec<(BatchId, BatchId, u32)> =
            list.lots.iter().flat_map(|l| l.batches.iter().map(move |r| (l.lot.id, r.batch.id, r.depth))).collect();
        // The rest of herd A and herd B, fed lot F, and herd B's pork; not herd C (lot G), nor the loin cut from
        // the positive pork, which carries its block already.
        let mut named = named;
        named.sort();
        let mut want = vec![(feed_f, herd_a, 0), (feed_f, herd_b, 0), (feed_f, pork_b[0], 1)];
        want.sort();
        assert_eq!(named, want);
        assert!(!named.iter().any(|n| n.1 == cut_a[0] || n.1 == herd_c));
        // Nothing on the list is blocked by it: it tells regulators where to sample next.
        assert_eq!(f.status(herd_b), Status::Active);
    }

    #[test]
    fn a_screening_stops_the_screeners_holding_not_the_other_stalls() {
        let f = Farm::new();
        let herd = f.herd(&coop(), day(0), "Live pigs", PIG, "10 head");
        let cuts = f.transform(&coop(), day(1), Process::Slaughter, &[(herd, "1 head")], &[("Pork", MEAT, "80 kg")]);
        let pork = cuts[0];
        f.deliver(&coop(), day(1), pork, "40 kg", &market());
        f.deliver(&coop(), day(1) + 7_200_000, pork, "40 kg", &market_b());
        f.ok(&market(), day(2), screen(pork, Measurement::Qualitative(Verdict::Fail), Verdict::Fail));
        let r = f.refused(&market(), day(2), Farm::sell_event(pork, "1 kg"));
        assert!(matches!(r.facts, Facts::Blocked { block: BlockKind::ScreeningPositive, .. }), "{r}");
        // The other stall's word is not the first stall's: its part sells until a laboratory or regulator says
        // otherwise; the page still shows the positive screening.
        f.ok(&market_b(), day(2), Farm::sell_event(pork, "1 kg"));
        assert_eq!(f.status(pork), Status::OnHold);
        // A laboratory's failure stops everyone.
        let s = f.batch(pork).blocks[0].record;
        f.ok(&lab(), day(3), lab_test(pork, s, Measurement::Value(900), Verdict::Fail));
        assert_eq!(f.refused(&market_b(), day(3), Farm::sell_event(pork, "1 kg")).rule, Rule::BatchBlocked);
    }

    #[test]
    fn no_transform_makes_milk_or_eggs_of_live_animals() {
        let f = Farm::new();
        let hens = f.herd(&coop(), day(0), "Laying hens", ProductClass::Poultry, "100 head");
        let r = f.refused(
            &coop(),
            day(1),
            Farm::transform_event(Process::Harvest, &[(hens, "1 head")], &[("Eggs", ProductClass::Egg, "10 kg")]),
        );
        assert_eq!(r.facts, Facts::ProduceFromHerd { class: ProductClass::Egg });
    }
}
