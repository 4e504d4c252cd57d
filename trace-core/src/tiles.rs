//! C2SP tlog-tiles (<https://c2sp.org/tlog-tiles>): the log as static files a mirror or CDN can serve
//! without the node. A [`Tile`] is either a hash tile `tile/<L>/<N>[.p/<W>]` (up to 256 consecutive hashes of
//! complete subtrees of height 8·L) or an entry bundle `tile/entries/<N>[.p/<W>]` (up to 256 consecutive
//! entries, each a big-endian u16 length and the leaf data). `<N>` is written in zero-padded 3-digit path
//! elements, all but the last prefixed with `x`: 1234067 is `x001/x234/067`.
//!
//! Tiles are read from the stored complete subtrees and one range read of entries, never the whole log.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::error::Error;
use crate::ledger::Ledger;
use crate::merkle::NodeSource;

/// Levels of the Merkle tree one tile spans.
pub const TILE_HEIGHT: u32 = 8;

/// Hashes (or entries) in a full tile.
pub const TILE_WIDTH: u16 = 256;

/// Highest tile level a path may name (the spec's bound; a 64-bit tree uses levels 0 to 7).
pub const MAX_TILE_LEVEL: u8 = 63;

/// A tile path that does not parse, or tile coordinates out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid tile path '{path}': {why}")]
pub struct TileError {
    /// The path, shortened to 80 characters.
    pub path: String,
    /// What is wrong with it.
    pub why: &'static str,
}

fn tile_error(path: &str, why: &'static str) -> TileError {
    TileError { path: path.chars().take(80).collect(), why }
}

/// What a tile holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TileKind {
    /// Hashes of complete subtrees of height 8·`level` (level 0: leaf hashes).
    Hashes {
        /// The tile level, 0 to 63.
        level: u8,
    },
    /// An entry bundle: the leaf data behind a level-0 tile.
    Entries,
}

/// One tile or entry bundle: kind, index within its level, and width (256 for a full tile).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tile {
    kind: TileKind,
    index: u64,
    width: u16,
}

impl Tile {
    /// The hash tile at `level` and `index` with `width` hashes (1 to 256).
    pub fn hashes(level: u8, index: u64, width: u16) -> Result<Tile, TileError> {
        if level > MAX_TILE_LEVEL {
            return Err(tile_error(&format!("tile/{level}"), "level is above 63"));
        }
        Tile::new(TileKind::Hashes { level }, index, width)
    }

    /// The entry bundle at `index` with `width` entries (1 to 256).
    pub fn entries(index: u64, width: u16) -> Result<Tile, TileError> {
        Tile::new(TileKind::Entries, index, width)
    }

    fn new(kind: TileKind, index: u64, width: u16) -> Result<Tile, TileError> {
        if width == 0 || width > TILE_WIDTH {
            return Err(tile_error("", "width must be 1 to 256"));
        }
        Ok(Tile { kind, index, width })
    }

    /// What it holds.
    pub fn kind(&self) -> TileKind {
        self.kind
    }

    /// Its index within its level.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// How many hashes or entries it holds.
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Whether it is partial (fewer than 256 hashes or entries).
    pub fn is_partial(&self) -> bool {
        self.width < TILE_WIDTH
    }

    /// The tree level of the hashes in it: 8·L for a level-L hash tile, 0 for an entry bundle.
    fn node_level(&self) -> u32 {
        match self.kind {
            TileKind::Hashes { level } => u32::from(level) * TILE_HEIGHT,
            TileKind::Entries => 0,
        }
    }

    /// The range of leaves `[start, end)` its hashes or entries cover, or `None` past 2^64.
    pub fn leaf_range(&self) -> Option<(u64, u64)> {
        let shift = self.node_level();
        let first = self.index.checked_mul(u64::from(TILE_WIDTH))?;
        let last = first.checked_add(u64::from(self.width))?;
        let scale = 1u64.checked_shl(shift)?;
        Some((first.checked_mul(scale)?, last.checked_mul(scale)?))
    }

    /// Whether every hash or entry in it exists in a tree of `size` leaves.
    pub fn is_within(&self, size: u64) -> bool {
        self.leaf_range().is_some_and(|(_, end)| end <= size)
    }

