//! Layering rules checked by reading the sources, as Tessera's `storage/storage_test.go` does: trace-core names
//! sled only in its storage adapter, builds key ranges only in the storage and schema modules, does no network
//! I/O, and knows nothing of HTTP, HTML or terminals (`docs/ARCHITECTURE.md`, "Invariants"). Each failure names
//! the file and line. The scanner is tested on bad snippets below, so a rule that can no longer fail is noticed.

use std::path::{Path, PathBuf};

/// One rule: code matching `pattern` may appear only in the files `allowed_in` (paths under the crate root).
struct Layering {
    /// What the code would be doing, for the message.
    what: &'static str,
    pattern: Pattern,
    allowed_in: &'static [&'static str],
}

#[derive(Clone, Copy)]
enum Pattern {
    /// A path into a crate or module (`sled::`, `std::net`): matched where it starts an identifier, and as
    /// `use NAME` / `extern crate NAME`.
    Path(&'static str),
    /// A bare identifier (`TcpStream`): matched as a whole word.
    Word(&'static str),
    /// Text as it is (`prefix_range(`).
    Text(&'static str),
}

/// Crates of the network, HTTP, HTML and terminal worlds: none of them belongs in trace-core.
const FOREIGN_CRATES: &[&str] = &[
    "reqwest",
    "hyper",
    "ureq",
    "isahc",
    "surf",
    "curl",
    "axum",
    "http",
    "tower",
    "tower_http",
    "tokio",
    "async_std",
    "mio",
    "socket2",
    "maud",
    "askama",
    "tera",
    "handlebars",
    "crossterm",
    "termion",
    "termcolor",
    "owo_colors",
    "colored",
    "console",
    "indicatif",
    "ratatui",
    "is_terminal",
];

fn rules() -> Vec<Layering> {
    let mut rules = vec![
        Layering {
            what: "names sled outside the storage adapter (src/sled_store.rs)",
            pattern: Pattern::Path("sled"),
            allowed_in: &["src/sled_store.rs"],
        },
        Layering {
            what: "builds a key range outside the storage and schema modules (use schema.rs's keys and prefixes)",
            pattern: Pattern::Text("prefix_range("),
            allowed_in: &["src/store.rs", "src/schema.rs"],
        },
        Layering { what: "does network I/O", pattern: Pattern::Path("std::net"), allowed_in: &[] },
        Layering { what: "does network I/O", pattern: Pattern::Path("core::net"), allowed_in: &[] },
        Layering { what: "knows about terminals", pattern: Pattern::Word("IsTerminal"), allowed_in: &[] },
        Layering { what: "knows about terminals", pattern: Pattern::Word("is_terminal"), allowed_in: &[] },
    ];
    for word in ["TcpStream", "TcpListener", "UdpSocket", "ToSocketAddrs"] {
        rules.push(Layering { what: "does network I/O", pattern: Pattern::Word(word), allowed_in: &[] });
    }
    for name in FOREIGN_CRATES {
        rules.push(Layering {
            what: "uses a network, HTTP, HTML or terminal crate",
            pattern: Pattern::Path(name),
            allowed_in: &[],
        });
    }
    rules
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Whether `code` holds `word` with no identifier character either side, and `then` right after it. A path
/// (`then` is `::`) must also start there, not be a module inside another path (`my_crate::http::`).
fn has_word(code: &str, word: &str, then: &str) -> bool {
    code.match_indices(word).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let rest = &code[at + word.len()..];
        before.is_none_or(|c| !is_ident(c) && (then.is_empty() || c != ':'))
            && rest.starts_with(then)
            && (!then.is_empty() || rest.chars().next().is_none_or(|c| !is_ident(c)))
    })
}

fn matches(pattern: Pattern, code: &str) -> bool {
    match pattern {
        Pattern::Path(path) => {
            has_word(code, path, "::")
                || code.split(|c: char| !is_ident(c) && c != ':').collect::<Vec<_>>().windows(2).any(|w| {
                    (w[0] == "use" || w[0] == "crate") && (w[1] == path || w[1].starts_with(&format!("{path}::")))
                })
        }
        Pattern::Word(word) => has_word(code, word, ""),
        Pattern::Text(text) => code.contains(text),
    }
}

/// The code of a line without its comment. Naive about `//` inside string literals, which only makes the
/// scan see less of such a line.
fn code_of(line: &str) -> &str {
    line.split("//").next().unwrap_or("")
}

/// Every broken rule in one source file, as `file:line: what: the line`.
fn scan(file: &str, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = code_of(line);
        for rule in rules() {
            if !rule.allowed_in.contains(&file) && matches(rule.pattern, code) {
                out.push(format!("trace-core/{file}:{}: {}: {}", n + 1, rule.what, line.trim()));
            }
        }
    }
    out
}

/// Dependencies of a Cargo manifest that are foreign crates, as `file:line: ...`.
fn scan_manifest(file: &str, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_deps = false;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('[') {
            // Dev-dependencies are test code's, not the library's.
            in_deps = line == "[dependencies]" || line == "[build-dependencies]";
            continue;
        }
        if !in_deps || line.is_empty() || line.starts_with('#') {
            continue;
        }
        let name = line.split(['=', '.', ' ']).next().unwrap_or("").trim().trim_matches('"').replace('-', "_");
        if FOREIGN_CRATES.contains(&name.as_str()) {
            out.push(format!(
                "trace-core/{file}:{}: depends on a network, HTTP, HTML or terminal crate: {line}",
                n + 1
            ));
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn trace_core_keeps_its_layering_rules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    assert!(files.len() > 20, "found only {} source files under {}", files.len(), root.display());
    let mut broken = Vec::new();
    let mut adapter_names_sled = false;
    for path in &files {
        let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(path).unwrap();
        if rel == "src/sled_store.rs" {
            adapter_names_sled = text.lines().any(|l| matches(Pattern::Path("sled"), code_of(l)));
        }
        broken.extend(scan(&rel, &text));
    }
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    broken.extend(scan_manifest("Cargo.toml", &manifest));
    assert!(broken.is_empty(), "layering rules broken (docs/ARCHITECTURE.md, Invariants):\n{}", broken.join("\n"));
    // The sled rule is only worth something while the adapter is where the rule says.
    assert!(adapter_names_sled, "src/sled_store.rs no longer names sled: move the rule to the adapter's new home");
}

#[test]
fn the_scanner_names_file_and_line_of_each_break() {
    let bad = "use crate::store::Store;\n\
               let db = sled::Config::new();\n\
               use std::net::TcpStream;\n\
               let r = reqwest::blocking::get(url);\n\
               use axum::Router;\n\
               if std::io::stdout().is_terminal() {}\n\
               let (from, to) = prefix_range(b\"B\");\n";
    let found = scan("src/ledger.rs", bad);
    let lines: Vec<&str> = found.iter().map(|f| f.split(": ").next().unwrap()).collect();
    assert_eq!(
        lines,
        [
            "trace-core/src/ledger.rs:2",
            "trace-core/src/ledger.rs:3",
            "trace-core/src/ledger.rs:3",
            "trace-core/src/ledger.rs:4",
            "trace-core/src/ledger.rs:5",
            "trace-core/src/ledger.rs:6",
            "trace-core/src/ledger.rs:7",
        ],
        "{found:#?}"
    );
    assert!(found[0].contains("names sled outside the storage adapter"), "{}", found[0]);
    assert!(found[1].contains("network I/O") && found[2].contains("network I/O"), "{found:#?}");
}

#[test]
fn the_scanner_allows_the_adapter_comments_and_lookalike_names() {
    assert!(scan("src/sled_store.rs", "let db = sled::Config::new();").is_empty());
    assert!(scan("src/schema.rs", "let (_, to) = prefix_range(LATE_PREFIX);").is_empty());
    let fine = "// sled::Batch is what SledStore applies; see https://docs.rs/http\n\
                /// A hyperlink to the console of the tower.\n\
                let hyperlink = my_http::get(); let consoled = 1; let sledge = x.sled_ok;\n\
                let s = \"served over HTTP\";\n";
    assert_eq!(scan("src/ledger.rs", fine), Vec::<String>::new());
}

#[test]
fn the_manifest_scanner_finds_foreign_dependencies_but_not_dev_ones() {
    let manifest = "[package]\nname = \"trace-core\"\n\n[dependencies]\nsled.workspace = true\n\
                    reqwest = { version = \"0.12\" }\nowo-colors = \"4\"\n\n[dev-dependencies]\ntokio = \"1\"\n";
    let found = scan_manifest("Cargo.toml", manifest);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].starts_with("trace-core/Cargo.toml:6: "), "{}", found[0]);
    assert!(found[1].starts_with("trace-core/Cargo.toml:7: "), "{}", found[1]);
}

