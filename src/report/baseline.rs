//! Baselines: the causes a team has accepted, each at the severity it was accepted at, so that
//! CI fails only on new problems and on known ones that got worse (docs/report.md,
//! "Baselines"). Baselined findings still appear in every report, marked `baselined`.
//!
//! The decisions, all made here:
//!
//! - A finding is accepted when its fingerprint is listed at its severity or a higher one: an
//!   accepted `note` that becomes an `error` is new. A version 1 file lists fingerprints
//!   without severities; each is read as `note`, the reading that accepts least. A fingerprint
//!   listed twice counts at the lower of its severities, for the same reason.
//! - An entry whose fingerprint no finding of the report carries is *stale*: the cause is gone
//!   (or was renamed), like cargo-deny's unmatched suppressions
//!   (<https://embarkstudios.github.io/cargo-deny/checks/advisories/cfg.html>). Stale entries
//!   are reported and never change the exit status. An entry whose cause is still there at a
//!   worse severity is not stale: the finding itself is reported as new.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Report;
use crate::error::{Error, Result};
use crate::finding::Severity;

/// The baseline file format this build writes.
pub const VERSION: u32 = 2;

/// One accepted cause, as the baseline file lists it and as a stale entry is reported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "BaselineEntry")]
pub struct Entry {
    /// The finding's cause fingerprint (`Finding::fingerprint`): what is matched.
    pub fingerprint: String,
    /// The highest severity accepted for that cause; a worse finding is new.
    pub severity: Severity,
    /// The rule that reported the cause, so a person reading the file knows what it accepts
    /// (null for entries read from a version 1 file).
    #[serde(default)]
    pub rule: Option<String>,
    /// The resource the finding named, for people reading the file (null from version 1).
    #[serde(default)]
    pub resource: Option<String>,
    /// The ALB's ARN, for people reading the file (null from version 1).
    #[serde(default)]
    pub load_balancer: Option<String>,
}

/// What `--baseline` adds to the JSON report (additive to schema 1).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BaselineReport {
    /// Baseline entries that match no finding of this run: causes that are gone, or
    /// fingerprints from another ALB or another alb-audit version. Informational only.
    pub stale: Vec<Entry>,
}

/// Accepted causes by fingerprint, read from a baseline file or taken from a report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baseline {
    entries: BTreeMap<String, Entry>,
}

/// The version 2 file: `{"version": 2, "entries": [...]}`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileV2 {
    version: u32,
    entries: Vec<Entry>,
}

/// The version 1 file: `{"version": 1, "fingerprints": [...]}`, without severities.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileV1 {
    fingerprints: BTreeSet<String>,
    #[serde(rename = "version")]
    _version: u32,
}

/// Only the version, read first to choose the format.
#[derive(Deserialize)]
struct Version {
    version: u32,
}

impl Baseline {
    /// Accepts every finding of `report`, each cause at the highest severity it has there.
    pub fn from_report(report: &Report) -> Self {
        let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
        for lb in &report.load_balancers {
            for f in lb.findings.iter().filter(|f| !f.fingerprint.is_empty()) {
                entries
                    .entry(f.fingerprint.clone())
                    .and_modify(|e| e.severity = e.severity.max(f.severity))
                    .or_insert_with(|| Entry {
                        fingerprint: f.fingerprint.clone(),
                        severity: f.severity,
                        rule: Some(f.rule.clone()),
                        resource: Some(f.resource.clone()),
                        load_balancer: Some(lb.arn.clone()),
                    });
            }
        }
        Baseline { entries }
    }

    /// Reads a baseline file (version 1 or 2).
    pub fn load(path: &Path) -> Result<Self> {
        let bad = |why: String| Error::Input {
            what: "baseline",
            path: path.to_path_buf(),
            why,
        };
        let text = crate::input::read_text(path, crate::input::MAX_INPUT_BYTES)
            .map_err(|e| bad(e.to_string()))?;
        Self::parse(&text).map_err(bad)
    }

