//! The demo story of the seed work plan (溪湖区2017年食品安全重点工作安排), as signed records: a pure builder
//! with no I/O, used by `trace demo`, the node's `--demo` and the tests.
//!
//! [`story`] takes a [`Cast`] of keys, the ledger's origin and a start time and returns [`Step`]s in order, each
//! a record and what the ledger must answer ([`Expect`]). Because each event must name the current heads of
//! the batches it acts on, the builder tracks heads itself from the records it builds (a refused step moves no
//! head) and derives new batch ids with [`BatchId::derive`], so the story can be built before anything is
//! appended and appended in one group or step by step.
//!
//! The story: the district food-safety office opens the ledger and loads the banned list; a regulator admits a
//! pig co-op, a vet, a supplier, a lab, a slaughterhouse, a transporter and a market stall. The supplier
//! registers a prescription-only vet drug (28-day withdrawal, 24-digit codes), two feed lots and pesticides,
//! and is refused a lean-meat premix. Herd A is fed and treated by the vet (a co-op's own attempt without a
//! prescription is refused); a high-toxicity pesticide on cabbage is refused and an early harvest too. Herd B,
//! fed from feed lot B, goes to slaughter and its pork to the stall. On day 12 the co-op's attempt to slaughter
//! herd A (day 10 of its withdrawal period) is refused. On day 14 the lab finds clenbuterol in feed lot B:
//! the lot, herd B and the pork at the stall are held and the stall cannot sell it; the regulator recalls the
//! lot, the slaughterhouse destroys what it still holds, and the recall's reach shows the stall. On day 31, after the withdrawal period, herd A gets its origin-exit
//! and quarantine certificates, goes to the slaughterhouse, passes purchase inspection, and becomes pork loin
//! with a GTIN and lot (so its label is a GS1 Digital Link) and pork belly; the stall receives and sells loin,
//! and is refused selling more than it holds. The drug and dose figures are illustrative.

use sha2::{Digest, Sha256};

use std::collections::HashMap;

use crate::clock::StoryClock;
use crate::error::{ParseError, Rule};
use crate::event::*;
use crate::ids::{BatchId, RecordId};
use crate::keys::SecretKey;
use crate::record::{Record, sign_event};
use crate::rules::shipped_registry_adoption;
use crate::shared::{CertRef, Department, ExternalCert, Measurement, OutsideParty, Party, Periods};
use crate::values::{Gtin, Handle, InputKind, Origin, ProductClass, Quantity, Role, Time, Unit, VetDrugCode};

/// How many days after its start the story's last record is claimed: start the story at least this long
/// (plus a day) before now, or the ledger refuses the later records as claimed in the future.
pub const STORY_DAYS: u32 = 33;

/// The latest start at which the whole story, entry lags included, is over by `now`: the story clock stamps
/// each step when the story says, so a later start would leave the ledger's accepted times in the future.
pub fn latest_start(now: Time) -> Time {
    Time(now.0.saturating_sub(u64::from(STORY_DAYS + 1) * 86_400_000 + ENTRY_LAG_MS))
}

/// A start time that puts the whole story in the past: 60 days before `now`.
pub fn default_start(now: Time) -> Time {
    Time(now.0.saturating_sub(60 * 86_400_000))
}

/// The keys of everyone in the story.
#[derive(Debug, Clone)]
pub struct Cast {
    /// The node operator: the district food-safety office (区食安办).
    pub authority: SecretKey,
    /// The market supervision bureau (区市场监督管理局).
    pub regulator: SecretKey,
    /// The pig co-op, which also grows vegetables.
    pub coop: SecretKey,
    /// The co-op's vet.
    pub vet: SecretKey,
    /// The vet-drug, feed and pesticide supplier.
    pub supplier: SecretKey,
    /// The district testing station.
    pub lab: SecretKey,
    /// The designated slaughterhouse.
    pub processor: SecretKey,
    /// The cold-chain carrier.
    pub transporter: SecretKey,
    /// A market stall.
    pub market: SecretKey,
}

impl Cast {
    /// Fresh random keys.
    pub fn generate() -> Result<Cast, std::io::Error> {
        Ok(Cast {
            authority: SecretKey::generate()?,
            regulator: SecretKey::generate()?,
            coop: SecretKey::generate()?,
            vet: SecretKey::generate()?,
            supplier: SecretKey::generate()?,
            lab: SecretKey::generate()?,
            processor: SecretKey::generate()?,
            transporter: SecretKey::generate()?,
            market: SecretKey::generate()?,
        })
    }

    /// Deterministic keys: each is SHA-256 of a tag, `seed` and the member's position. The same seed gives the
    /// same keys, so the same start time gives the same records. For demos and tests only.
    pub fn from_seed(seed: u8) -> Cast {
        let key = |n: u8| {
            let mut h = Sha256::new();
            h.update(b"trace/v1/demo-cast\n");
            h.update([seed, n]);
            SecretKey::from_seed(h.finalize().into())
        };
        Cast {
            authority: key(0),
            regulator: key(1),
            coop: key(2),
            vet: key(3),
            supplier: key(4),
            lab: key(5),
            processor: key(6),
            transporter: key(7),
            market: key(8),
        }
    }

