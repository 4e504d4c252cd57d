//! Who may record what: the roles each event kind needs, admissions, revocations, key rotations and who may
//! correct a record.
//!
//! Invariants kept here:
//! - every record's author holds one of the roles [`permitted_roles`] gives its kind (checked in `apply`);
//! - only an authority admits or revokes an authority, and a key is admitted at most once;
//! - a handle names one actor: it is given at admission, refused if taken, and follows key rotations;
//! - a rotated or revoked key signs nothing after the record that retired it;
//! - a record is corrected only by its author (under any of its keys) or a regulator.

use super::*;

/// Which roles may record each event kind.
pub fn permitted_roles(event: &Event) -> &'static [Role] {
    use Role::*;
    match event {
        Event::ActorAdmitted(_) | Event::ActorRevoked(_) => &[Authority, Regulator],
        Event::KeyRotated(_) | Event::Correction(_) => {
            &[Authority, Regulator, Coop, Vet, Supplier, Processor, Transporter, Market, Lab]
        }
        Event::BatchRegistered(_) => &[Coop, Processor],
        Event::InputLotRegistered(_) => &[Supplier],
        Event::InputApplied(_) => &[Coop, Vet],
        Event::Inspected(_) => &[Lab, Regulator, Coop, Processor, Market],
        Event::Certified(_) => &[Coop, Vet, Processor, Regulator],
        Event::Shipped(_) | Event::Disposed(_) => &[Coop, Processor, Supplier, Transporter, Market],
        Event::Received(_) => RECEIVER_ROLES,
        Event::Transformed(_) => &[Coop, Processor],
        Event::Sold(_) => &[Coop, Processor, Market],
        Event::Held(_) | Event::Released(_) => &[Regulator],
        Event::Recalled(_) => &[Regulator, Coop, Processor, Supplier],
        Event::RegistryAdopted(_) => &[Authority, Regulator],
        // Kinds refused as not enforced: the roles their issues expect, so that a refusal names them.
        Event::Prescribed(_) => &[Vet],
        Event::Produced(_) => &[Coop],
        Event::Engaged(_) => &[Coop, Processor],
        Event::Countersigned(_)
        | Event::LicenceChanged(_)
        | Event::HoldingsTransferred(_)
        | Event::CertificateChanged(_)
        | Event::ComplaintAnswered(_)
        | Event::PenaltyDecided(_)
        | Event::CreditListed(_)
        | Event::DrawPlanned(_)
        | Event::DrawPublished(_) => &[Authority, Regulator],
        Event::ComplianceCertified(_) => &[Coop, Processor],
        Event::RecallAcknowledged(_) => &[Coop, Processor, Supplier, Transporter, Market],
        Event::RecallClosed(_) => &[Regulator, Coop, Processor, Supplier],
        Event::ComplaintFiled(_) => &[Intake],
        Event::Imported(_) => &[Authority],
    }
}

/// The roles that may record a receipt, and so the roles a shipment may be addressed to.
pub(super) const RECEIVER_ROLES: &[Role] =
    &[Role::Coop, Role::Processor, Role::Supplier, Role::Transporter, Role::Market];

impl Ctx<'_, '_> {
    pub(super) fn admit(&mut self, e: &ActorAdmitted) {
        let mut roles = e.roles.clone();
        roles.sort();
        roles.dedup();
        self.ov.put(schema::handle(e.handle.as_str()), e.actor.as_bytes().to_vec());
        self.ov.put_actor(&Actor {
            key: e.actor,
            name: e.name.clone(),
            handle: e.handle.clone(),
            roles,
            registration: e.registration.clone(),
            location: e.location.clone(),
            admitted_at: self.index,
            revoked_at: None,
            rotated_to: None,
            previous_keys: Vec::new(),
        });
    }

    pub(super) fn actor_admitted(&mut self, author: &Actor, e: &ActorAdmitted) -> Result<(), Error> {
        if let Some(existing) = self.ov.actor(&e.actor)? {
            return refuse(Facts::KeyAlreadyAdmitted { key: e.actor, name: existing.name });
        }
        if e.roles.contains(&Role::Authority) && !author.has(Role::Authority) {
            return refuse(Facts::AuthorityAdmitsAuthority);
        }
        if let Some(by) = self.handle_owner(e.handle.as_str())? {
            let by = self.ov.actor(&by)?.map_or_else(|| by.short(), |a| a.name);
            return refuse(Facts::HandleTaken { handle: e.handle.clone(), by });
        }
        self.admit(e);
        Ok(())
    }

    pub(super) fn actor_revoked(&mut self, author: &Actor, e: &ActorRevoked) -> Result<(), Error> {
        let Some(mut target) = self.ov.actor(&e.actor)? else {
            return refuse(Facts::UnknownActor { key: e.actor });
        };
        if !target.active() {
            return refuse(Facts::AlreadyRevoked { name: target.name });
        }
        if target.has(Role::Authority) && !author.has(Role::Authority) {
            return refuse(Facts::AuthorityRevokesAuthority);
        }
        target.revoked_at = Some(self.index);
        self.ov.put_actor(&target);
        Ok(())
    }

    pub(super) fn key_rotated(&mut self, author: &Actor, e: &KeyRotated) -> Result<(), Error> {
        if self.ov.actor(&e.new_key)?.is_some() {
            return refuse(Facts::KeyInUse { key: e.new_key });
        }
        let mut old = author.clone();
        old.revoked_at = Some(self.index);
        old.rotated_to = Some(e.new_key);
        self.ov.put_actor(&old);
        let mut new = author.clone();
        new.key = e.new_key;
        new.admitted_at = self.index;
        new.previous_keys.push(author.key);
        self.ov.put_actor(&new);
        self.ov.put(schema::handle(new.handle.as_str()), e.new_key.as_bytes().to_vec());
        Ok(())
    }

    pub(super) fn correction(&mut self, author: &Actor, e: &Correction) -> Result<(), Error> {
        // check_heads made the target the only parent, and every parent was checked to be in the log; refuse
        // rather than read some other entry's author if that ever stops holding.
        let Some(target_index) = self.ov.record_index(&e.target)? else {
            return refuse(Facts::CorrectionTargetMissing { target: e.target });
        };
        let target_author = self.entry_author(target_index)?;
        if !self.is_me(&target_author) && !author.has(Role::Regulator) {
            return refuse(Facts::CorrectionNotPermitted);
        }
        self.ov.mark(schema::correction(&e.target, self.index));
        Ok(())
    }

    pub(super) fn entry_author(&self, index: u64) -> Result<PublicKey, Error> {
        Ok(self.entry(index)?.record.body().author)
    }

    /// The event of the entry at `index`.
    pub(super) fn entry_event(&self, index: u64) -> Result<Event, Error> {
        Ok(self.entry(index)?.record.body().event.clone())
    }

    pub(super) fn entry(&self, index: u64) -> Result<crate::record::LogEntry, Error> {
        let Some(bytes) = self.ov.get(&schema::entry(index))? else {
            return Err(Error::Corrupt { index, why: "entry missing".into() });
        };
        crate::record::LogEntry::decode(&bytes).map_err(|e| Error::Corrupt { index, why: e.to_string() })
    }

    /// The key that has `handle`, if any.
    fn handle_owner(&self, handle: &str) -> Result<Option<PublicKey>, Error> {
        let key = schema::handle(handle);
        self.ov.get(&key)?.map(|v| schema::read_handle_value(&key, &v)).transpose()
    }
}
