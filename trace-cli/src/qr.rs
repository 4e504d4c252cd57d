//! QR labels: a code in the terminal, PNG and SVG labels with human-readable text under the code, and
//! printable sheets of many labels (a market stall's produce, a drug carton run).
//!
//! This module only draws. The text a code holds comes from [`trace_core::Payload::qr_content`]
//! (`docs/qr.md` specifies it); a [`Label`] pairs that text with its caption lines. The `qrcode` crate builds
//! the module matrix; every pixel, glyph and SVG element is drawn here, so output is byte-for-byte
//! reproducible.
//!
//! - [`terminal`] / [`terminal_styled`]: Unicode half blocks, two modules per character cell.
//! - [`png`] / [`svg`]: one label. [`sheet_png`] / [`sheet_svg`]: many, in a grid on A4-proportioned pages
//!   stacked into one tall image.
//!
//! Captions: the SVG keeps every character as `<text>` for the viewer's fonts to draw (so Chinese product
//! names show). The PNG carries its own 5x7 bitmap font for printable ASCII and draws any other character as a
//! hollow box, the "tofu" a font shows for a glyph it lacks: the batch id, the 24-digit code, the GTIN and the
//! lot are ASCII and always legible, and a box says that a word is in the SVG that the PNG cannot show.

use std::fmt::Write as _;

use qrcode::{Color, EcLevel, QrCode};

mod font;

/// The quiet zone around every code, in modules: the four that ISO/IEC 18004 asks for.
pub const QUIET_ZONE: usize = 4;

/// The least width in pixels of the code itself (without its quiet zone) in a PNG. Modules are whole pixels,
/// so the code is between 300 and 300 + one module wide.
pub const MIN_CODE_PX: usize = 300;

/// The most columns a sheet may have.
pub const MAX_COLUMNS: usize = 16;

/// The most pixels a PNG label or sheet may have (one byte each): about twelve A4 pages at 300 dpi.
pub const MAX_PIXELS: usize = 100_000_000;

/// Caption glyphs are the 5x7 font scaled by this.
const TEXT_SCALE: usize = 3;
/// A character cell in the PNG: the glyph and one column of spacing.
const CHAR_W: usize = (font::WIDTH + 1) * TEXT_SCALE;
/// A caption line: the glyph (descender included) and one row above it and one below.
const LINE_H: usize = (font::HEIGHT + 2) * TEXT_SCALE;
/// Labels are wide enough for this many caption characters (a 24-digit vet-drug code fits on one line),
/// plus one character of margin on each side.
const MIN_LINE_CHARS: usize = 24;
/// SVG caption size: a monospace font's advance is about 0.6 em, so 30 px matches the PNG's 18 px cell.
const SVG_FONT_PX: usize = 30;
/// Blank space around the labels of a sheet page.
const PAGE_MARGIN: usize = 48;
/// A4 is 210 mm by 297 mm.
const A4_RATIO: (usize, usize) = (210, 297);

/// Grey levels of the PNG (one byte per pixel).
const BLACK: u8 = 0;
const WHITE: u8 = 255;
const CUT_GREY: u8 = 192;
const PAGE_GREY: u8 = 128;

/// The error-correction level of a code: how much of it may be damaged or dirty and still read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Ecc {
    /// About 7% of codewords recoverable.
    L,
    /// About 15%: the default, a fair trade between size and robustness for labels handled at a stall.
    #[default]
    M,
    /// About 25%.
    Q,
    /// About 30%: for labels that get wet, creased or dirty (drug cartons in a barn).
    H,
}

impl From<Ecc> for EcLevel {
    fn from(e: Ecc) -> EcLevel {
        match e {
            Ecc::L => EcLevel::L,
            Ecc::M => EcLevel::M,
            Ecc::Q => EcLevel::Q,
            Ecc::H => EcLevel::H,
        }
    }
}

/// A label: the exact text its QR code holds and the human-readable lines printed under the code (the batch id
/// or the 24-digit code, the product, the lot).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Label {
    /// What the QR code holds, byte for byte ([`trace_core::Payload::qr_content`]).
    pub payload: String,
    /// Caption lines, top first. Long lines wrap; control characters are dropped.
    pub lines: Vec<String>,
    /// Error-correction level; [`Ecc::M`] by default.
    pub ecc: Ecc,
}

