//! An FSMA 204-style sortable spreadsheet: the key data elements (KDEs) of every critical tracking event (CTE)
//! of a lot and its lineage (every ancestor and descendant) within a date range, one row per event and batch,
//! as CSV (RFC 4180: comma-separated, CRLF line ends, fields quoted when they hold a comma, quote or line
//! break, quotes doubled).
//!
//! FSMA 204's CTEs are harvesting, cooling, initial packing, first land-based receiving, shipping, receiving
//! and transformation; events the rule has no CTE for (input applications, inspections, certificates, sales,
//! holds, recalls, disposals) are included under their own names because an investigator tracing a recall
//! needs them too. The column meanings and the mapping of each event kind are in `docs/data-model.md`.
//!
//! Rows show what was recorded; a record that was later corrected says so in its notes, with the correction.
//!
//! A text field that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) is
//! prefixed with `'`: the export goes to people who open it in a spreadsheet, and a label or note must not
//! run as a formula there.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::Error;
use crate::event::*;
use crate::ids::{BatchId, RecordId};
use crate::keys::PublicKey;
use crate::ledger::Ledger;
use crate::query::Direction;
use crate::record::LogEntry;
use crate::state::{BatchKind, BatchState};
use crate::values::{Quantity, Time};

/// The column headers, in order.
pub const HEADER: [&str; 17] = [
    "Traceability Lot Code",
    "Product Description",
    "Quantity",
    "Unit of Measure",
    "Event Type (CTE)",
    "Event Date",
    "Event Time (UTC+08:00)",
    "Location Description",
    "Immediate Previous Source",
    "Immediate Subsequent Recipient",
    "Input Traceability Lot Codes",
    "Reference Document Type",
    "Reference Document Number",
    "Traceability Lot Code Source",
    "Notes",
    "Batch ID",
    "Record ID",
];

/// One row: the KDEs of one event as it concerns one batch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Row {
    /// `(01){GTIN}(10){lot}` for a batch with a GTIN and lot, else the batch id.
    pub traceability_lot_code: String,
    /// Product or input description.
    pub product: String,
    /// Decimal quantity, empty when the event has none.
    pub quantity: String,
    /// Unit of the quantity.
    pub unit: String,
    /// The CTE (or event) name.
    pub cte: String,
    /// `YYYY-MM-DD` at UTC+08:00.
    pub date: String,
    /// `HH:MM` at UTC+08:00.
    pub time: String,
    /// Where it happened: place text and the actor.
    pub location: String,
    /// Shipper (receiving).
    pub previous_source: String,
    /// Receiver (shipping) or buyer (sale).
    pub subsequent_recipient: String,
    /// Inputs of a transformation, or the input lot applied.
    pub input_lots: String,
    /// Kind of reference document.
    pub reference_document_type: String,
    /// Its number.
    pub reference_document_number: String,
    /// Who assigned the traceability lot code, and where.
    pub tlc_source: String,
    /// Anything else a reader needs: verdicts, reasons, refused receipts.
    pub notes: String,
    /// The batch id.
    pub batch: String,
    /// The record id.
    pub record: String,
    /// Sort key: claimed time (unix ms), then log index.
    sort: (u64, u64),
}

impl Row {
    fn fields(&self) -> [&str; 17] {
        [
            &self.traceability_lot_code,
            &self.product,
            &self.quantity,
            &self.unit,
            &self.cte,
            &self.date,
            &self.time,
            &self.location,
            &self.previous_source,
            &self.subsequent_recipient,
            &self.input_lots,
            &self.reference_document_type,
            &self.reference_document_number,
            &self.tlc_source,
            &self.notes,
            &self.batch,
            &self.record,
        ]
    }
}

/// The traceability lot code of a batch: `(01){GTIN}(10){lot}` (GS1 element string) when it has both,
/// else its batch id.
pub fn traceability_lot_code(b: &BatchState) -> String {
    match &b.kind {
        BatchKind::Produce { gtin: Some(g), lot: Some(l), .. } => format!("(01){g}(10){l}"),
        _ => b.id.to_string(),
    }
}

fn product(b: &BatchState) -> String {
    match &b.kind {
        BatchKind::Produce { product, .. } => product.clone(),
        BatchKind::Input(l) => format!("{} ({}), lot {}, {}", l.name, l.kind, l.lot, l.approval_number),
    }
}

fn set_quantity(r: &mut Row, q: Quantity) {
    (r.quantity, r.unit) = quantity_fields(q);
}