    /// Everyone with their display names (English, Chinese) and role, authority first.
    pub fn members(&self) -> Vec<(&SecretKey, &'static str, &'static str, Role)> {
        vec![
            (&self.authority, "Xihu district food safety office", "溪湖区食安办", Role::Authority),
            (&self.regulator, "Xihu market supervision bureau", "溪湖区市场监督管理局", Role::Regulator),
            (&self.coop, "Xihu pig and vegetable co-op", "溪湖区生猪蔬菜合作社", Role::Coop),
            (&self.vet, "Dr Wang, co-op vet", "王兽医", Role::Vet),
            (&self.supplier, "Benxi vet drug and feed supplies", "本溪兽药饲料经营部", Role::Supplier),
            (&self.lab, "District agri-food testing station", "区农产品质量安全检测站", Role::Lab),
            (&self.processor, "Xihu designated slaughterhouse", "溪湖区定点屠宰场", Role::Processor),
            (&self.transporter, "Benxi cold-chain logistics", "本溪冷链物流", Role::Transporter),
            (&self.market, "Stall 12, Caitun market", "彩屯市场12号摊位", Role::Market),
        ]
    }
}

/// What the ledger must answer to a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Appended.
    Accepted,
    /// Refused under this rule.
    Refused(Rule),
}

/// One step of the story.
#[derive(Debug, Clone)]
pub struct Step {
    /// What happens, in English.
    pub title_en: String,
    /// What happens, in Chinese.
    pub title_zh: String,
    /// The signed record.
    pub record: Record,
    /// The ledger's answer.
    pub expect: Expect,
    /// When the story's node accepts it: [`ENTRY_LAG_MS`] after its claimed time.
    pub accepted: Time,
}

/// How long after the event the story's actors enter each record: ten minutes, well inside the late-entry
/// threshold, so that the story's log reads as kept on the day.
pub const ENTRY_LAG_MS: u64 = 10 * 60_000;

/// The batches and lots of the story, for showing them afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryBatches {
    /// The prescription-only vet drug lot.
    pub vet_drug: BatchId,
    /// Feed lot A (clean).
    pub feed_a: BatchId,
    /// Feed lot B, in which the lab finds clenbuterol; recalled.
    pub feed_b: BatchId,
    /// The ordinary pesticide lot.
    pub pesticide: BatchId,
    /// Herd A: treated, slaughtered after its withdrawal period.
    pub herd_a: BatchId,
    /// Herd B: fed from feed lot B.
    pub herd_b: BatchId,
    /// The cabbage field.
    pub field: BatchId,
    /// The harvested cabbage.
    pub cabbage: BatchId,
    /// Pork from herd B: held and recalled at the stall.
    pub pork_b: BatchId,
    /// Pork loin from herd A, with a GTIN and lot: sold at the stall.
    pub pork_loin: BatchId,
    /// Pork belly from herd A.
    pub pork_belly: BatchId,
}

/// The whole story.
#[derive(Debug, Clone)]
pub struct Story {
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// Its batches.
    pub batches: StoryBatches,
    /// The GTIN of the pork loin.
    pub loin_gtin: Gtin,
    /// The lot of the pork loin.
    pub loin_lot: crate::values::Lot,
    /// The vet-drug codes printed on the drug's packages.
    pub vet_drug_codes: Vec<VetDrugCode>,
}

/// Builds records and keeps the heads of the batches they act on.
struct Builder<'a> {
    origin: &'a Origin,
    start: Time,
    heads: HashMap<BatchId, RecordId>,
    steps: Vec<Step>,
}

impl Builder<'_> {
    /// `day` days and `minutes` minutes after the start.
    fn at(&self, day: u32, minutes: u32) -> Time {
        Time(self.start.0 + u64::from(day) * 86_400_000 + u64::from(minutes) * 60_000)
    }

    /// Signs `event` naming the current heads of what it acts on, records the step, and (when the step is
    /// expected to be accepted) moves those heads to it and starts the heads of the batches it creates.
    /// Returns the record's id: output `n` of it is the batch `BatchId::derive(&id, n)`.
    fn step(
        &mut self,
        key: &SecretKey,
        time: Time,
        event: Event,
        expect: Expect,
        title_en: &str,
        title_zh: &str,
    ) -> RecordId {
        let parents: Vec<RecordId> = match &event {
            Event::Correction(c) => vec![c.target],
            e => e.acted_on().iter().filter_map(|b| self.heads.get(b).copied()).collect(),
        };
        let created = match &event {
            Event::BatchRegistered(_) | Event::InputLotRegistered(_) => 1,
            Event::Transformed(t) => t.outputs.len(),
            _ => 0,
        };
        let acted = event.acted_on();
        let record = sign_event(key, self.origin, time, parents, event);
        let id = record.id();
        if expect == Expect::Accepted {
            for b in acted {
                self.heads.insert(b, id);
            }
            for n in 0..u32::try_from(created).unwrap_or(u32::MAX) {
                self.heads.insert(BatchId::derive(&id, n), id);
            }
        }
        let accepted = Time(time.0.saturating_add(ENTRY_LAG_MS));
        self.steps.push(Step { title_en: title_en.into(), title_zh: title_zh.into(), record, expect, accepted });
        id
    }

    fn ok(&mut self, key: &SecretKey, time: Time, event: Event, en: &str, zh: &str) -> RecordId {
        self.step(key, time, event, Expect::Accepted, en, zh)
    }

    /// An accepted registration: the id of the batch or lot it creates.
    fn new_batch(&mut self, key: &SecretKey, time: Time, event: Event, en: &str, zh: &str) -> BatchId {
        BatchId::derive(&self.ok(key, time, event, en, zh), 0)
    }

    fn no(&mut self, rule: Rule, key: &SecretKey, time: Time, event: Event, en: &str, zh: &str) {
        self.step(key, time, event, Expect::Refused(rule), en, zh);
    }
}

