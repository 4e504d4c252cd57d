//! Certificates: those recorded here (`Certified`) and the references receipts make to them (`CertRef`).
//!
//! Invariants kept here:
//! - a certificate covers at least one batch, and its validity does not end before it starts;
//! - its issuer is its author (other issuers wait for issue 21);
//! - only a holder of every batch, a vet or a regulator certifies, and only vets or regulators issue quarantine
//!   certificates;
//! - nothing blocked is certified, and nothing in a withdrawal is certified for market (origin-exit,
//!   quarantine);
//! - a receipt's on-ledger certificate is a `Certified` record covering the batch received or an ancestor of it,
//!   and an external certificate names its number.

use super::*;
use crate::shared::{CertRef, Party};

impl Ctx<'_, '_> {
    pub(super) fn certified(&mut self, author: &Actor, batches: &[BatchState], e: &Certified) -> Result<(), Error> {
        if e.batches.is_empty() {
            return refuse(Facts::NoBatches);
        }
        if e.issuer != Party::Member(self.author) {
            return refuse(Facts::NotEnforced { what: "Certified.issuer".into(), issue: 21 });
        }
        if e.valid_until < e.valid_from {
            return refuse(Facts::CertificateEndsBeforeStart { valid_from: e.valid_from, valid_until: e.valid_until });
        }
        if !author.has(Role::Regulator) && !author.has(Role::Vet) && !batches.iter().all(|b| self.holds(b)) {
            return refuse(Facts::CertifierNotHolder { actor: author.name.clone() });
        }
        if e.kind.is_quarantine() && !author.has(Role::Vet) && !author.has(Role::Regulator) {
            return refuse(Facts::QuarantineNeedsVet);
        }
        for b in batches {
            self.ensure_movable(b, Action::Certified)?;
            if e.kind == CertKind::OriginExit || e.kind.is_quarantine() {
                self.ensure_withdrawal_over(b, Action::CertifiedForMarket)?;
            }
        }
        Ok(())
    }

    /// Checks certificate references against the batches a record acts on.
    pub(super) fn certificates_cover(&self, refs: &[CertRef], acted: &[BatchState]) -> Result<(), Error> {
        for r in refs {
            match r {
                CertRef::External(x) => {
                    if x.number.trim().is_empty() {
                        return refuse(Facts::EmptyNumber { field: "certificate".into() });
                    }
                }
                CertRef::OnLedger(id) => {
                    let Some(index) = self.ov.record_index(id)? else {
                        return refuse(Facts::NotACertificate { record: *id });
                    };
                    let Event::Certified(c) = self.entry_event(index)? else {
                        return refuse(Facts::NotACertificate { record: *id });
                    };
                    for b in acted {
                        if !self.covers(&c.batches, b.id)? {
                            return refuse(Facts::CertificateNotCovering { record: *id, batch: b.id });
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether `batch` is one of `covered` or descends from one (a certificate on a herd covers its carcasses).
    fn covers(&self, covered: &[BatchId], batch: BatchId) -> Result<bool, Error> {
        if covered.contains(&batch) {
            return Ok(true);
        }
        let mut seen = BTreeSet::from([batch]);
        let mut queue = VecDeque::from([batch]);
        while let Some(id) = queue.pop_front() {
            for (k, _) in self.ov.scan_prefix(&schema::parents_prefix(id))? {
                let Some(parent) = BatchId::from_value(schema::tail_u64(&k)?) else { continue };
                if covered.contains(&parent) {
                    return Ok(true);
                }
                if seen.insert(parent) {
                    queue.push_back(parent);
                }
            }
        }
        Ok(false)
    }
}