fn quantity_fields(q: Quantity) -> (String, String) {
    let text = q.to_string();
    match text.split_once(' ') {
        Some((n, u)) => (n.to_owned(), u.to_owned()),
        None => (text, String::new()),
    }
}

/// The rows for `lot`, every ancestor and every descendant, for events claimed in `[from, to]`, sorted by
/// claimed time and then log order. Reads only the histories of those batches.
pub fn rows(ledger: &Ledger, lot: BatchId, from: Time, to: Time) -> Result<Vec<Row>, Error> {
    let start = ledger.batch(lot)?.ok_or_else(|| Error::NotFound(format!("batch {lot}")))?;
    let mut scope: BTreeMap<BatchId, BatchState> = BTreeMap::new();
    for r in ledger.lineage(lot, Direction::Back)?.into_iter().chain(ledger.lineage(lot, Direction::Forward)?) {
        scope.insert(r.batch.id, r.batch);
    }
    scope.insert(lot, start);
    let mut cx = Cx { ledger, scope: &scope, names: BTreeMap::new(), extra: BTreeMap::new() };
    let mut out = Vec::new();
    let mut seen: BTreeSet<(RecordId, BatchId)> = BTreeSet::new();
    for b in scope.values() {
        for entry in ledger.history(b.id)? {
            let t = entry.record.body().time;
            if t < from || t > to || !seen.insert((entry.record.id(), b.id)) {
                continue;
            }
            if let Some(mut row) = cx.row(b, &entry)? {
                // Corrections never rewrite the record, so the row shows what was recorded; say what was
                // corrected beside it.
                for c in ledger.corrections(&entry.record.id())? {
                    if let Event::Correction(k) = &c.record.body().event {
                        let note = format!(
                            "[corrected {}: {} ({})]",
                            c.record.body().time.display_date(),
                            k.corrected,
                            k.reason
                        );
                        row.notes = if row.notes.is_empty() { note } else { format!("{} {note}", row.notes) };
                    }
                }
                out.push(row);
            }
        }
    }
    out.sort_by(|a, b| (a.sort, &a.traceability_lot_code, &a.cte).cmp(&(b.sort, &b.traceability_lot_code, &b.cte)));
    Ok(out)
}

/// The CSV of [`rows`], with the header line.
pub fn export_csv(ledger: &Ledger, lot: BatchId, from: Time, to: Time) -> Result<String, Error> {
    Ok(to_csv(&rows(ledger, lot, from, to)?))
}

/// Rows as CSV with the header line.
pub fn to_csv(rows: &[Row]) -> String {
    let mut out = String::new();
    push_line(&mut out, &HEADER);
    for r in rows {
        push_line(&mut out, &r.fields());
    }
    out
}

fn push_line(out: &mut String, fields: &[&str]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&csv_field(f));
    }
    out.push_str("\r\n");
}

/// One field, guarded against formula injection and quoted when needed.
pub fn csv_field(s: &str) -> String {
    let guarded;
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        guarded = format!("'{s}");
        guarded.as_str()
    } else {
        s
    };
    if s.contains([',', '"', '\r', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
}

/// Lookups shared by the rows of one export.
struct Cx<'a> {
    ledger: &'a Ledger,
    scope: &'a BTreeMap<BatchId, BatchState>,
    names: BTreeMap<PublicKey, String>,
    /// Batches outside the scope that rows mention (the other inputs of a transform).
    extra: BTreeMap<BatchId, BatchState>,
}

