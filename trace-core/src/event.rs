//! The events a record can carry (docs/data-model.md, section 2), mapped to GS1 EPCIS 2.0 / CBV and FSMA 204 in
//! `docs/data-model.md`.
//!
//! This is the table of record format version 2 (`docs/formats.md`). Variants are encoded by position: new kinds
//! go at the end of [`Event`], and a field is added after version 2 only as a registered extension of the record
//! body (`docs/formats.md`, "Extensions"), because the golden vectors freeze these bytes.
//!
//! Kinds 18 and later exist in the format from version 2 on; the ledger refuses each with `not-enforced` until
//! the issue that builds its rules lands ([`crate::rules::not_enforced`]).

use crate::ids::{BatchId, RecordId};
use crate::keys::PublicKey;
use crate::shared::Department;
use crate::shared::{CertRef, ContentHash, Licence, Measurement, Party, Periods, Personal};
use crate::values::{Gtin, Handle, InputKind, Lot, ProductClass, Quantity, Role, Time, VetDrugCode, named_enum};

use std::fmt;
use std::str::FromStr;

use crate::error::ParseError;

/// What a record states. Each variant's payload is a struct named after it.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type")]
#[non_exhaustive]
pub enum Event {
    /// An actor joins the ledger with roles. The ledger's first record is the authority admitting itself.
    ActorAdmitted(ActorAdmitted),
    /// An actor's key is refused from this record on.
    ActorRevoked(ActorRevoked),
    /// The author hands its roles to a new key; the old key is refused from this record on.
    KeyRotated(KeyRotated),
    /// A produce batch comes into being: a herd, a harvest, a milk collection (EPCIS commissioning).
    BatchRegistered(BatchRegistered),
    /// A vet-drug, feed or pesticide lot is registered by its supplier.
    InputLotRegistered(InputLotRegistered),
    /// A dose of an input lot is given to a batch (production record ledger).
    InputApplied(InputApplied),
    /// A sampling inspection result.
    Inspected(Inspected),
    /// A certificate covering a batch: origin-exit, quarantine, 三品一标.
    Certified(Certified),
    /// Part or all of a batch leaves its holder for another actor.
    Shipped(Shipped),
    /// A shipment arrives and passes (or fails) purchase inspection.
    Received(Received),
    /// Input batches become new output batches: slaughter, milling, packing, harvest.
    Transformed(Transformed),
    /// Part or all of a batch is sold to consumers.
    Sold(Sold),
    /// A batch and all its descendants are stopped pending investigation.
    Held(Held),
    /// A hold is lifted.
    Released(Released),
    /// A batch and all its descendants are recalled.
    Recalled(Recalled),
    /// Part or all of a batch is destroyed.
    Disposed(Disposed),
    /// A statement that an earlier record was wrong, with the reason. The earlier record stays.
    Correction(Correction),
    /// The ledger adopts a version of a registry shipped as data (the banned-substance list), by its hash.
    RegistryAdopted(RegistryAdopted),
    /// A vet prescribes a drug for batches (兽医处方笺).
    Prescribed(Prescribed),
    /// A holder engages a vet for batches (the vet's 执业 for this farm).
    Engaged(Engaged),
    /// Milk or eggs out of a herd or flock, which is not drawn down.
    Produced(Produced),
    /// A second signature on an earlier record.
    Countersigned(Countersigned),
    /// A licence is granted, suspended or restored.
    LicenceChanged(LicenceChanged),
    /// A lost key's holdings pass to a new actor.
    HoldingsTransferred(HoldingsTransferred),
    /// A certificate is suspended, revoked or restored.
    CertificateChanged(CertificateChanged),
    /// A 承诺达标合格证 (农业农村部令2025年第4号).
    ComplianceCertified(ComplianceCertified),
    /// A holder reports what it did about a recall.
    RecallAcknowledged(RecallAcknowledged),
    /// A recall is closed with its figures.
    RecallClosed(RecallClosed),
    /// A shopper's complaint, signed by the node's intake key.
    ComplaintFiled(ComplaintFiled),
    /// A regulator answers a complaint.
    ComplaintAnswered(ComplaintAnswered),
    /// An administrative penalty decision (行政处罚决定).
    PenaltyDecided(PenaltyDecided),
    /// A credit-list change (失信名单 and its repair).
    CreditListed(CreditListed),
    /// A random-draw inspection plan (双随机).
    DrawPlanned(DrawPlanned),
    /// The targets and inspectors a plan drew.
    DrawPublished(DrawPublished),
    /// An event imported from another system (EPCIS), kept verbatim.
    Imported(Imported),
}

