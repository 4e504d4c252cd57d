//! Checks that need no state: sizes and counts of every field, so that no record can make the ledger store or
//! scan without bound.
//!
//! Invariant kept here: every text field of every kind is at most [`TEXT`] bytes, every list at most [`LIST`] items (vet-drug
//! codes [`CODES`]), parents at most [`PARENTS`], and quantities that must be positive are.

use super::*;
use crate::shared::{CertRef, Licence, Party};

/// Longest free-text field, in bytes.
pub const TEXT: usize = 1024;
/// Most items in a list (roles, substances, promises, inputs, outputs).
pub const LIST: usize = 64;
/// Most parents.
pub const PARENTS: usize = 64;
/// Most vet-drug codes in one lot registration.
pub const CODES: usize = 1000;

/// Checks that need no state: sizes and counts of every field.
pub fn check_limits(record: &Record) -> Result<(), Error> {
    let b = record.body();
    if b.parents.len() > limits::PARENTS {
        return refuse(Facts::TooMany { field: "parents".into(), count: b.parents.len(), max: limits::PARENTS });
    }
    let mut t = Fields::default();
    match &b.event {
        Event::ActorAdmitted(e) => {
            t.texts.extend([("name", e.name.as_str()), ("registration", &e.registration), ("location", &e.location)]);
            t.lists.extend([
                ("roles", e.roles.len()),
                ("departments", e.departments.len()),
                ("licences", e.licences.len()),
            ]);
            if e.roles.is_empty() {
                return refuse(Facts::NoRoles);
            }
            for l in &e.licences {
                t.licence(l)?;
            }
        }
        Event::ActorRevoked(e) => t.texts.push(("reason", &e.reason)),
        Event::KeyRotated(_) => {}
        Event::BatchRegistered(e) => {
            t.texts.extend([("product", e.product.as_str()), ("place", &e.place)]);
            t.many("identifier", &e.identifiers);
            nonzero(e.quantity, "quantity")?;
        }
        Event::InputLotRegistered(e) => {
            t.texts.extend([
                ("name", e.name.as_str()),
                ("approval number", &e.approval_number),
                ("manufacturer", &e.manufacturer),
            ]);
            t.many("active substance", &e.active_substances);
            t.lists.push(("made from", e.made_from.len()));
            if e.vet_drug_codes.len() > limits::CODES {
                return refuse(Facts::TooMany {
                    field: "vet-drug codes".into(),
                    count: e.vet_drug_codes.len(),
                    max: limits::CODES,
                });
            }
            nonzero(e.quantity, "quantity")?;
            for i in &e.made_from {
                nonzero(i.quantity, "made-from quantity")?;
            }
        }
        Event::InputApplied(e) => {
            t.texts.push(("note", &e.note));
            if let Some(p) = &e.holding {
                t.party(p)?;
            }
            nonzero(e.dose, "dose")?;
        }
        Event::Inspected(e) => t.texts.extend([
            ("sample", e.sample.as_str()),
            ("analyte", &e.analyte),
            ("unit", &e.unit),
            ("method", &e.method),
        ]),
        Event::Certified(e) => {
            t.texts.push(("number", &e.number));
            t.many("promise", &e.promises);
            t.lists.push(("batches", e.batches.len()));
            t.party(&e.issuer)?;
        }
        Event::Shipped(e) => {
            t.texts.extend([
                ("from place", e.from_place.as_str()),
                ("to place", &e.to_place),
                ("document", &e.document),
            ]);
            t.party(&e.to)?;
            t.certs(&e.certificates)?;
            nonzero(e.quantity, "quantity")?;
        }
        Event::Received(e) => {
            t.texts.push(("note", &e.note));
            t.certs(&e.checked)?;
        }
        Event::Transformed(e) => {
            t.texts.push(("place", &e.place));
            t.texts.extend(e.outputs.iter().map(|o| ("product", o.product.as_str())));
            t.lists.extend([("inputs", e.inputs.len()), ("outputs", e.outputs.len())]);
            t.certs(&e.certificates)?;
            if e.inputs.is_empty() || e.outputs.is_empty() {
                return refuse(Facts::TransformEmpty);
            }
            for i in &e.inputs {
                nonzero(i.quantity, "input quantity")?;
            }
            for o in &e.outputs {
                nonzero(o.quantity, "output quantity")?;
            }
        }
        Event::Sold(e) => {
            if let Some(p) = &e.buyer {
                t.party(p)?;
            }
            nonzero(e.quantity, "quantity")?;
        }
        Event::Held(e) => t.texts.push(("reason", &e.reason)),
        Event::Released(e) => t.texts.push(("reason", &e.reason)),
        Event::Recalled(e) => t.texts.push(("reason", &e.reason)),
        Event::Disposed(e) => {
            t.texts.push(("method", &e.method));
            nonzero(e.quantity, "quantity")?;
        }
        Event::Correction(e) => t.texts.extend([("reason", e.reason.as_str()), ("corrected", &e.corrected)]),
        Event::RegistryAdopted(e) => {
            t.texts.extend([("reason", e.reason.as_str()), ("version", &e.version)]);
            if e.adds.iter().chain(&e.removes).any(|s| normalize(s).is_empty()) {
                return refuse(Facts::EmptySubstanceName);
            }
            t.many("entry", &e.adds);
            t.many("entry", &e.removes);
        }
        Event::Prescribed(e) => {
            t.texts.extend([("drug", e.drug.as_str()), ("approval number", &e.approval_number), ("note", &e.note)]);
            t.lists.push(("batches", e.batches.len()));
            nonzero(e.dose, "dose")?;
        }
        Event::Engaged(e) => t.lists.push(("batches", e.batches.len())),
        Event::Produced(e) => {
            t.texts.push(("product", &e.output.product));
            nonzero(e.output.quantity, "output quantity")?;
        }
        Event::Countersigned(e) => t.texts.push(("note", &e.note)),
        Event::LicenceChanged(e) => {
            t.texts.push(("reason", &e.reason));
            match &e.change {
                LicenceChange::Granted(l) => t.licence(l)?,
                LicenceChange::Suspended { number, .. } | LicenceChange::Restored { number } => {
                    t.texts.push(("licence number", number))
                }
            }
        }
        Event::HoldingsTransferred(e) => t.texts.push(("reason", &e.reason)),
        Event::CertificateChanged(e) => t.texts.push(("reason", &e.reason)),
        Event::ComplianceCertified(e) => {
            t.texts.extend([("product", e.product.as_str()), ("origin place", &e.origin_place)]);
            t.many("commitment", &e.commitments);
            t.lists.extend([("batches", e.batches.len()), ("cites", e.cites.len())]);
            t.certs(e.test.as_slice())?;
            nonzero(e.quantity, "quantity")?;
        }
        Event::RecallAcknowledged(e) => t.texts.push(("note", &e.note)),
        Event::RecallClosed(e) => t.texts.push(("note", &e.note)),
        Event::ComplaintFiled(e) => t.texts.extend([
            ("case", e.case.as_str()),
            ("scanned", &e.scanned),
            ("what", &e.what),
            ("where bought", &e.where_bought),
        ]),
        Event::ComplaintAnswered(e) => t.texts.push(("reply", &e.reply)),
        Event::PenaltyDecided(e) => {
            t.texts.extend([
                ("decision number", e.decision_number.as_str()),
                ("violation", &e.violation),
                ("penalty", &e.penalty),
            ]);
            t.party(&e.party)?;
        }
        Event::CreditListed(e) => {
            t.texts.extend([("list", e.list.as_str()), ("reason", &e.reason)]);
            t.party(&e.party)?;
        }
        Event::DrawPlanned(e) => {
            t.texts.push(("plan", &e.plan));
            t.lists.push(("classes", e.classes.len()));
        }
        Event::DrawPublished(e) => {
            t.lists.extend([("targets", e.targets.len()), ("inspectors", e.inspectors.len())]);
            for p in &e.targets {
                t.party(p)?;
            }
        }
        Event::Imported(e) => {
            t.texts.push(("format", &e.format));
            t.party(&e.original_party)?;
            // The verbatim source event is bounded by the record's size limit, not by TEXT.
        }
    }
    let Fields { texts, lists } = t;
    for (what, t) in texts {
        if t.len() > limits::TEXT {
            return refuse(Facts::TooLong { field: what.into(), bytes: t.len(), max: limits::TEXT });
        }
    }
    for (what, n) in lists {
        if n > limits::LIST {
            return refuse(Facts::TooMany { field: what.into(), count: n, max: limits::LIST });
        }
    }
    Ok(())
}

