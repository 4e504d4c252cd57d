//! Typed domain values that reject bad input at construction: times, origins, roles, quantities, GTIN-14,
//! GS1 lot numbers, the 24-digit vet-drug traceability code, product classes.
//!
//! Enum variants are encoded by position: new variants go at the end, existing ones are never reordered
//! (the golden vectors in `tests/data/` catch a reordering).

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use crate::error::ParseError;

/// A string newtype whose bincode form is the string and whose decoding re-validates it.
macro_rules! string_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, bincode::Encode)]
        pub struct $name(String);

        impl $name {
            /// The validated text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl<C> bincode::Decode<C> for $name {
            fn decode<D: bincode::de::Decoder<Context = C>>(
                d: &mut D,
            ) -> Result<Self, bincode::error::DecodeError> {
                let s: String = bincode::Decode::decode(d)?;
                s.parse().map_err(|e: ParseError| bincode::error::DecodeError::OtherString(e.to_string()))
            }
        }
        bincode::impl_borrow_decode!($name);
        $crate::macros::serde_via_str!($name);
    };
}

/// An enum of named, fieldless variants with a stable kebab-case text form.
macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, bincode::Encode, bincode::Decode)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every variant, in encoding order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable text form.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, ParseError> {
                let lower = s.trim().to_ascii_lowercase();
                $name::ALL.iter().copied().find(|v| v.as_str() == lower).ok_or_else(|| {
                    let names: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                    ParseError::new($what, s, format!("expected one of: {}", names.join(", ")))
                })
            }
        }
        $crate::macros::serde_via_str!($name);
    };
}

pub(crate) use named_enum;

/// Milliseconds since the Unix epoch (UTC).
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Debug,
    bincode::Encode,
    bincode::Decode,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Time(pub u64);

/// The offset used to show dates to people: China Standard Time, UTC+08:00, which has no daylight saving.
pub const DISPLAY_OFFSET_MS: i64 = 8 * 3_600_000;

const DAY_MS: u64 = 86_400_000;

