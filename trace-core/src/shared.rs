//! Value types that several event kinds of record format version 2 share (`docs/formats.md`, "Shared value
//! types"): personal-data commitments, parties, certificate references, licences, measurements and the periods
//! of an input.
//!
//! Like every encoded type, variants and fields are appended, never reordered or changed.

use std::fmt;
use std::str::FromStr;

use crate::encoding;
use crate::error::ParseError;
use crate::event::{CertKind, Verdict};
use crate::ids::{RecordId, hex32_id, parse_hex32};
use crate::keys::PublicKey;
use crate::values::{Time, named_enum};

hex32_id!(
    /// SHA-256 of a document or data file: a registry version, an imported file, a candidate list.
    ContentHash,
    "content hash"
);

impl ContentHash {
    /// SHA-256 of `bytes`.
    pub fn of(bytes: &[u8]) -> ContentHash {
        ContentHash(encoding::sha256(bytes))
    }
}

hex32_id!(
    /// A person's name, ID number, phone or contact, committed to rather than carried: SHA-256 of
    /// `"trace/v2/personal\n" ‖ field ‖ 0x00 ‖ salt (16 bytes) ‖ value (UTF-8)`. The clear value and its salt stay
    /// with whoever may see them (issue 18); the ledger proves they were not changed.
    Personal,
    "personal-data commitment"
);

/// The domain tag of a [`Personal`] commitment.
pub const PERSONAL_TAG: &[u8] = b"trace/v2/personal\n";

impl Personal {
    /// Commits to `value` of the field named `field` (e.g. `"contact"`) under a 16-byte `salt`.
    pub fn commit(field: &str, salt: &[u8; 16], value: &str) -> Personal {
        let mut bytes = Vec::with_capacity(PERSONAL_TAG.len() + field.len() + 17 + value.len());
        bytes.extend_from_slice(PERSONAL_TAG);
        bytes.extend_from_slice(field.as_bytes());
        bytes.push(0);
        bytes.extend_from_slice(salt);
        bytes.extend_from_slice(value.as_bytes());
        Personal(encoding::sha256(&bytes))
    }

    /// A fresh random 16-byte salt for a commitment.
    pub fn random_salt() -> [u8; 16] {
        let mut salt = [0u8; 16];
        if getrandom::fill(&mut salt).is_err() {
            // No entropy source: a deterministic salt would let a guesser test phone numbers offline.
            panic!("the operating system gave no random bytes for a commitment's salt");
        }
        salt
    }

    /// Whether `value` under `salt` is what this commits to.
    pub fn opens(&self, field: &str, salt: &[u8; 16], value: &str) -> bool {
        Personal::commit(field, salt, value) == *self
    }
}

/// A counterparty: an actor admitted on this ledger, or someone outside it.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Party {
    /// An actor of this ledger, by key.
    Member(PublicKey),
    /// A buyer or seller not admitted here.
    Outside(OutsideParty),
}

impl Party {
    /// The member's key, when the party is one.
    pub fn member(&self) -> Option<PublicKey> {
        match self {
            Party::Member(k) => Some(*k),
            Party::Outside(_) => None,
        }
    }
}

/// A party outside the ledger, described by what a purchase record (进货查验记录) would write of it.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutsideParty {
    /// Name as on its licence or card.
    pub name: String,
    /// Unified social credit code, when it has one.
    #[serde(default)]
    pub credit_code: Option<String>,
    /// Licence or certificate numbers it showed.
    #[serde(default)]
    pub certificates: Vec<String>,
    /// A natural person's name or contact, committed.
    #[serde(default)]
    pub person: Option<Personal>,
}

/// A certificate a record relies on: one recorded on this ledger, or one issued elsewhere.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertRef {
    /// A `Certified` (or, from issue 21, `ComplianceCertified`) record of this ledger.
    OnLedger(RecordId),
    /// A certificate from another system: the provincial quarantine system, a paper 合格证.
    External(ExternalCert),
}

impl fmt::Display for CertRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertRef::OnLedger(id) => write!(f, "certificate record {}", &id.to_string()[..12]),
            CertRef::External(x) => write!(f, "{} {} ({})", x.kind, x.number, x.issuer),
        }
    }
}

/// A certificate issued outside this ledger.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalCert {
    /// Kind of certificate.
    pub kind: CertKind,
    /// Its number.
    pub number: String,
    /// Who issued it.
    pub issuer: String,
    /// Valid until, when it says.
    #[serde(default)]
    pub valid_until: Option<Time>,
}