    /// The path, e.g. `tile/0/x001/234.p/17` or `tile/entries/000`.
    pub fn path(&self) -> String {
        self.to_string()
    }

    /// Parses a tile path, strictly: canonical numbers only, so each tile has exactly one path.
    pub fn parse(path: &str) -> Result<Tile, TileError> {
        let bad = |why| tile_error(path, why);
        let rest = path.strip_prefix("tile/").ok_or_else(|| bad("does not start with 'tile/'"))?;
        let (first, rest) = rest.split_once('/').ok_or_else(|| bad("no tile index"))?;
        let kind = if first == "entries" {
            TileKind::Entries
        } else {
            let level = parse_decimal(first).ok_or_else(|| bad("level is not a decimal number"))?;
            let level =
                u8::try_from(level).ok().filter(|l| *l <= MAX_TILE_LEVEL).ok_or_else(|| bad("level is above 63"))?;
            TileKind::Hashes { level }
        };
        // The index elements, then optionally `.p/<W>` on the last one.
        let (index_part, width) = match rest.split_once(".p/") {
            Some((idx, w)) => {
                let w = parse_decimal(w).ok_or_else(|| bad("partial width is not a decimal number"))?;
                let w = u16::try_from(w).ok().filter(|w| (1..TILE_WIDTH).contains(w));
                (idx, w.ok_or_else(|| bad("partial width must be 1 to 255"))?)
            }
            None => (rest, TILE_WIDTH),
        };
        let elements: Vec<&str> = index_part.split('/').collect();
        let (last, groups) = elements.split_last().ok_or_else(|| bad("no tile index"))?;
        let mut index: u64 = 0;
        for (i, g) in groups.iter().enumerate() {
            let digits = g.strip_prefix('x').ok_or_else(|| bad("every index element but the last starts with 'x'"))?;
            let v = three_digits(digits).ok_or_else(|| bad("index elements are three digits"))?;
            if i == 0 && v == 0 {
                return Err(bad("index has a leading zero element"));
            }
            index = index.checked_mul(1000).and_then(|n| n.checked_add(v)).ok_or_else(|| bad("index is too large"))?;
        }
        let v = three_digits(last).ok_or_else(|| bad("index elements are three digits"))?;
        index = index.checked_mul(1000).and_then(|n| n.checked_add(v)).ok_or_else(|| bad("index is too large"))?;
        Tile::new(kind, index, width).map_err(|e| bad(e.why))
    }
}

fn three_digits(s: &str) -> Option<u64> {
    if s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()) { s.parse().ok() } else { None }
}

/// A decimal number without leading zeros (except `0` itself).
fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

impl fmt::Display for Tile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            TileKind::Hashes { level } => write!(f, "tile/{level}/")?,
            TileKind::Entries => f.write_str("tile/entries/")?,
        }
        let mut groups = Vec::new();
        let mut n = self.index;
        loop {
            groups.push(n % 1000);
            n /= 1000;
            if n == 0 {
                break;
            }
        }
        for (i, g) in groups.iter().rev().enumerate() {
            if i + 1 < groups.len() {
                write!(f, "x{g:03}/")?;
            } else {
                write!(f, "{g:03}")?;
            }
        }
        if self.is_partial() {
            write!(f, ".p/{}", self.width)?;
        }
        Ok(())
    }
}

impl FromStr for Tile {
    type Err = TileError;
    fn from_str(s: &str) -> Result<Tile, TileError> {
        Tile::parse(s)
    }
}

/// Every hash tile and entry bundle of a tree of `size` leaves, full tiles first at each level, then the
/// partial one on the right edge: what a mirror needs to serve that tree.
pub fn tiles(size: u64) -> impl Iterator<Item = Tile> {
    let width = u64::from(TILE_WIDTH);
    let per_level = move |kind: TileKind, level: u32| {
        let n = size >> (level * TILE_HEIGHT);
        let (full, partial) = (n / width, (n % width) as u16);
        let fulls = (0..full).map(move |index| Tile { kind, index, width: TILE_WIDTH });
        let part = (partial > 0).then_some(Tile { kind, index: full, width: partial });
        fulls.chain(part)
    };
    let hashes = (0..8u32).flat_map(move |level| per_level(TileKind::Hashes { level: level as u8 }, level));
    hashes.chain(per_level(TileKind::Entries, 0))
}

