//! [`Facts`]: what a refused record did wrong, as typed data (which drug, applied when, allowed from when, which
//! block and why), in the manner of rustls' `PeerMisbehaved`. Core renders English through `Display`; the
//! interface work renders Chinese from the same fields. The JSON form (`serde::Serialize`, internally tagged by
//! `fact`) is a stable shape documented in `docs/api.md`: a variant or field is never renamed, new ones are added.

use std::fmt;

use crate::error::{Rule, short};
use crate::event::{InspectionKind, Production, RegistryKind, Verdict};
use crate::ids::{BatchId, RecordId};
use crate::keys::PublicKey;
use crate::shared::ContentHash;
use crate::state::BlockKind;
use crate::values::{Gtin, Handle, InputKind, Lot, ProductClass, Quantity, Role, Time, VetDrugCode};

/// What a blocked or withdrawn batch cannot be: the step the refused record would have taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Action {
    /// Shipped.
    Shipped,
    /// Sold.
    Sold,
    /// Slaughtered (a `Transformed` record with process slaughter).
    Slaughtered,
    /// Harvested (a `Transformed` record with process harvest).
    Harvested,
    /// Transformed (any other process).
    Transformed,
    /// Certified.
    Certified,
    /// Certified for market (an origin-exit or quarantine certificate).
    CertifiedForMarket,
    /// Applied (an input lot applied to a batch).
    Applied,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Shipped => "shipped",
            Action::Sold => "sold",
            Action::Slaughtered => "slaughtered",
            Action::Harvested => "harvested",
            Action::Transformed => "transformed",
            Action::Certified => "certified",
            Action::CertifiedForMarket => "certified for market",
            Action::Applied => "applied",
        })
    }
}

/// What taking a quantity from its holder was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Take {
    /// Shipping it.
    Ship,
    /// Selling it.
    Sell,
    /// Using it as a transform's input.
    Use,
    /// Disposing of it.
    DisposeOf,
}

impl fmt::Display for Take {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Take::Ship => "ship",
            Take::Sell => "sell",
            Take::Use => "use",
            Take::DisposeOf => "dispose of",
        })
    }
}

/// Which interval an input starts: a withdrawal period (休药期) for vet drugs and feed, a pre-harvest interval
/// (安全间隔期) for pesticides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Interval {
    /// A withdrawal period.
    WithdrawalPeriod,
    /// A pre-harvest interval.
    PreHarvestInterval,
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Interval::WithdrawalPeriod => "withdrawal period",
            Interval::PreHarvestInterval => "pre-harvest interval",
        })
    }
}

/// The part an actor named in a shipment plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// The receiver (`to`).
    Receiver,
    /// The carrier.
    Carrier,
    /// A vet engaged for a batch.
    Vet,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Receiver => "receiver",
            Side::Vet => "vet",
            Side::Carrier => "carrier",
        })
    }
}

/// A batch and its current head, as a stale-head refusal names them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BatchHead {
    /// The batch.
    pub batch: BatchId,
    /// Its current head record.
    pub head: RecordId,
}

