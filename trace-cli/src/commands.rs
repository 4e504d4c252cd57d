//! What each command does.

use std::io::Write;

use anyhow::{Context, anyhow, bail};
use trace_core::*;

use crate::backend::Backend;
use crate::cli::{Cli, Command, Global, KeyCommand};
use crate::client::{Client, NodeError};
use crate::output;
use trace_node::wire::{ErrorBody, ErrorResponse};

/// Exit code: a ledger rule refused the record.
pub const EXIT_REFUSED: i32 = 3;
/// Exit code: a verification failed.
pub const EXIT_VERIFY: i32 = 4;

/// A verification failure, which exits with [`EXIT_VERIFY`].
#[derive(Debug)]
pub struct VerifyFailed(pub String);

impl std::fmt::Display for VerifyFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for VerifyFailed {}

/// The exit code for an error: [`EXIT_REFUSED`] exactly when a ledger rule refused (see [`refusal`]).
pub fn exit_code(e: &anyhow::Error) -> i32 {
    if e.downcast_ref::<VerifyFailed>().is_some() {
        return EXIT_VERIFY;
    }
    if e.downcast_ref::<crate::scan::Blocked>().is_some() {
        return crate::scan::EXIT_BLOCKED;
    }
    if refusal(e).is_some() {
        return EXIT_REFUSED;
    }
    1
}

/// A refusal as the CLI reports it: the rule, core's English, and the facts as JSON (the node's answer carries
/// them as JSON, so that is the form both backends share).
#[derive(Debug, Clone, PartialEq)]
pub struct Refused {
    /// The rule.
    pub rule: Rule,
    /// Core's English rendering of the facts.
    pub message: String,
    /// The facts (`docs/api.md`), when the refusal has them.
    pub facts: Option<serde_json::Value>,
}

impl Refused {
    /// The error object `--json` prints, the one the node answers: `{"error": {code, message, facts}}`.
    pub fn answer(&self) -> ErrorResponse {
        ErrorResponse {
            error: ErrorBody {
                code: self.rule.code().to_owned(),
                message: self.message.clone(),
                facts: self.facts.clone(),
            },
        }
    }
}

/// A core error's facts as the node answers them.
pub(crate) fn facts_json(e: &Error) -> Option<serde_json::Value> {
    // Facts are plain data; serialising them cannot fail, and a refusal without them still has its code.
    e.facts().and_then(|f| serde_json::to_value(f).ok())
}

/// The ledger rule that refused, with its message and facts, when `e` is a refusal. Read from core's typed
/// errors, never from an HTTP status: with `--data` from the core [`Error`] itself, with `--node` from the
/// answer's code read back into the rule through core's table ([`Rule::from_code`]); any other code
/// (`forbidden`, `not-found`, `invalid-value`, ...) is not a refusal.
pub fn refusal(e: &anyhow::Error) -> Option<Refused> {
    e.chain().find_map(|c| {
        if let Some(core) = c.downcast_ref::<Error>() {
            return core.rule().map(|rule| Refused { rule, message: core.message(), facts: facts_json(core) });
        }
        let n = c.downcast_ref::<NodeError>()?;
        Rule::from_code(&n.code).map(|rule| Refused { rule, message: n.message.clone(), facts: n.facts.clone() })
    })
}

/// What `--json` prints on stdout when a command fails: a refusal's error object, as the node answers it.
/// Other errors print nothing there (their line goes to stderr, as without `--json`).
pub fn error_json(e: &anyhow::Error) -> Option<String> {
    refusal(e).and_then(|r| serde_json::to_string_pretty(&r.answer()).ok())
}

/// Where commands run and with which key.
pub struct Ctx {
    /// Global flags.
    pub global: Global,
    backend: Option<Backend>,
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx").field("global", &self.global).finish()
    }
}

impl Ctx {
    /// A context for these flags; the backend opens on first use.
    pub fn new(global: Global) -> Ctx {
        Ctx { global, backend: None }
    }

