//! SARIF 2.1.0 for code-scanning tools (GitHub code scanning): the rule catalogue as the
//! driver's rules, one result per finding with a logical location naming the AWS resource and
//! the ALB, and the finding's fingerprint as a partial fingerprint.

use serde_json::{json, Value};

use super::Report;
use crate::finding::Severity;
use crate::rules::REGISTRY;

/// The key under which results carry their fingerprint.
pub const FINGERPRINT_KEY: &str = "albAudit/v1";

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
        for f in &lb.findings {
            let index = REGISTRY.iter().position(|r| r.code == f.rule);
            let mut result = json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": {"text": format!("{} Fix: {}", f.message, f.remediation)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": format!("aws/{}/{}", lb.vpc_id, lb.name)},
                        "region": {"startLine": 1},
                    },
                    "logicalLocations": [
                        {"name": f.resource, "fullyQualifiedName": format!("{}/{}", lb.arn, f.resource), "kind": "resource"},
                        {"name": lb.name, "fullyQualifiedName": lb.arn, "kind": "module"},
                    ],
                }],
                "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
                "properties": {
                    "load_balancer": lb.arn,
                    "resource": f.resource,
                    "availability_zone": f.availability_zone,
                    "port": f.port,
                    "target": f.target,
                    "symptom": f.symptom.map(|s| s.as_str()),
                    "evidence": f.evidence,
                },
            });
            if let Some(i) = index {
                result["ruleIndex"] = json!(i);
            }
            if with_baseline {
                result["baselineState"] = json!(if f.baselined { "unchanged" } else { "new" });
            }
            results.push(result);
        }
    }
    let notifications: Vec<Value> = report
        .load_balancers
        .iter()
        .flat_map(|lb| {
            lb.not_evaluated.iter().map(move |n| {
                json!({
                    "level": "warning",
                    "message": {"text": format!("{} not evaluated for {}: {}", n.check, lb.name, n.reason)},
                    "descriptor": {"id": n.check},
                })
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
                "executionSuccessful": true,
                "endTimeUtc": report.generated_at,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
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
    fn sections_are_found() {
        let doc =
            "\n## What it does\nChecks X.\n\n## Why is this bad?\nBecause.\n## How to fix\nDo Y.\n";
        assert_eq!(section(doc, "## What it does"), "Checks X.");
        assert_eq!(section(doc, "## How to fix"), "Do Y.");
        assert_eq!(section(doc, "## Missing"), "");
    }
}
