//! The rules enforced when a record is appended (docs/data-model.md, section 3), each in one place, and the state
//! changes an accepted record makes. Every refusal carries typed [`Facts`] and the [`Rule`](crate::Rule) they
//! break.
//!
//! `apply` is called by the ledger's writer for one record at a time, inside a group commit, with the
//! writer's `Overlay` of pending writes, which shows the effects of the records accepted before it. It either
//! refuses the record (the caller then drops its writes) or leaves the record's state changes in the overlay.

//!
//! The rules are split by concern, each module opening with the invariants it keeps: `roles` (who may
//! record what), `time` (claimed against accepted time), [`limits`] (sizes), `batches` (registrations and
//! transforms), `custody` (holdings and shipments), `quantities` (sales and disposals), `blocks` (holds, recalls
//! and their reach), `withdrawal` (inputs applied and their periods), `substances` (the banned list),
//! `inspections` and `certificates`. `apply` runs the checks every record passes (time, author, roles, parents
//! and heads) and then `Ctx::event`, the one match on the event kind, which calls into those modules.

use std::collections::{BTreeSet, VecDeque};

use crate::error::{Error, Refusal};
use crate::event::*;
use crate::facts::{Action, BatchHead, Facts, Interval, Side, Take};
use crate::ids::{BatchId, RecordId};
use crate::keys::PublicKey;
use crate::record::Record;
use crate::schema;
use crate::state::*;
use crate::store::Overlay;
use crate::values::{Gtin, InputKind, Lot, Quantity, Role, Time, TimePrecision};

mod batches;
mod blocks;
mod certificates;
mod custody;
mod envelope;
mod inspections;
pub mod limits;
mod pending;
mod produce;
mod quantities;
mod roles;
mod substances;
mod time;
mod vets;
mod withdrawal;

pub use batches::{MAX_MILK_HOURS, MAX_PERIOD_DAYS};
pub use envelope::check_envelope;
pub use limits::check_limits;
pub use pending::not_enforced;
use roles::RECEIVER_ROLES;
pub use roles::permitted_roles;
pub use substances::{Adopted, normalize, shipped_registry_adoption};
pub use time::{LATE_ENTRY_MS, MAX_FUTURE_SKEW_MS, TREATMENT_GRACE_MS, is_late, treatment_start};

fn refuse<T>(facts: Facts) -> Result<T, Error> {
    Err(Error::Refused(Refusal::new(facts)))
}

/// What an accepted record did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effects {
    /// Batches and input lots it created.
    pub created: Vec<BatchId>,
}

/// The context of one record being applied.
struct Ctx<'o, 's> {
    ov: &'o mut Overlay<'s>,
    record: &'o Record,
    id: RecordId,
    index: u64,
    time: Time,
    /// The node's acceptance time.
    accepted: Time,
    author: PublicKey,
    /// The author's current key and every key it rotated away from: custody under an old key is still its own.
    me: Vec<PublicKey>,
    /// The author's display name, for messages.
    name: String,
}

/// Applies one record to the state in `ov`, refusing it if it breaks a rule. `index` is the entry index it
/// will get and `accepted` the node's acceptance time. The caller has verified the signature and origin.
pub(crate) fn apply(ov: &mut Overlay<'_>, record: &Record, index: u64, accepted: Time) -> Result<Effects, Error> {
    let body = record.body();
    time::not_in_future(body.time, accepted)?;
    let mut cx = Ctx {
        ov,
        record,
        id: record.id(),
        index,
        time: body.time,
        accepted,
        author: body.author,
        me: vec![body.author],
        name: body.author.short(),
    };
    if index == 0 {
        return cx.genesis();
    }
    if let Some((what, issue)) = not_enforced(&body.event) {
        return refuse(Facts::NotEnforced { what, issue });
    }
    let author = match cx.ov.actor(&cx.author)? {
        Some(a) => a,
        None => {
            return refuse(Facts::UnknownAuthor { author: cx.author });
        }
    };
    if let Some(at) = author.revoked_at {
        return refuse(Facts::AuthorRetired { actor: author.name.clone(), at, rotated_to: author.rotated_to });
    }
    cx.me.extend(author.previous_keys.iter().copied());
    cx.name.clone_from(&author.name);
    let allowed = permitted_roles(&body.event);
    if !allowed.iter().any(|r| author.has(*r)) {
        return refuse(Facts::RoleNotPermitted {
            kind: body.event.kind().to_owned(),
            needs: allowed.to_vec(),
            has: author.roles.clone(),
            actor: author.name.clone(),
        });
    }
    for p in &body.parents {
        if cx.ov.record_index(p)?.is_none() {
            return refuse(Facts::UnknownParent { parent: *p });
        }
    }
    let acted = cx.check_heads()?;
    let acted_ids: Vec<BatchId> = acted.iter().map(|b| b.id).collect();
    cx.mark_if_late(accepted);
    let effects = cx.event(&author, acted)?;
    // The read model's index: the author and every party the record names are parties to each batch it acts on
    // or creates (`crate::access`).
    // An inspection's author is not made a party: a lab samples any batch, and sampling it is no reason to read its
    // trade (a screener holds what it screens, and is a party by that).
    let author = (!matches!(body.event, Event::Inspected(_))).then_some(cx.author);
    let parties: Vec<PublicKey> = author.into_iter().chain(crate::access::named_parties(&body.event)).collect();
    for b in acted_ids.iter().chain(&effects.created) {
        for p in &parties {
            cx.ov.mark(schema::party(p, *b));
        }
    }
    Ok(effects)
}