impl Event {
    /// The event's kind name, as in docs/data-model.md and the JSON `type` field.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::ActorAdmitted(_) => "ActorAdmitted",
            Event::ActorRevoked(_) => "ActorRevoked",
            Event::KeyRotated(_) => "KeyRotated",
            Event::BatchRegistered(_) => "BatchRegistered",
            Event::InputLotRegistered(_) => "InputLotRegistered",
            Event::InputApplied(_) => "InputApplied",
            Event::Inspected(_) => "Inspected",
            Event::Certified(_) => "Certified",
            Event::Shipped(_) => "Shipped",
            Event::Received(_) => "Received",
            Event::Transformed(_) => "Transformed",
            Event::Sold(_) => "Sold",
            Event::Held(_) => "Held",
            Event::Released(_) => "Released",
            Event::Recalled(_) => "Recalled",
            Event::Disposed(_) => "Disposed",
            Event::Correction(_) => "Correction",
            Event::RegistryAdopted(_) => "RegistryAdopted",
            Event::Prescribed(_) => "Prescribed",
            Event::Engaged(_) => "Engaged",
            Event::Produced(_) => "Produced",
            Event::Countersigned(_) => "Countersigned",
            Event::LicenceChanged(_) => "LicenceChanged",
            Event::HoldingsTransferred(_) => "HoldingsTransferred",
            Event::CertificateChanged(_) => "CertificateChanged",
            Event::ComplianceCertified(_) => "ComplianceCertified",
            Event::RecallAcknowledged(_) => "RecallAcknowledged",
            Event::RecallClosed(_) => "RecallClosed",
            Event::ComplaintFiled(_) => "ComplaintFiled",
            Event::ComplaintAnswered(_) => "ComplaintAnswered",
            Event::PenaltyDecided(_) => "PenaltyDecided",
            Event::CreditListed(_) => "CreditListed",
            Event::DrawPlanned(_) => "DrawPlanned",
            Event::DrawPublished(_) => "DrawPublished",
            Event::Imported(_) => "Imported",
        }
    }

    /// The existing batches this event acts on, whose heads it must name as parents (in this order).
    /// Registrations create batches and act on none; a transform acts on all its inputs.
    pub fn acted_on(&self) -> Vec<BatchId> {
        match self {
            Event::InputApplied(e) => vec![e.batch],
            Event::Inspected(e) => vec![e.batch],
            Event::Certified(e) => e.batches.clone(),
            Event::Prescribed(e) => e.batches.clone(),
            Event::Engaged(e) => e.batches.clone(),
            Event::ComplianceCertified(e) => e.batches.clone(),
            Event::Produced(e) => vec![e.source],
            Event::RecallAcknowledged(e) => vec![e.batch],
            Event::Shipped(e) => vec![e.batch],
            Event::Received(e) => vec![e.batch],
            Event::Sold(e) => vec![e.batch],
            Event::Held(e) => vec![e.batch],
            Event::Released(e) => vec![e.batch],
            Event::Recalled(e) => vec![e.batch],
            Event::Disposed(e) => vec![e.batch],
            Event::Transformed(e) => e.inputs.iter().map(|i| i.batch).collect(),
            Event::ActorAdmitted(_)
            | Event::ActorRevoked(_)
            | Event::KeyRotated(_)
            | Event::BatchRegistered(_)
            | Event::InputLotRegistered(_)
            | Event::Correction(_)
            | Event::RegistryAdopted(_)
            | Event::Countersigned(_)
            | Event::LicenceChanged(_)
            | Event::HoldingsTransferred(_)
            | Event::CertificateChanged(_)
            | Event::RecallClosed(_)
            | Event::ComplaintFiled(_)
            | Event::ComplaintAnswered(_)
            | Event::PenaltyDecided(_)
            | Event::CreditListed(_)
            | Event::DrawPlanned(_)
            | Event::DrawPublished(_)
            | Event::Imported(_) => Vec::new(),
        }
    }
}