impl Time {
    /// The current wall-clock time.
    pub fn now() -> Time {
        let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        Time(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    /// This time plus `days` whole days, saturating.
    pub fn plus_days(self, days: u32) -> Time {
        Time(self.0.saturating_add(u64::from(days) * DAY_MS))
    }

    /// The end (24:00 UTC+08:00) of the `n`th working day (工作日) after this time's day, by China's calendar
    /// of public holidays and make-up working days (`trace-core/data/cn-working-days.txt`); `n == 0` is the end
    /// of this day.
    pub fn plus_working_days(self, n: u32) -> Time {
        let cal = working_calendar();
        let mut day = (self.0 as i64 + DISPLAY_OFFSET_MS).div_euclid(DAY_MS as i64);
        let mut left = n;
        while left > 0 {
            day += 1;
            if cal.is_working(day) {
                left -= 1;
            }
        }
        Time(u64::try_from((day + 1) * DAY_MS as i64 - DISPLAY_OFFSET_MS).unwrap_or(u64::MAX))
    }

    /// The civil date and time at UTC+08:00, as `YYYY-MM-DD HH:MM`.
    pub fn display_local(self) -> String {
        let (y, m, d, hh, mm) = civil(self.0 as i64 + DISPLAY_OFFSET_MS);
        format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}")
    }

    /// The civil date at UTC+08:00, as `YYYY-MM-DD`.
    pub fn display_date(self) -> String {
        let (y, m, d, _, _) = civil(self.0 as i64 + DISPLAY_OFFSET_MS);
        format!("{y:04}-{m:02}-{d:02}")
    }

    /// RFC 3339 in UTC with milliseconds, for machines.
    pub fn rfc3339(self) -> String {
        let (y, m, d, hh, mm) = civil(self.0 as i64);
        let secs = (self.0 / 1000) % 60;
        let ms = self.0 % 1000;
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{secs:02}.{ms:03}Z")
    }

    /// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS]` (both read at UTC+08:00), an RFC 3339 time ending in `Z`
    /// or `±HH:MM`, or plain unix milliseconds.
    pub fn parse_human(s: &str) -> Result<Time, ParseError> {
        let t = s.trim();
        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) && t.len() > 8 {
            return t.parse::<u64>().map(Time).map_err(|_| ParseError::new("time", s, "too large"));
        }
        let bad = || ParseError::new("time", s, "expected YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM] or unix ms");
        // The date is the first ten bytes; a character that straddles them is not a date (found by the payload
        // fuzz target: splitting inside it panicked).
        let cut = t.len().min(10);
        if !t.is_char_boundary(cut) {
            return Err(bad());
        }
        let (date, rest) = t.split_at(cut);
        let parts: Vec<&str> = date.split('-').collect();
        if parts.len() != 3 {
            return Err(bad());
        }
        let y: i64 = parts[0].parse().map_err(|_| bad())?;
        let mo: u32 = parts[1].parse().map_err(|_| bad())?;
        let d: u32 = parts[2].parse().map_err(|_| bad())?;
        if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || !(1970..=9999).contains(&y) {
            return Err(bad());
        }
        let mut offset_ms = DISPLAY_OFFSET_MS;
        let mut clock_ms = 0i64;
        if !rest.is_empty() {
            let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' ')).ok_or_else(bad)?;
            let (clock, zone) = match rest.find(['Z', '+', '-']) {
                Some(i) => rest.split_at(i),
                None => (rest, ""),
            };
            let hms: Vec<&str> = clock.split(':').collect();
            if hms.len() < 2 || hms.len() > 3 {
                return Err(bad());
            }
            let h: i64 = hms[0].parse().map_err(|_| bad())?;
            let mi: i64 = hms[1].parse().map_err(|_| bad())?;
            let sec: f64 = if hms.len() == 3 { hms[2].parse().map_err(|_| bad())? } else { 0.0 };
            if !(0..24).contains(&h) || !(0..60).contains(&mi) || !(0.0..60.0).contains(&sec) {
                return Err(bad());
            }
            clock_ms = (h * 3600 + mi * 60) * 1000 + (sec * 1000.0).round() as i64;
            offset_ms = match zone {
                "" => DISPLAY_OFFSET_MS,
                "Z" => 0,
                z => {
                    let sign = if z.starts_with('-') { -1 } else { 1 };
                    let (oh, om) = z[1..].split_once(':').ok_or_else(bad)?;
                    // One or two digits each, and a real offset (UTC-12:00 to UTC+14:00 exist): an unbounded
                    // number here once overflowed the arithmetic below (found by fuzzing).
                    let two_digits = |t: &str| (1..=2).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit());
                    if !two_digits(oh) || !two_digits(om) {
                        return Err(bad());
                    }
                    let oh: i64 = oh.parse().map_err(|_| bad())?;
                    let om: i64 = om.parse().map_err(|_| bad())?;
                    if oh > 14 || om > 59 {
                        return Err(bad());
                    }
                    sign * (oh * 3600 + om * 60) * 1000
                }
            };
        }
        let ms = days_from_civil(y, mo, d) * DAY_MS as i64 + clock_ms - offset_ms;
        u64::try_from(ms).map(Time).map_err(|_| bad())
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_local())
    }
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Days off and weekend working days, in days since 1970-01-01 (China Standard Time).
#[derive(Default)]
struct WorkingCalendar {
    off: BTreeSet<i64>,
    work: BTreeSet<i64>,
}

impl WorkingCalendar {
    fn is_working(&self, day: i64) -> bool {
        // 1970-01-01 was a Thursday: day 0 is weekday 3 counting Monday as 0.
        let weekend = (day + 3).rem_euclid(7) >= 5;
        (!weekend || self.work.contains(&day)) && !self.off.contains(&day)
    }
}

fn working_calendar() -> &'static WorkingCalendar {
    static CAL: std::sync::OnceLock<WorkingCalendar> = std::sync::OnceLock::new();
    // The file ships with the code and a unit test parses it, so the fallback (weekdays only) is never taken by
    // a released build.
    CAL.get_or_init(|| parse_working_calendar(include_str!("../data/cn-working-days.txt")).unwrap_or_default())
}

