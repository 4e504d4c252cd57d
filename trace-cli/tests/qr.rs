//! QR labels: every code drawn (PNG, SVG, terminal, sheets) decodes back to exactly its payload with an
//! independent decoder (`rqrr`), the SVG is well-formed and self-contained with its caption escaped, and the
//! terminal rendering and one SVG label are pinned as snapshots in `tests/data/qr/`. Regenerate the snapshots
//! deliberately with `TRACE_BLESS=1` and say why in the commit.

use std::collections::BTreeSet;
use std::path::PathBuf;

use trace_cli::qr::{self, Ecc, Label, QrError, TermStyle};
use trace_core::Payload;

const BASE: &str = "https://trace.example";

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/qr")
}

fn digital_link() -> Payload {
    Payload::DigitalLink { gtin: "06901234567892".parse().unwrap(), lot: "HT-2025/11&A".parse().unwrap() }
}

fn batch() -> Payload {
    Payload::Batch("18DJ-RFAE-BXG7X".parse().unwrap())
}

fn vet_drug() -> Payload {
    Payload::VetDrug("202611280123400000000042".parse().unwrap())
}

/// One label of each kind, with captions as `trace qr` writes them (batch id or code, product, lot).
fn labels() -> Vec<(Payload, Label)> {
    let caption = |lines: &[&str]| lines.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        (
            digital_link(),
            Label::new(
                digital_link().qr_content(BASE),
                caption(&["GTIN 06901234567892", "Lot HT-2025/11&A", "Live pigs 生猪"]),
            ),
        ),
        (batch(), Label::new(batch().qr_content(BASE), caption(&["18DJ-RFAE-BXG7X", "Rice 五常大米"]))),
        (
            vet_drug(),
            Label::new(vet_drug().qr_content(BASE), caption(&["202611280123400000000042", "Ceftiofur 头孢噻呋钠"])),
        ),
    ]
}

/// Every QR code rqrr finds in a grey-level image, as (decoded text, error-correction level bits, width in
/// pixels of the code without quiet zone). Every grid rqrr detects must decode.
fn decode(width: usize, height: usize, pixel: impl FnMut(usize, usize) -> u8) -> Vec<(String, u16, i32)> {
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(width, height, pixel);
    img.detect_grids()
        .into_iter()
        .map(|grid| {
            let b = grid.bounds;
            let (meta, text) = grid.decode().expect("a detected grid decodes");
            (text, meta.ecc_level, b[1].x - b[0].x)
        })
        .collect()
}

fn load_png(bytes: &[u8]) -> image::GrayImage {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    image::load_from_memory_with_format(bytes, image::ImageFormat::Png).unwrap().to_luma8()
}

pub(crate) fn decode_png(bytes: &[u8]) -> (Vec<(String, u16, i32)>, u32, u32) {
    let img = load_png(bytes);
    let (w, h) = img.dimensions();
    (decode(w as usize, h as usize, |x, y| img.get_pixel(x as u32, y as u32).0[0]), w, h)
}

/// The grey of a sheet's cut lines; labels themselves are pure black and white.
const CUT_GREY: u8 = 192;

/// Runs of consecutive indices, as (first, last).
fn runs(indices: impl Iterator<Item = u32>) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for i in indices {
        match out.last_mut() {
            Some(last) if last.1 + 1 == i => last.1 = i,
            _ => out.push((i, i)),
        }
    }
    out
}

