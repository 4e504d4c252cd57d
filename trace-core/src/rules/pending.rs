//! What record format version 2 can say but no rule judges yet: kinds 18 and later, and the fields of older
//! kinds whose rules belong to a later issue. The ledger refuses them with `not-enforced`, so nothing is
//! accepted that no rule has judged; each issue that builds the rules removes its rows here.
//!
//! Invariant kept here: every event kind and field in the format is either judged by a rule module or listed
//! here with the issue that will judge it.

use super::*;
use crate::shared::Party;

/// The kind or field of `event` that is not enforced yet, with the issue that builds its rules.
pub fn not_enforced(event: &Event) -> Option<(String, u32)> {
    let kind = |issue: u32| Some((event.kind().to_owned(), issue));
    let field = |name: &str, issue: u32| Some((format!("{}.{name}", event.kind()), issue));
    match event {
        Event::LicenceChanged(_) | Event::HoldingsTransferred(_) => kind(20),
        Event::CertificateChanged(_) | Event::ComplianceCertified(_) => kind(21),
        Event::RecallAcknowledged(_) | Event::RecallClosed(_) => kind(19),
        Event::ComplaintFiled(_)
        | Event::ComplaintAnswered(_)
        | Event::PenaltyDecided(_)
        | Event::CreditListed(_)
        | Event::DrawPlanned(_)
        | Event::DrawPublished(_) => kind(24),
        Event::Imported(_) => kind(23),
        Event::InputLotRegistered(e) if !e.made_from.is_empty() => field("made_from", 19),
        Event::Certified(e) if !matches!(e.issuer, Party::Member(_)) => field("issuer", 21),
        Event::Shipped(e) if !matches!(e.to, Party::Member(_)) => field("to", 20),
        Event::Shipped(e) if !e.certificates.is_empty() => field("certificates", 20),
        Event::Transformed(e) if !e.certificates.is_empty() => field("certificates", 20),
        Event::Sold(e) if matches!(e.buyer, Some(Party::Member(_))) => field("buyer", 19),
        Event::Recalled(e) if e.drill => field("drill", 19),
        Event::RegistryAdopted(e) if e.registry != RegistryKind::Substances => field("registry", 16),
        _ => None,
    }
}
