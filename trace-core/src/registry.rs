//! The substance registry shipped as data (`trace-core/data/substances-2.json`): banned and restricted
//! substances from the official lists, each with its names, marker metabolites, kind, measures, dates and source,
//! and the matching of names against it.
//!
//! A ledger judges records under the registry version it adopted by a `RegistryAdopted` record naming the
//! version and the SHA-256 of its file (`rules::substances`), plus the entries its regulators added and minus
//! those two regulators removed.
//!
//! Matching (`Registry::matches`): names are NFKC-normalised and lower-cased, so full-width letters are the
//! letters they look like; a Latin name or abbreviation matches as whole words (AOZ in "AOZ residue", not SEM in
//! "semicarbazide hydrochloride"'s prefix), a Chinese name as a substring (盐酸克仑特罗预混剂 has no word
//! boundary).

use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

use crate::shared::ContentHash;
use crate::values::{ProductClass, Time};

/// The shipped registry file.
pub const SHIPPED_REGISTRY: &str = include_str!("../data/substances-2.json");

/// Its version name, as `RegistryAdopted` records name it.
pub const SHIPPED_REGISTRY_VERSION: &str = "trace-substances-2";

/// What a substance is.
#[derive(Clone, Copy, PartialEq, Eq, Debug, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SubstanceKind {
    /// A veterinary drug.
    VetDrug,
    /// A feed additive.
    FeedAdditive,
    /// A pesticide.
    Pesticide,
    /// Another compound (dyes, hormones, β-agonists as a group).
    Compound,
}

/// What the law does with it.
#[derive(Clone, PartialEq, Eq, Debug, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "measure")]
pub enum Measure {
    /// Not used in food animals at all (农业农村部公告第250号): no lot containing it is registered or applied, and a
    /// residue found fails an inspection whatever its value.
    BannedInFoodAnimals,
    /// A pesticide whose production, sale and use are stopped: no lot registered or applied from the date.
    BannedPesticide,
    /// A pesticide not to be used on these classes of crop.
    NotOnCrops {
        /// The classes.
        crops: Vec<ProductClass>,
    },
    /// Sold only by licensed dealers (定点经营); checked by the custody rules of input lots.
    RestrictedSale,
}

/// One measure, with when it applies and where it comes from. (Not `deny_unknown_fields`: serde cannot combine
/// it with the flattened measure; the registry test checks every rule's fields instead.)
#[derive(Clone, PartialEq, Eq, Debug, serde::Deserialize, serde::Serialize)]
pub struct Rule {
    /// The measure.
    #[serde(flatten)]
    pub measure: Measure,
    /// In force from (a date, `YYYY-MM-DD`, read at 00:00 China Standard Time).
    pub from: String,
    /// The source's id in [`Registry::sources`].
    pub source: String,
}

impl Rule {
    /// Whether it applies at `t`: from its date on.
    pub fn in_force(&self, t: Time) -> bool {
        date_start(&self.from).is_some_and(|from| from <= t)
    }
}

/// A substance (or a group, such as 瘦肉精).
#[derive(Clone, PartialEq, Eq, Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Stable id (the English common name, kebab-case).
    pub id: String,
    /// CAS number, when one names it.
    #[serde(default)]
    pub cas: Option<String>,
    /// Chinese names: the official one first, then aliases.
    pub zh: Vec<String>,
    /// English names and abbreviations.
    #[serde(default)]
    pub en: Vec<String>,
    /// Marker metabolites labs report instead of the substance (AOZ for furazolidone).
    #[serde(default)]
    pub metabolites: Vec<String>,
    /// Kind.
    pub kind: SubstanceKind,
    /// Toxicity class for pesticides: "extreme" (剧毒) or "high" (高毒).
    #[serde(default)]
    pub toxicity: Option<String>,
    /// What the law does with it.
    pub rules: Vec<Rule>,
}

impl Entry {
    /// The official Chinese name and, when it has one, the first English name: "克仑特罗 clenbuterol".
    pub fn display(&self) -> String {
        match (self.zh.first(), self.en.first()) {
            (Some(z), Some(e)) => format!("{z} {e}"),
            (Some(z), None) => z.clone(),
            (None, Some(e)) => e.clone(),
            (None, None) => self.id.clone(),
        }
    }

    /// The first rule of this entry in force at `t` for which `f` says yes.
    pub fn rule_at(&self, t: Time, f: impl Fn(&Measure) -> bool) -> Option<&Rule> {
        self.rules.iter().find(|r| f(&r.measure) && r.in_force(t))
    }
}

/// A source: an announcement or regulation.
#[derive(Clone, PartialEq, Eq, Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Id entries refer to.
    pub id: String,
    /// Its title, in Chinese as published.
    pub title: String,
    /// Date published or in force.
    pub date: String,
    /// Where its text was checked.
    pub checked: String,
}

