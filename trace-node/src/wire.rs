//! The JSON shapes of the HTTP API. Core types convert to and from these explicitly here, at the edge; the
//! CLI's client uses these same types. Field names are stable: scripts depend on them (see `docs/api.md`).
//!
//! Every view the node answers (a batch's state and full view, the public summary, histories, lineage, a
//! recall's reach, the listing, actors) has its counterpart here, converted from trace-core's view type by a
//! `From<&trace_core::X>`; no core stored type is serialised to JSON as it is. Value types that already parse
//! from and print to their one text form (`BatchId`, `Quantity`, `Status`, ...) are used as they are.
//! **Invariant**: no shape here can give a JSON object a key twice: no `#[serde(flatten)]`, and the one
//! internally tagged enum ([`BatchKind`], tag `type`) has no variant with a field named `type`.

use base64::Engine;
use serde::{Deserialize, Serialize};
use trace_core::{
    Appended, BatchId, BlockKind, CertKind, Commissioning, Direction, Event, Gtin, InputKind, Lot, ProductClass,
    PublicKey, Quantity, Record, RecordBody, RecordId, Signature, Status, Time, Verdict, VetDrugCode,
};

/// A signed record as submitted: either the JSON body and its signature, or the canonical bytes in base64.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireRecord {
    /// The body (JSON form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<RecordBody>,
    /// The signature over the canonical signed bytes of `body`, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
    /// Alternatively: the canonical record bytes (body then signature), base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoded: Option<String>,
}

impl WireRecord {
    /// The JSON form of a record.
    pub fn from_record(r: &Record) -> WireRecord {
        WireRecord { body: Some(r.body().clone()), signature: Some(*r.signature()), encoded: None }
    }

    /// The base64 form of a record.
    pub fn encoded(r: &Record) -> WireRecord {
        WireRecord {
            body: None,
            signature: None,
            encoded: Some(base64::engine::general_purpose::STANDARD.encode(r.encoded())),
        }
    }

    /// The record, or why it is not one.
    pub fn into_record(self) -> Result<Record, String> {
        match (self.body, self.signature, self.encoded) {
            (Some(body), Some(sig), None) => Ok(Record::from_parts(body, sig)),
            (None, None, Some(b64)) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(b64.trim())
                    .map_err(|e| format!("encoded is not base64: {e}"))?;
                Record::decode(&bytes).map_err(|e| format!("encoded is not a canonical record: {e}"))
            }
            _ => Err("a record is either {\"body\", \"signature\"} or {\"encoded\"}".into()),
        }
    }
}

/// Bulk submission.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkSubmit {
    /// Records, appended in order.
    pub records: Vec<WireRecord>,
}

/// The answer to an accepted (or duplicate) record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitOk {
    /// Entry index.
    pub index: u64,
    /// Record id.
    pub id: RecordId,
    /// Acceptance time, unix ms.
    pub accepted: u64,
    /// True if it was already in the log.
    pub duplicate: bool,
    /// Batches or lots it created.
    pub created: Vec<BatchId>,
    /// Log size after the append.
    pub tree_size: u64,
}

impl SubmitOk {
    /// From the ledger's outcome.
    pub fn from_appended(a: &Appended, tree_size: u64) -> SubmitOk {
        SubmitOk {
            index: a.index,
            id: a.id,
            accepted: a.accepted.0,
            duplicate: a.duplicate,
            created: a.created.clone(),
            tree_size,
        }
    }
}

/// One result of a bulk submission.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum BulkResult {
    /// Accepted or duplicate.
    Ok(SubmitOk),
    /// Refused.
    Err {
        /// `{"code","message"}`.
        error: ErrorBody,
    },
}

/// The inside of an error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable code.
    pub code: String,
    /// Message.
    pub message: String,
    /// A refusal's typed facts (core's `Facts`, tagged by `fact`; see `docs/api.md`), absent for other errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facts: Option<serde_json::Value>,
}

/// An error answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// The error.
    pub error: ErrorBody,
}

/// Bulk answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BulkResponse {
    /// One per submitted record, in order.
    pub results: Vec<BulkResult>,
    /// Log size after the call.
    pub tree_size: u64,
}

