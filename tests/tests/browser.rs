//! The scan pages in a real browser: Debian's Chromium, headless, against a real node on loopback serving the
//! demo ledger. Checks what a shopper sees on a phone-sized screen (text, the recall banner), that the page
//! logs no console messages and loads nothing from elsewhere, and keeps screenshots for people to look at.
//!
//! Runs when `TRACE_BROWSER=1` (`.ci/run` sets it after installing `chromium`); then a missing browser fails the
//! test. Screenshots go to `ci-artifacts/screenshots/` (or `$TRACE_ARTIFACTS/screenshots`).

use std::path::{Path, PathBuf};
use std::process::Command;

use trace_core::Payload;
use trace_tests::{RunningNode, demo_ledger};

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn artifacts() -> PathBuf {
    let root = std::env::var_os("TRACE_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../ci-artifacts"));
    let dir = root.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs headless Chromium on `url` with `action` (`--dump-dom` or `--screenshot=…`); returns stdout and the
/// console messages the page logged.
fn browse(chrome: &Path, url: &str, action: &str) -> (String, Vec<String>) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=412,2200",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(action)
        .arg(url)
        .output()
        .expect("running chromium");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let console = stderr.lines().filter(|l| l.contains(":CONSOLE")).map(str::to_owned).collect();
    assert!(out.status.success(), "chromium failed on {url}: {stderr}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), console)
}

#[test]
fn shoppers_see_the_story_and_a_recall_they_cannot_miss() {
    if std::env::var("TRACE_BROWSER").as_deref() != Ok("1") {
        eprintln!("browser suite off: set TRACE_BROWSER=1 with Debian's chromium installed (.ci/run does)");
        return;
    }
    let chrome = chromium().expect("TRACE_BROWSER=1 but no chromium: apt-get install chromium, or set CHROMIUM");
    let dir = tempfile::tempdir().unwrap();
    let (data, story) = demo_ledger(&dir.path().join("ledger")).unwrap();
    let node = RunningNode::start(data).unwrap();
    let base = node.base();
    let loin = Payload::DigitalLink { gtin: story.loin_gtin.clone(), lot: story.loin_lot.clone() }.to_url(&base);
    let recalled = Payload::Batch(story.batches.pork_b).to_url(&base);
    let drug = Payload::VetDrug(story.vet_drug_codes[0].clone()).to_url(&base);
    let missing = format!("{base}/b/0000-0000-00000");
    let shots = artifacts();

    let pages: [(&str, &str, &[&str], &[&str]); 4] = [
        (
            "pork-loin",
            &loin,
            &[
                "冷鲜猪里脊",
                "产地 Origin",
                "投入品与休药期",
                "withdrawal ended",
                "承诺达标合格证",
                "流向 Custody",
                "正常 Active",
                "Ledger proof",
            ],
            &["id=\"warning\""],
        ),
        ("recalled-pork", &recalled, &["id=\"warning\"", "RECALLED", "已召回", "clenbuterol", "检测 Inspections"], &[]),
        ("vet-drug", &drug, &["Florfenicol", "兽用处方药", "休药期"], &["id=\"warning\""]),
        ("not-found", &missing, &["Not found", "7K3M-Q9TA-C2XVR"], &[]),
    ];
    for (name, url, present, absent) in pages {
        let (dom, console) = browse(&chrome, url, "--dump-dom");
        for want in present {
            assert!(dom.contains(want), "{name}: the page should show {want:?}");
        }
        for unwanted in absent {
            assert!(!dom.contains(unwanted), "{name}: the page should not show {unwanted:?}");
        }
        assert!(console.is_empty(), "{name}: console messages: {console:?}");
        for attr in ["src=\"http", "href=\"http", "src=\"//", "href=\"//", "<script", "@import"] {
            assert!(!dom.contains(attr), "{name}: loads something from elsewhere ({attr})");
        }
        let shot = shots.join(format!("{name}.png"));
        let _ = std::fs::remove_file(&shot);
        let (_, console) = browse(&chrome, url, &format!("--screenshot={}", shot.display()));
        assert!(console.is_empty(), "{name}: console messages: {console:?}");
        let bytes = std::fs::read(&shot).expect("chromium wrote no screenshot");
        assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000, "{name}: screenshot is not a real page");
    }
}
