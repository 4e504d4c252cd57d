//! Human-readable printing of batch views and recall impacts (the JSON shapes of `trace-node::wire`).

use serde_json::Value;

use crate::output;

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn date(v: &Value) -> String {
    v.as_u64().map(|ms| trace_core::Time(ms).display_local()).unwrap_or_default()
}

/// Prints `trace show` for people.
pub(crate) fn print_batch(v: &Value) {
    let sm = &v["summary"];
    let status = s(&v["status"]);
    let status_shown = match status.as_str() {
        "recalled" => output::bad("RECALLED"),
        "on_hold" => output::warn("ON HOLD"),
        other => output::good(other),
    };
    println!("{}  {}  [{status_shown}]", output::bold(&s(&sm["batch"])), s(&sm["product"]));
    println!(
        "  {} · made by {} at {} on {}",
        s(&sm["class"]),
        s(&sm["made_by"]),
        s(&sm["place"]),
        date(&sm["made_at"])
    );
    for w in sm["warnings"].as_array().into_iter().flatten() {
        println!("  {} {} on {}: {}", output::bad("⚠"), s(&w["kind"]), s(&w["source_label"]), s(&w["reason"]));
    }
    for h in sm["holders"].as_array().into_iter().flatten() {
        println!("  held by {}: {}", s(&h["name"]), s(&h["quantity"]));
    }
    let section = |title: &str, items: &Value, f: &dyn Fn(&Value) -> String| {
        if let Some(a) = items.as_array().filter(|a| !a.is_empty()) {
            println!("{}", output::bold(title));
            for i in a {
                println!("  {}", f(i));
            }
        }
    };
    section("origin", &sm["origins"], &|o| {
        format!(
            "{} ({}) — {} at {}, {}",
            s(&o["farm"]),
            s(&o["registration"]),
            s(&o["product"]),
            s(&o["place"]),
            date(&o["time"])
        )
    });
    section("inputs", &sm["inputs"], &|i| {
        let w = if i["withdrawal_days"].as_u64().unwrap_or(0) == 0 {
            "no withdrawal period".to_owned()
        } else if i["withdrawal_over"].as_bool().unwrap_or(false) {
            format!("withdrawal {} days, ended {}", s(&i["withdrawal_days"]), date(&i["withdrawal_ends"]))
        } else {
            output::warn(&format!(
                "withdrawal {} days, until {}",
                s(&i["withdrawal_days"]),
                date(&i["withdrawal_ends"])
            ))
        };
        format!(
            "{} ({}) {} by {} on {} — {w}",
            s(&i["name"]),
            s(&i["kind"]),
            s(&i["dose"]),
            s(&i["by"]),
            date(&i["applied"])
        )
    });
    section("inspections", &sm["inspections"], &|i| {
        let verdict = if s(&i["verdict"]) == "fail" { output::bad("FAIL") } else { output::good("pass") };
        format!(
            "{verdict} {} (sample {}) by {} on {}",
            s(&i["analyte"]),
            s(&i["sample"]),
            s(&i["lab"]),
            date(&i["time"])
        )
    });
    section("certificates", &sm["certificates"], &|c| {
        format!(
            "{} {} by {}, valid {} to {}",
            s(&c["kind"]),
            s(&c["number"]),
            s(&c["issuer"]),
            date(&c["valid_from"]),
            date(&c["valid_until"])
        )
    });
    section("custody", &sm["custody"], &|c| {
        let to = if c["counterparty"].is_null() { String::new() } else { format!("→ {}", s(&c["counterparty"])) };
        let parts = [
            format!("#{}", s(&c["index"])),
            date(&c["time"]),
            s(&c["kind"]),
            s(&c["actor"]),
            to,
            s(&c["quantity"]),
            s(&c["detail"]),
        ];
        parts.iter().filter(|p| !p.is_empty()).cloned().collect::<Vec<_>>().join(" ")
    });
    section("history", &v["history"], &|e| {
        format!("#{} {} {} by {}", s(&e["index"]), date(&e["time"]), s(&e["kind"]), s(&e["author_name"]))
    });
}

/// Prints `trace recall-impact` for people.
pub(crate) fn print_recall_impact(v: &Value) {
    let src = &v["source"];
    println!("{} {}", output::bold("recall impact of"), s(&src["id"]));
    let reached = v["reached"].as_array().map(|a| a.len()).unwrap_or(0);
    println!("  reaches {reached} batches");
    for r in v["reached"].as_array().into_iter().flatten() {
        let b = &r["batch"];
        let product = b["kind"]["product"].as_str().or(b["kind"]["name"].as_str()).unwrap_or("");
        println!("  {}{}  {}", "  ".repeat(r["depth"].as_u64().unwrap_or(1) as usize - 1), s(&b["id"]), product);
    }
    println!("{}", output::bold("held by"));
    for h in v["holders"].as_array().into_iter().flatten() {
        let batches: Vec<String> = h["batches"].as_array().into_iter().flatten().map(s).collect();
        println!("  {} ({}): {}", s(&h["name"]), &s(&h["holder"])[..8.min(s(&h["holder"]).len())], batches.join(", "));
    }
}