    /// The signing key: `--key`, or with `--data` the ledger's authority key.
    pub fn key(&self) -> anyhow::Result<SecretKey> {
        if let Some(p) = &self.global.key {
            return read_key_file(p).with_context(|| format!("reading the key {}", p.display()));
        }
        if let Some(d) = &self.global.data {
            let p = DataDir::authority_key_path(d);
            if p.exists() {
                return read_key_file(&p).with_context(|| format!("reading the authority key {}", p.display()));
            }
        }
        bail!("no signing key: pass --key FILE (or set TRACE_KEY); make one with `trace key new --out FILE`")
    }

    /// The signing key's file: `--key`, or with `--data` the ledger's authority key file when it exists.
    fn key_path(&self) -> Option<std::path::PathBuf> {
        if let Some(p) = &self.global.key {
            return Some(p.clone());
        }
        let p = DataDir::authority_key_path(self.global.data.as_ref()?);
        p.exists().then_some(p)
    }

    /// The outbox of the signing key (see [`crate::outbox`]).
    pub(crate) fn outbox(&self) -> anyhow::Result<crate::outbox::Outbox> {
        let p = self.key_path().ok_or_else(|| anyhow!("the outbox is kept beside the signing key: pass --key FILE"))?;
        Ok(crate::outbox::Outbox::for_key(&p))
    }

    /// The backend: `--node` or `--data`.
    pub fn backend(&mut self) -> anyhow::Result<&Backend> {
        if self.backend.is_none() {
            let b = match (&self.global.node, &self.global.data) {
                (Some(url), _) => Backend::Remote(Box::new(Client::new(url, self.key().ok()))),
                (None, Some(dir)) => Backend::Local(Box::new(
                    DataDir::open(dir).with_context(|| format!("opening the ledger in {}", dir.display()))?,
                )),
                (None, None) => bail!("no ledger: pass --node URL or --data DIR (or set TRACE_NODE / TRACE_DATA)"),
            };
            self.backend = Some(b);
        }
        match &self.backend {
            Some(b) => Ok(b),
            None => unreachable!("set just above"),
        }
    }

    fn event_time(&self) -> anyhow::Result<Time> {
        match &self.global.time {
            Some(t) => Time::parse_human(t).context("reading --time"),
            None => Ok(Time::now()),
        }
    }

    /// Signs `event` naming the current heads of the batches it acts on, submits it, and prints the outcome.
    /// To a node it goes through the signing key's outbox, so a retry after a lost answer is safe.
    pub fn record(&mut self, event: Event) -> anyhow::Result<()> {
        self.record_with(event, Vec::new())
    }