/// The facts of a refusal: one variant per shape of fact, each with typed fields. Times are unix milliseconds
/// (UTC) in JSON and China Standard Time in English; quantities are text such as `"25 kg"`; batch ids, record
/// ids and keys are their text forms. A `label` is the name of a batch without its id (its product, or an input
/// lot's name and lot).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "fact", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Facts {
    // --- malformed ---
    /// Bytes sent as a record that are not a record's canonical encoding.
    NotCanonical {
        /// What the decoder said.
        why: String,
    },
    /// A record in JSON whose fields do not make a record.
    BadWireRecord {
        /// Its position in a bulk submission, or none for a single record.
        index: Option<usize>,
        /// Which field, and what is wrong with it, as the parser said.
        why: String,
    },
    /// A day-precision claimed time that is not 00:00 China Standard Time of its day (format version 2).
    DayNotAtMidnight {
        /// The claimed time.
        time: Time,
    },
    /// Extension tags that do not increase strictly.
    ExtensionsOutOfOrder {
        /// A tag.
        tag: u32,
        /// The tag after it, not greater.
        next: u32,
    },
    /// An extension tag this ledger does not know (none is defined yet).
    UnknownExtension {
        /// The tag.
        tag: u32,
    },
    /// A record names the same batch twice.
    BatchNamedTwice,
    /// A pesticide lot marked prescription-only.
    PrescriptionOnlyPesticide,
    /// A vet-drug code listed twice in one lot registration.
    VetDrugCodeTwice {
        /// The code.
        code: VetDrugCode,
    },
    /// A certificate whose validity ends before it starts.
    CertificateEndsBeforeStart {
        /// Valid from.
        valid_from: Time,
        /// Valid until.
        valid_until: Time,
    },
    /// Two quantities in units that cannot be compared.
    Incomparable {
        /// The quantity the record names.
        asked: Quantity,
        /// The quantity held.
        held: Quantity,
    },
    /// A shipment to the author itself.
    ShippedToSelf,
    /// A holding would overflow.
    QuantityOverflow,
    /// An actor admitted without roles.
    NoRoles,
    /// A transform without inputs or outputs.
    TransformEmpty,
    /// An empty name in a banned-list change.
    EmptySubstanceName,
    /// A quantity that must be positive is zero.
    NotPositive {
        /// The field ("quantity", "dose", ...).
        field: String,
    },
    // --- wrong-origin, bad-signature ---
    /// The record names another ledger.
    WrongOrigin {
        /// This ledger's origin.
        expected: String,
        /// The record's.
        found: String,
    },
    /// The signature does not verify.
    BadSignature {
        /// The claimed author.
        author: PublicKey,
    },
    // --- genesis ---
    /// The first record is not the authority admitting itself.
    Genesis,
    // --- authors and roles ---
    /// The author is not an admitted actor.
    UnknownAuthor {
        /// The author's key.
        author: PublicKey,
    },
    /// The author's key was revoked, or rotated to another key.
    AuthorRetired {
        /// The author's name.
        actor: String,
        /// The entry that retired the key.
        at: u64,
        /// The key it was rotated to, if it was rotated rather than revoked.
        rotated_to: Option<PublicKey>,
    },
    /// The author's roles do not permit the event kind.
    RoleNotPermitted {
        /// The event kind.
        kind: String,
        /// The roles that may record it.
        needs: Vec<Role>,
        /// The author's roles.
        has: Vec<Role>,
        /// The author's name.
        actor: String,
    },
    /// A recall by someone who is neither a regulator nor the batch's registrant.
    RecallNotPermitted {
        /// The batch.
        batch: BatchId,
    },
    /// A quarantine certificate from someone who is neither a vet nor a regulator.
    QuarantineNeedsVet,
    /// A non-authority admitting an authority.
    AuthorityAdmitsAuthority,
    /// A non-authority revoking an authority.
    AuthorityRevokesAuthority,
    /// A correction by someone who is neither the record's author nor a regulator.
    CorrectionNotPermitted,
    // --- parents and heads ---
    /// A parent that is not in the ledger.
    UnknownParent {
        /// The parent.
        parent: RecordId,
    },
    /// A correction whose target is not in the log.
    CorrectionTargetMissing {
        /// The target.
        target: RecordId,
    },
    /// A correction whose parents are not exactly its target.
    CorrectionParent {
        /// The target.
        target: RecordId,
    },
    /// The parents are not the current heads of the batches acted on.
    StaleHead {
        /// The batches and their current heads, in the order the parents must name them.
        expected: Vec<BatchHead>,
    },
    // --- batches, lots and actors named ---
    /// A batch that does not exist.
    UnknownBatch {
        /// The batch.
        batch: BatchId,
    },
    /// An input lot that does not exist.
    UnknownInputLot {
        /// The lot.
        lot: BatchId,
    },
    /// A receiver or carrier that is not an admitted actor.
    PartyNotAdmitted {
        /// Receiver or carrier.
        party: Side,
        /// The key named.
        key: PublicKey,
    },
    /// A receiver or carrier that was revoked.
    PartyRevoked {
        /// Receiver or carrier.
        party: Side,
        /// Its name.
        name: String,
    },
    /// A receiver whose roles cannot record receipts.
    ReceiverCannotReceive {
        /// Its name.
        receiver: String,
    },
    /// A carrier that is not a transporter.
    CarrierNotTransporter {
        /// Its name.
        carrier: String,
    },
    /// An actor to revoke that is not admitted.
    UnknownActor {
        /// The key named.
        key: PublicKey,
    },
    /// A batch id that is taken.
    BatchIdCollision {
        /// The id.
        batch: BatchId,
    },
    // --- time ---
    /// A claimed time too far after the node's clock.
    FutureTime {
        /// The claimed time.
        claimed: Time,
        /// The node's clock.
        clock: Time,
    },
    /// A claimed time before the last event on a batch acted on.
    BeforeLastEvent {
        /// The claimed time.
        claimed: Time,
        /// The batch.
        batch: BatchId,
        /// The time of its last event.
        last: Time,
    },
    /// An input applied before its lot was registered.
    AppliedBeforeRegistered {
        /// The input's name.
        input: String,
        /// Its lot number.
        lot: Lot,
        /// When the lot was registered.
        registered: Time,
        /// When the record claims it was applied.
        applied: Time,
    },
    // --- food safety ---
    /// A withdrawal period or pre-harvest interval has not ended.
    Withdrawal {
        /// The batch.
        batch: BatchId,
        /// Its label.
        label: String,
        /// The input, by name and lot.
        drug: String,
        /// When it was applied.
        applied: Time,
        /// The length of the interval in days.
        days: u32,
        /// Which interval.
        interval: Interval,
        /// When it ends.
        until: Time,
        /// The ancestor it was given to, when not the batch itself.
        ancestor: Option<BatchId>,
        /// What the record would have done.
        action: Action,
    },
    /// A lot registered with a banned active substance.
    BannedSubstance {
        /// The lot's product name.
        product: String,
        /// The active substance.
        substance: String,
        /// The banned-list entry it matches.
        listed_as: String,
    },
    /// A lot applied whose active substance is now banned.
    BannedInput {
        /// The input's name.
        input: String,
        /// The active substance.
        substance: String,
        /// The banned-list entry it matches.
        listed_as: String,
    },
    /// A high-toxicity pesticide on a class of crop that forbids it.
    HighToxicityPesticide {
        /// The pesticide's name.
        input: String,
        /// The crop class.
        class: ProductClass,
        /// The batch.
        batch: BatchId,
        /// Its label.
        label: String,
    },
    /// The batch or an ancestor is on hold, recalled or failed inspection.
    Blocked {
        /// The batch.
        batch: BatchId,
        /// Its label.
        label: String,
        /// The kind of block.
        block: BlockKind,
        /// The batch the block was placed on (this one or an ancestor).
        source: BatchId,
        /// When it was placed.
        since: Time,
        /// Why.
        reason: String,
        /// What the record would have done.
        action: Action,
    },
    /// A prescription-only drug without a prescribing vet.
    PrescriptionMissing {
        /// The drug.
        input: String,
    },
    /// A prescription cited that does not allow this application.
    PrescriptionInvalid {
        /// The record cited.
        record: RecordId,
        /// Why: "not-a-prescription", "other-batch", "other-drug" or "expired".
        why: String,
    },
    /// A vet treating or prescribing for a batch whose holder did not engage it.
    VetNotEngaged {
        /// The vet.
        vet: PublicKey,
        /// The batch.
        batch: BatchId,
        /// Its label.
        label: String,
    },
    /// A prescribing vet that is not an active vet.
    PrescriberNotVet {
        /// The key named.
        vet: PublicKey,
    },
    // --- custody and quantities ---
    /// More than is held.
    QuantityExceeded {
        /// The batch.
        batch: BatchId,
        /// Its label.
        label: String,
        /// How much the record takes.
        asked: Quantity,
        /// How much the author holds.
        held: Quantity,
        /// What for.
        action: Take,
    },
    /// The author holds none of the batch.
    HoldsNone {
        /// The author's name.
        actor: String,
        /// The batch.
        batch: BatchId,
        /// Its label.
        label: String,
    },
    /// A certificate from an author that neither holds the batch nor is a vet or regulator.
    CertifierNotHolder {
        /// The author's name.
        actor: String,
    },
    /// An input applied by an author that neither holds the batch nor is a vet.
    NotHolderNorVet {
        /// The author's name.
        actor: String,
        /// The batch.
        batch: BatchId,
        /// Its label.
        label: String,
    },
    /// A receipt of a shipment addressed to someone else.
    ShipmentNotForAuthor {
        /// The shipment.
        shipment: RecordId,
        /// Its addressee.
        to: PublicKey,
    },
    // --- inspections ---
    /// "pass" although a banned substance was found.
    PassWithBanned {
        /// The banned-list entry.
        listed_as: String,
        /// The value found, in milli-units.
        value_milli: Option<u64>,
        /// The unit.
        unit: String,
    },
    /// "pass" although the value exceeds the limit.
    PassOverLimit {
        /// The value, in milli-units.
        value_milli: Option<u64>,
        /// The limit, in milli-units.
        limit_milli: Option<u64>,
    },
    /// "fail" although the value is within the limit and the analyte is not banned.
    FailWithinLimit {
        /// The analyte.
        analyte: String,
        /// The value, in milli-units.
        value_milli: Option<u64>,
        /// The limit, in milli-units.
        limit_milli: Option<u64>,
        /// The unit.
        unit: String,
    },
    // --- state ---
    /// A GTIN and lot that already name a batch.
    GtinLotTaken {
        /// The GTIN.
        gtin: Gtin,
        /// The lot.
        lot: Lot,
        /// The batch they name.
        other: BatchId,
    },
    /// A vet-drug code that already belongs to a lot.
    VetDrugCodeTaken {
        /// The code.
        code: VetDrugCode,
        /// The lot it belongs to.
        lot: BatchId,
    },
    /// A vet-drug code that does not belong to the lot applied.
    VetDrugCodeNotOfLot {
        /// The code.
        code: VetDrugCode,
        /// The lot applied.
        lot: BatchId,
    },
    /// A second recall of the same batch.
    AlreadyRecalled {
        /// The batch.
        batch: BatchId,
    },
    /// A release of a batch with no hold of its own.
    NoHoldToRelease {
        /// The batch.
        batch: BatchId,
        /// Its label.
        label: String,
    },
    /// A receipt of a shipment that is not in transit.
    NoSuchShipment {
        /// The shipment.
        shipment: RecordId,
        /// The batch.
        batch: BatchId,
    },
    /// An input applied to an input lot.
    AppliedToInputLot {
        /// The lot.
        batch: BatchId,
    },
    /// A produce batch named as the input lot.
    NotAnInputLot {
        /// The batch.
        batch: BatchId,
    },
    /// An input applied after its lot expired.
    InputExpired {
        /// The input's name.
        input: String,
        /// Its lot number.
        lot: Lot,
        /// When it expired.
        expired: Time,
    },
    /// A key admitted twice.
    KeyAlreadyAdmitted {
        /// The key.
        key: PublicKey,
        /// The actor it is admitted as.
        name: String,
    },
    /// A revocation of an actor already revoked.
    AlreadyRevoked {
        /// The actor's name.
        name: String,
    },
    /// A key rotation to a key already in use.
    KeyInUse {
        /// The key.
        key: PublicKey,
    },
    // --- limits ---
    /// Too many items in a list.
    TooMany {
        /// The list ("parents", "vet-drug codes", "roles", ...).
        field: String,
        /// How many were sent.
        count: usize,
        /// The most allowed.
        max: usize,
    },
    /// A text field that is too long.
    TooLong {
        /// The field.
        field: String,
        /// Its length in bytes.
        bytes: usize,
        /// The most allowed.
        max: usize,
    },
    // --- not enforced (format version 2) ---
    /// An event kind or field that record format version 2 defines but whose rules are not built yet.
    NotEnforced {
        /// The kind, or `Kind.field`.
        what: String,
        /// The issue that builds its rules.
        issue: u32,
    },
    // --- format version 2: state and malformed ---
    /// A handle another actor already has.
    HandleTaken {
        /// The handle.
        handle: Handle,
        /// The actor that has it.
        by: String,
    },
    /// A registry version this node does not ship.
    UnknownRegistry {
        /// Which registry.
        registry: RegistryKind,
        /// The version named.
        version: String,
        /// The hash named.
        hash: ContentHash,
    },
    /// A release naming a record that placed no liftable block on the batch.
    NotABlock {
        /// The batch.
        batch: BatchId,
        /// The record named.
        lifts: RecordId,
    },
    /// A qualitative result that disagrees with the verdict.
    QualitativeMismatch {
        /// The result.
        result: Verdict,
        /// The verdict.
        verdict: Verdict,
    },
    /// A certificate reference to a record that is not a certificate on this ledger.
    NotACertificate {
        /// The record named.
        record: RecordId,
    },
    /// An on-ledger certificate that covers none of the batches the record acts on.
    CertificateNotCovering {
        /// The certificate record.
        record: RecordId,
        /// The batch it should cover.
        batch: BatchId,
    },
    /// A certificate without batches.
    NoBatches,
    /// A treatment by a vet of a batch several holders hold, naming none of them.
    HoldingAmbiguous {
        /// The batch.
        batch: BatchId,
        /// Its label.
        label: String,
        /// How many hold some of it.
        holders: u32,
    },
    /// A treatment naming a holding that holds none of the batch.
    HoldingNotHeld {
        /// The batch.
        batch: BatchId,
        /// Its label.
        label: String,
        /// The holder named.
        holder: PublicKey,
    },
    /// A release of a block that only a re-test or a countersigned disposal ends: a banned substance found.
    BannedFindingNotReleased {
        /// The batch.
        batch: BatchId,
        /// The inspection that found it.
        lifts: RecordId,
    },
    /// A re-test (复检) of a record that is no failed inspection of this batch.
    RetestNotOfFailure {
        /// The record named.
        record: RecordId,
        /// The batch sampled.
        batch: BatchId,
    },
    /// A re-test by a rapid method, or by the lab that made the first test.
    RetestNotAllowed {
        /// The first inspection.
        record: RecordId,
        /// Why: "rapid", "same-lab", "other-analyte" or "twice".
        why: String,
    },
    /// A re-test after the window the law gives for applying for one.
    RetestTooLate {
        /// The first inspection.
        record: RecordId,
        /// When its result was given.
        result: Time,
        /// The end of the window.
        deadline: Time,
        /// The window: "4 hours" after a rapid test, "5 working days" otherwise.
        window: String,
    },
    /// A pesticide on a class of crop its substance may not be used on (毒死蜱 on vegetables).
    NotOnCrop {
        /// The pesticide's name.
        input: String,
        /// The substance entry.
        listed_as: String,
        /// The crop class.
        class: ProductClass,
        /// The batch.
        batch: BatchId,
        /// Its label.
        label: String,
    },
    /// An input of a kind that does not go on this class of goods: a vet drug or feed on anything but live animals,
    /// a pesticide or fertiliser on anything but a crop.
    InputNotForClass {
        /// The input's name.
        input: String,
        /// Its kind.
        kind: InputKind,
        /// The batch's class.
        class: ProductClass,
        /// The batch.
        batch: BatchId,
        /// Its label.
        label: String,
    },
    /// A registry entry to remove that the version in force does not have.
    UnknownRegistryEntry {
        /// The name given.
        name: String,
    },
    /// A second signature by the first signer: removing a registry entry needs two regulators.
    CountersignedBySelf {
        /// The record.
        record: RecordId,
    },
    /// A countersignature of a record this ledger does not countersign.
    NotCountersignable {
        /// The record named.
        record: RecordId,
    },
    /// A certificate reference or licence without a number.
    EmptyNumber {
        /// The field.
        field: String,
    },
    /// A party outside the ledger named without a 统一社会信用代码: an organisation gives its code; a natural
    /// person's name is personal data and is committed, not written.
    PersonNamedInTheClear {
        /// The name given.
        name: String,
    },
    /// A 统一社会信用代码 that is not 18 characters of its alphabet.
    BadCreditCode {
        /// The code given.
        code: String,
    },
    /// An inspection by a co-op, processor or market that is not its own screening: only a rapid test or a
    /// self-test, and never a re-test (a re-test is a laboratory's).
    ScreeningOnly {
        /// The author's name.
        actor: String,
        /// The kind of inspection asked for.
        kind: InspectionKind,
        /// Whether it named a result it re-tests.
        retest: bool,
    },
    /// A release of milk or eggs produced during a discard period: they are only disposed of.
    DiscardNotReleased {
        /// The batch.
        batch: BatchId,
        /// The record named.
        lifts: RecordId,
    },
    /// Milk or eggs from goods that do not give them, or into the wrong class: milking takes livestock to dairy,
    /// laying poultry to eggs.
    ProductionMismatch {
        /// Milking or laying.
        process: Production,
        /// The source's class.
        source_class: ProductClass,
        /// The output's class.
        output_class: ProductClass,
        /// The source.
        batch: BatchId,
        /// Its label.
        label: String,
    },
    /// Milk or eggs registered, or milked by a transform, instead of produced out of their herd or flock, which
    /// is what links them to its treatments.
    ProduceFromHerd {
        /// The class registered, or dairy for a milking transform.
        class: ProductClass,
    },
    /// A withdrawal period, milk discard period or pre-harvest interval longer than any in the official lists.
    PeriodOutOfRange {
        /// The lot's name.
        input: String,
        /// Which period: "withdrawal period", "milk discard period", "egg period" or "pre-harvest interval".
        period: String,
        /// The value claimed.
        value: u32,
        /// The longest allowed.
        max: u32,
        /// "days" or "hours".
        unit: String,
        /// Where the bound comes from.
        source: String,
    },
}