/// The payloads on a sheet PNG, decoded cell by cell between its cut lines (each cell must hold at most one
/// code, and every code found must decode), sorted; and the sheet's size.
fn decode_sheet_png(bytes: &[u8]) -> (Vec<String>, u32, u32) {
    let img = load_png(bytes);
    let (w, h) = img.dimensions();
    assert!(img.pixels().all(|p| [0, 255, CUT_GREY, 128].contains(&p.0[0])), "only black, white and two greys");
    let cut = |x: u32, y: u32| img.get_pixel(x, y).0[0] == CUT_GREY;
    let xs = runs((0..w).filter(|&x| (0..h).filter(|&y| cut(x, y)).count() > 100));
    let ys = runs((0..h).filter(|&y| (0..w).filter(|&x| cut(x, y)).count() > 100));
    assert!(xs.len() >= 2 && ys.len() >= 2, "cut lines found");
    let mut found = Vec::new();
    for row in ys.windows(2) {
        for col in xs.windows(2) {
            let (x0, x1, y0, y1) = (col[0].1 + 1, col[1].0, row[0].1 + 1, row[1].0);
            let cell =
                decode((x1 - x0) as usize, (y1 - y0) as usize, |x, y| img.get_pixel(x0 + x as u32, y0 + y as u32).0[0]);
            assert!(cell.len() <= 1, "one code per cell");
            found.extend(cell.into_iter().map(|f| f.0));
        }
    }
    found.sort();
    (found, w, h)
}

fn sorted_payloads(labels: &[Label]) -> Vec<String> {
    let mut out: Vec<String> = labels.iter().map(|l| l.payload.clone()).collect();
    out.sort();
    out
}

fn texts(found: &[(String, u16, i32)]) -> BTreeSet<String> {
    found.iter().map(|f| f.0.clone()).collect()
}

/// rqrr reports the two format-information bits of the error-correction level: L 01, M 00, Q 11, H 10.
const ECC_BITS_M: u16 = 0;
const ECC_BITS_H: u16 = 2;

#[test]
fn png_labels_decode_to_exactly_their_payload() {
    for (payload, label) in labels() {
        let (found, width, _) = decode_png(&qr::png(&label).unwrap());
        assert_eq!(found.len(), 1, "{payload:?}: one code on the label");
        let (text, ecc, code_px) = &found[0];
        assert_eq!(text, &label.payload, "{payload:?}");
        assert_eq!(Payload::parse(text).unwrap(), payload);
        assert_eq!(*ecc, ECC_BITS_M, "level M by default");
        assert!(*code_px >= 300, "{payload:?}: code is {code_px} px wide");
        assert!(width >= 300 + 2 * 4 * 8);
    }
}

#[test]
fn the_three_payload_kinds_are_the_section_7_texts() {
    let l = labels();
    assert_eq!(l[0].1.payload, "https://trace.example/01/06901234567892/10/HT-2025%2F11%26A");
    assert_eq!(l[1].1.payload, "https://trace.example/b/18DJRFAEBXG7X");
    assert_eq!(l[2].1.payload, "202611280123400000000042");
}

#[test]
fn error_correction_level_is_the_labels() {
    let mut label = labels().remove(1).1;
    label.ecc = Ecc::H;
    let (found, _, _) = decode_png(&qr::png(&label).unwrap());
    assert_eq!((found[0].0.as_str(), found[0].1), (label.payload.as_str(), ECC_BITS_H));
}

#[test]
fn long_and_awkward_captions_still_leave_a_readable_code() {
    let label = Label::new(
        batch().qr_content(BASE),
        vec![
            "A product name far too long for one line of a label, so it has to wrap over several lines".into(),
            "NoSpacesAtAllInThisVeryLongLotNumberThatMustBeCut".into(),
            "line\nbreak\tand \u{1b}[31m escape".into(),
            String::new(),
        ],
    );
    let (found, _, _) = decode_png(&qr::png(&label).unwrap());
    assert_eq!(texts(&found), BTreeSet::from([label.payload.clone()]));
    let svg = qr::svg(&label).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let lines: Vec<&str> = doc.descendants().filter(|n| n.has_tag_name("text")).filter_map(|n| n.text()).collect();
    assert!(lines.len() >= 7, "{lines:?}");
    assert!(lines.iter().all(|l| l.chars().count() <= 24 && !l.contains('\u{1b}')), "{lines:?}");
}