/// Parses the calendar file: `off FIRST[..LAST]` and `work DAY` lines, `#` comments.
fn parse_working_calendar(text: &str) -> Result<WorkingCalendar, String> {
    let mut cal = WorkingCalendar::default();
    let day = |s: &str| -> Result<i64, String> {
        let p: Vec<u32> =
            s.split('-').map(|x| x.parse().map_err(|_| format!("bad date {s}"))).collect::<Result<_, _>>()?;
        match p[..] {
            [y, m, d] if (1..=12).contains(&m) && d >= 1 && d <= days_in_month(i64::from(y), m) => {
                Ok(days_from_civil(i64::from(y), m, d))
            }
            _ => Err(format!("bad date {s}")),
        }
    };
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (what, when) = line.split_once(char::is_whitespace).ok_or_else(|| format!("bad line {line}"))?;
        let when = when.trim();
        let (a, b) = when.split_once("..").unwrap_or((when, when));
        let set = match what {
            "off" => &mut cal.off,
            "work" => &mut cal.work,
            _ => return Err(format!("bad line {line}")),
        };
        set.extend(day(a)?..=day(b)?);
    }
    Ok(cal)
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day, hour, minute) for milliseconds since the epoch.
fn civil(ms: i64) -> (i64, u32, u32, u32, u32) {
    let days = ms.div_euclid(DAY_MS as i64);
    let in_day = ms.rem_euclid(DAY_MS as i64);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, (in_day / 3_600_000) as u32, ((in_day / 60_000) % 60) as u32)
}

string_newtype!(
    /// A ledger's name: the first line of its checkpoints and the `origin` of every record, so a record cannot
    /// be replayed into another ledger. A schema-less URL such as `xihu.benxi.example/trace`: 1 to 128
    /// printable ASCII characters, no spaces and no `+` (C2SP signed-note rules).
    Origin
);

impl FromStr for Origin {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        if s.is_empty() || s.len() > 128 {
            return Err(ParseError::new("origin", s, "must be 1 to 128 characters"));
        }
        if let Some(c) = s.chars().find(|c| !c.is_ascii_graphic() || *c == '+') {
            return Err(ParseError::new("origin", s, format!("'{c}' is not allowed (printable ASCII, no '+')")));
        }
        Ok(Origin(s.to_owned()))
    }
}

string_newtype!(
    /// An actor's short name for typing and reading (`xihu-coop`, `vet-wang`), unique on a ledger: 1 to 32
    /// characters, lower-case ASCII letters, digits and `-`, starting with a letter or digit (format v2).
    Handle
);

/// The longest handle, in characters.
pub const HANDLE_MAX: usize = 32;

impl Handle {
    /// A handle this crate spells itself (`authority`, `xihu-coop`): valid by construction, checked in debug
    /// builds and by the tests that decode every record the demo and genesis write.
    pub(crate) fn known(s: String) -> Handle {
        debug_assert!(s.parse::<Handle>().is_ok(), "{s} is not a valid handle");
        Handle(s)
    }
}

impl FromStr for Handle {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        if s.is_empty() || s.len() > HANDLE_MAX {
            return Err(ParseError::new("handle", s, format!("must be 1 to {HANDLE_MAX} characters")));
        }
        if let Some(c) = s.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')) {
            return Err(ParseError::new(
                "handle",
                s,
                format!("'{c}' is not allowed (lower-case letters a-z, digits and '-')"),
            ));
        }
        if s.starts_with('-') {
            return Err(ParseError::new("handle", s, "must start with a letter or digit"));
        }
        Ok(Handle(s.to_owned()))
    }
}

named_enum!(
    /// How precisely a record's claimed time is known (format version 2).
    TimePrecision, "time precision" {
        /// To the minute or better: the time is what it says.
        Minute = "minute",
        /// A calendar day in China Standard Time: the time is that day's 00:00 UTC+08:00, and rules read the
        /// whole day where the safe reading needs it (a treatment's withdrawal runs from the day's end).
        Day = "day",
    }
);

// named_enum! derives the same traits for every enum, so this one's default is written out.
#[allow(clippy::derivable_impls)]
impl Default for TimePrecision {
    fn default() -> TimePrecision {
        TimePrecision::Minute
    }
}

