//! C2SP tlog-tiles: paths from `tests/data/tiles/paths.json`, the spec's own examples of which tiles a tree
//! has, hash tiles checked against the tree they come from, and entry bundles and a static mirror written
//! from a real ledger.

use serde_json::Value;
use trace_core::encoding::leaf_hash;
use trace_core::merkle::{self, Hash};
use trace_core::*;

use crate::common::*;
use crate::merkle::{MemTree, Rng, data_dir, mth};
use crate::witness::grow;

fn paths() -> Value {
    serde_json::from_str(&std::fs::read_to_string(data_dir().join("tiles/paths.json")).unwrap()).unwrap()
}

#[test]
fn tile_paths_parse_to_their_tiles_and_format_back() {
    let v = paths();
    for c in v["good"].as_array().unwrap() {
        let path = c["path"].as_str().unwrap();
        let width = c["width"].as_u64().unwrap() as u16;
        let index = c["index"].as_u64().unwrap();
        let want = match c["kind"].as_str().unwrap() {
            "entries" => Tile::entries(index, width).unwrap(),
            _ => Tile::hashes(c["level"].as_u64().unwrap() as u8, index, width).unwrap(),
        };
        assert_eq!(Tile::parse(path), Ok(want), "{path}");
        assert_eq!(want.path(), path);
        assert_eq!(want.is_partial(), width < 256);
    }
    for c in v["bad"].as_array().unwrap() {
        let path = c["path"].as_str().unwrap();
        assert!(Tile::parse(path).is_err(), "{path} ({}) parsed", c["why"]);
    }
}

#[test]
fn random_tiles_round_trip_through_their_paths() {
    let mut rng = Rng::new(7);
    for _ in 0..5000 {
        let index = match rng.next() % 3 {
            0 => rng.next() % 1000,
            1 => rng.next() % 10_000_000,
            _ => rng.next(),
        };
        let width = if rng.next() % 2 == 0 { 256 } else { rng.range(1, 255) as u16 };
        let t = if rng.next() % 4 == 0 {
            Tile::entries(index, width).unwrap()
        } else {
            Tile::hashes(rng.range(0, 63) as u8, index, width).unwrap()
        };
        assert_eq!(Tile::parse(&t.path()), Ok(t), "{t}");
    }
    assert!(Tile::hashes(64, 0, 256).is_err());
    assert!(Tile::hashes(0, 0, 0).is_err());
    assert!(Tile::entries(0, 257).is_err());
}

fn tile_paths(size: u64) -> Vec<String> {
    tiles(size).map(|t| t.path()).collect()
}