/// Where `word` appears as a whole word in the code (not the comments) of `text`, as `file:line: the line`.
fn words_in(file: &str, text: &str, word: &'static str) -> Vec<String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| matches(Pattern::Word(word), code_of(l)))
        .map(|(n, l)| format!("{file}:{}: {}", n + 1, l.trim()))
        .collect()
}

/// A running node is stamped by the system clock (`docs/ARCHITECTURE.md`, `clock.rs`): trace-node's code never
/// makes a story clock or picks a ledger's clock, so no configuration or flag can lead to one.
#[test]
fn trace_node_never_chooses_the_ledgers_clock() {
    let node = Path::new(env!("CARGO_MANIFEST_DIR")).join("../trace-node/src");
    let mut files = Vec::new();
    rust_files(&node, &mut files);
    assert!(files.len() > 5, "found only {} source files under {}", files.len(), node.display());
    let mut found = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let rel = format!("trace-node/src/{}", path.strip_prefix(&node).unwrap().to_string_lossy());
        for word in ["StoryClock", "with_clock", "create_with_clock"] {
            found.extend(words_in(&rel, &text, word));
        }
    }
    assert!(found.is_empty(), "trace-node chooses a clock:\n{}", found.join("\n"));
    let bad = "let c = trace_core::StoryClock::starting_at(t); // a story\nLedger::with_clock(s, o, c)\n";
    assert_eq!(words_in("x.rs", bad, "StoryClock").len(), 1);
    assert_eq!(words_in("x.rs", bad, "with_clock").len(), 1);
    assert!(words_in("x.rs", "// StoryClock in a comment\n", "StoryClock").is_empty());
}