#[test]
fn non_ascii_captions_are_drawn_as_boxes_in_the_png() {
    let plain = Label::new("x", vec!["A".into()]);
    let chinese = Label::new("x", vec!["猪".into()]);
    let blank = Label::new("x", vec![" ".into()]);
    let ink = |l: &Label| {
        let img = image::load_from_memory(&qr::png(l).unwrap()).unwrap().to_luma8();
        img.pixels().filter(|p| p.0[0] == 0).count()
    };
    assert!(ink(&chinese) > ink(&blank), "a placeholder is drawn");
    assert_ne!(ink(&chinese), ink(&plain));
}

/// Reads a terminal rendering back into a pixel grid: each character cell is one module wide and two high.
/// `glyph_is_dark` says what colour a block glyph shows as; the cell background is the opposite.
fn terminal_to_modules(text: &str, glyph_is_dark: bool) -> Vec<Vec<bool>> {
    let mut rows = Vec::new();
    for line in text.lines() {
        let mut plain = String::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                // Skip an SGR sequence: ESC [ params m.
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                plain.push(c);
            }
        }
        let (mut top, mut bottom) = (Vec::new(), Vec::new());
        for c in plain.chars() {
            let (t, b) = match c {
                '█' => (true, true),
                '▀' => (true, false),
                '▄' => (false, true),
                ' ' => (false, false),
                other => panic!("unexpected character {other:?} in the terminal rendering"),
            };
            top.push(t == glyph_is_dark);
            bottom.push(b == glyph_is_dark);
        }
        rows.push(top);
        rows.push(bottom);
    }
    rows
}

fn decode_modules(modules: &[Vec<bool>]) -> Vec<String> {
    const PX: usize = 6;
    let (h, w) = (modules.len(), modules[0].len());
    assert!(modules.iter().all(|r| r.len() == w), "rows of equal width");
    let found = decode(w * PX, h * PX, |x, y| if modules[y / PX][x / PX] { 0 } else { 255 });
    found.into_iter().map(|f| f.0).collect()
}

#[test]
fn terminal_renderings_decode_in_every_style() {
    for (payload, label) in labels() {
        let ansi = qr::terminal(&label.payload).unwrap();
        assert_eq!(ansi, qr::terminal_styled(&label.payload, TermStyle::Ansi).unwrap());
        for line in ansi.lines() {
            assert!(line.starts_with("\x1b[30;47m") && line.ends_with("\x1b[0m"), "{line:?}");
        }
        // ANSI: black glyphs on a white background, whatever the terminal's theme.
        assert_eq!(decode_modules(&terminal_to_modules(&ansi, true)), [label.payload.as_str()], "{payload:?}");
        // No escapes, on a dark terminal: glyphs are light.
        let dark = qr::terminal_styled(&label.payload, TermStyle::DarkBackground).unwrap();
        assert!(!dark.contains('\u{1b}'));
        assert_eq!(decode_modules(&terminal_to_modules(&dark, false)), [label.payload.as_str()], "{payload:?}");
        // No escapes, on a light terminal: glyphs are dark.
        let light = qr::terminal_styled(&label.payload, TermStyle::LightBackground).unwrap();
        assert_eq!(decode_modules(&terminal_to_modules(&light, true)), [label.payload.as_str()], "{payload:?}");
    }
}

#[test]
fn terminal_rendering_has_a_four_module_quiet_zone() {
    let dark = qr::terminal_styled(&batch().qr_content(BASE), TermStyle::DarkBackground).unwrap();
    let modules = terminal_to_modules(&dark, false);
    let n = modules[0].len();
    let light_row = |r: &Vec<bool>| r.iter().all(|d| !d);
    assert!(modules[..4].iter().all(light_row));
    assert!(modules[modules.len() - 4..].iter().all(light_row));
    assert!(modules.iter().all(|r| r[..4].iter().all(|d| !d) && r[n - 4..].iter().all(|d| !d)));
    assert!(modules[4][4], "the finder pattern starts right after the quiet zone");
}

