//! The on-disk layout of a ledger's data directory, shared by the node and by the CLI's `--data DIR`:
//!
//! ```text
//! DIR/ledger.json        {"origin": "...", "log_key_name": "..."}
//! DIR/keys/authority.key the authority's secret key (mode 0600): signed the genesis, admits actors
//! DIR/keys/log.key       the log key (mode 0600): signs checkpoints
//! DIR/ledger/            the sled store
//! ```

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::clock::Clock;
use crate::error::Error;
use crate::event::{ActorAdmitted, Event};
use crate::keys::SecretKey;
use crate::ledger::Ledger;
use crate::record::{Record, sign_event};
use crate::rules::shipped_registry_adoption;
use crate::values::{Handle, Origin, Role, Time};

/// The contents of `ledger.json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LedgerConfig {
    /// The ledger's origin.
    pub origin: Origin,
    /// The key name on checkpoint signature lines (the origin, by default).
    pub log_key_name: String,
    /// Days each kind of personal value is kept off the log before the retention job erases it, by field
    /// (`contact`, `person`); [`crate::vault::DEFAULT_RETENTION_DAYS`] for a field not named.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub personal_retention_days: std::collections::BTreeMap<String, u32>,
}

/// An opened data directory.
#[derive(Debug)]
pub struct DataDir {
    /// The directory.
    pub path: PathBuf,
    /// Its configuration.
    pub config: LedgerConfig,
    /// The open ledger.
    pub ledger: Ledger,
    /// The log key.
    pub log_key: SecretKey,
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let context = context.into();
    move |source| Error::Io { context, source }
}

/// Writes a secret key file with mode 0600, refusing to overwrite an existing file.
pub fn write_key_file(path: &Path, key: &SecretKey) -> Result<(), Error> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(io(format!("creating key file {}", path.display())))?;
    f.write_all(key.to_file_text().as_bytes()).map_err(io(format!("writing key file {}", path.display())))?;
    f.sync_all().map_err(io(format!("syncing key file {}", path.display())))
}

/// Reads a secret key file.
pub fn read_key_file(path: &Path) -> Result<SecretKey, Error> {
    let text = fs::read_to_string(path).map_err(io(format!("reading key file {}", path.display())))?;
    Ok(SecretKey::from_file_text(&text)?)
}

/// The genesis records of a new ledger: the authority admitting itself (handle `authority`), then the adoption
/// of the shipped banned-substance list.
pub fn genesis_records(authority: &SecretKey, name: &str, origin: &Origin, time: Time) -> Vec<Record> {
    vec![
        sign_event(
            authority,
            origin,
            time,
            vec![],
            Event::ActorAdmitted(ActorAdmitted {
                actor: authority.public(),
                name: name.to_owned(),
                handle: Handle::known("authority".into()),
                roles: vec![Role::Authority, Role::Regulator],
                departments: Vec::new(),
                registration: String::new(),
                location: String::new(),
                licences: Vec::new(),
                contact: None,
            }),
        ),
        sign_event(
            authority,
            origin,
            time,
            vec![],
            Event::RegistryAdopted(shipped_registry_adoption("banned-substance list shipped with trace")),
        ),
    ]
}

impl DataDir {
    /// Where the authority key lives.
    pub fn authority_key_path(dir: &Path) -> PathBuf {
        dir.join("keys").join("authority.key")
    }

    /// Creates a new ledger in `dir` (which must not exist or be empty): keys, config, genesis.
    pub fn init(dir: &Path, origin: Origin, authority_name: &str) -> Result<DataDir, Error> {
        let authority = SecretKey::generate().map_err(io("generating the authority key"))?;
        let opened = DataDir::create(dir, origin, &authority)?;
        for r in genesis_records(&authority, authority_name, &opened.config.origin, Time::now()) {
            opened.ledger.append(r)?;
        }
        Ok(opened)
    }

    /// Creates the directory, key files and config of a new ledger whose authority is `authority`, without
    /// appending anything: the caller appends the genesis records.
    pub fn create(dir: &Path, origin: Origin, authority: &SecretKey) -> Result<DataDir, Error> {
        DataDir::create_with_clock(dir, origin, authority, Clock::system())
    }

    /// [`DataDir::create`] with a ledger stamped by `clock`: for stories (see [`crate::StoryClock`]). The clock
    /// is not part of the directory: whoever opens it next gets the system clock.
    pub fn create_with_clock(
        dir: &Path,
        origin: Origin,
        authority: &SecretKey,
        clock: Clock,
    ) -> Result<DataDir, Error> {
        if dir.exists() && fs::read_dir(dir).map_err(io(format!("reading {}", dir.display())))?.next().is_some() {
            return Err(Error::Io {
                context: format!("{} is not empty; refusing to create a ledger over it", dir.display()),
                source: std::io::Error::from(std::io::ErrorKind::AlreadyExists),
            });
        }
        fs::create_dir_all(dir.join("keys")).map_err(io(format!("creating {}", dir.display())))?;
        let log_key = SecretKey::generate().map_err(io("generating the log key"))?;
        write_key_file(&Self::authority_key_path(dir), authority)?;
        write_key_file(&dir.join("keys").join("log.key"), &log_key)?;
        let config =
            LedgerConfig { log_key_name: origin.to_string(), origin, personal_retention_days: Default::default() };
        let json = serde_json::to_string_pretty(&config).map_err(|e| Error::Storage(e.to_string()))?;
        fs::write(dir.join("ledger.json"), json + "\n").map_err(io("writing ledger.json"))?;
        DataDir::open_with_clock(dir, clock)
    }

    /// Opens an existing data directory.
    pub fn open(dir: &Path) -> Result<DataDir, Error> {
        DataDir::open_with_clock(dir, Clock::system())
    }

    fn open_with_clock(dir: &Path, clock: Clock) -> Result<DataDir, Error> {
        let cfg_path = dir.join("ledger.json");
        let text = fs::read_to_string(&cfg_path).map_err(io(format!(
            "reading {} (is {} a trace data directory?)",
            cfg_path.display(),
            dir.display()
        )))?;
        let config: LedgerConfig = serde_json::from_str(&text)
            .map_err(|e| Error::Storage(format!("{} is not valid: {e}", cfg_path.display())))?;
        let log_key = read_key_file(&dir.join("keys").join("log.key"))?;
        let store = crate::SledStore::open(&dir.join("ledger")).map_err(|e| match e {
            Error::Storage(m)
                if m.contains("lock") || m.contains("WouldBlock") || m.contains("Resource temporarily") =>
            {
                Error::Storage(format!(
                    "the ledger in {} is in use by another process (a running node?); talk to it with --node URL",
                    dir.display()
                ))
            }
            e => e,
        })?;
        let ledger = Ledger::with_clock(std::sync::Arc::new(store), config.origin.clone(), clock)?;
        Ok(DataDir { path: dir.to_path_buf(), config, ledger, log_key })
    }

    /// The directory's off-log store of personal values (`DIR/personal`, sealed under `DIR/keys/personal.key`,
    /// created on first use).
    pub fn vault(&self) -> Result<crate::vault::Vault, Error> {
        crate::vault::Vault::open(&self.path.join("personal"), &self.path.join("keys").join("personal.key"))
    }

    /// The authority key, when this directory holds it.
    pub fn authority_key(&self) -> Result<SecretKey, Error> {
        read_key_file(&Self::authority_key_path(&self.path))
    }
}