/// Whether `code` has the shape of a 统一社会信用代码 (GB 32100-2015): 18 characters of `0-9` and the capitals
/// other than I, O, S, V and Z. The check digit is not enforced: codes issued in the early pilots (福建, 2015) do
/// not satisfy it and are valid.
pub fn credit_code_shaped(code: &str) -> bool {
    const CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    code.chars().count() == 18 && code.chars().all(|c| CHARS.contains(c))
}

pub(super) fn nonzero(q: Quantity, what: &str) -> Result<(), Error> {
    if q.is_zero() {
        return refuse(Facts::NotPositive { field: what.into() });
    }
    Ok(())
}

/// The text fields and list lengths of one record, gathered for the checks above.
#[derive(Default)]
struct Fields<'r> {
    texts: Vec<(&'static str, &'r str)>,
    lists: Vec<(&'static str, usize)>,
}

impl<'r> Fields<'r> {
    fn many(&mut self, what: &'static str, items: &'r [String]) {
        self.texts.extend(items.iter().map(|s| (what, s.as_str())));
        self.lists.push((what, items.len()));
    }

    /// A party outside the ledger is an organisation named with its 统一社会信用代码, or a natural person, whose
    /// name is personal data: committed (`person`), never written (`docs/privacy.md`).
    fn party(&mut self, p: &'r Party) -> Result<(), Error> {
        if let Party::Outside(o) = p {
            self.texts.push(("party name", &o.name));
            match &o.credit_code {
                Some(c) if !credit_code_shaped(c) => return refuse(Facts::BadCreditCode { code: c.clone() }),
                Some(c) => self.texts.push(("credit code", c)),
                None if !o.name.trim().is_empty() => {
                    return refuse(Facts::PersonNamedInTheClear { name: o.name.clone() });
                }
                None => {}
            }
            self.many("party certificate", &o.certificates);
        }
        Ok(())
    }

    fn certs(&mut self, refs: &'r [CertRef]) -> Result<(), Error> {
        self.lists.push(("certificates", refs.len()));
        for r in refs {
            if let CertRef::External(x) = r {
                if x.number.trim().is_empty() {
                    return refuse(Facts::EmptyNumber { field: "certificate".into() });
                }
                self.texts.extend([("certificate number", x.number.as_str()), ("certificate issuer", &x.issuer)]);
            }
        }
        Ok(())
    }

    fn licence(&mut self, l: &'r Licence) -> Result<(), Error> {
        if l.number.trim().is_empty() {
            return refuse(Facts::EmptyNumber { field: "licence".into() });
        }
        self.texts.extend([("licence number", l.number.as_str()), ("licence issuer", &l.issuer)]);
        self.many("licence scope", &l.scope);
        Ok(())
    }
}
