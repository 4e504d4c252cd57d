//! Vets sign what vets decide: a holder engages a vet for its batches (`Engaged`), the vet prescribes
//! (`Prescribed`), and a prescription-only drug is applied only under a prescription the application cites.
//!
//! Invariants kept here:
//! - an engagement is signed by a holder of every batch it names, names an active vet, and ends after it starts;
//! - a prescription is signed by an active vet engaged on every batch it names, and is valid after it is written;
//! - a vet records a treatment only on a holding whose holder engaged it (engagement in force at the claimed time);
//! - a prescription-only drug is applied only citing a prescription by an active vet, for this batch, for this
//!   drug (by approval number), valid at the time of the application.

use super::*;

impl Ctx<'_, '_> {
    pub(super) fn engaged(&mut self, batches: &mut [BatchState], e: &Engaged) -> Result<(), Error> {
        if batches.is_empty() {
            return refuse(Facts::NoBatches);
        }
        let vet = self.active_actor(&e.vet, Side::Vet)?;
        if !vet.has(Role::Vet) {
            return refuse(Facts::PrescriberNotVet { vet: e.vet });
        }
        if e.until <= self.time {
            return refuse(Facts::CertificateEndsBeforeStart { valid_from: self.time, valid_until: e.until });
        }
        for b in batches.iter_mut() {
            if !self.holds(b) {
                return refuse(Facts::HoldsNone { actor: self.name.clone(), batch: b.id, label: b.name() });
            }
            b.engaged.push(Engagement {
                vet: e.vet,
                holder: self.author,
                from: self.time,
                until: e.until,
                record: self.id,
            });
        }
        Ok(())
    }

    pub(super) fn prescribed(&mut self, batches: &[BatchState], e: &Prescribed) -> Result<(), Error> {
        if batches.is_empty() {
            return refuse(Facts::NoBatches);
        }
        if e.valid_until <= self.time {
            return refuse(Facts::CertificateEndsBeforeStart { valid_from: self.time, valid_until: e.valid_until });
        }
        for b in batches {
            if !self.engaged_on(b, None)? {
                return refuse(Facts::VetNotEngaged { vet: self.author, batch: b.id, label: b.name() });
            }
        }
        Ok(())
    }

    /// Whether the author (a vet) is engaged on `b` at the claimed time, by `holder` when given, else by any holder.
    /// Holder keys are compared across rotations: an engagement by a holder's earlier key still holds.
    pub(super) fn engaged_on(&self, b: &BatchState, holder: Option<&PublicKey>) -> Result<bool, Error> {
        let t = self.time;
        let holder_keys = match holder {
            Some(h) => Some(self.all_keys_of(h)?),
            None => None,
        };
        Ok(b.engaged.iter().any(|g| {
            self.is_me(&g.vet)
                && g.from <= t
                && t <= g.until
                && holder_keys.as_ref().is_none_or(|keys| keys.contains(&g.holder))
        }))
    }

    /// Checks the prescription an application of a prescription-only drug cites, and returns the prescribing vet.
    pub(super) fn prescription(
        &self,
        b: &BatchState,
        info: &InputLotRegistered,
        e: &InputApplied,
    ) -> Result<PublicKey, Error> {
        let Some(id) = e.prescription else {
            return refuse(Facts::PrescriptionMissing { input: info.name.clone() });
        };
        let invalid = |why: &str| refuse(Facts::PrescriptionInvalid { record: id, why: why.into() });
        let Some(index) = self.ov.record_index(&id)? else { return invalid("not-a-prescription") };
        let entry = self.entry(index)?;
        let Event::Prescribed(p) = &entry.record.body().event else { return invalid("not-a-prescription") };
        let vet = entry.record.body().author;
        match self.ov.actor(&vet)? {
            Some(a) if a.active() && a.has(Role::Vet) => {}
            _ => return refuse(Facts::PrescriberNotVet { vet }),
        }
        if !p.batches.contains(&b.id) {
            return invalid("other-batch");
        }
        if normalize(&p.approval_number) != normalize(&info.approval_number) {
            return invalid("other-drug");
        }
        if self.time > p.valid_until || self.time < entry.record.body().time {
            return invalid("expired");
        }
        Ok(vet)
    }
}