impl Cx<'_> {
    fn name(&mut self, key: &PublicKey) -> Result<String, Error> {
        if let Some(n) = self.names.get(key) {
            return Ok(n.clone());
        }
        let n = self.ledger.actor(key)?.map(|a| a.name).unwrap_or_else(|| key.short());
        self.names.insert(*key, n.clone());
        Ok(n)
    }

    /// Actor name and location, for "location description" columns.
    fn site(&mut self, key: &PublicKey, place: &str) -> Result<String, Error> {
        let name = self.name(key)?;
        Ok(if place.is_empty() { name } else { format!("{place} ({name})") })
    }

    fn party_site(&mut self, p: &crate::shared::Party, place: &str) -> Result<String, Error> {
        match p {
            crate::shared::Party::Member(k) => self.site(k, place),
            crate::shared::Party::Outside(o) if place.is_empty() => Ok(o.name.clone()),
            crate::shared::Party::Outside(o) => Ok(format!("{place} ({})", o.name)),
        }
    }

    fn batch(&mut self, id: BatchId) -> Result<BatchState, Error> {
        if let Some(b) = self.scope.get(&id).or_else(|| self.extra.get(&id)) {
            return Ok(b.clone());
        }
        let b = self.ledger.batch(id)?.ok_or_else(|| Error::NotFound(format!("batch {id}")))?;
        self.extra.insert(id, b.clone());
        Ok(b)
    }

    fn tlc(&mut self, id: BatchId) -> Result<String, Error> {
        Ok(traceability_lot_code(&self.batch(id)?))
    }

    fn row(&mut self, b: &BatchState, entry: &LogEntry) -> Result<Option<Row>, Error> {
        let body = entry.record.body();
        let author = body.author;
        let place = match &b.kind {
            BatchKind::Produce { place, .. } => place.clone(),
            BatchKind::Input(_) => String::new(),
        };
        let registrant_site = self.site(&b.registrant, &place)?;
        let mut r = Row {
            traceability_lot_code: traceability_lot_code(b),
            product: product(b),
            date: body.time.display_date(),
            time: body.time.display_local().get(11..).unwrap_or_default().to_owned(),
            tlc_source: registrant_site,
            batch: b.id.to_string(),
            record: entry.record.id().to_string(),
            sort: (body.time.0, entry.index),
            ..Row::default()
        };
        match &body.event {
            Event::BatchRegistered(e) => {
                set_quantity(&mut r, e.quantity);
                r.cte = match e.commissioning {
                    Commissioning::Harvest | Commissioning::MilkCollection | Commissioning::Laying => "Harvesting",
                    Commissioning::Catch => "First Land-Based Receiving",
                    Commissioning::Herd | Commissioning::Planting | Commissioning::Other => "Registration",
                }
                .into();
                r.location = self.site(&author, &e.place)?;
                r.notes = format!("{} ({})", e.commissioning, e.class);
            }
            Event::InputLotRegistered(e) => {
                set_quantity(&mut r, e.quantity);
                r.cte = "Input Lot Registration".into();
                r.location = self.name(&author)?;
                r.reference_document_type = "Approval number".into();
                r.reference_document_number = e.approval_number.clone();
                let mut notes = vec![format!("active substances: {}", e.active_substances.join("; "))];
                if e.periods.meat_days > 0 {
                    notes.push(format!("withdrawal/pre-harvest {} days", e.periods.meat_days));
                }
                if let Some(h) = e.periods.milk_hours {
                    notes.push(format!("milk discard {h} hours"));
                }
                if let Some(d) = e.periods.egg_days {
                    notes.push(format!("egg withdrawal {d} days"));
                }
                if e.prescription_only {
                    notes.push("prescription only".into());
                }
                r.notes = notes.join(", ");
            }
            Event::InputApplied(e) => {
                if e.batch != b.id {
                    return Ok(None);
                }
                set_quantity(&mut r, e.dose);
                r.cte = "Input Applied".into();
                r.location = self.site(&author, &place)?;
                r.input_lots = self.tlc(e.input)?;
                let lot = self.batch(e.input)?;
                r.notes = product(&lot);
                if let Some(p) = e.prescription {
                    r.notes.push_str(&format!(", prescription {}", &p.to_string()[..12]));
                }
                if let Some(c) = &e.vet_drug_code {
                    r.reference_document_type = "Vet-drug code".into();
                    r.reference_document_number = c.to_string();
                }
            }
            Event::Inspected(e) => {
                r.cte = "Inspection".into();
                r.location = self.name(&author)?;
                r.reference_document_type = "Sample".into();
                r.reference_document_number = e.sample.clone();
                let value =
                    |v: Option<u64>| v.map(|v| quantity_fields(Quantity { milli: v, unit: crate::values::Unit::G }).0);
                r.notes = format!(
                    "{}: {} {} (limit {}) by {}: {}",
                    e.analyte,
                    match e.result {
                        crate::shared::Measurement::NotDetected => "not detected".into(),
                        m => value(m.value_milli()).unwrap_or_else(|| m.to_string()),
                    },
                    e.unit,
                    value(e.limit_milli).unwrap_or_else(|| "-".into()),
                    e.method,
                    e.verdict
                );
            }
            Event::Certified(e) => {
                r.cte = "Certification".into();
                r.location = self.name(&author)?;
                r.reference_document_type = format!("{} certificate", e.kind);
                r.reference_document_number = e.number.clone();
                r.notes = format!("valid {} to {}", e.valid_from.display_date(), e.valid_until.display_date());
            }
            Event::Shipped(e) => {
                set_quantity(&mut r, e.quantity);
                r.cte = "Shipping".into();
                r.location = self.site(&author, &e.from_place)?;
                r.subsequent_recipient = self.party_site(&e.to, &e.to_place)?;
                r.reference_document_type = "Waybill".into();
                r.reference_document_number = e.document.clone();
                if let Some(c) = e.carrier {
                    r.notes = format!("carrier {}", self.name(&c)?);
                }
            }
            Event::Received(e) => {
                let shipment = self.ledger.record(&e.shipment)?;
                let shipped = shipment.as_ref().and_then(|s| match &s.record.body().event {
                    Event::Shipped(sh) => Some((s.record.body().author, sh.clone())),
                    _ => None,
                });
                r.cte = "Receiving".into();
                r.location = self.name(&author)?;
                if let Some((from, s)) = shipped {
                    set_quantity(&mut r, s.quantity);
                    r.location = self.site(&author, &s.to_place)?;
                    r.previous_source = self.site(&from, &s.from_place)?;
                    r.reference_document_type = "Waybill".into();
                    r.reference_document_number = s.document;
                }
                let verdict =
                    if e.accepted { "accepted" } else { "refused at purchase inspection, returned to shipper" };
                r.notes = format!("{verdict}; checked: {}", self.ledger.describe_certs(&e.checked)?);
            }
            Event::Transformed(e) => {
                r.location = self.site(&author, &e.place)?;
                if let Some(i) = e.inputs.iter().find(|i| i.batch == b.id) {
                    set_quantity(&mut r, i.quantity);
                    r.cte = "Transformation (input)".into();
                    r.notes = format!("{} into new lots", e.process);
                } else {
                    let id = entry.record.id();
                    let Some(o) = (0..e.outputs.len())
                        .find(|n| BatchId::derive(&id, u32::try_from(*n).unwrap_or(u32::MAX)) == b.id)
                        .and_then(|n| e.outputs.get(n))
                    else {
                        return Ok(None);
                    };
                    set_quantity(&mut r, o.quantity);
                    r.cte = "Transformation".into();
                    let inputs: Vec<String> = e
                        .inputs
                        .iter()
                        .map(|i| Ok(format!("{} ({})", self.tlc(i.batch)?, i.quantity)))
                        .collect::<Result<_, Error>>()?;
                    r.input_lots = inputs.join("; ");
                    r.notes = e.process.to_string();
                }
            }
            Event::Produced(e) => {
                if e.source == b.id {
                    // The herd's own rows do not list each milking: its milk's rows do.
                    return Ok(None);
                }
                set_quantity(&mut r, e.output.quantity);
                r.cte = "Harvesting".into();
                r.location = self.site(&author, &place)?;
                r.notes = format!("{} from {}", e.process, self.tlc(e.source)?);
            }
            Event::Sold(e) => {
                set_quantity(&mut r, e.quantity);
                r.cte = "Sale".into();
                r.location = self.name(&author)?;
                r.subsequent_recipient = match &e.buyer {
                    None => "retail".into(),
                    Some(p) => self.party_site(p, "")?,
                };
            }
            Event::Held(e) => {
                r.cte = "Hold".into();
                r.location = self.name(&author)?;
                r.notes = format!("{} (reaches every descendant)", e.reason);
            }
            Event::Released(e) => {
                r.cte = "Release".into();
                r.location = self.name(&author)?;
                r.notes = e.reason.clone();
            }
            Event::Recalled(e) => {
                r.cte = "Recall".into();
                r.location = self.name(&author)?;
                r.notes = format!("{} (reaches every descendant)", e.reason);
            }
            Event::Disposed(e) => {
                set_quantity(&mut r, e.quantity);
                r.cte = "Disposal".into();
                r.location = self.name(&author)?;
                r.notes = e.method.clone();
            }
            Event::ActorAdmitted(_)
            | Event::ActorRevoked(_)
            | Event::KeyRotated(_)
            | Event::Correction(_)
            | Event::RegistryAdopted(_)
            // Records between actors about goods; the application that follows a prescription is the event.
            | Event::Engaged(_)
            | Event::Prescribed(_) => return Ok(None),
            // Kinds refused as not enforced never reach a log.
            _ => return Ok(None),
        }
        Ok(Some(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed_and_never_run_as_formulas() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-3"), "'-3");
        assert_eq!(csv_field("猪里脊"), "猪里脊");
    }

    #[test]
    fn quantities_split_into_number_and_unit() {
        assert_eq!(quantity_fields("12.5 kg".parse().unwrap()), ("12.5".to_owned(), "kg".to_owned()));
    }
}
