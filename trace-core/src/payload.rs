//! What a label's QR code holds (docs/qr.md), and reading it back from whatever a scanner or a person
//! hands us.
//!
//! - Produce with a GTIN: the GS1 Digital Link URI `https://HOST/01/{GTIN-14}/10/{lot}`.
//! - Produce without a GTIN: `https://HOST/b/{batch id}` with the batch id in its compact form.
//! - A vet-drug package: the bare 24-digit traceability code, as the national vet-drug traceability system
//!   prints it; the node resolves it at `/vd/{code}`.
//!
//! [`Payload::parse`] accepts those, any host, paths alone, Digital Links with extra key qualifiers, and bare
//! codes. The byte-exact formats are in `docs/qr.md`, pinned by `tests/data/qr/payloads.json`.
//!
//! The host of a parsed URL is deliberately dropped: a label names a batch, and the caller resolves that name
//! on the node it trusts, never on whatever host the label prints.

use std::str::FromStr;

use crate::error::ParseError;
use crate::ids::BatchId;
use crate::values::{Gtin, Lot, VetDrugCode};

/// The longest text [`Payload::parse`] looks at: more than any QR code holds (2,953 bytes at version 40-L).
pub const MAX_PAYLOAD_LEN: usize = 4096;

/// GS1 key qualifiers that may follow a GTIN in a Digital Link path: consumer product variant (22), batch/lot
/// (10), serial (21), third-party controlled serial extension (235).
const GTIN_QUALIFIERS: [&str; 4] = ["22", "10", "21", "235"];

/// The content of a label's QR code: which batch or vet-drug package it names.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Payload {
    /// A produce batch with a GTIN, named by GS1 application identifiers 01 (GTIN) and 10 (batch/lot).
    DigitalLink {
        /// The trade item, always held as 14 digits.
        gtin: Gtin,
        /// The batch/lot number within that GTIN.
        lot: Lot,
    },
    /// A produce batch without a GTIN, named by its batch id.
    Batch(BatchId),
    /// A vet-drug package, named by its 24-digit traceability code.
    VetDrug(VetDrugCode),
}

/// Why a text is not a label payload. [`PayloadError::code`] gives a stable machine-readable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// Nothing but whitespace.
    #[error("empty payload")]
    Empty,
    /// Longer than any QR code holds.
    #[error("payload of {len} bytes exceeds the limit of {limit}")]
    TooLong {
        /// The input's length in bytes.
        len: usize,
        /// [`MAX_PAYLOAD_LEN`].
        limit: usize,
    },
    /// A URL whose scheme is not `http` or `https`.
    #[error("unsupported URL scheme '{scheme}': trace labels are http or https links")]
    UnsupportedScheme {
        /// The scheme as written.
        scheme: String,
    },
    /// A URL or path that names none of the things the node resolves.
    #[error(
        "'{path}' is not a trace label path: expected /01/{{GTIN}}/10/{{lot}}, /b/{{batch id}} or /vd/{{24-digit code}}"
    )]
    UnknownPath {
        /// The path, shortened to 80 characters.
        path: String,
    },
    /// A GTIN without a batch/lot: a GTIN names a product, and only the lot narrows it to a batch.
    #[error("GTIN {gtin} has no lot: a label must carry the batch/lot too (GS1 Digital Link /01/{gtin}/10/{{lot}})")]
    MissingLot {
        /// The GTIN found, as 14 digits.
        gtin: Gtin,
    },
    /// A path that starts a GS1 Digital Link but does not follow its syntax.
    #[error("malformed GS1 Digital Link '{path}': {why}")]
    MalformedDigitalLink {
        /// The path, shortened to 80 characters.
        path: String,
        /// What is wrong with it.
        why: String,
    },
    /// A `%` not followed by two hex digits, or escapes that do not decode to UTF-8.
    #[error("bad percent-encoding in '{segment}'")]
    BadPercentEncoding {
        /// The path segment, shortened to 80 characters.
        segment: String,
    },
    /// The form was recognised but its value is not valid: a GTIN check digit, a lot outside GS1 character
    /// set 82, a batch id's check symbol, a vet-drug code's date.
    #[error(transparent)]
    Value(#[from] ParseError),
    /// Text that is none of the payload forms.
    #[error(
        "'{input}' is not a trace label: expected a trace URL or path, a batch id like 7K3M-Q9TA-C2XVR or a 24-digit vet-drug code"
    )]
    Unrecognized {
        /// The input, shortened to 80 characters.
        input: String,
    },
}

