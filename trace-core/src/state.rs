//! State derived from the log — actors, batches, lineage edges, the banned list — as stored beside it, and
//! the stored shapes of that state. The rules that decide what a record may do live in [`crate::rules`]; this
//! module only says what the state *is* and how to read and write it through an [`Overlay`].

use crate::encoding;
use crate::error::Error;
use crate::event::{Commissioning, InputLotRegistered};
use crate::ids::{BatchId, RecordId};
use crate::keys::PublicKey;
use crate::schema;
use crate::store::{Overlay, ReadStore};
use crate::values::{Gtin, InputKind, Lot, ProductClass};
use crate::values::{Handle, Quantity, Role, Time};

/// An admitted actor.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
pub struct Actor {
    /// The key.
    pub key: PublicKey,
    /// Display name.
    pub name: String,
    /// Short unique name.
    pub handle: Handle,
    /// Roles.
    pub roles: Vec<Role>,
    /// Registration number.
    pub registration: String,
    /// Location.
    pub location: String,
    /// Index of the admitting entry.
    pub admitted_at: u64,
    /// Index of the entry from which the key is refused (revocation or rotation).
    pub revoked_at: Option<u64>,
    /// The key this one was rotated to.
    pub rotated_to: Option<PublicKey>,
    /// Keys this actor signed with before rotating to this one, oldest first. What the actor held, shipped
    /// or registered under an earlier key is still its own.
    pub previous_keys: Vec<PublicKey>,
}

impl Actor {
    /// Whether the actor has `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether the key may still sign.
    pub fn active(&self) -> bool {
        self.revoked_at.is_none()
    }

    /// Whether `key` is this actor's key or one it rotated away from.
    pub fn is_or_was(&self, key: &PublicKey) -> bool {
        &self.key == key || self.previous_keys.contains(key)
    }
}

/// What a batch is.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode)]
pub enum BatchKind {
    /// Farm produce or food.
    Produce {
        /// Description.
        product: String,
        /// Class.
        class: ProductClass,
        /// How it came into being; `None` for transform outputs.
        commissioning: Option<Commissioning>,
        /// GTIN-14.
        gtin: Option<Gtin>,
        /// Lot.
        lot: Option<Lot>,
        /// Where it was registered or made.
        place: String,
    },
    /// A vet-drug, feed or pesticide lot.
    Input(InputLotRegistered),
}

/// Why movement of a batch is blocked.
#[derive(Clone, Copy, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    /// A regulator's hold.
    Held,
    /// A failed inspection.
    FailedInspection,
    /// A recall; never lifted.
    Recalled,
    /// A banned substance found by an inspection: never lifted by a release; it ends with a disposal a regulator
    /// countersigns, or with a re-test (复检) that passes.
    BannedSubstanceFound,
    /// Made, during a withdrawal period or pre-harvest interval, from goods whose treatment was recorded late
    /// (the record that placed it is that treatment); a regulator releases it after checking.
    WithdrawalBreached,
    /// A co-op's, processor's or market's own screening (快检, 自检) found something: held pending a laboratory
    /// test, whose pass lifts it and whose failure replaces it with the laboratory's block.
    ScreeningPositive,
    /// Milk or eggs produced during the milk discard (弃奶期) or egg period of a treatment of their herd or flock
    /// (the record that placed it is that treatment): never released, only disposed of; a countersigned
    /// correction of the treatment lifts it.
    Discard,
}

/// A block on a batch, placed on `source` and reaching this batch through lineage (or `source` itself).
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode)]
pub struct Block {
    /// Kind.
    pub kind: BlockKind,
    /// The batch the hold, recall or failed inspection was recorded on.
    pub source: BatchId,
    /// The record that placed it.
    pub record: RecordId,
    /// Why.
    pub reason: String,
    /// When (claimed time of that record).
    pub time: Time,
    /// The holders it stops, under every key they had: empty for everyone. A co-op's, processor's or market's own
    /// screening stops its own holding, not the other holders' of the same batch.
    pub holders: Vec<PublicKey>,
}

