//! Batches and lots coming into being: registrations and transforms.
//!
//! Invariants kept here:
//! - a batch id, derived from the record that creates it and its output position, names one batch (a collision
//!   is refused, never overwritten);
//! - a GTIN and lot, and a vet-drug package code, name at most one batch or lot;
//! - a transform's outputs carry every withdrawal binding what was consumed and every block of its inputs, and are
//!   linked to each input in the lineage.

use super::*;
use crate::values::ProductClass;

impl Ctx<'_, '_> {
    pub(super) fn new_batch(&mut self, output: u32, kind: BatchKind, quantity: Quantity) -> Result<BatchState, Error> {
        let id = BatchId::derive(&self.id, output);
        if self.ov.batch(id)?.is_some() {
            return refuse(Facts::BatchIdCollision { batch: id });
        }
        let zero = Quantity { milli: 0, unit: quantity.unit };
        Ok(BatchState {
            id,
            kind,
            created_by: self.id,
            registrant: self.author,
            created_at: self.time,
            initial: quantity,
            head: self.id,
            last_time: self.time,
            holdings: vec![Holding { holder: self.author, quantity }],
            in_transit: Vec::new(),
            sold: zero,
            consumed: zero,
            disposed: zero,
            withdrawals: Vec::new(),
            blocks: Vec::new(),
            applied: Vec::new(),
            engaged: Vec::new(),
        })
    }

    pub(super) fn save_new(&mut self, b: &BatchState) {
        self.ov.mark(schema::history(b.id, self.index));
        self.ov.put_batch(b);
        if let BatchKind::Produce { gtin: Some(g), lot: Some(l), .. } = &b.kind {
            self.ov.put(schema::gtin_lot(g.as_str(), l.as_str()), schema::u64_value(b.id.value()));
        }
    }

    pub(super) fn batch_registered(&mut self, e: &BatchRegistered) -> Result<BatchId, Error> {
        if let (Some(g), Some(l)) = (&e.gtin, &e.lot) {
            self.gtin_lot_free(g, l)?;
        }
        let kind = BatchKind::Produce {
            product: e.product.clone(),
            class: e.class,
            commissioning: Some(e.commissioning),
            gtin: e.gtin.clone(),
            lot: e.lot.clone(),
            place: e.place.clone(),
        };
        let b = self.new_batch(0, kind, e.quantity)?;
        self.save_new(&b);
        Ok(b.id)
    }

    pub(super) fn gtin_lot_free(&self, gtin: &Gtin, lot: &Lot) -> Result<(), Error> {
        let key = schema::gtin_lot(gtin.as_str(), lot.as_str());
        if let Some(v) = self.ov.get(&key)? {
            let other = stored_batch(&key, &v)?;
            return refuse(Facts::GtinLotTaken { gtin: gtin.clone(), lot: lot.clone(), other });
        }
        Ok(())
    }

    pub(super) fn input_lot_registered(&mut self, e: &InputLotRegistered) -> Result<BatchId, Error> {
        let texts: Vec<&str> =
            std::iter::once(e.name.as_str()).chain(e.active_substances.iter().map(String::as_str)).collect();
        if let Some(h) = self.banned_in_lot(None, &texts, self.judged_at())? {
            return refuse(Facts::BannedSubstance {
                product: e.name.clone(),
                substance: h.text,
                listed_as: h.listed_as,
            });
        }
        if e.kind == InputKind::Pesticide && e.prescription_only {
            return refuse(Facts::PrescriptionOnlyPesticide);
        }
        periods_in_range(e)?;
        let mut seen = BTreeSet::new();
        for c in &e.vet_drug_codes {
            if !seen.insert(c.as_str()) {
                return refuse(Facts::VetDrugCodeTwice { code: c.clone() });
            }
            let key = schema::vet_drug_code(c.as_str());
            if let Some(v) = self.ov.get(&key)? {
                let lot = stored_batch(&key, &v)?;
                return refuse(Facts::VetDrugCodeTaken { code: c.clone(), lot });
            }
        }
        let b = self.new_batch(0, BatchKind::Input(e.clone()), e.quantity)?;
        for c in &e.vet_drug_codes {
            self.ov.put(schema::vet_drug_code(c.as_str()), schema::u64_value(b.id.value()));
        }
        self.save_new(&b);
        Ok(b.id)
    }

