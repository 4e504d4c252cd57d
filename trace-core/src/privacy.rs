//! Which fields of a record are public, restricted or personal (issue 18; the table is in `docs/data-model.md`,
//! the policy in `docs/privacy.md`).
//!
//! - **Public**: what a shopper's scan shows and anyone may fetch: products, classes, quantities, times, the
//!   businesses that held the goods, inputs and their periods, inspections, certificates, holds, recalls,
//!   corrections.
//! - **Restricted**: commercial detail the parties to a batch and regulators read (`crate::access`): shipping
//!   documents, places and carriers, notes of receipts, treatments and prescriptions, named buyers, and parties
//!   outside the ledger.
//! - **Personal**: a natural person's name, ID number or phone. It is never in the log: a record carries a
//!   salted commitment ([`crate::Personal`]) and the value stays off the log, where it can be erased.
//!
//! Public answers (the scan page, `/v1/public/…`, public proof files) leave every restricted field out; a record
//! that carries one is proven by its inclusion in the log, not shown.

use crate::event::Event;
use crate::shared::Party;

/// The personal commitments `event` carries, by field name: what a personal value deposited off the log must open.
pub fn commitments(event: &Event) -> Vec<(&'static str, crate::Personal)> {
    let person = |p: &Party| match p {
        Party::Outside(o) => o.person,
        Party::Member(_) => None,
    };
    let mut out = Vec::new();
    match event {
        Event::ActorAdmitted(e) => out.extend(e.contact.map(|c| ("contact", c))),
        Event::Sold(e) => out.extend(e.buyer.as_ref().and_then(person).map(|c| ("person", c))),
        Event::Shipped(e) => out.extend(person(&e.to).map(|c| ("person", c))),
        Event::InputApplied(e) => out.extend(e.holding.as_ref().and_then(person).map(|c| ("person", c))),
        Event::Certified(e) => out.extend(person(&e.issuer).map(|c| ("person", c))),
        Event::ComplianceCertified(e) => out.extend(e.contact.map(|c| ("contact", c))),
        Event::ComplaintFiled(e) => out.extend(e.contact.map(|c| ("contact", c))),
        _ => {}
    }
    out
}

/// The restricted fields `event` carries with a value, by name: empty when the whole record is public.
pub fn restricted_fields(event: &Event) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut text = |name: &'static str, s: &str| {
        if !s.trim().is_empty() {
            out.push(name);
        }
    };
    match event {
        Event::Shipped(e) => {
            text("document", &e.document);
            text("from_place", &e.from_place);
            text("to_place", &e.to_place);
            if e.carrier.is_some() {
                out.push("carrier");
            }
            if matches!(e.to, Party::Outside(_)) {
                out.push("to");
            }
        }
        Event::Received(e) => text("note", &e.note),
        Event::InputApplied(e) => {
            text("note", &e.note);
            if matches!(e.holding, Some(Party::Outside(_))) {
                out.push("holding");
            }
        }
        Event::Prescribed(e) => text("note", &e.note),
        Event::Sold(e) => {
            if e.buyer.is_some() {
                out.push("buyer");
            }
        }
        Event::Certified(e) => {
            if matches!(e.issuer, Party::Outside(_)) {
                out.push("issuer");
            }
        }
        Event::ComplaintFiled(e) => {
            text("what", &e.what);
            text("where_bought", &e.where_bought);
            text("scanned", &e.scanned);
        }
        Event::ComplaintAnswered(e) => text("reply", &e.reply),
        // Kinds whose rules are not built yet never reach a log; when they do, their issue classifies them here.
        Event::LicenceChanged(_)
        | Event::HoldingsTransferred(_)
        | Event::CreditListed(_)
        | Event::PenaltyDecided(_)
        | Event::DrawPublished(_)
        | Event::Imported(_) => out.push("(unclassified kind)"),
        Event::ActorAdmitted(_)
        | Event::ActorRevoked(_)
        | Event::KeyRotated(_)
        | Event::BatchRegistered(_)
        | Event::InputLotRegistered(_)
        | Event::Inspected(_)
        | Event::Transformed(_)
        | Event::Held(_)
        | Event::Released(_)
        | Event::Recalled(_)
        | Event::Disposed(_)
        | Event::Correction(_)
        | Event::RegistryAdopted(_)
        | Event::Engaged(_)
        | Event::Produced(_)
        | Event::Countersigned(_)
        | Event::CertificateChanged(_)
        | Event::ComplianceCertified(_)
        | Event::RecallAcknowledged(_)
        | Event::RecallClosed(_)
        | Event::DrawPlanned(_) => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Received, Sold};
    use crate::ids::{BatchId, RecordId};

    #[test]
    fn a_field_is_restricted_only_when_it_carries_a_value() {
        let batch = BatchId::derive(&RecordId([1; 32]), 0);
        let retail = Event::Sold(Sold { batch, quantity: "1 kg".parse().unwrap(), buyer: None });
        assert!(restricted_fields(&retail).is_empty());
        let note = |n: &str| {
            Event::Received(Received {
                batch,
                shipment: RecordId([2; 32]),
                accepted: true,
                checked: vec![],
                note: n.into(),
            })
        };
        assert!(restricted_fields(&note("  ")).is_empty());
        assert_eq!(restricted_fields(&note("driver 139…")), vec!["note"]);
    }
}
