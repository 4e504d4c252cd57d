//! Personal values kept off the log (issue 18, `docs/privacy.md`): a natural person's name, ID number or phone
//! that a record commits to ([`Personal`]). The log holds the salted commitment; the value and its salt are here,
//! sealed with ChaCha20-Poly1305 under the data directory's `keys/personal.key`, in a store of their own
//! (`DIR/personal`), never in the audit bundle, a mirror or a proof. A regulator reads a value with a reason, and
//! every read is in the access log its supervisors (the authority) audit. A value is erased when its retention
//! ends or on a lawful request; the log, and so every proof, is untouched.

use std::collections::BTreeMap;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

use crate::error::Error;
use crate::ids::RecordId;
use crate::keys::PublicKey;
use crate::shared::Personal;
use crate::store::{ReadStore, Store, Writes};
use crate::values::Time;

/// How long each kind of personal value is kept after it was deposited, in days, unless `ledger.json` says
/// otherwise (`personal_retention_days`): two years, the time production and sale records are kept
/// (农产品质量安全法 第二十七条; 农药管理条例 第三十六条 keeps 农药使用记录 two years).
pub const DEFAULT_RETENTION_DAYS: u32 = 730;

/// Why the vault refused or failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// The value and salt do not open the record's commitment.
    #[error("the value and salt do not open the {field} commitment of record {record}")]
    Mismatch {
        /// The record.
        record: RecordId,
        /// The field.
        field: String,
    },
    /// The record carries no commitment for the field.
    #[error("record {record} commits to no {field} field")]
    NoCommitment {
        /// The record.
        record: RecordId,
        /// The field.
        field: String,
    },
    /// A read without a reason.
    #[error("a read of personal data needs a reason")]
    NoReason,
    /// The field already has a value, or had one that was erased: an erased value is not put back.
    #[error("the {field} of record {record} is already kept, or was erased; it is not deposited again")]
    AlreadyKept {
        /// The record.
        record: RecordId,
        /// The field.
        field: String,
    },
    /// The store failed, or what it holds does not open.
    #[error(transparent)]
    Store(#[from] Error),
}

/// A personal value, opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalValue {
    /// The value.
    pub value: String,
    /// Its salt.
    pub salt: [u8; 16],
    /// When it was deposited.
    pub stored_at: Time,
}

/// What the vault holds for one field of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Held {
    /// The value.
    Value(PersonalValue),
    /// It was erased.
    Erased {
        /// When.
        at: Time,
        /// Why: the retention rule, or the request's reference.
        reason: String,
    },
}

/// One read of a personal value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AccessEntry {
    /// When.
    pub time: Time,
    /// Who read it.
    pub reader: PublicKey,
    /// The reader's name.
    pub reader_name: String,
    /// The record.
    pub record: RecordId,
    /// The field.
    pub field: String,
    /// The reason given.
    pub reason: String,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
enum Stored {
    Sealed { stored_at: u64, nonce: String, sealed: String },
    Erased { at: u64, reason: String },
}

/// The off-log store of personal values.
pub struct Vault {
    store: crate::SledStore,
    cipher: ChaCha20Poly1305,
    /// Serialises every write: two reads must not take one access-log number, and an erasure must not race a
    /// deposit.
    writing: std::sync::Mutex<()>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("Vault").finish_non_exhaustive()
    }
}

fn value_key(record: &RecordId, field: &str) -> Vec<u8> {
    let mut k = vec![b'd'];
    k.extend_from_slice(record.as_bytes());
    k.extend_from_slice(field.as_bytes());
    k
}

