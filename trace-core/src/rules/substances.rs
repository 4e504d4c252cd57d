//! Banned substances: the ledger's list (changed only by `BannedListChanged` records) and matching against it.
//!
//! Invariants kept here:
//! - a lot whose active substances match the list is never registered, and a listed lot is never applied;
//! - matching is on normalised names (trimmed, lower-cased), a listed name inside a longer one matching.

use super::*;

/// The shipped banned-substance list, one name per line; `#` starts a comment.
pub const SHIPPED_BANNED_LIST: &str = include_str!("../../data/banned-substances.txt");

/// The shipped banned-substance names.
pub fn shipped_banned_substances() -> Vec<String> {
    SHIPPED_BANNED_LIST
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// Lower-cases and trims a substance name for matching.
pub fn normalize(s: &str) -> String {
    s.trim().to_lowercase()
}

impl Ctx<'_, '_> {
    /// The banned-list entry that `substance` matches, if any.
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
        for s in substances {
            let normalized = normalize(s);
            if let Some(name) = list.iter().find(|name| normalized.contains(name.as_str())) {
                return Ok(Some((s.as_str(), name.clone())));
            }
        }
        Ok(None)
    }
}
