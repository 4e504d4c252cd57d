//! Output hygiene: no secret key material in errors, and quiet exits on a closed pipe.

use std::path::Path;

use crate::basics::{Fixture, ok, trace};

/// Every run of eight or more characters of `secret` that looks like hex; none may appear in `text`.
fn assert_no_secret(secret: &str, text: &str, what: &str) {
    let chars: Vec<char> = secret.chars().collect();
    for w in chars.windows(8) {
        let piece: String = w.iter().collect();
        if piece.chars().all(|c| c.is_ascii_hexdigit()) {
            assert!(!text.contains(&piece), "{what} shows secret material {piece:?}: {text}");
        }
    }
}

/// Key files whose secret is damaged in the ways people damage them, each with the secret text it holds.
fn damaged_key_files(dir: &Path) -> Vec<(String, std::path::PathBuf, String)> {
    let good = dir.join("good.key");
    let public = ok(&["key", "new", "--out", good.to_str().unwrap()]).trim().to_owned();
    let text = std::fs::read_to_string(&good).unwrap();
    let secret = text.lines().find_map(|l| l.strip_prefix("secret ")).unwrap().to_owned();
    assert_eq!(secret.len(), 64);
    let header = "trace secret key v1";
    let mut bad_char = secret.clone();
    bad_char.replace_range(10..11, "g");
    let cases = [
        ("short by one", format!("{header}\npublic {public}\nsecret {}\n", &secret[..63])),
        ("one bad character", format!("{header}\npublic {public}\nsecret {bad_char}\n")),
        ("one extra character", format!("{header}\npublic {public}\nsecret {secret}a\n")),
        ("empty secret", format!("{header}\npublic {public}\nsecret \n")),
        ("secret on the public line", format!("{header}\npublic {secret}\nsecret {secret}\n")),
        ("secret on a line of its own", format!("{header}\npublic {public}\n{secret}\n")),
        ("secret with a colon", format!("{header}\npublic {public}\nsecret: {secret}\n")),
        ("no header", format!("secret {secret}\n")),
    ];
    cases
        .into_iter()
        .enumerate()
        .map(|(i, (what, body))| {
            let p = dir.join(format!("damaged-{i}.key"));
            std::fs::write(&p, body).unwrap();
            (what.to_owned(), p, secret.clone())
        })
        .collect()
}

#[test]
fn damaged_key_files_never_echo_the_secret() {
    let f = Fixture::new();
    let dir = tempfile::tempdir().unwrap();
    for (what, p, secret) in damaged_key_files(dir.path()) {
        let key = p.to_str().unwrap();
        let show = trace(&["key", "show", key]);
        let signed = trace(&[
            "--data",
            f.d(),
            "--key",
            key,
            "register",
            "--product",
            "Rice",
            "--class",
            "grain",
            "--quantity",
            "2 t",
        ]);
        for (cmd, o) in [("key show", show), ("--key", signed)] {
            assert!(!o.status.success(), "{what}: {cmd} succeeded");
            let out = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
            assert!(out.contains("invalid key file"), "{what}: {cmd} does not say what failed: {out}");
            assert_no_secret(&secret, &out, &format!("{what}: {cmd}"));
        }
    }
}

#[test]
fn key_file_errors_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let files = damaged_key_files(dir.path());
    let err =
        |i: usize| String::from_utf8_lossy(&trace(&["key", "show", files[i].1.to_str().unwrap()]).stderr).into_owned();
    assert!(err(0).contains("expected 64 hex digits, found 63"), "{}", err(0));
    assert!(err(1).contains("character 11 is not a hex digit"), "{}", err(1));
    assert!(err(2).contains("expected 64 hex digits, found 65"), "{}", err(2));
    assert!(err(3).contains("expected 64 hex digits, found 0"), "{}", err(3));
}

/// Runs `trace args` with its stdout a pipe closed before it writes, and returns its exit code and stderr.
fn closed_pipe(args: &[&str]) -> (Option<i32>, String) {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_trace"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Closing our end of the pipe before the child writes makes its first write fail with EPIPE.
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn printing_commands_exit_quietly_on_a_closed_pipe() {
    let f = crate::basics::Fixture::new();
    for args in [
        vec!["batches", "--data", f.d()],
        vec!["actors", "--data", f.d()],
        vec!["actors", "--data", f.d(), "--json"],
        vec!["completions", "bash"],
        vec!["outbox", "--key", f.k()],
    ] {
        let (code, stderr) = closed_pipe(&args);
        assert_eq!(code, Some(0), "trace {args:?} on a closed pipe: {stderr}");
        assert_eq!(stderr, "", "trace {args:?} on a closed pipe printed to stderr");
    }
}