impl Ctx<'_, '_> {
    fn body_event(&self) -> &Event {
        &self.record.body().event
    }

    fn genesis(&mut self) -> Result<Effects, Error> {
        let body = self.record.body();
        match &body.event {
            Event::ActorAdmitted(a)
                if a.actor == body.author && a.roles.contains(&Role::Authority) && body.parents.is_empty() =>
            {
                self.admit(a);
                Ok(Effects::default())
            }
            _ => refuse(Facts::Genesis),
        }
    }

    /// Checks the parents against the heads of the batches acted on and returns those batches' states.
    fn check_heads(&mut self) -> Result<Vec<BatchState>, Error> {
        let body = self.record.body();
        let event = &body.event;
        if let Event::Correction(c) = event {
            if body.parents != [c.target] {
                return refuse(Facts::CorrectionParent { target: c.target });
            }
            return Ok(Vec::new());
        }
        let ids = event.acted_on();
        let unique: BTreeSet<BatchId> = ids.iter().copied().collect();
        if unique.len() != ids.len() {
            return refuse(Facts::BatchNamedTwice);
        }
        let mut states = Vec::with_capacity(ids.len());
        for id in &ids {
            match self.ov.batch(*id)? {
                Some(s) => states.push(s),
                None => return refuse(Facts::UnknownBatch { batch: *id }),
            }
        }
        let heads: Vec<RecordId> = states.iter().map(|s| s.head).collect();
        if body.parents != heads {
            let expected = states.iter().map(|s| BatchHead { batch: s.id, head: s.head }).collect();
            return refuse(Facts::StaleHead { expected });
        }
        self.not_before_last_event(&states)?;
        Ok(states)
    }

    fn event(&mut self, author: &Actor, mut acted: Vec<BatchState>) -> Result<Effects, Error> {
        let event = self.body_event().clone();
        let mut effects = Effects::default();
        match &event {
            Event::ActorAdmitted(e) => self.actor_admitted(author, e)?,
            Event::ActorRevoked(e) => self.actor_revoked(author, e)?,
            Event::KeyRotated(e) => self.key_rotated(author, e)?,
            Event::RegistryAdopted(e) => self.registry_adopted(e)?,
            Event::Correction(e) => self.correction(author, e)?,
            Event::BatchRegistered(e) => {
                self.not_milk_from_nothing(author, &event)?;
                effects.created.push(self.batch_registered(e)?)
            }
            Event::InputLotRegistered(e) => effects.created.push(self.input_lot_registered(e)?),
            Event::InputApplied(e) => self.input_applied(author, &mut acted[0], e)?,
            Event::Inspected(e) => self.inspected(author, &mut acted[0], e)?,
            Event::Certified(e) => self.certified(author, &acted, e)?,
            Event::Shipped(e) => self.shipped(&mut acted[0], e)?,
            Event::Received(e) => {
                self.certificates_cover(&e.checked, &acted)?;
                self.received(&mut acted[0], e)?
            }
            Event::Sold(e) => self.sold(&mut acted[0], e)?,
            Event::Disposed(e) => self.disposed(&mut acted[0], e)?,
            Event::Held(e) => self.block(&mut acted[0], BlockKind::Held, &e.reason)?,
            Event::Recalled(e) => {
                if !author.has(Role::Regulator) && !self.is_me(&acted[0].registrant) {
                    return refuse(Facts::RecallNotPermitted { batch: acted[0].id });
                }
                self.block(&mut acted[0], BlockKind::Recalled, &e.reason)?
            }
            Event::Released(e) => self.released(&mut acted[0], e)?,
            Event::Countersigned(e) => self.countersigned(author, e)?,
            Event::Transformed(e) => {
                self.not_milk_from_nothing(author, &event)?;
                effects.created = self.transformed(&mut acted, e)?
            }
            Event::Prescribed(e) => self.prescribed(&acted, e)?,
            Event::Engaged(e) => self.engaged(&mut acted, e)?,
            // Refused by `not_enforced` in `apply` until their issues build their rules.
            Event::Produced(e) => effects.created.push(self.produced(&mut acted[0], e)?),
            Event::LicenceChanged(_)
            | Event::HoldingsTransferred(_)
            | Event::CertificateChanged(_)
            | Event::ComplianceCertified(_)
            | Event::RecallAcknowledged(_)
            | Event::RecallClosed(_)
            | Event::ComplaintFiled(_)
            | Event::ComplaintAnswered(_)
            | Event::PenaltyDecided(_)
            | Event::CreditListed(_)
            | Event::DrawPlanned(_)
            | Event::DrawPublished(_)
            | Event::Imported(_) => {
                let (what, issue) = not_enforced(&event).unwrap_or((event.kind().to_owned(), 14));
                return refuse(Facts::NotEnforced { what, issue });
            }
        }
        // Every batch acted on moves its head to this record and records it in its history.
        for s in &mut acted {
            s.head = self.id;
            s.last_time = s.last_time.max(self.time);
            self.ov.mark(schema::history(s.id, self.index));
            self.ov.put_batch(s);
        }
        Ok(effects)
    }
}
