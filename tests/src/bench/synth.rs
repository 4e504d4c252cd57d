//! Synthetic ledgers with the shapes of real traffic: a regulator admits farms, vets, suppliers, a lab,
//! slaughterhouses, carriers and many market stalls; suppliers register feed lots (each fed to a few dozen
//! herds) and vaccine and antibiotic lots; then each **unit** is one herd's life: registered, its vet engaged,
//! fed from two feed lots, vaccinated by a vet, certified, shipped to a slaughterhouse, received, slaughtered into three
//! cuts, each cut shipped to a stall, received and partly sold, with a lab inspection of one cut in ten. One
//! herd in twenty is treated with an antibiotic instead and stays on the farm (its withdrawal period has not
//! ended). Units are independent of each other, so they are signed in parallel on every core, and appended
//! by several callers at once.
//!
//! Everything is deterministic for a given size and start time: keys come from fixed seeds.

use std::thread;

use sha2::{Digest, Sha256};
use trace_core::*;

/// How many people of each kind a ledger of `units` herds has.
#[derive(Debug, Clone, Copy)]
struct Population {
    farms: usize,
    vets: usize,
    suppliers: usize,
    processors: usize,
    carriers: usize,
    stalls: usize,
    labs: usize,
}

impl Population {
    fn for_units(units: usize) -> Population {
        let clamp = |n: usize, lo: usize, hi: usize| n.clamp(lo, hi);
        Population {
            farms: clamp(units / 250, 4, 250),
            vets: clamp(units / 2000, 2, 30),
            suppliers: clamp(units / 5000, 2, 12),
            processors: clamp(units / 4000, 2, 16),
            carriers: clamp(units / 2000, 2, 30),
            stalls: clamp(units / 100, 8, 600),
            labs: 3,
        }
    }
}

/// Records per unit that goes to market (see the module doc); antibiotic-treated units have 5.
pub const RECORDS_PER_UNIT: usize = 18;

/// Herds fed from one feed lot: the fan-out a feed recall reaches.
pub const HERDS_PER_FEED_LOT: usize = 25;

/// The people of a synthetic ledger, with their keys.
#[derive(Debug, Clone)]
pub struct Cast {
    /// The node operator.
    pub authority: SecretKey,
    /// The regulator who admits everyone else.
    pub regulator: SecretKey,
    farms: Vec<SecretKey>,
    vets: Vec<SecretKey>,
    suppliers: Vec<SecretKey>,
    processors: Vec<SecretKey>,
    carriers: Vec<SecretKey>,
    stalls: Vec<SecretKey>,
    labs: Vec<SecretKey>,
}

fn seeded_key(kind: &str, n: usize) -> SecretKey {
    let mut h = Sha256::new();
    h.update(b"trace/bench/key\n");
    h.update(kind.as_bytes());
    h.update((n as u64).to_le_bytes());
    SecretKey::from_seed(h.finalize().into())
}

impl Cast {
    fn new(p: Population) -> Cast {
        let many = |kind: &str, n: usize| (0..n).map(|i| seeded_key(kind, i)).collect::<Vec<_>>();
        Cast {
            authority: seeded_key("authority", 0),
            regulator: seeded_key("regulator", 0),
            farms: many("farm", p.farms),
            vets: many("vet", p.vets),
            suppliers: many("supplier", p.suppliers),
            processors: many("processor", p.processors),
            carriers: many("carrier", p.carriers),
            stalls: many("stall", p.stalls),
            labs: many("lab", p.labs),
        }
    }

    /// Every admitted key but the authority's and the regulator's, with its role and a display name.
    fn members(&self) -> Vec<(&SecretKey, Role, String)> {
        let mut out = Vec::new();
        let groups: [(&[SecretKey], Role, &str); 7] = [
            (&self.farms, Role::Coop, "Farm co-op"),
            (&self.vets, Role::Vet, "Vet"),
            (&self.suppliers, Role::Supplier, "Feed and vet-drug supplier"),
            (&self.processors, Role::Processor, "Designated slaughterhouse"),
            (&self.carriers, Role::Transporter, "Cold-chain carrier"),
            (&self.stalls, Role::Market, "Market stall"),
            (&self.labs, Role::Lab, "Testing station"),
        ];
        for (keys, role, name) in groups {
            for (i, k) in keys.iter().enumerate() {
                out.push((k, role, format!("{name} {}", i + 1)));
            }
        }
        out
    }
}