impl Label {
    /// A label at the default error-correction level.
    pub fn new(payload: impl Into<String>, lines: Vec<String>) -> Label {
        Label { payload: payload.into(), lines, ecc: Ecc::default() }
    }
}

/// How [`terminal_styled`] gets its dark and light.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TermStyle {
    /// Black on white set by ANSI SGR codes (`ESC[30;47m` ... `ESC[0m`) on every line, so the code has the
    /// right polarity on light and dark terminal themes alike. The default, for a terminal that shows colour.
    #[default]
    Ansi,
    /// No escape codes (for `NO_COLOR` or a pipe); light modules are drawn as block glyphs, as `qrencode -t UTF8`
    /// does. Right on a dark terminal (light text on a dark background), the common case; on a light one the code
    /// comes out inverted, which most phone scanners still read.
    DarkBackground,
    /// No escape codes; dark modules are drawn as block glyphs. Right on a light terminal and on paper.
    LightBackground,
}

/// Why a code or label could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    /// The payload does not fit in the largest QR code at this error-correction level.
    #[error("payload of {len} bytes does not fit in a QR code at error-correction level {ecc:?}")]
    TooLong {
        /// The payload's length in bytes.
        len: usize,
        /// The level asked for.
        ecc: Ecc,
    },
    /// The QR encoder refused the payload for another reason.
    #[error("QR encoding failed: {0}")]
    Encode(String),
    /// A sheet with no labels.
    #[error("a sheet needs at least one label")]
    NoLabels,
    /// A sheet with zero or too many columns.
    #[error("a sheet needs 1 to {max} columns, not {columns}", max = MAX_COLUMNS)]
    Columns {
        /// The number asked for.
        columns: usize,
    },
    /// A PNG larger than [`MAX_PIXELS`]: too many labels on a sheet, or a caption of thousands of lines.
    #[error("a {width}x{height} pixel image is too large; print fewer labels per sheet")]
    TooLarge {
        /// Width in pixels.
        width: usize,
        /// Height in pixels.
        height: usize,
    },
    /// The PNG encoder failed.
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

/// A QR code's modules, without the quiet zone.
struct Matrix {
    size: usize,
    dark: Vec<bool>,
}

impl Matrix {
    fn encode(payload: &str, ecc: Ecc) -> Result<Matrix, QrError> {
        let code = QrCode::with_error_correction_level(payload.as_bytes(), ecc.into()).map_err(|e| match e {
            qrcode::types::QrError::DataTooLong => QrError::TooLong { len: payload.len(), ecc },
            other => QrError::Encode(other.to_string()),
        })?;
        let dark = code.to_colors().into_iter().map(|c| c == Color::Dark).collect();
        Ok(Matrix { size: code.width(), dark })
    }

    /// Modules across, quiet zone included.
    fn full(&self) -> usize {
        self.size + 2 * QUIET_ZONE
    }

    /// Whether the module at `(x, y)`, counted with the quiet zone, is dark.
    fn dark_at(&self, x: usize, y: usize) -> bool {
        let (Some(x), Some(y)) = (x.checked_sub(QUIET_ZONE), y.checked_sub(QUIET_ZONE)) else { return false };
        x < self.size && y < self.size && self.dark[y * self.size + x]
    }
}

/// The code for `payload` at level M in Unicode half blocks, in the [`TermStyle::Ansi`] style: one line per two
/// module rows, quiet zone included, every line ending in `\n`.
pub fn terminal(payload: &str) -> Result<String, QrError> {
    terminal_styled(payload, TermStyle::Ansi)
}

/// The code for `payload` at level M in Unicode half blocks (`▀ ▄ █` and space), two module rows per line, with a
/// four-module quiet zone (and one more light row at the bottom when the row count is odd).
pub fn terminal_styled(payload: &str, style: TermStyle) -> Result<String, QrError> {
    const SGR_BLACK_ON_WHITE: &str = "\x1b[30;47m";
    const SGR_RESET: &str = "\x1b[0m";
    let m = Matrix::encode(payload, Ecc::M)?;
    let n = m.full();
    let mut out = String::new();
    for y in (0..n).step_by(2) {
        if style == TermStyle::Ansi {
            out.push_str(SGR_BLACK_ON_WHITE);
        }
        for x in 0..n {
            let (top, bottom) = (m.dark_at(x, y), m.dark_at(x, y + 1));
            // Which halves get ink: the dark modules, or in DarkBackground the light ones.
            let ink = |dark: bool| if style == TermStyle::DarkBackground { !dark } else { dark };
            out.push(match (ink(top), ink(bottom)) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            });
        }
        if style == TermStyle::Ansi {
            out.push_str(SGR_RESET);
        }
        out.push('\n');
    }
    Ok(out)
}