/// `ActorAdmitted`: who the actor is and what it may do.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorAdmitted {
    /// The actor's signing key.
    pub actor: PublicKey,
    /// Display name, e.g. "溪湖区生猪养殖合作社".
    pub name: String,
    /// Short unique name for typing, e.g. `xihu-coop`.
    pub handle: Handle,
    /// Roles granted.
    pub roles: Vec<Role>,
    /// The departments a government actor belongs to (empty for businesses).
    #[serde(default)]
    pub departments: Vec<Department>,
    /// Registration number: unified social credit code, licence or farm registration.
    pub registration: String,
    /// Address or place description.
    pub location: String,
    /// Licences it holds.
    #[serde(default)]
    pub licences: Vec<Licence>,
    /// A contact person or phone, committed.
    #[serde(default)]
    pub contact: Option<Personal>,
}

/// `ActorRevoked`.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorRevoked {
    /// The key being revoked.
    pub actor: PublicKey,
    /// Why.
    pub reason: String,
}

/// `KeyRotated`: signed by the old key.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRotated {
    /// The key that takes over the author's identity and roles.
    pub new_key: PublicKey,
}

named_enum!(
    /// How a produce batch came into being (EPCIS bizStep).
    Commissioning, "commissioning" {
        /// A herd or flock of live animals.
        Herd = "herd",
        /// A crop planted in a field (harvested later by a transform).
        Planting = "planting",
        /// A harvest.
        Harvest = "harvest",
        /// A collection of raw milk.
        MilkCollection = "milk-collection",
        /// A catch of aquatic products.
        Catch = "catch",
        /// Eggs laid.
        Laying = "laying",
        /// Anything else.
        Other = "other",
    }
);

/// `BatchRegistered`.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchRegistered {
    /// Product description, e.g. "Live pigs (三元杂交)".
    pub product: String,
    /// Product class.
    pub class: ProductClass,
    /// How it came into being.
    pub commissioning: Commissioning,
    /// Initial quantity, held by the author.
    pub quantity: Quantity,
    /// GTIN-14 when the product has one.
    pub gtin: Option<Gtin>,
    /// Lot number when the batch carries one (GS1 AI 10).
    pub lot: Option<Lot>,
    /// Where: farm, field, pond.
    pub place: String,
    /// Identifiers of the individuals in it: ear tags (畜禽标识) of a herd.
    #[serde(default)]
    pub identifiers: Vec<String>,
}

/// `InputLotRegistered`: a lot of vet drug, feed or pesticide, which becomes a batch-like entity that can be
/// applied, inspected, held and recalled.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputLotRegistered {
    /// Vet drug, feed, feed additive, pesticide, fertiliser.
    pub kind: InputKind,
    /// Product name.
    pub name: String,
    /// Approval number: 兽药批准文号, 农药登记证号, 饲料生产许可证号.
    pub approval_number: String,
    /// Manufacturer.
    pub manufacturer: String,
    /// Production lot.
    pub lot: Lot,
    /// Active substances, matched against the banned list.
    pub active_substances: Vec<String>,
    /// Withdrawal period (vet drugs, feed additives) or pre-harvest interval (pesticides), milk discard and egg
    /// periods. Toxicity is not the supplier's to state: it comes from the substances.
    pub periods: Periods,
    /// Prescription-only vet drug (兽用处方药): applied by a vet, or under a vet's prescription.
    pub prescription_only: bool,
    /// Quantity in the lot.
    pub quantity: Quantity,
    /// The 24-digit codes printed on the lot's packages, resolved at `/vd/{code}`.
    pub vet_drug_codes: Vec<VetDrugCode>,
    /// Expiry, when printed.
    pub expires: Option<Time>,
    /// Lots this lot was made from (a premix from an additive): lot-to-lot lineage.
    #[serde(default)]
    pub made_from: Vec<TransformInput>,
}

/// `InputApplied`: the record's `time` is when the dose was given.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputApplied {
    /// The batch treated, fed or sprayed.
    pub batch: BatchId,
    /// The input lot used.
    pub input: BatchId,
    /// Dose or amount.
    pub dose: Quantity,
    /// The vet-signed `Prescribed` record it follows, for a prescription-only drug given by a non-vet.
    #[serde(default)]
    pub prescription: Option<RecordId>,
    /// The package code scanned, when a vet drug.
    pub vet_drug_code: Option<VetDrugCode>,
    /// Free text: reason, route, area sprayed.
    pub note: String,
    /// The holding treated when it is not the batch's holder (a vet treating another farm's herd).
    #[serde(default)]
    pub holding: Option<Party>,
}