/// An input applied to a batch or an ancestor, with the date its withdrawal period or pre-harvest interval ends.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode)]
pub struct Withdrawal {
    /// The input lot.
    pub input: BatchId,
    /// What kind of input: a vet drug or feed additive has a withdrawal period, a pesticide a pre-harvest
    /// interval.
    pub kind: InputKind,
    /// Its name, for messages.
    pub name: String,
    /// The batch it was applied to (this batch or an ancestor).
    pub applied_to: BatchId,
    /// The `InputApplied` record.
    pub record: RecordId,
    /// When it was applied, as claimed.
    pub applied: Time,
    /// When the interval runs from: the claimed time (the end of the day for a claim of a day), or, for a
    /// back-dated claim, the accepted time less [`crate::rules::TREATMENT_GRACE_MS`], whichever is later.
    pub starts: Time,
    /// Withdrawal or pre-harvest days.
    pub days: u32,
    /// The first moment the goods may move again: `starts` plus `days`.
    pub until: Time,
    /// The first moment milk from the treated herd is no longer discarded: `starts` plus the label's milk discard
    /// period (弃奶期), or `until` when the label gives none.
    pub milk_until: Time,
    /// The same for eggs from a treated flock: the label's egg period, or `until`.
    pub eggs_until: Time,
    /// The holders whose holdings it binds: the one treated and, for a treatment recorded late, whoever received
    /// treated goods from them since. Empty: every holding (a transform's outputs, made from treated goods).
    pub holders: Vec<PublicKey>,
}

impl Withdrawal {
    /// Whether it binds what `is_holder` says is the acting holder's: every holding, or one of the holders named.
    pub fn binds(&self, is_holder: impl Fn(&PublicKey) -> bool) -> bool {
        self.holders.is_empty() || self.holders.iter().any(is_holder)
    }
}

impl Withdrawal {
    /// Until when milk or eggs produced by the treated herd or flock are discarded.
    pub fn discard_until(&self, process: crate::event::Production) -> Time {
        match process {
            crate::event::Production::Milking => self.milk_until,
            crate::event::Production::Laying => self.eggs_until,
        }
    }

    /// The end of the latest period it sets: meat, milk or eggs.
    pub fn last_until(&self) -> Time {
        self.until.max(self.milk_until).max(self.eggs_until)
    }

    /// What the interval is called: "pre-harvest interval" for pesticides, "withdrawal period" otherwise.
    pub fn interval_name(&self) -> &'static str {
        match self.kind {
            InputKind::Pesticide => "pre-harvest interval",
            _ => "withdrawal period",
        }
    }
}

/// A quantity on its way from one holder to another.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode)]
pub struct Transit {
    /// The `Shipped` record.
    pub shipment: RecordId,
    /// Shipper.
    pub from: PublicKey,
    /// Receiver.
    pub to: PublicKey,
    /// How much.
    pub quantity: Quantity,
}

/// A holder and what it holds.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode)]
pub struct Holding {
    /// Holder.
    pub holder: PublicKey,
    /// Quantity held.
    pub quantity: Quantity,
}

/// The state of a batch or input lot, derived from its records.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode)]
pub struct BatchState {
    /// Id.
    pub id: BatchId,
    /// What it is.
    pub kind: BatchKind,
    /// The record that created it.
    pub created_by: RecordId,
    /// Who created it.
    pub registrant: PublicKey,
    /// Claimed time of the record that created it.
    pub created_at: Time,
    /// Quantity at creation.
    pub initial: Quantity,
    /// The latest record on the batch: the parent the next event must name.
    pub head: RecordId,
    /// Claimed time of the latest record; later events may not claim an earlier time.
    pub last_time: Time,
    /// Who holds how much now.
    pub holdings: Vec<Holding>,
    /// Quantities shipped and not yet received.
    pub in_transit: Vec<Transit>,
    /// Total sold.
    pub sold: Quantity,
    /// Total consumed by transforms.
    pub consumed: Quantity,
    /// Total disposed of.
    pub disposed: Quantity,
    /// Inputs applied to it or its ancestors whose intervals matter; the latest `until` governs.
    pub withdrawals: Vec<Withdrawal>,
    /// Holds, failed inspections and recalls on it or any ancestor.
    pub blocks: Vec<Block>,
    /// Every input applied to it or an ancestor (with or without a withdrawal): what a transform's output classes
    /// are checked against.
    pub applied: Vec<Applied>,
    /// Vets its holders engaged to treat and prescribe for it.
    pub engaged: Vec<Engagement>,
}

/// A holder's engagement of a vet for a batch (`Engaged`).
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode)]
pub struct Engagement {
    /// The vet.
    pub vet: PublicKey,
    /// The holder that engaged it: the vet treats that holding.
    pub holder: PublicKey,
    /// From (the claimed time of the engagement).
    pub from: Time,
    /// Until.
    pub until: Time,
    /// The `Engaged` record.
    pub record: RecordId,
}

/// An input applied to a batch or an ancestor.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode)]
pub struct Applied {
    /// The input lot.
    pub lot: BatchId,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: InputKind,
    /// Its name and active substances, as the registry matches them.
    pub texts: Vec<String>,
    /// When the application is judged to have happened.
    pub time: Time,
}

