//! The GS1 EPCIS 2.0 JSON-LD view of accepted records, so the ledger can feed systems that already speak
//! EPCIS. The mapping of each event kind, field by field, is in `docs/data-model.md`.
//!
//! [`event`] renders one log entry as an EPCIS event with its own `@context`; [`document`] wraps several in an
//! `EPCISDocument`. Records that are not EPCIS events (actors, keys, the banned list: master data) have no
//! view. A [`Correction`] is rendered as EPCIS does it: the corrected event again, under its own `eventID`, with
//! an `errorDeclaration`.
//!
//! Identifiers: a batch with a GTIN and lot is its GS1 Digital Link `{resolver}/01/{gtin}/10/{lot}`; any
//! other batch or input lot is `{resolver}/b/{id}` and a vet-drug package `{resolver}/vd/{code}`
//! (docs/qr.md). Parties are `urn:trace:party:{key}`, their sites `urn:trace:location:{key}`, records
//! `urn:trace:record:{id}`, documents `urn:trace:document:{text}`. Business steps, dispositions, transaction
//! and source types are full CBV 2.0 URIs. What EPCIS has no field for goes in `trace:` extension fields.

use serde_json::{Map, Value, json};

use crate::error::Error;
use crate::event::*;
use crate::ids::{BatchId, RecordId};
use crate::keys::PublicKey;
use crate::ledger::Ledger;
use crate::record::LogEntry;
use crate::state::{BatchKind, BatchState};
use crate::values::{DISPLAY_OFFSET_MS, Quantity, Time, Unit};

/// The EPCIS 2.0 JSON-LD context.
pub const EPCIS_CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

/// The namespace of `trace:` extension fields.
pub const TRACE_NAMESPACE: &str = "urn:trace:ns:";

/// The CBV 2.0 namespace.
const CBV: &str = "https://ref.gs1.org/cbv/";

/// The time-zone offset of every event: China Standard Time.
pub const TIME_ZONE_OFFSET: &str = "+08:00";

/// The `@context` of our documents: EPCIS 2.0 plus the `trace:` prefix.
pub fn context() -> Value {
    json!([EPCIS_CONTEXT, { "trace": TRACE_NAMESPACE }])
}

/// A time as ISO 8601 at UTC+08:00 with milliseconds, e.g. `2026-12-19T08:30:00.000+08:00`.
pub fn local_time(t: Time) -> String {
    let shifted = Time(t.0.saturating_add(DISPLAY_OFFSET_MS.unsigned_abs())).rfc3339();
    format!("{}{TIME_ZONE_OFFSET}", shifted.trim_end_matches('Z'))
}

/// Percent-encodes everything but RFC 3986 unreserved characters, for one URI path segment or URN part.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The URI of a batch or input lot: its GS1 Digital Link when it has a GTIN and lot, else `{resolver}/b/{id}`.
pub fn batch_uri(b: &BatchState, resolver: &str) -> String {
    let resolver = resolver.trim_end_matches('/');
    match &b.kind {
        BatchKind::Produce { gtin: Some(g), lot: Some(l), .. } => {
            format!("{resolver}/01/{g}/10/{}", percent_encode(l.as_str()))
        }
        _ => format!("{resolver}/b/{}", b.id.compact()),
    }
}

/// The URI of a party (an actor's key).
pub fn party_uri(key: &PublicKey) -> String {
    format!("urn:trace:party:{key}")
}

/// The URI of a party's site.
pub fn location_uri(key: &PublicKey) -> String {
    format!("urn:trace:location:{key}")
}

/// The EPCIS `eventID` of a record.
pub fn event_id(id: &RecordId) -> String {
    format!("urn:trace:record:{id}")
}

fn document_uri(text: &str) -> String {
    format!("urn:trace:document:{}", percent_encode(text))
}

/// A counterparty as an EPCIS source or destination: a member by its party URI, an outside party by name.
fn counterparties(kind: &str, p: &crate::shared::Party) -> Value {
    match p {
        crate::shared::Party::Member(k) => parties(kind, k),
        crate::shared::Party::Outside(o) => {
            json!([{ "type": cbv("SDT", "owning_party"), kind: format!("urn:trace:outside:{}", percent_encode(&o.name)) }])
        }
    }
}

fn party_name(p: &crate::shared::Party) -> String {
    match p {
        crate::shared::Party::Member(k) => party_uri(k),
        crate::shared::Party::Outside(o) => o.name.clone(),
    }
}

