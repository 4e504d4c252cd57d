//! Inspection results: a verdict must agree with its numbers, and a failure blocks the batch and its descendants.
//!
//! Invariants kept here:
//! - "pass" is refused when a banned substance was found or a value exceeds its limit;
//! - "fail" is refused when the value is within its limit (or nothing was detected) and the analyte is not
//!   banned;
//! - a qualitative result and the verdict agree;
//! - a failed inspection places a block on the batch and every descendant.

use super::*;
use crate::shared::Measurement;

impl Ctx<'_, '_> {
    pub(super) fn inspected(&mut self, b: &mut BatchState, e: &Inspected) -> Result<(), Error> {
        let value = e.result.value_milli();
        if let Measurement::Qualitative(result) = e.result {
            if result != e.verdict {
                return refuse(Facts::QualitativeMismatch { result, verdict: e.verdict });
            }
        }
        let over_limit = matches!((value, e.limit_milli), (Some(v), Some(l)) if v > l);
        let banned = self.first_banned(std::slice::from_ref(&e.analyte))?.map(|(_, name)| name);
        let banned_found = banned.is_some() && e.result.detected();
        if e.verdict == Verdict::Pass && banned_found {
            let name = banned.unwrap_or_default();
            return refuse(Facts::PassWithBanned { listed_as: name, value_milli: value, unit: e.unit.clone() });
        }
        if e.verdict == Verdict::Pass && over_limit {
            return refuse(Facts::PassOverLimit { value_milli: value, limit_milli: e.limit_milli });
        }
        let within_limit =
            e.result == Measurement::NotDetected || matches!((value, e.limit_milli), (Some(v), Some(l)) if v <= l);
        if e.verdict == Verdict::Fail && within_limit && !banned_found {
            // A failed inspection holds the batch and everything made from it; it must be backed by its numbers.
            return refuse(Facts::FailWithinLimit {
                analyte: e.analyte.clone(),
                value_milli: value,
                limit_milli: e.limit_milli,
                unit: e.unit.clone(),
            });
        }
        if e.verdict == Verdict::Fail {
            let reason = format!(
                "{} {} {} (limit {}) in sample {}",
                e.analyte,
                e.result,
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
