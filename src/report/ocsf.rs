//! OCSF (Open Cybersecurity Schema Framework) findings, for Amazon Security Lake custom
//! sources and the SIEMs that read OCSF: a JSON array of **Detection Finding** events
//! (class 2004, category Findings) in OCSF **1.1.0** with the `cloud` profile — the class
//! Prowler writes, in the OCSF version of Security Lake's own (version 2) sources, the first
//! that has the class (<https://schema.ocsf.io/1.1.0/classes/detection_finding>).
//!
//! One event per *cause* (findings sharing a fingerprint), as in ASFF and SARIF:
//! `finding_info.uid` is the fingerprint, `finding_info.analytic` the rule, `resources` the
//! ALB and what to change (the ids and types of [`security::resource`]), `severity_id` the one
//! mapping of [`security::severity`], `cloud` the ALB's account and region, `remediation` the
//! fix, `status` `New` or `Suppressed`. With `--baseline`, the baseline's causes that are gone
//! are written as `Close` events with status `Resolved`, unless the run is incomplete (what it
//! did not see may still be there). What OCSF has no attribute for
//! (change, zone, port, symptom, targets, baselined) is under `unmapped`.
//!
//! Strings from AWS are written as the JSON report writes them: by serde_json, exactly
//! (docs/safe-output.md). tests/security_formats.rs validates every event against the OCSF
//! schema (tests/data/ocsf-1.1.0-detection_finding-cloud.schema.json).

use serde_json::{json, Map, Value};

use super::baseline::Entry;
use super::group::Cause;
use super::security::{self, Place};
use super::{AlbReport, Report};

/// The OCSF version the events follow (`metadata.version`).
pub const VERSION: &str = "1.1.0";

/// Detection Finding.
const CLASS_UID: u32 = 2004;

/// The Findings category.
const CATEGORY_UID: u32 = 2;

/// An event's activity: Create for a cause found now, Close for one that is gone.
#[derive(Clone, Copy)]
enum Activity {
    Create,
    Close,
}

impl Activity {
    /// `activity_id` and `activity_name`.
    fn id(self) -> (u32, &'static str) {
        match self {
            Activity::Create => (1, "Create"),
            Activity::Close => (3, "Close"),
        }
    }
}

/// Renders the report's causes, and the gone causes of the baseline, as an OCSF array.
pub fn render(report: &Report) -> String {
    let time = millis(&report.generated_at);
    let events: Vec<Value> = security::causes(report)
        .map(|(lb, cause)| event(report, time, lb, &cause))
        .chain(security::fixed(report).filter_map(|e| closed(report, time, e)))
        .collect();
    serde_json::to_string_pretty(&Value::Array(events)).unwrap_or_default() + "\n"
}

