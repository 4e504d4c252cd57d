//! Banned substances: the ledger's list (changed only by `RegistryAdopted` records) and matching against it;
//! the shipped list of highly toxic pesticides.
//!
//! Invariants kept here:
//! - the list takes effect only through a `RegistryAdopted` record naming a version and hash this node ships,
//!   so an audit knows which list judged each record; local additions need one regulator, and removals are
//!   refused until a second regulator can countersign (issue 16);
//! - a lot whose active substances match the list is never registered, and a listed lot is never applied;
//! - a pesticide lot is highly toxic when an active substance matches the shipped list, never by the
//!   supplier's say;
//! - matching is on normalised names (trimmed, lower-cased), a listed name inside a longer one matching.

use super::*;
use crate::shared::ContentHash;

/// The shipped banned-substance list, one name per line; `#` starts a comment.
pub const SHIPPED_BANNED_LIST: &str = include_str!("../../data/banned-substances.txt");

/// The version name of [`SHIPPED_BANNED_LIST`] in `RegistryAdopted` records.
pub const SHIPPED_SUBSTANCES_VERSION: &str = "trace-substances-1";

/// The shipped list of highly toxic pesticides (《农药管理条例》 article 34, 农业部公告第199号).
pub const SHIPPED_HIGH_TOXICITY: &str = include_str!("../../data/high-toxicity-pesticides.txt");

fn names(list: &str) -> Vec<String> {
    list.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect()
}

/// The shipped banned-substance names.
pub fn shipped_banned_substances() -> Vec<String> {
    names(SHIPPED_BANNED_LIST)
}

/// SHA-256 of the shipped banned-substance list, as `RegistryAdopted` names it.
pub fn shipped_substances_hash() -> ContentHash {
    ContentHash::of(SHIPPED_BANNED_LIST.as_bytes())
}

/// The record that adopts the shipped banned-substance list, as a new ledger's genesis does.
pub fn shipped_registry_adoption(reason: &str) -> RegistryAdopted {
    RegistryAdopted {
        registry: RegistryKind::Substances,
        version: SHIPPED_SUBSTANCES_VERSION.into(),
        hash: shipped_substances_hash(),
        adds: Vec::new(),
        removes: Vec::new(),
        reason: reason.into(),
    }
}

/// The first of `substances` that matches an entry of `list`, with that entry.
fn first_match<'s>(list: &[String], substances: &'s [String]) -> Option<(&'s str, String)> {
    substances.iter().find_map(|s| {
        let normalized = normalize(s);
        list.iter().find(|name| normalized.contains(name.as_str())).map(|name| (s.as_str(), name.clone()))
    })
}

/// The first of `substances` that is a highly toxic pesticide, with the list entry it matches.
pub(super) fn first_high_toxicity(substances: &[String]) -> Option<(&str, String)> {
    static LIST: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let list = LIST.get_or_init(|| names(SHIPPED_HIGH_TOXICITY).iter().map(|n| normalize(n)).collect());
    first_match(list, substances)
}

/// Lower-cases and trims a substance name for matching.
pub fn normalize(s: &str) -> String {
    s.trim().to_lowercase()
}

impl Ctx<'_, '_> {
    pub(super) fn registry_adopted(&mut self, e: &RegistryAdopted) -> Result<(), Error> {
        // `not_enforced` refused other registries and removals.
        if e.version != SHIPPED_SUBSTANCES_VERSION || e.hash != shipped_substances_hash() {
            return refuse(Facts::UnknownRegistry { registry: e.registry, version: e.version.clone(), hash: e.hash });
        }
        for s in shipped_banned_substances().iter().chain(&e.adds) {
            self.ov.mark(schema::banned(&normalize(s)));
        }
        Ok(())
    }

    /// The first of `substances` that matches an entry of the banned list, with that entry. Reads the list
    /// once for all of them.
    pub(super) fn first_banned<'s>(&self, substances: &'s [String]) -> Result<Option<(&'s str, String)>, Error> {
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
        Ok(first_match(&list, substances))
    }
}