/// A generated ledger: setup records (genesis, admissions, lots), then units, each a chain of records.
#[derive(Debug)]
pub struct Synthetic {
    /// The ledger's origin.
    pub origin: Origin,
    /// Who is in it.
    pub cast: Cast,
    /// Genesis, the banned list, admissions and input lots, in order.
    pub setup: Vec<Record>,
    /// Units, each in order; units are independent of each other.
    pub units: Vec<Herd>,
    /// Feed lots (each fed to about [`HERDS_PER_FEED_LOT`] herds): the starts of forward traces and recalls.
    pub feed_lots: Vec<BatchId>,
    vaccine: BatchId,
    antibiotic: BatchId,
    start: Time,
}

/// One herd's records and the batches it made.
#[derive(Debug, Clone)]
pub struct Herd {
    /// The records, in the order they must be appended.
    pub records: Vec<Record>,
    /// The herd.
    pub herd: BatchId,
    /// Cuts that reached stalls (empty for a herd kept on the farm).
    pub cuts: Vec<BatchId>,
}

impl Synthetic {
    /// All records, setup first, then every unit in turn.
    pub fn record_count(&self) -> usize {
        self.setup.len() + self.units.iter().map(|u| u.records.len()).sum::<usize>()
    }
}

struct Ids {
    vaccine: BatchId,
    antibiotic: BatchId,
}

/// Lots and people a unit draws on.
struct Context<'a> {
    origin: &'a Origin,
    cast: &'a Cast,
    feed_lots: &'a [BatchId],
    ids: &'a Ids,
    start: Time,
}

use trace_core::Unit as Unit_;

fn q(n: u64, unit: Unit_) -> Quantity {
    Quantity::new(n, unit)
}

fn lot(kind: InputKind, name: &str, number: &str, substances: &[&str], days: u32, quantity: Quantity) -> Event {
    Event::InputLotRegistered(InputLotRegistered {
        kind,
        name: name.into(),
        approval_number: "辽饲证(2022)01001".into(),
        manufacturer: "Benxi feed mill (本溪饲料厂)".into(),
        lot: number.parse().unwrap_or_else(|_| unreachable!("lot numbers here are plain ASCII")),
        active_substances: substances.iter().map(|s| (*s).to_owned()).collect(),
        periods: trace_core::Periods::days(days),
        prescription_only: false,
        quantity,
        vet_drug_codes: Vec::new(),
        expires: None,
        made_from: vec![],
    })
}

/// Builds the setup records and `units` units, signing units on every core. Record times start at `start`
/// and advance by a few seconds per step, so a ledger built within a day of `start` has no late entries.
pub fn generate(units: usize, start: Time) -> Synthetic {
    let origin: Origin = "bench.trace.example/ledger".parse().unwrap_or_else(|_| unreachable!("a valid origin"));
    let pop = Population::for_units(units);
    let cast = Cast::new(pop);
    let mut setup = genesis_records(&cast.authority, "Bench food safety office", &origin, start);
    let sign = |k: &SecretKey, t: u64, e: Event| sign_event(k, &origin, Time(start.0 + t), Vec::new(), e);
    setup.push(sign(
        &cast.authority,
        1,
        Event::ActorAdmitted(ActorAdmitted {
            actor: cast.regulator.public(),
            name: "Market supervision bureau".into(),
            handle: "bench-regulator".parse().unwrap_or_else(|_| unreachable!("a valid handle")),
            roles: vec![Role::Regulator],
            registration: "91210503MA0REGUL".into(),
            location: "Xihu district, Benxi".into(),
            contact: None,
            departments: vec![],
            licences: vec![],
        }),
    ));
    for (i, (k, role, name)) in cast.members().into_iter().enumerate() {
        setup.push(sign(
            &cast.regulator,
            2,
            Event::ActorAdmitted(ActorAdmitted {
                actor: k.public(),
                name,
                handle: format!("bench-{i}").parse().unwrap_or_else(|_| unreachable!("a valid handle")),
                roles: vec![role],
                registration: format!("91210503MA{i:06}"),
                location: "Benxi, Liaoning (辽宁省本溪市)".into(),
                contact: None,
                departments: vec![],
                licences: vec![],
            }),
        ));
    }
    let supplier = |i: usize| &cast.suppliers[i % cast.suppliers.len()];
    let vaccine = sign(
        supplier(0),
        3,
        lot(
            InputKind::VetDrug,
            "Swine fever vaccine (猪瘟活疫苗)",
            "VAC-01",
            &["live attenuated virus"],
            0,
            q(50, Unit_::Box),
        ),
    );
    let antibiotic = sign(
        supplier(1),
        3,
        lot(
            InputKind::VetDrug,
            "Florfenicol injection (氟苯尼考注射液)",
            "FF-01",
            &["florfenicol"],
            28,
            q(50, Unit_::Box),
        ),
    );
    let ids = Ids { vaccine: BatchId::derive(&vaccine.id(), 0), antibiotic: BatchId::derive(&antibiotic.id(), 0) };
    setup.extend([vaccine, antibiotic]);
    let lots = units.div_ceil(HERDS_PER_FEED_LOT / 2).max(2);
    let mut feed_lots = Vec::with_capacity(lots);
    for n in 0..lots {
        let r = sign(
            supplier(n),
            4,
            lot(
                InputKind::Feed,
                "Grower pig compound feed (生长猪配合饲料)",
                &format!("F{n:07}"),
                &["corn", "soybean meal"],
                0,
                q(20, Unit_::T),
            ),
        );
        feed_lots.push(BatchId::derive(&r.id(), 0));
        setup.push(r);
    }
    let cx = Context { origin: &origin, cast: &cast, feed_lots: &feed_lots, ids: &ids, start };
    let herds = sign_units(&cx, 0, units);
    Synthetic {
        origin: origin.clone(),
        cast: cast.clone(),
        setup,
        units: herds,
        feed_lots,
        vaccine: ids.vaccine,
        antibiotic: ids.antibiotic,
        start,
    }
}