fn cert_ref(c: &crate::shared::CertRef) -> Value {
    match c {
        crate::shared::CertRef::OnLedger(id) => json!(event_id(id)),
        crate::shared::CertRef::External(x) => {
            json!(format!("urn:trace:certificate:{}:{}", x.kind.as_str(), percent_encode(&x.number)))
        }
    }
}

fn cbv(vocabulary: &str, value: &str) -> Value {
    Value::String(format!("{CBV}{vocabulary}-{value}"))
}

/// UN/CEFACT Recommendation 20 codes for mass and volume; counts (head, pieces, boxes, bags, doses) have none,
/// which EPCIS reads as a count of instances of the class.
fn uom(unit: Unit) -> Option<&'static str> {
    match unit {
        Unit::Kg => Some("KGM"),
        Unit::G => Some("GRM"),
        Unit::T => Some("TNE"),
        Unit::L => Some("LTR"),
        Unit::Ml => Some("MLT"),
        // 1 斤 and 1 两 have no Rec 20 code; EPCIS consumers read them through the trace:unit extension.
        Unit::Head
        | Unit::Piece
        | Unit::Box
        | Unit::Bag
        | Unit::Dose
        | Unit::Jin
        | Unit::Liang
        | Unit::Zhi
        | Unit::Yu
        | Unit::Mei
        | Unit::Mu
        | Unit::M2 => None,
    }
}

/// A decimal JSON number for milli-units: an integer when whole, else the shortest decimal that round-trips.
fn decimal(milli: u64) -> Value {
    if milli % 1000 == 0 { json!(milli / 1000) } else { json!(milli as f64 / 1000.0) }
}

fn quantity_element(epc_class: String, q: Option<Quantity>) -> Value {
    let mut m = Map::new();
    m.insert("epcClass".into(), Value::String(epc_class));
    if let Some(q) = q {
        m.insert("quantity".into(), decimal(q.milli));
        match uom(q.unit) {
            Some(u) => {
                m.insert("uom".into(), json!(u));
            }
            None => {
                m.insert("trace:unit".into(), json!(q.unit.as_str()));
            }
        }
    }
    Value::Object(m)
}

/// Looks up what the view needs beyond the record itself.
struct View<'l> {
    ledger: &'l Ledger,
    resolver: &'l str,
}