/// The status shown to people, derived from the state.
#[derive(Clone, Copy, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// In circulation.
    Active,
    /// Blocked by a hold or failed inspection on it or an ancestor.
    OnHold,
    /// Recalled, itself or through an ancestor.
    Recalled,
    /// Entirely sold.
    Sold,
    /// Entirely used up by transforms.
    Consumed,
    /// Entirely disposed of.
    Disposed,
}

impl Status {
    /// The stable text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::OnHold => "on_hold",
            Status::Recalled => "recalled",
            Status::Sold => "sold",
            Status::Consumed => "consumed",
            Status::Disposed => "disposed",
        }
    }
}

impl BatchState {
    /// Derived status: recall beats hold beats the rest.
    pub fn status(&self) -> Status {
        if self.blocks.iter().any(|b| b.kind == BlockKind::Recalled) {
            return Status::Recalled;
        }
        if !self.blocks.is_empty() {
            return Status::OnHold;
        }
        let remaining = self.holdings.iter().any(|h| !h.quantity.is_zero()) || !self.in_transit.is_empty();
        if remaining {
            return Status::Active;
        }
        // In base units: each total keeps the batch's unit unless a finer amount made it exact in another.
        let (s, c, d) = (self.sold.base_milli(), self.consumed.base_milli(), self.disposed.base_milli());
        if d >= s && d >= c && d > 0 {
            Status::Disposed
        } else if c >= s && c > 0 {
            Status::Consumed
        } else if s > 0 {
            Status::Sold
        } else {
            Status::Active
        }
    }

    /// The moment all withdrawal periods and pre-harvest intervals have ended, with the governing one.
    pub fn withdrawal_ends(&self) -> Option<&Withdrawal> {
        self.withdrawals.iter().max_by_key(|w| w.until)
    }

    /// What `who` holds of this batch.
    pub fn held_by(&self, who: &PublicKey) -> Option<Quantity> {
        self.holdings.iter().find(|h| &h.holder == who).map(|h| h.quantity)
    }

    /// Whether this is an input lot.
    pub fn is_input(&self) -> bool {
        matches!(self.kind, BatchKind::Input(_))
    }

    /// A short description for messages: product or input name, then the id.
    pub fn label(&self) -> String {
        format!("{} ({})", self.name(), self.id)
    }

    /// The batch's name without its id: the product, or the input's name and lot.
    pub fn name(&self) -> String {
        match &self.kind {
            BatchKind::Produce { product, .. } => product.clone(),
            BatchKind::Input(l) => format!("{} lot {}", l.name, l.lot),
        }
    }
}

/// The log head, stored under the key `H` in the same atomic write as the entries it describes.
#[derive(Clone, Copy, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode)]
pub struct Head {
    /// Number of entries.
    pub size: u64,
    /// Hash of the last entry, or zero.
    pub last_hash: [u8; 32],
    /// Accepted time of the last entry.
    pub last_accepted: Time,
    /// Merkle root of the first `size` entries.
    pub root: [u8; 32],
}

impl Head {
    /// The head of an empty log.
    pub fn empty() -> Head {
        Head { size: 0, last_hash: [0; 32], last_accepted: Time(0), root: crate::merkle::empty_root() }
    }
}

/// Typed reads and writes of state through an overlay.
pub(crate) trait StateRead {
    fn raw(&self, key: &[u8]) -> Result<Option<Vec<u8>>, Error>;

    fn decoded<T: bincode::Encode + bincode::Decode<()>>(&self, key: &[u8]) -> Result<Option<T>, Error> {
        match self.raw(key)? {
            None => Ok(None),
            Some(v) => {
                encoding::decode(&v).map(Some).map_err(|e| schema::corrupt(key, format!("state does not decode: {e}")))
            }
        }
    }

    fn actor(&self, key: &PublicKey) -> Result<Option<Actor>, Error> {
        self.decoded(&schema::actor(key))
    }

    fn batch(&self, id: BatchId) -> Result<Option<BatchState>, Error> {
        self.decoded(&schema::batch(id))
    }

    fn record_index(&self, id: &RecordId) -> Result<Option<u64>, Error> {
        let key = schema::record_index(id);
        self.raw(&key)?.map(|v| schema::read_u64_value(&key, &v)).transpose()
    }
}

impl StateRead for Overlay<'_> {
    fn raw(&self, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        self.get(key)
    }
}

impl StateRead for dyn ReadStore + '_ {
    fn raw(&self, key: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        self.get(key)
    }
}

impl Overlay<'_> {
    pub(crate) fn put_actor(&mut self, a: &Actor) {
        self.put(schema::actor(&a.key), encoding::encode(a));
    }

    pub(crate) fn put_batch(&mut self, b: &BatchState) {
        self.put(schema::batch(b.id), encoding::encode(b));
    }

    pub(crate) fn mark(&mut self, key: Vec<u8>) {
        self.put(key, Vec::new());
    }
}
