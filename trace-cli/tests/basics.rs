//! Keys, event commands, exit codes, JSON output, global flags anywhere.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use trace_core::{DataDir, SecretKey};

pub fn trace(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trace"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("TRACE_NODE")
        .env_remove("TRACE_DATA")
        .env_remove("TRACE_KEY")
        .output()
        .unwrap()
}

pub fn ok(args: &[&str]) -> String {
    let o = trace(args);
    assert!(
        o.status.success(),
        "trace {args:?} failed: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

pub struct Fixture {
    /// Held so the temporary directory lives as long as the fixture.
    pub _dir: tempfile::TempDir,
    pub data: PathBuf,
    pub coop_key: PathBuf,
    pub coop: String,
}

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("ledger");
        drop(DataDir::init(&data, "cli.test.example/ledger".parse().unwrap(), "authority").unwrap());
        let coop_key = dir.path().join("coop.key");
        let coop = ok(&["key", "new", "--out", coop_key.to_str().unwrap()]).trim().to_owned();
        let f = Fixture { _dir: dir, data, coop_key, coop };
        ok(&[
            "admit",
            "--data",
            f.d(),
            "--actor",
            &f.coop,
            "--name",
            "Hetao co-op",
            "--handle",
            "hetao-coop",
            "--role",
            "coop",
        ]);
        f
    }

    pub fn d(&self) -> &str {
        self.data.to_str().unwrap()
    }

    pub fn k(&self) -> &str {
        self.coop_key.to_str().unwrap()
    }
}

fn cli_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/cli")
}

