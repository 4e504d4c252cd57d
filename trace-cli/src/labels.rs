//! `trace qr`: labels for batches and vet-drug packages, with the payloads of docs/qr.md.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, bail};
use trace_core::Payload;
use trace_node::wire::{BatchKind, BatchState};

use crate::commands::Ctx;
use crate::qr::{self, Label, TermStyle};

/// Where the labels go.
#[derive(Debug)]
pub(crate) struct Outputs {
    pub(crate) png: Option<PathBuf>,
    pub(crate) svg: Option<PathBuf>,
    pub(crate) sheet: Option<PathBuf>,
    pub(crate) copies: usize,
    pub(crate) columns: usize,
    pub(crate) base: Option<String>,
    pub(crate) style: Option<String>,
}

/// The default public base URL: the node's when talking to one.
pub(crate) fn base_url(ctx: &Ctx, base: Option<String>) -> String {
    base.or_else(|| ctx.global.node.clone()).unwrap_or_else(|| "http://127.0.0.1:8080".to_owned())
}

/// The label for a batch or lot as the ledger knows it: its payload and the caption lines.
pub(crate) fn label_for(state: &BatchState, base: &str) -> Label {
    match &state.kind {
        BatchKind::Produce { product, gtin, lot, .. } => {
            let payload = match (gtin, lot) {
                (Some(g), Some(l)) => Payload::DigitalLink { gtin: g.clone(), lot: l.clone() },
                _ => Payload::Batch(state.id),
            };
            let mut lines = vec![state.id.to_string(), product.clone()];
            match (gtin, lot) {
                (Some(g), Some(l)) => lines.push(format!("GTIN {g} LOT {l}")),
                (None, Some(l)) => lines.push(format!("LOT {l}")),
                _ => {}
            }
            Label::new(payload.qr_content(base), lines)
        }
        BatchKind::Input { vet_drug_codes, name, lot, .. } => {
            // A drug lot's label carries one of its package codes, as the national system prints them.
            let payload = match vet_drug_codes.first() {
                Some(code) => Payload::VetDrug(code.clone()),
                None => Payload::Batch(state.id),
            };
            let first = match &payload {
                Payload::VetDrug(c) => c.to_string(),
                _ => state.id.to_string(),
            };
            Label::new(payload.qr_content(base), vec![first, name.clone(), format!("LOT {lot}")])
        }
    }
}

fn style(choice: Option<&str>) -> anyhow::Result<Option<TermStyle>> {
    Ok(match choice {
        None if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() => Some(TermStyle::Ansi),
        None => Some(TermStyle::DarkBackground),
        Some("ansi") => Some(TermStyle::Ansi),
        Some("dark") => Some(TermStyle::DarkBackground),
        Some("light") => Some(TermStyle::LightBackground),
        Some("none") => None,
        Some(other) => bail!("--style {other}: expected ansi, dark, light or none"),
    })
}

/// Resolves a target to a label: a payload that names a batch or lot is looked up on the ledger for its caption.
fn resolve(ctx: &mut Ctx, target: &str, base: &str) -> anyhow::Result<Label> {
    let payload = Payload::parse(target).with_context(|| format!("reading the label target '{target}'"))?;
    let backend = ctx.backend()?;
    let state = match &payload {
        Payload::Batch(id) => backend.batch_state(*id)?,
        Payload::DigitalLink { gtin, lot } => {
            let Some(ledger) = backend.ledger() else {
                // A node resolves Digital Links itself; its public summary names the batch.
                let id = backend.public_summary(&payload)?.batch;
                return Ok(label_for(&backend.batch_state(id)?, base));
            };
            let id =
                ledger.batch_by_gtin_lot(gtin, lot)?.with_context(|| format!("no batch has GTIN {gtin} lot {lot}"))?;
            backend.batch_state(id)?
        }
        Payload::VetDrug(code) => {
            let id = match backend.ledger() {
                Some(l) => l.lot_by_vet_drug_code(code)?.with_context(|| format!("no lot has vet-drug code {code}"))?,
                None => backend.public_summary(&payload)?.batch,
            };
            let state = backend.batch_state(id)?;
            let mut label = label_for(&state, base);
            // Print the code that was asked for, not the lot's first one.
            label.payload = payload.qr_content(base);
            label.lines[0] = code.to_string();
            return Ok(label);
        }
    };
    Ok(label_for(&state, base))
}

/// Runs `trace qr`.
pub(crate) fn run(ctx: &mut Ctx, targets: &[String], out: Outputs) -> anyhow::Result<()> {
    let base = base_url(ctx, out.base.clone());
    let style = style(out.style.as_deref())?;
    let mut labels = Vec::with_capacity(targets.len());
    for t in targets {
        labels.push(resolve(ctx, t, &base)?);
    }
    let first = &labels[0];
    if ctx.global.json {
        let v: Vec<serde_json::Value> =
            labels.iter().map(|l| serde_json::json!({ "payload": l.payload, "lines": l.lines })).collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else if let Some(style) = style {
        for l in &labels {
            print!("{}", qr::terminal_styled(&l.payload, style)?);
            for line in &l.lines {
                println!("  {line}");
            }
            println!("  {}", l.payload);
        }
    }
    if let Some(p) = &out.png {
        std::fs::write(p, qr::png(first)?).with_context(|| format!("writing {}", p.display()))?;
        eprintln!("wrote {}", p.display());
    }
    if let Some(p) = &out.svg {
        std::fs::write(p, qr::svg(first)?).with_context(|| format!("writing {}", p.display()))?;
        eprintln!("wrote {}", p.display());
    }
    if let Some(p) = &out.sheet {
        if out.copies == 0 {
            bail!("--copies must be at least 1");
        }
        let all: Vec<Label> = labels.iter().flat_map(|l| std::iter::repeat_n(l.clone(), out.copies)).collect();
        let svg = p.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg"));
        let bytes =
            if svg { qr::sheet_svg(&all, out.columns)?.into_bytes() } else { qr::sheet_png(&all, out.columns)? };
        std::fs::write(p, bytes).with_context(|| format!("writing {}", p.display()))?;
        eprintln!("wrote {} ({} labels)", p.display(), all.len());
    }
    Ok(())
}