impl PayloadError {
    /// The stable code of this error, for HTTP error bodies and scripts; a code is never renamed.
    pub fn code(&self) -> &'static str {
        match self {
            PayloadError::Empty => "empty",
            PayloadError::TooLong { .. } => "too-long",
            PayloadError::UnsupportedScheme { .. } => "unsupported-scheme",
            PayloadError::UnknownPath { .. } => "unknown-path",
            PayloadError::MissingLot { .. } => "missing-lot",
            PayloadError::MalformedDigitalLink { .. } => "malformed-digital-link",
            PayloadError::BadPercentEncoding { .. } => "bad-percent-encoding",
            PayloadError::Value(_) => "invalid-value",
            PayloadError::Unrecognized { .. } => "unrecognized",
        }
    }
}

impl Payload {
    /// The path the node resolves, always starting with `/`: `/01/{GTIN-14}/10/{lot}` with the lot
    /// percent-encoded, `/b/{compact batch id}` or `/vd/{24 digits}`.
    pub fn path(&self) -> String {
        match self {
            Payload::DigitalLink { gtin, lot } => format!("/01/{}/10/{}", gtin.as_str(), percent_encode(lot.as_str())),
            Payload::Batch(id) => format!("/b/{}", id.compact()),
            Payload::VetDrug(code) => format!("/vd/{}", code.as_str()),
        }
    }

    /// The URL of this payload on the node at `base`, which is `scheme://host[:port]` with an optional path
    /// prefix, as given (trailing slashes are dropped, nothing else is checked or changed).
    pub fn to_url(&self, base: &str) -> String {
        format!("{}{}", base.trim().trim_end_matches('/'), self.path())
    }

    /// The text to put in the QR code: [`Payload::to_url`] for produce, the bare 24 digits for a vet drug
    /// (the code the national system prints, which other scanners in the supply chain also read).
    pub fn qr_content(&self, base: &str) -> String {
        match self {
            Payload::VetDrug(code) => code.as_str().to_owned(),
            _ => self.to_url(base),
        }
    }

    /// Reads a payload from a scanned or typed text. Accepts, after trimming surrounding whitespace:
    /// - an `http` or `https` URL on any host (scheme case-insensitive), with any path prefix before the
    ///   payload path, and any query (`?linkType=...`) or fragment, which are ignored;
    /// - the same without the scheme (`trace.example/b/...`), or a path alone (`/b/...`);
    /// - a GS1 Digital Link path `/01/{GTIN}` followed by key qualifiers `/22/`, `/10/`, `/21/`, `/235/` in any
    ///   order: the GTIN (8, 12, 13 or 14 digits, padded to 14) and the lot are kept, the others ignored;
    /// - `/b/{batch id}` and `/vd/{code}` (the `b` and `vd` in any case, values percent-decoded);
    /// - a bare 24-digit vet-drug code or a bare batch id (with or without hyphens, any case).
    ///
    /// A GTIN without a lot is refused with [`PayloadError::MissingLot`]. So is a bare all-digit text of
    /// GTIN length that has a valid GTIN check digit (a product's EAN barcode scanned by mistake), even in the
    /// one-in-forty-million case that it is also a valid batch id written without hyphens.
    pub fn parse(input: &str) -> Result<Payload, PayloadError> {
        if input.len() > MAX_PAYLOAD_LEN {
            return Err(PayloadError::TooLong { len: input.len(), limit: MAX_PAYLOAD_LEN });
        }
        let s = input.trim();
        if s.is_empty() {
            return Err(PayloadError::Empty);
        }
        if let Some(after_scheme) = strip_scheme(s)? {
            let path_start = after_scheme.find(['/', '?', '#']).unwrap_or(after_scheme.len());
            return parse_path(without_query(&after_scheme[path_start..]));
        }
        if s.contains('/') {
            // A path, or a URL without its scheme: the host, if any, is just one more prefix segment.
            return parse_path(without_query(s));
        }
        parse_bare(s)
    }
}

