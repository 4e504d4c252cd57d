//! The rules enforced when a record is appended (docs/data-model.md, section 3), each in one place, and the state
//! changes an accepted record makes. Every refusal names its [`Rule`] and the fact that breaks it.
//!
//! `apply` is called by the ledger's writer for one record at a time, inside a group commit, with the
//! writer's `Overlay` of pending writes, which shows the effects of the records accepted before it. It either
//! refuses the record (the caller then drops its writes) or leaves the record's state changes in the overlay.

use std::collections::{BTreeSet, VecDeque};

use crate::error::{Error, Refusal, Rule, short};
use crate::event::*;
use crate::ids::{BatchId, RecordId};
use crate::keys::PublicKey;
use crate::record::Record;
use crate::schema;
use crate::state::*;
use crate::store::Overlay;
use crate::values::{InputKind, Quantity, Role, Time};

/// How far into the future (past the node's clock) a record's claimed time may be.
pub const MAX_FUTURE_SKEW_MS: u64 = 5 * 60 * 1000;

/// A record whose claimed time is this much before its acceptance appears in the late-entry report.
pub const LATE_ENTRY_MS: u64 = 24 * 3_600_000;

/// Limits on sizes and counts inside a record.
pub mod limits {
    /// Longest free-text field, in bytes.
    pub const TEXT: usize = 1024;
    /// Most items in a list (roles, substances, promises, inputs, outputs).
    pub const LIST: usize = 64;
    /// Most parents.
    pub const PARENTS: usize = 64;
    /// Most vet-drug codes in one lot registration.
    pub const CODES: usize = 1000;
}

/// The shipped banned-substance list, one name per line; `#` starts a comment.
pub const SHIPPED_BANNED_LIST: &str = include_str!("../data/banned-substances.txt");

/// The shipped banned-substance names.
pub fn shipped_banned_substances() -> Vec<String> {
    SHIPPED_BANNED_LIST
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

fn refuse<T>(rule: Rule, message: impl Into<String>) -> Result<T, Error> {
    Err(Error::Refused(Refusal::new(rule, message)))
}

/// Checks that need no state: sizes and counts of every field.
pub fn check_limits(record: &Record) -> Result<(), Error> {
    let b = record.body();
    if b.parents.len() > limits::PARENTS {
        return refuse(Rule::LimitExceeded, format!("{} parents; at most {}", b.parents.len(), limits::PARENTS));
    }
    let mut texts: Vec<(&str, &str)> = Vec::new();
    let mut lists: Vec<(&str, usize)> = Vec::new();
    match &b.event {
        Event::ActorAdmitted(e) => {
            texts.extend([("name", e.name.as_str()), ("registration", &e.registration), ("location", &e.location)]);
            lists.push(("roles", e.roles.len()));
            if e.roles.is_empty() {
                return refuse(Rule::Malformed, "an actor needs at least one role");
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
                return refuse(
                    Rule::LimitExceeded,
                    format!("{} vet-drug codes; at most {}", e.vet_drug_codes.len(), limits::CODES),
                );
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
                return refuse(Rule::Malformed, "a transform needs at least one input and one output");
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
                return refuse(Rule::Malformed, "a banned substance name cannot be empty");
            }
            texts.extend(e.add.iter().chain(&e.remove).map(|s| ("substance", s.as_str())));
            lists.extend([("add", e.add.len()), ("remove", e.remove.len())]);
        }
    }
    for (what, t) in texts {
        if t.len() > limits::TEXT {
            return refuse(Rule::LimitExceeded, format!("{what} is {} bytes; at most {}", t.len(), limits::TEXT));
        }
    }
    for (what, n) in lists {
        if n > limits::LIST {
            return refuse(Rule::LimitExceeded, format!("{n} {what}; at most {}", limits::LIST));
        }
    }
    Ok(())
}

fn nonzero(q: Quantity, what: &str) -> Result<(), Error> {
    if q.is_zero() {
        return refuse(Rule::Malformed, format!("{what} must be more than zero"));
    }
    Ok(())
}

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
        Event::Inspected(_) => &[Lab, Regulator],
        Event::Certified(_) => &[Coop, Vet, Processor, Regulator],
        Event::Shipped(_) | Event::Disposed(_) => &[Coop, Processor, Supplier, Transporter, Market],
        Event::Received(_) => RECEIVER_ROLES,
        Event::Transformed(_) => &[Coop, Processor],
        Event::Sold(_) => &[Coop, Processor, Market],
        Event::Held(_) | Event::Released(_) => &[Regulator],
        Event::Recalled(_) => &[Regulator, Coop, Processor, Supplier],
        Event::BannedListChanged(_) => &[Authority, Regulator],
    }
}