named_enum!(
    /// What an actor may do. See `docs/data-model.md` for the events each role may record.
    Role, "role" {
        /// Operates the node: admits actors, signs the genesis.
        Authority = "authority",
        /// Admits actors, certifies, holds, releases, recalls, audits.
        Regulator = "regulator",
        /// A farmers' co-op or farm: registers batches, applies inputs.
        Coop = "coop",
        /// Prescribes and administers veterinary drugs.
        Vet = "vet",
        /// Registers vet-drug, feed and pesticide lots.
        Supplier = "supplier",
        /// Slaughter, dairy, milling, brewing, packing.
        Processor = "processor",
        /// Carries batches between holders.
        Transporter = "transporter",
        /// A market stall or shop: receives with purchase inspection, sells.
        Market = "market",
        /// A testing laboratory: records sampling inspections.
        Lab = "lab",
        /// A certification body (绿色食品, 有机, GAP): issues the certificates of its scheme (format v2).
        Certifier = "certifier",
        /// The node's own intake key, signing complaints on a complainant's behalf (format v2).
        Intake = "intake",
    }
);

named_enum!(
    /// Product class of a produce batch (the seed plan's meat, dairy, rice and produce).
    ProductClass, "product class" {
        /// Live pigs, cattle, sheep.
        Livestock = "livestock",
        /// Chickens, ducks, geese.
        Poultry = "poultry",
        /// Fish, shrimp, shellfish.
        Aquatic = "aquatic",
        /// Raw milk and dairy products.
        Dairy = "dairy",
        /// Eggs.
        Egg = "egg",
        /// Rice, wheat, maize.
        Grain = "grain",
        /// Vegetables.
        Vegetable = "vegetable",
        /// Fruit and melons.
        Fruit = "fruit",
        /// Tea.
        Tea = "tea",
        /// Chinese herbal medicine crops.
        Herb = "herb",
        /// Processed food (meat cuts, milled rice, beer...).
        Processed = "processed",
        /// Meat from slaughter.
        Meat = "meat",
        /// Edible fungi (食用菌), format v2.
        Mushroom = "mushroom",
    }
);

impl InputKind {
    /// Whether an input of this kind goes on goods of `class`: vet drugs and feed on live animals, pesticides and
    /// fertilisers on crops.
    pub fn goes_on(self, class: ProductClass) -> bool {
        use ProductClass::*;
        match self {
            InputKind::VetDrug | InputKind::Feed | InputKind::FeedAdditive => {
                matches!(class, Livestock | Poultry | Aquatic)
            }
            InputKind::Pesticide | InputKind::Fertilizer => {
                matches!(class, Grain | Vegetable | Fruit | Tea | Herb | Mushroom)
            }
        }
    }
}

impl ProductClass {
    /// Crops on which highly toxic pesticides are forbidden: 《农药管理条例》 (2017) article 34 names vegetables,
    /// melons and fruit, tea, fungi and Chinese herbal medicine.
    pub fn forbids_high_toxicity(self) -> bool {
        matches!(
            self,
            ProductClass::Vegetable
                | ProductClass::Fruit
                | ProductClass::Tea
                | ProductClass::Herb
                | ProductClass::Mushroom
        )
    }
}

named_enum!(
    /// Kind of farm input lot.
    InputKind, "input kind" {
        /// Veterinary drug (withdrawal period in days).
        VetDrug = "vet-drug",
        /// Feed.
        Feed = "feed",
        /// Feed additive.
        FeedAdditive = "feed-additive",
        /// Pesticide (pre-harvest interval in days).
        Pesticide = "pesticide",
        /// Fertiliser.
        Fertilizer = "fertilizer",
    }
);

named_enum!(
    /// Unit of a quantity. Mass and volume units convert among themselves; counts do not.
    Unit, "unit" {
        /// Kilogram.
        Kg = "kg",
        /// Gram.
        G = "g",
        /// Tonne.
        T = "t",
        /// Litre.
        L = "l",
        /// Millilitre.
        Ml = "ml",
        /// Animals.
        Head = "head",
        /// Pieces.
        Piece = "piece",
        /// Boxes or cartons.
        Box = "box",
        /// Bags or sacks.
        Bag = "bag",
        /// Doses.
        Dose = "dose",
        /// 斤, 500 g (format v2).
        Jin = "jin",
        /// 两, 50 g.
        Liang = "liang",
        /// 只: animals or birds counted singly (sheep, chickens).
        Zhi = "zhi",
        /// 羽: poultry counted by the bird, as poultry statistics count them.
        Yu = "yu",
        /// 枚: eggs.
        Mei = "mei",
        /// 亩: area, one fifteenth of a hectare.
        Mu = "mu",
        /// Square metres.
        M2 = "m2",
    }
);

