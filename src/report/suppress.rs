//! Suppressions: exceptions written by hand for a fleet (`--suppressions FILE`, TOML), as
//! Prowler's mutelist and cargo-deny's `[advisories] ignore` are (docs/report.md,
//! "Suppressions"). Baselines accept the causes of one run by fingerprint; suppressions say
//! *which kind* of finding a team accepts, by rule, account, region, ALB, resource and tag.
//!
//! The decisions, all made here:
//!
//! - An entry *matches* a finding when every key it has matches (a missing key matches
//!   anything): `rule` is one code or a list; `account`, `region` are exact; `alb` is a glob
//!   over the ALB's name or its ARN; `resource` a glob over the finding's `resource`; `tag`
//!   (`KEY=VALUE`) a tag the ALB carries. Globs know `*` (any run of characters, `/` too) and
//!   `?` (one character), and are anchored at both ends.
//! - An entry *hides* a finding it matches only when the finding is no worse than the entry's
//!   `severity` (default: the rule's own severity in the catalogue) and the entry has not
//!   expired: a note that becomes an error is shown again, as with baselines.
//! - `expires = 2027-03-31`: the entry hides findings through that day (UTC, the day of the
//!   report's `generated_at`); from the next day it hides nothing and is reported as expired.
//! - An entry that matches no finding of the run is reported as stale (a matching finding that
//!   is too severe to hide still keeps its entry from being stale, as with baselines).
//! - A finding hidden by several entries names the first (entries are numbered from 1 in file
//!   order).
//!
//! A bad file is bad input (exit 2), in one line that names the entry.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::finding::{Finding, Severity};

/// The `not_evaluated` check of an ALB whose tags could not be read while entries match by tag.
pub const CHECK: &str = "suppressions";

/// Why a finding is hidden: what the JSON report's `suppressed` holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Suppressed {
    /// The entry's `reason`.
    pub reason: String,
    /// The entry's number: 1 for the first `[[suppress]]` of the file.
    pub entry: usize,
}

/// An entry the report names: one that matched nothing, or that has expired.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "SuppressionEntry")]
pub struct EntryRef {
    /// The entry's number (1 for the first).
    pub entry: usize,
    /// Its `reason`.
    pub reason: String,
    /// Its `expires` date (`YYYY-MM-DD`), or null.
    pub expires: Option<String>,
}

/// What `--suppressions` adds to the JSON report (additive to schema 1).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SuppressionReport {
    /// Entries that matched no finding of this run.
    pub stale: Vec<EntryRef>,
    /// Entries past their `expires` date: they hid nothing.
    pub expired: Vec<EntryRef>,
}

/// A glob over a name: `*` any run of characters, `?` one character, anchored at both ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob(Vec<char>);

impl Glob {
    /// The glob of `pattern`.
    pub fn new(pattern: &str) -> Self {
        Glob(pattern.chars().collect())
    }

    /// Whether `text` is matched, in O(pattern x text) by the classic two-pointer walk that
    /// backtracks only to the last `*`.
    pub fn matches(&self, text: &str) -> bool {
        let p = &self.0;
        let t: Vec<char> = text.chars().collect();
        let (mut pi, mut ti) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while ti < t.len() {
            if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && p[pi] == t[ti])) {
                pi += 1;
                ti += 1;
            } else if pi < p.len() && p[pi] == '*' {
                star = Some((pi, ti));
                pi += 1;
            } else if let Some((sp, st)) = star {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            } else {
                return false;
            }
        }
        p[pi..].iter().all(|c| *c == '*')
    }
}

/// One `[[suppress]]` entry, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Rule codes it is about; empty: every rule.
    pub rules: Vec<String>,
    /// The account, exactly.
    pub account: Option<String>,
    /// The region, exactly.
    pub region: Option<String>,
    /// A glob over the ALB's name or ARN.
    pub alb: Option<Glob>,
    /// A glob over the finding's resource.
    pub resource: Option<Glob>,
    /// A tag the ALB must carry, as (key, value).
    pub tag: Option<(String, String)>,
    /// The highest severity it hides; None: the rule's own.
    pub severity: Option<Severity>,
    /// Why, required.
    pub reason: String,
    /// The last day it hides anything (`YYYY-MM-DD`).
    pub expires: Option<String>,
}

