//! The README's "Using it" block, pasted line by line into a shell in an empty directory: every `trace` line runs
//! the built binary; the two `trace-node` lines run what that binary runs (`DataDir::init`, and the node served on
//! loopback by the helpers every suite shares, at the address the block's later lines then use). The example batch
//! id is replaced by the batch the block's `register` line creates.

use std::process::Command;

use trace_core::{DataDir, Origin};
use trace_tests::{RunningNode, open_data_dir};

use crate::backends::words;

/// The block's commands, continuation lines joined and trailing comments dropped.
fn using_it() -> Vec<String> {
    let readme = include_str!("../../README.md");
    let after = readme.split("## Using it").nth(1).expect("a 'Using it' section");
    let block = after.split("```sh").nth(1).and_then(|b| b.split("```").next()).expect("a sh block");
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for line in block.lines() {
        let line = line.trim_end().trim_end_matches('&').trim_end();
        let line = match line.find("  #") {
            Some(i) => &line[..i],
            None => line,
        };
        let line = line.trim();
        if let Some(part) = line.strip_suffix('\\') {
            cur.push_str(part.trim_end());
            cur.push(' ');
            continue;
        }
        cur.push_str(line);
        if !cur.trim().is_empty() {
            out.push(std::mem::take(&mut cur).trim().to_owned());
        }
        cur.clear();
    }
    out
}

fn value_after<'a>(w: &'a [String], flag: &str) -> &'a str {
    w.iter().position(|x| x == flag).and_then(|i| w.get(i + 1)).map(String::as_str).expect(flag)
}

#[test]
fn the_readmes_using_it_block_works_when_pasted() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[String]| {
        let o = Command::new(env!("CARGO_BIN_EXE_trace")).args(args).current_dir(dir.path()).output().unwrap();
        let (out, err) = (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr));
        assert!(o.status.success(), "trace {args:?}: {out}{err}");
        out
    };
    let lines = using_it();
    assert!(lines.len() >= 6, "{lines:?}");
    let (mut node, mut base, mut batch): (Option<RunningNode>, String, Option<String>) = (None, String::new(), None);
    for line in lines {
        let mut w = words(&line);
        match w[0].as_str() {
            "trace-node" if w[1] == "init" => {
                let origin: Origin = value_after(&w, "--origin").parse().unwrap();
                DataDir::init(&dir.path().join(value_after(&w, "--data")), origin, "authority").unwrap();
            }
            "trace-node" if w[1] == "serve" => {
                let served =
                    RunningNode::start(open_data_dir(&dir.path().join(value_after(&w, "--data"))).unwrap()).unwrap();
                base = served.base();
                node = Some(served);
            }
            "trace" => {
                // `$(trace key show coop.key)`: the shell's substitution, by the same binary.
                if let Some(i) = w.iter().position(|x| x.starts_with("$(trace")) {
                    let inner = line[line.find("$(").unwrap() + 2..line.find(')').unwrap()].to_owned();
                    let key = run(&words(&inner)[1..]).trim().to_owned();
                    let end = w[i..].iter().position(|x| x.ends_with(')')).map_or(i, |n| i + n);
                    w.splice(i..=end, [key]);
                }
                for x in &mut w {
                    if x.contains("http://127.0.0.1:8080") {
                        *x = x.replace("http://127.0.0.1:8080", &base);
                    }
                    if x == "7K3M-Q9TA-C2XVR" {
                        *x = batch.clone().expect("a batch registered before it is shown");
                    }
                }
                let out = run(&w[1..]);
                if let Some(b) = out.lines().find_map(|l| l.trim().strip_prefix("new batch ")) {
                    batch = Some(b.trim().to_owned());
                }
            }
            other => panic!("the block runs {other}, which this test does not know"),
        }
    }
    assert!(node.is_some() && batch.is_some(), "the block serves a node and registers a batch");
    assert!(dir.path().join("label.png").exists() && dir.path().join("label.svg").exists());
}
