//! Banned and restricted substances: the registry a ledger adopted (`crate::registry`), changed only by
//! `RegistryAdopted` records, and what it forbids.
//!
//! Invariants kept here:
//! - the registry takes effect only through a `RegistryAdopted` record naming a version and hash this node ships,
//!   so an audit knows which version judged each record; each record is judged under the version in force at its
//!   acceptance, with the entries its regulators added and without those two regulators removed (a removal takes
//!   effect when a second regulator countersigns it);
//! - a lot whose name or active substances match an entry banned in food animals (or, for a pesticide, a banned
//!   pesticide) is never registered nor applied from the entry's date; a name added on the ledger is banned for
//!   every kind;
//! - a pesticide is not applied to a class of crop its substances may not be used on, and no transform makes an
//!   output of such a class from goods it was applied to (classes cannot be laundered through a harvest);
//! - toxicity and crop restrictions come from the registry, never from a supplier's say;
//! - dates are judged at the later of the claimed time and the acceptance less 15 minutes, so back-dating cannot
//!   reach before a ban.

use super::*;
use crate::registry::{Entry, Measure, Registry, SHIPPED_REGISTRY_VERSION, SubstanceKind};
use crate::shared::ContentHash;
use crate::values::ProductClass;

/// The registry a ledger adopted, with its local changes: the state under `schema::registry()`.
#[derive(Clone, PartialEq, Eq, Debug, Default, bincode::Encode, bincode::Decode)]
pub struct Adopted {
    /// The version in force.
    pub version: String,
    /// Names added on this ledger: banned for every kind.
    pub adds: Vec<String>,
    /// Entry ids removed (each by two regulators).
    pub removed: Vec<String>,
}

/// The record that adopts the shipped registry, as a new ledger's genesis does.
pub fn shipped_registry_adoption(reason: &str) -> RegistryAdopted {
    RegistryAdopted {
        registry: RegistryKind::Substances,
        version: SHIPPED_REGISTRY_VERSION.into(),
        hash: Registry::shipped_hash(),
        adds: Vec::new(),
        removes: Vec::new(),
        reason: reason.into(),
    }
}

/// The hash a shipped registry version has, if this node ships it.
fn shipped(version: &str) -> Option<ContentHash> {
    (version == SHIPPED_REGISTRY_VERSION).then(Registry::shipped_hash)
}

/// Lower-cases and trims a name; what local additions are stored as.
pub fn normalize(s: &str) -> String {
    s.trim().to_lowercase()
}

/// What a name matched, for facts: the entry's names and its source.
fn listed_as(e: &Entry, source: &str) -> String {
    let title = Registry::shipped().source(source).map(|s| s.title.as_str()).unwrap_or(source);
    format!("{} ({title})", e.display())
}

/// A hit: the text that matched, and what it matched as.
pub(super) struct Hit {
    /// The text of the record that matched.
    pub text: String,
    /// The entry and source, for facts.
    pub listed_as: String,
}

impl Ctx<'_, '_> {
    pub(super) fn adopted(&self) -> Result<Adopted, Error> {
        let key = schema::registry();
        match self.ov.get(&key)? {
            None => Ok(Adopted::default()),
            Some(v) => crate::encoding::decode(&v).map_err(|e| schema::corrupt(&key, format!("registry state: {e}"))),
        }
    }

    fn put_adopted(&mut self, a: &Adopted) {
        self.ov.put(schema::registry(), crate::encoding::encode(a));
    }

    pub(super) fn registry_adopted(&mut self, e: &RegistryAdopted) -> Result<(), Error> {
        // `not_enforced` refused other registries.
        if shipped(&e.version) != Some(e.hash) {
            return refuse(Facts::UnknownRegistry { registry: e.registry, version: e.version.clone(), hash: e.hash });
        }
        let mut a = self.adopted()?;
        a.version.clone_from(&e.version);
        for s in &e.adds {
            let n = normalize(s);
            if !a.adds.contains(&n) {
                a.adds.push(n);
            }
        }
        // Removals wait for a second regulator's countersignature; here they must name something.
        for r in &e.removes {
            if self.registry_entry_id(&a, r).is_none() {
                return refuse(Facts::UnknownRegistryEntry { name: r.clone() });
            }
        }
        self.put_adopted(&a);
        Ok(())
    }

    /// The id of the entry (or the local addition) `name` names.
    fn registry_entry_id(&self, a: &Adopted, name: &str) -> Option<String> {
        let n = normalize(name);
        if a.adds.contains(&n) {
            return Some(n);
        }
        let r = Registry::shipped();
        r.entries
            .iter()
            .find(|e| e.id == n || e.zh.iter().chain(&e.en).any(|x| normalize(x) == n))
            .map(|e| e.id.clone())
    }

    /// A second regulator's countersignature of a `RegistryAdopted` with removals: they take effect now.
    pub(super) fn registry_removal_countersigned(
        &mut self,
        first: &PublicKey,
        e: &RegistryAdopted,
    ) -> Result<(), Error> {
        // A second regulator: not the first under any of its keys, not one the first admitted, and admitted before
        // the removal was recorded (a regulator cannot mint its own second signature).
        let target = self.record_target();
        let first_keys = self.all_keys_of(first)?;
        if self.me.iter().any(|k| first_keys.contains(k)) {
            return refuse(Facts::CountersignedBySelf { record: target });
        }
        let me = self
            .ov
            .actor(&self.author)?
            .ok_or_else(|| Error::Refused(Refusal::new(Facts::UnknownAuthor { author: self.author })))?;
        // Its admission is that of its first key (a rotation re-stamps admitted_at with the rotation).
        let original = match me.previous_keys.first() {
            Some(k) => self.ov.actor(k)?.unwrap_or(me),
            None => me,
        };
        let removal_at = self.ov.record_index(&target)?.unwrap_or(u64::MAX);
        let admitted_by = self.entry(original.admitted_at)?.record.body().author;
        if original.admitted_at >= removal_at || first_keys.contains(&admitted_by) {
            return refuse(Facts::CountersignedBySelf { record: target });
        }
        let mut a = self.adopted()?;
        for r in &e.removes {
            match self.registry_entry_id(&a, r) {
                Some(id) => {
                    a.adds.retain(|x| x != &id);
                    if !a.removed.contains(&id) {
                        a.removed.push(id);
                    }
                }
                None => return refuse(Facts::UnknownRegistryEntry { name: r.clone() }),
            }
        }
        self.put_adopted(&a);
        Ok(())
    }