/// A grey-level image, one byte per pixel, row by row.
struct Canvas {
    width: usize,
    height: usize,
    px: Vec<u8>,
}

impl Canvas {
    /// A white canvas, refused above [`MAX_PIXELS`].
    fn new(width: usize, height: usize) -> Result<Canvas, QrError> {
        if width.saturating_mul(height) > MAX_PIXELS {
            return Err(QrError::TooLarge { width, height });
        }
        Ok(Canvas { width, height, px: vec![WHITE; width * height] })
    }

    /// Fills a rectangle, clipped to the canvas.
    fn fill(&mut self, x: usize, y: usize, w: usize, h: usize, value: u8) {
        let (x1, y1) = ((x + w).min(self.width), (y + h).min(self.height));
        for row in y.min(y1)..y1 {
            self.px[row * self.width + x.min(x1)..row * self.width + x1].fill(value);
        }
    }

    /// A one-pixel rectangle outline.
    fn outline(&mut self, x: usize, y: usize, w: usize, h: usize, value: u8) {
        self.fill(x, y, w, 1, value);
        self.fill(x, y + h.saturating_sub(1), w, 1, value);
        self.fill(x, y, 1, h, value);
        self.fill(x + w.saturating_sub(1), y, 1, h, value);
    }

    fn encode_png(&self) -> Result<Vec<u8>, QrError> {
        use image::ImageEncoder as _;
        let size =
            |v: usize| u32::try_from(v).map_err(|_| QrError::TooLarge { width: self.width, height: self.height });
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(&self.px, size(self.width)?, size(self.height)?, image::ExtendedColorType::L8)
            .map_err(|e| QrError::Png(e.to_string()))?;
        Ok(out)
    }
}

/// How wide a character is in caption columns: the PNG draws every character in one cell; in the SVG's
/// monospace font anything beyond ASCII (CJK above all) is about two cells wide.
type Columns = fn(char) -> usize;

fn png_columns(_: char) -> usize {
    1
}

fn svg_columns(c: char) -> usize {
    if c.is_ascii() { 1 } else { 2 }
}

/// Where everything of one label goes, in pixels (SVG user units are the same pixels).
struct Layout {
    /// Pixels per module.
    module: usize,
    /// Label width and height.
    width: usize,
    height: usize,
    /// Left edge of the code's quiet zone; its top is 0.
    code_x: usize,
    /// Width of the code with its quiet zone.
    code_px: usize,
    /// Caption lines after cleaning and wrapping; the first starts at `code_px`.
    lines: Vec<String>,
}

impl Layout {
    fn new(m: &Matrix, lines: &[String], columns: Columns) -> Layout {
        let module = MIN_CODE_PX.div_ceil(m.size);
        let code_px = m.full() * module;
        let width = code_px.max((MIN_LINE_CHARS + 2) * CHAR_W);
        let max_cols = width / CHAR_W - 2;
        let lines: Vec<String> = clean_lines(lines).iter().flat_map(|l| wrap(l, max_cols, columns)).collect();
        let height = if lines.is_empty() { code_px } else { code_px + (lines.len() + 1) * LINE_H };
        Layout { module, width, height, code_x: (width - code_px) / 2, code_px, lines }
    }

    /// The top of caption line `i`.
    fn line_top(&self, i: usize) -> usize {
        self.code_px + i * LINE_H
    }
}

/// Splits embedded line breaks into lines of their own and drops other control characters (a tab becomes a
/// space), so a caption cannot break the layout or the XML.
fn clean_lines(lines: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for line in lines {
        let mut parts: Vec<&str> = line.lines().collect();
        if parts.is_empty() {
            parts.push("");
        }
        for part in parts {
            let clean: String =
                part.chars().map(|c| if c == '\t' { ' ' } else { c }).filter(|c| !c.is_control()).collect();
            out.push(clean.trim_end().to_owned());
        }
    }
    out
}