named_enum!(
    /// Outcome of an inspection.
    Verdict, "verdict" {
        /// Complies.
        Pass = "pass",
        /// Does not comply: the batch is held.
        Fail = "fail",
    }
);

/// `Inspected`: a sampling inspection (抽检) or rapid test.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inspected {
    /// Batch sampled.
    pub batch: BatchId,
    /// Sample number.
    pub sample: String,
    /// What was measured, e.g. "clenbuterol" or "chlorpyrifos".
    pub analyte: String,
    /// Supervisory sampling, risk monitoring, rapid test, self-test or entrusted test.
    pub kind: InspectionKind,
    /// The result: not detected, a value in thousandths of `unit`, or a qualitative verdict.
    pub result: Measurement,
    /// Limit in thousandths of `unit`; absent for qualitative tests.
    pub limit_milli: Option<u64>,
    /// Unit of value and limit, e.g. "µg/kg".
    pub unit: String,
    /// Method or standard, e.g. "GB/T 22286-2008".
    pub method: String,
    /// The verdict; must agree with result and limit.
    pub verdict: Verdict,
    /// The inspection this one re-tests (复检).
    #[serde(default)]
    pub retest_of: Option<RecordId>,
}

named_enum!(
    /// Why an inspection was made.
    InspectionKind, "inspection kind" {
        /// 监督抽检: supervisory sampling by a regulator.
        Supervisory = "supervisory",
        /// 风险监测: risk monitoring.
        Monitoring = "monitoring",
        /// 快检: a rapid test at a market or farm.
        Rapid = "rapid",
        /// 自检: the producer's own test.
        SelfTest = "self",
        /// 委托检测: a test the producer entrusted to a lab.
        Entrusted = "entrusted",
    }
);

named_enum!(
    /// Kind of certificate.
    CertKind, "certificate kind" {
        /// 承诺达标合格证 / 产地准出: origin-exit certificate issued by the producer.
        OriginExit = "origin-exit",
        /// 动物检疫合格证明: animal quarantine certificate.
        Quarantine = "quarantine",
        /// 无公害农产品.
        PollutionFree = "pollution-free",
        /// 绿色食品.
        Green = "green",
        /// 有机农产品.
        Organic = "organic",
        /// 农产品地理标志.
        GeographicalIndication = "geographical-indication",
        /// 良好农业规范 (GAP).
        Gap = "gap",
        /// 承诺达标合格证 issued outside this ledger (format v2).
        Compliance = "compliance",
        /// 动物检疫合格证明（动物A）: live animals leaving the province.
        QuarantineAnimalA = "quarantine-animal-a",
        /// 动物检疫合格证明（动物B）: live animals within the province.
        QuarantineAnimalB = "quarantine-animal-b",
        /// 动物检疫合格证明（产品A）: animal products leaving the province.
        QuarantineProductA = "quarantine-product-a",
        /// 动物检疫合格证明（产品B）: animal products within the province.
        QuarantineProductB = "quarantine-product-b",
        /// A test report (检测报告).
        TestReport = "test-report",
        /// A purchase voucher or other 合格凭证.
        PurchaseVoucher = "purchase-voucher",
    }
);

impl CertKind {
    /// Whether this is an animal quarantine certificate (动物检疫合格证明) of any form.
    pub fn is_quarantine(self) -> bool {
        matches!(
            self,
            CertKind::Quarantine
                | CertKind::QuarantineAnimalA
                | CertKind::QuarantineAnimalB
                | CertKind::QuarantineProductA
                | CertKind::QuarantineProductB
        )
    }
}

/// `Certified`.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certified {
    /// Batches covered.
    pub batches: Vec<BatchId>,
    /// Kind of certificate.
    pub kind: CertKind,
    /// Certificate number.
    pub number: String,
    /// Who issued it.
    pub issuer: Party,
    /// Valid from.
    pub valid_from: Time,
    /// Valid until.
    pub valid_until: Time,
    /// Promises made, e.g. "no banned substances used", "withdrawal periods observed".
    pub promises: Vec<String>,
}

/// `Shipped`: the record's author is the holder that ships.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shipped {
    /// Batch shipped.
    pub batch: BatchId,
    /// How much.
    pub quantity: Quantity,
    /// The receiver.
    pub to: Party,
    /// Ship-from location.
    pub from_place: String,
    /// Ship-to location.
    pub to_place: String,
    /// Reference document: waybill, origin-exit certificate number.
    pub document: String,
    /// The carrier, when a transporter carries it.
    pub carrier: Option<PublicKey>,
    /// Certificates travelling with it (quarantine, 合格证).
    #[serde(default)]
    pub certificates: Vec<CertRef>,
}

