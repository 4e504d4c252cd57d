//! `trace-bench --json` on tiny ledgers: the summary has every key the scripts read, and every figure is a
//! finite positive number. No time is asserted: the machine may be as slow or as loaded as it likes.

use std::process::Command;

use serde_json::Value;
use trace_tests::bench::FIGURE_KEYS;

fn positive(v: &Value, what: &str) {
    let x = v.as_f64().unwrap_or_else(|| panic!("{what} is not a number: {v}"));
    assert!(x.is_finite() && x > 0.0, "{what} is {x}");
}

#[test]
fn trace_bench_json_summary_has_every_figure_finite_and_positive() {
    let out = Command::new(env!("CARGO_BIN_EXE_trace-bench"))
        .args(["--quick", "--json", "--sizes", "400,900", "--seconds", "0.2"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "trace-bench failed: {stderr}");
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();

    assert_eq!(summary["tool"], "trace-bench");
    assert_eq!(summary["mode"], "quick");
    assert!(summary["date"].as_str().unwrap().ends_with('Z'));
    positive(&summary["machine"]["cores"], "machine.cores");
    assert!(!summary["machine"]["cpu_model"].as_str().unwrap().is_empty());

    let sizes = summary["sizes"].as_array().unwrap();
    assert_eq!(sizes.len(), 2);
    for key in FIGURE_KEYS {
        positive(&summary[key], key);
    }
    for (i, size) in sizes.iter().enumerate() {
        let figures = size.as_object().unwrap();
        assert!(figures.len() >= FIGURE_KEYS.len());
        for (k, v) in figures {
            positive(v, &format!("sizes[{i}].{k}"));
        }
    }
    for (i, size) in sizes.iter().enumerate() {
        // First scans (scan-cache misses) are reported beside the steady-state lookups.
        for k in ["lookup_first_per_s", "lookup_first_p50_ms", "lookup_first_p99_ms", "lookup_p99_ms"] {
            positive(&size[k], &format!("sizes[{i}].{k}"));
        }
        // The writer thread's CPU per appended record, read from /proc (nanoseconds), where there is one.
        if cfg!(target_os = "linux") {
            positive(&size["append_writer_cpu_us_per_record"], &format!("sizes[{i}].append_writer_cpu_us_per_record"));
        }
    }
    // The top level is the largest size's figures.
    assert_eq!(summary["records"], sizes[1]["records"]);
    assert!(sizes[0]["records"].as_u64() < sizes[1]["records"].as_u64());
    for (k, v) in summary["scaling"].as_object().unwrap() {
        positive(v, &format!("scaling.{k}"));
    }
    for (k, t) in summary["targets"].as_object().unwrap() {
        assert!(t["met"].is_boolean(), "targets.{k}.met is {}", t["met"]);
    }
}