fn kg(n: u64) -> Quantity {
    Quantity::new(n, Unit::Kg)
}

fn head(n: u64) -> Quantity {
    Quantity::new(n, Unit::Head)
}

fn input_lot(
    kind: InputKind,
    name: &str,
    approval: &str,
    manufacturer: &str,
    lot: &str,
    substances: &[&str],
    days: u32,
) -> Result<InputLotRegistered, ParseError> {
    Ok(InputLotRegistered {
        kind,
        name: name.into(),
        approval_number: approval.into(),
        manufacturer: manufacturer.into(),
        lot: lot.parse()?,
        active_substances: substances.iter().map(|s| (*s).to_owned()).collect(),
        periods: Periods::days(days),
        prescription_only: false,
        quantity: Quantity::new(1, Unit::T),
        vet_drug_codes: Vec::new(),
        expires: None,
        made_from: Vec::new(),
    })
}

fn shipped(
    batch: BatchId,
    quantity: Quantity,
    to: &SecretKey,
    carrier: Option<&SecretKey>,
    from: &str,
    dest: &str,
    doc: &str,
) -> Event {
    Event::Shipped(Shipped {
        batch,
        quantity,
        to: Party::Member(to.public()),
        from_place: from.into(),
        to_place: dest.into(),
        document: doc.into(),
        carrier: carrier.map(SecretKey::public),
        certificates: Vec::new(),
    })
}

fn received(batch: BatchId, shipment: RecordId, checked: Vec<CertRef>, note: &str) -> Event {
    Event::Received(Received { batch, shipment, accepted: true, checked, note: note.into() })
}

/// A meat quarantine certificate (动物检疫合格证明（产品B）) from the provincial system, as a stall checks it.
fn meat_quarantine(number: &str) -> CertRef {
    CertRef::External(ExternalCert {
        kind: CertKind::QuarantineProductB,
        number: number.into(),
        issuer: "Xihu animal health supervision office (溪湖区动物卫生监督所)".into(),
        valid_until: None,
    })
}

fn applied(batch: BatchId, input: BatchId, dose: Quantity, code: Option<VetDrugCode>, note: &str) -> Event {
    Event::InputApplied(InputApplied {
        batch,
        input,
        dose,
        prescription: None,
        vet_drug_code: code,
        note: note.into(),
        holding: None,
    })
}

fn certified(
    issuer: &SecretKey,
    batch: BatchId,
    kind: CertKind,
    number: &str,
    from: Time,
    days: u32,
    promises: &[&str],
) -> Event {
    Event::Certified(Certified {
        batches: vec![batch],
        kind,
        number: number.into(),
        issuer: Party::Member(issuer.public()),
        valid_from: from,
        valid_until: from.plus_days(days),
        promises: promises.iter().map(|p| (*p).to_owned()).collect(),
    })
}

/// The school canteen the stall supplies: a buyer outside the ledger.
fn canteen() -> Party {
    Party::Outside(OutsideParty {
        name: "Xihu No. 2 school canteen (溪湖区第二中学食堂)".into(),
        credit_code: Some("12210503MB1234567C".into()),
        certificates: Vec::new(),
        person: None,
    })
}

fn output(product: &str, class: ProductClass, quantity: Quantity) -> TransformOutput {
    TransformOutput { product: product.into(), class, quantity, gtin: None, lot: None }
}

