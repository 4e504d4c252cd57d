//! `trace scan`: what a market stall's scanner does with a label. The payload is read with
//! [`Payload::parse`], which drops any host printed on the label, and resolved on the node given by `--node`
//! only (docs/qr.md). The batch's public summary comes with a proof file for every record it rests on; each is
//! verified offline (record signature, inclusion proof, checkpoint signature under the pinned log key) before
//! the status is printed, loudly, with exit code [`EXIT_BLOCKED`] when the batch is on hold or recalled.

use anyhow::{Context, anyhow};
use trace_core::{
    Payload, RecordId, SignedCheckpoint, Status, Trust, VerifierKey, verify_proof_file, verify_withheld_proof,
};
use trace_node::wire::{BatchProofs, Summary};

use crate::client::Client;
use crate::commands::{Ctx, VerifyFailed};
use crate::output;

/// Exit code of `trace scan` when the batch, or an ancestor or input, is on hold or recalled.
pub(crate) const EXIT_BLOCKED: i32 = 5;

/// The scanned batch is on hold or recalled: exits with [`EXIT_BLOCKED`].
#[derive(Debug)]
pub(crate) struct Blocked(pub(crate) String);

impl std::fmt::Display for Blocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Blocked {}

fn failed(what: String) -> anyhow::Error {
    VerifyFailed(format!("{} {what}", output::bad("✗ label does not verify:"))).into()
}

/// `trace scan PAYLOAD_OR_URL --node URL [--log-key VKEY]`.
pub(crate) fn scan(ctx: &mut Ctx, input: &str, log_key: Option<VerifierKey>) -> anyhow::Result<()> {
    let json = ctx.global.json;
    let payload = Payload::parse(input).with_context(|| format!("reading the label {input:?}"))?;
    let url = ctx.global.node.clone().ok_or_else(|| {
        anyhow!(
            "trace scan resolves labels on a node you trust: pass --node URL (the host printed on a label is never contacted)"
        )
    })?;
    let client = Client::new(&url, None);
    let summary: Summary = client.get(&payload.path()).with_context(|| format!("resolving {}", payload.path()))?;
    let batch = summary.batch;
    let proofs: BatchProofs = client.get(&format!("/v1/public/batches/{}/proofs", batch.compact()))?;

    let pinned = log_key.is_some();
    let key = match log_key {
        Some(k) => k,
        None => {
            let k: VerifierKey =
                client.get_text("/v1/log-key", "text/plain")?.trim().parse().context("reading the node's log key")?;
            if !json {
                eprintln!(
                    "{} log key not pinned: using the one the node sent ({k}). Pass --log-key to check whose log this is.",
                    output::warn("⚠")
                );
            }
            k
        }
    };
    let checkpoint =
        SignedCheckpoint::open(proofs.checkpoint.as_bytes(), &key).map_err(|e| failed(format!("checkpoint: {e}")))?;
    let size = checkpoint.checkpoint().size();
    let trust = Trust::pinned(key.clone());
    let mut proven: Vec<(u64, RecordId)> = Vec::with_capacity(proofs.proofs.len());
    // Records with restricted fields come as withheld proofs: their entries are proven in the log, their content
    // is for the parties and regulators (docs/privacy.md).
    let mut withheld: Vec<u64> = Vec::new();
    for p in &proofs.proofs {
        if p["type"] == "withheld-inclusion-proof" {
            let v = verify_withheld_proof(p.to_string().as_bytes(), &trust)
                .map_err(|e| failed(format!("the withheld proof of entry {}: {e}", p["index"])))?;
            if v.checkpoint != *checkpoint.checkpoint() {
                return Err(failed(format!("entry {} is proven against another checkpoint", v.index)));
            }
            withheld.push(v.index);
            continue;
        }
        let v = verify_proof_file(p.to_string().as_bytes(), &trust)
            .map_err(|e| failed(format!("the proof of entry {}: {e}", p["entry"]["index"])))?;
        if v.checkpoint != *checkpoint.checkpoint() {
            return Err(failed(format!("entry {} is proven against another checkpoint", v.entry.index)));
        }
        proven.push((v.entry.index, v.entry.record.id()));
    }
    if let Some((i, id)) = summary.records.iter().find(|r| !proven.contains(r) && !withheld.contains(&r.0)) {
        return Err(failed(format!("record {id} (entry {i}) of the summary comes with no proof")));
    }
    let status = summary.status;
    let blocked = matches!(status, Status::OnHold | Status::Recalled);

    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "batch": batch,
                "status": status,
                "verified_records": proven.len(),
                "withheld_records": withheld.len(),
                "tree_size": size,
                "log_key": key.to_string(),
                "log_key_pinned": pinned,
                "summary": summary,
            }))?
        );
    } else {
        if blocked {
            let banner = match status {
                Status::Recalled => "⚠⚠⚠  RECALLED — DO NOT SELL OR EAT  已召回 请勿销售或食用  ⚠⚠⚠",
                _ => "⚠⚠⚠  ON HOLD — DO NOT SELL  暂停销售  ⚠⚠⚠",
            };
            println!("{}", output::bad(banner));
        }
        crate::show::print_summary(&summary, status, &[]);
        println!(
            "{} {} records verified: signatures and inclusion in {} at size {}, signed by {}",
            output::good("✓"),
            proven.len(),
            checkpoint.checkpoint().origin(),
            size,
            key
        );
        if !withheld.is_empty() {
            println!(
                "{} {} more entries proven in the log; their records carry restricted fields (shipping documents, \
                 notes, named buyers) and are shown to the parties and regulators only",
                output::good("✓"),
                withheld.len()
            );
        }
        if blocked {
            println!("{}", output::bad(&format!("⚠ {batch} is {}: take it off sale", status.as_str())));
        }
    }
    if blocked {
        return Err(Blocked(format!("{batch} is {}", status.as_str())).into());
    }
    Ok(())
}