/// A log entry, for people and scripts: `GET /v1/records/{id}`, histories, late entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryView {
    /// Entry index.
    pub index: u64,
    /// Record id.
    pub id: RecordId,
    /// Acceptance time.
    pub accepted: u64,
    /// Event kind.
    pub kind: String,
    /// Author key.
    pub author: PublicKey,
    /// Author name, when admitted.
    pub author_name: String,
    /// Claimed time.
    pub time: u64,
    /// How precisely the claimed time is known.
    pub precision: trace_core::TimePrecision,
    /// Accepted more than a day after its claimed time: a late entry (补录). Lists of entries are in claimed-time
    /// order, so a late entry stands where its claim puts it and this says it was entered afterwards.
    pub late: bool,
    /// Parents.
    pub parents: Vec<RecordId>,
    /// The event, in the record body's JSON form (`docs/formats.md`).
    pub event: Event,
    /// The record's extensions (none is defined yet), so that the record can be rebuilt and re-verified.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<trace_core::Extension>,
    /// The signature.
    pub signature: Signature,
}

impl From<&trace_core::EntryView> for EntryView {
    fn from(v: &trace_core::EntryView) -> EntryView {
        let e = &v.entry;
        let b = e.record.body();
        EntryView {
            index: e.index,
            id: e.record.id(),
            accepted: e.accepted.0,
            kind: b.event.kind().to_owned(),
            author: b.author,
            author_name: v.author_name.clone(),
            time: b.time.0,
            precision: b.precision,
            late: e.is_late(),
            parents: b.parents.clone(),
            event: b.event.clone(),
            extensions: b.extensions.clone(),
            signature: *e.record.signature(),
        }
    }
}

impl EntryView {
    /// The record again, for re-verification.
    pub fn record(&self, origin: &trace_core::Origin) -> Record {
        Record::from_parts(
            RecordBody {
                origin: origin.clone(),
                author: self.author,
                time: Time(self.time),
                precision: self.precision,
                parents: self.parents.clone(),
                event: self.event.clone(),
                extensions: self.extensions.clone(),
            },
            self.signature,
        )
    }
}

/// Converts each item of a core list.
pub fn list<'a, C: 'a, W: From<&'a C>>(items: &'a [C]) -> Vec<W> {
    items.iter().map(W::from).collect()
}

/// A row of the batch listing: `trace batches --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRow {
    /// Id.
    pub id: BatchId,
    /// Product or input name.
    pub product: String,
    /// Status.
    pub status: Status,
    /// Main holder's name (the one holding most), empty when nobody holds any.
    pub holder: String,
    /// Whether this is an input lot.
    pub input_lot: bool,
}

impl From<&trace_core::BatchRow> for BatchRow {
    fn from(r: &trace_core::BatchRow) -> BatchRow {
        BatchRow {
            id: r.id,
            product: r.product.clone(),
            status: r.status,
            holder: r.holder.clone(),
            input_lot: r.input_lot,
        }
    }
}

/// The derived state of a batch or input lot: the JSON counterpart of `trace_core::BatchState`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchState {
    /// Id.
    pub id: BatchId,
    /// What it is.
    pub kind: BatchKind,
    /// The record that created it.
    pub created_by: RecordId,
    /// Who created it.
    pub registrant: PublicKey,
    /// Claimed time of the record that created it.
    pub created_at: Time,
    /// Quantity at creation.
    pub initial: Quantity,
    /// The latest record on the batch: the parent the next event must name.
    pub head: RecordId,
    /// Claimed time of the latest record.
    pub last_time: Time,
    /// Who holds how much now.
    pub holdings: Vec<Holding>,
    /// Quantities shipped and not yet received.
    pub in_transit: Vec<Transit>,
    /// Total sold.
    pub sold: Quantity,
    /// Total consumed by transforms.
    pub consumed: Quantity,
    /// Total disposed of.
    pub disposed: Quantity,
    /// Inputs applied to it or its ancestors whose intervals matter.
    pub withdrawals: Vec<Withdrawal>,
    /// Holds, failed inspections and recalls on it or any ancestor.
    pub blocks: Vec<Block>,
}