impl Facts {
    /// One example of the facts the rules give under each rule, in [`Rule::ALL`]'s order: for documentation,
    /// for the tests that every rule has facts with English, and for message catalogues to check that they can
    /// render each rule.
    pub fn examples() -> Vec<Facts> {
        let key = crate::SecretKey::from_seed([1; 32]).public();
        let record = RecordId([7; 32]);
        let batch = BatchId::derive(&record, 0);
        let t = Time(1_762_045_200_000);
        let kg = |n: u64| Quantity { milli: n * 1000, unit: crate::values::Unit::Kg };
        vec![
            Facts::ShippedToSelf,
            Facts::WrongOrigin { expected: "a".into(), found: "b".into() },
            Facts::BadSignature { author: key },
            Facts::Genesis,
            Facts::UnknownAuthor { author: key },
            Facts::AuthorRetired { actor: "Coop".into(), at: 3, rotated_to: None },
            Facts::RoleNotPermitted {
                kind: "Received".into(),
                needs: vec![Role::Coop],
                has: vec![Role::Lab],
                actor: "District testing centre".into(),
            },
            Facts::UnknownParent { parent: record },
            Facts::StaleHead { expected: vec![BatchHead { batch, head: record }] },
            Facts::UnknownBatch { batch },
            Facts::CarrierNotTransporter { carrier: "Market".into() },
            Facts::BatchIdCollision { batch },
            Facts::FutureTime { claimed: t, clock: t },
            Facts::Withdrawal {
                batch,
                label: "Pigs".into(),
                drug: "Ivermectin injection lot VD2510".into(),
                applied: t,
                days: 28,
                interval: Interval::WithdrawalPeriod,
                until: t.plus_days(28),
                ancestor: None,
                action: Action::Slaughtered,
            },
            Facts::BannedSubstance {
                product: "Feed".into(),
                substance: "Clenbuterol HCl".into(),
                listed_as: "clenbuterol".into(),
            },
            Facts::HighToxicityPesticide {
                input: "Phorate".into(),
                class: ProductClass::Vegetable,
                batch,
                label: "Bok choy".into(),
            },
            Facts::Blocked {
                batch,
                label: "Pork".into(),
                block: BlockKind::Recalled,
                source: batch,
                since: t,
                reason: "x".into(),
                action: Action::Sold,
            },
            Facts::QuantityExceeded { batch, label: "Pork".into(), asked: kg(25), held: kg(20), action: Take::Sell },
            Facts::CertifierNotHolder { actor: "Coop".into() },
            Facts::PrescriptionMissing { input: "Amoxicillin".into() },
            Facts::PassOverLimit { value_milli: Some(2), limit_milli: Some(1) },
            Facts::AlreadyRecalled { batch },
            Facts::TooMany { field: "parents".into(), count: 65, max: 64 },
            Facts::NotEnforced { what: "Prescribed".into(), issue: 17 },
            Facts::HoldingAmbiguous { batch, label: "Pigs".into(), holders: 2 },
            Facts::HoldingNotHeld { batch, label: "Pigs".into(), holder: key },
            Facts::BannedFindingNotReleased { batch, lifts: record },
            Facts::RetestNotOfFailure { record, batch },
            Facts::RetestNotAllowed { record, why: "rapid".into() },
            Facts::RetestTooLate { record, result: t, deadline: t.plus_days(7), window: "5 working days".into() },
            Facts::NotCountersignable { record },
            Facts::PrescriptionInvalid { record, why: "other-drug".into() },
            Facts::VetNotEngaged { vet: key, batch, label: "Pigs".into() },
            Facts::NotOnCrop {
                input: "Chlorpyrifos 40% EC".into(),
                listed_as: "毒死蜱 chlorpyrifos (农业部公告第2032号)".into(),
                class: ProductClass::Vegetable,
                batch,
                label: "Cabbage".into(),
            },
            Facts::UnknownRegistryEntry { name: "aspirin".into() },
            Facts::InputNotForClass {
                input: "Florfenicol injection".into(),
                kind: InputKind::VetDrug,
                class: ProductClass::Meat,
                batch,
                label: "Pork loin".into(),
            },
            Facts::CountersignedBySelf { record },
            Facts::PeriodOutOfRange {
                input: "Florfenicol injection".into(),
                period: "withdrawal period".into(),
                value: 36_500,
                max: 500,
                unit: "days".into(),
                source: "农业部公告第278号".into(),
            },
        ]
    }

