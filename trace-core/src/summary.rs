//! The provenance summary of one batch: what a shopper's scan page and a stall's scanner show. Built from the
//! batch's state, its ancestors (`lineage(Back)`) and their histories, so its cost grows with the batch's
//! lineage, not with the ledger.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::Error;
use crate::event::{CertKind, Event, Verdict};
use crate::ids::{BatchId, RecordId};
use crate::keys::PublicKey;
use crate::ledger::Ledger;
use crate::query::Direction;
use crate::shared::CertRef;
use crate::state::{BatchKind, BatchState, Block, BlockKind, Status};
use crate::values::{InputKind, Quantity, Time};

/// Everything the scan page shows about a batch.
#[derive(Debug, Clone)]
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
    /// Farms and fields the batch comes from (registrations among itself and its ancestors).
    pub origins: Vec<OriginView>,
    /// Inputs given to the batch or an ancestor, with their withdrawal periods.
    pub inputs: Vec<InputView>,
    /// Inspections of the batch or an ancestor.
    pub inspections: Vec<InspectionView>,
    /// Certificates covering the batch or an ancestor.
    pub certificates: Vec<CertificateView>,
    /// Custody and transformation steps, in claimed-time order (late entries marked), up to the current holders.
    pub custody: Vec<CustodyView>,
    /// Holds, failed inspections and recalls on the batch or an ancestor.
    pub warnings: Vec<WarningView>,
    /// Current holders and quantities.
    pub holders: Vec<HolderView>,
    /// Every record the summary was built from, with its log index (for inclusion proofs).
    pub records: Vec<(u64, RecordId)>,
    /// Corrections of any of those records.
    pub corrections: Vec<CorrectionView>,
    /// The log size the summary was read at.
    pub tree_size: u64,
    /// The batch and every ancestor and input lot it was built from: the batches on which a new event can
    /// change it. Not part of the wire shape.
    pub lineage: Vec<BatchId>,
}

/// A farm or field of origin.
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
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
    /// Whether it has ended by the time the summary was made.
    pub withdrawal_over: bool,
    /// Whether it binds this batch: false when it was given to an ancestor's goods this batch was not made
    /// from (after this batch was made, or to another holder's part).
    pub binds: bool,
    /// Whether it was recorded late (more than [`crate::rules::TREATMENT_GRACE_MS`] after its claimed time); its
    /// interval then runs from its recording.
    pub late: bool,
    /// The vet whose prescription it cites, for a prescription-only drug.
    pub prescribed_by: Option<String>,
    /// For milk or eggs, the end of the treatment's milk discard period (弃奶期) or egg period: what binds them
    /// instead of the herd's or flock's withdrawal (milk produced before it is held for disposal).
    pub discard_ends: Option<Time>,
    /// Whether the lot is itself on hold or recalled.
    pub lot_status: Status,
}

/// An inspection.
#[derive(Debug, Clone)]
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
    /// Value and limit in thousandths of `unit`.
    pub value_milli: Option<u64>,
    /// Limit.
    pub limit_milli: Option<u64>,
    /// Unit.
    pub unit: String,
    /// Method.
    pub method: String,
    /// Verdict.
    pub verdict: Verdict,
}

/// A certificate.
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
pub struct CustodyView {
    /// Log index of the record.
    pub index: u64,
    /// Event kind: BatchRegistered, Shipped, Received, Transformed, Sold, Disposed.
    pub kind: &'static str,
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
    /// Entered more than a day after its claimed time (补录).
    pub late: bool,
}

/// A hold, failed inspection or recall reaching the batch.
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolderView {
    /// Key.
    pub key: PublicKey,
    /// Name.
    pub name: String,
    /// Quantity held.
    pub quantity: Quantity,
}

/// A correction of a record the summary shows.
#[derive(Debug, Clone)]
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

struct Names<'l> {
    ledger: &'l Ledger,
    cache: BTreeMap<PublicKey, (String, String)>,
}

impl Names<'_> {
    fn get(&mut self, k: &PublicKey) -> Result<(String, String), Error> {
        if let Some(n) = self.cache.get(k) {
            return Ok(n.clone());
        }
        let n = match self.ledger.actor(k)? {
            Some(a) => (a.name, a.registration),
            None => (format!("unknown actor {}", k.short()), String::new()),
        };
        self.cache.insert(*k, n.clone());
        Ok(n)
    }

    fn name(&mut self, k: &PublicKey) -> Result<String, Error> {
        Ok(self.get(k)?.0)
    }
}

impl Ledger {
    /// Certificate references as one line of text, `"-"` when there are none. A certificate recorded on this
    /// ledger is named by its kind and number, as a buyer reads it on paper; a reference to a record that is not
    /// a certificate (refused at record time, so only in a ledger written before the rule) keeps the record id.
    pub(crate) fn describe_certs(&self, refs: &[CertRef]) -> Result<String, Error> {
        if refs.is_empty() {
            return Ok("-".into());
        }
        let mut parts = Vec::with_capacity(refs.len());
        for r in refs {
            let named = match r {
                CertRef::OnLedger(id) => self.record(id)?.and_then(|e| match &e.record.body().event {
                    Event::Certified(c) => Some(format!("{} {}", c.kind, c.number)),
                    _ => None,
                }),
                CertRef::External(_) => None,
            };
            parts.push(named.unwrap_or_else(|| r.to_string()));
        }
        Ok(parts.join("; "))
    }

