//! Claimed time against accepted time: records are not claimed in the future, events on a batch do not go back
//! before its last one, and records entered long after their claimed time are marked late.
//!
//! Invariants kept here:
//! - no record's claimed time is more than [`MAX_FUTURE_SKEW_MS`] after the ledger's clock when it is accepted;
//! - no event on a batch is claimed before the batch's last event;
//! - every record accepted more than [`LATE_ENTRY_MS`] after its claimed time is in the late-entry index.
//!
//! Issue 15 changes what a back-dated claim may do (withdrawals run from the later of claim and acceptance); this
//! module is where that rule goes.

use super::*;

/// How far into the future (past the node's clock) a record's claimed time may be.
pub const MAX_FUTURE_SKEW_MS: u64 = 5 * 60 * 1000;

/// A record whose claimed time is this much before its acceptance appears in the late-entry report.
pub const LATE_ENTRY_MS: u64 = 24 * 3_600_000;

/// Whether a record claimed at `claimed` and accepted at `accepted` is a late entry (补录): the one test behind
/// the late-entry index and [`crate::LogEntry::is_late`].
pub fn is_late(claimed: Time, accepted: Time) -> bool {
    accepted.0.saturating_sub(claimed.0) > LATE_ENTRY_MS
}

/// Refuses a claimed time after the ledger's clock by more than [`MAX_FUTURE_SKEW_MS`].
pub(super) fn not_in_future(claimed: Time, accepted: Time) -> Result<(), Error> {
    if claimed.0 > accepted.0.saturating_add(MAX_FUTURE_SKEW_MS) {
        return refuse(Facts::FutureTime { claimed, clock: accepted });
    }
    Ok(())
}

impl Ctx<'_, '_> {
    /// Refuses an event claimed before the last event on any of the batches it acts on.
    pub(super) fn not_before_last_event(&self, states: &[BatchState]) -> Result<(), Error> {
        for s in states {
            if self.time < s.last_time {
                return refuse(Facts::BeforeLastEvent { claimed: self.time, batch: s.id, last: s.last_time });
            }
        }
        Ok(())
    }

    /// Marks the record late when it is accepted more than [`LATE_ENTRY_MS`] after its claimed time.
    pub(super) fn mark_if_late(&mut self, accepted: Time) {
        if is_late(self.time, accepted) {
            self.ov.mark(schema::late_entry(self.index));
        }
    }
}