    /// The rule these facts break: one row per variant, so a refusal's code cannot disagree with its facts.
    pub fn rule(&self) -> Rule {
        use Facts::*;
        match self {
            NotCanonical { .. }
            | BadWireRecord { .. }
            | DayNotAtMidnight { .. }
            | ExtensionsOutOfOrder { .. }
            | UnknownExtension { .. }
            | BatchNamedTwice
            | PrescriptionOnlyPesticide
            | VetDrugCodeTwice { .. }
            | CertificateEndsBeforeStart { .. }
            | Incomparable { .. }
            | ShippedToSelf
            | QuantityOverflow
            | NoRoles
            | TransformEmpty
            | EmptySubstanceName
            | NotPositive { .. } => Rule::Malformed,
            WrongOrigin { .. } => Rule::WrongOrigin,
            BadSignature { .. } => Rule::BadSignature,
            Genesis => Rule::Genesis,
            UnknownAuthor { .. } => Rule::UnknownAuthor,
            AuthorRetired { .. } => Rule::RevokedAuthor,
            RoleNotPermitted { .. }
            | RecallNotPermitted { .. }
            | QuarantineNeedsVet
            | AuthorityAdmitsAuthority
            | AuthorityRevokesAuthority
            | CorrectionNotPermitted => Rule::RoleNotPermitted,
            UnknownParent { .. } | CorrectionTargetMissing { .. } => Rule::UnknownParent,
            CorrectionParent { .. } | StaleHead { .. } => Rule::StaleHead,
            UnknownBatch { .. } | UnknownInputLot { .. } => Rule::UnknownBatch,
            PartyNotAdmitted { .. }
            | PartyRevoked { .. }
            | ReceiverCannotReceive { .. }
            | CarrierNotTransporter { .. }
            | UnknownActor { .. } => Rule::UnknownActor,
            BatchIdCollision { .. } => Rule::BatchIdCollision,
            FutureTime { .. } | BeforeLastEvent { .. } | AppliedBeforeRegistered { .. } => Rule::BadTime,
            Withdrawal { .. } => Rule::WithdrawalPeriod,
            BannedSubstance { .. } | BannedInput { .. } => Rule::BannedSubstance,
            HighToxicityPesticide { .. } => Rule::HighToxicityPesticide,
            Blocked { .. } => Rule::BatchBlocked,
            QuantityExceeded { .. } => Rule::QuantityExceeded,
            HoldsNone { .. } | CertifierNotHolder { .. } | NotHolderNorVet { .. } | ShipmentNotForAuthor { .. } => {
                Rule::NotHolder
            }
            PrescriptionMissing { .. } | PrescriberNotVet { .. } | PrescriptionInvalid { .. } => {
                Rule::PrescriptionRequired
            }
            VetNotEngaged { .. } => Rule::NotHolder,
            PassWithBanned { .. } | PassOverLimit { .. } | FailWithinLimit { .. } => Rule::InconsistentVerdict,
            GtinLotTaken { .. }
            | VetDrugCodeTaken { .. }
            | VetDrugCodeNotOfLot { .. }
            | AlreadyRecalled { .. }
            | NoHoldToRelease { .. }
            | NoSuchShipment { .. }
            | AppliedToInputLot { .. }
            | NotAnInputLot { .. }
            | InputExpired { .. }
            | KeyAlreadyAdmitted { .. }
            | AlreadyRevoked { .. }
            | KeyInUse { .. } => Rule::InvalidState,
            TooMany { .. } | TooLong { .. } => Rule::LimitExceeded,
            NotEnforced { .. } => Rule::NotEnforced,
            HandleTaken { .. }
            | UnknownRegistry { .. }
            | NotABlock { .. }
            | NotACertificate { .. }
            | CertificateNotCovering { .. } => Rule::InvalidState,
            QualitativeMismatch { .. } => Rule::InconsistentVerdict,
            NoBatches | EmptyNumber { .. } => Rule::Malformed,
            HoldingAmbiguous { .. } | HoldingNotHeld { .. } => Rule::NotHolder,
            NotOnCrop { .. } => Rule::BannedSubstance,
            UnknownRegistryEntry { .. } | CountersignedBySelf { .. } | InputNotForClass { .. } => Rule::InvalidState,
            BannedFindingNotReleased { .. }
            | RetestNotOfFailure { .. }
            | RetestNotAllowed { .. }
            | RetestTooLate { .. }
            | NotCountersignable { .. } => Rule::InvalidState,
            ScreeningOnly { .. } => Rule::RoleNotPermitted,
            PersonNamedInTheClear { .. } | BadCreditCode { .. } => Rule::Malformed,
            DiscardNotReleased { .. } | ProductionMismatch { .. } | ProduceFromHerd { .. } => Rule::InvalidState,
            PeriodOutOfRange { .. } => Rule::PeriodOutOfRange,
        }
    }
}