/// What a batch is, tagged by `type`. Not `kind`: an input lot has a `kind` field of its own (feed, vet drug,
/// pesticide), and a tag of the same name would give the object that key twice. No variant may have a field
/// named `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BatchKind {
    /// Farm produce or food.
    Produce {
        /// Description.
        product: String,
        /// Class.
        class: ProductClass,
        /// How it came into being; `None` for transform outputs.
        commissioning: Option<Commissioning>,
        /// GTIN-14.
        gtin: Option<Gtin>,
        /// Lot.
        lot: Option<Lot>,
        /// Where it was registered or made.
        place: String,
    },
    /// A vet-drug, feed or pesticide lot, as its supplier registered it.
    Input {
        /// Vet drug, feed, feed additive, pesticide, fertiliser.
        kind: InputKind,
        /// Product name.
        name: String,
        /// Approval number.
        approval_number: String,
        /// Manufacturer.
        manufacturer: String,
        /// Production lot.
        lot: Lot,
        /// Active substances.
        active_substances: Vec<String>,
        /// Withdrawal period or pre-harvest interval (days), milk discard (hours), egg withdrawal (days).
        periods: trace_core::Periods,
        /// Prescription-only vet drug.
        prescription_only: bool,
        /// Quantity in the lot.
        quantity: Quantity,
        /// The 24-digit codes printed on the lot's packages.
        vet_drug_codes: Vec<VetDrugCode>,
        /// Expiry, when printed.
        expires: Option<Time>,
    },
}

/// A holder and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holding {
    /// Holder.
    pub holder: PublicKey,
    /// Quantity held.
    pub quantity: Quantity,
}

/// A quantity on its way from one holder to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transit {
    /// The `Shipped` record.
    pub shipment: RecordId,
    /// Shipper.
    pub from: PublicKey,
    /// Receiver.
    pub to: PublicKey,
    /// How much.
    pub quantity: Quantity,
}

/// An input applied to the batch or an ancestor, with the end of its withdrawal period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    /// The input lot.
    pub input: BatchId,
    /// What kind of input.
    pub kind: InputKind,
    /// Its name.
    pub name: String,
    /// The batch it was applied to.
    pub applied_to: BatchId,
    /// When it was applied.
    pub applied: Time,
    /// Withdrawal or pre-harvest days.
    pub days: u32,
    /// The first moment the batch may move again.
    pub until: Time,
    /// The first moment milk from the treated herd is no longer discarded (弃奶期; `until` when the label gives
    /// none).
    #[serde(default)]
    pub milk_until: Option<Time>,
    /// The same for eggs from a treated flock.
    #[serde(default)]
    pub eggs_until: Option<Time>,
}

/// A hold, failed inspection or recall on the batch or an ancestor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// Kind.
    pub kind: BlockKind,
    /// The batch it was recorded on.
    pub source: BatchId,
    /// The record that placed it.
    pub record: RecordId,
    /// Why.
    pub reason: String,
    /// When (claimed time of that record).
    pub time: Time,
}

impl From<&trace_core::BatchState> for BatchState {
    fn from(b: &trace_core::BatchState) -> BatchState {
        let kind = match &b.kind {
            trace_core::BatchKind::Produce { product, class, commissioning, gtin, lot, place } => BatchKind::Produce {
                product: product.clone(),
                class: *class,
                commissioning: *commissioning,
                gtin: gtin.clone(),
                lot: lot.clone(),
                place: place.clone(),
            },
            trace_core::BatchKind::Input(l) => BatchKind::Input {
                kind: l.kind,
                name: l.name.clone(),
                approval_number: l.approval_number.clone(),
                manufacturer: l.manufacturer.clone(),
                lot: l.lot.clone(),
                active_substances: l.active_substances.clone(),
                periods: l.periods,
                prescription_only: l.prescription_only,
                quantity: l.quantity,
                vet_drug_codes: l.vet_drug_codes.clone(),
                expires: l.expires,
            },
        };
        BatchState {
            id: b.id,
            kind,
            created_by: b.created_by,
            registrant: b.registrant,
            created_at: b.created_at,
            initial: b.initial,
            head: b.head,
            last_time: b.last_time,
            holdings: b.holdings.iter().map(|h| Holding { holder: h.holder, quantity: h.quantity }).collect(),
            in_transit: b
                .in_transit
                .iter()
                .map(|t| Transit { shipment: t.shipment, from: t.from, to: t.to, quantity: t.quantity })
                .collect(),
            sold: b.sold,
            consumed: b.consumed,
            disposed: b.disposed,
            withdrawals: b
                .withdrawals
                .iter()
                .map(|w| Withdrawal {
                    input: w.input,
                    kind: w.kind,
                    name: w.name.clone(),
                    applied_to: w.applied_to,
                    applied: w.applied,
                    days: w.days,
                    until: w.until,
                    milk_until: Some(w.milk_until),
                    eggs_until: Some(w.eggs_until),
                })
                .collect(),
            blocks: b
                .blocks
                .iter()
                .map(|k| Block {
                    kind: k.kind,
                    source: k.source,
                    record: k.record,
                    reason: k.reason.clone(),
                    time: k.time,
                })
                .collect(),
        }
    }
}