impl Unit {
    /// (dimension, milli-units of the dimension's base per milli-unit of this unit), base g or ml.
    fn scale(self) -> (u8, u64) {
        match self {
            Unit::G => (1, 1),
            Unit::Kg => (1, 1_000),
            Unit::T => (1, 1_000_000),
            Unit::Ml => (2, 1),
            Unit::L => (2, 1_000),
            Unit::Head => (3, 1),
            Unit::Piece => (4, 1),
            Unit::Box => (5, 1),
            Unit::Bag => (6, 1),
            Unit::Dose => (7, 1),
            Unit::Jin => (1, 500),
            Unit::Liang => (1, 50),
            Unit::Zhi => (8, 1),
            Unit::Yu => (9, 1),
            Unit::Mei => (10, 1),
            // 1 亩 is 10000/15 m², not a whole number of square metres: the two do not convert.
            Unit::Mu => (11, 1),
            Unit::M2 => (12, 1),
        }
    }
}

/// An amount in integer thousandths of a unit: `12.5 kg` is `{ milli: 12_500, unit: Kg }`. No floats.
#[derive(Clone, Copy, PartialEq, Eq, Hash, bincode::Encode, bincode::Decode)]
pub struct Quantity {
    /// Thousandths of `unit`.
    pub milli: u64,
    /// The unit.
    pub unit: Unit,
}

impl Quantity {
    /// `whole` units.
    pub fn new(whole: u64, unit: Unit) -> Quantity {
        Quantity { milli: whole.saturating_mul(1000), unit }
    }

    /// Milli-units of the base unit of this quantity's dimension, or `None` when `other` is of another
    /// dimension (kilograms against heads) or the value overflows.
    fn base_pair(self, other: Quantity) -> Option<(u64, u64)> {
        let (da, sa) = self.unit.scale();
        let (db, sb) = other.unit.scale();
        (da == db).then_some(())?;
        Some((self.milli.checked_mul(sa)?, other.milli.checked_mul(sb)?))
    }

    /// Whether the two can be compared and added.
    pub fn comparable(self, other: Quantity) -> bool {
        self.base_pair(other).is_some()
    }

    /// `self - other`, exactly, or `None` if incomparable or `other` is larger. In `self`'s unit when the
    /// difference is a whole number of its thousandths, otherwise in a finer unit: 1 t − 900 g is 999.1 kg,
    /// never a rounded 0.999 t.
    pub fn checked_sub(self, other: Quantity) -> Option<Quantity> {
        let (a, b) = self.base_pair(other)?;
        Some(self.exact(a.checked_sub(b)?, other.unit))
    }

    /// `self + other`, exactly, or `None` if incomparable or it overflows. In `self`'s unit when the sum is a
    /// whole number of its thousandths, otherwise in a finer unit: 0 t + 900 g is 0.9 kg.
    pub fn checked_add(self, other: Quantity) -> Option<Quantity> {
        let (a, b) = self.base_pair(other)?;
        Some(self.exact(a.checked_add(b)?, other.unit))
    }

    /// `base` (milli-units of the dimension's base) in `self`'s unit if that is exact, else in the coarsest
    /// finer unit of the dimension that is (999.1 kg rather than 999100 g). Within a dimension every unit's
    /// scale is a multiple of the smallest, so some unit down to `finer`'s is exact when `base` is a sum or
    /// difference of amounts in `self`'s and `finer`'s units.
    fn exact(self, base: u64, finer: Unit) -> Quantity {
        let (dim, s) = self.unit.scale();
        if base % s == 0 {
            return Quantity { milli: base / s, unit: self.unit };
        }
        const COARSE_TO_FINE: [Unit; 5] = [Unit::T, Unit::Kg, Unit::G, Unit::L, Unit::Ml];
        let unit = COARSE_TO_FINE
            .into_iter()
            .find(|u| {
                let (d, us) = u.scale();
                d == dim && us < s && base % us == 0
            })
            .unwrap_or(finer);
        Quantity { milli: base / unit.scale().1, unit }
    }