/// What an entry is matched against: one finding and its ALB.
#[derive(Clone, Copy, Debug)]
pub struct Subject<'a> {
    /// The finding.
    pub finding: &'a Finding,
    /// The ALB's account.
    pub account: &'a str,
    /// The ALB's region.
    pub region: &'a str,
    /// The ALB's name.
    pub alb_name: &'a str,
    /// The ALB's ARN.
    pub alb_arn: &'a str,
    /// The ALB's tags.
    pub tags: &'a BTreeMap<String, String>,
}

impl Entry {
    /// Whether every key the entry has matches the subject (severity and expiry aside).
    pub fn matches(&self, s: &Subject<'_>) -> bool {
        (self.rules.is_empty() || self.rules.contains(&s.finding.rule))
            && self.account.as_ref().is_none_or(|a| a == s.account)
            && self.region.as_ref().is_none_or(|r| r == s.region)
            && self
                .alb
                .as_ref()
                .is_none_or(|g| g.matches(s.alb_name) || g.matches(s.alb_arn))
            && self
                .resource
                .as_ref()
                .is_none_or(|g| g.matches(&s.finding.resource))
            && self
                .tag
                .as_ref()
                .is_none_or(|(k, v)| s.tags.get(k) == Some(v))
    }

    /// The worst severity the entry hides for a finding of `rule`.
    pub fn ceiling(&self, rule: &str) -> Severity {
        self.severity.unwrap_or_else(|| {
            crate::rules::find(rule)
                .map(|r| r.severity)
                // A rule this build does not know hides nothing worse than a note.
                .unwrap_or(Severity::Note)
        })
    }

    /// Whether the entry has expired on `today` (`YYYY-MM-DD`).
    pub fn expired(&self, today: &str) -> bool {
        self.expires.as_deref().is_some_and(|e| e < today)
    }

    /// Whether the entry hides the subject on `today`.
    pub fn hides(&self, s: &Subject<'_>, today: &str) -> bool {
        !self.expired(today)
            && self.matches(s)
            && s.finding.severity <= self.ceiling(&s.finding.rule)
    }

    fn named(&self, n: usize) -> EntryRef {
        EntryRef {
            entry: n,
            reason: self.reason.clone(),
            expires: self.expires.clone(),
        }
    }
}

/// A suppressions file, checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Suppressions {
    /// The entries in file order.
    pub entries: Vec<Entry>,
}

/// The file as TOML reads it: entries are checked one by one so that an error names its entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    suppress: Vec<toml::Table>,
}

/// `rule = "ALB101"` or `rule = ["ALB101", "ALB102"]`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Rules {
    One(String),
    Many(Vec<String>),
}

/// One entry as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    rule: Option<Rules>,
    account: Option<String>,
    region: Option<String>,
    alb: Option<String>,
    resource: Option<String>,
    tag: Option<String>,
    severity: Option<Severity>,
    reason: Option<String>,
    expires: Option<toml::value::Datetime>,
}

impl Suppressions {
    /// Whether an entry matches by tag: then a run reads the ALBs' tags, and an ALB whose tags
    /// could not be read is not completely judged.
    pub fn by_tag(&self) -> bool {
        self.entries.iter().any(|e| e.tag.is_some())
    }

    /// Reads a suppressions file.
    pub fn load(path: &Path) -> Result<Self> {
        let bad = |why: String| Error::Input {
            what: "suppressions",
            path: path.to_path_buf(),
            why,
        };
        let text = crate::input::read_text(path, crate::input::MAX_INPUT_BYTES)
            .map_err(|e| bad(e.to_string()))?;
        Self::parse(&text).map_err(bad)
    }

