//! Which order each view uses (issue 14): the log and each batch's chain are in log order; every view for
//! people (histories, the public summary, EPCIS documents) is in claimed-time order, with late entries marked.
//! A story clock sets acceptance, so a late entry can be made on purpose.

use std::sync::Arc;

use trace_core::*;

use crate::common::*;

fn feed_lot() -> Event {
    Event::InputLotRegistered(InputLotRegistered {
        kind: InputKind::Feed,
        name: "Grower feed".into(),
        approval_number: "辽饲证(2022)01001".into(),
        manufacturer: "Benxi feed mill".into(),
        lot: "F2510-07".parse().unwrap(),
        active_substances: vec![],
        periods: trace_core::Periods::days(0),
        prescription_only: false,
        quantity: "20 t".parse().unwrap(),
        vet_drug_codes: vec![],
        expires: None,
        made_from: vec![],
    })
}

#[test]
fn views_for_people_are_in_claimed_time_order_with_late_entries_marked() {
    let dir = tempfile::tempdir().unwrap();
    let clock = StoryClock::starting_at(Time(T0));
    let store: Arc<dyn Store> = Arc::new(SledStore::open(dir.path()).unwrap());
    let l = Ledger::with_clock(store, origin(), clock.clock()).unwrap();
    let append = |accepted: u64, r: Record| {
        clock.set(Time(accepted));
        l.append(r).unwrap()
    };
    for r in founding() {
        append(T0, r);
    }
    // Day 0: the feed lot; day 1: the herd; day 2: the herd eats the feed.
    let lot = append(T0 + 1000, sign(&supplier(), T0 + 1000, vec![], feed_lot()));
    let feed = lot.created[0];
    let herd = append(T0 + DAY, register(&coop(), T0 + DAY, "Live pigs", ProductClass::Livestock, "40 head"));
    let pigs = herd.created[0];
    let fed = append(
        T0 + 2 * DAY,
        sign(
            &coop(),
            T0 + 2 * DAY,
            vec![herd.id],
            Event::InputApplied(InputApplied {
                batch: pigs,
                input: feed,
                dose: "500 kg".parse().unwrap(),
                prescription: None,
                vet_drug_code: None,
                note: String::new(),
                holding: None,
            }),
        ),
    );
    // Entered on day 6: the lab sampled the feed on day 1 (before the herd ate it).
    let sampled = T0 + DAY + 3_600_000;
    let inspection = append(
        T0 + 6 * DAY,
        sign(
            &lab(),
            sampled,
            vec![lot.id],
            Event::Inspected(Inspected {
                batch: feed,
                sample: "S-1".into(),
                analyte: "aflatoxin B1".into(),
                result: trace_core::Measurement::Value(2_000),
                limit_milli: Some(20_000),
                unit: "µg/kg".into(),
                method: "GB 5009.22".into(),
                verdict: Verdict::Pass,
                kind: trace_core::InspectionKind::Supervisory,
                retest_of: None,
            }),
        ),
    );
    assert!(inspection.index > fed.index, "the late inspection comes after the feeding in the log");
    let late = l.entry(inspection.index).unwrap();
    assert!(late.is_late() && !l.entry(fed.index).unwrap().is_late());
    assert_eq!(l.late_entries(0, 10).unwrap().iter().map(|e| e.index).collect::<Vec<_>>(), [inspection.index]);

    // The EPCIS entries of the herd's lineage, and the herd's public summary, put the inspection where its claim
    // puts it: after the herd was registered, before it was fed.
    let order = |ids: Vec<RecordId>| {
        let want = [herd.id, inspection.id, fed.id];
        ids.into_iter().filter(|i| want.contains(i)).collect::<Vec<_>>()
    };
    let entries = l.lineage_entries(pigs).unwrap();
    assert_eq!(order(entries.iter().map(|e| e.record.id()).collect()), [herd.id, inspection.id, fed.id]);
    let times: Vec<Time> = entries.iter().map(|e| e.record.body().time).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "claimed times never go back: {times:?}");
    let doc = epcis::document(&l, &entries, "https://trace.example", Time(T0 + 7 * DAY)).unwrap();
    let event_times: Vec<String> = doc["epcisBody"]["eventList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventTime"].as_str().unwrap().to_owned())
        .collect();
    assert!(event_times.len() >= 3, "{event_times:?}");
    let parsed: Vec<Time> = event_times.iter().map(|t| Time::parse_human(t).unwrap()).collect();
    assert!(parsed.windows(2).all(|w| w[0] <= w[1]), "EPCIS events in eventTime order: {event_times:?}");

    let summary = l.summary_at(pigs, Time(T0 + 7 * DAY)).unwrap();
    assert_eq!(order(summary.records.iter().map(|(_, id)| *id).collect()), [herd.id, inspection.id, fed.id]);

    // A batch's own history is in claimed-time order too, and each row says whether it was entered late.
    let history = l.history_view(feed).unwrap();
    assert_eq!(history.iter().map(|v| v.entry.record.id()).collect::<Vec<_>>(), [lot.id, inspection.id]);
    assert_eq!(history.iter().map(|v| v.entry.is_late()).collect::<Vec<_>>(), [false, true]);
}