    pub(super) fn transformed(&mut self, inputs: &mut [BatchState], e: &Transformed) -> Result<Vec<BatchId>, Error> {
        let what = match e.process {
            crate::event::Process::Slaughter => Action::Slaughtered,
            crate::event::Process::Harvest => Action::Harvested,
            _ => Action::Transformed,
        };
        // Milk and eggs come out of a live herd or flock by `Produced` only, whatever the process is called.
        let live = inputs.iter().any(|b| {
            matches!(b.kind, BatchKind::Produce { class: ProductClass::Livestock | ProductClass::Poultry, .. })
        });
        if let Some(o) = e.outputs.iter().find(|o| live && matches!(o.class, ProductClass::Dairy | ProductClass::Egg)) {
            return refuse(Facts::ProduceFromHerd { class: o.class });
        }
        let mut withdrawals: Vec<Withdrawal> = Vec::new();
        let mut blocks: Vec<Block> = Vec::new();
        let mut applied: Vec<Applied> = Vec::new();
        for (b, i) in inputs.iter_mut().zip(&e.inputs) {
            self.ensure_unblocked_then(b, what)?;
            self.ensure_withdrawal_over(b, what)?;
            self.take_from_holder(b, i.quantity, Take::Use)?;
            b.consumed = b.consumed.checked_add(i.quantity).unwrap_or(b.consumed);
            // What the outputs are made of is the author's holding: they carry the treatments that bound it, as
            // binding the whole output.
            for w in b.withdrawals.iter().filter(|w| w.binds(|h| self.is_me(h))) {
                let w = Withdrawal { holders: Vec::new(), ..w.clone() };
                // A batch reached along two paths (a diamond of transforms) would otherwise carry the same
                // treatment twice, and chains of transforms would grow the list without bound.
                if !withdrawals.contains(&w) {
                    withdrawals.push(w);
                }
            }
            for x in &b.blocks {
                if !blocks.contains(x) {
                    blocks.push(x.clone());
                }
            }
            for x in &b.applied {
                if !applied.contains(x) {
                    applied.push(x.clone());
                }
            }
        }
        let mut created = Vec::with_capacity(e.outputs.len());
        for (n, o) in e.outputs.iter().enumerate() {
            if let (Some(g), Some(l)) = (&o.gtin, &o.lot) {
                self.gtin_lot_free(g, l)?;
            }
            let kind = output_kind(o, &e.place);
            let output = u32::try_from(n).unwrap_or(u32::MAX);
            let mut out = self.new_batch(output, kind, o.quantity)?;
            // A field sprayed as grain is not harvested as a vegetable: each output's class is checked against
            // every pesticide applied to its ancestors, when it was applied.
            for x in &applied {
                let texts: Vec<&str> = x.texts.iter().map(String::as_str).collect();
                if let Some(f) = self.crop_restriction(&x.name, &texts, o.class, x.time, (out.id, o.product.clone()))? {
                    return refuse(f);
                }
            }
            out.applied = applied.clone();
            out.withdrawals = withdrawals.clone();
            out.blocks = blocks.clone();
            for b in inputs.iter() {
                self.link(b.id, out.id);
            }
            self.save_new(&out);
            created.push(out.id);
        }
        Ok(created)
    }
}

/// The kind of a transform's or a production's output batch, made at `place`.
pub(super) fn output_kind(o: &TransformOutput, place: &str) -> BatchKind {
    BatchKind::Produce {
        product: o.product.clone(),
        class: o.class,
        commissioning: None,
        gtin: o.gtin.clone(),
        lot: o.lot.clone(),
        place: place.to_owned(),
    }
}

/// Longest withdrawal period, egg period or pre-harvest interval accepted, in days: ten times the longest read in
/// the official lists (农业部公告第278号 附件1: 乙酰甲喹片, 35 days; pesticide labels under GB/T 8321: 35 days).
/// No law sets a ceiling; the label's own value is the legal one. This refuses a 36,500-day claim, which would
/// freeze a holding for a century.
pub const MAX_PERIOD_DAYS: u32 = 365;
/// Longest milk discard period accepted, in hours: 60 days, over eight times the longest read in 公告第278号
/// (7 days).
pub const MAX_MILK_HOURS: u32 = 1440;

fn periods_in_range(e: &InputLotRegistered) -> Result<(), Error> {
    let (meat, source) = match e.kind {
        InputKind::Pesticide => ("pre-harvest interval", "10× the longest pre-harvest interval on GB/T 8321 labels"),
        _ => ("withdrawal period", "10× the longest withdrawal period in 农业部公告第278号"),
    };
    let checks = [
        (meat, Some(e.periods.meat_days), MAX_PERIOD_DAYS, "days", source),
        (
            "egg period",
            e.periods.egg_days,
            MAX_PERIOD_DAYS,
            "days",
            "10× the longest withdrawal period in 农业部公告第278号",
        ),
        (
            "milk discard period",
            e.periods.milk_hours,
            MAX_MILK_HOURS,
            "hours",
            "8× the longest 弃奶期 in 农业部公告第278号",
        ),
    ];
    for (period, value, max, unit, source) in checks {
        if let Some(value) = value.filter(|v| *v > max) {
            return refuse(Facts::PeriodOutOfRange {
                input: e.name.clone(),
                period: period.into(),
                value,
                max,
                unit: unit.into(),
                source: source.into(),
            });
        }
    }
    Ok(())
}

/// The batch id stored under an index key. A stored number that is no batch id is a corrupt store, not a
/// refusal: a refusal's facts name a batch.
fn stored_batch(key: &[u8], value: &[u8]) -> Result<BatchId, Error> {
    let n = schema::read_u64_value(key, value)?;
    BatchId::from_value(n).ok_or_else(|| schema::corrupt(key, format!("{n} is not a batch id")))
}