    /// The provenance summary of a batch, as of now.
    pub fn summary(&self, id: BatchId) -> Result<Summary, Error> {
        self.summary_at(id, Time::now())
    }

    /// The provenance summary of a batch, judging withdrawal periods as of `now`.
    pub fn summary_at(&self, id: BatchId, now: Time) -> Result<Summary, Error> {
        let tree_size = self.size();
        let state = self.batch(id)?.ok_or_else(|| Error::NotFound(format!("batch {id}")))?;
        let ancestors = self.lineage(id, Direction::Back)?;
        let mut names = Names { ledger: self, cache: BTreeMap::new() };
        let mut lots: BTreeMap<BatchId, BatchState> = BTreeMap::new();
        let mut produce: Vec<&BatchState> = vec![&state];
        for r in &ancestors {
            match r.batch.kind {
                BatchKind::Input(_) => {
                    lots.insert(r.batch.id, r.batch.clone());
                }
                BatchKind::Produce { .. } => produce.push(&r.batch),
            }
        }
        let (product, class, gtin, lot, place) = match &state.kind {
            BatchKind::Produce { product, class, gtin, lot, place, .. } => (
                product.clone(),
                class.to_string(),
                gtin.as_ref().map(|g| g.to_string()),
                lot.as_ref().map(|l| l.to_string()),
                place.clone(),
            ),
            BatchKind::Input(l) => {
                (l.name.clone(), l.kind.to_string(), None, Some(l.lot.to_string()), l.manufacturer.clone())
            }
        };
        let mut s = Summary {
            batch: id,
            product,
            class,
            status: state.status(),
            gtin,
            lot,
            made_by: names.name(&state.registrant)?,
            place,
            made_at: Time(0),
            origins: Vec::new(),
            inputs: Vec::new(),
            inspections: Vec::new(),
            certificates: Vec::new(),
            custody: Vec::new(),
            warnings: Vec::new(),
            holders: Vec::new(),
            records: Vec::new(),
            corrections: Vec::new(),
            tree_size,
            lineage: std::iter::once(id).chain(ancestors.iter().map(|r| r.batch.id)).collect(),
        };
        let mut seen: BTreeSet<RecordId> = BTreeSet::new();
        let mut entries = Vec::new();
        for b in &produce {
            for e in self.history(b.id)? {
                if seen.insert(e.record.id()) {
                    entries.push(e);
                }
            }
        }
        // An input lot's own inspections and certificates matter to what was made with it (clenbuterol found
        // in a feed lot); its custody and registration do not belong in the produce's story.
        for lot in lots.values() {
            for e in self.history(lot.id)? {
                let relevant = matches!(e.record.body().event, Event::Inspected(_) | Event::Certified(_));
                if relevant && seen.insert(e.record.id()) {
                    entries.push(e);
                }
            }
        }
        crate::record::claimed_order(&mut entries);
        for e in &entries {
            let body = e.record.body();
            let author = names.name(&body.author)?;
            s.records.push((e.index, e.record.id()));
            if e.record.id() == state.created_by {
                s.made_at = body.time;
            }
            // A correction of a record with restricted fields may repeat them: its words are for the parties.
            let restricted = !crate::privacy::restricted_fields(&body.event).is_empty();
            let words = |t: &str| {
                if restricted { "(restricted: the parties and regulators read it)".to_owned() } else { t.to_owned() }
            };
            for c in self.corrections(&e.record.id())? {
                if let Event::Correction(x) = &c.record.body().event {
                    s.corrections.push(CorrectionView {
                        target: x.target,
                        reason: words(&x.reason),
                        corrected: words(&x.corrected),
                        by: names.name(&c.record.body().author)?,
                        time: c.record.body().time,
                    });
                }
            }
            let custody = |kind, batch, counterparty, quantity, detail: String| CustodyView {
                index: e.index,
                kind,
                batch,
                actor: author.clone(),
                counterparty,
                quantity,
                detail,
                time: body.time,
                late: e.is_late(),
            };
            match &body.event {
                Event::BatchRegistered(r) => {
                    let b = BatchId::derive(&e.record.id(), 0);
                    let (farm, registration) = names.get(&body.author)?;
                    s.origins.push(OriginView {
                        batch: b,
                        product: r.product.clone(),
                        farm,
                        registration,
                        place: r.place.clone(),
                        time: body.time,
                    });
                    s.custody.push(custody("BatchRegistered", b, None, Some(r.quantity), r.place.clone()));
                }
                Event::InputApplied(a) => {
                    let lot = match lots.get(&a.input) {
                        Some(l) => l.clone(),
                        None => {
                            self.batch(a.input)?.ok_or_else(|| Error::NotFound(format!("input lot {}", a.input)))?
                        }
                    };
                    if let BatchKind::Input(info) = &lot.kind {
                        let rid = e.record.id();
                        let mine = state.withdrawals.iter().find(|w| w.record == rid);
                        let given = produce.iter().find(|p| p.id == a.batch).map(|p| &p.withdrawals);
                        let theirs = given.and_then(|ws| ws.iter().find(|w| w.record == rid));
                        let ends = mine
                            .or(theirs)
                            .map(|w| w.until)
                            .unwrap_or_else(|| body.time.plus_days(info.periods.meat_days));
                        let produce_of = match state.kind {
                            BatchKind::Produce { class: crate::values::ProductClass::Dairy, .. } => {
                                Some(crate::event::Production::Milking)
                            }
                            BatchKind::Produce { class: crate::values::ProductClass::Egg, .. } => {
                                Some(crate::event::Production::Laying)
                            }
                            _ => None,
                        };
                        let discard_ends = produce_of.and_then(|p| theirs.map(|w| w.discard_until(p)));
                        let binds = discard_ends.is_none() && (mine.is_some() || info.periods.meat_days == 0);
                        let prescribed_by = match a.prescription.map(|id| self.record(&id)).transpose()?.flatten() {
                            Some(p) => Some(names.name(&p.record.body().author)?),
                            None => None,
                        };
                        s.inputs.push(InputView {
                            lot: lot.id,
                            name: format!("{} lot {}", info.name, info.lot),
                            kind: info.kind,
                            approval_number: info.approval_number.clone(),
                            applied_to: a.batch,
                            applied: body.time,
                            dose: a.dose,
                            by: author.clone(),
                            withdrawal_days: info.periods.meat_days,
                            withdrawal_ends: ends,
                            withdrawal_over: ends <= now,
                            binds,
                            late: e.is_late(),
                            prescribed_by,
                            discard_ends,
                            lot_status: lot.status(),
                        });
                    }
                }
                Event::Inspected(i) => s.inspections.push(InspectionView {
                    batch: i.batch,
                    lab: author.clone(),
                    time: body.time,
                    sample: i.sample.clone(),
                    analyte: i.analyte.clone(),
                    value_milli: i.result.value_milli(),
                    limit_milli: i.limit_milli,
                    unit: i.unit.clone(),
                    method: i.method.clone(),
                    verdict: i.verdict,
                }),
                Event::Certified(c) => s.certificates.push(CertificateView {
                    batch: if c.batches.contains(&id) { id } else { c.batches.first().copied().unwrap_or(id) },
                    kind: c.kind,
                    number: c.number.clone(),
                    issuer: author.clone(),
                    valid_from: c.valid_from,
                    valid_until: c.valid_until,
                    promises: c.promises.clone(),
                }),
                // The summary is public (`crate::privacy`): who held the goods, not the documents, places,
                // notes or buyers of their trade, which the parties read in the batch's history.
                Event::Shipped(x) => {
                    let to = match &x.to {
                        crate::shared::Party::Member(k) => names.name(k)?,
                        crate::shared::Party::Outside(_) => "a party outside this ledger".to_owned(),
                    };
                    s.custody.push(custody("Shipped", x.batch, Some(to), Some(x.quantity), String::new()));
                }
                Event::Received(x) => {
                    let detail = if x.accepted {
                        self.describe_certs(&x.checked)?
                    } else {
                        "refused at purchase inspection".to_owned()
                    };
                    s.custody.push(custody("Received", x.batch, None, None, detail));
                }
                Event::Transformed(t) => {
                    let first = t.inputs.first().map(|i| i.batch).unwrap_or(id);
                    s.custody.push(custody("Transformed", first, None, None, format!("{} at {}", t.process, t.place)));
                }
                Event::Produced(p) => {
                    let what = match p.process {
                        crate::event::Production::Milking => "milking",
                        crate::event::Production::Laying => "laying",
                    };
                    s.custody.push(custody("Produced", p.source, None, Some(p.output.quantity), what.to_owned()));
                }
                Event::Sold(x) => {
                    let buyer = match &x.buyer {
                        None => "retail".to_owned(),
                        Some(_) => "a named buyer".to_owned(),
                    };
                    s.custody.push(custody("Sold", x.batch, None, Some(x.quantity), buyer))
                }
                Event::Disposed(x) => {
                    let detail = match self.countersignature(&e.record.id())? {
                        Some(c) => format!("{}, countersigned by {}", x.method, names.name(&c.record.body().author)?),
                        None => x.method.clone(),
                    };
                    s.custody.push(custody("Disposed", x.batch, None, Some(x.quantity), detail))
                }
                _ => {}
            }
        }
        for Block { kind, source, record, reason, time, .. } in &state.blocks {
            let source_label = match self.batch(*source)? {
                Some(b) => b.label(),
                None => source.to_string(),
            };
            s.warnings.push(WarningView {
                kind: *kind,
                source: *source,
                source_label,
                reason: reason.clone(),
                time: *time,
                record: *record,
            });
        }
        for h in &state.holdings {
            s.holders.push(HolderView { key: h.holder, name: names.name(&h.holder)?, quantity: h.quantity });
        }
        Ok(s)
    }
}
