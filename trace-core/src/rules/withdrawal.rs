//! Applying inputs and the withdrawal periods (休药期) and pre-harvest intervals (安全间隔期) they start.
//!
//! Invariants kept here:
//! - an input is applied only to a produce batch, by its holder or a vet, to one holding (the author's, the one
//!   named, or the only one), from a lot that exists, was not blocked when applied, was registered before the
//!   application and has not expired; a lot blocked after the application passes its blocks to the batch;
//! - vet drugs, feed and feed additives go on live animals (livestock, poultry, aquatic), pesticides and
//!   fertilisers on crops: never a vet drug on pork at a stall, nor a pesticide on pigs;
//! - a vet treats another's holding only when engaged by its holder, and a prescription-only drug is applied only
//!   under a vet's prescription the application cites (`vets`);
//! - a pesticide whose substances are highly toxic is never applied to a class that forbids it;
//! - a withdrawal runs from [`treatment_start`], so a back-dated claim cannot shorten it, and binds the holding
//!   treated (not parts already shipped); while it runs, that holding and everything made from it are not
//!   shipped, sold, slaughtered, harvested or certified for market;
//! - a treatment recorded after goods it covers moved (claimed before a shipment, sale or transform already
//!   recorded) binds whoever received them since and holds every batch made from them in its window.

use super::*;
use crate::shared::Party;

impl Ctx<'_, '_> {
    /// Refuses moving what a running withdrawal binds: the author's holding, or, when the author holds none (a vet
    /// or regulator certifying), the whole batch.
    pub(super) fn ensure_withdrawal_over(&self, b: &BatchState, action: Action) -> Result<(), Error> {
        let holder = self.holds(b);
        let binding = b.withdrawals.iter().filter(|w| !holder || w.binds(|h| self.is_me(h)));
        if let Some(w) = binding.max_by_key(|w| w.until) {
            if self.time < w.until {
                return refuse(Facts::Withdrawal {
                    batch: b.id,
                    label: b.name(),
                    drug: w.name.clone(),
                    applied: w.applied,
                    days: w.days,
                    interval: match w.kind {
                        InputKind::Pesticide => Interval::PreHarvestInterval,
                        _ => Interval::WithdrawalPeriod,
                    },
                    until: w.until,
                    ancestor: (w.applied_to != b.id).then_some(w.applied_to),
                    action,
                });
            }
        }
        Ok(())
    }