/// A milli-unit value as text, or "-" when there is none.
fn milli(v: &Option<u64>) -> String {
    v.map(crate::values::format_milli).unwrap_or_else(|| "-".into())
}

fn roles(r: &[Role]) -> String {
    r.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
}

/// English, the sentences refusals have always said.
impl fmt::Display for Facts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Facts::*;
        match self {
            NotCanonical { why } => write!(f, "not a canonical record: {why}"),
            DayNotAtMidnight { time } => {
                // In full: a time seconds after midnight would read as 00:00 in the local display.
                write!(f, "a day-precision time must be 00:00 UTC+08:00 of its day; {} is not", time.rfc3339())
            }
            ExtensionsOutOfOrder { tag, next } => {
                write!(f, "extension tags must increase strictly; {tag} is followed by {next}")
            }
            UnknownExtension { tag } => write!(f, "extension tag {tag} is not one this ledger knows"),
            BadWireRecord { index: Some(i), why } => write!(f, "record {i}: {why}"),
            BadWireRecord { index: None, why } => f.write_str(why),
            BatchNamedTwice => f.write_str("the same batch is named twice"),
            PrescriptionOnlyPesticide => f.write_str("prescription-only applies to vet drugs, not pesticides"),
            VetDrugCodeTwice { code } => write!(f, "vet-drug code {code} is listed twice"),
            CertificateEndsBeforeStart { valid_from, valid_until } => write!(
                f,
                "certificate valid_until is before valid_from (valid from {valid_from} until {valid_until})"
            ),
            Incomparable { asked, held } => write!(f, "{asked} cannot be measured against {held} held"),
            ShippedToSelf => f.write_str("a batch cannot be shipped to its own holder"),
            QuantityOverflow => f.write_str("quantity overflow"),
            NoRoles => f.write_str("an actor needs at least one role"),
            TransformEmpty => f.write_str("a transform needs at least one input and one output"),
            EmptySubstanceName => f.write_str("a banned substance name cannot be empty"),
            NotPositive { field } => write!(f, "{field} must be more than zero"),
            WrongOrigin { expected, found } => write!(f, "record is for ledger '{found}', not '{expected}'"),
            BadSignature { author } => write!(f, "signature does not verify for author {author}"),
            Genesis => f.write_str(
                "the first record must be the authority admitting itself (ActorAdmitted, author = actor, role authority, no parents)",
            ),
            UnknownAuthor { author } => write!(f, "author {author} is not an admitted actor of this ledger"),
            AuthorRetired { actor, at, rotated_to: Some(k) } => {
                write!(f, "key of {actor} was rotated to {} at entry {at}", k.short())
            }
            AuthorRetired { actor, at, rotated_to: None } => write!(f, "key of {actor} was revoked at entry {at}"),
            RoleNotPermitted { kind, needs, has, actor } => {
                write!(f, "{kind} needs one of the roles [{}]; {actor} has [{}]", roles(needs), roles(has))
            }
            RecallNotPermitted { batch } => write!(f, "only a regulator or its registrant may recall {batch}"),
            QuarantineNeedsVet => f.write_str("quarantine certificates are issued by vets or regulators"),
            AuthorityAdmitsAuthority => f.write_str("only an authority may admit another authority"),
            AuthorityRevokesAuthority => f.write_str("only an authority may revoke an authority"),
            CorrectionNotPermitted => f.write_str("only a record's author or a regulator may correct it"),
            UnknownParent { parent } => write!(f, "parent {parent} is not in this ledger"),
            CorrectionTargetMissing { target } => write!(f, "correction target {target} is not in the log"),
            CorrectionParent { target } => write!(f, "a correction's only parent must be its target {target}"),
            StaleHead { expected } => {
                let want: Vec<String> =
                    expected.iter().map(|h| format!("{} head {}", h.batch, short(&h.head))).collect();
                write!(
                    f,
                    "parents must be the current heads [{}]; fetch the batch again and re-sign",
                    want.join(", ")
                )
            }
            UnknownBatch { batch } => write!(f, "batch {batch} does not exist in this ledger"),
            UnknownInputLot { lot } => write!(f, "input lot {lot} does not exist in this ledger"),
            PartyNotAdmitted { party, key } => write!(f, "{party} {} is not an admitted actor", key.short()),
            PartyRevoked { party, name } => write!(f, "{party} {name} is revoked"),
            ReceiverCannotReceive { receiver } => write!(
                f,
                "receiver {receiver} cannot record receipts (it is not a co-op, processor, supplier, transporter or market)"
            ),
            CarrierNotTransporter { carrier } => write!(f, "carrier {carrier} is not a transporter"),
            UnknownActor { key } => write!(f, "key {key} is not an admitted actor"),
            BatchIdCollision { batch } => {
                write!(f, "batch id {batch} is taken; change the record (its time) and sign again")
            }
            FutureTime { claimed, clock } => {
                write!(f, "claimed time {claimed} is after the node's clock {clock} by more than 5 minutes")
            }
            BeforeLastEvent { claimed, batch, last } => {
                write!(f, "claimed time {claimed} is before the last event on {batch} at {last}")
            }
            AppliedBeforeRegistered { input, lot, registered, applied } => {
                write!(f, "{input} lot {lot} was registered on {registered}; it cannot have been applied on {applied}")
            }
            Withdrawal { batch, label, drug, applied, days, interval, until, ancestor, action } => {
                let on = ancestor.map(|a| format!(" (given to ancestor {a})")).unwrap_or_default();
                write!(
                    f,
                    "{label} ({batch}) received {drug}{on} on {applied} with a {days}-day {interval}; it cannot be \
                     {action} before {until} (UTC+08:00)"
                )
            }
            BannedSubstance { product, substance, listed_as } => {
                write!(f, "{product} contains {substance}, which matches banned substance '{listed_as}'")
            }
            BannedInput { input, substance, listed_as } => {
                write!(f, "{input} contains {substance}, banned as '{listed_as}'")
            }
            HighToxicityPesticide { input, class, batch, label } => write!(
                f,
                "{input} is a high-toxicity pesticide, forbidden on {class} crops such as {label} ({batch})"
            ),
            Blocked { batch, label, block, source, since, reason, action } => {
                let how = match block {
                    BlockKind::Held => "on hold",
                    BlockKind::FailedInspection => "held after a failed inspection",
                    BlockKind::Recalled => "recalled",
                    BlockKind::BannedSubstanceFound => "held after a banned substance was found",
                    BlockKind::WithdrawalBreached => "held as made from treated goods during their withdrawal period",
                    BlockKind::ScreeningPositive => "held after a positive screening, awaiting a laboratory test",
                    BlockKind::Discard => "held for disposal, as produced during a discard period,",
                };
                let via = if source == batch { String::new() } else { format!(" through ancestor {source}") };
                write!(f, "{label} ({batch}) is {how}{via} since {since} ({reason}); it cannot be {action}")
            }
            PrescriptionMissing { input } => {
                write!(f, "{input} is prescription-only; cite the vet's prescription (--prescription RECORD)")
            }
            PrescriptionInvalid { record, why } => {
                let why = match why.as_str() {
                    "other-batch" => "is for other batches",
                    "other-drug" => "is for another drug (approval number)",
                    "expired" => "is not valid at this time",
                    _ => "is not a vet's prescription",
                };
                write!(f, "record {} {why}", short(record))
            }
            VetNotEngaged { vet, batch, label } => write!(
                f,
                "vet {} was not engaged by the holder of {label} ({batch}); the holder records the engagement first \
                 (trace engage)",
                vet.short()
            ),
            PrescriberNotVet { vet } => write!(f, "{} is not an active vet of this ledger", vet.short()),
            QuantityExceeded { batch, label, asked, held, action } => {
                write!(f, "cannot {action} {asked} of {label} ({batch}): only {held} held")
            }
            HoldsNone { actor, batch, label } => write!(f, "{actor} holds none of {label} ({batch})"),
            CertifierNotHolder { actor } => write!(f, "{actor} may only certify batches it holds"),
            NotHolderNorVet { actor, batch, label } => {
                write!(f, "{actor} does not hold {label} ({batch}) and is not a vet")
            }
            ShipmentNotForAuthor { shipment, to } => {
                write!(f, "shipment {} is addressed to {}, not to the author", short(shipment), to.short())
            }
            PassWithBanned { listed_as, value_milli, unit } => write!(
                f,
                "verdict 'pass' but banned substance '{listed_as}' was found ({} {unit})",
                milli(value_milli)
            ),
            PassOverLimit { value_milli, limit_milli } => write!(
                f,
                "verdict 'pass' but {} exceeds the limit {}",
                milli(value_milli),
                milli(limit_milli)
            ),
            FailWithinLimit { analyte, value_milli, limit_milli, unit } => write!(
                f,
                "verdict 'fail' but {} {unit} is within the limit {} and {analyte} is not a banned substance",
                milli(value_milli),
                milli(limit_milli)
            ),
            GtinLotTaken { gtin, lot, other } => write!(f, "GTIN {gtin} lot {lot} is already batch {other}"),
            VetDrugCodeTaken { code, lot } => write!(f, "vet-drug code {code} already belongs to lot {lot}"),
            VetDrugCodeNotOfLot { code, lot } => write!(f, "vet-drug code {code} does not belong to lot {lot}"),
            AlreadyRecalled { batch } => write!(f, "{batch} is already recalled"),
            NoHoldToRelease { batch, label } => {
                write!(f, "{label} ({batch}) has no hold of its own to release (recalls are final)")
            }
            NoSuchShipment { shipment, batch } => {
                write!(f, "no shipment {} of {batch} is in transit", short(shipment))
            }
            AppliedToInputLot { batch } => {
                write!(f, "{batch} is an input lot; inputs are applied to produce batches")
            }
            NotAnInputLot { batch } => write!(f, "{batch} is a produce batch, not an input lot"),
            InputExpired { input, lot, expired } => write!(f, "{input} lot {lot} expired on {expired}"),
            KeyAlreadyAdmitted { key, name } => write!(f, "key {} is already admitted as {name}", key.short()),
            AlreadyRevoked { name } => write!(f, "{name} is already revoked"),
            KeyInUse { key } => write!(f, "key {} is already in use", key.short()),
            TooMany { field, count, max } => write!(f, "{count} {field}; at most {max}"),
            TooLong { field, bytes, max } => write!(f, "{field} is {bytes} bytes; at most {max}"),
            NotEnforced { what, issue } => write!(
                f,
                "{what} is part of record format 2 but its rules are not built yet (issue {issue}); \
                 the ledger refuses it until they are"
            ),
            HandleTaken { handle, by } => write!(f, "handle '{handle}' is already {by}'s"),
            UnknownRegistry { registry, version, hash } => write!(
                f,
                "{registry} registry version '{version}' with hash {} is not one this node ships",
                &hash.to_string()[..12]
            ),
            NotABlock { batch, lifts } => {
                write!(f, "record {} placed no hold on batch {batch} that a release can lift", short(lifts))
            }
            QualitativeMismatch { result, verdict } => {
                write!(f, "verdict '{verdict}' but the qualitative result is '{result}'")
            }
            NotACertificate { record } => {
                write!(f, "record {} is not a certificate on this ledger", short(record))
            }
            CertificateNotCovering { record, batch } => {
                write!(f, "certificate {} does not cover batch {batch}", short(record))
            }
            NoBatches => f.write_str("a certificate must cover at least one batch"),
            EmptyNumber { field } => write!(f, "{field} must have a number"),
            HoldingAmbiguous { batch, label, holders } => write!(
                f,
                "{holders} holders hold some of {label} ({batch}); name the holding treated (--holding)"
            ),
            HoldingNotHeld { batch, label, holder } => {
                write!(f, "{} holds none of {label} ({batch})", holder.short())
            }
            BannedFindingNotReleased { batch, lifts } => write!(
                f,
                "a banned substance found in {batch} (record {}) is not lifted by a release: it ends with a disposal \
                 a regulator countersigns, or a re-test (复检) that passes",
                short(lifts)
            ),
            RetestNotOfFailure { record, batch } => write!(
                f,
                "record {} is not a failed inspection of {batch}; a re-test names the failed result it re-tests",
                short(record)
            ),
            RetestNotAllowed { record, why } => {
                let why = match why.as_str() {
                    "rapid" => "a re-test is not made by a rapid method",
                    "same-lab" => "a re-test is made by another lab than the first",
                    "other-analyte" => "a re-test measures what the first test found",
                    _ => "a result is re-tested once",
                };
                write!(f, "{why} (first test: record {})", short(record))
            }
            RetestTooLate { record, result, deadline, window } => write!(
                f,
                "a re-test of record {} ({result}) had to be applied for within {window} and reported by {deadline}",
                short(record)
            ),
            NotOnCrop { input, listed_as, class, batch, label } => {
                write!(f, "{input} may not be used on {class} crops such as {label} ({batch}): {listed_as}")
            }
            InputNotForClass { input, kind, class, batch, label } => {
                let goes = match kind {
                    InputKind::Pesticide | InputKind::Fertilizer => "crops",
                    _ => "live animals",
                };
                write!(f, "{input} is a {kind}, for {goes}; {label} ({batch}) is {class}")
            }
            UnknownRegistryEntry { name } => {
                write!(f, "'{name}' is not an entry of the substance registry in force, nor added on this ledger")
            }
            CountersignedBySelf { record } => write!(
                f,
                "record {} needs a second regulator's signature: not its author's, nor a regulator its author admitted, \
                 nor one admitted after it",
                short(record)
            ),
            NotCountersignable { record } => write!(
                f,
                "record {} cannot be countersigned: a regulator countersigns the disposal of goods in which a banned \
                 substance was found, another regulator's removal from the substance registry, or a treatment's \
                 correction by its author (once)",
                short(record)
            ),
            PersonNamedInTheClear { name } => write!(
                f,
                "'{name}' is outside the ledger and has no 统一社会信用代码: an organisation gives its code \
                 (--buyer-code); a person's name is personal data and is not written to the log"
            ),
            BadCreditCode { code } => {
                write!(f, "'{code}' is not a 统一社会信用代码 (18 characters: digits and capitals but I, O, S, V, Z)")
            }
            ScreeningOnly { actor, kind, retest: true } => write!(
                f,
                "{actor} screens goods it holds; a re-test is a laboratory's, not a {kind} by {actor}"
            ),
            ScreeningOnly { actor, kind, retest: false } => write!(
                f,
                "{actor} screens goods it holds by a rapid test or a self-test; a {kind} inspection is a laboratory's \
                 or a regulator's"
            ),
            DiscardNotReleased { batch, lifts } => write!(
                f,
                "{batch} was produced during the discard period of treatment {}: it is not released, only disposed of \
                 (a correction of the treatment, countersigned by a regulator, lifts it)",
                short(lifts)
            ),
            ProductionMismatch { process, source_class, output_class, batch, label } => {
                let (from, into) = match process {
                    Production::Milking => ("livestock", "dairy"),
                    Production::Laying => ("poultry", "egg"),
                };
                write!(
                    f,
                    "{process} takes {from} to {into}; {label} ({batch}) is {source_class} and the output {output_class}"
                )
            }
            ProduceFromHerd { class } => write!(
                f,
                "{class} goods come out of their herd or flock: record them with Produced (`trace produce`), which \
                 links them to its treatments and their discard periods"
            ),
            PeriodOutOfRange { input, period, value, max, unit, source } => write!(
                f,
                "{input} claims a {period} of {value} {unit}, more than the {max} {unit} this ledger accepts ({source}); \
                 check the label"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_per_rule() -> Vec<(Rule, Facts)> {
        Facts::examples().into_iter().map(|f| (f.rule(), f)).collect()
    }

    #[test]
    fn every_rule_has_facts_with_an_english_rendering() {
        let table = one_per_rule();
        for &rule in Rule::ALL {
            let Some((_, facts)) = table.iter().find(|(r, _)| *r == rule) else {
                panic!("{rule} has no facts in the table");
            };
            assert_eq!(facts.rule(), rule, "{facts:?} is given under {rule}");
            let english = facts.to_string();
            assert!(!english.trim().is_empty(), "{rule}: empty English");
            let refusal = crate::Refusal::new(facts.clone());
            assert_eq!(refusal.to_string(), format!("{}: {english}", rule.code()));
        }
    }

    #[test]
    fn facts_serialize_tagged_by_fact_with_snake_case_fields() {
        for (rule, facts) in one_per_rule() {
            let v = serde_json::to_value(&facts).expect("facts serialize");
            let tag = v["fact"].as_str().unwrap_or_else(|| panic!("{rule}: no fact tag in {v}"));
            assert!(tag.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{tag}");
        }
        let v = serde_json::to_value(one_per_rule().remove(13).1).expect("facts serialize");
        assert_eq!(v["fact"], "withdrawal");
        assert_eq!(v["drug"], "Ivermectin injection lot VD2510");
        assert_eq!(v["interval"], "withdrawal-period");
        assert_eq!(v["action"], "slaughtered");
        assert_eq!(v["applied"], 1_762_045_200_000u64);
        assert_eq!(v["ancestor"], serde_json::Value::Null);
        let q = serde_json::to_value(one_per_rule().remove(17).1).expect("facts serialize");
        assert_eq!(
            (q["asked"].as_str(), q["held"].as_str(), q["action"].as_str()),
            (Some("25 kg"), Some("20 kg"), Some("sell"))
        );
    }
}