/// Compares `actual` with the snapshot `name` in tests/data/qr, rewriting it under TRACE_BLESS=1.
fn snapshot(name: &str, actual: &str) {
    let path = data_dir().join(name);
    if std::env::var_os("TRACE_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(actual == expected, "{name} changed; new output:\n{actual}");
}

#[test]
fn terminal_rendering_snapshots() {
    let url = batch().qr_content(BASE);
    snapshot("terminal-batch-dark-background.txt", &qr::terminal_styled(&url, TermStyle::DarkBackground).unwrap());
    snapshot("terminal-batch-ansi.txt", &qr::terminal(&url).unwrap());
    snapshot(
        "terminal-vet-drug-light-background.txt",
        &qr::terminal_styled(&vet_drug().qr_content(BASE), TermStyle::LightBackground).unwrap(),
    );
}

/// Rasterises each module path of an SVG written by `qr` (`M{x} {y}h{w}v{h}h-{w}z` runs, in `<g>` groups
/// translated by `translate({x} {y})`) on its own, at its place in the document, and decodes it: one code per
/// path, sorted.
fn decode_svg(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let root = doc.root_element();
    let dim = |a: &str| root.attribute(a).unwrap().parse::<usize>().unwrap();
    let (w, h) = (dim("width"), dim("height"));
    let mut out = Vec::new();
    for path in doc.descendants().filter(|n| n.has_tag_name("path")) {
        let mut px = vec![255u8; w * h];
        let (mut ox, mut oy) = (0, 0);
        for g in path.ancestors().filter(|n| n.has_tag_name("g")) {
            let t = g.attribute("transform").unwrap();
            let inner = t.strip_prefix("translate(").unwrap().strip_suffix(')').unwrap();
            let (x, y) = inner.split_once(' ').unwrap();
            ox += x.parse::<usize>().unwrap();
            oy += y.parse::<usize>().unwrap();
        }
        for run in path.attribute("d").unwrap().split('M').filter(|r| !r.is_empty()) {
            let nums: Vec<usize> = run
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().unwrap())
                .collect();
            let [x, y, rw, rh, rw2] = nums[..] else { panic!("unexpected path run {run}") };
            assert_eq!(rw, rw2);
            for yy in oy + y..oy + y + rh {
                px[yy * w + ox + x..yy * w + ox + x + rw].fill(0);
            }
        }
        let found = decode(w, h, |x, y| px[y * w + x]);
        assert_eq!(found.len(), 1, "one code per path");
        out.push(found[0].0.clone());
    }
    out.sort();
    out
}

fn assert_self_contained(doc: &roxmltree::Document) {
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    assert_eq!(doc.root_element().tag_name().namespace(), Some("http://www.w3.org/2000/svg"));
    for node in doc.descendants().filter(|n| n.is_element()) {
        let tag = node.tag_name().name();
        assert!(!["image", "use", "script", "style", "foreignObject", "a", "feImage"].contains(&tag), "<{tag}>");
        for attr in node.attributes() {
            assert!(!attr.name().contains("href"), "{tag} has {}", attr.name());
            assert!(!attr.value().contains("url("), "{tag} {}={}", attr.name(), attr.value());
        }
    }
}

#[test]
fn svg_labels_are_well_formed_self_contained_and_decode() {
    for (payload, label) in labels() {
        let svg = qr::svg(&label).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{payload:?}: {e}\n{svg}"));
        assert_self_contained(&doc);
        let title = doc.descendants().find(|n| n.has_tag_name("title")).and_then(|n| n.text());
        assert_eq!(title, Some(label.payload.as_str()));
        let lines: Vec<&str> = doc.descendants().filter(|n| n.has_tag_name("text")).filter_map(|n| n.text()).collect();
        assert_eq!(lines, label.lines, "caption lines are the label's, in order");
        assert_eq!(decode_svg(&svg), [label.payload.as_str()], "{payload:?}");
    }
}

