//! Milk and eggs: produced out of a herd or flock, which keeps its quantity, and discarded while its treatments
//! say so.
//!
//! Invariants kept here:
//! - milk and eggs come out of a herd or flock by `Produced` (milking livestock into dairy, laying poultry into
//!   eggs), recorded by a co-op that holds some of it; a co-op does not register milk or eggs from nothing, nor
//!   milk a herd by a transform;
//! - the output is linked to its source, carries the source's blocks and applied inputs, and not its meat
//!   withdrawal: milk and eggs have periods of their own;
//! - milk or eggs produced before a treatment's milk discard (弃奶期) or egg period ends, for the holding it
//!   binds, take a [`BlockKind::Discard`] block: they are recorded, never released, only disposed of; a
//!   treatment recorded late places the block on what was produced in its window;
//! - a treatment corrected by its author and countersigned by a regulator no longer binds: its withdrawal and the
//!   holds and discards it placed are lifted from the batch and everything made from it (both records stay).

use super::*;
use crate::event::Production;

impl Ctx<'_, '_> {
    pub(super) fn produced(&mut self, src: &mut BatchState, e: &Produced) -> Result<BatchId, Error> {
        let (from, into) = match e.process {
            Production::Milking => (crate::values::ProductClass::Livestock, crate::values::ProductClass::Dairy),
            Production::Laying => (crate::values::ProductClass::Poultry, crate::values::ProductClass::Egg),
        };
        let (class, place) = match &src.kind {
            BatchKind::Produce { class, place, .. } => (*class, place.clone()),
            BatchKind::Input(_) => return refuse(Facts::AppliedToInputLot { batch: src.id }),
        };
        if class != from || e.output.class != into {
            return refuse(Facts::ProductionMismatch {
                process: e.process,
                source_class: class,
                output_class: e.output.class,
                batch: src.id,
                label: src.name(),
            });
        }
        if !self.holds(src) {
            return refuse(Facts::HoldsNone { actor: self.name.clone(), batch: src.id, label: src.name() });
        }
        let o = &e.output;
        if let (Some(g), Some(l)) = (&o.gtin, &o.lot) {
            self.gtin_lot_free(g, l)?;
        }
        let mut out = self.new_batch(0, batches::output_kind(o, &place), o.quantity)?;
        out.applied = src.applied.clone();
        // A held or recalled herd's milk is recorded, and held with it.
        out.blocks = src.blocks.clone();
        let binding: Vec<Withdrawal> = src.withdrawals.iter().filter(|w| w.binds(|h| self.is_me(h))).cloned().collect();
        for w in &binding {
            if self.time < w.discard_until(e.process) {
                let discard = self.discard_block(out.id, w, self.time, e.process);
                if !out.blocks.contains(&discard) {
                    out.blocks.push(discard);
                }
            }
        }
        self.link(src.id, out.id);
        self.save_new(&out);
        Ok(out.id)
    }

    /// The block on milk or eggs `out` produced at `at` during the discard period of treatment `w`.
    pub(super) fn discard_block(&self, out: BatchId, w: &Withdrawal, at: Time, process: Production) -> Block {
        let what = match process {
            Production::Milking => "milk discard period (弃奶期)",
            Production::Laying => "egg period",
        };
        Block {
            kind: BlockKind::Discard,
            source: out,
            record: w.record,
            reason: format!(
                "produced on {at} during the {what} of {} given {}, until {}",
                w.name,
                w.applied,
                w.discard_until(process)
            ),
            time: at,
            holders: Vec::new(),
        }
    }

    /// Refuses milk and eggs that would come into being without their herd or flock: registered by a co-op, or
    /// milked by a transform.
    pub(super) fn not_milk_from_nothing(&self, author: &Actor, e: &Event) -> Result<(), Error> {
        use crate::values::ProductClass::{Dairy, Egg};
        match e {
            Event::BatchRegistered(r) if !author.has(Role::Processor) => {
                let produced = matches!(r.class, Dairy | Egg)
                    || matches!(r.commissioning, Commissioning::MilkCollection | Commissioning::Laying);
                if produced {
                    let eggs = r.class == Egg || r.commissioning == Commissioning::Laying;
                    return refuse(Facts::ProduceFromHerd { class: if eggs { Egg } else { Dairy } });
                }
                Ok(())
            }
            Event::Transformed(t) if t.process == Process::Milking => refuse(Facts::ProduceFromHerd { class: Dairy }),
            _ => Ok(()),
        }
    }

    /// A regulator countersigns a treatment's correction by its author: the treatment no longer binds.
    /// Returns whether `c` is such a correction; refuses a countersignature by the correction's author.
    pub(super) fn treatment_corrected(&mut self, author: &Actor, by: PublicKey, c: &Correction) -> Result<bool, Error> {
        let Some(index) = self.ov.record_index(&c.target)? else { return Ok(false) };
        let treatment = self.entry(index)?;
        let Event::InputApplied(ia) = &treatment.record.body().event else { return Ok(false) };
        // Corrected by the one who recorded the treatment, under any of its keys.
        if !self.all_keys_of(&treatment.record.body().author)?.contains(&by) {
            return Ok(false);
        }
        if author.is_or_was(&by) {
            return refuse(Facts::CountersignedBySelf { record: c.target });
        }
        let Some(mut b) = self.ov.batch(ia.batch)? else { return Ok(false) };
        let record = c.target;
        let lift = move |d: &mut BatchState| {
            d.withdrawals.retain(|w| w.record != record);
            d.blocks.retain(|x| {
                !(x.record == record && matches!(x.kind, BlockKind::Discard | BlockKind::WithdrawalBreached))
            });
        };
        lift(&mut b);
        self.ov.mark(schema::history(b.id, self.index));
        self.ov.put_batch(&b);
        self.for_each_descendant(b.id, lift)?;
        Ok(true)
    }
}
