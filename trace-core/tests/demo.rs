//! The demo story (`trace_core::demo`) appended to a real ledger: every step gets the answer the story
//! expects, and the ledger ends in the state the story tells.

use trace_core::demo::{self, Cast, Expect, Story};
use trace_core::*;

use crate::common::*;

/// The story with the cast of `seed`, starting 60 days before `now`.
fn story_at(seed: u8, now: Time) -> (Cast, Story) {
    let cast = Cast::from_seed(seed);
    let story = demo::story(&cast, &origin(), demo::default_start(now)).unwrap();
    (cast, story)
}

fn story(seed: u8) -> (Cast, Story) {
    story_at(seed, Time::now())
}

#[test]
fn every_step_of_the_demo_story_gets_the_expected_answer() {
    let (cast, story) = story(1);
    let clock = StoryClock::starting_at(Time(T0));
    let t = TestLedger::on(&clock);
    let l = &t.ledger;
    let mut refused = Vec::new();
    for (i, step) in story.steps.iter().enumerate() {
        match (step.expect, demo::append_step(l, &clock, step)) {
            (Expect::Accepted, Ok(a)) => assert!(!a.duplicate, "step {i}"),
            (Expect::Refused(rule), Err(e)) => {
                assert_eq!(e.rule(), Some(rule), "step {i} ({}): {e}", step.title_en);
                refused.push(rule);
            }
            (want, got) => panic!("step {i} ({}): expected {want:?}, got {got:?}", step.title_en),
        }
        assert!(!step.title_en.is_empty() && !step.title_zh.is_empty());
    }
    // The story shows each of the food-safety rules refusing something. (A high-toxicity refusal is in the
    // scenario tests: at the story's dates every pesticide 农药管理条例 art. 34 reaches is banned outright, or a
    // fumigant, so the story sprays a crop restriction instead.)
    for rule in [
        Rule::BannedSubstance,
        Rule::PrescriptionRequired,
        Rule::WithdrawalPeriod,
        Rule::BatchBlocked,
        Rule::QuantityExceeded,
    ] {
        assert!(refused.contains(&rule), "no step shows {rule}");
    }
    l.verify_all().unwrap();

    let b = &story.batches;
    let status = |id| l.batch(id).unwrap().unwrap().status();
    assert_eq!(status(b.feed_b), Status::Recalled);
    assert_eq!(status(b.herd_b), Status::Recalled);
    assert_eq!(status(b.pork_b), Status::Recalled);
    assert_eq!(status(b.feed_a), Status::Active);
    assert_eq!(status(b.herd_a), Status::Consumed);
    assert_eq!(status(b.pork_loin), Status::Active);
    assert_eq!(status(b.field), Status::Consumed);
    assert_eq!(status(b.cabbage), Status::Active);
    let loin = l.batch(b.pork_loin).unwrap().unwrap();
    assert_eq!(loin.held_by(&cast.market.public()), Some("98 kg".parse().unwrap()));
    assert_eq!(loin.withdrawals.len(), 1, "the loin remembers its herd's treatment");

    // The recall of feed lot B reaches stall 12.
    let impact = l.recall_impact(b.feed_b).unwrap();
    let stall = impact.holders.iter().find(|h| h.holder == cast.market.public()).expect("the stall is reached");
    assert_eq!(stall.batches, vec![b.pork_b]);
    assert!(stall.name.starts_with("Stall 12, Caitun market"));

    // Trace back from the loin to the farm and its inputs; the labels resolve.
    let back: Vec<BatchId> = l.lineage(b.pork_loin, Direction::Back).unwrap().iter().map(|r| r.batch.id).collect();
    for id in [b.herd_a, b.feed_a, b.vet_drug] {
        assert!(back.contains(&id), "{id} not in the loin's lineage");
    }
    assert!(!back.contains(&b.feed_b));
    assert_eq!(l.batch_by_gtin_lot(&story.loin_gtin, &story.loin_lot).unwrap(), Some(b.pork_loin));
    assert_eq!(l.lot_by_vet_drug_code(&story.vet_drug_codes[0]).unwrap(), Some(b.vet_drug));
    // The lab's correction is on record beside the inspection it corrects.
    let inspection = l.history(b.feed_b).unwrap().into_iter().find(|e| e.record.body().event.kind() == "Inspected");
    assert_eq!(l.corrections(&inspection.unwrap().record.id()).unwrap().len(), 1);
}