impl FromStr for Payload {
    type Err = PayloadError;
    fn from_str(s: &str) -> Result<Payload, PayloadError> {
        Payload::parse(s)
    }
}

/// `Some(rest after "://")` for an http(s) URL, `None` when `s` has no URL scheme, an error for other schemes.
fn strip_scheme(s: &str) -> Result<Option<&str>, PayloadError> {
    let Some(colon) = s.find("://") else { return Ok(None) };
    let scheme = &s[..colon];
    // RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
    let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !is_scheme {
        return Ok(None);
    }
    if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") {
        Ok(Some(&s[colon + 3..]))
    } else {
        Err(PayloadError::UnsupportedScheme { scheme: shorten(scheme) })
    }
}

/// The part of `s` before any query or fragment.
fn without_query(s: &str) -> &str {
    &s[..s.find(['?', '#']).unwrap_or(s.len())]
}

fn parse_path(path: &str) -> Result<Payload, PayloadError> {
    let path = if path.is_empty() { "/" } else { path };
    let mut segs: Vec<&str> = path.split('/').collect();
    // Leading and trailing slashes (and so empty segments) carry no meaning; inner empty segments are kept
    // so that `/01//10/x` fails on its empty GTIN.
    while segs.last() == Some(&"") {
        segs.pop();
    }
    let first = segs.iter().position(|s| !s.is_empty()).unwrap_or(segs.len());
    let segs = &segs[first..];

    if let Some(found) = digital_link(segs, path)? {
        return Ok(found);
    }
    if let [.., key, value] = segs {
        if key.eq_ignore_ascii_case("b") {
            return Ok(Payload::Batch(percent_decode(value)?.parse()?));
        }
        if key.eq_ignore_ascii_case("vd") {
            return Ok(Payload::VetDrug(percent_decode(value)?.parse()?));
        }
    }
    if segs.contains(&"01") {
        return Err(PayloadError::MalformedDigitalLink {
            path: shorten(path),
            why: "expected /01/{GTIN} followed only by key-qualifier pairs such as /10/{lot} or /21/{serial}".into(),
        });
    }
    Err(PayloadError::UnknownPath { path: shorten(path) })
}

/// Reads a GS1 Digital Link path the way the standard does, from the end: key-qualifier pairs, then
/// `/01/{GTIN}`, with anything before that a prefix. `Ok(None)` when the path is not shaped like one.
fn digital_link(segs: &[&str], path: &str) -> Result<Option<Payload>, PayloadError> {
    let mut end = segs.len();
    let mut seen: Vec<&str> = Vec::new();
    let mut lot = None;
    while end >= 2 && GTIN_QUALIFIERS.contains(&segs[end - 2]) {
        let ai = segs[end - 2];
        if seen.contains(&ai) {
            return Err(PayloadError::MalformedDigitalLink {
                path: shorten(path),
                why: format!("application identifier {ai} appears twice"),
            });
        }
        seen.push(ai);
        if ai == "10" {
            lot = Some(segs[end - 1]);
        }
        end -= 2;
    }
    if end < 2 || segs[end - 2] != "01" {
        return Ok(None);
    }
    let gtin: Gtin = percent_decode(segs[end - 1])?.parse()?;
    match lot {
        Some(lot) => Ok(Some(Payload::DigitalLink { gtin, lot: percent_decode(lot)?.parse()? })),
        None => Err(PayloadError::MissingLot { gtin }),
    }
}