/// The provenance summary of a batch: `GET /v1/public/batches/{id}`, the scan pages' JSON, and the `summary` of
/// a batch view. The JSON counterpart of `trace_core::Summary`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The batch.
    pub batch: BatchId,
    /// Product description (or input name for a lot).
    pub product: String,
    /// Product class or input kind, as text.
    pub class: String,
    /// Derived status.
    pub status: Status,
    /// GTIN-14, when the batch has one.
    pub gtin: Option<String>,
    /// Lot, when the batch has one.
    pub lot: Option<String>,
    /// Who registered or made the batch.
    pub made_by: String,
    /// Where it was registered or made.
    pub place: String,
    /// When.
    pub made_at: Time,
    /// Farms and fields the batch comes from.
    pub origins: Vec<OriginView>,
    /// Inputs given to the batch or an ancestor, with their withdrawal periods.
    pub inputs: Vec<InputView>,
    /// Inspections of the batch, an ancestor or an input lot.
    pub inspections: Vec<InspectionView>,
    /// Certificates covering the batch, an ancestor or an input lot.
    pub certificates: Vec<CertificateView>,
    /// Custody and transformation steps, in claimed-time order (late entries marked).
    pub custody: Vec<CustodyView>,
    /// Holds, failed inspections and recalls on the batch or an ancestor.
    pub warnings: Vec<WarningView>,
    /// Current holders and quantities.
    pub holders: Vec<HolderView>,
    /// Every record the summary was built from, as `[log index, record id]`.
    pub records: Vec<(u64, RecordId)>,
    /// Corrections of any of those records.
    pub corrections: Vec<CorrectionView>,
    /// The log size the summary was read at.
    pub tree_size: u64,
}

/// A farm or field of origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginView {
    /// The registered batch.
    pub batch: BatchId,
    /// Its product.
    pub product: String,
    /// The registering actor's name.
    pub farm: String,
    /// Its registration number.
    pub registration: String,
    /// Place.
    pub place: String,
    /// When.
    pub time: Time,
}

/// An input given to the batch or an ancestor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputView {
    /// The input lot.
    pub lot: BatchId,
    /// Name and lot number.
    pub name: String,
    /// Kind.
    pub kind: InputKind,
    /// Approval number.
    pub approval_number: String,
    /// The batch it was given to.
    pub applied_to: BatchId,
    /// When.
    pub applied: Time,
    /// Dose.
    pub dose: Quantity,
    /// Who gave it.
    pub by: String,
    /// Withdrawal or pre-harvest days.
    pub withdrawal_days: u32,
    /// When the interval ends.
    pub withdrawal_ends: Time,
    /// Whether it had ended when the summary was made.
    pub withdrawal_over: bool,
    /// Whether it binds this batch (false: given to an ancestor's goods this batch was not made from).
    pub binds: bool,
    /// For milk or eggs: the end of the treatment's milk discard (弃奶期) or egg period, which binds them instead.
    #[serde(default)]
    pub discard_ends: Option<Time>,
    /// Whether it was recorded late, its interval then running from its recording.
    pub late: bool,
    /// The vet whose prescription it cites.
    pub prescribed_by: Option<String>,
    /// Whether the lot is itself on hold or recalled.
    pub lot_status: Status,
}