#[test]
fn the_demo_story_can_be_appended_in_one_group_and_is_deterministic() {
    let now = Time::now();
    let (_, a) = story_at(2, now);
    let (_, b) = story_at(2, now);
    let ids = |s: &Story| s.steps.iter().map(|st| st.record.id()).collect::<Vec<_>>();
    assert_eq!(ids(&a), ids(&b), "same seed and start, same records");
    let (_, other) = story_at(3, now);
    assert_ne!(ids(&a), ids(&other));

    // The whole story in one group, entered at once when it is over: every record before the first treatment
    // gets its answer, and then the back-dated treatments count from their entry, so the first movement of
    // treated goods the story expects to pass is refused for its withdrawal period. Back-dating shortens
    // nothing.
    let clock = StoryClock::starting_at(a.steps.last().unwrap().accepted);
    let t = TestLedger::on(&clock);
    let outcomes = t.ledger.append_many(a.steps.iter().map(|s| s.record.clone()).collect()).unwrap();
    let first_treatment = a.steps.iter().position(|s| s.record.body().event.kind() == "InputApplied").unwrap();
    let mut first_difference = None;
    for (i, (step, out)) in a.steps.iter().zip(outcomes).enumerate() {
        let same = match step.expect {
            Expect::Accepted => out.is_ok(),
            Expect::Refused(rule) => out.as_ref().err().and_then(|e| e.rule()) == Some(rule),
        };
        if !same && first_difference.is_none() {
            first_difference = Some((i, step.expect, out.err().and_then(|e| e.rule())));
        }
    }
    let (i, expected, got) = first_difference.expect("a story entered two months late cannot go as planned");
    assert!(i > first_treatment, "step {i} differs before the first treatment ({first_treatment})");
    assert_eq!((expected, got), (Expect::Accepted, Some(Rule::WithdrawalPeriod)), "step {i}: {}", a.steps[i].title_en);
}

#[test]
fn the_demo_story_stays_within_its_stated_span() {
    let start = Time(T0);
    let story = demo::story(&Cast::generate().unwrap(), &origin(), start).unwrap();
    let last = story.steps.iter().map(|s| s.record.body().time).max().unwrap();
    assert!(last <= start.plus_days(demo::STORY_DAYS + 1), "{last}");
    assert!(last > start.plus_days(demo::STORY_DAYS), "STORY_DAYS is the day of the last step");
    assert!(demo::default_start(Time::now()).plus_days(demo::STORY_DAYS + 1) < Time::now());
}

/// The story's node stamps each record when the story says it was entered, not when the test runs: so the
/// log reads as kept on the day, with no late entries, and rules that read accepted time can be tested. Once
/// the story is over, the same ledger is stamped by the system clock.
#[test]
fn the_demo_ledger_is_stamped_by_the_story_clock_until_the_story_ends() {
    let dir = tempfile::tempdir().unwrap();
    let before = Time::now();
    let (d, _, story) = demo::install(&dir.path().join("d"), origin(), before).unwrap();
    let accepted: Vec<&demo::Step> = story.steps.iter().filter(|s| s.expect == Expect::Accepted).collect();
    assert_eq!(d.ledger.size(), accepted.len() as u64);
    for (i, step) in accepted.iter().enumerate() {
        let entry = d.ledger.entry(i as u64).unwrap();
        assert_eq!(entry.record.id(), step.record.id());
        assert_eq!(entry.accepted, step.accepted, "entry {i} ({}) stamped by the story", step.title_en);
        assert_eq!(entry.accepted.0, step.record.body().time.0 + demo::ENTRY_LAG_MS);
    }
    assert!(d.ledger.late_entries(0, 1000).unwrap().is_empty(), "the story enters every record on the day");
    assert!(d.ledger.head().last_accepted < before, "the whole story is accepted in the past");

    // After the story, the ledger follows the system clock.
    let cast = Cast::from_seed(9);
    let now = Time::now();
    let rotate = sign_event(
        &demo_key(&dir.path().join("d"), "regulator"),
        &origin(),
        now,
        Vec::new(),
        Event::KeyRotated(KeyRotated { new_key: cast.regulator.public() }),
    );
    let a = d.ledger.append(rotate).unwrap();
    assert!(a.accepted >= now, "accepted {} after the story ended, before {now}", a.accepted);
}

fn demo_key(dir: &std::path::Path, role: &str) -> SecretKey {
    read_key_file(&dir.join("keys").join(format!("{role}.key"))).unwrap()
}