/// The bytes of a hash tile: `width` 32-byte hashes of complete subtrees, read from `src`. Refuses a tile that
/// reaches past a tree of `size` leaves.
pub fn read_hash_tile(src: &impl NodeSource, tile: &Tile, size: u64) -> Result<Vec<u8>, Error> {
    let TileKind::Hashes { .. } = tile.kind else {
        return Err(Error::NotFound(format!("{tile} is not a hash tile")));
    };
    if !tile.is_within(size) {
        return Err(Error::NotFound(format!("{tile} is not within a tree of size {size}")));
    }
    // is_within bounded (index·256 + width)·2^level below 2^64, so the level fits a u8 and nothing overflows.
    let level = tile.node_level() as u8;
    let first = tile.index * u64::from(TILE_WIDTH);
    let mut out = Vec::with_capacity(32 * usize::from(tile.width));
    for i in 0..u64::from(tile.width) {
        out.extend_from_slice(&src.node(level, first + i)?);
    }
    Ok(out)
}

/// The bytes of an entry bundle: each entry's leaf data as a big-endian u16 length and the data, read with
/// one range read. Refuses a bundle that reaches past a tree of `size` leaves, or past the ledger.
pub fn read_entry_bundle(ledger: &Ledger, tile: &Tile, size: u64) -> Result<Vec<u8>, Error> {
    if tile.kind != TileKind::Entries {
        return Err(Error::NotFound(format!("{tile} is not an entry bundle")));
    }
    if !tile.is_within(size) || size > ledger.size() {
        return Err(Error::NotFound(format!("{tile} is not within a tree of size {size}")));
    }
    let (start, end) = tile.leaf_range().unwrap_or((0, 0));
    let leaves = ledger.leaf_range(start, end, usize::from(tile.width))?;
    if leaves.len() != usize::from(tile.width) {
        return Err(Error::Corrupt { index: start + leaves.len() as u64, why: "entry missing".into() });
    }
    let mut out = Vec::with_capacity(leaves.iter().map(|l| 2 + l.len()).sum());
    for (i, leaf) in leaves.iter().enumerate() {
        let len = u16::try_from(leaf.len()).map_err(|_| Error::Corrupt {
            index: start + i as u64,
            why: format!("leaf data of {} bytes does not fit an entry bundle's u16 length", leaf.len()),
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(leaf);
    }
    Ok(out)
}

/// The bytes of any tile of `ledger` in the tree of `size` leaves.
pub fn read_tile(ledger: &Ledger, tile: &Tile, size: u64) -> Result<Vec<u8>, Error> {
    if size > ledger.size() {
        return Err(Error::NotFound(format!("tree size {size}; the log has {} entries", ledger.size())));
    }
    match tile.kind {
        TileKind::Hashes { .. } => read_hash_tile(&ledger.nodes(), tile, size),
        TileKind::Entries => read_entry_bundle(ledger, tile, size),
    }
}

/// Writes every tile of the tree of `size` leaves under `dir` (as `dir/tile/...`), for a static mirror.
/// Full tiles never change, so those already present are skipped; partial tiles are rewritten. Each file is
/// written to a temporary name and renamed into place, so a reader never sees half a tile. Returns how many
/// files were written. The caller publishes the matching signed checkpoint at `dir/checkpoint`.
pub fn write_tiles(ledger: &Ledger, size: u64, dir: &Path) -> Result<u64, Error> {
    let io = |context: String| move |source| Error::Io { context, source };
    let mut written = 0;
    for tile in tiles(size) {
        let path = dir.join(tile.path());
        if !tile.is_partial() && path.exists() {
            continue;
        }
        let bytes = read_tile(ledger, &tile, size)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(format!("creating {}", parent.display())))?;
        }
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, &bytes).map_err(io(format!("writing {}", tmp.display())))?;
        std::fs::rename(&tmp, &path).map_err(io(format!("renaming {}", tmp.display())))?;
        written += 1;
    }
    Ok(written)
}