/// An inspection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionView {
    /// Batch sampled.
    pub batch: BatchId,
    /// Lab.
    pub lab: String,
    /// When.
    pub time: Time,
    /// Sample number.
    pub sample: String,
    /// Analyte.
    pub analyte: String,
    /// Value in thousandths of `unit`.
    pub value_milli: Option<u64>,
    /// Limit in thousandths of `unit`.
    pub limit_milli: Option<u64>,
    /// Unit.
    pub unit: String,
    /// Method.
    pub method: String,
    /// Verdict.
    pub verdict: Verdict,
}

/// A certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateView {
    /// Batch covered.
    pub batch: BatchId,
    /// Kind.
    pub kind: CertKind,
    /// Number.
    pub number: String,
    /// Issuer.
    pub issuer: String,
    /// Valid from.
    pub valid_from: Time,
    /// Valid until.
    pub valid_until: Time,
    /// Promises.
    pub promises: Vec<String>,
}

/// One step of custody.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustodyView {
    /// Log index of the record.
    pub index: u64,
    /// Event kind: BatchRegistered, Shipped, Received, Transformed, Sold, Disposed.
    pub kind: String,
    /// Batch concerned (for a transform: the first input).
    pub batch: BatchId,
    /// Actor.
    pub actor: String,
    /// Counterparty (receiver of a shipment), when any.
    pub counterparty: Option<String>,
    /// Quantity, when any.
    pub quantity: Option<Quantity>,
    /// Place or document, when any.
    pub detail: String,
    /// Claimed time.
    pub time: Time,
    /// Entered more than a day after its claimed time (补录); custody is listed in claimed-time order.
    pub late: bool,
}

/// A hold, failed inspection or recall reaching the batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningView {
    /// Kind.
    pub kind: BlockKind,
    /// The batch it was placed on.
    pub source: BatchId,
    /// Label of that batch.
    pub source_label: String,
    /// Why.
    pub reason: String,
    /// When.
    pub time: Time,
    /// The record.
    pub record: RecordId,
}

/// A holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolderView {
    /// Key.
    pub key: PublicKey,
    /// Name.
    pub name: String,
    /// Quantity held.
    pub quantity: Quantity,
}

/// A correction of a record the summary shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionView {
    /// The corrected record.
    pub target: RecordId,
    /// Why it was wrong.
    pub reason: String,
    /// What is true instead.
    pub corrected: String,
    /// Who corrected it.
    pub by: String,
    /// When.
    pub time: Time,
}

impl From<&trace_core::OriginView> for OriginView {
    fn from(o: &trace_core::OriginView) -> OriginView {
        OriginView {
            batch: o.batch,
            product: o.product.clone(),
            farm: o.farm.clone(),
            registration: o.registration.clone(),
            place: o.place.clone(),
            time: o.time,
        }
    }
}

impl From<&trace_core::InputView> for InputView {
    fn from(i: &trace_core::InputView) -> InputView {
        InputView {
            lot: i.lot,
            name: i.name.clone(),
            kind: i.kind,
            approval_number: i.approval_number.clone(),
            applied_to: i.applied_to,
            applied: i.applied,
            dose: i.dose,
            by: i.by.clone(),
            withdrawal_days: i.withdrawal_days,
            withdrawal_ends: i.withdrawal_ends,
            withdrawal_over: i.withdrawal_over,
            binds: i.binds,
            discard_ends: i.discard_ends,
            late: i.late,
            prescribed_by: i.prescribed_by.clone(),
            lot_status: i.lot_status,
        }
    }
}

impl From<&trace_core::InspectionView> for InspectionView {
    fn from(i: &trace_core::InspectionView) -> InspectionView {
        InspectionView {
            batch: i.batch,
            lab: i.lab.clone(),
            time: i.time,
            sample: i.sample.clone(),
            analyte: i.analyte.clone(),
            value_milli: i.value_milli,
            limit_milli: i.limit_milli,
            unit: i.unit.clone(),
            method: i.method.clone(),
            verdict: i.verdict,
        }
    }
}