    /// Parses the text of a suppressions file; the error is one line naming the entry.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let file: File = toml::from_str(text).map_err(|e| one_line(&e.to_string()))?;
        let entries = file
            .suppress
            .into_iter()
            .enumerate()
            .map(|(i, table)| {
                entry(table)
                    .map_err(|why| format!("entry {} ([[suppress]] #{}): {why}", i + 1, i + 1))
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(Suppressions { entries })
    }

    /// The first entry that hides `s` on `today`, as the report records it.
    pub fn hiding(&self, s: &Subject<'_>, today: &str) -> Option<Suppressed> {
        self.entries
            .iter()
            .position(|e| e.hides(s, today))
            .map(|i| Suppressed {
                reason: self.entries[i].reason.clone(),
                entry: i + 1,
            })
    }

    /// What the report says about the entries, given which of them matched a finding.
    pub fn report(&self, matched: &[bool], today: &str) -> SuppressionReport {
        let mut out = SuppressionReport::default();
        for (i, e) in self.entries.iter().enumerate() {
            if e.expired(today) {
                out.expired.push(e.named(i + 1));
            } else if !matched.get(i).copied().unwrap_or(false) {
                out.stale.push(e.named(i + 1));
            }
        }
        out
    }
}

/// Checks one entry.
fn entry(table: toml::Table) -> std::result::Result<Entry, String> {
    let raw: Raw = toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| one_line(e.message()))?;
    let reason = raw
        .reason
        .filter(|r| !r.trim().is_empty())
        .ok_or("`reason` is required: say why these findings are accepted")?;
    let rules = match raw.rule {
        None => Vec::new(),
        Some(Rules::One(r)) => vec![r],
        Some(Rules::Many(rs)) if rs.is_empty() => {
            return Err("`rule` is an empty list: name a code, or leave `rule` out".into())
        }
        Some(Rules::Many(rs)) => rs,
    };
    let rules = rules
        .into_iter()
        .map(|r| {
            crate::rules::find(&r)
                .map(|rule| rule.code.to_string())
                .ok_or(format!("unknown rule `{r}` (see `alb-audit rules`)"))
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    if let Some(a) = &raw.account {
        if a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("`account` `{a}` is not a 12-digit account id"));
        }
    }
    let tag = raw
        .tag
        .map(|t| match t.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(format!("`tag` `{t}` is not KEY=VALUE")),
        })
        .transpose()?;
    let expires = raw
        .expires
        .map(|d| match (d.date, d.time, d.offset) {
            (Some(date), None, None) => Ok(date.to_string()),
            _ => Err(format!("`expires` {d} is not a date like 2027-03-31")),
        })
        .transpose()?;
    Ok(Entry {
        rules,
        account: raw.account,
        region: raw.region,
        alb: raw.alb.as_deref().map(Glob::new),
        resource: raw.resource.as_deref().map(Glob::new),
        tag,
        severity: raw.severity,
        reason,
        expires,
    })
}