fn access_key(seq: u64) -> Vec<u8> {
    let mut k = vec![b'a'];
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

fn storage(why: impl std::fmt::Display) -> Error {
    Error::Storage(format!("personal store: {why}"))
}

impl Vault {
    /// Opens (or creates) the vault in `dir` with the 32-byte key at `key_path`, created if absent (readable by
    /// its owner only).
    pub fn open(dir: &Path, key_path: &Path) -> Result<Vault, Error> {
        let key = match std::fs::read(key_path) {
            Ok(k) if k.len() == 32 => k,
            Ok(_) => return Err(storage(format!("{} is not a 32-byte key", key_path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut k = vec![0u8; 32];
                getrandom::fill(&mut k).map_err(storage)?;
                write_private(key_path, &k)?;
                k
            }
            Err(e) => return Err(storage(format!("reading {}: {e}", key_path.display()))),
        };
        let store = crate::SledStore::open(dir)?;
        Ok(Vault { store, cipher: ChaCha20Poly1305::new(Key::from_slice(&key)), writing: std::sync::Mutex::new(()) })
    }

    /// Deposits `value` of `field` of `record`, which must open the record's commitment for that field
    /// ([`crate::privacy::commitments`]) under `salt`.
    pub fn deposit_for(
        &self,
        record: &crate::Record,
        field: &str,
        salt: &[u8; 16],
        value: &str,
        now: Time,
    ) -> Result<(), VaultError> {
        let id = record.id();
        let commitments = crate::privacy::commitments(&record.body().event);
        let Some((_, commitment)) = commitments.iter().find(|(f, _)| *f == field) else {
            return Err(VaultError::NoCommitment { record: id, field: field.to_owned() });
        };
        self.deposit(&id, field, commitment, salt, value, now)
    }

    /// Deposits `value` of `field` of `record`, which must open `commitment` under `salt`; refuses anything else.
    pub fn deposit(
        &self,
        record: &RecordId,
        field: &str,
        commitment: &Personal,
        salt: &[u8; 16],
        value: &str,
        now: Time,
    ) -> Result<(), VaultError> {
        if !commitment.opens(field, salt, value) {
            return Err(VaultError::Mismatch { record: *record, field: field.to_owned() });
        }
        let _w = self.lock();
        if self.store.get(&value_key(record, field))?.is_some() {
            return Err(VaultError::AlreadyKept { record: *record, field: field.to_owned() });
        }
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(storage)?;
        let mut plain = salt.to_vec();
        plain.extend_from_slice(value.as_bytes());
        let aad = value_key(record, field);
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: &plain, aad: &aad })
            .map_err(|_| storage("sealing failed"))?;
        let stored = Stored::Sealed {
            stored_at: now.0,
            nonce: hex::encode(nonce),
            sealed: crate::encoding::base64_encode(&sealed),
        };
        Ok(self.put(aad, &stored)?)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        // A panic while holding it left nothing half-written (each write is one atomic batch).
        self.writing.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn put(&self, key: Vec<u8>, stored: &Stored) -> Result<(), Error> {
        let mut w = Writes::new();
        w.insert(key, Some(serde_json::to_vec(stored).map_err(storage)?));
        self.store.apply(&w)?;
        self.store.flush()
    }

    /// What the vault holds for `field` of `record`, without logging a read: for erasure and tests. Regulators
    /// read through [`Vault::read`].
    pub fn held(&self, record: &RecordId, field: &str) -> Result<Option<Held>, Error> {
        let key = value_key(record, field);
        let Some(bytes) = self.store.get(&key)? else { return Ok(None) };
        match serde_json::from_slice::<Stored>(&bytes).map_err(storage)? {
            Stored::Erased { at, reason } => Ok(Some(Held::Erased { at: Time(at), reason })),
            Stored::Sealed { stored_at, nonce, sealed } => {
                let nonce = hex::decode(&nonce).map_err(storage)?;
                let sealed = crate::encoding::base64_decode(&sealed).ok_or_else(|| storage("bad sealed value"))?;
                if nonce.len() != 12 {
                    return Err(storage("bad nonce"));
                }
                let plain = self
                    .cipher
                    .decrypt(Nonce::from_slice(&nonce), Payload { msg: &sealed, aad: &key })
                    .map_err(|_| storage("a sealed value does not open under this directory's personal.key"))?;
                let (salt, value) = plain.split_at_checked(16).ok_or_else(|| storage("short sealed value"))?;
                let salt: [u8; 16] = salt.try_into().map_err(storage)?;
                let value = String::from_utf8(value.to_vec()).map_err(storage)?;
                Ok(Some(Held::Value(PersonalValue { value, salt, stored_at: Time(stored_at) })))
            }
        }
    }

    /// A regulator's read of `field` of `record`, with its reason, recorded in the access log first.
    pub fn read(
        &self,
        record: &RecordId,
        field: &str,
        reader: (&PublicKey, &str),
        reason: &str,
        now: Time,
    ) -> Result<Option<Held>, VaultError> {
        if reason.trim().is_empty() {
            return Err(VaultError::NoReason);
        }
        let held = self.held(record, field)?;
        if held.is_some() {
            let _w = self.lock();
            let seq = self.access_log()?.len() as u64;
            let entry = AccessEntry {
                time: now,
                reader: *reader.0,
                reader_name: reader.1.to_owned(),
                record: *record,
                field: field.to_owned(),
                reason: reason.to_owned(),
            };
            let mut w = Writes::new();
            w.insert(access_key(seq), Some(serde_json::to_vec(&entry).map_err(storage)?));
            self.store.apply(&w)?;
            self.store.flush()?;
        }
        Ok(held)
    }

    /// Every read, oldest first.
    pub fn access_log(&self) -> Result<Vec<AccessEntry>, Error> {
        self.store.scan_prefix(b"a")?.into_iter().map(|(_, v)| serde_json::from_slice(&v).map_err(storage)).collect()
    }

    /// Erases `field` of `record` (a lawful request, or its retention ended): the value and salt are gone, a
    /// tombstone says when and why. Returns whether there was a value.
    pub fn erase(&self, record: &RecordId, field: &str, reason: &str, now: Time) -> Result<bool, Error> {
        let _w = self.lock();
        match self.held(record, field)? {
            Some(Held::Value(_)) => {
                self.put(value_key(record, field), &Stored::Erased { at: now.0, reason: reason.to_owned() })?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Erases every value kept longer than its field's retention (`days` by field, else
    /// [`DEFAULT_RETENTION_DAYS`]). Returns how many were erased.
    pub fn erase_expired(&self, days: &BTreeMap<String, u32>, now: Time) -> Result<usize, Error> {
        let _w = self.lock();
        let mut erased = 0;
        for (k, v) in self.store.scan_prefix(b"d")? {
            let Stored::Sealed { stored_at, .. } = serde_json::from_slice::<Stored>(&v).map_err(storage)? else {
                continue;
            };
            let Some(rest) = k.get(1..) else { continue };
            let (id, field) = rest.split_at_checked(32).ok_or_else(|| storage("short key"))?;
            if id.len() != 32 {
                return Err(storage("short key"));
            }
            let field = String::from_utf8(field.to_vec()).map_err(storage)?;
            let keep = days.get(&field).copied().unwrap_or(DEFAULT_RETENTION_DAYS);
            if Time(stored_at).plus_days(keep) <= now {
                let reason = format!("retention of {keep} days for {field} ended");
                self.put(k.clone(), &Stored::Erased { at: now.0, reason })?;
                erased += 1;
            }
        }
        Ok(erased)
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(storage)?;
    }
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path).map_err(|e| storage(format!("creating {}: {e}", path.display())))?;
    f.write_all(bytes).and_then(|()| f.sync_all()).map_err(storage)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault(dir: &Path) -> Vault {
        Vault::open(&dir.join("personal"), &dir.join("keys").join("personal.key")).unwrap()
    }

    #[test]
    fn a_value_is_sealed_read_with_a_reason_into_the_log_and_erased() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        let record = RecordId([4; 32]);
        let salt = [7u8; 16];
        let c = Personal::commit("contact", &salt, "13800000000");
        assert!(v.deposit(&record, "contact", &c, &salt, "13900000000", Time(1)).is_err(), "another value");
        v.deposit(&record, "contact", &c, &salt, "13800000000", Time(1)).unwrap();
        // Sealed at rest: the phone number is nowhere in the store's files.
        drop(v);
        for e in walk(&dir.path().join("personal")) {
            let bytes = std::fs::read(&e).unwrap();
            assert!(!bytes.windows(11).any(|w| w == b"13800000000"), "{} holds the value in the clear", e.display());
        }
        let v = vault(dir.path());
        let reader = crate::SecretKey::from_seed([3; 32]).public();
        assert!(v.read(&record, "contact", (&reader, "Bureau"), " ", Time(2)).is_err(), "no reason");
        let got = v.read(&record, "contact", (&reader, "Bureau"), "case XH-2026-17", Time(2)).unwrap();
        assert!(matches!(got, Some(Held::Value(PersonalValue { ref value, .. })) if value == "13800000000"));
        let log = v.access_log().unwrap();
        assert_eq!((log.len(), log[0].reason.as_str(), log[0].reader), (1, "case XH-2026-17", reader));
        assert!(v.erase(&record, "contact", "request 2026-03", Time(3)).unwrap());
        assert!(
            matches!(v.held(&record, "contact").unwrap(), Some(Held::Erased { ref reason, .. }) if reason == "request 2026-03")
        );
        assert!(
            matches!(
                v.deposit(&record, "contact", &c, &salt, "13800000000", Time(3)),
                Err(VaultError::AlreadyKept { .. })
            ),
            "an erased value is not put back"
        );
        // A vault opened with another key cannot open what this one sealed.
        let other = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(other.path().join("keys")).unwrap();
        std::fs::write(other.path().join("keys").join("personal.key"), [9u8; 32]).unwrap();
        v.deposit(&RecordId([5; 32]), "contact", &c, &salt, "13800000000", Time(4)).unwrap();
        drop(v);
        let stolen =
            Vault::open(&dir.path().join("personal"), &other.path().join("keys").join("personal.key")).unwrap();
        assert!(stolen.held(&RecordId([5; 32]), "contact").is_err());
    }

    #[test]
    fn concurrent_reads_each_get_an_access_log_entry() {
        let dir = tempfile::tempdir().unwrap();
        let v = std::sync::Arc::new(vault(dir.path()));
        let salt = [2u8; 16];
        let c = Personal::commit("contact", &salt, "x");
        v.deposit(&RecordId([1; 32]), "contact", &c, &salt, "x", Time(0)).unwrap();
        let reader = crate::SecretKey::from_seed([3; 32]).public();
        let threads: Vec<_> = (0..8)
            .map(|n| {
                let v = v.clone();
                std::thread::spawn(move || {
                    for i in 0..10 {
                        v.read(&RecordId([1; 32]), "contact", (&reader, "R"), &format!("{n}-{i}"), Time(1)).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(v.access_log().unwrap().len(), 80);
    }

    #[test]
    fn the_retention_job_erases_what_is_past_its_days() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        let salt = [1u8; 16];
        let c = Personal::commit("person", &salt, "李四");
        let day = 86_400_000;
        v.deposit(&RecordId([1; 32]), "person", &c, &salt, "李四", Time(0)).unwrap();
        v.deposit(&RecordId([2; 32]), "person", &c, &salt, "李四", Time(200 * day)).unwrap();
        let days = BTreeMap::from([("person".to_owned(), 365)]);
        assert_eq!(v.erase_expired(&days, Time(364 * day)).unwrap(), 0);
        assert_eq!(v.erase_expired(&days, Time(365 * day)).unwrap(), 1);
        assert!(matches!(v.held(&RecordId([1; 32]), "person").unwrap(), Some(Held::Erased { .. })));
        assert!(matches!(v.held(&RecordId([2; 32]), "person").unwrap(), Some(Held::Value(_))));
        assert_eq!(v.erase_expired(&days, Time(365 * day)).unwrap(), 0, "an erased value stays erased");
    }

    fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
        }
        out
    }
}