/// `Received`: the record's author is the `to` of the shipment.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Received {
    /// Batch received.
    pub batch: BatchId,
    /// The `Shipped` record this receipt answers.
    pub shipment: RecordId,
    /// Purchase inspection (进货查验) passed; when false the goods are refused and go back to the shipper.
    pub accepted: bool,
    /// Certificates checked at purchase inspection: on this ledger or from elsewhere.
    #[serde(default)]
    pub checked: Vec<CertRef>,
    /// Inspection notes.
    pub note: String,
}

named_enum!(
    /// The kind of transformation.
    Process, "process" {
        /// Live animals to carcasses and cuts.
        Slaughter = "slaughter",
        /// A growing crop to harvested produce.
        Harvest = "harvest",
        /// Milking a dairy herd.
        Milking = "milking",
        /// Paddy to rice, wheat to flour.
        Milling = "milling",
        /// Brewing.
        Brewing = "brewing",
        /// Dairy processing.
        DairyProcessing = "dairy-processing",
        /// Packing, repacking, mixing.
        Packing = "packing",
        /// Anything else.
        Other = "other",
        /// Mixing feed on the farm (format v2).
        FeedMixing = "feed-mixing",
    }
);

/// One input of a transform.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransformInput {
    /// Batch consumed.
    pub batch: BatchId,
    /// How much of it.
    pub quantity: Quantity,
}

/// One output of a transform; its batch id is derived from the record id and its position.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransformOutput {
    /// Product description.
    pub product: String,
    /// Product class.
    pub class: ProductClass,
    /// Quantity produced, held by the author.
    pub quantity: Quantity,
    /// GTIN-14 when the product has one.
    pub gtin: Option<Gtin>,
    /// Lot number.
    pub lot: Option<Lot>,
}

/// `Transformed`.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transformed {
    /// Kind of process.
    pub process: Process,
    /// Batches consumed.
    pub inputs: Vec<TransformInput>,
    /// Batches produced.
    pub outputs: Vec<TransformOutput>,
    /// Where.
    pub place: String,
    /// Certificates the inputs carried (quarantine before slaughter).
    #[serde(default)]
    pub certificates: Vec<CertRef>,
}

/// `Sold`.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sold {
    /// Batch sold from.
    pub batch: BatchId,
    /// How much.
    pub quantity: Quantity,
    /// The buyer when known (a canteen); `None` for retail to shoppers.
    #[serde(default)]
    pub buyer: Option<Party>,
}

/// `Held`.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Held {
    /// Batch held, with all its descendants.
    pub batch: BatchId,
    /// Why.
    pub reason: String,
}

/// `Released`.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Released {
    /// Batch released.
    pub batch: BatchId,
    /// The `Held` record (or failed `Inspected` record) whose block this lifts.
    pub lifts: RecordId,
    /// Why.
    pub reason: String,
}

/// `Recalled`.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recalled {
    /// Batch recalled, with all its descendants.
    pub batch: BatchId,
    /// Why.
    pub reason: String,
    /// Level: 一级 24 hours, 二级 48 hours, 三级 72 hours.
    pub level: RecallLevel,
    /// By when holders must have acted, when set.
    #[serde(default)]
    pub deadline: Option<Time>,
    /// A mock recall (演练): nothing is blocked.
    #[serde(default)]
    pub drill: bool,
}

named_enum!(
    /// The level of a recall.
    RecallLevel, "recall level" {
        /// 一级: serious harm; holders act within 24 hours.
        First = "1",
        /// 二级: holders act within 48 hours.
        Second = "2",
        /// 三级: holders act within 72 hours.
        Third = "3",
    }
);

/// `Disposed`.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disposed {
    /// Batch disposed of.
    pub batch: BatchId,
    /// How much.
    pub quantity: Quantity,
    /// How: incineration, burial, rendering.
    pub method: String,
}

/// `Correction` (EPCIS errorDeclaration): names the record it corrects, which stays as it was.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    /// The record corrected; must also be this record's only parent.
    pub target: RecordId,
    /// Why it was wrong.
    pub reason: String,
    /// What is true instead, in words.
    pub corrected: String,
}

