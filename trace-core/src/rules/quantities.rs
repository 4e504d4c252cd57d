//! Quantities leaving the chain: sales to consumers and disposals.
//!
//! Invariants kept here:
//! - a batch's holdings, in transit, sold, consumed and disposed quantities add up to what it started with and
//!   what transforms made, never below zero;
//! - nothing blocked or in a withdrawal is sold.

use super::*;

impl Ctx<'_, '_> {
    pub(super) fn sold(&mut self, b: &mut BatchState, e: &Sold) -> Result<(), Error> {
        self.ensure_movable(b, Action::Sold)?;
        self.ensure_withdrawal_over(b, Action::Sold)?;
        self.take_from_holder(b, e.quantity, Take::Sell)?;
        b.sold = b.sold.checked_add(e.quantity).unwrap_or(b.sold);
        Ok(())
    }

    pub(super) fn disposed(&mut self, b: &mut BatchState, e: &Disposed) -> Result<(), Error> {
        self.take_from_holder(b, e.quantity, Take::DisposeOf)?;
        b.disposed = b.disposed.checked_add(e.quantity).unwrap_or(b.disposed);
        Ok(())
    }
}