    /// The amount in milli-units of its dimension's base (grams, millilitres, or the unit itself for counts),
    /// for comparing quantities held in different units of one dimension; saturates.
    pub fn base_milli(self) -> u64 {
        self.milli.saturating_mul(self.unit.scale().1)
    }

    /// Whether this is zero.
    pub fn is_zero(self) -> bool {
        self.milli == 0
    }
}

/// Thousandths as a decimal with no trailing zeros: 12500 → "12.5", 3000 → "3", 1 → "0.001".
pub fn format_milli(milli: u64) -> String {
    let (whole, frac) = (milli / 1000, milli % 1000);
    if frac == 0 { whole.to_string() } else { format!("{whole}.{}", format!("{frac:03}").trim_end_matches('0')) }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", format_milli(self.milli), self.unit)
    }
}

impl fmt::Debug for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Quantity({self})")
    }
}

impl FromStr for Quantity {
    type Err = ParseError;
    /// Parses `12.5 kg`, `12.5kg`, `30 head`: a decimal with at most three places, then a unit.
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let unit: Unit = unit.trim().parse()?;
        let bad = |why: &str| ParseError::new("quantity", s, why.to_owned());
        let (whole, frac) = num.split_once('.').unwrap_or((num, ""));
        if whole.is_empty() || frac.len() > 3 || frac.contains('.') {
            return Err(bad("expected a number with at most three decimals and a unit, like 12.5 kg"));
        }
        let whole: u64 = whole.parse().map_err(|_| bad("number too large"))?;
        let frac_milli: u64 =
            if frac.is_empty() { 0 } else { format!("{frac:0<3}").parse().map_err(|_| bad("bad decimals"))? };
        let milli =
            whole.checked_mul(1000).and_then(|w| w.checked_add(frac_milli)).ok_or_else(|| bad("number too large"))?;
        Ok(Quantity { milli, unit })
    }
}
crate::macros::serde_via_str!(Quantity);

string_newtype!(
    /// A GTIN-14 with a valid GS1 mod-10 check digit. Parsing accepts GTIN-8, -12, -13 or -14 and pads
    /// with leading zeros to 14 digits, as GS1 Digital Link does.
    Gtin
);

impl FromStr for Gtin {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        if !matches!(t.len(), 8 | 12 | 13 | 14) || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseError::new("GTIN", s, "expected 8, 12, 13 or 14 digits"));
        }
        let padded = format!("{t:0>14}");
        let digits: Vec<u32> = padded.bytes().map(|b| u32::from(b - b'0')).collect();
        // GS1 check digit: weights 3,1,3,1... from the rightmost data digit.
        let sum: u32 = digits[..13].iter().rev().enumerate().map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d }).sum();
        let check = (10 - sum % 10) % 10;
        if check != digits[13] {
            return Err(ParseError::new("GTIN", s, format!("check digit should be {check}")));
        }
        Ok(Gtin(padded))
    }
}

string_newtype!(
    /// A GS1 batch/lot number (application identifier 10): 1 to 20 characters of GS1 character set 82.
    Lot
);

/// GS1 AI encodable character set 82, apart from alphanumerics.
const CSET82_PUNCT: &str = "!\"%&'()*+,-./:;<=>?_";

impl FromStr for Lot {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        if s.is_empty() || s.len() > 20 {
            return Err(ParseError::new("lot", s, "must be 1 to 20 characters (GS1 AI 10)"));
        }
        if let Some(c) = s.chars().find(|c| !(c.is_ascii_alphanumeric() || CSET82_PUNCT.contains(*c))) {
            return Err(ParseError::new("lot", s, format!("'{c}' is not in GS1 character set 82")));
        }
        Ok(Lot(s.to_owned()))
    }
}

string_newtype!(
    /// The 24-digit veterinary-drug traceability code printed on every drug package in China: positions 1-8
    /// a date (YYYYMMDD), 9-13 the enterprise code, 14-24 the package serial.
    VetDrugCode
);