    pub(super) fn input_applied(&mut self, author: &Actor, b: &mut BatchState, e: &InputApplied) -> Result<(), Error> {
        let BatchKind::Produce { class, .. } = b.kind else {
            return refuse(Facts::AppliedToInputLot { batch: b.id });
        };
        let holder = self.treated_holder(author, b, e)?;
        // A vet treats another's holding only when its holder engaged it.
        if !self.is_me(&holder) && !self.engaged_on(b, Some(&holder))? {
            return refuse(Facts::VetNotEngaged { vet: self.author, batch: b.id, label: b.name() });
        }
        let Some(lot) = self.ov.batch(e.input)? else {
            return refuse(Facts::UnknownInputLot { lot: e.input });
        };
        let BatchKind::Input(info) = &lot.kind else {
            return refuse(Facts::NotAnInputLot { batch: e.input });
        };
        if !info.kind.goes_on(class) {
            return refuse(Facts::InputNotForClass {
                input: info.name.clone(),
                kind: info.kind,
                class,
                batch: b.id,
                label: b.name(),
            });
        }
        if self.time < lot.created_at {
            return refuse(Facts::AppliedBeforeRegistered {
                input: info.name.clone(),
                lot: info.lot.clone(),
                registered: lot.created_at,
                applied: self.time,
            });
        }
        self.ensure_unblocked_then(&lot, Action::Applied)?;
        let texts: Vec<&str> =
            std::iter::once(info.name.as_str()).chain(info.active_substances.iter().map(String::as_str)).collect();
        let at = self.judged_at();
        if let Some(h) = self.banned_in_lot(Some(class), &texts, at)? {
            return refuse(Facts::BannedInput { input: info.name.clone(), substance: h.text, listed_as: h.listed_as });
        }
        // Crop restrictions follow the substance, whatever kind the lot claims to be.
        if let Some(f) = self.crop_restriction(&info.name, &texts, class, at, (b.id, b.name()))? {
            return refuse(f);
        }
        if info.prescription_only {
            self.prescription(b, info, e)?;
        }
        if let Some(exp) = info.expires {
            if self.time > exp {
                return refuse(Facts::InputExpired { input: info.name.clone(), lot: info.lot.clone(), expired: exp });
            }
        }
        if let Some(code) = &e.vet_drug_code {
            let key = schema::vet_drug_code(code.as_str());
            let owner = self.ov.get(&key)?.map(|v| schema::read_u64_value(&key, &v)).transpose()?;
            if owner != Some(lot.id.value()) {
                return refuse(Facts::VetDrugCodeNotOfLot { code: code.clone(), lot: lot.id });
            }
        }
        let periods = &info.periods;
        if periods.meat_days > 0 || periods.milk_hours.is_some_and(|h| h > 0) || periods.egg_days.is_some_and(|d| d > 0)
        {
            let starts = treatment_start(self.time, self.record.body().precision, self.accepted);
            let until = starts.plus_days(periods.meat_days);
            let mut w = Withdrawal {
                input: lot.id,
                kind: info.kind,
                name: format!("{} lot {}", info.name, info.lot),
                applied_to: b.id,
                record: self.id,
                applied: self.time,
                starts,
                days: periods.meat_days,
                until,
                // A label without a milk discard or egg period is not for lactating or laying animals: their milk
                // and eggs are discarded for the whole withdrawal (乳品质量安全监督管理条例 第十四条: no raw milk from
                // animals within their 用药期 or 休药期).
                milk_until: periods
                    .milk_hours
                    .map_or(until, |h| Time(starts.0.saturating_add(u64::from(h) * 3_600_000))),
                eggs_until: periods.egg_days.map_or(until, |d| starts.plus_days(d)),
                holders: vec![holder],
            };
            // Only a treatment claimed at or before the batch's last event can precede movements already
            // recorded; an on-time one needs no walk of the batch's history.
            if self.time <= b.last_time {
                self.late_treatment(b, &mut w)?;
            }
            b.withdrawals.push(w);
        }
        let applied = Applied {
            lot: lot.id,
            name: info.name.clone(),
            kind: info.kind,
            texts: texts.iter().map(|t| (*t).to_owned()).collect(),
            time: at,
        };
        if !b.applied.contains(&applied) {
            b.applied.push(applied);
        }
        self.link(lot.id, b.id);
        self.ov.mark(schema::applied(lot.id, b.id));
        // A lot recalled after this application (recorded late) reaches the batch and what was made from it.
        self.inherit_blocks(b, &lot.blocks)
    }

    /// The holder whose holding a treatment binds: the one named (by a vet, or the author itself), else the
    /// author's own, else, for a vet, the only holder.
    fn treated_holder(&self, author: &Actor, b: &BatchState, e: &InputApplied) -> Result<PublicKey, Error> {
        // Late paperwork (claimed before the batch's last event) is judged by who held the goods then.
        let held = if self.time < b.last_time {
            self.holders_at(b, self.time)?
        } else {
            b.holdings.iter().filter(|h| !h.quantity.is_zero()).map(|h| h.holder).collect()
        };
        let not_holder = || refuse(Facts::NotHolderNorVet { actor: author.name.clone(), batch: b.id, label: b.name() });
        match &e.holding {
            Some(Party::Member(k)) => {
                if !author.has(Role::Vet) && !self.is_me(k) {
                    return not_holder();
                }
                if !held.contains(k) {
                    return refuse(Facts::HoldingNotHeld { batch: b.id, label: b.name(), holder: *k });
                }
                Ok(*k)
            }
            Some(Party::Outside(_)) => refuse(Facts::NotEnforced { what: "InputApplied.holding".into(), issue: 20 }),
            None => {
                if let Some(mine) = held.iter().find(|k| self.is_me(k)) {
                    return Ok(*mine);
                }
                if !author.has(Role::Vet) {
                    return not_holder();
                }
                match held.as_slice() {
                    [only] => Ok(*only),
                    [] => not_holder(),
                    many => refuse(Facts::HoldingAmbiguous {
                        batch: b.id,
                        label: b.name(),
                        holders: u32::try_from(many.len()).unwrap_or(u32::MAX),
                    }),
                }
            }
        }
    }

