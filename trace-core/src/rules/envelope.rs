//! The record envelope of format version 2: the claimed time's precision and the extension list.
//!
//! Invariants kept here:
//! - a day-precision time is a day's 00:00 in China Standard Time (UTC+08:00), so one day has one encoding;
//! - extension tags are strictly increasing, and a ledger refuses every tag it does not know (none is defined
//!   yet), so no rule is ever skipped because a field was not understood.

use super::*;
use crate::values::{DISPLAY_OFFSET_MS, TimePrecision};

const DAY_MS: u64 = 86_400_000;

/// China Standard Time's offset from UTC, as the unsigned milliseconds it always is.
const CST_MS: u64 = DISPLAY_OFFSET_MS.unsigned_abs();

/// Checks the envelope fields of format version 2; stateless, like [`super::check_limits`].
pub fn check_envelope(record: &Record) -> Result<(), Error> {
    let b = record.body();
    if b.precision == TimePrecision::Day && b.time.0.checked_add(CST_MS).is_none_or(|t| t % DAY_MS != 0) {
        return refuse(Facts::DayNotAtMidnight { time: b.time });
    }
    if let Some(pair) = b.extensions.windows(2).find(|w| w[0].tag >= w[1].tag) {
        return refuse(Facts::ExtensionsOutOfOrder { tag: pair[0].tag, next: pair[1].tag });
    }
    if let Some(x) = b.extensions.first() {
        return refuse(Facts::UnknownExtension { tag: x.tag });
    }
    Ok(())
}