/// Compares `actual` with the snapshot `name` under `tests/data/cli/`; `TRACE_BLESS=1` rewrites it.
pub fn snapshot(name: &str, actual: &str) {
    let path = cli_data().join(name);
    if std::env::var_os("TRACE_BLESS").is_some() {
        std::fs::create_dir_all(cli_data()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with TRACE_BLESS=1 to create it)", path.display()));
    assert_eq!(actual, expected, "{name} changed; if on purpose, rerun with TRACE_BLESS=1");
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn key_new_writes_a_0600_file_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.key");
    let public = ok(&["key", "new", "--out", p.to_str().unwrap()]);
    assert_eq!(public.trim().len(), 64);
    assert_eq!(mode(&p), 0o600);
    let again = trace(&["key", "new", "--out", p.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("a.key"));
    assert_eq!(ok(&["key", "show", p.to_str().unwrap()]), public);
    let k = SecretKey::from_file_text(&std::fs::read_to_string(&p).unwrap()).unwrap();
    assert_eq!(k.public().to_string(), public.trim());
}

#[test]
fn register_then_show_and_batches_as_json() {
    let f = Fixture::new();
    let out = ok(&[
        "--data",
        f.d(),
        "--key",
        f.k(),
        "register",
        "--product",
        "Live pigs",
        "--class",
        "livestock",
        "--commissioning",
        "herd",
        "--quantity",
        "40 head",
        "--place",
        "Hetao farm",
        "--time",
        "2026-11-01",
    ]);
    assert!(out.contains("recorded BatchRegistered"), "{out}");
    let rows: serde_json::Value = serde_json::from_str(&ok(&["batches", "--data", f.d(), "--json"])).unwrap();
    let id = rows[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(rows[0]["product"], "Live pigs");
    assert_eq!(rows[0]["status"], "active");
    assert_eq!(rows[0]["holder"], "Hetao co-op");
    let show: serde_json::Value = serde_json::from_str(&ok(&["show", &id, "--data", f.d(), "--json"])).unwrap();
    assert_eq!(show["state"]["id"], id);
    assert_eq!(show["history"][0]["kind"], "BatchRegistered");
    assert_eq!(show["summary"]["origins"][0]["farm"], "Hetao co-op");
    // The batch id is accepted in any case and without hyphens.
    let lower = id.replace('-', "").to_lowercase();
    assert!(ok(&["show", &lower, "--data", f.d()]).contains("Live pigs"));
}

#[test]
fn refusals_exit_3_with_the_rule_and_write_nothing() {
    let f = Fixture::new();
    ok(&["--data", f.d(), "--key", f.k(), "register", "--product", "Rice", "--class", "grain", "--quantity", "2 t"]);
    let rows: serde_json::Value = serde_json::from_str(&ok(&["batches", "--data", f.d(), "--json"])).unwrap();
    let id = rows[0]["id"].as_str().unwrap().to_owned();
    let before = ok(&["show", &id, "--data", f.d(), "--json"]);
    let o = trace(&["--data", f.d(), "--key", f.k(), "sell", &id, "--quantity", "3 t"]);
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("quantity-exceeded") && err.contains("only 2 t held"), "{err}");
    assert_eq!(ok(&["show", &id, "--data", f.d(), "--json"]), before);
}

#[test]
fn bad_input_is_a_clear_usage_error() {
    let f = Fixture::new();
    let o = trace(&[
        "--data",
        f.d(),
        "--key",
        f.k(),
        "register",
        "--product",
        "x",
        "--class",
        "plastic",
        "--quantity",
        "1 kg",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("expected one of: livestock"));
    let o = trace(&["show", "ABCD-EFGH-JKMNP", "--data", f.d()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("check symbol"));
    let o = trace(&["batches"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--node URL or --data DIR"));
}

#[test]
fn completions_are_printed() {
    let out = ok(&["completions", "bash"]);
    assert!(out.contains("recall-impact"));
}

#[test]
fn trace_qr_writes_a_png_that_decodes_to_exactly_the_payload() {
    let f = Fixture::new();
    ok(&[
        "--data",
        f.d(),
        "--key",
        f.k(),
        "register",
        "--product",
        "Pork",
        "--class",
        "meat",
        "--quantity",
        "10 kg",
        "--gtin",
        "06901234567892",
        "--lot",
        "P/1",
        "--time",
        "2026-11-01",
    ]);
    ok(&["--data", f.d(), "--key", f.k(), "register", "--product", "Rice", "--class", "grain", "--quantity", "1 t"]);
    let rows: serde_json::Value = serde_json::from_str(&ok(&["batches", "--data", f.d(), "--json"])).unwrap();
    for row in rows.as_array().unwrap() {
        let id = row["id"].as_str().unwrap();
        let png = f.data.parent().unwrap().join(format!("{id}.png"));
        let svg = f.data.parent().unwrap().join(format!("{id}.svg"));
        let out = ok(&[
            "qr",
            id,
            "--png",
            png.to_str().unwrap(),
            "--svg",
            svg.to_str().unwrap(),
            "--data",
            f.d(),
            "--base",
            "https://xihu.example",
            "--style",
            "dark",
        ]);
        let (decoded, _, _) = crate::qr::decode_png(&std::fs::read(&png).unwrap());
        let want = if row["product"] == "Pork" {
            "https://xihu.example/01/06901234567892/10/P%2F1".to_owned()
        } else {
            format!("https://xihu.example/b/{}", id.replace('-', ""))
        };
        assert_eq!(decoded[0].0, want);
        assert!(out.contains(&want), "the terminal shows the payload too");
        assert!(std::fs::read_to_string(&svg).unwrap().contains(id));
    }
}

#[test]
fn demo_runs_the_whole_story_and_leaves_a_ledger_others_can_use() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let out: serde_json::Value =
        serde_json::from_str(&ok(&["demo", "--data", data.to_str().unwrap(), "--json"])).unwrap();
    let steps = out["steps"].as_array().unwrap();
    assert!(steps.len() > 40);
    for s in steps {
        let expected = s["expected"].as_str().unwrap();
        if expected == "accepted" {
            assert!(s["index"].is_u64(), "{s}");
        } else {
            assert_eq!(format!("refused:{}", s["refusal"]["code"].as_str().unwrap()), expected, "{s}");
            assert!(s["refusal"]["facts"]["fact"].is_string(), "a refused step shows its facts: {s}");
        }
    }
    let refusals: Vec<&str> = steps.iter().filter_map(|s| s["refusal"]["code"].as_str()).collect();
    // (The story's pesticide refusal is a crop restriction, under banned-substance: at its dates every
    // high-toxicity pesticide is banned outright; the scenario tests show high-toxicity-pesticide.)
    for rule in ["withdrawal-period", "banned-substance", "batch-blocked", "quantity-exceeded"] {
        assert!(refusals.contains(&rule), "the story shows a {rule} refusal");
    }
    let holders: Vec<&str> =
        out["recall_impact"]["holders"].as_array().unwrap().iter().map(|h| h["name"].as_str().unwrap()).collect();
    assert!(holders.iter().any(|h| h.contains("Stall 12")), "the recall reaches the stall: {holders:?}");
    assert!(data.join("labels/pork-loin.png").exists());
    assert!(data.join("keys/market.key").exists());
    let rows: serde_json::Value =
        serde_json::from_str(&ok(&["batches", "--data", data.to_str().unwrap(), "--json"])).unwrap();
    assert!(rows.as_array().unwrap().iter().any(|r| r["status"] == "recalled"));
    let again = trace(&["demo", "--data", data.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1), "a second run refuses to overwrite the ledger");
}

#[test]
fn export_csv_and_epcis_for_a_lot() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let d = data.to_str().unwrap();
    ok(&["demo", "--data", d, "--json"]);
    let rows: serde_json::Value = serde_json::from_str(&ok(&["batches", "--data", d, "--json"])).unwrap();
    let herd = rows.as_array().unwrap().iter().find(|r| r["product"].as_str().unwrap().contains("shed 2")).unwrap();
    let id = herd["id"].as_str().unwrap();
    let csv = ok(&["export", "--csv", "-", "--lot", id, "--data", d]);
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().starts_with("Traceability Lot Code,"));
    let ctes: Vec<&str> = lines.collect();
    assert!(ctes.iter().any(|l| l.contains("Input Applied")), "{csv}");
    assert!(ctes.iter().all(|l| l.contains(',')));
    let epcis_path = dir.path().join("herd.jsonld");
    ok(&["export", "--epcis", epcis_path.to_str().unwrap(), "--lot", id, "--data", d]);
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&epcis_path).unwrap()).unwrap();
    assert_eq!(doc["type"], "EPCISDocument");
    assert!(doc["epcisBody"]["eventList"].as_array().unwrap().len() >= 3);
    let o = trace(&["export", "--csv", "x.csv", "--data", d]);
    assert_eq!(o.status.code(), Some(2), "--csv needs --lot");
    // An unknown lot is an error locally, as it is a 404 on a node, not an empty document.
    let unknown = dir.path().join("unknown.jsonld");
    let o = trace(&["export", "--epcis", unknown.to_str().unwrap(), "--lot", "0000-0000-00000", "--data", d]);
    assert!(!o.status.success(), "an unknown lot exports nothing");
    assert!(String::from_utf8_lossy(&o.stderr).contains("batch 0000-0000-00000"), "{o:?}");
    assert!(!unknown.exists());
}

#[test]
fn late_entries_lists_backdated_records_only() {
    let f = Fixture::new();
    ok(&["--data", f.d(), "--key", f.k(), "register", "--product", "Rice", "--class", "grain", "--quantity", "1 t"]);
    assert_eq!(ok(&["late-entries", "--data", f.d()]).trim(), "no late entries");
    ok(&[
        "--data",
        f.d(),
        "--key",
        f.k(),
        "register",
        "--product",
        "Old rice",
        "--class",
        "grain",
        "--quantity",
        "1 t",
        "--time",
        "2026-01-05",
    ]);
    let late: serde_json::Value = serde_json::from_str(&ok(&["late-entries", "--data", f.d(), "--json"])).unwrap();
    let late = late.as_array().unwrap();
    assert_eq!(late.len(), 1);
    assert_eq!(late[0]["event"]["product"], "Old rice");
}

/// The story clock stamps each step when the story says, so a story that would not be over by now is refused
/// before anything is written (a later start left the ledger's accepted times in the future).
#[test]
fn a_demo_that_would_end_in_the_future_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let o = trace(&["demo", "--data", data.to_str().unwrap(), "--start", "2031-01-01", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--start 2031-01-01 00:00 is too late") && err.contains("or earlier"), "{err}");
    assert!(!data.exists(), "a refused demo wrote {}", data.display());
}
