//! The events a record can carry (docs/data-model.md, section 2), mapped to GS1 EPCIS 2.0 / CBV and FSMA 204 in
//! `docs/data-model.md`.
//!
//! Variants are encoded by position: add new kinds at the end of [`Event`] and new fields never (a new field
//! is a new event kind or a new version tag), because the golden vectors freeze these bytes.

use crate::ids::{BatchId, RecordId};
use crate::keys::PublicKey;
use crate::values::{Gtin, InputKind, Lot, ProductClass, Quantity, Role, Time, VetDrugCode, named_enum};

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
    /// The banned-substance list changes.
    BannedListChanged(BannedListChanged),
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
            Event::BannedListChanged(_) => "BannedListChanged",
        }
    }

    /// The existing batches this event acts on, whose heads it must name as parents (in this order).
    /// Registrations create batches and act on none; a transform acts on all its inputs.
    pub fn acted_on(&self) -> Vec<BatchId> {
        match self {
            Event::InputApplied(e) => vec![e.batch],
            Event::Inspected(e) => vec![e.batch],
            Event::Certified(e) => vec![e.batch],
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
            | Event::BannedListChanged(_) => Vec::new(),
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
    /// Roles granted.
    pub roles: Vec<Role>,
    /// Registration number: unified social credit code, licence or farm registration.
    pub registration: String,
    /// Address or place description.
    pub location: String,
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
    /// Withdrawal period (vet drugs, feed additives) or pre-harvest interval (pesticides) in days.
    pub withdrawal_days: u32,
    /// Prescription-only vet drug (兽用处方药): application must name the prescribing vet.
    pub prescription_only: bool,
    /// High-toxicity pesticide (高毒农药): refused on vegetables, fruit, tea and herbs.
    pub high_toxicity: bool,
    /// Quantity in the lot.
    pub quantity: Quantity,
    /// The 24-digit codes printed on the lot's packages, resolved at `/vd/{code}`.
    pub vet_drug_codes: Vec<VetDrugCode>,
    /// Expiry, when printed.
    pub expires: Option<Time>,
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
    /// The vet who prescribed it, required for prescription-only drugs unless the author is a vet.
    pub prescribed_by: Option<PublicKey>,
    /// The package code scanned, when a vet drug.
    pub vet_drug_code: Option<VetDrugCode>,
    /// Free text: reason, route, area sprayed.
    pub note: String,
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
    /// Measured value in thousandths of `unit`; absent for qualitative tests.
    pub value_milli: Option<u64>,
    /// Limit in thousandths of `unit`; absent for qualitative tests.
    pub limit_milli: Option<u64>,
    /// Unit of value and limit, e.g. "µg/kg".
    pub unit: String,
    /// Method or standard, e.g. "GB/T 22286-2008".
    pub method: String,
    /// The verdict; must agree with value and limit.
    pub verdict: Verdict,
}

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
    }
);

/// `Certified`.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certified {
    /// Batch covered.
    pub batch: BatchId,
    /// Kind of certificate.
    pub kind: CertKind,
    /// Certificate number.
    pub number: String,
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
    /// The receiving actor.
    pub to: PublicKey,
    /// Ship-from location.
    pub from_place: String,
    /// Ship-to location.
    pub to_place: String,
    /// Reference document: waybill, origin-exit certificate number.
    pub document: String,
    /// The carrier, when a transporter carries it.
    pub carrier: Option<PublicKey>,
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
    /// Documents checked: certificate numbers, quarantine papers.
    pub documents_checked: String,
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
}

/// `Sold`.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sold {
    /// Batch sold from.
    pub batch: BatchId,
    /// How much.
    pub quantity: Quantity,
    /// Buyer, if known (a canteen, "retail").
    pub buyer: String,
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
}

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

/// `BannedListChanged`.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BannedListChanged {
    /// Substances added.
    pub add: Vec<String>,
    /// Substances removed.
    pub remove: Vec<String>,
    /// Legal basis or reason.
    pub reason: String,
}
