//! Claimed time against accepted time: records are not claimed in the future, events on a batch do not go back
//! before its last one, and records entered long after their claimed time are marked late.
//!
//! Invariants kept here:
//! - no record's claimed time is more than [`MAX_FUTURE_SKEW_MS`] after the ledger's clock when it is accepted;
//! - no event on a batch is claimed before the batch's last event, except the facts that extend lineage (an input
//!   applied, a transform that happened), which honest late paperwork brings out of order; none is claimed
//!   before the batches it acts on existed;
//! - a treatment's interval runs from [`treatment_start`]: never earlier than its acceptance less
//!   [`TREATMENT_GRACE_MS`], so back-dating cannot shorten a withdrawal;
//! - every record accepted more than [`LATE_ENTRY_MS`] after its claimed time, and every treatment accepted more
//!   than [`TREATMENT_GRACE_MS`] after it, is in the late-entry index.

use super::*;

/// How far into the future (past the node's clock) a record's claimed time may be.
pub const MAX_FUTURE_SKEW_MS: u64 = 5 * 60 * 1000;

/// A record whose claimed time is this much before its acceptance appears in the late-entry report.
pub const LATE_ENTRY_MS: u64 = 24 * 3_600_000;

/// How long after a treatment it may be recorded and still count from its claimed time: the time to walk from
/// the pen to a phone. A treatment recorded later counts from its acceptance less this, and is a late entry.
pub const TREATMENT_GRACE_MS: u64 = 15 * 60_000;

/// Whether `event`, claimed at `claimed` and accepted at `accepted`, is a late entry (补录): the one test behind
/// the late-entry index and [`crate::LogEntry::is_late`]. A treatment is late after [`TREATMENT_GRACE_MS`], any
/// other record after [`LATE_ENTRY_MS`].
/// A claim of a day (`precision`) counts from the end of that day: a treatment claimed for today and entered at
/// 03:00 is not late.
pub fn is_late(event: &Event, claimed: Time, precision: TimePrecision, accepted: Time) -> bool {
    let after = if matches!(event, Event::InputApplied(_)) { TREATMENT_GRACE_MS } else { LATE_ENTRY_MS };
    accepted.0.saturating_sub(claim_end(claimed, precision).0) > after
}

/// The latest moment a claim names: the claimed time, or the end of the claimed day.
fn claim_end(claimed: Time, precision: TimePrecision) -> Time {
    match precision {
        TimePrecision::Day => claimed.plus_days(1),
        TimePrecision::Minute => claimed,
    }
}

/// When a treatment's withdrawal period or pre-harvest interval starts: its claimed time (the end of the day, for
/// a claim of a day without a time), but never before its acceptance less [`TREATMENT_GRACE_MS`]. A drug given
/// on day 20 and claimed for day 1 counts from day 20.
pub fn treatment_start(claimed: Time, precision: TimePrecision, accepted: Time) -> Time {
    claim_end(claimed, precision).max(Time(accepted.0.saturating_sub(TREATMENT_GRACE_MS)))
}

/// Refuses a claimed time after the ledger's clock by more than [`MAX_FUTURE_SKEW_MS`].
pub(super) fn not_in_future(claimed: Time, accepted: Time) -> Result<(), Error> {
    if claimed.0 > accepted.0.saturating_add(MAX_FUTURE_SKEW_MS) {
        return refuse(Facts::FutureTime { claimed, clock: accepted });
    }
    Ok(())
}

impl Ctx<'_, '_> {
    /// Refuses an event claimed before the last event on any of the batches it acts on; a fact that extends
    /// lineage only needs the batches to have existed by its claimed time.
    pub(super) fn not_before_last_event(&self, states: &[BatchState]) -> Result<(), Error> {
        let extends_lineage = matches!(self.body_event(), Event::InputApplied(_) | Event::Transformed(_));
        for s in states {
            let last = if extends_lineage { s.created_at } else { s.last_time };
            if self.time < last {
                return refuse(Facts::BeforeLastEvent { claimed: self.time, batch: s.id, last });
            }
        }
        Ok(())
    }

    /// Marks the record late ([`is_late`]).
    pub(super) fn mark_if_late(&mut self, accepted: Time) {
        if is_late(self.body_event(), self.time, self.record.body().precision, accepted) {
            self.ov.mark(schema::late_entry(self.index));
        }
    }
}