#[test]
fn svg_captions_are_escaped() {
    let caption =
        vec![r#"<Tom & Jerry's "farm">"#.to_owned(), "]]></text><script>".to_owned(), "溪湖区黑猪".to_owned()];
    let label = Label::new("https://trace.example/b/18DJRFAEBXG7X?a=1&b=<2>", caption.clone());
    let svg = qr::svg(&label).unwrap();
    assert!(svg.contains("&lt;Tom &amp; Jerry&apos;s &quot;farm&quot;&gt;"), "{svg}");
    assert!(svg.contains("]]&gt;&lt;/text&gt;&lt;script&gt;"), "{svg}");
    assert!(svg.contains(">溪湖区黑猪</text>"), "{svg}");
    let doc = roxmltree::Document::parse(&svg).unwrap();
    assert_self_contained(&doc);
    let lines: Vec<&str> = doc.descendants().filter(|n| n.has_tag_name("text")).filter_map(|n| n.text()).collect();
    assert_eq!(lines, caption);
    let title = doc.descendants().find(|n| n.has_tag_name("title")).and_then(|n| n.text());
    assert_eq!(title, Some(label.payload.as_str()));
}

#[test]
fn svg_label_snapshot() {
    let label = labels().remove(2).1;
    snapshot("label-vet-drug.svg", &qr::svg(&label).unwrap());
}

fn sheet_labels(n: usize) -> Vec<Label> {
    let mut out: Vec<Label> = labels().into_iter().map(|l| l.1).collect();
    for i in 0..n.saturating_sub(out.len()) {
        let code: trace_core::VetDrugCode = format!("20261128012340000000{:04}", 100 + i).parse().unwrap();
        out.push(Label::new(Payload::VetDrug(code.clone()).qr_content(BASE), vec![code.to_string()]));
    }
    out.truncate(n);
    out
}

#[test]
fn png_sheet_codes_all_decode() {
    let labels = sheet_labels(7);
    let (found, width, height) = decode_sheet_png(&qr::sheet_png(&labels, 3).unwrap());
    assert_eq!(found, sorted_payloads(&labels));
    assert!(u64::from(height) * 210 >= u64::from(width) * 297, "at least one A4-proportioned page");
}

#[test]
fn sheets_run_over_several_pages() {
    let labels = sheet_labels(20);
    let (found, width, height) = decode_sheet_png(&qr::sheet_png(&labels, 2).unwrap());
    let page = (u64::from(width) * 297).div_ceil(210);
    assert!(u64::from(height) >= 2 * page, "{width}x{height}: more than one page");
    assert_eq!(u64::from(height) % page, 0, "whole pages");
    assert_eq!(found, sorted_payloads(&labels));
}

#[test]
fn svg_sheet_is_well_formed_and_codes_decode() {
    let labels = sheet_labels(5);
    let svg = qr::sheet_svg(&labels, 2).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    assert_self_contained(&doc);
    let titles: BTreeSet<String> =
        doc.descendants().filter(|n| n.has_tag_name("title")).filter_map(|n| n.text()).map(str::to_owned).collect();
    let expected: BTreeSet<String> = labels.iter().map(|l| l.payload.clone()).collect();
    assert_eq!(titles, expected);
    assert_eq!(decode_svg(&svg), sorted_payloads(&labels));
}

#[test]
fn refusals_are_typed() {
    let huge = "x".repeat(3000);
    assert!(matches!(qr::png(&Label::new(huge.clone(), vec![])), Err(QrError::TooLong { len: 3000, ecc: Ecc::M })));
    assert!(matches!(qr::terminal(&huge), Err(QrError::TooLong { .. })));
    assert_eq!(qr::sheet_png(&[], 2).unwrap_err(), QrError::NoLabels);
    assert_eq!(qr::sheet_svg(&sheet_labels(1), 0).unwrap_err(), QrError::Columns { columns: 0 });
    assert_eq!(qr::sheet_svg(&sheet_labels(1), 17).unwrap_err(), QrError::Columns { columns: 17 });
    let many = vec![Label::new("x", vec![]); 2000];
    assert!(matches!(qr::sheet_png(&many, 1), Err(QrError::TooLarge { .. })));
    let endless_caption = Label::new("x", vec!["line".into(); 10_000]);
    assert!(matches!(qr::png(&endless_caption), Err(QrError::TooLarge { .. })));
}
