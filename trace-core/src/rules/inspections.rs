//! Inspection results: a verdict must agree with its numbers, and a failure blocks the batch and its descendants.
//!
//! Invariants kept here:
//! - "pass" is refused when a banned substance was found or a value exceeds its limit;
//! - "fail" is refused when the value is within its limit and the analyte is not banned;
//! - a failed inspection places a block on the batch and every descendant.

use super::*;

impl Ctx<'_, '_> {
    pub(super) fn inspected(&mut self, b: &mut BatchState, e: &Inspected) -> Result<(), Error> {
        let over_limit = matches!((e.value_milli, e.limit_milli), (Some(v), Some(l)) if v > l);
        let banned = self.first_banned(std::slice::from_ref(&e.analyte))?.map(|(_, name)| name);
        let banned_found = banned.is_some() && e.value_milli.is_none_or(|v| v > 0);
        if e.verdict == Verdict::Pass && banned_found && e.value_milli.is_some() {
            let name = banned.unwrap_or_default();
            return refuse(Facts::PassWithBanned { listed_as: name, value_milli: e.value_milli, unit: e.unit.clone() });
        }
        if e.verdict == Verdict::Pass && over_limit {
            return refuse(Facts::PassOverLimit { value_milli: e.value_milli, limit_milli: e.limit_milli });
        }
        let within_limit = matches!((e.value_milli, e.limit_milli), (Some(v), Some(l)) if v <= l);
        if e.verdict == Verdict::Fail && within_limit && !banned_found {
            // A failed inspection holds the batch and everything made from it; it must be backed by its numbers.
            return refuse(Facts::FailWithinLimit {
                analyte: e.analyte.clone(),
                value_milli: e.value_milli,
                limit_milli: e.limit_milli,
                unit: e.unit.clone(),
            });
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
}

fn milli(v: Option<u64>) -> String {
    v.map(crate::values::format_milli).unwrap_or_else(|| "-".into())
}
