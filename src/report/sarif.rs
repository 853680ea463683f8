//! SARIF 2.1.0 for code-scanning tools (GitHub code scanning): the rule catalogue as the
//! driver's rules, and one result per *cause* (the findings sharing a fingerprint), with the
//! targets it hits listed in its message and properties.
//!
//! One result per cause, not per JSON finding: GitHub turns each result into an alert matched
//! across runs by `partialFingerprints`, so an alert per target would close and reopen every
//! time Auto Scaling replaces an instance, and one missing rule over 42 targets would be 42
//! alerts to dismiss. The cause fingerprint is the alert's identity, the same one baselines
//! match on (docs/ci.md explains the choice).
//!
//! An incomplete audit says so: `executionSuccessful` is false and every `not_evaluated` entry
//! (per ALB and for the whole run) is a `toolExecutionNotifications` entry of level `error`
//! (SARIF 2.1.0 §3.58.6: the condition made the results incomplete). Stale baseline entries
//! are `toolConfigurationNotifications` of level `note`: the baseline is the tool's
//! configuration, and a stale entry changes no result. Spec:
//! <https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>.

use serde_json::{json, Value};

use super::group::{self, Cause};
use super::{escape, AlbReport, Report};
use crate::finding::{NotEvaluated, Severity};
use crate::rules::REGISTRY;

/// The key under which results carry their cause fingerprint (v2: one result per cause).
pub const FINGERPRINT_KEY: &str = "albAudit/v2";

/// How many affected targets a result's message names; `properties.targets` has them all.
const SHOWN_IN_MESSAGE: usize = 20;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// Renders the report as one SARIF log with one run. `with_baseline` sets `baselineState`.
pub fn render(report: &Report, with_baseline: bool) -> String {
    let rules: Vec<Value> = REGISTRY
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": r.title},
                "fullDescription": {"text": section(r.doc, "## What it does")},
                "help": {
                    "text": format!("{}\n\nHow to fix: {}", section(r.doc, "## Why is this bad?"), section(r.doc, "## How to fix")),
                    "markdown": r.doc.trim(),
                },
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {"tags": ["aws", "alb", "network"], "symptom": r.symptom, "resource": r.resource},
            })
        })
        .collect();
    let mut results = Vec::new();
    for lb in &report.load_balancers {
        for cause in group::by_cause(&lb.findings) {
            results.push(result(lb, &cause, with_baseline));
        }
    }
    let mut notifications: Vec<Value> = report.not_evaluated.iter().map(|n| gap(n, None)).collect();
    notifications.extend(
        report
            .load_balancers
            .iter()
            .flat_map(|lb| lb.not_evaluated.iter().map(move |n| gap(n, Some(lb)))),
    );
    let stale: Vec<Value> = report
        .baseline
        .iter()
        .flat_map(|b| &b.stale)
        .map(|e| {
            json!({
                "level": "note",
                "message": {"text": escape::sarif::message(&format!(
                    "Stale baseline entry: {} matches no finding (the cause is gone, or the entry is for another ALB).",
                    super::text::stale_line(e)
                ))},
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "informationUri": "https://github.com/alb-audit/alb-audit",
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": !report.is_incomplete(),
                "endTimeUtc": report.generated_at,
                "toolExecutionNotifications": notifications,
                "toolConfigurationNotifications": stale,
            }],
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}

/// The logical location of an ALB.
fn alb_location(lb: &AlbReport) -> Value {
    json!({"name": lb.name, "fullyQualifiedName": lb.arn, "kind": "module"})
}

/// One result for one cause.
/// The structured fix as SARIF `fixes`: each change is an edit of the resource it names
/// (`aws/VPC/RESOURCE`, the same scheme as the result's location), whose inserted content is
/// the AWS CLI command that makes it. Nothing when no structured change is proposed.
fn fixes_of(lb: &AlbReport, f: &crate::finding::Finding) -> Option<Value> {
    let fix = &f.fix;
    if fix.changes.is_empty() {
        return None;
    }
    let edits: Vec<String> = fix
        .changes
        .iter()
        .map(|c| format!("{}: {}", c.resource, c.edit))
        .collect();
    let verified = if fix.verified {
        "verified on a copy of the snapshot: the finding goes and nothing new or worse appears"
    } else {
        "not verified"
    };
    Some(json!([{
        "description": {"text": escape::sarif::message(&format!("{} ({verified})", edits.join("; ")))},
        "artifactChanges": fix.changes.iter().map(|c| json!({
            "artifactLocation": {"uri": format!("aws/{}/{}", lb.vpc_id, c.resource)},
            "replacements": [{
                "deletedRegion": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1},
                "insertedContent": {"text": format!("{}\n", c.command)},
            }],
        })).collect::<Vec<_>>(),
        "properties": {"verified": fix.verified},
    }]))
}