/// Builds the story for `cast` on the ledger `origin`, starting at `start`. Fails only if `start` is outside
/// the years 2000-2099 (the vet-drug codes carry a date).
pub fn story(cast: &Cast, origin: &Origin, start: Time) -> Result<Story, ParseError> {
    let mut b = Builder { origin, start, heads: HashMap::new(), steps: Vec::new() };
    let c = cast;
    let place_farm = "Hetao village, Xihu district (河套村)";
    let place_plant = "Xihu designated slaughterhouse, Caitun (彩屯)";
    let place_stall = "Caitun market, stall 12";

    // Day 0: the ledger opens and everyone joins.
    let members = c.members();
    let admit = |n: usize, k: &SecretKey, name: &str, zh: &str, role: Role| {
        let government = matches!(role, Role::Authority | Role::Regulator);
        Event::ActorAdmitted(ActorAdmitted {
            actor: k.public(),
            name: format!("{name} ({zh})"),
            handle: Handle::known(format!("xihu-{}", role.as_str())),
            roles: if role == Role::Authority { vec![Role::Authority, Role::Regulator] } else { vec![role] },
            departments: if government { vec![Department::Market, Department::Agriculture] } else { Vec::new() },
            registration: format!("91210503MA0{n:02}XIHU"),
            location: "Xihu district, Benxi, Liaoning (辽宁省本溪市溪湖区)".into(),
            licences: Vec::new(),
            contact: None,
        })
    };
    let genesis = admit(0, &c.authority, members[0].1, members[0].2, Role::Authority);
    b.ok(&c.authority, b.at(0, 0), genesis, "The district food safety office opens the ledger", "区食安办开通追溯账本");
    let banned = Event::RegistryAdopted(shipped_registry_adoption(
        "农业农村部公告第250号 (list of substances banned in food animals), as shipped",
    ));
    b.ok(&c.authority, b.at(0, 0), banned, "The banned-substance list is loaded", "载入食品动物禁用物质清单");
    for (i, (k, name, zh, role)) in members.iter().enumerate().skip(1) {
        let by = if *role == Role::Regulator { &c.authority } else { &c.regulator };
        let t = b.at(0, u32::try_from(i).unwrap_or(0));
        b.ok(by, t, admit(i, k, name, zh, *role), &format!("Admit {name} as {role}"), &format!("接纳{zh}（{role}）"));
    }

    // The supplier's lots.
    let prod_date = Time(start.0.saturating_sub(30 * 86_400_000)).display_date().replace('-', "");
    let codes: Vec<VetDrugCode> =
        (1..=3).map(|n| format!("{prod_date}15001{n:011}").parse()).collect::<Result<_, _>>()?;
    let mut drug = input_lot(
        InputKind::VetDrug,
        "Florfenicol injection (氟苯尼考注射液)",
        "兽药字(2023)150012345",
        "Liaoning animal pharma (辽宁动物药业)",
        &format!("VD{prod_date}"),
        &["florfenicol"],
        28,
    )?;
    drug.prescription_only = true;
    drug.quantity = Quantity::new(3, Unit::Box);
    drug.vet_drug_codes = codes.clone();
    drug.expires = Some(start.plus_days(700));
    let t = b.at(0, 30);
    let vet_drug = b.new_batch(
        &c.supplier,
        t,
        Event::InputLotRegistered(drug),
        "The supplier registers a prescription-only vet drug: 28-day withdrawal, 24-digit codes",
        "经营部登记兽用处方药：休药期28日，兽药追溯码",
    );
    let feed = |lot: &str, name: &str| {
        input_lot(
            InputKind::Feed,
            name,
            "辽饲证(2022)01001",
            "Benxi feed mill (本溪饲料厂)",
            lot,
            &["corn", "soybean meal"],
            0,
        )
    };
    let feed_a = b.new_batch(
        &c.supplier,
        b.at(0, 31),
        Event::InputLotRegistered(feed("F-A-01", "Grower pig compound feed (生长猪配合饲料)")?),
        "The supplier registers feed lot A",
        "经营部登记饲料批次A",
    );
    let feed_b = b.new_batch(
        &c.supplier,
        b.at(0, 32),
        Event::InputLotRegistered(feed("F-B-01", "Finisher pig compound feed (育肥猪配合饲料)")?),
        "The supplier registers feed lot B",
        "经营部登记饲料批次B",
    );
    let mut emamectin = input_lot(
        InputKind::Pesticide,
        "Emamectin benzoate 5% WDG (甲氨基阿维菌素苯甲酸盐)",
        "PD20151234",
        "Shenyang agrochemicals (沈阳农药)",
        "P-EM-01",
        &["emamectin benzoate"],
        7,
    )?;
    emamectin.quantity = Quantity::new(20, Unit::L);
    let pesticide = b.new_batch(
        &c.supplier,
        b.at(0, 33),
        Event::InputLotRegistered(emamectin),
        "The supplier registers a pesticide with a 7-day pre-harvest interval",
        "经营部登记农药：安全间隔期7日",
    );
    let mut chlorpyrifos = input_lot(
        InputKind::Pesticide,
        "Chlorpyrifos 40% EC (毒死蜱)",
        "PD20080001",
        "Shenyang agrochemicals (沈阳农药)",
        "P-CP-01",
        &["chlorpyrifos"],
        21,
    )?;
    chlorpyrifos.quantity = Quantity::new(5, Unit::L);
    let restricted = b.new_batch(
        &c.supplier,
        b.at(0, 34),
        Event::InputLotRegistered(chlorpyrifos),
        "The supplier registers chlorpyrifos, a restricted-use pesticide (限制使用农药名录 2017)",
        "经营部登记限制使用农药毒死蜱（《限制使用农药名录（2017版）》）",
    );
    let premix = input_lot(
        InputKind::FeedAdditive,
        "Lean-meat premix (瘦肉精预混料)",
        "none",
        "unknown",
        "X-01",
        &["ractopamine hydrochloride"],
        0,
    )?;
    b.no(
        Rule::BannedSubstance,
        &c.supplier,
        b.at(0, 35),
        Event::InputLotRegistered(premix),
        "A premix containing ractopamine is refused: banned substance",
        "含莱克多巴胺的预混料被拒绝：禁用物质",
    );

    // The co-op's herds and field.
    let herd = |product: &str, n: u64| {
        Event::BatchRegistered(BatchRegistered {
            product: product.into(),
            class: ProductClass::Livestock,
            commissioning: Commissioning::Herd,
            quantity: head(n),
            gtin: None,
            lot: None,
            place: place_farm.into(),
            identifiers: Vec::new(),
        })
    };
    let herd_a = b.new_batch(
        &c.coop,
        b.at(0, 60),
        herd("Live pigs, shed 1 (三元杂交商品猪)", 40),
        "The co-op registers herd A (40 pigs)",
        "合作社登记A栏生猪40头",
    );
    let herd_b = b.new_batch(
        &c.coop,
        b.at(0, 61),
        herd("Live pigs, shed 2 (三元杂交商品猪)", 30),
        "The co-op registers herd B (30 pigs)",
        "合作社登记B栏生猪30头",
    );
    b.ok(
        &c.coop,
        b.at(0, 62),
        Event::Engaged(Engaged { vet: c.vet.public(), batches: vec![herd_a, herd_b], until: start.plus_days(365) }),
        "The co-op engages Dr Wang for herds A and B: only an engaged vet treats and prescribes",
        "合作社聘请王兽医负责A、B栏诊疗：只有受聘兽医可诊疗、开具处方",
    );
    let field = b.new_batch(
        &c.coop,
        b.at(0, 62),
        Event::BatchRegistered(BatchRegistered {
            product: "Chinese cabbage, field 3 (大白菜)".into(),
            class: ProductClass::Vegetable,
            commissioning: Commissioning::Planting,
            quantity: Quantity::new(5, Unit::T),
            gtin: None,
            lot: None,
            place: "Hetao village, field 3".into(),
            identifiers: Vec::new(),
        }),
        "The co-op registers a cabbage field",
        "合作社登记大白菜地块",
    );

    // Day 1-3: feed, drugs, pesticides.
    b.ok(
        &c.coop,
        b.at(1, 0),
        applied(herd_a, feed_a, kg(500), None, "daily ration"),
        "Herd A is fed from feed lot A",
        "A栏饲喂饲料A",
    );
    b.ok(
        &c.coop,
        b.at(1, 5),
        applied(herd_b, feed_b, kg(400), None, "daily ration"),
        "Herd B is fed from feed lot B",
        "B栏饲喂饲料B",
    );
    let first_code = codes.first().cloned();
    b.no(
        Rule::PrescriptionRequired,
        &c.coop,
        b.at(1, 30),
        applied(herd_a, vet_drug, Quantity::new(20, Unit::Ml), first_code.clone(), "coughing"),
        "The co-op tries to inject florfenicol without a prescription: refused",
        "合作社无处方自行使用氟苯尼考：被拒绝（兽用处方药）",
    );
    let prescription = b.ok(
        &c.vet,
        b.at(1, 50),
        Event::Prescribed(Prescribed {
            batches: vec![herd_a],
            drug: "Florfenicol injection (氟苯尼考注射液)".into(),
            approval_number: "兽药字(2023)150012345".into(),
            dose: Quantity::new(20, Unit::Ml),
            valid_until: b.at(9, 0),
            note: "respiratory infection; 20 ml i.m. once (呼吸道感染，肌注20毫升)".into(),
        }),
        "Dr Wang writes a prescription for herd A: florfenicol, 20 ml",
        "王兽医为A栏开具兽医处方：氟苯尼考注射液20毫升",
    );
    let mut treatment =
        applied(herd_a, vet_drug, Quantity::new(20, Unit::Ml), first_code, "respiratory infection, 20 ml i.m.");
    if let Event::InputApplied(a) = &mut treatment {
        a.prescription = Some(prescription);
    }
    b.ok(
        &c.vet,
        b.at(2, 0),
        treatment,
        "Dr Wang treats herd A with florfenicol, scanning the 24-digit code; withdrawal ends on day 30",
        "王兽医扫码为A栏注射氟苯尼考，休药期至第30天",
    );
    b.no(
        Rule::BannedSubstance,
        &c.coop,
        b.at(3, 0),
        applied(field, restricted, Quantity::new(2, Unit::L), None, "aphids"),
        "Spraying chlorpyrifos on cabbage is refused: not on vegetables since 2016-12-31 (农业部公告第2032号)",
        "在大白菜上喷施毒死蜱被拒绝：自2016年12月31日起禁止在蔬菜上使用（农业部公告第2032号）",
    );
    b.ok(
        &c.coop,
        b.at(3, 10),
        applied(field, pesticide, Quantity::new(1, Unit::L), None, "diamondback moth"),
        "The cabbage is sprayed with emamectin benzoate (7-day pre-harvest interval)",
        "大白菜喷施甲氨基阿维菌素苯甲酸盐（安全间隔期7日）",
    );

    // Day 5-7: herd B goes to market.
    let harvest = || {
        Event::Transformed(Transformed {
            process: Process::Harvest,
            inputs: vec![TransformInput { batch: field, quantity: Quantity::new(5, Unit::T) }],
            outputs: vec![output("Chinese cabbage (大白菜)", ProductClass::Vegetable, kg(4800))],
            place: "Hetao village, field 3".into(),
            certificates: Vec::new(),
        })
    };
    let early = harvest();
    b.no(
        Rule::WithdrawalPeriod,
        &c.coop,
        b.at(5, 0),
        early,
        "Harvesting the cabbage two days after spraying is refused: pre-harvest interval",
        "喷药两天后采收被拒绝：未过安全间隔期",
    );
    let cert_b = format!("HG-{}-0002", start.display_date());
    let cert_b_record = b.ok(
        &c.coop,
        b.at(5, 60),
        certified(
            &c.coop,
            herd_b,
            CertKind::OriginExit,
            &cert_b,
            b.at(5, 60),
            3,
            &["不使用禁用药物", "遵守休药期", "No banned substances", "Withdrawal periods observed"],
        ),
        "The co-op issues herd B's origin-exit certificate (承诺达标合格证)",
        "合作社为B栏开具承诺达标合格证",
    );
    let ship_b = b.ok(
        &c.coop,
        b.at(5, 120),
        shipped(herd_b, head(30), &c.processor, Some(&c.transporter), place_farm, place_plant, &cert_b),
        "Herd B is shipped to the slaughterhouse",
        "B栏生猪运往定点屠宰场",
    );
    b.ok(
        &c.processor,
        b.at(5, 300),
        received(
            herd_b,
            ship_b,
            vec![CertRef::OnLedger(cert_b_record)],
            "purchase inspection passed: certificate checked",
        ),
        "The slaughterhouse receives herd B after purchase inspection",
        "屠宰场进货查验合格，接收B栏生猪",
    );
    let pork_b = b.new_batch(
        &c.processor,
        b.at(6, 0),
        Event::Transformed(Transformed {
            process: Process::Slaughter,
            inputs: vec![TransformInput { batch: herd_b, quantity: head(30) }],
            outputs: vec![output("Chilled pork, herd B (冷鲜猪肉)", ProductClass::Meat, kg(2400))],
            place: place_plant.into(),
            certificates: Vec::new(),
        }),
        "Herd B is slaughtered into chilled pork",
        "B栏生猪屠宰为冷鲜猪肉",
    );
    let ship_pork_b = b.ok(
        &c.processor,
        b.at(6, 120),
        shipped(pork_b, kg(200), &c.market, Some(&c.transporter), place_plant, place_stall, "WB-B-0001"),
        "200 kg of herd B's pork is shipped to stall 12",
        "B栏猪肉200公斤运往12号摊位",
    );
    b.ok(
        &c.market,
        b.at(6, 240),
        received(pork_b, ship_pork_b, vec![meat_quarantine("DJ-P-B-0001")], "purchase inspection passed"),
        "Stall 12 receives the pork after purchase inspection",
        "12号摊位进货查验合格，接收猪肉",
    );
    b.ok(
        &c.market,
        b.at(7, 0),
        Event::Sold(Sold { batch: pork_b, quantity: kg(20), buyer: None }),
        "Stall 12 sells 20 kg",
        "12号摊位售出20公斤",
    );

    // Day 10-12: the cabbage is harvested; herd A is still in its withdrawal period.
    let cabbage = b.new_batch(
        &c.coop,
        b.at(10, 60),
        harvest(),
        "The cabbage is harvested after the pre-harvest interval",
        "过安全间隔期后采收大白菜",
    );
    b.no(
        Rule::WithdrawalPeriod,
        &c.coop,
        b.at(12, 0),
        Event::Transformed(Transformed {
            process: Process::Slaughter,
            inputs: vec![TransformInput { batch: herd_a, quantity: head(40) }],
            outputs: vec![output("Pork, herd A", ProductClass::Meat, kg(3200))],
            place: place_farm.into(),
            certificates: Vec::new(),
        }),
        "Slaughtering herd A on day 10 of its 28-day withdrawal period is refused",
        "A栏在休药期第10天屠宰被拒绝",
    );

    // Day 14-15: clenbuterol in feed lot B.
    let inspected = |sample: &str| {
        Event::Inspected(Inspected {
            batch: feed_b,
            sample: sample.into(),
            analyte: "clenbuterol (克伦特罗)".into(),
            kind: InspectionKind::Supervisory,
            result: Measurement::Value(1_250_000),
            limit_milli: Some(0),
            unit: "µg/kg".into(),
            method: "GB/T 22286-2008 (LC-MS/MS)".into(),
            verdict: Verdict::Fail,
            retest_of: None,
        })
    };
    let inspection = b.ok(
        &c.lab,
        b.at(14, 0),
        inspected("XH-FEED-117"),
        "The lab finds clenbuterol in feed lot B: the lot, herd B and its pork at the stall are held",
        "检测站在饲料B中检出克伦特罗：饲料、B栏及摊位上的猪肉全部扣留",
    );
    b.ok(
        &c.lab,
        b.at(14, 30),
        Event::Correction(Correction {
            target: inspection,
            reason: "sample number mistyped".into(),
            corrected: "the sample number is XH-FEED-171".into(),
        }),
        "The lab corrects the sample number; the original record stays",
        "检测站更正样品编号，原记录保留",
    );
    b.no(
        Rule::BatchBlocked,
        &c.market,
        b.at(14, 60),
        Event::Sold(Sold { batch: pork_b, quantity: kg(5), buyer: None }),
        "Stall 12 tries to sell herd B's pork: refused, it is held",
        "12号摊位销售B栏猪肉被拒绝：已扣留",
    );
    b.ok(
        &c.regulator,
        b.at(15, 0),
        Event::Recalled(Recalled {
            batch: feed_b,
            reason: "clenbuterol 1250 µg/kg in sample XH-FEED-171".into(),
            level: RecallLevel::First,
            deadline: Some(b.at(15, 0).plus_days(1)),
            drill: false,
        }),
        "The regulator recalls feed lot B; the recall reaches stall 12",
        "监管部门召回饲料B，召回追溯至12号摊位",
    );
    b.ok(
        &c.processor,
        b.at(15, 120),
        Event::Disposed(Disposed {
            batch: pork_b,
            quantity: kg(2200),
            method: "incineration under supervision (监督销毁)".into(),
        }),
        "The slaughterhouse destroys the rest of herd B's pork under supervision",
        "屠宰场在监督下销毁B栏剩余猪肉",
    );

    // Day 31-33: herd A, after its withdrawal period.
    let cert_a = format!("HG-{}-0001", start.display_date());
    let cert_a_record = b.ok(
        &c.coop,
        b.at(31, 0),
        certified(
            &c.coop,
            herd_a,
            CertKind::OriginExit,
            &cert_a,
            b.at(31, 0),
            3,
            &["不使用禁用药物", "遵守休药期", "No banned substances", "Withdrawal periods observed"],
        ),
        "After the withdrawal period the co-op issues herd A's origin-exit certificate",
        "休药期满，合作社为A栏开具承诺达标合格证",
    );
    let quarantine = format!("DJ-{}-0001", start.display_date());
    let quarantine_record = b.ok(
        &c.vet,
        b.at(31, 30),
        certified(
            &c.vet,
            herd_a,
            CertKind::QuarantineAnimalB,
            &quarantine,
            b.at(31, 30),
            2,
            &["检疫合格", "Passed quarantine"],
        ),
        "Dr Wang issues the animal quarantine certificate",
        "王兽医出具动物检疫合格证明",
    );
    let ship_a = b.ok(
        &c.coop,
        b.at(31, 60),
        shipped(herd_a, head(40), &c.processor, Some(&c.transporter), place_farm, place_plant, &cert_a),
        "Herd A is shipped to the slaughterhouse",
        "A栏生猪运往定点屠宰场",
    );
    b.ok(
        &c.processor,
        b.at(31, 240),
        received(
            herd_a,
            ship_a,
            vec![CertRef::OnLedger(cert_a_record), CertRef::OnLedger(quarantine_record)],
            "purchase inspection passed",
        ),
        "The slaughterhouse receives herd A after purchase inspection",
        "屠宰场进货查验合格，接收A栏生猪",
    );
    let loin_gtin: Gtin = "06901234567892".parse()?;
    let slaughter_day = b.at(32, 0).display_date().replace('-', "");
    let loin_lot: crate::values::Lot = format!("L{}", &slaughter_day[2..]).parse()?;
    let slaughter_a = b.ok(
        &c.processor,
        b.at(32, 0),
        Event::Transformed(Transformed {
            process: Process::Slaughter,
            inputs: vec![TransformInput { batch: herd_a, quantity: head(40) }],
            outputs: vec![
                TransformOutput {
                    product: "Chilled pork loin (冷鲜猪里脊)".into(),
                    class: ProductClass::Meat,
                    quantity: kg(400),
                    gtin: Some(loin_gtin.clone()),
                    lot: Some(loin_lot.clone()),
                },
                output("Chilled pork belly (冷鲜五花肉)", ProductClass::Meat, kg(600)),
            ],
            place: place_plant.into(),
            certificates: Vec::new(),
        }),
        "Herd A is slaughtered into pork loin (GTIN and lot: a GS1 Digital Link label) and pork belly",
        "A栏生猪屠宰为猪里脊（GTIN与批号，GS1数字链接标签）和五花肉",
    );
    let pork_loin = BatchId::derive(&slaughter_a, 0);
    let pork_belly = BatchId::derive(&slaughter_a, 1);
    let ship_loin = b.ok(
        &c.processor,
        b.at(32, 120),
        shipped(pork_loin, kg(100), &c.market, Some(&c.transporter), place_plant, place_stall, "WB-A-0001"),
        "100 kg of pork loin is shipped to stall 12",
        "猪里脊100公斤运往12号摊位",
    );
    b.ok(
        &c.market,
        b.at(32, 240),
        received(pork_loin, ship_loin, vec![meat_quarantine("DJ-P-A-0001")], "purchase inspection passed"),
        "Stall 12 receives the pork loin after purchase inspection",
        "12号摊位进货查验合格，接收猪里脊",
    );
    b.ok(
        &c.market,
        b.at(33, 0),
        Event::Sold(Sold { batch: pork_loin, quantity: kg(2), buyer: None }),
        "Stall 12 sells 2 kg of pork loin",
        "12号摊位售出猪里脊2公斤",
    );
    b.no(
        Rule::QuantityExceeded,
        &c.market,
        b.at(33, 10),
        Event::Sold(Sold { batch: pork_loin, quantity: kg(200), buyer: Some(canteen()) }),
        "Selling 200 kg of pork loin is refused: the stall holds only 98 kg",
        "销售猪里脊200公斤被拒绝：摊位仅有98公斤",
    );

    Ok(Story {
        steps: b.steps,
        batches: StoryBatches {
            vet_drug,
            feed_a,
            feed_b,
            pesticide,
            herd_a,
            herd_b,
            field,
            cabbage,
            pork_b,
            pork_loin,
            pork_belly,
        },
        loin_gtin,
        loin_lot,
        vet_drug_codes: codes,
    })
}