    /// Records `event` and then deposits the personal values its commitments open (field, salt, value) off the
    /// log: on the node, or in a local ledger's personal store.
    pub fn record_with(&mut self, event: Event, personal: Vec<(&'static str, [u8; 16], String)>) -> anyhow::Result<()> {
        let key = self.key()?;
        let time = self.event_time()?;
        let outbox = self.key_path().map(|p| crate::outbox::Outbox::for_key(&p));
        let backend = self.backend()?;
        let origin = backend.origin().context("before sending anything, reading the ledger's origin")?;
        let parents = match &event {
            Event::Correction(c) => vec![c.target],
            e => {
                let mut p = Vec::new();
                for b in e.acted_on() {
                    p.push(backend.head(b)?);
                }
                p
            }
        };
        let kind = event.kind();
        let record = sign_event(&key, &origin, time, parents, event);
        let (ok, sent) = match (backend, &outbox) {
            (Backend::Remote(c), Some(outbox)) => crate::outbox::submit(c, outbox, record)?,
            _ => (backend.submit(record.clone())?, record),
        };
        if self.global.json {
            println!("{}", serde_json::to_string_pretty(&ok)?);
        } else if ok.duplicate {
            // A duplicate answer creates nothing: name the batches the record created when it was first written.
            println!("{} already recorded {kind} as entry {} (record {})", output::good("✓"), ok.index, ok.id);
            for b in crate::outbox::created_by(&sent) {
                println!("  batch {}", output::bold(&b.to_string()));
            }
        } else {
            println!("{} recorded {kind} as entry {} (record {})", output::good("✓"), ok.index, ok.id);
            for b in &ok.created {
                println!("  new batch {}", output::bold(&b.to_string()));
            }
        }
        for (field, salt, value) in personal {
            self.backend()?.deposit_personal(ok.id, field, &salt, &value).with_context(|| {
                format!("the record is in the log, but its {field} was not kept off the log; a regulator holds the commitment")
            })?;
            if !self.global.json {
                println!("  {field} kept off the log (personal data: regulators read it with a reason)");
            }
        }
        Ok(())
    }
}

fn milli_of(s: &Option<String>, what: &str) -> anyhow::Result<Option<u64>> {
    match s {
        None => Ok(None),
        Some(v) => {
            let q: Quantity = format!("{v} g").parse().with_context(|| format!("reading --{what} {v}"))?;
            Ok(Some(q.milli))
        }
    }
}

/// A certificate reference: a record id (64 hex digits), or `KIND:NUMBER:ISSUER` for one issued elsewhere.
fn parse_cert_ref(s: &str) -> anyhow::Result<CertRef> {
    if let Ok(id) = s.parse::<RecordId>() {
        return Ok(CertRef::OnLedger(id));
    }
    let mut parts = s.splitn(3, ':');
    let (Some(kind), Some(number), Some(issuer)) = (parts.next(), parts.next(), parts.next()) else {
        anyhow::bail!("--checked '{s}': expected a certificate record id or KIND:NUMBER:ISSUER");
    };
    let kind: CertKind = kind.parse().with_context(|| format!("--checked '{s}'"))?;
    if number.trim().is_empty() {
        anyhow::bail!("--checked '{s}': the certificate number is empty");
    }
    Ok(CertRef::External(ExternalCert { kind, number: number.into(), issuer: issuer.into(), valid_until: None }))
}

fn parse_input(s: &str) -> anyhow::Result<TransformInput> {
    let (b, q) = s
        .split_once('=')
        .ok_or_else(|| anyhow!("--input {s}: expected BATCH=QUANTITY, like 7K3M-Q9TA-C2XVR=20head"))?;
    Ok(TransformInput {
        batch: b.trim().parse().with_context(|| format!("--input {s}"))?,
        quantity: q.trim().parse().with_context(|| format!("--input {s}"))?,
    })
}

fn parse_output(s: &str) -> anyhow::Result<TransformOutput> {
    let (mut product, mut class, mut quantity, mut gtin, mut lot) = (None, None, None, None, None);
    for part in s.split(';') {
        let (k, v) = part.split_once('=').ok_or_else(|| anyhow!("--output {s}: '{part}' is not key=value"))?;
        let v = v.trim();
        match k.trim() {
            "product" => product = Some(v.to_owned()),
            "class" => class = Some(v.parse::<ProductClass>()?),
            "quantity" => quantity = Some(v.parse::<Quantity>()?),
            "gtin" => gtin = Some(v.parse::<Gtin>()?),
            "lot" => lot = Some(v.parse::<Lot>()?),
            other => bail!("--output {s}: unknown key '{other}' (product, class, quantity, gtin, lot)"),
        }
    }
    Ok(TransformOutput {
        product: product.ok_or_else(|| anyhow!("--output {s}: product= is required"))?,
        class: class.ok_or_else(|| anyhow!("--output {s}: class= is required"))?,
        quantity: quantity.ok_or_else(|| anyhow!("--output {s}: quantity= is required"))?,
        gtin,
        lot,
    })
}

fn print_json(v: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let mut ctx = Ctx::new(cli.global);
    match cli.command {
        Command::Key(KeyCommand::New { out }) => {
            let k = SecretKey::generate().context("generating a key")?;
            write_key_file(&out, &k).with_context(|| format!("writing {}", out.display()))?;
            if ctx.global.json {
                print_json(&serde_json::json!({ "public_key": k.public(), "file": out }))?;
            } else {
                println!("{}", k.public());
                eprintln!("wrote {} (keep it secret; mode 0600)", out.display());
            }
            Ok(())
        }
        Command::Key(KeyCommand::Show { file }) => {
            let k = read_key_file(&file).with_context(|| format!("reading {}", file.display()))?;
            println!("{}", k.public());
            Ok(())
        }
        Command::Admit { actor, name, handle, roles, registration, location, contact } => {
            let salt = Personal::random_salt();
            let committed = contact.as_ref().map(|c| Personal::commit("contact", &salt, c));
            let personal = contact.map(|c| vec![("contact", salt, c)]).unwrap_or_default();
            ctx.record_with(
                Event::ActorAdmitted(ActorAdmitted {
                    actor,
                    name,
                    handle,
                    roles,
                    departments: Vec::new(),
                    registration,
                    location,
                    licences: Vec::new(),
                    contact: committed,
                }),
                personal,
            )
        }
        Command::Revoke { actor, reason } => ctx.record(Event::ActorRevoked(ActorRevoked { actor, reason })),
        Command::RotateKey { new_key } => ctx.record(Event::KeyRotated(KeyRotated { new_key })),
        Command::Register { product, class, commissioning, quantity, gtin, lot, place } => {
            ctx.record(Event::BatchRegistered(BatchRegistered {
                product,
                class,
                commissioning,
                quantity,
                gtin,
                lot,
                place,
                identifiers: Vec::new(),
            }))
        }
        Command::RegisterInput {
            kind,
            name,
            approval,
            manufacturer,
            lot,
            substances,
            withdrawal_days,
            prescription_only,
            milk_hours,
            egg_days,
            quantity,
            codes,
            expires,
        } => {
            let expires = expires.map(|e| Time::parse_human(&e)).transpose().context("reading --expires")?;
            ctx.record(Event::InputLotRegistered(InputLotRegistered {
                kind,
                name,
                approval_number: approval,
                manufacturer,
                lot,
                active_substances: substances,
                periods: Periods { meat_days: withdrawal_days, milk_hours, egg_days },
                prescription_only,
                quantity,
                vet_drug_codes: codes,
                expires,
                made_from: Vec::new(),
            }))
        }
        Command::Apply { batch, input, dose, prescription, code, note, holding } => {
            ctx.record(Event::InputApplied(InputApplied {
                batch,
                input,
                dose,
                prescription,
                vet_drug_code: code,
                note,
                holding: holding.map(Party::Member),
            }))
        }
        Command::Inspect { batch, sample, analyte, value, limit, unit, method, verdict, kind, retest_of } => {
            let not_detected =
                value.as_deref().is_some_and(|v| matches!(v.trim(), "nd" | "ND" | "未检出" | "not-detected"));
            let value_milli = if not_detected { None } else { milli_of(&value, "value")? };
            let limit_milli = milli_of(&limit, "limit")?;
            // No value is a qualitative result: the verdict itself.
            let result = match value_milli {
                _ if not_detected => Measurement::NotDetected,
                Some(v) => Measurement::Value(v),
                None => Measurement::Qualitative(verdict),
            };
            ctx.record(Event::Inspected(Inspected {
                batch,
                sample,
                analyte,
                kind,
                result,
                limit_milli,
                unit,
                method,
                verdict,
                retest_of,
            }))
        }
        Command::Certify { batch, kind, number, valid_from, valid_until, promises } => {
            let valid_from = match valid_from {
                Some(t) => Time::parse_human(&t).context("reading --valid-from")?,
                None => ctx.event_time()?,
            };
            let valid_until = Time::parse_human(&valid_until).context("reading --valid-until")?;
            let issuer = Party::Member(ctx.key()?.public());
            ctx.record(Event::Certified(Certified {
                batches: vec![batch],
                kind,
                number,
                issuer,
                valid_from,
                valid_until,
                promises,
            }))
        }
        Command::Ship { batch, quantity, to, from_place, to_place, document, carrier } => {
            ctx.record(Event::Shipped(Shipped {
                batch,
                quantity,
                to: Party::Member(to),
                from_place,
                to_place,
                document,
                carrier,
                certificates: Vec::new(),
            }))
        }
        Command::Receive { batch, shipment, refuse, checked, note } => {
            let checked = checked.iter().map(|c| parse_cert_ref(c)).collect::<anyhow::Result<Vec<_>>>()?;
            ctx.record(Event::Received(Received { batch, shipment, accepted: !refuse, checked, note }))
        }
        Command::Transform { process, inputs, outputs, place } => {
            let inputs = inputs.iter().map(|s| parse_input(s)).collect::<anyhow::Result<Vec<_>>>()?;
            let outputs = outputs.iter().map(|s| parse_output(s)).collect::<anyhow::Result<Vec<_>>>()?;
            ctx.record(Event::Transformed(Transformed { process, inputs, outputs, place, certificates: Vec::new() }))
        }
        Command::Sell { batch, quantity, buyer_person: Some(person), .. } => {
            // A person buying (实名购买): named by a commitment only, the value kept off the log.
            let salt = Personal::random_salt();
            let party = OutsideParty {
                name: String::new(),
                credit_code: None,
                certificates: Vec::new(),
                person: Some(Personal::commit("person", &salt, &person)),
            };
            let sold = Sold { batch, quantity, buyer: Some(Party::Outside(party)) };
            ctx.record_with(Event::Sold(sold), vec![("person", salt, person)])
        }
        Command::Personal { access_log: true, .. } => {
            let key = ctx.key().ok();
            let log = ctx.backend()?.access_log(key)?;
            if ctx.global.json {
                return print_json(&log);
            }
            if log.is_empty() {
                println!("no personal value has been read");
            }
            for e in &log {
                println!("{} {} read {} of {}: {}", e.time.display_local(), e.reader_name, e.field, e.record, e.reason);
            }
            Ok(())
        }
        Command::Personal { record, field, reason, .. } => {
            let (Some(record), Some(reason)) = (record, reason) else { bail!("name the record and give --reason") };
            let key = ctx.key()?;
            let v = ctx.backend()?.read_personal(record, &field, &reason, &key)?;
            if ctx.global.json {
                return print_json(&v);
            }
            match (&v.value, &v.erased) {
                (Some(value), _) => println!("{field} of {record}: {value}  (read logged: {reason})"),
                (None, Some(when)) => println!("{field} of {record} was erased {when}"),
                (None, None) => println!("{field} of {record}: nothing kept"),
            }
            Ok(())
        }
        Command::Sell { batch, quantity, buyer, buyer_code, .. } => {
            // No buyer, or "retail", is a sale to shoppers; a named buyer is an organisation outside the ledger (a
            // canteen), named with its credit code, which the ledger checks.
            let buyer = match buyer.trim() {
                "" | "retail" => None,
                name => Some(Party::Outside(OutsideParty {
                    name: name.to_owned(),
                    credit_code: buyer_code,
                    certificates: Vec::new(),
                    person: None,
                })),
            };
            ctx.record(Event::Sold(Sold { batch, quantity, buyer }))
        }
        Command::Hold { batch, reason } => ctx.record(Event::Held(Held { batch, reason })),
        Command::Release { batch, lifts, reason } => ctx.record(Event::Released(Released { batch, lifts, reason })),
        Command::Recall { batch, reason, level, deadline } => {
            let deadline = deadline.map(|d| Time::parse_human(&d)).transpose().context("reading --deadline")?;
            ctx.record(Event::Recalled(Recalled { batch, reason, level, deadline, drill: false }))
        }
        Command::Dispose { batch, quantity, method } => {
            ctx.record(Event::Disposed(Disposed { batch, quantity, method }))
        }
        Command::Correct { record, reason, corrected } => {
            ctx.record(Event::Correction(Correction { target: record, reason, corrected }))
        }
        Command::Engage { batches, vet, until } => {
            let until = until_time(&until)?;
            ctx.record(Event::Engaged(Engaged { vet, batches, until }))
        }
        Command::Prescribe { batches, drug, approval, dose, until, note } => {
            let valid_until = until_time(&until)?;
            ctx.record(Event::Prescribed(Prescribed {
                batches,
                drug,
                approval_number: approval,
                dose,
                valid_until,
                note,
            }))
        }
        Command::Countersign { record, note } => {
            ctx.record(Event::Countersigned(Countersigned { target: record, note }))
        }
        Command::Ban { substances, remove, reason } => ctx.record(Event::RegistryAdopted(RegistryAdopted {
            adds: substances,
            removes: remove,
            ..trace_core::rules::shipped_registry_adoption(&reason)
        })),
        Command::Show { batch } => {
            let json = ctx.global.json;
            let v = ctx.backend()?.batch_view(batch)?;
            if json {
                print_json(&v)
            } else {
                crate::show::print_batch(&v);
                Ok(())
            }
        }
        Command::Batches => {
            let json = ctx.global.json;
            let rows = ctx.backend()?.batches()?;
            if json {
                return print_json(&rows);
            }
            for r in rows {
                let kind = if r.input_lot { "lot" } else { "batch" };
                println!("{}  {:<9} {:<5} {}  {}", r.id, r.status.as_str(), kind, r.product, r.holder);
            }
            Ok(())
        }
        Command::Actors => {
            let json = ctx.global.json;
            let actors = ctx.backend()?.actors()?;
            if json {
                return print_json(&actors);
            }
            for a in actors {
                let roles: Vec<&str> = a.roles.iter().map(|r| r.as_str()).collect();
                let state = if a.active { "" } else { " (revoked)" };
                println!("{}  {}  {}{state}  [{}]", a.key, a.handle, a.name, roles.join(", "));
            }
            Ok(())
        }
        Command::Back { batch } => lineage(&mut ctx, batch, Direction::Back),
        Command::Forward { batch } => lineage(&mut ctx, batch, Direction::Forward),
        Command::LateEntries { from, limit } => {
            let json = ctx.global.json;
            let entries = ctx.backend()?.late_entries(from, limit)?;
            if json {
                return print_json(&entries);
            }
            if entries.is_empty() {
                println!("no late entries");
            }
            for e in entries {
                let late_days = e.accepted.saturating_sub(e.time) / 86_400_000;
                println!(
                    "#{} {} by {}: claimed {}, accepted {} ({late_days} days later)",
                    e.index,
                    e.kind,
                    e.author_name,
                    Time(e.time).display_local(),
                    Time(e.accepted).display_local()
                );
            }
            Ok(())
        }
        Command::Produce { source, process, product, quantity, gtin, lot } => {
            let (default, class) = match process {
                Production::Milking => ("生鲜乳 Raw milk", ProductClass::Dairy),
                Production::Laying => ("鲜鸡蛋 Eggs", ProductClass::Egg),
            };
            let product = product.unwrap_or_else(|| default.to_owned());
            let output = TransformOutput { product, class, quantity, gtin, lot };
            ctx.record(Event::Produced(Produced { source, process, output }))
        }
        Command::AtRisk { batch } => {
            let json = ctx.global.json;
            let lists = ctx.backend()?.at_risk(batch)?;
            if json {
                return print_json(&lists);
            }
            crate::show::print_at_risk(&lists);
            Ok(())
        }
        Command::RecallImpact { batch } => {
            let json = ctx.global.json;
            let v = ctx.backend()?.recall_impact(batch)?;
            if json {
                return print_json(&v);
            }
            crate::show::print_recall_impact(&v);
            Ok(())
        }
        Command::Export { bundle, csv, epcis, lot, from, to } => {
            if bundle.is_none() && csv.is_none() && epcis.is_none() {
                bail!("say what to export: --bundle FILE, --csv FILE --lot BATCH, or --epcis FILE --lot BATCH");
            }
            if let (Some(lot), Some(path)) = (lot, &csv) {
                let from = from.as_deref().map(Time::parse_human).transpose().context("reading --from")?;
                let to = to.as_deref().map(Time::parse_human).transpose().context("reading --to")?;
                let text = match ctx.backend()? {
                    Backend::Local(d) => trace_core::fsma::export_csv(
                        &d.ledger,
                        lot,
                        from.unwrap_or(Time(0)),
                        to.unwrap_or(Time(u64::MAX)),
                    )?,
                    Backend::Remote(c) => {
                        let mut q = format!("/v1/export/fsma.csv?lot={}", lot.compact());
                        if let Some(f) = from {
                            q.push_str(&format!("&from={}", f.0));
                        }
                        if let Some(t) = to {
                            q.push_str(&format!("&to={}", t.0));
                        }
                        c.get_text(&q, "text/csv")?
                    }
                };
                write_out(path, text.as_bytes())?;
            }
            if let (Some(lot), Some(path)) = (lot, &epcis) {
                let doc = match ctx.backend()? {
                    Backend::Local(d) => {
                        let entries = d.ledger.lineage_entries(lot)?;
                        let base = trace_node::exports::resolver_base(&d.ledger);
                        trace_core::epcis::document(&d.ledger, &entries, &base, Time::now())?
                    }
                    Backend::Remote(c) => c.get(&format!("/v1/export/epcis?lot={}", lot.compact()))?,
                };
                write_out(path, (serde_json::to_string_pretty(&doc)? + "\n").as_bytes())?;
            }
            match bundle {
                Some(b) => crate::verify::export(&mut ctx, Some(b)),
                None => Ok(()),
            }
        }
        Command::Verify { file, log_key } => crate::verify::verify(ctx.global.json, &file, log_key),
        Command::Audit { state, log_key } => crate::verify::audit(&mut ctx, &state, log_key),
        Command::Witness { state, name, log_key } => crate::verify::witness(&mut ctx, &state, name, log_key),
        Command::Scan { payload, log_key } => crate::scan::scan(&mut ctx, &payload, log_key),
        Command::Qr { targets, png, svg, sheet, copies, columns, base, style } => crate::labels::run(
            &mut ctx,
            &targets,
            crate::labels::Outputs { png, svg, sheet, copies, columns, base, style },
        ),
        Command::Demo { serve, base, origin, seed, start } => {
            let start = start.as_deref().map(Time::parse_human).transpose().context("reading --start")?;
            crate::demo::run(&ctx.global, crate::demo::Options { serve, base, origin, seed, start })
        }
        Command::Outbox { clear } => crate::outbox::run(&ctx.outbox()?, clear, ctx.global.json),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "trace", &mut std::io::stdout());
            Ok(())
        }
    }
}