named_enum!(
    /// A registry shipped as data that a ledger adopts by version and hash.
    RegistryKind, "registry" {
        /// Banned and restricted substances.
        Substances = "substances",
        /// Maximum residue limits (GB 2763, GB 31650).
        Limits = "limits",
        /// Yields per area, for quantity plausibility.
        Yields = "yields",
        /// The calendar of working days.
        Calendar = "calendar",
    }
);

/// `RegistryAdopted`: from this record on, rules judge under this version of the registry, with the listed
/// local additions. Replaces version 1's `BannedListChanged`.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryAdopted {
    /// Which registry.
    pub registry: RegistryKind,
    /// Its version, as shipped (`trace-core/data/`).
    pub version: String,
    /// SHA-256 of the version's data file: a ledger adopts only a version its node ships.
    pub hash: ContentHash,
    /// Entries added on this ledger beyond the version (one regulator may add).
    #[serde(default)]
    pub adds: Vec<String>,
    /// Entries removed (a second regulator must countersign).
    #[serde(default)]
    pub removes: Vec<String>,
    /// Legal basis or reason.
    pub reason: String,
}

/// `Prescribed`: signed by a vet.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prescribed {
    /// Batches the prescription is for.
    pub batches: Vec<BatchId>,
    /// The drug's name.
    pub drug: String,
    /// Its approval number (兽药批准文号).
    pub approval_number: String,
    /// Dose.
    pub dose: Quantity,
    /// Valid until.
    pub valid_until: Time,
    /// Diagnosis, route, course.
    pub note: String,
}

/// `Engaged`: signed by the holder of the batches.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Engaged {
    /// The vet engaged.
    pub vet: PublicKey,
    /// Batches the vet may treat and prescribe for.
    pub batches: Vec<BatchId>,
    /// Until when.
    pub until: Time,
}

named_enum!(
    /// What a herd or flock produces without being drawn down.
    Production, "production" {
        /// Milking a dairy herd.
        Milking = "milking",
        /// Eggs from a laying flock.
        Laying = "laying",
    }
);

/// `Produced`: milk or eggs from `source`, which keeps its quantity.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Produced {
    /// The herd or flock.
    pub source: BatchId,
    /// Milking or laying.
    pub process: Production,
    /// The new batch of milk or eggs.
    pub output: TransformOutput,
}

/// `Countersigned`: a second actor's signature on an earlier record.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Countersigned {
    /// The record countersigned.
    pub target: RecordId,
    /// Note.
    pub note: String,
}

/// A change to a licence.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LicenceChange {
    /// A licence granted after admission.
    Granted(Licence),
    /// A licence suspended, until a time or until restored.
    Suspended {
        /// The licence number.
        number: String,
        /// Until when.
        until: Option<Time>,
    },
    /// A suspended licence restored.
    Restored {
        /// The licence number.
        number: String,
    },
}

/// `LicenceChanged`.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenceChanged {
    /// Whose licence.
    pub actor: PublicKey,
    /// What changes.
    pub change: LicenceChange,
    /// Why, and the decision's number.
    pub reason: String,
}

/// `HoldingsTransferred`: what `from` holds passes to `to` (a lost key's goods).
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldingsTransferred {
    /// The old holder.
    pub from: PublicKey,
    /// The new holder.
    pub to: PublicKey,
    /// Why.
    pub reason: String,
}

named_enum!(
    /// A change to a certificate's standing.
    CertificateChange, "certificate change" {
        /// Suspended (暂停).
        Suspended = "suspended",
        /// Revoked (撤销).
        Revoked = "revoked",
        /// Restored.
        Restored = "restored",
    }
);

/// `CertificateChanged`.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateChanged {
    /// The `Certified` or `ComplianceCertified` record.
    pub certificate: RecordId,
    /// What changes.
    pub change: CertificateChange,
    /// Why.
    pub reason: String,
}

named_enum!(
    /// What a 承诺达标合格证's promise rests on (农业农村部令2025年第4号).
    CommitmentBasis, "commitment basis" {
        /// 质量安全控制符合要求.
        QualityControl = "quality-control",
        /// 自行检测合格.
        SelfTested = "self-tested",
        /// 委托检测合格.
        EntrustedTested = "entrusted-tested",
    }
);