    /// Parses the text of a baseline file; the error says why it is not one.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let version: Version = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let listed: Vec<Entry> = match version.version {
            1 => {
                let file: FileV1 = serde_json::from_str(text).map_err(|e| e.to_string())?;
                file.fingerprints
                    .into_iter()
                    .map(|fingerprint| Entry {
                        fingerprint,
                        severity: Severity::Note,
                        rule: None,
                        resource: None,
                        load_balancer: None,
                    })
                    .collect()
            }
            2 => {
                let file: FileV2 = serde_json::from_str(text).map_err(|e| e.to_string())?;
                file.entries
            }
            v => {
                return Err(format!(
                    "version {v} is not supported (this alb-audit reads versions 1 and {VERSION})"
                ))
            }
        };
        let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
        for entry in listed {
            entries
                .entry(entry.fingerprint.clone())
                .and_modify(|e| e.severity = e.severity.min(entry.severity))
                .or_insert(entry);
        }
        Ok(Baseline { entries })
    }

    /// The file text (version 2), entries ordered by ALB, rule, resource and fingerprint so
    /// that a re-generated baseline diffs well in review.
    pub fn to_json(&self) -> String {
        let mut entries: Vec<Entry> = self.entries.values().cloned().collect();
        entries.sort_by(|a, b| {
            (&a.load_balancer, &a.rule, &a.resource, &a.fingerprint).cmp(&(
                &b.load_balancer,
                &b.rule,
                &b.resource,
                &b.fingerprint,
            ))
        });
        let file = FileV2 {
            version: VERSION,
            entries,
        };
        // Plain strings and enums always serialise.
        serde_json::to_string_pretty(&file).unwrap_or_default() + "\n"
    }

    /// Whether a finding with `fingerprint` at `severity` is accepted.
    pub fn accepts(&self, fingerprint: &str, severity: Severity) -> bool {
        self.entries
            .get(fingerprint)
            .is_some_and(|e| e.severity >= severity)
    }

    /// The entries that match none of `fingerprints` (the fingerprints of a run's findings).
    pub fn stale<'a>(&self, fingerprints: impl IntoIterator<Item = &'a str>) -> Vec<Entry> {
        let seen: BTreeSet<&str> = fingerprints.into_iter().collect();
        self.entries
            .values()
            .filter(|e| !seen.contains(e.fingerprint.as_str()))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn severity(i: u8) -> Severity {
        [Severity::Note, Severity::Warning, Severity::Error][usize::from(i % 3)]
    }

    fn v2(entries: &[(String, Severity)]) -> String {
        let entries: Vec<serde_json::Value> = entries
            .iter()
            .map(|(f, s)| serde_json::json!({"fingerprint": f, "severity": s}))
            .collect();
        serde_json::json!({"version": 2, "entries": entries}).to_string()
    }

    #[test]
    fn version_1_entries_accept_notes_only() {
        let b = Baseline::parse(r#"{"version": 1, "fingerprints": ["aa", "bb"]}"#).unwrap();
        assert!(b.accepts("aa", Severity::Note));
        assert!(!b.accepts("aa", Severity::Warning));
        assert!(!b.accepts("aa", Severity::Error));
        assert!(!b.accepts("cc", Severity::Note));
    }

    #[test]
    fn an_accepted_note_that_becomes_an_error_is_new() {
        let b = Baseline::parse(&v2(&[("aa".into(), Severity::Note)])).unwrap();
        assert!(b.accepts("aa", Severity::Note));
        assert!(!b.accepts("aa", Severity::Error));
        let b = Baseline::parse(&v2(&[("aa".into(), Severity::Error)])).unwrap();
        assert!(
            b.accepts("aa", Severity::Note),
            "a lesser severity stays accepted"
        );
    }

    #[test]
    fn unknown_versions_and_fields_are_refused() {
        for text in [
            r#"{"version": 3, "entries": []}"#,
            r#"{"version": 2, "fingerprints": []}"#,
            r#"{"version": 1, "entries": []}"#,
            r#"{"version": 2, "entries": [{"fingerprint": "aa", "severity": "fatal"}]}"#,
            r#"{"entries": []}"#,
            "[]",
        ] {
            assert!(Baseline::parse(text).is_err(), "{text}");
        }
    }

    proptest! {
        /// Accepting and staleness against the definitions read literally: accepted when the
        /// fingerprint is listed and every listing is at or above the finding's severity;
        /// stale when no finding carries the fingerprint.
        #[test]
        fn decisions_match_the_definitions(
            listed in proptest::collection::vec((0u8..6, 0u8..3), 0..12),
            found in proptest::collection::vec((0u8..8, 0u8..3), 0..12),
        ) {
            let listed: Vec<(String, Severity)> =
                listed.into_iter().map(|(f, s)| (format!("f{f}"), severity(s))).collect();
            let found: Vec<(String, Severity)> =
                found.into_iter().map(|(f, s)| (format!("f{f}"), severity(s))).collect();
            let baseline = Baseline::parse(&v2(&listed)).unwrap();
            for (fingerprint, sev) in &found {
                let listings: Vec<&Severity> =
                    listed.iter().filter(|(f, _)| f == fingerprint).map(|(_, s)| s).collect();
                let oracle = !listings.is_empty() && listings.iter().all(|s| **s >= *sev);
                prop_assert_eq!(baseline.accepts(fingerprint, *sev), oracle);
            }
            let stale: Vec<String> = baseline
                .stale(found.iter().map(|(f, _)| f.as_str()))
                .into_iter()
                .map(|e| e.fingerprint)
                .collect();
            let mut oracle: Vec<String> = listed
                .iter()
                .map(|(f, _)| f.clone())
                .filter(|f| found.iter().all(|(g, _)| g != f))
                .collect();
            oracle.sort();
            oracle.dedup();
            prop_assert_eq!(stale, oracle);
            // Written and read back, the baseline decides the same.
            let again = Baseline::parse(&baseline.to_json()).unwrap();
            prop_assert_eq!(again, baseline);
        }
    }
}