/// Greedy word wrap at spaces to `max` columns; a word longer than a line is cut.
fn wrap(line: &str, max: usize, columns: Columns) -> Vec<String> {
    let width = |s: &str| s.chars().map(columns).sum::<usize>();
    let mut out = Vec::new();
    let mut current = String::new();
    for word in line.split(' ').filter(|w| !w.is_empty()) {
        let w = width(word);
        if !current.is_empty() && width(&current) + 1 + w <= max {
            current.push(' ');
            current.push_str(word);
            continue;
        }
        if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        if w <= max {
            current.push_str(word);
            continue;
        }
        for c in word.chars() {
            if width(&current) + columns(c) > max {
                out.push(std::mem::take(&mut current));
            }
            current.push(c);
        }
    }
    if !current.is_empty() || out.is_empty() {
        out.push(current);
    }
    out
}

/// A label's code and layout for the PNG, before any pixel is drawn.
fn png_label(label: &Label) -> Result<(Matrix, Layout), QrError> {
    let m = Matrix::encode(&label.payload, label.ecc)?;
    let layout = Layout::new(&m, &label.lines, png_columns);
    Ok((m, layout))
}

/// Draws a label with its top left corner at `(ox, oy)`; the canvas is white there already.
fn draw_png_label(c: &mut Canvas, (m, layout): &(Matrix, Layout), ox: usize, oy: usize) {
    let mo = layout.module;
    for y in 0..m.full() {
        for x in (0..m.full()).filter(|&x| m.dark_at(x, y)) {
            c.fill(ox + layout.code_x + x * mo, oy + y * mo, mo, mo, BLACK);
        }
    }
    for (i, line) in layout.lines.iter().enumerate() {
        let chars = line.chars().count();
        let text_w = (chars * CHAR_W).saturating_sub(TEXT_SCALE);
        let left = ox + layout.width.saturating_sub(text_w) / 2;
        let top = oy + layout.line_top(i) + TEXT_SCALE;
        for (k, ch) in line.chars().enumerate() {
            if ch == ' ' {
                continue;
            }
            for (gy, row) in font::glyph(ch).iter().enumerate() {
                for gx in (0..font::WIDTH).filter(|gx| row & (1 << (font::WIDTH - 1 - gx)) != 0) {
                    let x = left + k * CHAR_W + gx * TEXT_SCALE;
                    c.fill(x, top + gy * TEXT_SCALE, TEXT_SCALE, TEXT_SCALE, BLACK);
                }
            }
        }
    }
}

/// One label as a grey-level PNG: the code at level `label.ecc`, black on white with its quiet zone, at least
/// [`MIN_CODE_PX`] wide, and the caption lines centred under it (see the module docs for non-ASCII text).
pub fn png(label: &Label) -> Result<Vec<u8>, QrError> {
    let prepared = png_label(label)?;
    let mut canvas = Canvas::new(prepared.1.width, prepared.1.height)?;
    draw_png_label(&mut canvas, &prepared, 0, 0);
    canvas.encode_png()
}

/// Escapes text for XML content and attribute values; characters XML 1.0 cannot carry become U+FFFD.
fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A label's SVG elements, placed at the origin, and its size.
struct SvgLabel {
    width: usize,
    height: usize,
    body: String,
}