    /// A treatment claimed before movements already recorded of the goods it covers: whoever received them since
    /// is bound too, and every batch made from them while the interval ran is held (the meat came from treated
    /// animals). Walks the batch's records in claimed-time order from the treatment's claimed time.
    fn late_treatment(&mut self, b: &BatchState, w: &mut Withdrawal) -> Result<(), Error> {
        let mut entries = Vec::new();
        for (k, _) in self.ov.scan_prefix(&schema::history_prefix(b.id))? {
            let entry = self.entry(schema::tail_u64(&k)?)?;
            let t = entry.record.body().time;
            if t >= w.applied && t < w.last_until() {
                entries.push(entry);
            }
        }
        crate::record::claimed_order(&mut entries);
        let mut keys: Vec<PublicKey> = Vec::new();
        for h in &w.holders {
            keys.extend(self.all_keys_of(h)?);
        }
        for entry in entries {
            let body = entry.record.body();
            if !keys.contains(&body.author) {
                continue;
            }
            match &body.event {
                Event::Shipped(s) => {
                    if let Some(to) = s.to.member() {
                        if !w.holders.contains(&to) {
                            w.holders.push(to);
                            keys.extend(self.all_keys_of(&to)?);
                        }
                    }
                }
                Event::Produced(p) if p.source == b.id && body.time < w.discard_until(p.process) => {
                    let out = BatchId::derive(&entry.record.id(), 0);
                    let Some(mut o) = self.ov.batch(out)? else { continue };
                    let discard = self.discard_block(out, w, body.time, p.process);
                    self.inherit_blocks(&mut o, std::slice::from_ref(&discard))?;
                    self.ov.put_batch(&o);
                }
                Event::Transformed(t) if body.time < w.until && t.inputs.iter().any(|i| i.batch == b.id) => {
                    let id = entry.record.id();
                    let reason = format!(
                        "made on {} from {} during the {}-day {} of {} given {} (recorded late)",
                        body.time,
                        b.name(),
                        w.days,
                        w.interval_name(),
                        w.name,
                        w.applied
                    );
                    for n in 0..t.outputs.len() {
                        let out = BatchId::derive(&id, u32::try_from(n).unwrap_or(u32::MAX));
                        let Some(mut o) = self.ov.batch(out)? else { continue };
                        let carried = Withdrawal { holders: Vec::new(), ..w.clone() };
                        if !o.withdrawals.contains(&carried) {
                            o.withdrawals.push(carried.clone());
                        }
                        let hold = Block {
                            kind: BlockKind::WithdrawalBreached,
                            source: out,
                            record: self.id,
                            reason: reason.clone(),
                            time: self.time,
                            holders: Vec::new(),
                        };
                        self.inherit_blocks(&mut o, std::slice::from_ref(&hold))?;
                        self.ov.put_batch(&o);
                        // What was made from it since carries the treatment too: releasing the hold on the
                        // carcass does not free the pork cut from it.
                        self.for_each_descendant(out, |d| {
                            if !d.withdrawals.contains(&carried) {
                                d.withdrawals.push(carried.clone());
                            }
                        })?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Who held some of `b` at claimed time `t`: its custody records claimed by then, replayed in log order.
    fn holders_at(&self, b: &BatchState, t: Time) -> Result<Vec<PublicKey>, Error> {
        let mut held: Vec<Holding> = vec![Holding { holder: b.registrant, quantity: b.initial }];
        let mut transit: Vec<(RecordId, PublicKey, PublicKey, Quantity)> = Vec::new();
        let take = |held: &mut Vec<Holding>, who: PublicKey, q: Quantity| {
            if let Some(h) = held.iter_mut().find(|h| h.holder == who) {
                h.quantity = h.quantity.checked_sub(q).unwrap_or(Quantity { milli: 0, unit: h.quantity.unit });
            }
        };
        for (k, _) in self.ov.scan_prefix(&schema::history_prefix(b.id))? {
            let entry = self.entry(schema::tail_u64(&k)?)?;
            let body = entry.record.body();
            if body.time > t {
                continue;
            }
            match &body.event {
                Event::Shipped(s) if s.batch == b.id => {
                    take(&mut held, body.author, s.quantity);
                    if let Some(to) = s.to.member() {
                        transit.push((entry.record.id(), body.author, to, s.quantity));
                    }
                }
                Event::Received(r) if r.batch == b.id => {
                    if let Some(pos) = transit.iter().position(|x| x.0 == r.shipment) {
                        let (_, from, to, q) = transit.remove(pos);
                        custody::add_holding_to(&mut held, if r.accepted { to } else { from }, q)?;
                    }
                }
                Event::Sold(s) if s.batch == b.id => take(&mut held, body.author, s.quantity),
                Event::Disposed(d) if d.batch == b.id => take(&mut held, body.author, d.quantity),
                Event::Transformed(x) => {
                    for i in x.inputs.iter().filter(|i| i.batch == b.id) {
                        take(&mut held, body.author, i.quantity);
                    }
                }
                _ => {}
            }
        }
        Ok(held.into_iter().filter(|h| !h.quantity.is_zero()).map(|h| h.holder).collect())
    }
}