impl From<&trace_core::CertificateView> for CertificateView {
    fn from(c: &trace_core::CertificateView) -> CertificateView {
        CertificateView {
            batch: c.batch,
            kind: c.kind,
            number: c.number.clone(),
            issuer: c.issuer.clone(),
            valid_from: c.valid_from,
            valid_until: c.valid_until,
            promises: c.promises.clone(),
        }
    }
}

impl From<&trace_core::CustodyView> for CustodyView {
    fn from(c: &trace_core::CustodyView) -> CustodyView {
        CustodyView {
            index: c.index,
            kind: c.kind.to_owned(),
            batch: c.batch,
            actor: c.actor.clone(),
            counterparty: c.counterparty.clone(),
            quantity: c.quantity,
            detail: c.detail.clone(),
            time: c.time,
            late: c.late,
        }
    }
}

impl From<&trace_core::WarningView> for WarningView {
    fn from(w: &trace_core::WarningView) -> WarningView {
        WarningView {
            kind: w.kind,
            source: w.source,
            source_label: w.source_label.clone(),
            reason: w.reason.clone(),
            time: w.time,
            record: w.record,
        }
    }
}

impl From<&trace_core::HolderView> for HolderView {
    fn from(h: &trace_core::HolderView) -> HolderView {
        HolderView { key: h.key, name: h.name.clone(), quantity: h.quantity }
    }
}

impl From<&trace_core::CorrectionView> for CorrectionView {
    fn from(c: &trace_core::CorrectionView) -> CorrectionView {
        CorrectionView {
            target: c.target,
            reason: c.reason.clone(),
            corrected: c.corrected.clone(),
            by: c.by.clone(),
            time: c.time,
        }
    }
}

impl From<&trace_core::Summary> for Summary {
    /// Everything but `lineage`, which only the node's scan cache uses.
    fn from(s: &trace_core::Summary) -> Summary {
        Summary {
            batch: s.batch,
            product: s.product.clone(),
            class: s.class.clone(),
            status: s.status,
            gtin: s.gtin.clone(),
            lot: s.lot.clone(),
            made_by: s.made_by.clone(),
            place: s.place.clone(),
            made_at: s.made_at,
            origins: list(&s.origins),
            inputs: list(&s.inputs),
            inspections: list(&s.inspections),
            certificates: list(&s.certificates),
            custody: list(&s.custody),
            warnings: list(&s.warnings),
            holders: list(&s.holders),
            records: s.records.clone(),
            corrections: list(&s.corrections),
            tree_size: s.tree_size,
        }
    }
}

/// The full view of one batch: `GET /v1/batches/{id}`, `trace show BATCH --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchView {
    /// Derived state.
    pub state: BatchState,
    /// Status.
    pub status: Status,
    /// Provenance summary.
    pub summary: Summary,
    /// Every record on the batch.
    pub history: Vec<EntryView>,
}

impl From<&trace_core::BatchView> for BatchView {
    fn from(v: &trace_core::BatchView) -> BatchView {
        BatchView {
            state: BatchState::from(&v.state),
            status: v.status,
            summary: Summary::from(&v.summary),
            history: list(&v.history),
        }
    }
}

/// One batch reached by a lineage walk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineageRow {
    /// Id.
    pub id: BatchId,
    /// Edges from the start.
    pub depth: u32,
    /// Description.
    pub label: String,
    /// Status.
    pub status: Status,
    /// Whether this is an input lot.
    pub input_lot: bool,
    /// Holders and quantities, as "name: quantity".
    pub holders: Vec<String>,
}

impl From<&trace_core::LineageRow> for LineageRow {
    fn from(r: &trace_core::LineageRow) -> LineageRow {
        LineageRow {
            id: r.id,
            depth: r.depth,
            label: r.label.clone(),
            status: r.status,
            input_lot: r.input_lot,
            holders: r.holders.iter().map(|h| format!("{}: {}", h.name, h.quantity)).collect(),
        }
    }
}

/// A lineage answer: `GET /v1/batches/{id}/back` and `…/forward`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineageResponse {
    /// Start batch.
    pub start: BatchId,
    /// "back" or "forward".
    pub direction: String,
    /// Reached batches, breadth-first.
    pub reached: Vec<LineageRow>,
}