impl View<'_> {
    fn batch(&self, id: BatchId) -> Result<BatchState, Error> {
        self.ledger.batch(id)?.ok_or_else(|| Error::NotFound(format!("batch {id}")))
    }

    fn uri(&self, id: BatchId) -> Result<String, Error> {
        Ok(batch_uri(&self.batch(id)?, self.resolver))
    }

    fn qty(&self, id: BatchId, q: Option<Quantity>) -> Result<Value, Error> {
        Ok(quantity_element(self.uri(id)?, q))
    }

    fn entry(&self, id: &RecordId) -> Result<LogEntry, Error> {
        self.ledger.record(id)?.ok_or_else(|| Error::NotFound(format!("record {id}")))
    }

    /// The event fields of `entry`, or `None` for records that are not EPCIS events.
    fn render(&self, entry: &LogEntry) -> Result<Option<Map<String, Value>>, Error> {
        let body = entry.record.body();
        let author = body.author;
        let mut m = Map::new();
        let mut set = |k: &str, v: Value| {
            m.insert(k.to_owned(), v);
        };
        let object = "ObjectEvent";
        let transformation = "TransformationEvent";
        let kind = match &body.event {
            // A registration, and milk or eggs commissioned from a herd or flock that is not consumed: an
            // ObjectEvent ADD of the new batch (naming its source), not a transformation, which would read as the
            // herd used up.
            Event::BatchRegistered(_) | Event::Produced(_) => {
                let id = BatchId::derive(&entry.record.id(), 0);
                let (quantity, product, class, how, gtin, lot) = match &body.event {
                    Event::Produced(e) => {
                        let o = &e.output;
                        set("trace:source", json!(self.uri(e.source)?));
                        (o.quantity, &o.product, o.class, e.process.as_str(), &o.gtin, &o.lot)
                    }
                    Event::BatchRegistered(e) => {
                        set("trace:place", json!(e.place));
                        (e.quantity, &e.product, e.class, e.commissioning.as_str(), &e.gtin, &e.lot)
                    }
                    _ => return Ok(None),
                };
                set("action", json!("ADD"));
                set("bizStep", cbv("BizStep", "commissioning"));
                set("disposition", cbv("Disp", "active"));
                set("quantityList", json!([self.qty(id, Some(quantity))?]));
                set(
                    "ilmd",
                    json!({
                        "trace:batch": id.to_string(),
                        "trace:product": product,
                        "trace:productClass": class.as_str(),
                        "trace:commissioning": how,
                        "trace:gtin": gtin.as_ref().map(|g| g.as_str()),
                        "trace:lot": lot.as_ref().map(|l| l.as_str()),
                    }),
                );
                object
            }
            Event::InputLotRegistered(e) => {
                let id = BatchId::derive(&entry.record.id(), 0);
                set("action", json!("ADD"));
                set("bizStep", cbv("BizStep", "commissioning"));
                set("disposition", cbv("Disp", "active"));
                let resolver = self.resolver.trim_end_matches('/');
                let codes: Vec<String> = e.vet_drug_codes.iter().map(|c| format!("{resolver}/vd/{c}")).collect();
                if !codes.is_empty() {
                    set("epcList", json!(codes));
                }
                set("quantityList", json!([self.qty(id, Some(e.quantity))?]));
                set(
                    "ilmd",
                    json!({
                        "trace:batch": id.to_string(),
                        "trace:inputKind": e.kind.as_str(),
                        "trace:name": e.name,
                        "trace:approvalNumber": e.approval_number,
                        "trace:manufacturer": e.manufacturer,
                        "trace:lot": e.lot.as_str(),
                        "trace:activeSubstances": e.active_substances,
                        "trace:withdrawalDays": e.periods.meat_days,
                        "trace:milkDiscardHours": e.periods.milk_hours,
                        "trace:eggWithdrawalDays": e.periods.egg_days,
                        "trace:prescriptionOnly": e.prescription_only,
                        "trace:expires": e.expires.map(local_time),
                    }),
                );
                object
            }
            Event::InputApplied(e) => {
                // The input is consumed into the batch: a transformation, so EPCIS trace queries follow the
                // lot into everything it was given to. CBV has no business step for feeding or treating.
                set("inputQuantityList", json!([self.qty(e.input, Some(e.dose))?]));
                set("outputQuantityList", json!([self.qty(e.batch, None)?]));
                set("trace:prescription", json!(e.prescription.as_ref().map(event_id)));
                let resolver = self.resolver.trim_end_matches('/');
                set("trace:vetDrugCode", json!(e.vet_drug_code.as_ref().map(|c| format!("{resolver}/vd/{c}"))));
                set("trace:note", json!(e.note));
                transformation
            }
            Event::Inspected(e) => {
                set("action", json!("OBSERVE"));
                set("bizStep", cbv("BizStep", "inspecting"));
                let disp = match e.verdict {
                    Verdict::Pass => "conformant",
                    Verdict::Fail => "non_conformant",
                };
                set("disposition", cbv("Disp", disp));
                set("quantityList", json!([self.qty(e.batch, None)?]));
                set(
                    "bizTransactionList",
                    json!([{ "type": cbv("BTT", "testres"), "bizTransaction": document_uri(&e.sample) }]),
                );
                set(
                    "trace:inspection",
                    json!({
                        "sample": e.sample,
                        "analyte": e.analyte,
                        "kind": e.kind.as_str(),
                        "value": e.result.value_milli().map(decimal),
                        "notDetected": e.result == crate::shared::Measurement::NotDetected,
                        "limit": e.limit_milli.map(decimal),
                        "unit": e.unit,
                        "method": e.method,
                        "verdict": e.verdict.as_str(),
                    }),
                );
                object
            }
            Event::Certified(e) => {
                set("action", json!("OBSERVE"));
                set("bizStep", cbv("BizStep", "inspecting"));
                let covered: Vec<Value> = e.batches.iter().map(|b| self.qty(*b, None)).collect::<Result<_, _>>()?;
                set("quantityList", json!(covered));
                let cert = format!("urn:trace:certificate:{}:{}", e.kind.as_str(), percent_encode(&e.number));
                set("certificationInfo", json!(cert));
                set("bizTransactionList", json!([{ "type": cbv("BTT", "cert"), "bizTransaction": cert }]));
                set(
                    "trace:certificate",
                    json!({
                        "kind": e.kind.as_str(),
                        "number": e.number,
                        "validFrom": local_time(e.valid_from),
                        "validUntil": local_time(e.valid_until),
                        "promises": e.promises,
                    }),
                );
                object
            }
            Event::Shipped(e) => {
                set("action", json!("OBSERVE"));
                set("bizStep", cbv("BizStep", "shipping"));
                set("disposition", cbv("Disp", "in_transit"));
                set("quantityList", json!([self.qty(e.batch, Some(e.quantity))?]));
                set("sourceList", parties("source", &author));
                set("destinationList", counterparties("destination", &e.to));
                set(
                    "bizTransactionList",
                    json!([{ "type": cbv("BTT", "bol"), "bizTransaction": document_uri(&e.document) }]),
                );
                set("trace:fromPlace", json!(e.from_place));
                set("trace:toPlace", json!(e.to_place));
                set("trace:carrier", json!(e.carrier.as_ref().map(party_uri)));
                object
            }
            Event::Received(e) => {
                let shipment = self.entry(&e.shipment)?;
                let Event::Shipped(s) = &shipment.record.body().event else {
                    return Err(Error::Corrupt {
                        index: entry.index,
                        why: format!("receipt names {} which is not a shipment", e.shipment),
                    });
                };
                set("action", json!("OBSERVE"));
                set("bizStep", cbv("BizStep", "receiving"));
                set("disposition", cbv("Disp", if e.accepted { "in_progress" } else { "returned" }));
                set("quantityList", json!([self.qty(e.batch, Some(s.quantity))?]));
                set("sourceList", parties("source", &shipment.record.body().author));
                set("destinationList", counterparties("destination", &s.to));
                set(
                    "bizTransactionList",
                    json!([{ "type": cbv("BTT", "bol"), "bizTransaction": document_uri(&s.document) }]),
                );
                set("trace:shipment", json!(event_id(&e.shipment)));
                set("trace:accepted", json!(e.accepted));
                set("trace:checked", json!(e.checked.iter().map(cert_ref).collect::<Vec<_>>()));
                set("trace:note", json!(e.note));
                object
            }
            Event::Transformed(e) => {
                let step = match e.process {
                    Process::Slaughter => "killing",
                    Process::Packing => "packing",
                    _ => "commissioning",
                };
                set("bizStep", cbv("BizStep", step));
                set("disposition", cbv("Disp", "active"));
                let inputs: Vec<Value> =
                    e.inputs.iter().map(|i| self.qty(i.batch, Some(i.quantity))).collect::<Result<_, _>>()?;
                set("inputQuantityList", json!(inputs));
                let id = entry.record.id();
                let mut outputs = Vec::with_capacity(e.outputs.len());
                let mut ilmd = Vec::with_capacity(e.outputs.len());
                for (n, o) in e.outputs.iter().enumerate() {
                    let out = BatchId::derive(&id, u32::try_from(n).unwrap_or(u32::MAX));
                    let uri = self.uri(out)?;
                    outputs.push(quantity_element(uri.clone(), Some(o.quantity)));
                    ilmd.push(json!({
                        "epcClass": uri,
                        "trace:batch": out.to_string(),
                        "trace:product": o.product,
                        "trace:productClass": o.class.as_str(),
                        "trace:gtin": o.gtin.as_ref().map(|g| g.as_str()),
                        "trace:lot": o.lot.as_ref().map(|l| l.as_str()),
                    }));
                }
                set("outputQuantityList", json!(outputs));
                set("ilmd", json!({ "trace:outputs": ilmd }));
                set("trace:process", json!(e.process.as_str()));
                set("trace:place", json!(e.place));
                transformation
            }
            Event::Sold(e) => {
                set("action", json!("OBSERVE"));
                set("bizStep", cbv("BizStep", "retail_selling"));
                set("disposition", cbv("Disp", "retail_sold"));
                set("quantityList", json!([self.qty(e.batch, Some(e.quantity))?]));
                set("trace:buyer", json!(e.buyer.as_ref().map(party_name)));
                object
            }
            Event::Held(e) => {
                set("action", json!("OBSERVE"));
                set("bizStep", cbv("BizStep", "holding"));
                set("disposition", cbv("Disp", "non_sellable_other"));
                set("quantityList", json!([self.qty(e.batch, None)?]));
                set("trace:reason", json!(e.reason));
                set("trace:reaches", json!("the batch and every descendant"));
                object
            }
            Event::Released(e) => {
                set("action", json!("OBSERVE"));
                set("disposition", cbv("Disp", "active"));
                set("quantityList", json!([self.qty(e.batch, None)?]));
                set("trace:reason", json!(e.reason));
                set("trace:reaches", json!("the batch and every descendant"));
                object
            }
            Event::Recalled(e) => {
                set("action", json!("OBSERVE"));
                set("bizStep", cbv("BizStep", "holding"));
                set("disposition", cbv("Disp", "recalled"));
                set("quantityList", json!([self.qty(e.batch, None)?]));
                set("trace:reason", json!(e.reason));
                set("trace:reaches", json!("the batch and every descendant"));
                object
            }
            Event::Disposed(e) => {
                set("action", json!("DELETE"));
                set("bizStep", cbv("BizStep", "destroying"));
                set("disposition", cbv("Disp", "destroyed"));
                set("quantityList", json!([self.qty(e.batch, Some(e.quantity))?]));
                set("trace:method", json!(e.method));
                object
            }
            Event::Correction(c) => {
                let target = self.entry(&c.target)?;
                let Some(mut m) = self.render(&target)? else { return Ok(None) };
                m.insert(
                    "errorDeclaration".into(),
                    json!({
                        "declarationTime": local_time(body.time),
                        "reason": cbv("ER", "incorrect_data"),
                        "correctiveEventIDs": [],
                        "trace:correction": event_id(&entry.record.id()),
                        "trace:declaredBy": party_uri(&author),
                        "trace:reason": c.reason,
                        "trace:corrected": c.corrected,
                    }),
                );
                return Ok(Some(m));
            }
            // Ledger administration, records between actors about goods (an engagement, a prescription: the
            // application that follows one is the event, and names it), and the kinds not enforced yet.
            _ => return Ok(None),
        };
        let mut head = Map::new();
        head.insert("type".into(), json!(kind));
        head.insert("eventID".into(), json!(event_id(&entry.record.id())));
        head.insert("eventTime".into(), json!(local_time(body.time)));
        head.insert("eventTimeZoneOffset".into(), json!(TIME_ZONE_OFFSET));
        head.insert("recordTime".into(), json!(entry.accepted.rfc3339()));
        head.insert("readPoint".into(), json!({ "id": location_uri(&author) }));
        head.insert("bizLocation".into(), json!({ "id": location_uri(&author) }));
        head.extend(m);
        head.insert("trace:author".into(), json!(party_uri(&author)));
        head.insert("trace:kind".into(), json!(body.event.kind()));
        head.insert("trace:logIndex".into(), json!(entry.index));
        Ok(Some(head))
    }
}