    /// `key`, the keys its actor rotated away from, and the keys it rotated to since.
    pub(super) fn all_keys_of(&self, key: &PublicKey) -> Result<Vec<PublicKey>, Error> {
        let mut keys = vec![*key];
        let mut next = Some(*key);
        while let Some(k) = next {
            next = None;
            if let Some(a) = self.ov.actor(&k)? {
                for p in a.previous_keys.iter().chain(a.rotated_to.iter()) {
                    if !keys.contains(p) {
                        keys.push(*p);
                    }
                }
                next = a.rotated_to.filter(|r| *r != k);
            }
            if keys.len() > 64 {
                break;
            }
        }
        Ok(keys)
    }

    fn record_target(&self) -> RecordId {
        match self.body_event() {
            Event::Countersigned(c) => c.target,
            _ => self.id,
        }
    }

    /// The time dates are judged at: the claim, but never before the acceptance less 15 minutes.
    pub(super) fn judged_at(&self) -> Time {
        self.time.max(Time(self.accepted.0.saturating_sub(TREATMENT_GRACE_MS)))
    }

    /// The first of `texts` (a lot's name and substances) that names a banned substance at `at`: `on` says which
    /// goods it would go on (`None` at a lot's registration: banned for anything; live animals: banned in food
    /// animals; crops: banned pesticides). The lot's declared kind never decides: a premix of clenbuterol
    /// registered as a "pesticide" is still clenbuterol.
    pub(super) fn banned_in_lot(
        &self,
        on: Option<ProductClass>,
        texts: &[&str],
        at: Time,
    ) -> Result<Option<Hit>, Error> {
        let a = self.adopted()?;
        let r = Registry::shipped();
        let animals = on.map(|c| InputKind::VetDrug.goes_on(c));
        for t in texts {
            if let Some(n) = a.adds.iter().find(|n| crate::registry::names(t, n)) {
                return Ok(Some(Hit { text: (*t).to_owned(), listed_as: format!("{n} (added on this ledger)") }));
            }
            for m in r.matches(t, &a.removed) {
                let banned = |x: &Measure| match x {
                    Measure::BannedInFoodAnimals => animals != Some(false),
                    Measure::BannedPesticide => animals != Some(true),
                    _ => false,
                };
                if let Some(rule) = m.entry.rule_at(at, banned) {
                    return Ok(Some(Hit { text: (*t).to_owned(), listed_as: listed_as(m.entry, &rule.source) }));
                }
            }
        }
        Ok(None)
    }

    /// Whether `analyte` names a substance whose residue fails an inspection at any level: banned in food animals
    /// (or added on this ledger), in force at `at`. Marker metabolites count. A banned pesticide is not: national
    /// residue limits exist for many (DDT in tea), so its result is judged by its numbers.
    pub(super) fn banned_analyte(&self, analyte: &str, at: Time) -> Result<Option<String>, Error> {
        let a = self.adopted()?;
        if let Some(n) = a.adds.iter().find(|n| crate::registry::names(analyte, n)) {
            return Ok(Some(n.clone()));
        }
        let banned = |x: &Measure| matches!(x, Measure::BannedInFoodAnimals);
        Ok(Registry::shipped()
            .matches(analyte, &a.removed)
            .into_iter()
            .find_map(|m| m.entry.rule_at(at, banned).map(|rule| listed_as(m.entry, &rule.source))))
    }

    /// The first refusal for a pesticide with `texts` (name and substances) on a batch of `class`: a highly toxic
    /// one where 农药管理条例 art. 34 forbids it, or a crop restriction.
    pub(super) fn crop_restriction(
        &self,
        input: &str,
        texts: &[&str],
        class: ProductClass,
        at: Time,
        (batch, label): (BatchId, String),
    ) -> Result<Option<Facts>, Error> {
        let a = self.adopted()?;
        for t in texts {
            for m in Registry::shipped().matches(t, &a.removed) {
                if m.entry.kind != SubstanceKind::Pesticide {
                    continue;
                }
                let on = |x: &Measure| matches!(x, Measure::NotOnCrops { crops } if crops.contains(&class));
                // 农药管理条例 art. 34 (a highly toxic pesticide in vegetable, fruit, tea, fungus or herb production)
                // is named as such; any other crop restriction by its announcement.
                let art34 = m
                    .entry
                    .rules
                    .iter()
                    .any(|r| r.source == "pesticide-regulation-34" && on(&r.measure) && r.in_force(at));
                if m.entry.toxicity.is_some() && art34 {
                    return Ok(Some(Facts::HighToxicityPesticide { input: input.to_owned(), class, batch, label }));
                }
                if let Some(rule) = m.entry.rule_at(at, on) {
                    return Ok(Some(Facts::NotOnCrop {
                        input: input.to_owned(),
                        listed_as: listed_as(m.entry, &rule.source),
                        class,
                        batch,
                        label,
                    }));
                }
            }
        }
        Ok(None)
    }
}
