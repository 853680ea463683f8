//! Where each report format neutralises the strings AWS and probed targets wrote: names, tags,
//! descriptions, host headers, certificate names, `Server` headers, error messages. Whoever can
//! create a resource or run a target writes them, not the reader of the report, so each format
//! has exactly one place that makes them inert for its medium (docs/safe-output.md):
//!
//! - text (terminals, CI logs): [`text`], every string of the report, then the CI-command pass;
//! - Markdown (pull requests, job summaries): [`text`] first, then [`markdown`] per context
//!   (inline text or code span);
//! - JUnit XML: [`text`] first, then [`xml`];
//! - SARIF: [`sarif`] for message texts, data otherwise exact;
//! - HTML: `html::escape`;
//! - JSON, and the JSON of ASFF and OCSF: serde_json, the data kept exactly;
//! - CSV: `report::csv`, in its one `cell` function.
//!
//! A new format adds its own module here and calls it from its renderer only.

pub mod markdown;
pub mod sarif;
pub mod text;
pub mod xml;

use serde_json::Value;

use super::Report;

/// `report` with `f` applied to every string in it (map keys included): one walk over the
/// serialised report, so no field a renderer shows can be forgotten. Values that are not text
/// (addresses, enums, numbers) hold no character `f` changes, so they read back unchanged.
pub fn each_string(report: &Report, f: impl Fn(&str) -> String + Copy) -> Report {
    fn walk(v: Value, f: impl Fn(&str) -> String + Copy) -> Value {
        match v {
            Value::String(s) => Value::String(f(&s)),
            Value::Array(items) => Value::Array(items.into_iter().map(|i| walk(i, f)).collect()),
            Value::Object(map) => {
                Value::Object(map.into_iter().map(|(k, v)| (f(&k), walk(v, f))).collect())
            }
            other => other,
        }
    }
    serde_json::to_value(report)
        .ok()
        .and_then(|v| serde_json::from_value(walk(v, f)).ok())
        .unwrap_or_else(|| unshowable(report))
}

/// Unreachable in practice (see [`each_string`]): the counts and status of `report` without any
/// of its text, and a line saying so, rather than text that was not made safe.
fn unshowable(report: &Report) -> Report {
    Report {
        load_balancers: Vec::new(),
        not_evaluated: vec![crate::finding::NotEvaluated {
            check: "ALL".into(),
            reason: "the report holds text that could not be shown safely: see the JSON report"
                .into(),
        }],
        baseline: None,
        ..report.clone()
    }
}
