//! Certificates covering a batch.
//!
//! Invariants kept here:
//! - a certificate's validity does not end before it starts;
//! - only a holder, a vet or a regulator certifies a batch, and only vets or regulators issue quarantine
//!   certificates;
//! - nothing blocked is certified, and nothing in a withdrawal is certified for market (origin-exit,
//!   quarantine).

use super::*;

impl Ctx<'_, '_> {
    pub(super) fn certified(&mut self, author: &Actor, b: &BatchState, e: &Certified) -> Result<(), Error> {
        if e.valid_until < e.valid_from {
            return refuse(Facts::CertificateEndsBeforeStart { valid_from: e.valid_from, valid_until: e.valid_until });
        }
        if !author.has(Role::Regulator) && !author.has(Role::Vet) && !self.holds(b) {
            return refuse(Facts::CertifierNotHolder { actor: author.name.clone() });
        }
        if e.kind == CertKind::Quarantine && !author.has(Role::Vet) && !author.has(Role::Regulator) {
            return refuse(Facts::QuarantineNeedsVet);
        }
        self.ensure_movable(b, Action::Certified)?;
        if matches!(e.kind, CertKind::OriginExit | CertKind::Quarantine) {
            self.ensure_withdrawal_over(b, Action::CertifiedForMarket)?;
        }
        Ok(())
    }
}