/// `ComplianceCertified`: a 承诺达标合格证 issued by the producer for the batches it sells.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplianceCertified {
    /// Batches covered.
    pub batches: Vec<BatchId>,
    /// Product name.
    pub product: String,
    /// Quantity covered.
    pub quantity: Quantity,
    /// 产地.
    pub origin_place: String,
    /// The promises (不使用禁用药物, 遵守农药安全间隔期、兽药休药期, 销售的食用农产品符合农药兽药残留食品安全国家强制性标准).
    pub commitments: Vec<String>,
    /// What the promise rests on.
    pub basis: CommitmentBasis,
    /// The test it rests on, when tested.
    pub test: Option<CertRef>,
    /// A contact, committed.
    pub contact: Option<Personal>,
    /// Records it relies on (inspections, receipts).
    pub cites: Vec<RecordId>,
}

/// `RecallAcknowledged`: a holder reports what it did.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecallAcknowledged {
    /// The `Recalled` record.
    pub recall: RecordId,
    /// The batch it held.
    pub batch: BatchId,
    /// Returned to the recalling party.
    pub returned: Quantity,
    /// Destroyed on the spot.
    pub destroyed: Quantity,
    /// Note.
    pub note: String,
}

/// `RecallClosed`.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecallClosed {
    /// The `Recalled` record.
    pub recall: RecordId,
    /// How much had been distributed.
    pub distributed: Quantity,
    /// How much came back or was destroyed.
    pub recovered: Quantity,
    /// Note.
    pub note: String,
}

/// `ComplaintFiled`: a shopper's complaint (投诉举报), signed by the node's intake key.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintFiled {
    /// The case number given to the complainant.
    pub case: String,
    /// The batch complained about, when the scan named one.
    pub batch: Option<BatchId>,
    /// What was scanned, verbatim.
    pub scanned: String,
    /// What happened.
    pub what: String,
    /// Where it was bought.
    pub where_bought: String,
    /// The complainant's contact, committed.
    pub contact: Option<Personal>,
}

/// `ComplaintAnswered`.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintAnswered {
    /// The `ComplaintFiled` record.
    pub complaint: RecordId,
    /// The reply.
    pub reply: String,
    /// Whether the case is closed.
    pub closed: bool,
}

/// `PenaltyDecided`: an administrative penalty decision, published.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PenaltyDecided {
    /// Who was penalised.
    pub party: Party,
    /// The decision's number (行政处罚决定书文号).
    pub decision_number: String,
    /// The violation.
    pub violation: String,
    /// The penalty.
    pub penalty: String,
    /// When it was decided.
    pub decided: Time,
}

named_enum!(
    /// A change to a party's standing on a credit list.
    CreditChange, "credit change" {
        /// Put on the list.
        Listed = "listed",
        /// The party objects (异议).
        Objected = "objected",
        /// Credit repaired (信用修复).
        Repaired = "repaired",
        /// Taken off the list.
        Removed = "removed",
    }
);

/// `CreditListed`.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditListed {
    /// Who.
    pub party: Party,
    /// Which list.
    pub list: String,
    /// Why.
    pub reason: String,
    /// Until when, when the listing ends by itself.
    pub until: Option<Time>,
    /// What changes.
    pub change: CreditChange,
    /// The record it rests on (a penalty decision).
    pub cites: Option<RecordId>,
}

/// One product class's share of a draw, in thousandths.
#[derive(Clone, Copy, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawClass {
    /// The class.
    pub class: ProductClass,
    /// Its share of the targets, per mille.
    pub per_mille: u32,
}

/// `DrawPlanned`: a 双随机 plan, committing to its candidates before the draw.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawPlanned {
    /// The plan's name or number.
    pub plan: String,
    /// Shares by product class.
    pub classes: Vec<DrawClass>,
    /// SHA-256 of the candidate list.
    pub candidates: ContentHash,
    /// How many log entries after this one seed the draw.
    pub seed_size: u64,
}

/// `DrawPublished`.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawPublished {
    /// The `DrawPlanned` record.
    pub plan: RecordId,
    /// The targets drawn.
    pub targets: Vec<Party>,
    /// The inspectors drawn.
    pub inspectors: Vec<PublicKey>,
}

/// `Imported`: an event from another system, kept verbatim.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Imported {
    /// Its format, e.g. `epcis-2.0-json`.
    pub format: String,
    /// SHA-256 of the source document.
    pub source: ContentHash,
    /// Who recorded it there.
    pub original_party: Party,
    /// The source event, verbatim.
    pub event: String,
}