fn render_svg_label(label: &Label) -> Result<SvgLabel, QrError> {
    let m = Matrix::encode(&label.payload, label.ecc)?;
    let layout = Layout::new(&m, &label.lines, svg_columns);
    let (w, h, mo) = (layout.width, layout.height, layout.module);
    let mut body = String::new();
    // Writing to a String cannot fail, so the fmt::Results below are ignored.
    let _ = writeln!(body, "<title>{}</title>", xml_escape(&label.payload));
    let _ = writeln!(body, r##"<rect width="{w}" height="{h}" fill="#fff"/>"##);
    let mut d = String::new();
    for y in 0..m.full() {
        let mut x = 0;
        while x < m.full() {
            if !m.dark_at(x, y) {
                x += 1;
                continue;
            }
            let run = (x..m.full()).take_while(|&x| m.dark_at(x, y)).count();
            let _ = write!(d, "M{} {}h{}v{mo}h-{}z", layout.code_x + x * mo, y * mo, run * mo, run * mo);
            x += run;
        }
    }
    let _ = writeln!(body, r##"<path fill="#000" shape-rendering="crispEdges" d="{d}"/>"##);
    for (i, line) in layout.lines.iter().enumerate() {
        let baseline = layout.line_top(i) + TEXT_SCALE + font::BASELINE * TEXT_SCALE;
        let _ = writeln!(
            body,
            r##"<text x="{}" y="{baseline}" font-family="monospace" font-size="{SVG_FONT_PX}" text-anchor="middle" fill="#000">{}</text>"##,
            w / 2,
            xml_escape(line)
        );
    }
    Ok(SvgLabel { width: w, height: h, body })
}

fn svg_document(width: usize, height: usize, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" \
         width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">\n{body}</svg>\n"
    )
}

/// One label as a standalone SVG document, laid out as [`png`] lays it out (one user unit per PNG pixel), with
/// the caption as `<text>` in the viewer's monospace font and the payload as its `<title>`. It references
/// nothing outside itself: no images, fonts, stylesheets or links.
pub fn svg(label: &Label) -> Result<String, QrError> {
    let l = render_svg_label(label)?;
    Ok(svg_document(l.width, l.height, &l.body))
}

/// The grid of a sheet: equal cells, as many rows per A4-proportioned page as fit, pages stacked downwards.
struct Sheet {
    columns: usize,
    cell_w: usize,
    cell_h: usize,
    per_page: usize,
    page_w: usize,
    page_h: usize,
    pages: usize,
}

impl Sheet {
    fn new(sizes: &[(usize, usize)], columns: usize) -> Result<Sheet, QrError> {
        if sizes.is_empty() {
            return Err(QrError::NoLabels);
        }
        if columns == 0 || columns > MAX_COLUMNS {
            return Err(QrError::Columns { columns });
        }
        let cell_w = sizes.iter().map(|s| s.0).max().unwrap_or(0);
        let cell_h = sizes.iter().map(|s| s.1).max().unwrap_or(0);
        let page_w = columns * cell_w + 2 * PAGE_MARGIN;
        let page_h = (page_w * A4_RATIO.1).div_ceil(A4_RATIO.0).max(cell_h + 2 * PAGE_MARGIN);
        let rows = ((page_h - 2 * PAGE_MARGIN) / cell_h.max(1)).max(1);
        let per_page = rows * columns;
        Ok(Sheet { columns, cell_w, cell_h, per_page, page_w, page_h, pages: sizes.len().div_ceil(per_page) })
    }

    fn height(&self) -> usize {
        self.pages * self.page_h
    }

    /// The top left corner of cell `i`.
    fn cell(&self, i: usize) -> (usize, usize) {
        let (page, within) = (i / self.per_page, i % self.per_page);
        let (row, col) = (within / self.columns, within % self.columns);
        (PAGE_MARGIN + col * self.cell_w, page * self.page_h + PAGE_MARGIN + row * self.cell_h)
    }
}

/// Many labels as one PNG: a grid of `columns` equal cells with grey cut lines, on A4-proportioned pages (white
/// margins, a grey dashed line between pages) stacked into one tall image. Refused above [`MAX_PIXELS`].
pub fn sheet_png(labels: &[Label], columns: usize) -> Result<Vec<u8>, QrError> {
    // Lay every label out first, so that a sheet too large is refused before any pixel is allocated.
    let prepared = labels.iter().map(png_label).collect::<Result<Vec<_>, QrError>>()?;
    let sizes: Vec<(usize, usize)> = prepared.iter().map(|(_, l)| (l.width, l.height)).collect();
    let sheet = Sheet::new(&sizes, columns)?;
    let (width, height) = (sheet.page_w, sheet.height());
    let mut canvas = Canvas::new(width, height)?;
    for page in 1..sheet.pages {
        for x in (0..width).step_by(16) {
            canvas.fill(x, page * sheet.page_h, 8, 1, PAGE_GREY);
        }
    }
    for (i, label) in prepared.iter().enumerate() {
        let (x, y) = sheet.cell(i);
        let (w, h) = (label.1.width, label.1.height);
        draw_png_label(&mut canvas, label, x + (sheet.cell_w - w) / 2, y + (sheet.cell_h - h) / 2);
        // Cut lines go on top: the widest label fills its cell, and its edge is blank margin.
        canvas.outline(x, y, sheet.cell_w, sheet.cell_h, CUT_GREY);
    }
    canvas.encode_png()
}

/// Many labels as one SVG, laid out as [`sheet_png`] lays them out, each label's elements in a translated `<g>`.
pub fn sheet_svg(labels: &[Label], columns: usize) -> Result<String, QrError> {
    let rendered = labels.iter().map(render_svg_label).collect::<Result<Vec<SvgLabel>, QrError>>()?;
    let sizes: Vec<(usize, usize)> = rendered.iter().map(|l| (l.width, l.height)).collect();
    let sheet = Sheet::new(&sizes, columns)?;
    let (width, height) = (sheet.page_w, sheet.height());
    let mut body = String::new();
    let _ = writeln!(body, r##"<rect width="{width}" height="{height}" fill="#fff"/>"##);
    for page in 1..sheet.pages {
        let y = page * sheet.page_h;
        let _ = writeln!(
            body,
            r##"<line x1="0" y1="{y}" x2="{width}" y2="{y}" stroke="#808080" stroke-width="1" stroke-dasharray="8 8"/>"##
        );
    }
    for (i, label) in rendered.iter().enumerate() {
        let (x, y) = sheet.cell(i);
        let (cw, ch) = (sheet.cell_w, sheet.cell_h);
        let _ = writeln!(
            body,
            r##"<rect x="{x}" y="{y}" width="{cw}" height="{ch}" fill="none" stroke="#c0c0c0" stroke-width="1"/>"##
        );
        let (lx, ly) = (x + (cw - label.width) / 2, y + (ch - label.height) / 2);
        let _ = writeln!(body, r#"<g transform="translate({lx} {ly})">"#);
        body.push_str(&label.body);
        body.push_str("</g>\n");
    }
    Ok(svg_document(width, height, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_and_cuts_long_words() {
        assert_eq!(wrap("Live pigs from Hetao farm", 10, png_columns), ["Live pigs", "from Hetao", "farm"]);
        assert_eq!(wrap("ABCDEFGHIJKL", 5, png_columns), ["ABCDE", "FGHIJ", "KL"]);
        assert_eq!(wrap("", 5, png_columns), [""]);
        assert_eq!(wrap("  a   b ", 5, png_columns), ["a b"]);
        assert_eq!(wrap("溪湖黑猪肉", 4, svg_columns), ["溪湖", "黑猪", "肉"]);
    }

    #[test]
    fn captions_lose_control_characters_and_split_at_line_breaks() {
        let lines = vec!["a\r\nb".to_owned(), "".to_owned(), "x\ty\u{1b}[31mz".to_owned()];
        assert_eq!(clean_lines(&lines), ["a", "b", "", "x y[31mz"]);
    }

    #[test]
    fn xml_escape_covers_markup_and_characters_xml_cannot_carry() {
        assert_eq!(
            xml_escape(r#"<a href="x">Tom & Jerry's</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;"
        );
        assert_eq!(xml_escape("a\u{0}b\u{ffff}猪"), "a\u{fffd}b\u{fffd}猪");
    }

    #[test]
    fn modules_are_whole_pixels_and_the_code_is_at_least_300_wide() {
        for size in [21, 25, 33, 57, 101, 177] {
            let module = MIN_CODE_PX.div_ceil(size);
            assert!(module * size >= MIN_CODE_PX && (module - 1) * size < MIN_CODE_PX, "{size}");
        }
    }

    #[test]
    fn sheet_pages_are_a4_proportioned_and_hold_whole_rows() {
        let sheet = Sheet::new(&[(468, 500); 30], 4).unwrap();
        assert_eq!(sheet.page_w, 4 * 468 + 2 * PAGE_MARGIN);
        assert_eq!(sheet.page_h, (sheet.page_w * 297).div_ceil(210));
        assert!(sheet.per_page % 4 == 0 && sheet.per_page > 0);
        let rows = sheet.per_page / 4;
        assert!(2 * PAGE_MARGIN + rows * 500 <= sheet.page_h);
        assert_eq!(sheet.pages, 30usize.div_ceil(sheet.per_page));
        assert_eq!(Sheet::new(&[], 2).err(), Some(QrError::NoLabels));
        assert_eq!(Sheet::new(&[(1, 1)], 0).err(), Some(QrError::Columns { columns: 0 }));
    }
}