impl VetDrugCode {
    /// Positions 1-8: the date part.
    pub fn date_part(&self) -> &str {
        &self.0[0..8]
    }
    /// Positions 9-13: the enterprise code.
    pub fn enterprise(&self) -> &str {
        &self.0[8..13]
    }
    /// Positions 14-24: the serial.
    pub fn serial(&self) -> &str {
        &self.0[13..24]
    }
}

impl FromStr for VetDrugCode {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let t: String = s.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        if t.len() != 24 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseError::new("vet-drug code", s, "expected 24 digits"));
        }
        let y: i64 = t[0..4].parse().map_err(|_| ParseError::new("vet-drug code", s, "bad year"))?;
        let m: u32 = t[4..6].parse().map_err(|_| ParseError::new("vet-drug code", s, "bad month"))?;
        let d: u32 = t[6..8].parse().map_err(|_| ParseError::new("vet-drug code", s, "bad day"))?;
        if !(2000..=2099).contains(&y) || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return Err(ParseError::new("vet-drug code", s, "positions 1-8 must be a date YYYYMMDD"));
        }
        Ok(VetDrugCode(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantity_parses_and_prints_exactly() {
        let q: Quantity = "12.5 kg".parse().unwrap();
        assert_eq!(q, Quantity { milli: 12_500, unit: Unit::Kg });
        assert_eq!(q.to_string(), "12.5 kg");
        assert_eq!("30head".parse::<Quantity>().unwrap().to_string(), "30 head");
        assert!("1.2345 kg".parse::<Quantity>().is_err());
        assert!("12 furlongs".parse::<Quantity>().is_err());
        assert!("-3 kg".parse::<Quantity>().is_err());
    }

    #[test]
    fn quantity_converts_within_a_dimension_only() {
        let kg: Quantity = "2 kg".parse().unwrap();
        let g: Quantity = "500 g".parse().unwrap();
        assert_eq!(kg.checked_sub(g).unwrap().to_string(), "1.5 kg");
        assert!(kg.checked_sub("3 kg".parse().unwrap()).is_none());
        assert!(!kg.comparable("1 head".parse().unwrap()));
    }

    #[test]
    fn a_time_zone_offset_out_of_range_is_refused_not_a_panic() {
        // From the payload fuzz corpus: a huge offset overflowed `oh * 3600` (a panic in debug builds, a
        // wrapped, wrong time in release).
        let fuzzed = "2026-12-19T8:3--60830150010060000018:11";
        for bad in [
            fuzzed,
            "2026-01-01T08:00+99:00",
            "2026-01-01T08:00+15:00",
            "2026-01-01T08:00+08:60",
            "2026-01-01T08:00+-8:00",
            "2026-01-01T08:00+008:00",
        ] {
            assert!(Time::parse_human(bad).is_err(), "{bad}");
        }
        let at = |s: &str| Time::parse_human(s).unwrap().0;
        assert_eq!(at("2026-01-01T08:00+08:00"), at("2026-01-01T00:00Z"));
        assert_eq!(at("2026-01-01T00:00-5:30"), at("2026-01-01T05:30Z"));
        assert_eq!(at("2026-01-01T14:00+14:00"), at("2026-01-01T00:00Z"));
    }

    #[test]
    fn quantity_arithmetic_never_rounds() {
        let q = |s: &str| s.parse::<Quantity>().unwrap();
        let cases = [
            // (a, op, b, exact result): the result keeps a's unit when it can, else the coarsest finer one.
            ("1 t", '-', "900 g", "999.1 kg"),
            ("1 t", '-', "0.5 g", "999999.5 g"),
            ("1 t", '-', "1 kg", "0.999 t"),
            ("0 t", '+', "900 g", "0.9 kg"),
            ("0 t", '+', "0.001 g", "0.001 g"),
            ("2 kg", '+', "500 g", "2.5 kg"),
            ("1 l", '-', "1 ml", "0.999 l"),
            ("1 l", '-', "0.5 ml", "999.5 ml"),
            ("500 g", '+', "1 t", "1000500 g"),
            ("30 head", '-', "1 head", "29 head"),
        ];
        for (a, op, b, want) in cases {
            let got = if op == '-' { q(a).checked_sub(q(b)) } else { q(a).checked_add(q(b)) }.unwrap();
            assert_eq!(got.to_string(), want, "{a} {op} {b}");
            // The amount itself is exact, whatever the unit.
            let (x, y) = (q(a).base_milli(), q(b).base_milli());
            assert_eq!(got.base_milli(), if op == '-' { x - y } else { x + y }, "{a} {op} {b}");
        }
        assert!(q("1 t").checked_sub(q("1000000.001 g")).is_none());
        assert_eq!(q("1 t").base_milli(), q("1000 kg").base_milli());
    }

    #[test]
    fn gtin_check_digit_is_enforced_and_short_forms_pad() {
        assert_eq!("09506000134352".parse::<Gtin>().unwrap().as_str(), "09506000134352");
        assert_eq!("9506000134352".parse::<Gtin>().unwrap().as_str(), "09506000134352");
        assert!("09506000134353".parse::<Gtin>().is_err());
        assert!("0950600013435x".parse::<Gtin>().is_err());
    }

    #[test]
    fn vet_drug_code_needs_a_date_and_24_digits() {
        let c: VetDrugCode = "202611280123400000000042".parse().unwrap();
        assert_eq!((c.date_part(), c.enterprise(), c.serial()), ("20261128", "01234", "00000000042"));
        assert!("202613280123400000000042".parse::<VetDrugCode>().is_err());
        assert!("20261128012340000000004".parse::<VetDrugCode>().is_err());
    }

    #[test]
    fn working_days_follow_the_state_councils_calendar() {
        let at = |s: &str| Time::parse_human(s).unwrap();
        // National Day 2026: 09-25..09-27 and 10-01..10-07 off; five working days after Thursday 09-24 end on
        // Friday 10-09 (09-28, 09-29, 09-30, 10-08, 10-09).
        assert_eq!(at("2026-09-24T15:30").plus_working_days(5).display_local(), "2026-10-10 00:00");
        // Saturday 10-10 is a make-up working day.
        assert_eq!(at("2026-10-08T09:00").plus_working_days(2).display_local(), "2026-10-11 00:00");
        // A year the file does not list counts Monday to Friday: Friday 2030-03-01 + 1 is Monday 03-04.
        assert_eq!(at("2030-03-01T10:00").plus_working_days(1).display_local(), "2030-03-05 00:00");
        assert_eq!(at("2030-03-01T10:00").plus_working_days(0).display_local(), "2030-03-02 00:00");
        // Every line of the shipped file parses, and a malformed one is refused loudly.
        let cal = parse_working_calendar(include_str!("../data/cn-working-days.txt")).unwrap();
        assert!(cal.off.len() > 60 && cal.work.len() == 11, "{} off, {} work", cal.off.len(), cal.work.len());
        assert!(parse_working_calendar("holiday 2026-01-01").is_err());
        assert!(parse_working_calendar("off 2026-02-30").is_err());
    }

    #[test]
    fn times_round_trip_through_local_display() {
        let t = Time::parse_human("2026-12-19").unwrap();
        assert_eq!(t.display_local(), "2026-12-19 00:00");
        assert_eq!(t.rfc3339(), "2026-12-18T16:00:00.000Z");
        assert_eq!(Time::parse_human("2026-12-18T16:00:00Z").unwrap(), t);
        assert_eq!(Time::parse_human("2026-12-19T08:30").unwrap().display_local(), "2026-12-19 08:30");
        assert!(Time::parse_human("2026-02-30").is_err());
        assert_eq!(Time(0).plus_days(1).0, 86_400_000);
    }

    #[test]
    fn a_time_with_a_character_across_its_tenth_byte_is_refused_not_a_panic() {
        // Regression (fuzz target payload): "202026-1" then U+FFFD, whose bytes are 8..11.
        assert!(Time::parse_human("202026-1\u{fffd}-\n").is_err());
        assert!(Time::parse_human("2026-12-1\u{4e00}").is_err());
    }

    #[test]
    fn origin_refuses_spaces_and_plus() {
        assert!("xihu.example/trace".parse::<Origin>().is_ok());
        assert!("a b".parse::<Origin>().is_err());
        assert!("a+b".parse::<Origin>().is_err());
        assert!("".parse::<Origin>().is_err());
    }
}
