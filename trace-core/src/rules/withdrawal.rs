//! Applying inputs and the withdrawal periods (休药期) and pre-harvest intervals (安全间隔期) they start.
//!
//! Invariants kept here:
//! - an input is applied only to a produce batch, by its holder or a vet, from a lot that exists, is not blocked,
//!   was registered before the application and has not expired;
//! - a prescription-only drug is applied by a vet or under an active vet's prescription;
//! - a high-toxicity pesticide is never applied to a class that forbids it;
//! - while a withdrawal runs, the batch and everything made from it are not shipped, sold, slaughtered,
//!   harvested or certified for market.

use super::*;

impl Ctx<'_, '_> {
    pub(super) fn ensure_withdrawal_over(&self, b: &BatchState, what: &str) -> Result<(), Error> {
        if let Some(w) = b.withdrawal_ends() {
            if self.time < w.until {
                let on =
                    if w.applied_to == b.id { String::new() } else { format!(" (given to ancestor {})", w.applied_to) };
                return refuse(
                    Rule::WithdrawalPeriod,
                    format!(
                        "{} received {}{on} on {} with a {}-day {}; it cannot be {what} before {} (UTC+08:00)",
                        b.label(),
                        w.name,
                        w.applied,
                        w.days,
                        w.interval_name(),
                        w.until
                    ),
                );
            }
        }
        Ok(())
    }

    pub(super) fn input_applied(&mut self, author: &Actor, b: &mut BatchState, e: &InputApplied) -> Result<(), Error> {
        let BatchKind::Produce { class, .. } = b.kind else {
            return refuse(
                Rule::InvalidState,
                format!("{} is an input lot; inputs are applied to produce batches", b.id),
            );
        };
        if !author.has(Role::Vet) && !self.holds(b) {
            return refuse(Rule::NotHolder, format!("{} does not hold {} and is not a vet", author.name, b.label()));
        }
        let Some(lot) = self.ov.batch(e.input)? else {
            return refuse(Rule::UnknownBatch, format!("input lot {} does not exist in this ledger", e.input));
        };
        let BatchKind::Input(info) = &lot.kind else {
            return refuse(Rule::InvalidState, format!("{} is a produce batch, not an input lot", e.input));
        };
        if self.time < lot.created_at {
            return refuse(
                Rule::BadTime,
                format!(
                    "{} lot {} was registered on {}; it cannot have been applied on {}",
                    info.name, info.lot, lot.created_at, self.time
                ),
            );
        }
        self.ensure_movable(&lot, "applied")?;
        if let Some((s, name)) = self.first_banned(&info.active_substances)? {
            return refuse(Rule::BannedSubstance, format!("{} contains {s}, banned as '{name}'", info.name));
        }
        if info.high_toxicity && class.forbids_high_toxicity() {
            return refuse(
                Rule::HighToxicityPesticide,
                format!("{} is a high-toxicity pesticide, forbidden on {class} crops such as {}", info.name, b.label()),
            );
        }
        if info.prescription_only && !author.has(Role::Vet) {
            let Some(vet_key) = e.prescribed_by else {
                return refuse(
                    Rule::PrescriptionRequired,
                    format!("{} is prescription-only; name the prescribing vet", info.name),
                );
            };
            match self.ov.actor(&vet_key)? {
                Some(v) if v.has(Role::Vet) && v.active() => {}
                _ => {
                    return refuse(
                        Rule::PrescriptionRequired,
                        format!("{} is not an active vet of this ledger", vet_key.short()),
                    );
                }
            }
        }
        if let Some(exp) = info.expires {
            if self.time > exp {
                return refuse(Rule::InvalidState, format!("{} lot {} expired on {}", info.name, info.lot, exp));
            }
        }
        if let Some(code) = &e.vet_drug_code {
            let key = schema::vet_drug_code(code.as_str());
            let owner = self.ov.get(&key)?.map(|v| schema::read_u64_value(&key, &v)).transpose()?;
            if owner != Some(lot.id.value()) {
                return refuse(Rule::InvalidState, format!("vet-drug code {code} does not belong to lot {}", lot.id));
            }
        }
        if info.withdrawal_days > 0 {
            b.withdrawals.push(Withdrawal {
                input: lot.id,
                kind: info.kind,
                name: format!("{} lot {}", info.name, info.lot),
                applied_to: b.id,
                applied: self.time,
                days: info.withdrawal_days,
                until: self.time.plus_days(info.withdrawal_days),
            });
        }
        self.link(lot.id, b.id);
        self.ov.mark(schema::applied(lot.id, b.id));
        Ok(())
    }
}