impl From<&trace_core::LineageView> for LineageResponse {
    fn from(v: &trace_core::LineageView) -> LineageResponse {
        let direction = match v.direction {
            Direction::Back => "back",
            Direction::Forward => "forward",
        };
        LineageResponse { start: v.start, direction: direction.to_owned(), reached: list(&v.reached) }
    }
}

/// A recall's reach: `GET /v1/batches/{id}/recall-impact`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecallImpact {
    /// The lot or batch whose reach this is.
    pub source: BatchState,
    /// Every descendant, breadth-first.
    pub reached: Vec<Reached>,
    /// Holders with what they hold of affected batches.
    pub holders: Vec<ImpactHolder>,
}

/// A batch a recall reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reached {
    /// The batch.
    pub batch: BatchState,
    /// Edges from the source.
    pub depth: u32,
}

/// `POST /v1/personal`: the value of one personal commitment of a record, deposited by its author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonalDeposit {
    /// The record (64 hex digits).
    pub record: String,
    /// The field: `contact` or `person`.
    pub field: String,
    /// The commitment's salt, 32 hex digits.
    pub salt: String,
    /// The value.
    pub value: String,
}

/// `GET /v1/personal/{record}/{field}`: a personal value, or when it was erased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalValue {
    /// The record.
    pub record: RecordId,
    /// The field.
    pub field: String,
    /// The value, unless erased.
    pub value: Option<String>,
    /// Its salt (hex), unless erased: with the value it opens the record's commitment.
    pub salt: Option<String>,
    /// When and why it was erased.
    pub erased: Option<String>,
}

/// One read of a personal value: `GET /v1/personal/access-log` (the authority).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEntry {
    /// When.
    pub time: Time,
    /// Who read it.
    pub reader: PublicKey,
    /// The reader's name.
    pub reader_name: String,
    /// The record.
    pub record: RecordId,
    /// The field.
    pub field: String,
    /// The reason given.
    pub reason: String,
}

impl From<&trace_core::vault::AccessEntry> for AccessEntry {
    fn from(e: &trace_core::vault::AccessEntry) -> AccessEntry {
        AccessEntry {
            time: e.time,
            reader: e.reader,
            reader_name: e.reader_name.clone(),
            record: e.record,
            field: e.field.clone(),
            reason: e.reason.clone(),
        }
    }
}

impl PersonalValue {
    /// What the vault holds for `field` of `record`, as answered.
    pub fn of(record: RecordId, field: &str, held: trace_core::vault::Held) -> PersonalValue {
        let field = field.to_owned();
        match held {
            trace_core::vault::Held::Value(v) => {
                PersonalValue { record, field, value: Some(v.value), salt: Some(hex::encode(v.salt)), erased: None }
            }
            trace_core::vault::Held::Erased { at, reason } => PersonalValue {
                record,
                field,
                value: None,
                salt: None,
                erased: Some(format!("{} ({reason})", at.rfc3339())),
            },
        }
    }
}

/// `GET /v1/batches/{id}/head`: the record a new record on the batch names as its parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchHead {
    /// The batch.
    pub batch: BatchId,
    /// Its latest record.
    pub head: RecordId,
}

/// Batches at risk from what a positive batch was fed: `GET /v1/at-risk` (every positive) and
/// `GET /v1/batches/{id}/at-risk` (regulator). Not blocks: where to sample next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AtRisk {
    /// The batch found positive.
    pub source: BatchState,
    /// Its failed inspections and positive screenings, oldest first.
    pub positives: Vec<EntryView>,
    /// Each lot it or an ancestor was fed, with the other batches fed from it.
    pub lots: Vec<AtRiskLot>,
}

/// One lot of an at-risk list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AtRiskLot {
    /// The input lot.
    pub lot: BatchState,
    /// Batches fed from it (depth 0) and what was made from them (depth from the batch fed).
    pub batches: Vec<Reached>,
}

