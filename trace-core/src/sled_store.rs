//! The storage adapter: [`SledStore`], the [`Store`] over one sled tree. This is the only module of the crate
//! that names sled (`trace-core/tests/architecture.rs` fails the build's tests otherwise).

use std::path::Path;

use crate::error::Error;
use crate::store::{Pair, ReadStore, Store, Writes};

/// The embedded store: one sled tree under a data directory.
#[derive(Debug)]
pub struct SledStore {
    db: sled::Db,
    tree: sled::Tree,
}

fn storage(e: sled::Error) -> Error {
    Error::Storage(e.to_string())
}

impl SledStore {
    /// Opens (creating if needed) the store in `dir`.
    pub fn open(dir: &Path) -> Result<SledStore, Error> {
        let db = sled::Config::new()
            .path(dir)
            // Writes are made durable by explicit flushes at group commit; sled's own timer would only add
            // flushes of data we have not acknowledged yet.
            .flush_every_ms(None)
            .cache_capacity(64 * 1024 * 1024)
            .open()
            .map_err(storage)?;
        let tree = db.open_tree("ledger").map_err(storage)?;
        Ok(SledStore { db, tree })
    }
}

impl ReadStore for SledStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.tree.get(key).map_err(storage)?.map(|v| v.to_vec()))
    }

    fn range(&self, from: &[u8], to: &[u8], limit: usize) -> Result<Vec<Pair>, Error> {
        let mut out = Vec::new();
        for item in self.tree.range(from..to).take(limit) {
            let (k, v) = item.map_err(storage)?;
            out.push((k.to_vec(), v.to_vec()));
        }
        Ok(out)
    }

    fn size_on_disk(&self) -> Result<u64, Error> {
        self.db.size_on_disk().map_err(storage)
    }
}

impl Store for SledStore {
    fn apply(&self, writes: &Writes) -> Result<(), Error> {
        let mut batch = sled::Batch::default();
        for (k, v) in writes {
            match v {
                Some(v) => batch.insert(k.as_slice(), v.as_slice()),
                None => batch.remove(k.as_slice()),
            }
        }
        self.tree.apply_batch(batch).map_err(storage)
    }

    fn flush(&self) -> Result<(), Error> {
        self.db.flush().map(|_| ()).map_err(storage)
    }
}