/// A registry version.
#[derive(Clone, PartialEq, Eq, Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Registry {
    /// Version name.
    pub version: String,
    /// What it is.
    pub about: String,
    /// Sources.
    pub sources: Vec<Source>,
    /// Entries.
    pub entries: Vec<Entry>,
}

/// How a text matched an entry.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Match<'r> {
    /// The entry.
    pub entry: &'r Entry,
    /// The name (or metabolite) that matched, as the registry spells it.
    pub name: String,
    /// Whether it was a marker metabolite.
    pub metabolite: bool,
}

impl Registry {
    /// The shipped registry. Its file is parsed by a unit test, so the fallback (an empty registry) is never
    /// taken by a released build.
    pub fn shipped() -> &'static Registry {
        static R: OnceLock<Registry> = OnceLock::new();
        R.get_or_init(|| {
            Registry::parse(SHIPPED_REGISTRY).unwrap_or_else(|_| Registry {
                version: SHIPPED_REGISTRY_VERSION.into(),
                about: String::new(),
                sources: Vec::new(),
                entries: Vec::new(),
            })
        })
    }

    /// Parses a registry file and checks that every rule names a known source and a valid date.
    pub fn parse(text: &str) -> Result<Registry, String> {
        let r: Registry = serde_json::from_str(text).map_err(|e| e.to_string())?;
        for e in &r.entries {
            if e.zh.is_empty() && e.en.is_empty() {
                return Err(format!("{}: no name", e.id));
            }
            for rule in &e.rules {
                if !r.sources.iter().any(|s| s.id == rule.source) {
                    return Err(format!("{}: unknown source {}", e.id, rule.source));
                }
                if date_start(&rule.from).is_none() {
                    return Err(format!("{}: bad date {}", e.id, rule.from));
                }
            }
        }
        Ok(r)
    }

    /// The SHA-256 of the shipped file, as `RegistryAdopted` names it.
    pub fn shipped_hash() -> ContentHash {
        ContentHash::of(SHIPPED_REGISTRY.as_bytes())
    }

    /// The source with this id.
    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }

    /// Every entry `text` names (by a name, an alias, an abbreviation or a marker metabolite), skipping the ids in
    /// `removed`.
    pub fn matches<'r>(&'r self, text: &str, removed: &[String]) -> Vec<Match<'r>> {
        let t = Normalized::of(text);
        let mut out = Vec::new();
        for e in self.entries.iter().filter(|e| !removed.contains(&e.id)) {
            let names = e.zh.iter().chain(&e.en).map(|n| (n, false));
            let found = names.chain(e.metabolites.iter().map(|n| (n, true))).find(|(n, _)| t.contains(n));
            if let Some((name, metabolite)) = found {
                out.push(Match { entry: e, name: name.clone(), metabolite });
            }
        }
        out
    }
}

/// Whether two analyte texts name the same substance: an entry of the shipped registry in common, or the same
/// text once normalised ("Clenbuterol (克伦特罗)" and "盐酸克仑特罗" do; "moisture" and "clenbuterol" do not).
pub fn same_substance(a: &str, b: &str) -> bool {
    let r = Registry::shipped();
    let ids = |s: &str| r.matches(s, &[]).into_iter().map(|m| m.entry.id.clone()).collect::<Vec<_>>();
    let (x, y) = (ids(a), ids(b));
    x.iter().any(|i| y.contains(i)) || Normalized::of(a).text.trim() == Normalized::of(b).text.trim()
}

/// Whether `text` names `name` by the registry's matching rules (for names added on a ledger).
pub fn names(text: &str, name: &str) -> bool {
    Normalized::of(text).contains(name)
}

/// Normalised text: NFKC, lower-cased, invisible formatting characters removed; with its Latin words for
/// whole-word matching.
struct Normalized {
    text: String,
    words: Vec<String>,
}

impl Normalized {
    fn of(s: &str) -> Normalized {
        let text = normal(s);
        let words = words(&text);
        Normalized { text, words }
    }

    /// Whether `name` occurs: a name with CJK characters as a substring (spaces ignored), a Latin name as a run of
    /// whole words.
    fn contains(&self, name: &str) -> bool {
        let n = normal(name);
        if n.chars().any(is_cjk) {
            let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            return squeeze(&self.text).contains(&squeeze(&n));
        }
        let want = words(&n);
        if want.is_empty() {
            return false;
        }
        if self.words.windows(want.len()).any(|w| w == want.as_slice()) {
            return true;
        }
        // A one-word name inside a hyphenated word: a salt after it ("clenbuterol-hcl") or a derivatising prefix
        // before a marker ("2-np-aoz"); never another compound ("parathion-methyl" is not parathion).
        let [one] = want.as_slice() else { return false };
        self.words.iter().any(|w| {
            let parts: Vec<&str> = w.split('-').collect();
            (parts.len() > 1 && parts[0] == one && parts[1..].iter().all(|p| SALTS.contains(p)))
                || (parts.len() > 1
                    && parts.last() == Some(&one.as_str())
                    && parts[..parts.len() - 1].iter().all(|p| DERIVATISING.contains(p)))
        })
    }
}