fn parse_bare(s: &str) -> Result<Payload, PayloadError> {
    let symbols: String = s.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    let all_digits = !symbols.is_empty() && symbols.bytes().all(|b| b.is_ascii_digit());
    let plain_digits = all_digits && symbols.len() == s.len();
    if all_digits && symbols.len() == 24 {
        return Ok(Payload::VetDrug(s.parse()?));
    }
    let gtin = if plain_digits { Some(s.parse::<Gtin>()) } else { None };
    if let Some(Ok(gtin)) = gtin {
        return Err(PayloadError::MissingLot { gtin });
    }
    match s.parse::<BatchId>() {
        Ok(id) => Ok(Payload::Batch(id)),
        // Thirteen symbols: someone meant a batch id, and its error (say, a wrong check symbol) is the useful one.
        Err(e) if symbols.chars().count() == 13 => Err(e.into()),
        Err(_) => match gtin {
            Some(Err(e)) if matches!(symbols.len(), 8 | 12 | 14) => Err(e.into()),
            _ if all_digits && symbols.len() > 14 => match s.parse::<VetDrugCode>() {
                Err(e) => Err(e.into()),
                Ok(code) => Ok(Payload::VetDrug(code)),
            },
            _ => Err(PayloadError::Unrecognized { input: shorten(s) }),
        },
    }
}

/// Percent-encodes a GS1 AI value for a Digital Link path: every character but the RFC 3986 unreserved ones
/// that occur in GS1 character set 82 (`A-Z a-z 0-9 - . _`) becomes `%XX` with upper-case hex, as the GS1
/// Digital Link URI syntax requires (`/` as `%2F`, `%` as `%25`, and so on).
fn percent_encode(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

/// Decodes `%XX` escapes (either case); anything else passes through unchanged, as RFC 3986 allows
/// sub-delimiters unescaped in a path segment.
fn percent_decode(segment: &str) -> Result<String, PayloadError> {
    let bad = || PayloadError::BadPercentEncoding { segment: shorten(segment) };
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = bytes.get(i + 1).and_then(|&b| hex_value(b)).ok_or_else(bad)?;
            let lo = bytes.get(i + 2).and_then(|&b| hex_value(b)).ok_or_else(bad)?;
            out.push((hi << 4) | lo);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `s` cut to at most 80 characters for error messages.
fn shorten(s: &str) -> String {
    match s.char_indices().nth(77) {
        Some((cut, _)) if s.chars().count() > 80 => format!("{}...", &s[..cut]),
        _ => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_round_trips_every_cset82_character() {
        let all = "!\"%&'()*+,-./:;<=>?_09AZaz";
        let enc = percent_encode(all);
        assert_eq!(enc, "%21%22%25%26%27%28%29%2A%2B%2C-.%2F%3A%3B%3C%3D%3E%3F_09AZaz");
        assert_eq!(percent_decode(&enc).unwrap(), all);
        assert_eq!(percent_decode("%2f%2F").unwrap(), "//");
    }

    #[test]
    fn percent_decoding_refuses_broken_escapes() {
        for bad in ["%", "%2", "%G0", "%+1", "a%2", "%C3%28", "%FF"] {
            assert!(matches!(percent_decode(bad), Err(PayloadError::BadPercentEncoding { .. })), "{bad}");
        }
    }

    #[test]
    fn shorten_cuts_on_character_boundaries() {
        let long = "猪".repeat(100);
        let s = shorten(&long);
        assert_eq!(s.chars().count(), 80);
        assert!(s.ends_with("..."));
        assert_eq!(shorten("short"), "short");
        let exactly_80 = "x".repeat(80);
        assert_eq!(shorten(&exactly_80), exactly_80);
    }
}
