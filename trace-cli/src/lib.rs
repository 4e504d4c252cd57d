//! `trace-cli`: the library behind the `trace` command, kept out of `main.rs` so tests can call it.
//!
//! - [`qr`]: QR labels for batches and vet-drug packages: the terminal rendering, PNG and SVG labels with the
//!   human-readable caption, and printable sheets ([`qr::Label`], [`qr::png`], [`qr::svg`], [`qr::sheet_png`]).
//!   The payload each code holds is [`trace_core::Payload`]'s, specified in `docs/qr.md`.

pub mod qr;