/// Writes an export to a file, or to standard output for `-`.
fn write_out(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    if path.as_os_str() == "-" {
        std::io::stdout().write_all(bytes)?;
        return Ok(());
    }
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

fn lineage(ctx: &mut Ctx, batch: BatchId, direction: Direction) -> anyhow::Result<()> {
    let json = ctx.global.json;
    let r = ctx.backend()?.lineage(batch, direction)?;
    if json {
        return print_json(&r);
    }
    let arrow = if direction == Direction::Back { "←" } else { "→" };
    println!("{} {batch}", output::bold(&format!("{} of", r.direction)));
    if r.reached.is_empty() {
        println!("  (nothing)");
    }
    for row in r.reached {
        let status = match row.status {
            Status::Recalled => output::bad("recalled"),
            Status::OnHold => output::warn("on hold"),
            s => s.as_str().to_owned(),
        };
        let indent = "  ".repeat(row.depth as usize);
        let holders =
            if row.holders.is_empty() { String::new() } else { format!("  held by {}", row.holders.join("; ")) };
        println!("{indent}{arrow} {} [{status}]{holders}", row.label);
    }
    Ok(())
}

/// The one-line message printed before exiting: a refusal names its rule's code the same way on both backends.
pub fn describe(e: &anyhow::Error) -> String {
    if let Some(r) = refusal(e) {
        return format!("{} refused ({}): {}", output::bad("✗"), r.rule.code(), r.message);
    }
    format!("trace: {e:#}")
}

/// An `--until` time: a date alone means the end of that day (China Standard Time), so "until 2026-12-20"
/// includes the 20th.
fn until_time(s: &str) -> anyhow::Result<Time> {
    let t = Time::parse_human(s).context("reading --until")?;
    let date_only = s.len() == 10 && s.as_bytes().get(4) == Some(&b'-');
    Ok(if date_only { Time(t.plus_days(1).0 - 1) } else { t })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_until_date_means_the_end_of_that_day() {
        assert_eq!(until_time("2026-12-20").unwrap().display_local(), "2026-12-20 23:59");
        assert_eq!(until_time("2026-12-20T08:00").unwrap().display_local(), "2026-12-20 08:00");
        assert!(until_time("20 December").is_err());
    }

    fn node(code: &str) -> anyhow::Error {
        node_with(code, "m", None)
    }

    fn node_with(code: &str, message: &str, facts: Option<serde_json::Value>) -> anyhow::Error {
        // The status is deliberately useless: the exit code must not depend on it.
        anyhow!(NodeError { status: 0, code: code.into(), message: message.into(), facts })
    }

    #[test]
    fn every_rule_exits_refused_on_both_backends_and_nothing_else_does() {
        let examples = Facts::examples();
        for &rule in Rule::ALL {
            let facts = examples.iter().find(|f| f.rule() == rule).unwrap().clone();
            let core = Error::Refused(Refusal::new(facts.clone()));
            let remote = node_with(rule.code(), &core.message(), Some(serde_json::to_value(&facts).unwrap()));
            let local = anyhow::Error::from(core).context("recording");
            assert_eq!(exit_code(&local), EXIT_REFUSED, "{rule} with --data");
            assert_eq!(exit_code(&node(rule.code())), EXIT_REFUSED, "{rule} with --node");
            assert_eq!(describe(&local), describe(&remote), "{rule}: the same line either way");
            assert_eq!(error_json(&local), error_json(&remote), "{rule}: the same --json error either way");
            let printed: serde_json::Value = serde_json::from_str(&error_json(&local).unwrap()).unwrap();
            assert_eq!(printed["error"]["code"], rule.code());
            assert_eq!(printed["error"]["facts"]["fact"], serde_json::to_value(&facts).unwrap()["fact"]);
        }
        assert_eq!(error_json(&Error::NotFound("batch X".into()).into()), None, "only refusals print an object");
        for code in ["forbidden", "not-found", "invalid-value", "internal", "unauthenticated", "too-many-requests"] {
            assert_eq!(exit_code(&node(code)), 1, "{code}");
        }
        assert_eq!(exit_code(&Error::NotFound("batch X".into()).into()), 1);
        assert_eq!(exit_code(&Error::Storage("disk".into()).into()), 1);
        // Bytes that do not decode are refused under `malformed` by the node, so locally too.
        assert_eq!(exit_code(&Error::Decode(DecodeError::NonCanonical).into()), EXIT_REFUSED);
    }
}
