//! Inspection results: a verdict must agree with its numbers, and a failure blocks the batch and its descendants.
//!
//! Invariants kept here:
//! - "pass" is refused when a banned substance was found or a value exceeds its limit;
//! - "fail" is refused when nothing was detected, and when the value is within its limit and the analyte is not
//!   banned: a banned analyte fails at any value the lab reports, 0 included (its confirmation is the lab's);
//! - a qualitative result and the verdict agree;
//! - labs and regulators inspect any batch; a co-op, processor or market screens only what it holds, by a rapid
//!   test (快检) or a self-test (自检), and its positive holds the batch pending a laboratory test
//!   ([`BlockKind::ScreeningPositive`]);
//! - a failed official inspection places a block on the batch and every descendant; when it found a banned
//!   substance the block is never released: it ends with a disposal a regulator countersigns, or a re-test that
//!   passes;
//! - a re-test (复检, 农产品质量安全法 第五十一条) names a failed inspection of the same batch, is made once, by
//!   another lab, not by a rapid method, and is recorded by the latest the law allows: the application window
//!   (4 hours after a rapid test, 5 working days otherwise) plus the 7 working days the re-test lab has to
//!   report; a pass lifts the first result's block, a fail leaves it. A screening's laboratory test has no
//!   deadline: the batch stays held until one is recorded; a pass lifts the screening's hold, a fail replaces it
//!   with the laboratory's own block.

use super::*;
use crate::registry;
use crate::shared::Measurement;

impl Ctx<'_, '_> {
    /// Whether `actor` inspects officially: a laboratory or a regulator. Anyone else screens.
    fn official(&self, actor: &Actor) -> bool {
        actor.has(Role::Lab) || actor.has(Role::Regulator)
    }

    /// A screening by a co-op, processor or market: a rapid test or a self-test, of goods it holds, that is not a
    /// re-test.
    fn screening(&self, b: &BatchState, author: &Actor, e: &Inspected) -> Result<(), Error> {
        if !matches!(e.kind, InspectionKind::Rapid | InspectionKind::SelfTest) || e.retest_of.is_some() {
            return refuse(Facts::ScreeningOnly {
                actor: author.name.clone(),
                kind: e.kind,
                retest: e.retest_of.is_some(),
            });
        }
        if !self.holds(b) {
            return refuse(Facts::HoldsNone { actor: author.name.clone(), batch: b.id, label: b.name() });
        }
        Ok(())
    }

    pub(super) fn inspected(&mut self, author: &Actor, b: &mut BatchState, e: &Inspected) -> Result<(), Error> {
        let value = e.result.value_milli();
        if let Measurement::Qualitative(result) = e.result {
            if result != e.verdict {
                return refuse(Facts::QualitativeMismatch { result, verdict: e.verdict });
            }
        }
        let over_limit = matches!((value, e.limit_milli), (Some(v), Some(l)) if v > l);
        let official = self.official(author);
        if !official {
            self.screening(b, author, e)?;
        }
        let banned = self.banned_analyte(&e.analyte, self.judged_at())?;
        if e.verdict == Verdict::Pass && banned.is_some() && e.result.detected() {
            let name = banned.unwrap_or_default();
            return refuse(Facts::PassWithBanned { listed_as: name, value_milli: value, unit: e.unit.clone() });
        }
        if e.verdict == Verdict::Pass && over_limit {
            return refuse(Facts::PassOverLimit { value_milli: value, limit_milli: e.limit_milli });
        }
        // A banned analyte has no limit to be within: the lab's "fail" at any value it reports stands, 0 included
        // (a result below the reporting precision, confirmed). Nothing detected is never a fail.
        let within_limit = e.result == Measurement::NotDetected
            || (banned.is_none() && matches!((value, e.limit_milli), (Some(v), Some(l)) if v <= l));
        if e.verdict == Verdict::Fail && within_limit {
            // A failed inspection holds the batch and everything made from it; it must be backed by its numbers.
            return refuse(Facts::FailWithinLimit {
                analyte: e.analyte.clone(),
                value_milli: value,
                limit_milli: e.limit_milli,
                unit: e.unit.clone(),
            });
        }
        let banned_found = banned.is_some() && e.verdict == Verdict::Fail;
        if e.verdict == Verdict::Fail {
            // Every positive, screening or laboratory, puts the batches fed from the same lots on the regulators'
            // at-risk list (`Ledger::at_risk`).
            self.ov.mark(schema::positive(self.index));
        }
        if let Some(first) = e.retest_of {
            return self.retest(b, e, first, banned_found);
        }
        if e.verdict == Verdict::Fail {
            let kind = match (official, banned_found) {
                (false, _) => BlockKind::ScreeningPositive,
                (true, true) => BlockKind::BannedSubstanceFound,
                (true, false) => BlockKind::FailedInspection,
            };
            // A screening is the screener's word: it stops its own holding, not the other holders' of the batch
            // (an official result stops everyone's).
            let holders = if official { Vec::new() } else { self.me.clone() };
            let reason = format!(
                "{} {} {} (limit {}) in sample {}",
                e.analyte,
                e.result,
                e.unit,
                milli(e.limit_milli),
                e.sample
            );
            self.block_for(b, kind, &reason, holders)?;
        }
        Ok(())
    }