/// Signs units `from..to` on every core.
fn sign_units(cx: &Context<'_>, from: usize, to: usize) -> Vec<Herd> {
    let threads = thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let per = (to - from).div_ceil(threads).max(1);
    thread::scope(|s| {
        let handles: Vec<_> = (from..to)
            .step_by(per)
            .map(|a| s.spawn(move || (a..(a + per).min(to)).map(|i| unit(cx, i)).collect::<Vec<_>>()))
            .collect();
        // A signer only signs and pushes to vectors: it cannot panic.
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    })
}

/// Builds more units for the same ledger, numbered `from..from + n` (so their batches are new), for
/// appending after the ledger's own units.
pub fn more_units(s: &Synthetic, from: usize, n: usize) -> Vec<Herd> {
    let ids = Ids { vaccine: s.vaccine, antibiotic: s.antibiotic };
    let cx = Context { origin: &s.origin, cast: &s.cast, feed_lots: &s.feed_lots, ids: &ids, start: s.start };
    sign_units(&cx, from, from + n)
}

/// Tracks the head of each batch a unit touches, so each record names the right parents.
struct Chain<'a> {
    origin: &'a Origin,
    records: Vec<Record>,
    time: u64,
}

impl Chain<'_> {
    fn push(&mut self, key: &SecretKey, parents: Vec<RecordId>, event: Event) -> RecordId {
        self.time += 7_000;
        let r = sign_event(key, self.origin, Time(self.time), parents, event);
        let id = r.id();
        self.records.push(r);
        id
    }
}