/// The origin the demo ledger uses unless told otherwise.
pub const DEMO_ORIGIN: &str = "demo.trace.example/xihu";

/// What a step got, against what it expected.
#[derive(Debug, Clone)]
pub struct StepOutcome {
    /// The ledger's answer: the entry, or the refusal's rule and message.
    pub result: Result<crate::ledger::Appended, (Rule, String)>,
    /// The refusal's facts, when the ledger refused the step.
    pub facts: Option<crate::facts::Facts>,
    /// Whether it is what the step expected.
    pub as_expected: bool,
}

/// Checks the ledger's answer to `step`.
pub fn outcome(step: &Step, result: Result<crate::ledger::Appended, crate::error::Error>) -> StepOutcome {
    let facts = result.as_ref().err().and_then(crate::error::Error::facts);
    let result = result.map_err(|e| match (&e, e.rule()) {
        (crate::error::Error::Refused(r), _) => (r.rule, r.facts.to_string()),
        (_, Some(rule)) => (rule, e.to_string()),
        (_, None) => (Rule::Malformed, format!("unexpected error: {e}")),
    });
    let as_expected = match (&result, step.expect) {
        (Ok(a), Expect::Accepted) => !a.duplicate,
        (Err((rule, _)), Expect::Refused(want)) => *rule == want,
        _ => false,
    };
    StepOutcome { result, facts, as_expected }
}