    /// A re-test of the failed inspection `first` of `b`, or the laboratory test of a screening's positive.
    fn retest(&mut self, b: &mut BatchState, e: &Inspected, first: RecordId, banned_found: bool) -> Result<(), Error> {
        let not_failure = || refuse(Facts::RetestNotOfFailure { record: first, batch: b.id });
        let Some(index) = self.ov.record_index(&first)? else { return not_failure() };
        let original = self.entry(index)?;
        let Event::Inspected(o) = &original.record.body().event else { return not_failure() };
        let placed = |x: &Block| x.source == b.id && x.record == first;
        if o.batch != b.id || o.verdict != Verdict::Fail {
            return not_failure();
        }
        let not_allowed = |why: &str| refuse(Facts::RetestNotAllowed { record: first, why: why.into() });
        if e.kind == InspectionKind::Rapid {
            return not_allowed("rapid");
        }
        // Another lab: not the first lab under any of its keys, before or after a rotation.
        if self.is_me(&original.record.body().author) {
            return not_allowed("same-lab");
        }
        // The same analyte: a pass on moisture does not answer a clenbuterol finding.
        if !registry::same_substance(&o.analyte, &e.analyte) {
            return not_allowed("other-analyte");
        }
        let key = schema::retest(&first);
        if self.ov.get(&key)?.is_some() {
            return not_allowed("twice");
        }
        let first_by = self.ov.actor(&original.record.body().author)?;
        if !first_by.is_some_and(|a| self.official(&a)) {
            // A screening's laboratory test: no window, and a failure replaces the screening's hold with its own.
            self.ov.mark(key);
            if b.blocks.iter().any(placed) {
                self.lift(b, first)?;
            }
            if e.verdict == Verdict::Fail {
                let kind = if banned_found { BlockKind::BannedSubstanceFound } else { BlockKind::FailedInspection };
                let reason = format!(
                    "{} {} {} in sample {} (laboratory test of a screening)",
                    e.analyte, e.result, e.unit, e.sample
                );
                self.block(b, kind, &reason)?;
            }
            return Ok(());
        }
        let result = original.record.body().time;
        let (window, applied_by) = match o.kind {
            InspectionKind::Rapid => ("4 hours", Time(result.0.saturating_add(4 * 3_600_000))),
            _ => ("5 working days", result.plus_working_days(5)),
        };
        // The lab's seven working days start the day after the application window closes.
        let deadline = Time(applied_by.0.saturating_sub(1)).plus_working_days(7);
        if self.judged_at() > deadline {
            return refuse(Facts::RetestTooLate { record: first, result, deadline, window: window.into() });
        }
        self.ov.mark(key);
        if e.verdict == Verdict::Pass && b.blocks.iter().any(placed) {
            self.lift(b, first)?;
        }
        Ok(())
    }

    /// A regulator's countersignature: of the disposal of goods in which a banned substance was found, the end
    /// such a block has instead of a release.
    pub(super) fn countersigned(&mut self, author: &Actor, e: &Countersigned) -> Result<(), Error> {
        let refused = || refuse(Facts::NotCountersignable { record: e.target });
        if !author.has(Role::Regulator) {
            return refuse(Facts::RoleNotPermitted {
                kind: "Countersigned".into(),
                needs: vec![Role::Regulator],
                has: author.roles.clone(),
                actor: author.name.clone(),
            });
        }
        let Some(index) = self.ov.record_index(&e.target)? else { return refused() };
        let key = schema::countersigned(&e.target);
        if self.ov.get(&key)?.is_some() {
            return refused();
        }
        let target = self.entry(index)?;
        if let Event::RegistryAdopted(r) = &target.record.body().event {
            if r.removes.is_empty() {
                return refused();
            }
            self.registry_removal_countersigned(&target.record.body().author, r)?;
            self.ov.put(key, schema::u64_value(self.index));
            return Ok(());
        }
        if let Event::Correction(c) = &target.record.body().event {
            if !self.treatment_corrected(author, target.record.body().author, c)? {
                return refused();
            }
            self.ov.put(key, schema::u64_value(self.index));
            return Ok(());
        }
        let Event::Disposed(d) = &target.record.body().event else {
            return refused();
        };
        let Some(b) = self.ov.batch(d.batch)? else { return refused() };
        if !b.blocks.iter().any(|x| x.kind == BlockKind::BannedSubstanceFound) {
            return refused();
        }
        self.ov.put(key, schema::u64_value(self.index));
        Ok(())
    }
}

fn milli(v: Option<u64>) -> String {
    v.map(crate::values::format_milli).unwrap_or_else(|| "-".into())
}