/// The roles that may record a receipt, and so the roles a shipment may be addressed to.
const RECEIVER_ROLES: &[Role] = &[Role::Coop, Role::Processor, Role::Supplier, Role::Transporter, Role::Market];

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
    if body.time.0 > accepted.0.saturating_add(MAX_FUTURE_SKEW_MS) {
        return refuse(
            Rule::BadTime,
            format!("claimed time {} is after the node's clock {} by more than 5 minutes", body.time, accepted),
        );
    }
    let mut cx = Ctx {
        ov,
        record,
        id: record.id(),
        index,
        time: body.time,
        author: body.author,
        me: vec![body.author],
        name: body.author.short(),
    };
    if index == 0 {
        return cx.genesis();
    }
    let author = match cx.ov.actor(&cx.author)? {
        Some(a) => a,
        None => {
            return refuse(
                Rule::UnknownAuthor,
                format!("author {} is not an admitted actor of this ledger", cx.author),
            );
        }
    };
    if let Some(at) = author.revoked_at {
        let how = match author.rotated_to {
            Some(k) => format!("rotated to {} at entry {at}", k.short()),
            None => format!("revoked at entry {at}"),
        };
        return refuse(Rule::RevokedAuthor, format!("key of {} was {how}", author.name));
    }
    cx.me.extend(author.previous_keys.iter().copied());
    cx.name.clone_from(&author.name);
    let allowed = permitted_roles(&body.event);
    if !allowed.iter().any(|r| author.has(*r)) {
        let names: Vec<&str> = allowed.iter().map(|r| r.as_str()).collect();
        let has: Vec<&str> = author.roles.iter().map(|r| r.as_str()).collect();
        return refuse(
            Rule::RoleNotPermitted,
            format!(
                "{} needs one of the roles [{}]; {} has [{}]",
                body.event.kind(),
                names.join(", "),
                author.name,
                has.join(", ")
            ),
        );
    }
    for p in &body.parents {
        if cx.ov.record_index(p)?.is_none() {
            return refuse(Rule::UnknownParent, format!("parent {p} is not in this ledger"));
        }
    }
    let acted = cx.check_heads()?;
    if accepted.0.saturating_sub(body.time.0) > LATE_ENTRY_MS {
        cx.ov.mark(schema::late_entry(index));
    }
    let effects = cx.event(&author, acted)?;
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
            _ => refuse(
                Rule::Genesis,
                "the first record must be the authority admitting itself (ActorAdmitted, author = actor, role authority, no parents)",
            ),
        }
    }

    /// Checks the parents against the heads of the batches acted on and returns those batches' states.
    fn check_heads(&mut self) -> Result<Vec<BatchState>, Error> {
        let body = self.record.body();
        let event = &body.event;
        if let Event::Correction(c) = event {
            if body.parents != [c.target] {
                return refuse(Rule::StaleHead, format!("a correction's only parent must be its target {}", c.target));
            }
            return Ok(Vec::new());
        }
        let ids = event.acted_on();
        let unique: BTreeSet<BatchId> = ids.iter().copied().collect();
        if unique.len() != ids.len() {
            return refuse(Rule::Malformed, "the same batch is named twice");
        }
        let mut states = Vec::with_capacity(ids.len());
        for id in &ids {
            match self.ov.batch(*id)? {
                Some(s) => states.push(s),
                None => return refuse(Rule::UnknownBatch, format!("batch {id} does not exist in this ledger")),
            }
        }
        let heads: Vec<RecordId> = states.iter().map(|s| s.head).collect();
        if body.parents != heads {
            let want: Vec<String> = states.iter().map(|s| format!("{} head {}", s.id, short(&s.head))).collect();
            return refuse(
                Rule::StaleHead,
                format!("parents must be the current heads [{}]; fetch the batch again and re-sign", want.join(", ")),
            );
        }
        for s in &states {
            if self.time < s.last_time {
                return refuse(
                    Rule::BadTime,
                    format!("claimed time {} is before the last event on {} at {}", self.time, s.id, s.last_time),
                );
            }
        }
        Ok(states)
    }

    fn event(&mut self, author: &Actor, mut acted: Vec<BatchState>) -> Result<Effects, Error> {
        let event = self.body_event().clone();
        let mut effects = Effects::default();
        match &event {
            Event::ActorAdmitted(e) => self.actor_admitted(author, e)?,
            Event::ActorRevoked(e) => self.actor_revoked(author, e)?,
            Event::KeyRotated(e) => self.key_rotated(author, e)?,
            Event::BannedListChanged(e) => {
                for s in &e.add {
                    self.ov.mark(schema::banned(&normalize(s)));
                }
                for s in &e.remove {
                    self.ov.delete(schema::banned(&normalize(s)));
                }
            }
            Event::Correction(e) => self.correction(author, e)?,
            Event::BatchRegistered(e) => effects.created.push(self.batch_registered(e)?),
            Event::InputLotRegistered(e) => effects.created.push(self.input_lot_registered(e)?),
            Event::InputApplied(e) => self.input_applied(author, &mut acted[0], e)?,
            Event::Inspected(e) => self.inspected(&mut acted[0], e)?,
            Event::Certified(e) => self.certified(author, &acted[0], e)?,
            Event::Shipped(e) => self.shipped(&mut acted[0], e)?,
            Event::Received(e) => self.received(&mut acted[0], e)?,
            Event::Sold(e) => self.sold(&mut acted[0], e)?,
            Event::Disposed(e) => self.disposed(&mut acted[0], e)?,
            Event::Held(e) => self.block(&mut acted[0], BlockKind::Held, &e.reason)?,
            Event::Recalled(e) => {
                if !author.has(Role::Regulator) && !self.is_me(&acted[0].registrant) {
                    return refuse(
                        Rule::RoleNotPermitted,
                        format!("only a regulator or its registrant may recall {}", acted[0].id),
                    );
                }
                self.block(&mut acted[0], BlockKind::Recalled, &e.reason)?
            }
            Event::Released(e) => self.released(&mut acted[0], e)?,
            Event::Transformed(e) => effects.created = self.transformed(&mut acted, e)?,
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

    fn admit(&mut self, e: &ActorAdmitted) {
        let mut roles = e.roles.clone();
        roles.sort();
        roles.dedup();
        self.ov.put_actor(&Actor {
            key: e.actor,
            name: e.name.clone(),
            roles,
            registration: e.registration.clone(),
            location: e.location.clone(),
            admitted_at: self.index,
            revoked_at: None,
            rotated_to: None,
            previous_keys: Vec::new(),
        });
    }

    fn actor_admitted(&mut self, author: &Actor, e: &ActorAdmitted) -> Result<(), Error> {
        if let Some(existing) = self.ov.actor(&e.actor)? {
            return refuse(
                Rule::InvalidState,
                format!("key {} is already admitted as {}", e.actor.short(), existing.name),
            );
        }
        if e.roles.contains(&Role::Authority) && !author.has(Role::Authority) {
            return refuse(Rule::RoleNotPermitted, "only an authority may admit another authority");
        }
        self.admit(e);
        Ok(())
    }

    fn actor_revoked(&mut self, author: &Actor, e: &ActorRevoked) -> Result<(), Error> {
        let Some(mut target) = self.ov.actor(&e.actor)? else {
            return refuse(Rule::UnknownActor, format!("key {} is not an admitted actor", e.actor));
        };
        if !target.active() {
            return refuse(Rule::InvalidState, format!("{} is already revoked", target.name));
        }
        if target.has(Role::Authority) && !author.has(Role::Authority) {
            return refuse(Rule::RoleNotPermitted, "only an authority may revoke an authority");
        }
        target.revoked_at = Some(self.index);
        self.ov.put_actor(&target);
        Ok(())
    }

    fn key_rotated(&mut self, author: &Actor, e: &KeyRotated) -> Result<(), Error> {
        if self.ov.actor(&e.new_key)?.is_some() {
            return refuse(Rule::InvalidState, format!("key {} is already in use", e.new_key.short()));
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
        Ok(())
    }

    fn correction(&mut self, author: &Actor, e: &Correction) -> Result<(), Error> {
        // check_heads made the target the only parent, and every parent was checked to be in the log; refuse
        // rather than read some other entry's author if that ever stops holding.
        let Some(target_index) = self.ov.record_index(&e.target)? else {
            return refuse(Rule::UnknownParent, format!("correction target {} is not in the log", e.target));
        };
        let target_author = self.entry_author(target_index)?;
        if !self.is_me(&target_author) && !author.has(Role::Regulator) {
            return refuse(Rule::RoleNotPermitted, "only a record's author or a regulator may correct it");
        }
        self.ov.mark(schema::correction(&e.target, self.index));
        Ok(())
    }

    fn entry_author(&self, index: u64) -> Result<PublicKey, Error> {
        let Some(bytes) = self.ov.get(&schema::entry(index))? else {
            return Err(Error::Corrupt { index, why: "entry missing".into() });
        };
        let entry =
            crate::record::LogEntry::decode(&bytes).map_err(|e| Error::Corrupt { index, why: e.to_string() })?;
        Ok(entry.record.body().author)
    }

    fn new_batch(&mut self, output: u32, kind: BatchKind, quantity: Quantity) -> Result<BatchState, Error> {
        let id = BatchId::derive(&self.id, output);
        if self.ov.batch(id)?.is_some() {
            return refuse(
                Rule::BatchIdCollision,
                format!("batch id {id} is taken; change the record (its time) and sign again"),
            );
        }
        let zero = Quantity { milli: 0, unit: quantity.unit };
        Ok(BatchState {
            id,
            kind,
            created_by: self.id,
            registrant: self.author,
            created_at: self.time,
            initial: quantity,
            head: self.id,
            last_time: self.time,
            holdings: vec![Holding { holder: self.author, quantity }],
            in_transit: Vec::new(),
            sold: zero,
            consumed: zero,
            disposed: zero,
            withdrawals: Vec::new(),
            blocks: Vec::new(),
        })
    }

    fn save_new(&mut self, b: &BatchState) {
        self.ov.mark(schema::history(b.id, self.index));
        self.ov.put_batch(b);
        if let BatchKind::Produce { gtin: Some(g), lot: Some(l), .. } = &b.kind {
            self.ov.put(schema::gtin_lot(g.as_str(), l.as_str()), schema::u64_value(b.id.value()));
        }
    }

    fn batch_registered(&mut self, e: &BatchRegistered) -> Result<BatchId, Error> {
        if let (Some(g), Some(l)) = (&e.gtin, &e.lot) {
            self.gtin_lot_free(g.as_str(), l.as_str())?;
        }
        let kind = BatchKind::Produce {
            product: e.product.clone(),
            class: e.class,
            commissioning: Some(e.commissioning),
            gtin: e.gtin.clone(),
            lot: e.lot.clone(),
            place: e.place.clone(),
        };
        let b = self.new_batch(0, kind, e.quantity)?;
        self.save_new(&b);
        Ok(b.id)
    }

    fn gtin_lot_free(&self, gtin: &str, lot: &str) -> Result<(), Error> {
        let key = schema::gtin_lot(gtin, lot);
        if let Some(v) = self.ov.get(&key)? {
            let other = schema::read_u64_value(&key, &v)?;
            let other = BatchId::from_value(other).map_or_else(|| other.to_string(), |b| b.to_string());
            return refuse(Rule::InvalidState, format!("GTIN {gtin} lot {lot} is already batch {other}"));
        }
        Ok(())
    }

    fn input_lot_registered(&mut self, e: &InputLotRegistered) -> Result<BatchId, Error> {
        if let Some((s, b)) = self.first_banned(&e.active_substances)? {
            return refuse(
                Rule::BannedSubstance,
                format!("{} contains {s}, which matches banned substance '{b}'", e.name),
            );
        }
        if e.kind == InputKind::Pesticide && e.prescription_only {
            return refuse(Rule::Malformed, "prescription-only applies to vet drugs, not pesticides");
        }
        let mut seen = BTreeSet::new();
        for c in &e.vet_drug_codes {
            if !seen.insert(c.as_str()) {
                return refuse(Rule::Malformed, format!("vet-drug code {c} is listed twice"));
            }
            let key = schema::vet_drug_code(c.as_str());
            if let Some(v) = self.ov.get(&key)? {
                let other = schema::read_u64_value(&key, &v)?;
                let other = BatchId::from_value(other).map_or_else(|| other.to_string(), |b| b.to_string());
                return refuse(Rule::InvalidState, format!("vet-drug code {c} already belongs to lot {other}"));
            }
        }
        let b = self.new_batch(0, BatchKind::Input(e.clone()), e.quantity)?;
        for c in &e.vet_drug_codes {
            self.ov.put(schema::vet_drug_code(c.as_str()), schema::u64_value(b.id.value()));
        }
        self.save_new(&b);
        Ok(b.id)
    }

    /// The banned-list entry that `substance` matches, if any.
    /// The first of `substances` that matches an entry of the banned list, with that entry. Reads the list
    /// once for all of them.
    fn first_banned<'s>(&self, substances: &'s [String]) -> Result<Option<(&'s str, String)>, Error> {
        if substances.is_empty() {
            return Ok(None);
        }
        let list: Vec<String> = self
            .ov
            .scan_prefix(schema::BANNED_PREFIX)?
            .into_iter()
            .map(|(k, _)| schema::banned_substance(&k))
            .filter(|name| !name.is_empty())
            .collect();
        for s in substances {
            let normalized = normalize(s);
            if let Some(name) = list.iter().find(|name| normalized.contains(name.as_str())) {
                return Ok(Some((s.as_str(), name.clone())));
            }
        }
        Ok(None)
    }

    fn ensure_movable(&self, b: &BatchState, what: &str) -> Result<(), Error> {
        if let Some(block) = b.blocks.iter().max_by_key(|x| x.kind == BlockKind::Recalled) {
            let how = match block.kind {
                BlockKind::Held => "on hold",
                BlockKind::FailedInspection => "held after a failed inspection",
                BlockKind::Recalled => "recalled",
            };
            let via = if block.source == b.id { String::new() } else { format!(" through ancestor {}", block.source) };
            return refuse(
                Rule::BatchBlocked,
                format!("{} is {how}{via} since {} ({}); it cannot be {what}", b.label(), block.time, block.reason),
            );
        }
        Ok(())
    }

    fn ensure_withdrawal_over(&self, b: &BatchState, what: &str) -> Result<(), Error> {
        if let Some(w) = b.withdrawal_ends() {
            if self.time < w.until {
                let on =
                    if w.applied_to == b.id { String::new() } else { format!(" (given to ancestor {})", w.applied_to) };
                return refuse(
                    Rule::WithdrawalPeriod,
                    format!(
                        "{} received {}{on} on {} with a {}-day {}; it cannot be {what} before {} (UTC+08:00)",
                        b.label(),
                        w.name,
                        w.applied,
                        w.days,
                        w.interval_name(),
                        w.until
                    ),
                );
            }
        }
        Ok(())
    }

    /// Whether `key` is the author's key now or one it rotated away from.
    fn is_me(&self, key: &PublicKey) -> bool {
        self.me.contains(key)
    }

    /// Whether the author holds any of `b`, under any of its keys.
    fn holds(&self, b: &BatchState) -> bool {
        b.holdings.iter().any(|h| self.is_me(&h.holder) && !h.quantity.is_zero())
    }

    fn take_from_holder(&self, b: &mut BatchState, q: Quantity, what: &str) -> Result<(), Error> {
        let label = b.label();
        // What the author holds under keys it has since rotated away from is its own: fold it into the
        // holding under its current key before taking from it.
        let (old, mut kept): (Vec<Holding>, Vec<Holding>) =
            b.holdings.drain(..).partition(|h| h.holder != self.author && self.is_me(&h.holder));
        for h in old {
            add_holding_to(&mut kept, self.author, h.quantity)?;
        }
        b.holdings = kept;
        let Some(h) = b.holdings.iter_mut().find(|h| h.holder == self.author) else {
            return refuse(Rule::NotHolder, format!("{} holds none of {label}", self.name));
        };
        if !h.quantity.comparable(q) {
            return refuse(Rule::Malformed, format!("{q} cannot be measured against {} held", h.quantity));
        }
        match h.quantity.checked_sub(q) {
            Some(rest) => h.quantity = rest,
            None => {
                return refuse(
                    Rule::QuantityExceeded,
                    format!("cannot {what} {q} of {label}: only {} held", h.quantity),
                );
            }
        }
        b.holdings.retain(|h| !h.quantity.is_zero());
        Ok(())
    }

    fn input_applied(&mut self, author: &Actor, b: &mut BatchState, e: &InputApplied) -> Result<(), Error> {
        let BatchKind::Produce { class, .. } = b.kind else {
            return refuse(
                Rule::InvalidState,
                format!("{} is an input lot; inputs are applied to produce batches", b.id),
            );
        };
        if !author.has(Role::Vet) && !self.holds(b) {
            return refuse(Rule::NotHolder, format!("{} does not hold {} and is not a vet", author.name, b.label()));
        }
        let Some(lot) = self.ov.batch(e.input)? else {
            return refuse(Rule::UnknownBatch, format!("input lot {} does not exist in this ledger", e.input));
        };
        let BatchKind::Input(info) = &lot.kind else {
            return refuse(Rule::InvalidState, format!("{} is a produce batch, not an input lot", e.input));
        };
        if self.time < lot.created_at {
            return refuse(
                Rule::BadTime,
                format!(
                    "{} lot {} was registered on {}; it cannot have been applied on {}",
                    info.name, info.lot, lot.created_at, self.time
                ),
            );
        }
        self.ensure_movable(&lot, "applied")?;
        if let Some((s, name)) = self.first_banned(&info.active_substances)? {
            return refuse(Rule::BannedSubstance, format!("{} contains {s}, banned as '{name}'", info.name));
        }
        if info.high_toxicity && class.forbids_high_toxicity() {
            return refuse(
                Rule::HighToxicityPesticide,
                format!("{} is a high-toxicity pesticide, forbidden on {class} crops such as {}", info.name, b.label()),
            );
        }
        if info.prescription_only && !author.has(Role::Vet) {
            let Some(vet_key) = e.prescribed_by else {
                return refuse(
                    Rule::PrescriptionRequired,
                    format!("{} is prescription-only; name the prescribing vet", info.name),
                );
            };
            match self.ov.actor(&vet_key)? {
                Some(v) if v.has(Role::Vet) && v.active() => {}
                _ => {
                    return refuse(
                        Rule::PrescriptionRequired,
                        format!("{} is not an active vet of this ledger", vet_key.short()),
                    );
                }
            }
        }
        if let Some(exp) = info.expires {
            if self.time > exp {
                return refuse(Rule::InvalidState, format!("{} lot {} expired on {}", info.name, info.lot, exp));
            }
        }
        if let Some(code) = &e.vet_drug_code {
            let key = schema::vet_drug_code(code.as_str());
            let owner = self.ov.get(&key)?.map(|v| schema::read_u64_value(&key, &v)).transpose()?;
            if owner != Some(lot.id.value()) {
                return refuse(Rule::InvalidState, format!("vet-drug code {code} does not belong to lot {}", lot.id));
            }
        }
        if info.withdrawal_days > 0 {
            b.withdrawals.push(Withdrawal {
                input: lot.id,
                kind: info.kind,
                name: format!("{} lot {}", info.name, info.lot),
                applied_to: b.id,
                applied: self.time,
                days: info.withdrawal_days,
                until: self.time.plus_days(info.withdrawal_days),
            });
        }
        self.link(lot.id, b.id);
        self.ov.mark(schema::applied(lot.id, b.id));
        Ok(())
    }

    /// Records a lineage edge from `parent` to `child`.
    fn link(&mut self, parent: BatchId, child: BatchId) {
        self.ov.mark(schema::child_edge(parent, child));
        self.ov.mark(schema::parent_edge(child, parent));
    }

    fn inspected(&mut self, b: &mut BatchState, e: &Inspected) -> Result<(), Error> {
        let over_limit = matches!((e.value_milli, e.limit_milli), (Some(v), Some(l)) if v > l);
        let banned = self.first_banned(std::slice::from_ref(&e.analyte))?.map(|(_, name)| name);
        let banned_found = banned.is_some() && e.value_milli.is_none_or(|v| v > 0);
        if e.verdict == Verdict::Pass && banned_found && e.value_milli.is_some() {
            let name = banned.unwrap_or_default();
            return refuse(
                Rule::InconsistentVerdict,
                format!("verdict 'pass' but banned substance '{name}' was found ({} {})", milli(e.value_milli), e.unit),
            );
        }
        if e.verdict == Verdict::Pass && over_limit {
            return refuse(
                Rule::InconsistentVerdict,
                format!("verdict 'pass' but {} exceeds the limit {}", milli(e.value_milli), milli(e.limit_milli)),
            );
        }
        let within_limit = matches!((e.value_milli, e.limit_milli), (Some(v), Some(l)) if v <= l);
        if e.verdict == Verdict::Fail && within_limit && !banned_found {
            // A failed inspection holds the batch and everything made from it; it must be backed by its numbers.
            return refuse(
                Rule::InconsistentVerdict,
                format!(
                    "verdict 'fail' but {} {} is within the limit {} and {} is not a banned substance",
                    milli(e.value_milli),
                    e.unit,
                    milli(e.limit_milli),
                    e.analyte
                ),
            );
        }
        if e.verdict == Verdict::Fail {
            let reason = format!(
                "{} {} {} (limit {}) in sample {}",
                e.analyte,
                milli(e.value_milli),
                e.unit,
                milli(e.limit_milli),
                e.sample
            );
            self.block(b, BlockKind::FailedInspection, &reason)?;
        }
        Ok(())
    }

    fn certified(&mut self, author: &Actor, b: &BatchState, e: &Certified) -> Result<(), Error> {
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

    fn shipped(&mut self, b: &mut BatchState, e: &Shipped) -> Result<(), Error> {
        self.ensure_movable(b, "shipped")?;
        self.ensure_withdrawal_over(b, "shipped")?;
        if e.to == self.author {
            return refuse(Rule::Malformed, "a batch cannot be shipped to its own holder");
        }
        let receiver = self.active_actor(&e.to, "receiver")?;
        if !RECEIVER_ROLES.iter().any(|r| receiver.has(*r)) {
            // Nobody could ever record the receipt, so the goods would stay in transit for good.
            return refuse(
                Rule::UnknownActor,
                format!(
                    "receiver {} cannot record receipts (it is not a co-op, processor, supplier, transporter or market)",
                    receiver.name
                ),
            );
        }
        if let Some(c) = &e.carrier {
            let carrier = self.active_actor(c, "carrier")?;
            if !carrier.has(Role::Transporter) {
                return refuse(Rule::UnknownActor, format!("carrier {} is not a transporter", carrier.name));
            }
        }
        self.take_from_holder(b, e.quantity, "ship")?;
        b.in_transit.push(Transit { shipment: self.id, from: self.author, to: e.to, quantity: e.quantity });
        Ok(())
    }

    fn active_actor(&self, key: &PublicKey, what: &str) -> Result<Actor, Error> {
        match self.ov.actor(key)? {
            Some(a) if a.active() => Ok(a),
            Some(a) => refuse(Rule::UnknownActor, format!("{what} {} is revoked", a.name)),
            None => refuse(Rule::UnknownActor, format!("{what} {} is not an admitted actor", key.short())),
        }
    }

    fn received(&mut self, b: &mut BatchState, e: &Received) -> Result<(), Error> {
        let Some(pos) = b.in_transit.iter().position(|t| t.shipment == e.shipment) else {
            return refuse(Rule::InvalidState, format!("no shipment {} of {} is in transit", short(&e.shipment), b.id));
        };
        let t = b.in_transit[pos].clone();
        if !self.is_me(&t.to) {
            return refuse(
                Rule::NotHolder,
                format!("shipment {} is addressed to {}, not to the author", short(&e.shipment), t.to.short()),
            );
        }
        b.in_transit.remove(pos);
        // Accepted goods go to the receiver under its current key; refused goods go back to the shipper.
        let holder = if e.accepted { self.author } else { t.from };
        add_holding(b, holder, t.quantity)?;
        Ok(())
    }

    fn sold(&mut self, b: &mut BatchState, e: &Sold) -> Result<(), Error> {
        self.ensure_movable(b, "sold")?;
        self.ensure_withdrawal_over(b, "sold")?;
        self.take_from_holder(b, e.quantity, "sell")?;
        b.sold = b.sold.checked_add(e.quantity).unwrap_or(b.sold);
        Ok(())
    }

    fn disposed(&mut self, b: &mut BatchState, e: &Disposed) -> Result<(), Error> {
        self.take_from_holder(b, e.quantity, "dispose of")?;
        b.disposed = b.disposed.checked_add(e.quantity).unwrap_or(b.disposed);
        Ok(())
    }

    /// Places a block on `b` and every descendant.
    fn block(&mut self, b: &mut BatchState, kind: BlockKind, reason: &str) -> Result<(), Error> {
        if kind == BlockKind::Recalled && b.blocks.iter().any(|x| x.kind == BlockKind::Recalled && x.source == b.id) {
            return refuse(Rule::InvalidState, format!("{} is already recalled", b.id));
        }
        let block = Block { kind, source: b.id, record: self.id, reason: reason.to_owned(), time: self.time };
        b.blocks.push(block.clone());
        let root = b.id;
        self.for_each_descendant(root, |d| d.blocks.push(block.clone()))
    }

    fn released(&mut self, b: &mut BatchState, e: &Released) -> Result<(), Error> {
        let _ = e;
        let liftable = |x: &Block| x.source == b.id && x.kind != BlockKind::Recalled;
        if !b.blocks.iter().any(liftable) {
            return refuse(
                Rule::InvalidState,
                format!("{} has no hold of its own to release (recalls are final)", b.label()),
            );
        }
        let root = b.id;
        let lift =
            move |blocks: &mut Vec<Block>| blocks.retain(|x| !(x.source == root && x.kind != BlockKind::Recalled));
        lift(&mut b.blocks);
        self.for_each_descendant(root, |d| lift(&mut d.blocks))
    }

    /// Runs `f` on every descendant of `root` (not `root` itself) and saves it. Visits each once.
    fn for_each_descendant(&mut self, root: BatchId, mut f: impl FnMut(&mut BatchState)) -> Result<(), Error> {
        let mut seen = BTreeSet::from([root]);
        let mut queue = VecDeque::from([root]);
        while let Some(id) = queue.pop_front() {
            for (k, _) in self.ov.scan_prefix(&schema::children_prefix(id))? {
                let Some(child) = BatchId::from_value(schema::tail_u64(&k)?) else { continue };
                if !seen.insert(child) {
                    continue;
                }
                let Some(mut d) = self.ov.batch(child)? else {
                    return Err(schema::corrupt(&k, format!("lineage edge to missing batch {child}")));
                };
                f(&mut d);
                self.ov.put_batch(&d);
                queue.push_back(child);
            }
        }
        Ok(())
    }

    fn transformed(&mut self, inputs: &mut [BatchState], e: &Transformed) -> Result<Vec<BatchId>, Error> {
        let what = match e.process {
            crate::event::Process::Slaughter => "slaughtered",
            crate::event::Process::Harvest => "harvested",
            _ => "transformed",
        };
        let mut withdrawals = Vec::new();
        for (b, i) in inputs.iter_mut().zip(&e.inputs) {
            self.ensure_movable(b, what)?;
            self.ensure_withdrawal_over(b, what)?;
            self.take_from_holder(b, i.quantity, "use")?;
            b.consumed = b.consumed.checked_add(i.quantity).unwrap_or(b.consumed);
            for w in &b.withdrawals {
                // A batch reached along two paths (a diamond of transforms) would otherwise carry the same
                // treatment twice, and chains of transforms would grow the list without bound.
                if !withdrawals.contains(w) {
                    withdrawals.push(w.clone());
                }
            }
        }
        let mut created = Vec::with_capacity(e.outputs.len());
        for (n, o) in e.outputs.iter().enumerate() {
            if let (Some(g), Some(l)) = (&o.gtin, &o.lot) {
                self.gtin_lot_free(g.as_str(), l.as_str())?;
            }
            let kind = BatchKind::Produce {
                product: o.product.clone(),
                class: o.class,
                commissioning: None,
                gtin: o.gtin.clone(),
                lot: o.lot.clone(),
                place: e.place.clone(),
            };
            let output = u32::try_from(n).unwrap_or(u32::MAX);
            let mut out = self.new_batch(output, kind, o.quantity)?;
            out.withdrawals = withdrawals.clone();
            for b in inputs.iter() {
                self.link(b.id, out.id);
            }
            self.save_new(&out);
            created.push(out.id);
        }
        Ok(created)
    }
}

fn add_holding(b: &mut BatchState, holder: PublicKey, q: Quantity) -> Result<(), Error> {
    add_holding_to(&mut b.holdings, holder, q)
}

fn add_holding_to(holdings: &mut Vec<Holding>, holder: PublicKey, q: Quantity) -> Result<(), Error> {
    if let Some(h) = holdings.iter_mut().find(|h| h.holder == holder) {
        h.quantity = h
            .quantity
            .checked_add(q)
            .ok_or_else(|| Error::Refused(Refusal::new(Rule::Malformed, "quantity overflow")))?;
    } else {
        holdings.push(Holding { holder, quantity: q });
    }
    Ok(())
}

/// Lower-cases and trims a substance name for matching.
pub fn normalize(s: &str) -> String {
    s.trim().to_lowercase()
}

fn milli(v: Option<u64>) -> String {
    v.map(crate::values::format_milli).unwrap_or_else(|| "-".into())
}