/// `generated_at` (RFC 3339) as OCSF's `timestamp_t`, milliseconds since the epoch; 0 when
/// the report carries no time.
fn millis(generated_at: &str) -> u64 {
    humantime::parse_rfc3339_weak(generated_at)
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// What every event has: class, activity, time, severity, metadata, cloud.
fn base(
    report: &Report,
    time: u64,
    activity: Activity,
    (rule, severity): (&str, crate::finding::Severity),
    at: Place<'_>,
) -> Map<String, Value> {
    let (activity_id, activity_name) = activity.id();
    let (severity_id, severity_name) = security::severity(severity);
    let mut out = Map::new();
    let mut put = |k: &str, v: Value| {
        out.insert(k.to_string(), v);
    };
    put("class_uid", json!(CLASS_UID));
    put("class_name", json!("Detection Finding"));
    put("category_uid", json!(CATEGORY_UID));
    put("category_name", json!("Findings"));
    put("activity_id", json!(activity_id));
    put("activity_name", json!(activity_name));
    put("type_uid", json!(CLASS_UID * 100 + activity_id));
    put(
        "type_name",
        json!(format!("Detection Finding: {activity_name}")),
    );
    put("time", json!(time));
    put("severity_id", json!(severity_id));
    put("severity", json!(severity_name));
    put(
        "metadata",
        json!({
            "version": VERSION,
            "profiles": ["cloud"],
            "event_code": rule,
            "product": {
                "name": report.tool.name,
                "vendor_name": report.tool.name,
                "version": report.tool.version,
            },
        }),
    );
    put(
        "cloud",
        json!({
            "provider": "AWS",
            "region": at.region,
            "account": {"uid": at.account, "type_id": 10, "type": "AWS Account"},
        }),
    );
    out
}

/// One OCSF resource: its uid (an ARN where one is known), type and place.
fn resource(id: &str, name: Option<&str>, at: Place<'_>) -> Value {
    let r = security::resource(id, at);
    let mut out = json!({
        "uid": r.id,
        "type": r.kind,
        "region": at.region,
        "cloud_partition": at.partition,
    });
    if let Some(name) = name.filter(|n| !n.is_empty()) {
        out["name"] = json!(name);
    }
    out
}

/// One Detection Finding for one cause of one ALB.
fn event(report: &Report, time: u64, lb: &AlbReport, cause: &Cause<'_>) -> Value {
    let f = cause.lead;
    let at = Place::of(&lb.arn, &lb.region, &lb.account_id);
    let suppressed = cause
        .suppressed()
        .then(|| cause.findings.iter().find_map(|f| f.suppressed.as_ref()))
        .flatten();
    let mut out = base(
        report,
        time,
        Activity::Create,
        (&f.rule, cause.severity()),
        at,
    );
    let description = security::description(cause);
    let mut resources = vec![resource(&lb.arn, Some(&lb.name), at)];
    for changed in cause.changed() {
        if changed != lb.arn {
            resources.push(resource(changed, None, at));
        }
    }
    let (status_id, status) = if suppressed.is_some() {
        (3, "Suppressed")
    } else {
        (1, "New")
    };
    let mut put = |k: &str, v: Value| {
        out.insert(k.to_string(), v);
    };
    put("status_id", json!(status_id));
    put("status", json!(status));
    if let Some(s) = suppressed {
        put(
            "status_detail",
            json!(format!("suppressed by entry {}: {}", s.entry, s.reason)),
        );
    }
    put("message", json!(description));
    put(
        "finding_info",
        json!({
            "uid": f.fingerprint,
            "title": format!("{}: {}", f.rule, f.title),
            "desc": description,
            "analytic": {"uid": f.rule, "name": f.name, "type_id": 1, "type": "Rule"},
            "types": [security::TYPE],
            "product_uid": report.tool.name,
            "last_seen_time": time,
        }),
    );
    put("resources", Value::Array(resources));
    let mut remediation = json!({"desc": cause.distinct(|f| f.remediation.as_str()).join(" ")});
    let references = security::references(&f.rule);
    if !references.is_empty() {
        remediation["references"] = json!(references);
    }
    put("remediation", remediation);
    put("status_code", json!("FAIL"));
    if !f.evidence.is_empty() {
        put("evidences", json!([{"data": f.evidence}]));
    }
    let targets: Vec<&str> = cause
        .distinct(|f| f.target.as_deref())
        .into_iter()
        .flatten()
        .collect();
    put(
        "unmapped",
        json!({
            "alb_audit": {
                "rule": f.rule,
                "fingerprint": f.fingerprint,
                "load_balancer": lb.arn,
                "change": cause.changes(),
                "availability_zone": f.availability_zone,
                "port": f.port,
                "symptom": f.symptom.map(|s| s.as_str()),
                "targets": targets,
                "findings": cause.findings.len(),
                "baselined": cause.baselined(),
                "suppressed_entry": suppressed.map(|s| s.entry),
            }
        }),
    );
    Value::Object(out)
}

/// The Close event of a baseline cause that is gone, or None when the entry does not say
/// which ALB it was about (baseline files of version 1).
fn closed(report: &Report, time: u64, e: &Entry) -> Option<Value> {
    let arn = crate::arn::AlbArn::parse(e.load_balancer.as_deref()?).ok()?;
    let at = Place::of(&arn.arn, &arn.region, &arn.account);
    let rule = e.rule.as_deref().unwrap_or("alb-audit");
    let known = crate::rules::find(rule);
    let mut out = base(report, time, Activity::Close, (rule, e.severity), at);
    let name = arn.resource_id.split('/').nth(1);
    let mut resources = vec![resource(&arn.arn, name, at)];
    if let Some(r) = e.resource.as_deref().filter(|r| *r != arn.arn) {
        resources.push(resource(r, None, at));
    }
    let desc = format!(
        "Fixed: alb-audit no longer finds this cause (run of {}).",
        report.generated_at
    );
    let mut put = |k: &str, v: Value| {
        out.insert(k.to_string(), v);
    };
    put("status_id", json!(4));
    put("status", json!("Resolved"));
    put("status_code", json!("PASS"));
    put("message", json!(desc));
    put(
        "finding_info",
        json!({
            "uid": e.fingerprint,
            "title": format!("{rule}: {}", known.map_or("", |r| r.title)),
            "desc": desc,
            "analytic": {"uid": rule, "name": known.map_or(rule, |r| r.name), "type_id": 1, "type": "Rule"},
            "types": [security::TYPE],
            "product_uid": report.tool.name,
        }),
    );
    put("resources", Value::Array(resources));
    put(
        "unmapped",
        json!({"alb_audit": {"rule": rule, "fingerprint": e.fingerprint, "load_balancer": arn.arn}}),
    );
    Some(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_milliseconds_since_the_epoch() {
        assert_eq!(millis("2026-01-01T00:00:00Z"), 1_767_225_600_000);
        assert_eq!(millis(""), 0);
    }
}