/// Salt and ester suffixes that leave a substance what it is.
const SALTS: &[&str] = &[
    "hcl",
    "hydrochloride",
    "sulfate",
    "sulphate",
    "na",
    "sodium",
    "k",
    "potassium",
    "tartrate",
    "acetate",
    "phosphate",
    "succinate",
    "base",
];

/// The prefixes labs write before a derivatised marker metabolite (2-NP-AOZ: nitrophenyl derivative).
const DERIVATISING: &[&str] = &["2", "np", "nbd"];

/// NFKC, lower case, without default-ignorable characters (zero-width spaces, soft hyphens, joiners, BOM).
fn normal(s: &str) -> String {
    s.nfkc()
        .filter(|c| !matches!(*c as u32, 0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F | 0xFEFF | 0xFFA0 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0000..=0xE0FFF))
        .collect::<String>()
        .to_lowercase()
}

/// Latin words: maximal runs of letters and digits (a hyphen inside a chemical name joins its parts, so
/// "parathion-methyl" is one word and does not match "parathion").
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        if c.is_alphanumeric() && !is_cjk(c) || (c == '-' && !cur.is_empty()) {
            cur.push(c);
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur).trim_end_matches('-').to_owned());
        }
    }
    if !cur.is_empty() {
        out.push(cur.trim_end_matches('-').to_owned());
    }
    out
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

/// 00:00 China Standard Time of a `YYYY-MM-DD` date.
pub fn date_start(date: &str) -> Option<Time> {
    if date.len() != 10 {
        return None;
    }
    Time::parse_human(date).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_registry_parses_and_every_rule_has_a_source() {
        let r = Registry::parse(SHIPPED_REGISTRY).unwrap();
        assert_eq!(r.version, SHIPPED_REGISTRY_VERSION);
        assert!(r.entries.len() > 40, "{} entries", r.entries.len());
        let mut ids: Vec<&str> = r.entries.iter().map(|e| e.id.as_str()).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "entry ids are unique");
        assert!(Registry::parse(r#"{"version":"x","about":"","sources":[],"entries":[{"id":"a","zh":["甲"],"kind":"compound","rules":[{"measure":"banned-in-food-animals","from":"2019-12-27","source":"nowhere"}]}]}"#).is_err());
    }

    #[test]
    fn names_match_as_officials_and_labs_write_them() {
        let r = Registry::shipped();
        let ids = |s: &str| r.matches(s, &[]).iter().map(|m| m.entry.id.clone()).collect::<Vec<_>>();
        assert!(ids("盐酸克仑特罗预混剂").contains(&"clenbuterol".to_owned()));
        assert!(ids("盐酸克伦特罗").contains(&"clenbuterol".to_owned()));
        assert!(ids("ＣＬＥＮＢＵＴＥＲＯＬ hydrochloride").contains(&"clenbuterol".to_owned()), "full-width letters");
        assert!(ids("瘦肉精预混料").contains(&"lean-meat-agents".to_owned()));
        assert!(ids("AOZ").contains(&"furazolidone".to_owned()));
        assert!(ids("semicarbazide (SEM)").contains(&"nitrofurazone".to_owned()));
        // Whole words only: "parathion-methyl" is not parathion; a word merely starting with an abbreviation is
        // not it.
        assert!(!ids("parathion-methyl").contains(&"parathion".to_owned()));
        assert!(ids("parathion-methyl").contains(&"parathion-methyl".to_owned()));
        assert!(ids("semolina").is_empty());
        assert!(ids("amoxicillin").is_empty());
        // Salts after a hyphen, derivatised markers, zero-width characters.
        assert!(ids("Clenbuterol-HCl").contains(&"clenbuterol".to_owned()));
        assert!(ids("2-NP-AOZ").contains(&"furazolidone".to_owned()));
        assert!(ids("克\u{200B}仑特罗").contains(&"clenbuterol".to_owned()));
        assert!(!ids("parathion-methyl").contains(&"parathion".to_owned()));
        assert!(same_substance("Clenbuterol (克伦特罗)", "盐酸克仑特罗") && !same_substance("moisture", "clenbuterol"));
    }
}