/// `sourceList` / `destinationList` naming a party as owner and possessor, and its site.
fn parties(which: &str, key: &PublicKey) -> Value {
    json!([
        { "type": cbv("SDT", "owning_party"), which: party_uri(key) },
        { "type": cbv("SDT", "possessing_party"), which: party_uri(key) },
        { "type": cbv("SDT", "location"), which: location_uri(key) },
    ])
}

/// The EPCIS 2.0 JSON-LD event for an accepted log entry, with its own `@context`, or `None` when the record
/// is not an EPCIS event (actors, keys, the banned list). Batches are named under `resolver`, the base URL of
/// the node that resolves labels (e.g. `https://xihu.benxi.example/trace`).
pub fn event(ledger: &Ledger, entry: &LogEntry, resolver: &str) -> Result<Option<Value>, Error> {
    let view = View { ledger, resolver };
    Ok(view.render(entry)?.map(|fields| {
        let mut m = Map::new();
        m.insert("@context".into(), context());
        m.extend(fields);
        Value::Object(m)
    }))
}

/// An `EPCISDocument` with the events of `entries` that have one, in order.
pub fn document(ledger: &Ledger, entries: &[LogEntry], resolver: &str, created: Time) -> Result<Value, Error> {
    let view = View { ledger, resolver };
    let mut events = Vec::with_capacity(entries.len());
    for e in entries {
        if let Some(fields) = view.render(e)? {
            events.push(Value::Object(fields));
        }
    }
    Ok(json!({
        "@context": context(),
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": created.rfc3339(),
        "epcisBody": { "eventList": events },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_carry_the_china_offset() {
        let t = Time::parse_human("2026-12-19T08:30").unwrap();
        assert_eq!(local_time(t), "2026-12-19T08:30:00.000+08:00");
    }

    #[test]
    fn percent_encoding_keeps_only_unreserved_characters() {
        assert_eq!(percent_encode("L-25.11_~"), "L-25.11_~");
        assert_eq!(percent_encode("A/B%C D"), "A%2FB%25C%20D");
        assert_eq!(percent_encode("合格"), "%E5%90%88%E6%A0%BC");
    }

    #[test]
    fn quantities_are_exact_decimals() {
        assert_eq!(decimal(40_000), json!(40));
        assert_eq!(decimal(12_345), json!(12.345));
        assert_eq!(decimal(500), json!(0.5));
    }
}