#[test]
fn a_tree_has_the_tiles_the_spec_says_it_has() {
    let v = paths();
    let t256 = &v["tree_of_256"];
    let want: Vec<&str> = t256["tiles"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert_eq!(tile_paths(t256["size"].as_u64().unwrap()), want);

    let t = &v["tree_of_70000"];
    let all: Vec<Tile> = tiles(t["size"].as_u64().unwrap()).collect();
    let partial: Vec<String> = all.iter().filter(|t| t.is_partial()).map(Tile::path).collect();
    let want: Vec<&str> = t["partial_tiles"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert_eq!(partial, want);
    for (level, n) in t["full_tiles_per_level"].as_array().unwrap().iter().enumerate() {
        let full =
            all.iter().filter(|t| !t.is_partial() && t.kind() == TileKind::Hashes { level: level as u8 }).count();
        assert_eq!(full as u64, n.as_u64().unwrap(), "level {level}");
    }
    let bundles = all.iter().filter(|t| !t.is_partial() && t.kind() == TileKind::Entries).count();
    assert_eq!(bundles as u64, t["full_entry_bundles"].as_u64().unwrap());

    assert_eq!(tiles(0).count(), 0);
    assert_eq!(tile_paths(1), ["tile/0/000.p/1", "tile/entries/000.p/1"]);
    assert!(tiles(u64::MAX).take(3).all(|t| !t.is_partial()));
}

/// Checks every hash tile of a tree of `size` leaves against the tree: level-0 tiles hold the leaf hashes,
/// each higher hash is the root of the full tile below it, and the leaf hashes make the tree's root.
fn check_hash_tiles(src: &impl merkle::NodeSource, leaves: &[Hash], size: u64) -> usize {
    let read = |t: &Tile| -> Vec<Hash> {
        let bytes = read_hash_tile(src, t, size).unwrap();
        assert_eq!(bytes.len(), 32 * usize::from(t.width()), "{t}");
        bytes.chunks(32).map(|c| c.try_into().unwrap()).collect()
    };
    let mut level0: Vec<Hash> = Vec::new();
    let mut count = 0;
    for t in tiles(size) {
        let TileKind::Hashes { level } = t.kind() else { continue };
        let hashes = read(&t);
        count += 1;
        if level == 0 {
            let start = (t.index() * 256) as usize;
            assert_eq!(&hashes[..], &leaves[start..start + hashes.len()], "{t}");
            level0.extend_from_slice(&hashes);
        } else {
            for (i, h) in hashes.iter().enumerate() {
                let below = Tile::hashes(level - 1, t.index() * 256 + i as u64, 256).unwrap();
                assert_eq!(h, &mth(&read(&below)), "{t} hash {i}");
            }
        }
    }
    assert_eq!(level0.len() as u64, size);
    assert_eq!(mth(&level0), merkle::root(src, size).unwrap());
    count
}

#[test]
fn hash_tiles_of_a_70000_leaf_tree_hold_the_right_hashes() {
    let tree = MemTree::numbered(70_000);
    let leaves: Vec<Hash> = (0..70_000).map(|i| tree.leaf(i)).collect();
    assert_eq!(check_hash_tiles(&tree, &leaves, 70_000), 273 + 1 + 1 + 1 + 1);
    for size in [1, 255, 256, 257, 65_535, 65_536, 65_537] {
        check_hash_tiles(&tree, &leaves, size);
    }
    // A full tile (or a wider partial) past the tree is refused; a narrower prefix is the same bytes.
    for path in ["tile/0/273", "tile/0/273.p/113", "tile/1/001", "tile/2/000.p/2", "tile/3/000.p/1"] {
        assert!(read_hash_tile(&tree, &Tile::parse(path).unwrap(), 70_000).is_err(), "{path}");
    }
    let full = read_hash_tile(&tree, &Tile::parse("tile/0/273.p/112").unwrap(), 70_000).unwrap();
    let part = read_hash_tile(&tree, &Tile::parse("tile/0/273.p/50").unwrap(), 70_000).unwrap();
    assert_eq!(&full[..50 * 32], &part[..]);
}

/// Splits an entry bundle into its entries' leaf data.
fn parse_bundle(mut b: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let len = u16::from_be_bytes([b[0], b[1]]) as usize;
        out.push(b[2..2 + len].to_vec());
        b = &b[2 + len..];
    }
    out
}

#[test]
fn a_ledger_serves_entry_bundles_and_tiles_and_writes_a_static_mirror() {
    let t = TestLedger::founded();
    grow(&t.ledger, 300, "tile");
    let l = &t.ledger;
    let size = l.size();
    assert_eq!(size, 309);
    let leaves: Vec<Hash> = (0..size).map(|i| leaf_hash(&l.leaf_data(i).unwrap())).collect();
    check_hash_tiles(&l.nodes(), &leaves, size);

    let mut seen = 0;
    for tile in tiles(size).filter(|t| t.kind() == TileKind::Entries) {
        let entries = parse_bundle(&read_tile(l, &tile, size).unwrap());
        assert_eq!(entries.len(), usize::from(tile.width()));
        let hashes = read_tile(l, &Tile::hashes(0, tile.index(), tile.width()).unwrap(), size).unwrap();
        for (i, e) in entries.iter().enumerate() {
            let index = tile.index() * 256 + i as u64;
            assert_eq!(e, &l.leaf_data(index).unwrap());
            assert_eq!(&hashes[i * 32..i * 32 + 32], &leaf_hash(e), "entry {index} hashes to its tile hash");
            seen += 1;
        }
    }
    assert_eq!(seen, size);
    assert!(read_tile(l, &Tile::parse("tile/entries/001").unwrap(), size).is_err());
    assert!(read_tile(l, &Tile::parse("tile/entries/000").unwrap(), size + 1).is_err());

    let dir = tempfile::tempdir().unwrap();
    assert_eq!(write_tiles(l, size, dir.path()).unwrap(), 5);
    let mut files: Vec<String> = walk(dir.path());
    files.sort();
    assert_eq!(files, ["tile/0/000", "tile/0/001.p/53", "tile/1/000.p/1", "tile/entries/000", "tile/entries/001.p/53"]);
    for f in &files {
        let tile = Tile::parse(f).unwrap();
        assert_eq!(std::fs::read(dir.path().join(f)).unwrap(), read_tile(l, &tile, size).unwrap());
    }
    // Again at the same size: only the partial tiles are rewritten.
    assert_eq!(write_tiles(l, size, dir.path()).unwrap(), 3);
}

fn walk(root: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out
}
