//! One command table, two backends. Every `trace` command that has a `--data` form runs against a local ledger
//! and against a real node on loopback serving a byte-for-byte copy of it, for a produce batch and for each kind
//! of input lot (feed, vet drug, pesticide). Exit codes must match the table, and `--json` output must be
//! identical on both sides once the fields the table names as backend-specific are removed. Every JSON answer
//! is parsed with a parser that refuses a repeated key.
//!
//! Events carry a fixed `--time`, and ed25519 signatures are deterministic, so both sides sign the same bytes
//! and get the same record ids, batch ids and entry indexes.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use trace_core::{Event, Origin, Time};
use trace_tests::{RunningNode, open_data_dir};

use crate::basics::trace;

/// A JSON value parsed by a deserializer that refuses an object with a repeated key (serde_json keeps the last).
#[derive(Debug)]
pub struct Strict(pub serde_json::Value);

impl<'de> serde::Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Strict, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Strict;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_bool<E>(self, b: bool) -> Result<Strict, E> {
                Ok(Strict(b.into()))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Strict, E> {
                Ok(Strict(n.into()))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Strict, E> {
                Ok(Strict(n.into()))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Strict, E> {
                Ok(Strict(n.into()))
            }
            fn visit_str<E>(self, s: &str) -> Result<Strict, E> {
                Ok(Strict(s.into()))
            }
            fn visit_unit<E>(self) -> Result<Strict, E> {
                Ok(Strict(serde_json::Value::Null))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Strict, A::Error> {
                let mut v = Vec::new();
                while let Some(Strict(x)) = a.next_element()? {
                    v.push(x);
                }
                Ok(Strict(v.into()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Strict, A::Error> {
                let mut m = serde_json::Map::new();
                while let Some(k) = a.next_key::<String>()? {
                    let Strict(v) = a.next_value()?;
                    if m.insert(k.clone(), v).is_some() {
                        return Err(de::Error::custom(format!("duplicate key '{k}'")));
                    }
                }
                Ok(Strict(m.into()))
            }
        }
        d.deserialize_any(V)
    }
}

/// Parses `text` as JSON, refusing repeated keys.
pub fn strict_json(text: &str) -> Result<serde_json::Value, serde_json::Error> {
    serde_json::from_str::<Strict>(text).map(|s| s.0)
}

#[test]
fn the_strict_parser_refuses_a_repeated_key_at_any_depth() {
    assert!(strict_json(r#"{"a":{"kind":"input","kind":"feed"}}"#).unwrap_err().to_string().contains("'kind'"));
    assert!(strict_json(r#"[{"a":1},{"a":1,"b":[{"c":1,"c":2}]}]"#).is_err());
    assert_eq!(strict_json(r#"{"a":[1,{"b":null}]}"#).unwrap()["a"][1]["b"], serde_json::Value::Null);
}

/// Removes every object member named in `fields`, at any depth.
fn strip(v: &mut serde_json::Value, fields: &[&str]) {
    match v {
        serde_json::Value::Object(m) => {
            for f in fields {
                m.remove(*f);
            }
            m.values_mut().for_each(|x| strip(x, fields));
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| strip(x, fields)),
        _ => {}
    }
}

/// One row of the table: a command line with `{name}` placeholders, the role whose key signs or reads, the exit
/// code both backends must give, what to call each batch it creates, and the fields that differ by backend.
struct Row {
    args: &'static str,
    key: &'static str,
    exit: i32,
    creates: &'static [&'static str],
    json: bool,
    /// Whether stdout is JSON to compare member by member (true for every `--json` row).
    parse: bool,
    backend_specific: &'static [&'static str],
    /// What to call the record a write creates (a hold, for the release that lifts it).
    record: Option<&'static str>,
}

const fn row(args: &'static str, key: &'static str, exit: i32) -> Row {
    Row { args, key, exit, creates: &[], json: true, parse: true, backend_specific: ACCEPTED, record: None }
}

/// `accepted` is the time each backend's ledger accepted a record (in a write's answer and in every history): the
/// one field the two sides answer differently.
const ACCEPTED: &[&str] = &["accepted"];

fn table() -> Vec<Row> {
    let mut t = vec![
        Row {
            creates: &["feed"],
            ..row(
                "register-input --kind feed --name '育肥猪配合饲料 Finishing feed' --approval 'SCXK(辽)2026-01' \
                 --lot F-2611 --substance 'corn' --quantity '2000 kg'",
                "supplier",
                0,
            )
        },
        Row {
            creates: &["drug"],
            ..row(
                "register-input --kind vet-drug --name '阿莫西林可溶性粉 Amoxicillin' --approval '兽药字(2021)060011234' \
                 --lot A-2611 --substance amoxicillin --withdrawal-days 28 --quantity '100 box' \
                 --code 202611010123400000000777",
                "supplier",
                0,
            )
        },
        Row {
            creates: &["pesticide"],
            ..row(
                "register-input --kind pesticide --name '吡虫啉 Imidacloprid' --approval 'PD20260001' --lot P-2611 \
                 --substance imidacloprid --withdrawal-days 7 --quantity '50 l'",
                "supplier",
                0,
            )
        },
        Row {
            creates: &["herd"],
            ..row(
                "register --product '生猪 Live pigs' --class livestock --commissioning herd --quantity '30 head' \
                 --place 'Hetao farm'",
                "coop",
                0,
            )
        },
        // Refusals of other classes than the food-safety rules, 403 and 400 on a node: the same exit code and
        // line on both backends (role-not-permitted, not-holder, malformed).
        row("hold {herd} --reason 'not a regulator'", "coop", 3),
        row("ship {feed} --quantity '1 kg' --to {processor_pub}", "coop", 3),
        row("ship {herd} --quantity '1 head' --to {coop_pub}", "coop", 3),
    ];
    for lot in ["feed", "drug", "pesticide"] {
        let lot: &'static str = lot;
        let cmd = |f: &str| -> &'static str {
            Box::leak(
                f.replace("HOLD", &format!("{{hold-{lot}}}")).replace("LOT", &format!("{{{lot}}}")).into_boxed_str(),
            )
        };
        let hold: &'static str = Box::leak(format!("hold-{lot}").into_boxed_str());
        t.extend([
            row(cmd("show LOT"), "regulator", 0),
            Row { ..row(cmd("inspect LOT --sample S-LOT --analyte clenbuterol --value 0 --limit 0 --unit µg/kg --verdict pass"), "lab", 0) },
            Row { record: Some(hold), ..row(cmd("hold LOT --reason 'sample under test'"), "regulator", 0) },
            row(cmd("ship LOT --quantity '1 kg' --to {coop_pub}"), "supplier", 3),
            Row { ..row(cmd("release LOT --lifts HOLD --reason 'retest negative'"), "regulator", 0) },
            row(cmd("forward LOT"), "regulator", 0),
            row(cmd("back LOT"), "regulator", 0),
            Row { json: false, parse: false, ..row(cmd("qr LOT --base https://trace.example --style none"), "regulator", 0) },
        ]);
    }
    t.extend([
        // Issue 15: a vet names the holding treated; a banned substance found is not released but ends with a
        // disposal a regulator countersigns (once).
        Row {
            creates: &["herd2"],
            ..row(
                "register --product '生猪 Pigs, shed 2' --class livestock --commissioning herd --quantity '10 head' \
                 --place 'Hetao farm'",
                "coop",
                0,
            )
        },
        // Issue 17: a vet treats only where the holder engaged it, and prescribes where it is engaged.
        row("apply {herd2} --input {drug} --dose '1 box' --holding {coop_pub}", "vet", 3),
        row("engage {herd2} --vet {vet_pub} --until 2099-12-31", "market", 3),
        row("engage {herd2} --vet {vet_pub} --until 2099-12-31", "coop", 0),
        row(
            "prescribe {herd2} --drug 'Amoxicillin' --approval '兽药字(2021)060011234' --dose '1 box' --until 2099-12-31",
            "coop",
            3,
        ),
        row(
            "prescribe {herd2} --drug 'Amoxicillin' --approval '兽药字(2021)060011234' --dose '1 box' --until 2099-12-31",
            "vet",
            0,
        ),
        row("apply {herd2} --input {drug} --dose '1 box' --holding {processor_pub}", "vet", 3),
        row("apply {herd2} --input {drug} --dose '1 box' --holding {coop_pub}", "vet", 0),
        Row {
            record: Some("finding"),
            ..row(
                "inspect {herd2} --sample S-H2 --analyte clenbuterol --value 2.3 --limit 0 --unit µg/kg --verdict fail",
                "lab",
                0,
            )
        },
        row("release {herd2} --lifts {finding} --reason 'paperwork'", "regulator", 3),
        row("inspect {herd2} --sample S-H2R --analyte clenbuterol --value 0 --limit 0 --unit µg/kg --verdict pass --kind rapid --retest-of {finding}", "regulator", 3),
        Row { record: Some("disposal"), ..row("dispose {herd2} --quantity '10 head' --method rendering", "coop", 0) },
        row("countersign {disposal} --note 'witnessed at the plant'", "coop", 3),
        row("countersign {disposal} --note 'witnessed at the plant'", "regulator", 0),
        row("countersign {disposal} --note 'again'", "regulator", 3),
        row("show {herd2}", "regulator", 0),
        // Issue 17: screenings hold pending a laboratory; milk follows its herd; a mistaken treatment is lifted by
        // its author's correction and a regulator's countersignature; the at-risk list.
        Row {
            creates: &["cows"],
            ..row(
                "register --product '荷斯坦奶牛 Dairy cows' --class livestock --commissioning herd --quantity '20 head' \
                 --place 'Hetao dairy'",
                "coop",
                0,
            )
        },
        row("engage {cows} --vet {vet_pub} --until 2099-12-31", "coop", 0),
        Row {
            creates: &["mastitis"],
            ..row(
                "register-input --kind vet-drug --name '土霉素注射液 Oxytetracycline' --approval '兽药字(2022)150010001' \
                 --lot OX-1 --substance oxytetracycline --withdrawal-days 28 --milk-hours 168 --quantity '50 box'",
                "supplier",
                0,
            )
        },
        row(
            "register-input --kind vet-drug --name 'Forever' --approval none --lot FV-1 --withdrawal-days 36500 \
             --quantity '1 box'",
            "supplier",
            3,
        ),
        Row {
            record: Some("screen"),
            ..row("inspect {cows} --kind rapid --sample KJ-1 --analyte 克伦特罗 --method '胶体金试纸' --verdict fail", "coop", 0)
        },
        row("inspect {cows} --kind rapid --sample KJ-2 --analyte 克伦特罗 --verdict fail", "market", 3),
        row("inspect {cows} --kind supervisory --sample KJ-3 --analyte 克伦特罗 --verdict fail", "coop", 3),
        row("ship {cows} --quantity '1 head' --to {processor_pub}", "coop", 3),
        row("at-risk {cows}", "regulator", 0),
        row(
            "inspect {cows} --sample KJ-1-R --analyte clenbuterol --value nd --unit µg/kg --method 'GB/T 22286' \
             --verdict fail --kind entrusted --retest-of {screen}",
            "lab",
            3,
        ),
        row(
            "inspect {cows} --sample KJ-1-R --analyte clenbuterol --value nd --unit µg/kg --method 'GB/T 22286' \
             --verdict pass --kind entrusted --retest-of {screen}",
            "lab",
            0,
        ),
        Row { record: Some("treated"), ..row("apply {cows} --input {mastitis} --dose '1 box'", "vet", 0) },
        Row { creates: &["milk"], ..row("produce {cows} --process milking --quantity '480 l'", "coop", 0) },
        row("ship {milk} --quantity '480 l' --to {processor_pub}", "coop", 3),
        row("release {milk} --lifts {treated} --reason 'paperwork'", "regulator", 3),
        row("dispose {milk} --quantity '480 l' --method '无害化处理'", "coop", 0),
        row(
            "register --product 'Raw milk' --class dairy --commissioning milk-collection --quantity '100 l'",
            "coop",
            3,
        ),
        row("produce {cows} --process laying --quantity '10 kg'", "coop", 3),
        Row {
            record: Some("correction"),
            ..row("correct {treated} --reason 'recorded on the wrong herd' --corrected 'given to herd 3'", "vet", 0)
        },
        row("countersign {correction} --note 'checked the vet book'", "regulator", 0),
        Row { creates: &["milk2"], ..row("produce {cows} --process milking --quantity '480 l'", "coop", 0) },
        row("ship {milk2} --quantity '480 l' --to {processor_pub}", "coop", 0),
        // Issue 18: a named buyer is an organisation with its credit code; a person's name is not written.
        row("sell {cows} --quantity '1 head' --buyer '溪湖区第二中学食堂'", "coop", 3),
        row("sell {cows} --quantity '1 head' --buyer '溪湖区第二中学食堂' --buyer-code 12210503MB123456", "coop", 3),
        row("sell {cows} --quantity '1 head' --buyer '溪湖区第二中学食堂' --buyer-code 12210503MB1234567C", "coop", 0),
        row("show {milk}", "regulator", 0),
        row("at-risk", "regulator", 0),
        // Issue 16: the registry, by the same command on both backends; a removal waits for a second regulator.
        row("ban zilpaterol 齐帕特罗 --reason '农业农村部公告 (illustrative)'", "regulator", 0),
        row("ban --unban aspirin --reason 'not an entry'", "regulator", 3),
        Row { record: Some("unban"), ..row("ban --unban 克伦特罗 --reason 'illustrative'", "regulator", 0) },
        row("countersign {unban} --note 'the same regulator'", "regulator", 3),
        row(
            "register-input --kind feed --name 'Premix Z' --approval none --lot Z-1 --substance 'zilpaterol HCl' \
             --quantity '10 kg'",
            "supplier",
            3,
        ),
        row(
            "register-input --kind feed --name 'Premix C' --approval none --lot C-1 --substance '盐酸克仑特罗' \
             --quantity '10 kg'",
            "supplier",
            3,
        ),
        Row { ..row("apply {herd} --input {feed} --dose '100 kg'", "coop", 0) },
        Row { ..row("recall {feed} --level 1 --reason 'clenbuterol 1250 µg/kg'", "regulator", 0) },
        Row { ..row("recall {drug} --level 1 --reason 'counterfeit approval'", "regulator", 0) },
        Row { ..row("recall {pesticide} --level 1 --reason 'banned in 2026'", "regulator", 0) },
        row("recall-impact {feed}", "regulator", 0),
        row("recall-impact {drug}", "regulator", 0),
        row("show {herd}", "regulator", 0),
        row("show {feed}", "regulator", 0),
        row("ship {herd} --quantity '10 head' --to {processor_pub}", "coop", 3),
        row("batches", "regulator", 0),
        row("actors", "regulator", 0),
        row("late-entries", "regulator", 0),
        Row {
            json: false,
            parse: false,
            ..row("qr 202611010123400000000777 --base https://trace.example --style none", "regulator", 0)
        },
        Row { json: false, parse: false, ..row("export --csv - --lot {herd}", "regulator", 0) },
        Row {
            json: false,
            backend_specific: &["accepted", "creationDate", "recordTime"],
            ..row("export --epcis - --lot {herd}", "regulator", 0)
        },
    ]);
    t
}

/// Splits a command line into words as a shell does, honouring single and double quotes (the table's and the
/// README's).
pub(crate) fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quote, mut any) = (None, false);
    for c in line.chars() {
        match c {
            '\'' | '"' if quote.is_none() => (quote, any) = (Some(c), true),
            c if quote == Some(c) => quote = None,
            c if c.is_whitespace() && quote.is_none() => {
                if any {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            c => (cur, any) = (cur + &c.to_string(), true),
        }
    }
    if any {
        out.push(cur);
    }
    out
}

fn fill(line: &str, names: &HashMap<String, String>) -> String {
    let mut s = line.to_owned();
    for (k, v) in names {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    assert!(!s.contains('{') || s.contains("\"{"), "unfilled placeholder in {s}");
    s
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

#[test]
fn every_command_answers_the_same_on_a_local_ledger_and_on_a_node() {
    let dir = tempfile::tempdir().unwrap();
    let (local, remote) = (dir.path().join("local"), dir.path().join("remote"));
    let origin: Origin = trace_core::demo::DEMO_ORIGIN.parse().unwrap();
    let (d, cast, _) = trace_core::demo::install(&local, origin, Time::now()).unwrap();
    let size = d.ledger.size();
    d.ledger.flush().unwrap();
    drop(d);
    // Opening and closing again waits until the dropped ledger's writer has let go of the store.
    drop(open_data_dir(&local).unwrap());
    copy_dir(&local, &remote);
    let r = open_data_dir(&remote).unwrap();
    assert_eq!(r.ledger.size(), size, "the copy holds the same log");
    let served = RunningNode::start(r).unwrap();
    let base = served.base();

    let mut names: HashMap<String, String> = HashMap::new();
    names.insert("coop_pub".into(), cast.coop.public().to_string());
    names.insert("processor_pub".into(), cast.processor.public().to_string());
    names.insert("vet_pub".into(), cast.vet.public().to_string());
    // One claimed time for every event on both sides: a minute ago, after every event of the demo story.
    let time = (Time::now().0 - 60_000).to_string();
    let local_s = local.to_str().unwrap().to_owned();
    let mut compared = BTreeMap::new();
    for row in table() {
        let line = fill(row.args, &names);
        let key = local.join("keys").join(format!("{}.key", row.key));
        let mut common = words(&line);
        common.extend(["--key".into(), key.to_str().unwrap().into(), "--time".into(), time.clone()]);
        if row.json {
            common.push("--json".into());
        }
        let mut outs = Vec::new();
        for backend in [["--data", local_s.as_str()], ["--node", base.as_str()]] {
            let mut args: Vec<&str> = common.iter().map(String::as_str).collect();
            args.extend(backend);
            let o = trace(&args);
            let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
            assert_eq!(o.status.code(), Some(row.exit), "trace {line} on {}: {stdout}{stderr}", backend[0]);
            let shown = if row.parse && row.exit == 0 {
                let mut v = strict_json(&stdout).unwrap_or_else(|e| panic!("trace {line} on {}: {e}", backend[0]));
                strip(&mut v, row.backend_specific);
                serde_json::to_string_pretty(&v).unwrap()
            } else if row.exit == 0 {
                stdout.to_string()
            } else if row.exit == 3 && row.json {
                // A refusal under --json: the node's error object on stdout, code, message and facts, the same
                // on both sides, and the same line on stderr.
                let v =
                    strict_json(&stdout).unwrap_or_else(|e| panic!("trace {line} on {}: {e}: {stdout}", backend[0]));
                assert!(v["error"]["facts"]["fact"].is_string(), "trace {line} on {}: facts in {v}", backend[0]);
                let said = stderr.lines().find(|l| l.contains("refused")).unwrap_or(&stderr).to_owned();
                format!("{}\n{said}", serde_json::to_string_pretty(&v).unwrap())
            } else {
                // A refusal: the same rule code on both sides (the message may name the backend's URL).
                stderr.lines().find(|l| l.contains("refused")).unwrap_or(&stderr).to_owned()
            };
            outs.push((shown, stdout.into_owned()));
        }
        assert_eq!(outs[0].0, outs[1].0, "trace {line}: the local ledger and the node answer differently");
        if let (0, Some(name)) = (row.exit, row.record) {
            let v = strict_json(&outs[0].1).unwrap();
            names.insert(
                name.to_owned(),
                v["id"].as_str().unwrap_or_else(|| panic!("trace {line}: no id in {v}")).to_owned(),
            );
        }
        if row.exit == 0 && !row.creates.is_empty() {
            let v = strict_json(&outs[0].1).unwrap();
            for (name, id) in row.creates.iter().zip(v["created"].as_array().unwrap()) {
                names.insert((*name).to_owned(), id.as_str().unwrap().to_owned());
            }
        }
        compared.insert(line, row.exit);
    }
    assert!(compared.len() >= 40, "the table ran {} commands", compared.len());

    // Every JSON answer of the API table (docs/api.md), read raw from the node, has no repeated key.
    let client = trace_cli::client::Client::new(&base, Some(cast.regulator.clone()));
    let record =
        strict_json(&client.get_text(&format!("/v1/batches/{}/history", names["feed"]), "application/json").unwrap())
            .unwrap()[0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let mut paths = vec![
        "/healthz".to_owned(),
        "/v1/batches".into(),
        "/v1/actors".into(),
        "/v1/late-entries?from=0&limit=100".into(),
        format!("/v1/records/{record}"),
        format!("/v1/export/epcis?lot={}", names["herd"]),
        "/v1/proof/inclusion?index=3".into(),
        "/v1/proof/consistency?old=3".into(),
        "/v1/entries?from=0&limit=10".into(),
        "/v1/at-risk".into(),
    ];
    for b in ["feed", "drug", "pesticide", "herd"] {
        let id = &names[b];
        for route in ["", "/history", "/back", "/forward", "/recall-impact", "/at-risk"] {
            paths.push(format!("/v1/batches/{id}{route}"));
        }
        paths.push(format!("/v1/public/batches/{id}"));
        paths.push(format!("/v1/public/batches/{id}/proofs"));
    }
    for path in &paths {
        let body = client.get_text(path, "application/json").unwrap_or_else(|e| panic!("GET {path}: {e:#}"));
        strict_json(&body).unwrap_or_else(|e| panic!("GET {path}: {e}"));
    }
}

/// Issue 18: a contact committed in the log and kept off it, read by a regulator with a reason that the access log
/// keeps, refused to anyone else, and erased without touching the log: on a local ledger and on a node. (Its own
/// test: the salt is random, so the two backends sign different records.)
#[test]
fn personal_values_are_kept_off_the_log_read_with_a_reason_and_erased() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ledger");
    let origin: Origin = trace_core::demo::DEMO_ORIGIN.parse().unwrap();
    let (d, _, _) = trace_core::demo::install(&data, origin, Time::now()).unwrap();
    d.ledger.flush().unwrap();
    drop(d);
    drop(open_data_dir(&data).unwrap());
    let key = |role: &str| data.join("keys").join(format!("{role}.key")).to_str().unwrap().to_owned();
    let data_s = data.to_str().unwrap().to_owned();
    let phone = "13800000000";
    let run = |backend: &[&str], n: u8| -> String {
        let who = trace_core::SecretKey::from_seed([0xa0 + n; 32]).public().to_string();
        let handle = format!("farmer-{n}");
        let mut args =
            vec!["--key", &*Box::leak(key("regulator").into_boxed_str()), "--json", "admit", "--actor", &who];
        args.extend(["--name", "王五家庭农场", "--handle", &handle, "--role", "coop", "--contact", phone]);
        args.extend(backend);
        let o = trace(&args);
        assert!(
            o.status.success(),
            "admit: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        let v = strict_json(&String::from_utf8_lossy(&o.stdout)).unwrap();
        v["id"].as_str().unwrap().to_owned()
    };
    let read = |backend: &[&str], role: &str, record: &str| {
        let k = key(role);
        let mut args =
            vec!["--key", &k, "--json", "personal", record, "--field", "contact", "--reason", "案件 XH-2026-17"];
        args.extend(backend);
        trace(&args)
    };
    // Local first; then the same on a node serving the directory.
    let local_record = run(&["--data", &data_s], 1);
    let o = read(&["--data", &data_s], "regulator", &local_record);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(strict_json(&String::from_utf8_lossy(&o.stdout)).unwrap()["value"], phone);
    assert!(!read(&["--data", &data_s], "coop", &local_record).status.success(), "a co-op reads no personal data");

    let served = RunningNode::start(open_data_dir(&data).unwrap()).unwrap();
    let base = served.base();
    let node_record = run(&["--node", &base], 2);
    let o = read(&["--node", &base], "regulator", &node_record);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = strict_json(&String::from_utf8_lossy(&o.stdout)).unwrap();
    assert_eq!(v["value"], phone);
    // The value and salt open the commitment in the log, which holds no phone number.
    let salt: [u8; 16] = hex::decode(v["salt"].as_str().unwrap()).unwrap().try_into().unwrap();
    let o = trace(&["--key", &key("regulator"), "--node", &base, "--json", "export", "--bundle", "-"]);
    let bundle = String::from_utf8(o.stdout).unwrap();
    // Not in any entry's bytes (the bundle carries each entry as base64 leaf data).
    let leaves: Vec<Vec<u8>> = bundle
        .lines()
        .filter_map(|l| strict_json(l).ok())
        .filter_map(|v| v["leaf_data"].as_str().and_then(trace_core::encoding::base64_decode))
        .collect();
    assert!(leaves.len() > 40, "the bundle's entries were read");
    assert!(!leaves.iter().any(|l| l.windows(phone.len()).any(|w| w == phone.as_bytes())), "an entry holds the phone");
    assert!(
        leaves.iter().any(|l| l.windows(9).any(|w| w == "王五家庭农场".as_bytes().get(..9).unwrap())),
        "the admissions are in it"
    );
    let o = read(&["--node", &base], "coop", &node_record);
    assert!(!o.status.success(), "a co-op reads no personal data on a node");
    let k = key("authority");
    let o = trace(&["--key", &k, "--node", &base, "--json", "personal", "--access-log"]);
    let log = strict_json(&String::from_utf8_lossy(&o.stdout)).unwrap();
    let reasons: Vec<(&str, &str)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["record"].as_str().unwrap(), e["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(reasons, vec![(local_record.as_str(), "案件 XH-2026-17"), (node_record.as_str(), "案件 XH-2026-17")]);
    let o = trace(&["--key", &key("regulator"), "--node", &base, "personal", "--access-log"]);
    assert!(!o.status.success(), "the access log is the authority's");
    drop(served);

    // Erased on request: the log, and so every proof and the audit bundle, are unchanged.
    let d = open_data_dir(&data).unwrap();
    let record: trace_core::RecordId = node_record.parse().unwrap();
    let entry = d.ledger.record(&record).unwrap().unwrap();
    let Event::ActorAdmitted(a) = &entry.record.body().event else { panic!("not an admission") };
    assert!(a.contact.unwrap().opens("contact", &salt, phone));
    assert!(d.vault().unwrap().erase(&record, "contact", "删除请求 No. 7", Time::now()).unwrap());
    drop(d);
    drop(open_data_dir(&data).unwrap());
    let o = read(&["--data", &data_s], "regulator", &node_record);
    let v = strict_json(&String::from_utf8_lossy(&o.stdout)).unwrap();
    assert_eq!((v["value"].is_null(), v["erased"].as_str().map(|s| s.contains("删除请求 No. 7"))), (true, Some(true)));
    let after = dir.path().join("after.ndjson");
    let o = trace(&["--data", &data_s, "export", "--bundle", after.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = trace(&["verify", after.to_str().unwrap()]);
    assert!(o.status.success(), "the bundle verifies after the erasure: {}", String::from_utf8_lossy(&o.stderr));
    let after = std::fs::read_to_string(&after).unwrap();
    let entries = |b: &str| b.lines().filter(|l| l.contains("\"leaf_data\"")).map(str::to_owned).collect::<Vec<_>>();
    assert!(entries(&bundle).len() > 40, "the bundle's entries were read");
    assert_eq!(entries(&after), entries(&bundle), "the erasure changed no entry");
}