named_enum!(
    /// Kind of licence an actor holds (issue 20 checks them against what the actor records).
    LicenceKind, "licence kind" {
        /// 生猪定点屠宰证.
        DesignatedSlaughter = "designated-slaughter",
        /// 兽药经营许可证.
        VetDrugDealing = "vet-drug-dealing",
        /// 农药经营许可证 (scope `restricted` for 限制使用农药).
        PesticideDealing = "pesticide-dealing",
        /// 食品经营许可证.
        FoodBusiness = "food-business",
        /// 食品小作坊登记证.
        SmallWorkshop = "small-workshop",
        /// 食品摊贩登记备案卡.
        StallCard = "stall-card",
        /// 检验检测机构资质认定 (CMA).
        LabCma = "lab-cma",
        /// 认证机构批准书.
        CertificationBody = "certification-body",
        /// 动物防疫条件合格证.
        AnimalEpidemicPrevention = "animal-epidemic-prevention",
        /// 饲料生产许可证.
        FeedProduction = "feed-production",
        /// 兽药生产许可证.
        VetDrugProduction = "vet-drug-production",
        /// 农药生产许可证.
        PesticideProduction = "pesticide-production",
    }
);

/// A licence held by an actor.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Licence {
    /// Kind.
    pub kind: LicenceKind,
    /// Licence number.
    pub number: String,
    /// Issuing authority.
    pub issuer: String,
    /// Valid from.
    pub valid_from: Time,
    /// Valid until, when it expires.
    #[serde(default)]
    pub valid_until: Option<Time>,
    /// Scope as written on it, e.g. `restricted` for a pesticide dealer who may sell 限制使用农药.
    #[serde(default)]
    pub scope: Vec<String>,
}

named_enum!(
    /// A government department whose staff use the ledger (the read model of issue 18).
    Department, "department" {
        /// 农业农村.
        Agriculture = "agriculture",
        /// 市场监管.
        Market = "market",
        /// 林业.
        Forestry = "forestry",
    }
);

/// An inspection's result.
#[derive(Clone, Copy, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Measurement {
    /// Below the method's limit of detection (未检出).
    NotDetected,
    /// A value in thousandths of the inspection's unit.
    Value(u64),
    /// A qualitative result (a rapid test strip, a sensory check).
    Qualitative(Verdict),
}

impl Measurement {
    /// The value in thousandths, when the result is one.
    pub fn value_milli(self) -> Option<u64> {
        match self {
            Measurement::Value(v) => Some(v),
            _ => None,
        }
    }

    /// Whether something was found: a positive value or a failing qualitative test.
    pub fn detected(self) -> bool {
        match self {
            Measurement::NotDetected => false,
            Measurement::Value(v) => v > 0,
            Measurement::Qualitative(v) => v == Verdict::Fail,
        }
    }
}

impl fmt::Display for Measurement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Measurement::NotDetected => f.write_str("not detected"),
            Measurement::Value(v) => f.write_str(&crate::values::format_milli(*v)),
            Measurement::Qualitative(v) => write!(f, "{v}"),
        }
    }
}

/// The periods an input starts when applied.
#[derive(
    Clone, Copy, PartialEq, Eq, Debug, Default, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize,
)]
#[serde(deny_unknown_fields)]
pub struct Periods {
    /// Withdrawal period for meat (休药期) or pre-harvest interval (安全间隔期), in days.
    pub meat_days: u32,
    /// Milk discard period (弃奶期) in hours, when the label gives one.
    #[serde(default)]
    pub milk_hours: Option<u32>,
    /// Egg withdrawal period in days, when the label gives one.
    #[serde(default)]
    pub egg_days: Option<u32>,
}

impl Periods {
    /// A withdrawal (or pre-harvest interval) of `days` and no milk or egg period.
    pub fn days(days: u32) -> Periods {
        Periods { meat_days: days, milk_hours: None, egg_days: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commitment_opens_only_with_its_field_salt_and_value() {
        let salt = [7u8; 16];
        let c = Personal::commit("contact", &salt, "13800000000");
        assert!(c.opens("contact", &salt, "13800000000"));
        assert!(!c.opens("contact", &salt, "13800000001"));
        assert!(!c.opens("name", &salt, "13800000000"));
        assert!(!c.opens("contact", &[8u8; 16], "13800000000"));
        // The field name is separated from the value, so "a" + "bc" cannot pass for "ab" + "c".
        assert_ne!(Personal::commit("a", &salt, "bc"), Personal::commit("ab", &salt, "c"));
    }

    #[test]
    fn measurements_say_whether_something_was_found() {
        assert!(!Measurement::NotDetected.detected());
        assert!(!Measurement::Value(0).detected());
        assert!(Measurement::Value(1).detected());
        assert!(Measurement::Qualitative(Verdict::Fail).detected());
        assert!(!Measurement::Qualitative(Verdict::Pass).detected());
        let json = serde_json::to_string(&Measurement::Value(1500)).unwrap();
        assert_eq!(json, r#"{"value":1500}"#);
        assert_eq!(serde_json::to_string(&Measurement::NotDetected).unwrap(), r#""not-detected""#);
    }
}