impl From<&trace_core::AtRiskView> for AtRisk {
    fn from(v: &trace_core::AtRiskView) -> AtRisk {
        AtRisk {
            source: BatchState::from(&v.source),
            positives: v.positives.iter().map(EntryView::from).collect(),
            lots: v
                .lots
                .iter()
                .map(|l| AtRiskLot {
                    lot: BatchState::from(&l.lot),
                    batches: l
                        .batches
                        .iter()
                        .map(|x| Reached { batch: BatchState::from(&x.batch), depth: x.depth })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// One holder affected by a recall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpactHolder {
    /// The holder's key.
    pub holder: PublicKey,
    /// Its name, when admitted.
    pub name: String,
    /// Affected batches it holds or has in transit to it.
    pub batches: Vec<BatchId>,
}

impl From<&trace_core::RecallImpact> for RecallImpact {
    fn from(r: &trace_core::RecallImpact) -> RecallImpact {
        RecallImpact {
            source: BatchState::from(&r.source),
            reached: r.reached.iter().map(|x| Reached { batch: BatchState::from(&x.batch), depth: x.depth }).collect(),
            holders: r
                .holders
                .iter()
                .map(|h| ImpactHolder { holder: h.holder, name: h.name.clone(), batches: h.batches.clone() })
                .collect(),
        }
    }
}

/// An actor, for listings: `GET /v1/actors`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorView {
    /// Key.
    pub key: PublicKey,
    /// Name.
    pub name: String,
    /// Short unique name.
    pub handle: trace_core::Handle,
    /// Roles.
    pub roles: Vec<trace_core::Role>,
    /// Registration.
    pub registration: String,
    /// Location.
    pub location: String,
    /// Active (not revoked or rotated).
    pub active: bool,
}

impl From<&trace_core::ActorView> for ActorView {
    fn from(a: &trace_core::ActorView) -> ActorView {
        ActorView {
            key: a.key,
            name: a.name.clone(),
            handle: a.handle.clone(),
            roles: a.roles.clone(),
            registration: a.registration.clone(),
            location: a.location.clone(),
            active: a.active,
        }
    }
}

/// `/healthz`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Health {
    /// "ok".
    pub status: String,
    /// Origin.
    pub origin: String,
    /// Log size.
    pub tree_size: u64,
}

/// `POST /v1/checkpoint/cosignatures`: a witness's cosignature of a checkpoint the node signed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CosignatureSubmit {
    /// The checkpoint note the witness cosigned, as the node served it.
    pub note: String,
    /// The witness's verifier key, `name+hex(keyID)+base64(0x04‖key)`.
    pub witness_key: String,
    /// The cosignature line, `— <name> base64(keyID‖timestamp‖signature)`.
    pub cosignature: String,
}

/// The answer to an accepted cosignature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CosignatureAccepted {
    /// The size of the checkpoint cosigned.
    pub tree_size: u64,
    /// How many witnesses have cosigned it.
    pub witnesses: usize,
}

/// `GET /v1/proof/inclusion`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    /// Entry index.
    pub index: u64,
    /// The record id, when the proof was asked for by id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<RecordId>,
    /// The tree size the proof is for.
    pub tree_size: u64,
    /// The entry's leaf hash, base64.
    pub leaf_hash: String,
    /// RFC 9162 inclusion proof, leaf side first, base64 hashes.
    pub proof: Vec<String>,
}

/// `GET /v1/proof/consistency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyProof {
    /// The smaller tree size.
    pub old: u64,
    /// The larger tree size.
    pub new: u64,
    /// RFC 9162 consistency proof, base64 hashes (empty when `old` is 0 or equals `new`).
    pub proof: Vec<String>,
}

/// One entry's leaf data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryLeaf {
    /// Entry index.
    pub index: u64,
    /// The leaf data (what the Merkle leaf hashes), base64.
    pub leaf_data: String,
}

/// `GET /v1/entries`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntriesResponse {
    /// The first index asked for.
    pub from: u64,
    /// Entries from `from`, in order, at most the limit.
    pub entries: Vec<EntryLeaf>,
    /// The log's size when read.
    pub tree_size: u64,
}

/// `GET /v1/public/batches/{id}/proofs`: a proof file for every record the batch's summary rests on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchProofs {
    /// The batch.
    pub batch: BatchId,
    /// The signed checkpoint every proof is against.
    pub checkpoint: String,
    /// The log key that signed it.
    pub log_key: String,
    /// Its size.
    pub tree_size: u64,
    /// Proof files (`trace_core::inclusion_proof_file`), one per record, in log order.
    pub proofs: Vec<serde_json::Value>,
}
