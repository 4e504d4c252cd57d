//! Human-readable printing of batch views, public summaries and recall impacts: the typed JSON shapes of
//! `trace_node::wire`, the same whether they came from a local ledger or a node.

use trace_core::Event;
use trace_core::{BlockKind, Status, Time, Verdict};
use trace_node::wire::{AtRisk, BatchKind, BatchState, BatchView, EntryView, RecallImpact, Summary};

use crate::output;

fn date(t: Time) -> String {
    t.display_local()
}

/// What a block is called in a warning line.
fn block_name(k: BlockKind) -> &'static str {
    match k {
        BlockKind::Held => "held",
        BlockKind::FailedInspection => "failed inspection",
        BlockKind::Recalled => "recalled",
        BlockKind::BannedSubstanceFound => "banned substance found",
        BlockKind::WithdrawalBreached => "made during a withdrawal",
        BlockKind::ScreeningPositive => "screening positive, awaiting a laboratory test",
        BlockKind::Discard => "produced during a discard period: dispose of it",
    }
}

fn section<T>(title: &str, items: &[T], f: impl Fn(&T) -> String) {
    if items.is_empty() {
        return;
    }
    println!("{}", output::bold(title));
    for i in items {
        println!("  {}", f(i));
    }
}

/// Prints `trace show` for people.
pub(crate) fn print_batch(v: &BatchView) {
    print_summary(&v.summary, v.status, &v.history);
}

/// Prints a summary with the given status and the records under it (none for a scanned label's summary).
pub(crate) fn print_summary(sm: &Summary, status: Status, history: &[EntryView]) {
    let status_shown = match status {
        Status::Recalled => output::bad("RECALLED"),
        Status::OnHold => output::warn("ON HOLD"),
        other => output::good(other.as_str()),
    };
    println!("{}  {}  [{status_shown}]", output::bold(&sm.batch.to_string()), sm.product);
    println!("  {} · made by {} at {} on {}", sm.class, sm.made_by, sm.place, date(sm.made_at));
    for w in &sm.warnings {
        println!("  {} {} on {}: {}", output::bad("⚠"), block_name(w.kind), w.source_label, w.reason);
    }
    for h in &sm.holders {
        println!("  held by {}: {}", h.name, h.quantity);
    }
    section("origin", &sm.origins, |o| {
        format!("{} ({}) — {} at {}, {}", o.farm, o.registration, o.product, o.place, date(o.time))
    });
    section("inputs", &sm.inputs, |i| {
        let w = if let Some(d) = i.discard_ends {
            let over = if d <= Time::now() { "ended" } else { "until" };
            format!("its milk or egg discard period {over} {} (the herd's withdrawal does not bind them)", date(d))
        } else if i.withdrawal_days == 0 {
            "no withdrawal period".to_owned()
        } else if !i.binds {
            format!(
                "withdrawal {} days, does not bind this batch (made before, or another holder's part)",
                i.withdrawal_days
            )
        } else if i.withdrawal_over {
            format!("withdrawal {} days, ended {}", i.withdrawal_days, date(i.withdrawal_ends))
        } else {
            output::warn(&format!("withdrawal {} days, until {}", i.withdrawal_days, date(i.withdrawal_ends)))
        };
        let late = if i.late { " (entered late)" } else { "" };
        let rx = i.prescribed_by.as_ref().map(|v| format!(", prescribed by {v}")).unwrap_or_default();
        format!("{} ({}) {} by {} on {}{late}{rx} — {w}", i.name, i.kind, i.dose, i.by, date(i.applied))
    });
    section("inspections", &sm.inspections, |i| {
        let verdict = match i.verdict {
            Verdict::Fail => output::bad("FAIL"),
            Verdict::Pass => output::good("pass"),
        };
        format!("{verdict} {} (sample {}) by {} on {}", i.analyte, i.sample, i.lab, date(i.time))
    });
    section("certificates", &sm.certificates, |c| {
        format!("{} {} by {}, valid {} to {}", c.kind, c.number, c.issuer, date(c.valid_from), date(c.valid_until))
    });
    section("custody", &sm.custody, |c| {
        let to = c.counterparty.as_ref().map(|p| format!("→ {p}")).unwrap_or_default();
        let quantity = c.quantity.map(|q| q.to_string()).unwrap_or_default();
        let late = if c.late { "(entered late)".to_owned() } else { String::new() };
        let parts = [
            format!("#{}", c.index),
            date(c.time),
            c.kind.clone(),
            c.actor.clone(),
            to,
            quantity,
            c.detail.clone(),
            late,
        ];
        parts.iter().filter(|p| !p.is_empty()).cloned().collect::<Vec<_>>().join(" ")
    });
    // Both lists are in claimed-time order; the entry number shows the log order, and a late entry says so.
    section("history", history, |e| {
        let late = if e.late { " (entered late)" } else { "" };
        format!("#{} {} {} by {}{late}", e.index, date(Time(e.time)), e.kind, e.author_name)
    });
}

/// Prints `trace at-risk` for people.
pub(crate) fn print_at_risk(lists: &[AtRisk]) {
    if lists.is_empty() {
        println!("no positive results: nothing is at risk");
    }
    for l in lists {
        println!("{} {} {}", output::bold("at risk from"), l.source.id, product_of(&l.source));
        for p in &l.positives {
            if let Event::Inspected(i) = &p.event {
                println!(
                    "  {} {} {} {} by {} ({})",
                    date(Time(p.time)),
                    i.analyte,
                    i.result,
                    i.unit,
                    p.author_name,
                    i.kind
                );
            }
        }
        if matches!(l.source.kind, BatchKind::Input { .. }) {
            println!("  an input lot: every batch fed from it carries its block (trace recall-impact {})", l.source.id);
        } else if l.lots.iter().all(|x| x.batches.is_empty()) {
            println!("  no other batch was fed from its lots");
        }
        for lot in &l.lots {
            println!("  fed {} {}: {} other batches", lot.lot.id, product_of(&lot.lot), lot.batches.len());
            for r in &lot.batches {
                let indent = "  ".repeat(r.depth as usize);
                let held: Vec<String> =
                    r.batch.holdings.iter().map(|h| format!("{} by {}", h.quantity, h.holder.short())).collect();
                let sold = if r.batch.sold.is_zero() { String::new() } else { format!(", {} sold", r.batch.sold) };
                println!("    {indent}{}  {}  (held {}{sold})", r.batch.id, product_of(&r.batch), held.join(", "));
            }
        }
    }
}

fn product_of(b: &BatchState) -> &str {
    match &b.kind {
        BatchKind::Produce { product, .. } => product,
        BatchKind::Input { name, .. } => name,
    }
}

/// Prints `trace recall-impact` for people.
pub(crate) fn print_recall_impact(v: &RecallImpact) {
    println!("{} {}", output::bold("recall impact of"), v.source.id);
    println!("  reaches {} batches", v.reached.len());
    for r in &v.reached {
        let product = match &r.batch.kind {
            BatchKind::Produce { product, .. } => product,
            BatchKind::Input { name, .. } => name,
        };
        let indent = "  ".repeat((r.depth as usize).saturating_sub(1));
        println!("  {indent}{}  {product}", r.batch.id);
    }
    println!("{}", output::bold("held by"));
    for h in &v.holders {
        let key = h.holder.to_string();
        let batches: Vec<String> = h.batches.iter().map(|b| b.to_string()).collect();
        println!("  {} ({}): {}", h.name, &key[..8.min(key.len())], batches.join(", "));
    }
}
