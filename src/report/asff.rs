//! AWS Security Finding Format for Security Hub: a JSON array that
//! `aws securityhub batch-import-findings --findings file://FILE` accepts as written (at most
//! 100 findings per call: docs/ci.md splits larger files). One finding per *cause* (findings
//! sharing a fingerprint), as in SARIF, with `Id` = `alb-audit/FINGERPRINT`: stable across
//! runs, so that a new import updates the finding instead of adding one.
//!
//! Every finding is for the account's own product
//! (`arn:PARTITION:securityhub:REGION:ACCOUNT:product/ACCOUNT/default`) in the region and
//! account of its ALB: import a fleet's file per (account, region). With `--baseline`, the
//! baseline's causes that are gone are written too with `RecordState: ARCHIVED`, so that the
//! next import archives what was fixed — unless the run is incomplete, when a cause it did not
//! see may still be there. alb-audit never calls Security Hub.
//!
//! Format: <https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format-syntax.html>
//! (the required attributes are [`REQUIRED`]).

use serde_json::{json, Map, Value};

use super::baseline::Entry;
use super::group::Cause;
use super::security::{self, bounded, Place, TYPE};
use super::{AlbReport, Report};

/// ASFF's schema version.
pub const SCHEMA_VERSION: &str = "2018-10-08";

/// The attributes BatchImportFindings requires of every finding
/// (<https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html>).
pub const REQUIRED: &[&str] = &[
    "AwsAccountId",
    "CreatedAt",
    "Description",
    "GeneratorId",
    "Id",
    "ProductArn",
    "Resources",
    "SchemaVersion",
    "Severity",
    "Title",
    "Types",
    "UpdatedAt",
];

/// Renders the report's causes, and the gone causes of the baseline, as an ASFF array.
pub fn render(report: &Report) -> String {
    let findings: Vec<Value> = security::causes(report)
        .map(|(lb, cause)| finding(report, lb, &cause))
        .chain(security::fixed(report).filter_map(|e| archived(report, e)))
        .collect();
    serde_json::to_string_pretty(&Value::Array(findings)).unwrap_or_default() + "\n"
}

/// The finding `Id` of a cause.
fn id(fingerprint: &str) -> String {
    format!("alb-audit/{fingerprint}")
}

/// The product ARN of an account's own findings in a region.
fn product_arn(at: Place<'_>) -> String {
    format!(
        "arn:{}:securityhub:{}:{}:product/{}/default",
        at.partition, at.region, at.account, at.account
    )
}

/// The severity object: the one mapping, upper-cased as ASFF labels are.
fn severity(s: crate::finding::Severity) -> Value {
    json!({"Label": security::severity(s).1.to_uppercase(), "Original": s.as_str()})
}

/// One ASFF finding for one cause of one ALB.
fn finding(report: &Report, lb: &AlbReport, cause: &Cause<'_>) -> Value {
    let f = cause.lead;
    let at = Place::of(&lb.arn, &lb.region, &lb.account_id);
    let mut resources = vec![resource(&lb.arn, at)];
    for changed in cause.changed() {
        if changed != lb.arn {
            resources.push(resource(changed, at));
        }
    }
    let description = security::description(cause);
    let mut fields = Map::new();
    let mut field = |k: &str, v: String| {
        if !v.is_empty() {
            fields.insert(format!("alb-audit/{k}"), Value::String(bounded(&v, 2048)));
        }
    };
    field("rule", f.rule.clone());
    field("name", f.name.clone());
    field("fingerprint", f.fingerprint.clone());
    field("load_balancer", lb.arn.clone());
    field("change", cause.changes().join("; "));
    field(
        "availability_zone",
        f.availability_zone.clone().unwrap_or_default(),
    );
    field("port", f.port.map(|p| p.to_string()).unwrap_or_default());
    field(
        "symptom",
        f.symptom
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
    );
    field("findings", cause.findings.len().to_string());
    field("baselined", cause.baselined().to_string());
    if let Some(s) = cause.findings.iter().find_map(|f| f.suppressed.as_ref()) {
        if cause.suppressed() {
            field("suppressed", s.reason.clone());
            field("suppressed_entry", s.entry.to_string());
        }
    }
    let mut out = json!({
        "SchemaVersion": SCHEMA_VERSION,
        "Id": id(&f.fingerprint),
        "ProductArn": product_arn(at),
        "GeneratorId": format!("alb-audit/{}", f.rule),
        "AwsAccountId": lb.account_id,
        "Region": lb.region,
        "Types": [TYPE],
        "CreatedAt": report.generated_at,
        "UpdatedAt": report.generated_at,
        "LastObservedAt": report.generated_at,
        "Severity": severity(cause.severity()),
        "Title": bounded(&format!("{}: {}", f.rule, f.title), 256),
        "Description": bounded(&description, 1024),
        "Remediation": {"Recommendation": {"Text": bounded(&cause.distinct(|f| f.remediation.as_str()).join(" "), 512)}},
        "ProductFields": fields,
        "Resources": resources,
        "RecordState": "ACTIVE",
    });
    if cause.suppressed() {
        // Taken on the first import only: BatchImportFindings never changes a workflow.
        out["Workflow"] = json!({"Status": "SUPPRESSED"});
    }
    out
}

/// One ASFF resource.
fn resource(id: &str, at: Place<'_>) -> Value {
    let r = security::resource(id, at);
    json!({"Type": r.kind, "Id": bounded(&r.id, 512), "Partition": at.partition, "Region": at.region})
}

/// The archived finding of a baseline cause that is gone, or None when the entry does not
/// say which ALB it was about (baseline files of version 1).
fn archived(report: &Report, e: &Entry) -> Option<Value> {
    let arn = crate::arn::AlbArn::parse(e.load_balancer.as_deref()?).ok()?;
    let at = Place::of(&arn.arn, &arn.region, &arn.account);
    let rule = e.rule.as_deref().unwrap_or("alb-audit");
    let title = crate::rules::find(rule).map_or("", |r| r.title);
    let mut resources = vec![resource(&arn.arn, at)];
    if let Some(r) = e.resource.as_deref().filter(|r| *r != arn.arn) {
        resources.push(resource(r, at));
    }
    Some(json!({
        "SchemaVersion": SCHEMA_VERSION,
        "Id": id(&e.fingerprint),
        "ProductArn": product_arn(at),
        "GeneratorId": format!("alb-audit/{rule}"),
        "AwsAccountId": arn.account,
        "Region": arn.region,
        "Types": [TYPE],
        "CreatedAt": report.generated_at,
        "UpdatedAt": report.generated_at,
        "Severity": severity(e.severity),
        "Title": bounded(&format!("{rule}: {title}"), 256),
        "Description": format!("Fixed: alb-audit no longer finds this cause (run of {}).", report.generated_at),
        "ProductFields": {"alb-audit/rule": rule, "alb-audit/fingerprint": e.fingerprint},
        "Resources": resources,
        "RecordState": "ARCHIVED",
    }))
}
