//! Checks that need no state: sizes and counts of every field, so that no record can make the ledger store or
//! scan without bound.
//!
//! Invariant kept here: every text field is at most [`TEXT`] bytes, every list at most [`LIST`] items (vet-drug
//! codes [`CODES`]), parents at most [`PARENTS`], and quantities that must be positive are.

use super::*;

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
    let mut texts: Vec<(&str, &str)> = Vec::new();
    let mut lists: Vec<(&str, usize)> = Vec::new();
    match &b.event {
        Event::ActorAdmitted(e) => {
            texts.extend([("name", e.name.as_str()), ("registration", &e.registration), ("location", &e.location)]);
            lists.push(("roles", e.roles.len()));
            if e.roles.is_empty() {
                return refuse(Facts::NoRoles);
            }
        }
        Event::ActorRevoked(e) => texts.push(("reason", &e.reason)),
        Event::KeyRotated(_) => {}
        Event::BatchRegistered(e) => {
            texts.extend([("product", e.product.as_str()), ("place", &e.place)]);
            nonzero(e.quantity, "quantity")?;
        }
        Event::InputLotRegistered(e) => {
            texts.extend([
                ("name", e.name.as_str()),
                ("approval number", &e.approval_number),
                ("manufacturer", &e.manufacturer),
            ]);
            texts.extend(e.active_substances.iter().map(|s| ("active substance", s.as_str())));
            lists.push(("active substances", e.active_substances.len()));
            if e.vet_drug_codes.len() > limits::CODES {
                return refuse(Facts::TooMany {
                    field: "vet-drug codes".into(),
                    count: e.vet_drug_codes.len(),
                    max: limits::CODES,
                });
            }
            nonzero(e.quantity, "quantity")?;
        }
        Event::InputApplied(e) => {
            texts.push(("note", &e.note));
            nonzero(e.dose, "dose")?;
        }
        Event::Inspected(e) => texts.extend([
            ("sample", e.sample.as_str()),
            ("analyte", &e.analyte),
            ("unit", &e.unit),
            ("method", &e.method),
        ]),
        Event::Certified(e) => {
            texts.push(("number", &e.number));
            texts.extend(e.promises.iter().map(|s| ("promise", s.as_str())));
            lists.push(("promises", e.promises.len()));
        }
        Event::Shipped(e) => {
            texts.extend([("from place", e.from_place.as_str()), ("to place", &e.to_place), ("document", &e.document)]);
            nonzero(e.quantity, "quantity")?;
        }
        Event::Received(e) => texts.extend([("documents checked", e.documents_checked.as_str()), ("note", &e.note)]),
        Event::Transformed(e) => {
            texts.push(("place", &e.place));
            texts.extend(e.outputs.iter().map(|o| ("product", o.product.as_str())));
            lists.extend([("inputs", e.inputs.len()), ("outputs", e.outputs.len())]);
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
            texts.push(("buyer", &e.buyer));
            nonzero(e.quantity, "quantity")?;
        }
        Event::Held(e) => texts.push(("reason", &e.reason)),
        Event::Released(e) => texts.push(("reason", &e.reason)),
        Event::Recalled(e) => texts.push(("reason", &e.reason)),
        Event::Disposed(e) => {
            texts.push(("method", &e.method));
            nonzero(e.quantity, "quantity")?;
        }
        Event::Correction(e) => texts.extend([("reason", e.reason.as_str()), ("corrected", &e.corrected)]),
        Event::BannedListChanged(e) => {
            texts.push(("reason", &e.reason));
            if e.add.iter().chain(&e.remove).any(|s| normalize(s).is_empty()) {
                return refuse(Facts::EmptySubstanceName);
            }
            texts.extend(e.add.iter().chain(&e.remove).map(|s| ("substance", s.as_str())));
            lists.extend([("add", e.add.len()), ("remove", e.remove.len())]);
        }
    }
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

pub(super) fn nonzero(q: Quantity, what: &str) -> Result<(), Error> {
    if q.is_zero() {
        return refuse(Facts::NotPositive { field: what.into() });
    }
    Ok(())
}