fn result(lb: &AlbReport, cause: &Cause<'_>, with_baseline: bool) -> Value {
    let f = cause.lead;
    let affected = cause.affected();
    let message = match (cause.findings.len(), affected.label(SHOWN_IN_MESSAGE)) {
        (1, _) | (_, None) => f.message.clone(),
        (_, Some(label)) => format!("{label}. For example: {}", f.message),
    };
    let mut changes: Vec<String> = Vec::new();
    for item in cause.findings.iter().flat_map(|f| &f.change) {
        if !changes.contains(item) {
            changes.push(item.clone());
        }
    }
    let mut changed: Vec<&str> = Vec::new();
    for id in changes.iter().filter_map(|c| c.split_whitespace().next()) {
        if !changed.contains(&id) {
            changed.push(id);
        }
    }
    if changed.is_empty() {
        changed.push(&f.resource);
    }
    let mut logical: Vec<Value> = changed
        .iter()
        .map(|id| json!({"name": id, "fullyQualifiedName": format!("{}/{id}", lb.arn), "kind": "resource"}))
        .collect();
    logical.push(alb_location(lb));
    let fixes = cause.distinct(|f| f.remediation.as_str());
    let mut result = json!({
        "ruleId": f.rule,
        "level": level(cause.severity()),
        "message": {"text": escape::sarif::message(&format!(
            "{message} Change: {}. Fix: {}",
            if changes.is_empty() { f.resource.clone() } else { changes.join(", ") },
            fixes.join(" ")
        ))},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": format!("aws/{}/{}", lb.vpc_id, lb.name)},
                "region": {"startLine": 1},
            },
            "logicalLocations": logical,
        }],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {
            "load_balancer": lb.arn,
            "name": f.name,
            "resources": cause.distinct(|f| f.resource.as_str()),
            "change": changes,
            "availability_zone": f.availability_zone,
            "port": f.port,
            "targets": cause.distinct(|f| f.target.as_deref()).into_iter().flatten().collect::<Vec<_>>(),
            "findings": cause.findings.len(),
            "symptom": f.symptom.map(|s| s.as_str()),
            "evidence": f.evidence,
        },
    });
    if let Some(i) = REGISTRY.iter().position(|r| r.code == f.rule) {
        result["ruleIndex"] = json!(i);
    }
    if let Some(fixes) = fixes_of(lb, f) {
        result["fixes"] = fixes;
    }
    if with_baseline {
        result["baselineState"] = json!(if cause.baselined() {
            "unchanged"
        } else {
            "new"
        });
    }
    result
}

/// One notification for one check that was not evaluated (for `lb`, or for the whole run).
fn gap(n: &NotEvaluated, lb: Option<&AlbReport>) -> Value {
    let whom = lb
        .map(|lb| format!(" for {}", lb.name))
        .unwrap_or_else(|| " for the whole run".to_string());
    let mut notification = json!({
        "level": "error",
        "message": {"text": escape::sarif::message(&format!("{} not evaluated{whom}: {}", n.check, n.reason))},
    });
    if let Some(lb) = lb {
        notification["locations"] = json!([{"logicalLocations": [alb_location(lb)]}]);
    }
    if let Some(i) = REGISTRY.iter().position(|r| r.code == n.check) {
        notification["associatedRule"] = json!({"id": n.check, "index": i});
    }
    notification
}

/// The text under a `## ` heading of a rule's documentation, up to the next heading.
fn section(doc: &str, heading: &str) -> String {
    doc.split("\n## ")
        .find(|s| {
            s.trim_start_matches("## ")
                .starts_with(heading.trim_start_matches("## "))
        })
        .map(|s| {
            s.lines()
                .skip(1)
                .collect::<Vec<_>>()
                .join("\n")
                .trim()
                .to_string()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_incomplete_run_is_unsuccessful_with_a_notification_per_gap() {
        let report = crate::report::tests::incomplete_report();
        let log: Value = serde_json::from_str(&render(&report, false)).unwrap();
        let invocation = &log["runs"][0]["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false);
        let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
        let gaps = report.not_evaluated.len()
            + report
                .load_balancers
                .iter()
                .map(|l| l.not_evaluated.len())
                .sum::<usize>();
        assert_eq!(notes.len(), gaps);
        assert!(notes.iter().all(|n| n["level"] == "error"));
        assert_eq!(
            notes[0]["message"]["text"],
            "ALL not evaluated for the whole run: eu-west-1: elasticloadbalancing:DescribeLoadBalancers: throttled beyond retries"
        );
        let half = notes
            .iter()
            .find(|n| n["message"]["text"].as_str().unwrap().contains("for half"))
            .unwrap();
        assert_eq!(half["associatedRule"]["id"], "ALB102");
        // Complete: successful, no notification.
        let mut complete = report;
        complete.not_evaluated.clear();
        for lb in &mut complete.load_balancers {
            lb.not_evaluated.clear();
        }
        let log: Value = serde_json::from_str(&render(&complete, false)).unwrap();
        let invocation = &log["runs"][0]["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], true);
        assert_eq!(invocation["toolExecutionNotifications"], json!([]));
    }

    #[test]
    fn sections_are_found() {
        let doc =
            "\n## What it does\nChecks X.\n\n## Why is this bad?\nBecause.\n## How to fix\nDo Y.\n";
        assert_eq!(section(doc, "## What it does"), "Checks X.");
        assert_eq!(section(doc, "## How to fix"), "Do Y.");
        assert_eq!(section(doc, "## Missing"), "");
    }
}