/// Creates a demo data directory: the ledger under `dir` with the cast's authority as its authority, and every
/// member's key written to `dir/keys/<role>.key` (mode 0600) so the story can be carried on by hand.
///
/// The ledger is stamped by `clock` until the story [finishes](StoryClock::finish) it; [`append_step`] sets it.
pub fn create_dir(
    dir: &std::path::Path,
    origin: Origin,
    cast: &Cast,
    clock: &StoryClock,
) -> Result<crate::datadir::DataDir, crate::error::Error> {
    let d = crate::datadir::DataDir::create_with_clock(dir, origin, &cast.authority, clock.clock())?;
    for (key, _, _, role) in cast.members().into_iter().skip(1) {
        crate::datadir::write_key_file(&dir.join("keys").join(format!("{role}.key")), key)?;
    }
    Ok(d)
}

/// Creates a demo ledger in `dir` and appends the whole story in one group commit, checking every step.
/// Returns the directory, the cast and the story; fails if any step is not answered as expected.
pub fn install(
    dir: &std::path::Path,
    origin: Origin,
    now: Time,
) -> Result<(crate::datadir::DataDir, Cast, Story), crate::error::Error> {
    let cast =
        Cast::generate().map_err(|e| crate::error::Error::Io { context: "generating demo keys".into(), source: e })?;
    let start = default_start(now);
    let story = story(&cast, &origin, start)?;
    let clock = StoryClock::starting_at(start);
    let d = create_dir(dir, origin, &cast, &clock)?;
    for (i, step) in story.steps.iter().enumerate() {
        let o = outcome(step, append_step(&d.ledger, &clock, step));
        if !o.as_expected {
            return Err(crate::error::Error::StoryMismatch(format!(
                "step {} ({}) expected {:?}, got {:?}",
                i + 1,
                step.title_en,
                step.expect,
                o.result.map(|a| a.index)
            )));
        }
    }
    clock.finish();
    Ok((d, cast, story))
}

/// Appends `step` to `ledger` with the story's clock set to the step's accepted time.
pub fn append_step(
    ledger: &crate::ledger::Ledger,
    clock: &StoryClock,
    step: &Step,
) -> Result<crate::ledger::Appended, crate::error::Error> {
    clock.set(step.accepted);
    ledger.append(step.record.clone())
}