/// An error message on one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn finding(rule: &str, resource: &str, severity: Severity) -> Finding {
        let mut f = crate::rules::find(rule)
            .unwrap()
            .finding(resource, "m", "r");
        f.severity = severity;
        f
    }

    fn subject<'a>(f: &'a Finding, tags: &'a BTreeMap<String, String>) -> Subject<'a> {
        Subject {
            finding: f,
            account: "111111111111",
            region: "eu-west-1",
            alb_name: "sandbox-web",
            alb_arn: "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/sandbox-web/0123456789abcdef",
            tags,
        }
    }

    #[test]
    fn the_contract_example_parses_and_hides_its_finding() {
        let s = Suppressions::parse(
            r#"
[[suppress]]
rule = "ALB101"
account = "111111111111"
region = "eu-west-1"
alb = "sandbox-*"
resource = "sg-0*"
tag = "env=sandbox"
severity = "warning"
reason = "sandbox ALBs are closed to the internet on purpose"
expires = 2027-03-31
"#,
        )
        .unwrap();
        let tags = BTreeMap::from([("env".to_string(), "sandbox".to_string())]);
        let f = finding("ALB101", "sg-0alb", Severity::Warning);
        let hidden = s.hiding(&subject(&f, &tags), "2027-03-31").unwrap();
        assert_eq!(hidden.entry, 1);
        // The next day the entry has expired and hides nothing.
        assert_eq!(s.hiding(&subject(&f, &tags), "2027-04-01"), None);
        let r = s.report(&[false], "2027-04-01");
        assert_eq!(r.expired.len(), 1);
        assert!(r.stale.is_empty());
        // A worse finding than the entry names is never hidden.
        let worse = finding("ALB101", "sg-0alb", Severity::Error);
        assert_eq!(s.hiding(&subject(&worse, &tags), "2027-01-01"), None);
        // Another tag value: no match.
        let prod = BTreeMap::from([("env".to_string(), "prod".to_string())]);
        assert_eq!(s.hiding(&subject(&f, &prod), "2027-01-01"), None);
    }

    #[test]
    fn bad_files_name_the_entry() {
        for (text, says) in [
            ("[[suppress]]\nrule = \"ALB101\"\n", "entry 1"),
            (
                "[[suppress]]\nreason = \"x\"\n[[suppress]]\nrule = \"ALB999\"\nreason = \"y\"\n",
                "entry 2",
            ),
            (
                "[[suppress]]\nreason = \"x\"\nexpires = \"soon\"\n",
                "entry 1",
            ),
            (
                "[[suppress]]\nreason = \"x\"\nexpires = 2027-03-31T10:00:00Z\n",
                "entry 1",
            ),
            (
                "[[suppress]]\nreason = \"x\"\ncolour = \"red\"\n",
                "entry 1",
            ),
            ("[[suppress]]\nreason = \"x\"\ntag = \"env\"\n", "entry 1"),
            (
                "[[suppress]]\nreason = \"x\"\naccount = \"12\"\n",
                "entry 1",
            ),
            (
                "[[suppress]]\nreason = \"x\"\nseverity = \"fatal\"\n",
                "entry 1",
            ),
            ("[[suppress]]\nreason = \"x\"\nrule = []\n", "entry 1"),
            ("[[suppress]]\nreason = \"  \"\n", "entry 1"),
            ("[[ignore]]\nreason = \"x\"\n", "ignore"),
            ("not toml at all", ""),
        ] {
            let err = Suppressions::parse(text).unwrap_err();
            assert!(err.contains(says), "{text}: {err}");
            assert!(!err.contains('\n'), "one line: {err}");
        }
    }

    /// The glob read literally: `*` any run, `?` one character, else the same character.
    fn glob_oracle(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|i| glob_oracle(rest, &t[i..])),
            Some((c, rest)) => t
                .split_first()
                .is_some_and(|(d, tail)| (*c == '?' || c == d) && glob_oracle(rest, tail)),
        }
    }

    fn severity(i: u8) -> Severity {
        [Severity::Note, Severity::Warning, Severity::Error][usize::from(i % 3)]
    }

    const RULES: [&str; 3] = ["ALB101", "ALB104", "ALB201"];

    prop_compose! {
        fn an_entry()(
            rules in proptest::collection::vec(0usize..3, 0..3),
            account in proptest::option::of(0u8..2),
            region in proptest::option::of(0u8..2),
            alb in proptest::option::of("[ab*?]{0,4}"),
            resource in proptest::option::of("[ab*?]{0,4}"),
            tag in proptest::option::of((0u8..2, 0u8..2)),
            sev in proptest::option::of(0u8..3),
            expires in proptest::option::of(0u8..3),
        ) -> Entry {
            Entry {
                rules: rules.into_iter().map(|i| RULES[i].to_string()).collect(),
                account: account.map(|a| format!("{a}")),
                region: region.map(|r| format!("r{r}")),
                alb: alb.as_deref().map(Glob::new),
                resource: resource.as_deref().map(Glob::new),
                tag: tag.map(|(k, v)| (format!("k{k}"), format!("v{v}"))),
                severity: sev.map(severity),
                reason: "because".into(),
                expires: expires.map(|d| format!("2027-01-0{}", d + 1)),
            }
        }
    }

    proptest! {
        #[test]
        fn globs_match_like_the_literal_reading(p in "[ab*?]{0,6}", t in "[ab]{0,6}") {
            let pc: Vec<char> = p.chars().collect();
            let tc: Vec<char> = t.chars().collect();
            prop_assert_eq!(Glob::new(&p).matches(&t), glob_oracle(&pc, &tc));
        }

        /// Hiding and the report against the definitions read literally, key by key.
        #[test]
        fn decisions_match_the_brute_force_reading(
            entries in proptest::collection::vec(an_entry(), 0..5),
            findings in proptest::collection::vec(
                (0usize..3, "[ab]{0,3}", 0u8..3, 0u8..2, 0u8..2, "[ab]{0,3}", proptest::option::of((0u8..2, 0u8..2))),
                0..6,
            ),
            today in 0u8..4,
        ) {
            let today = format!("2027-01-0{}", today + 1);
            let s = Suppressions { entries: entries.clone() };
            let mut matched = vec![false; entries.len()];
            for (rule, resource, sev, account, region, name, tag) in &findings {
                let f = finding(RULES[*rule], resource, severity(*sev));
                let tags: BTreeMap<String, String> =
                    tag.iter().map(|(k, v)| (format!("k{k}"), format!("v{v}"))).collect();
                let account = format!("{account}");
                let region = format!("r{region}");
                let arn = format!("arn/{name}");
                let subj = Subject {
                    finding: &f, account: &account, region: &region,
                    alb_name: name, alb_arn: &arn, tags: &tags,
                };
                let glob = |g: &Option<Glob>, t: &str| g.as_ref().is_none_or(|g| {
                    glob_oracle(&g.0, &t.chars().collect::<Vec<_>>())
                });
                let keys = |e: &Entry| {
                    (e.rules.is_empty() || e.rules.contains(&f.rule))
                        && e.account.as_ref().is_none_or(|a| *a == account)
                        && e.region.as_ref().is_none_or(|r| *r == region)
                        && (glob(&e.alb, name) || glob(&e.alb, &arn))
                        && glob(&e.resource, resource)
                        && e.tag.as_ref().is_none_or(|t| tags.iter().any(|(k, v)| (k, v) == (&t.0, &t.1)))
                };
                let default = crate::rules::find(&f.rule).unwrap().severity;
                let oracle = entries.iter().position(|e| {
                    keys(e)
                        && e.expires.as_ref().is_none_or(|x| *x >= today)
                        && f.severity <= e.severity.unwrap_or(default)
                });
                prop_assert_eq!(s.hiding(&subj, &today).map(|h| h.entry), oracle.map(|i| i + 1));
                for (i, e) in entries.iter().enumerate() {
                    matched[i] |= e.matches(&subj);
                    prop_assert_eq!(e.matches(&subj), keys(e));
                }
            }
            let report = s.report(&matched, &today);
            let expired: Vec<usize> = (0..entries.len())
                .filter(|i| entries[*i].expires.as_ref().is_some_and(|x| *x < today))
                .map(|i| i + 1).collect();
            let stale: Vec<usize> = (0..entries.len())
                .filter(|i| !expired.contains(&(i + 1)) && !matched[*i])
                .map(|i| i + 1).collect();
            prop_assert_eq!(report.expired.iter().map(|e| e.entry).collect::<Vec<_>>(), expired);
            prop_assert_eq!(report.stale.iter().map(|e| e.entry).collect::<Vec<_>>(), stale);
        }
    }
}
