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
            return refuse(Rule::Malformed, "certificate valid_until is before valid_from");
        }
        if !author.has(Role::Regulator) && !author.has(Role::Vet) && !self.holds(b) {
            return refuse(Rule::NotHolder, format!("{} may only certify batches it holds", author.name));
        }
        if e.kind == CertKind::Quarantine && !author.has(Role::Vet) && !author.has(Role::Regulator) {
            return refuse(Rule::RoleNotPermitted, "quarantine certificates are issued by vets or regulators");
        }
        self.ensure_movable(b, "certified")?;
        if matches!(e.kind, CertKind::OriginExit | CertKind::Quarantine) {
            self.ensure_withdrawal_over(b, "certified for market")?;
        }
        Ok(())
    }
}