/// Unit `i`: one herd from registration to three stalls (see the module doc).
fn unit(cx: &Context<'_>, i: usize) -> Herd {
    let c = cx.cast;
    let pick = |keys: &'_ [SecretKey], salt: usize| -> SecretKey {
        keys[(i.wrapping_mul(2_654_435_761).wrapping_add(salt * 40_503)) % keys.len()].clone()
    };
    let farm = pick(&c.farms, 0);
    let vet = pick(&c.vets, 1);
    let processor = pick(&c.processors, 2);
    let carrier = pick(&c.carriers, 3);
    let lab = pick(&c.labs, 4);
    // Units are spread over the day before `start + 1 h`, so that every claimed time is in the past.
    let mut ch = Chain { origin: cx.origin, records: Vec::with_capacity(RECORDS_PER_UNIT), time: cx.start.0 + 60_000 };
    let herd_reg = ch.push(
        &farm,
        vec![],
        Event::BatchRegistered(BatchRegistered {
            product: format!("Live pigs, shed {} (三元杂交商品猪)", i % 40 + 1),
            class: ProductClass::Livestock,
            commissioning: Commissioning::Herd,
            quantity: q(30 + (i % 20) as u64, Unit_::Head),
            gtin: None,
            lot: None,
            place: format!("Hetao village farm {} (河套村)", i % 97),
            identifiers: vec![],
        }),
    );
    let herd = BatchId::derive(&herd_reg, 0);
    let head_count = 30 + (i % 20) as u64;
    let lots = cx.feed_lots;
    // Each feed lot feeds about HERDS_PER_FEED_LOT herds: herd i eats from lots i/12 and i/12 + 1 (mod).
    let feed1 = lots[(i / (HERDS_PER_FEED_LOT / 2)) % lots.len()];
    let feed2 = lots[(i / (HERDS_PER_FEED_LOT / 2) + 1) % lots.len()];
    let apply = |input: BatchId, dose: Quantity, note: &str| {
        Event::InputApplied(InputApplied {
            batch: herd,
            input,
            dose,
            prescription: None,
            vet_drug_code: None,
            note: note.into(),
            holding: None,
        })
    };
    // The farm engages its vet for the herd: only an engaged vet treats it.
    let until = Time(cx.start.0 + 3650 * 86_400_000);
    let engaged =
        ch.push(&farm, vec![herd_reg], Event::Engaged(Engaged { vet: vet.public(), batches: vec![herd], until }));
    let mut head = ch.push(&farm, vec![engaged], apply(feed1, q(400, Unit_::Kg), "daily ration"));
    head = ch.push(&farm, vec![head], apply(feed2, q(380, Unit_::Kg), "daily ration"));
    if i % 20 == 19 {
        // Treated with an antibiotic: the withdrawal period keeps it on the farm.
        ch.push(&vet, vec![head], apply(cx.ids.antibiotic, q(20, Unit_::Ml), "respiratory infection, 20 ml i.m."));
        return Herd { records: ch.records, herd, cuts: Vec::new() };
    }
    head = ch.push(&vet, vec![head], apply(cx.ids.vaccine, q(2, Unit_::Ml), "swine fever vaccination"));
    let cert = format!("HG-{i:08}");
    head = ch.push(
        &farm,
        vec![head],
        Event::Certified(Certified {
            batches: vec![herd],
            kind: CertKind::OriginExit,
            number: cert.clone(),
            issuer: Party::Member(farm.public()),
            valid_from: Time(ch.time),
            valid_until: Time(ch.time + 3 * 86_400_000),
            promises: vec!["不使用禁用药物".into(), "No banned substances".into()],
        }),
    );
    let ship = |batch: BatchId, quantity: Quantity, to: &SecretKey, doc: String| {
        Event::Shipped(Shipped {
            batch,
            quantity,
            to: Party::Member(to.public()),
            from_place: "Hetao village".into(),
            to_place: "Caitun market".into(),
            document: doc,
            carrier: Some(carrier.public()),
            certificates: vec![],
        })
    };
    let shipment = ch.push(&farm, vec![head], ship(herd, q(head_count, Unit_::Head), &processor, cert.clone()));
    let receive = |batch: BatchId, shipment: RecordId, _certificate_number: String| {
        Event::Received(Received {
            batch,
            shipment,
            accepted: true,
            checked: vec![],
            note: "purchase inspection passed".into(),
        })
    };
    head = ch.push(&processor, vec![shipment], receive(herd, shipment, cert));
    let cuts = ["Chilled pork loin (冷鲜猪里脊)", "Chilled pork belly (冷鲜五花肉)", "Chilled pork leg (冷鲜后腿肉)"];
    let slaughter = ch.push(
        &processor,
        vec![head],
        Event::Transformed(Transformed {
            process: Process::Slaughter,
            inputs: vec![TransformInput { batch: herd, quantity: q(head_count, Unit_::Head) }],
            outputs: cuts
                .iter()
                .map(|p| TransformOutput {
                    product: (*p).into(),
                    class: ProductClass::Meat,
                    quantity: q(head_count * 20, Unit_::Kg),
                    gtin: None,
                    lot: None,
                })
                .collect(),
            place: "Xihu designated slaughterhouse".into(),
            certificates: vec![],
        }),
    );
    let cut_ids: Vec<BatchId> = (0..3).map(|n| BatchId::derive(&slaughter, n)).collect();
    for (n, cut) in cut_ids.iter().enumerate() {
        let stall = pick(&c.stalls, 5 + n);
        let mut head = slaughter;
        if n == 0 && i % 10 == 0 {
            head = ch.push(
                &lab,
                vec![head],
                Event::Inspected(Inspected {
                    batch: *cut,
                    sample: format!("XH-{i:08}"),
                    analyte: "clenbuterol (克伦特罗)".into(),
                    result: trace_core::Measurement::Value(0),
                    limit_milli: Some(0),
                    unit: "µg/kg".into(),
                    method: "GB/T 22286-2008 (LC-MS/MS)".into(),
                    verdict: Verdict::Pass,
                    kind: trace_core::InspectionKind::Supervisory,
                    retest_of: None,
                }),
            );
        }
        let doc = format!("WB-{i:08}-{n}");
        let s = ch.push(&processor, vec![head], ship(*cut, q(60, Unit_::Kg), &stall, doc.clone()));
        let r = ch.push(&stall, vec![s], receive(*cut, s, doc));
        ch.push(
            &stall,
            vec![r],
            Event::Sold(Sold { batch: *cut, quantity: q(2 + (i % 5) as u64, Unit_::Kg), buyer: None }),
        );
    }
    Herd { records: ch.records, herd, cuts: cut_ids }
}
