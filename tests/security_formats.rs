//! The formats security teams read (ASFF for Security Hub, CSV) and `--suppressions`, through
//! the real binary: ASFF imported into moto's Security Hub (BatchImportFindings, then
//! GetFindings returns every finding, with boto3 from moto's own environment), checked
//! against the attributes AWS documents as required; CSV read back by a CSV parser;
//! suppressions hiding, reporting stale and expired entries, and refusing a bad file.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("fixtures").join(name).join("snapshot.json")
}

fn audit(snapshot: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alb-audit"))
        .args(["audit", "--snapshot"])
        .arg(snapshot)
        .args(extra)
        .output()
        .unwrap()
}

fn json(snapshot: &Path, extra: &[&str]) -> Value {
    let out = audit(snapshot, &[&["--format", "json"], extra].concat());
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Reads CSV with Python's `csv` module, a real RFC 4180 reader.
fn read_csv(text: &[u8]) -> Vec<Vec<String>> {
    use std::io::Write;
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import csv, io, json, sys; print(json.dumps(list(csv.reader(\
                 io.TextIOWrapper(sys.stdin.buffer, encoding='utf-8', newline=''), strict=True))))",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    child.stdin.take().unwrap().write_all(text).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

fn findings(report: &Value) -> Vec<&Value> {
    report["load_balancers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|lb| lb["findings"].as_array().unwrap())
        .collect()
}

#[test]
fn csv_has_one_row_per_json_finding_with_its_fields() {
    for name in [
        "every-health-reason",
        "sg-wrong-port",
        "nacl-denies-request-in-one-az",
    ] {
        let snapshot = fixture(name);
        let report = json(&snapshot, &[]);
        let out = audit(&snapshot, &["--format", "csv"]);
        let mut rows = read_csv(&out.stdout);
        let header = rows.remove(0);
        let columns: Vec<String> = [
            "account_id",
            "region",
            "load_balancer",
            "load_balancer_name",
            "rule",
            "name",
            "severity",
            "title",
            "message",
            "resource",
            "availability_zone",
            "port",
            "target",
            "symptom",
            "change",
            "evidence",
            "remediation",
            "fingerprint",
            "baselined",
            "suppressed",
            "suppressed_entry",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(header, columns, "the documented columns");
        let expected = findings(&report);
        assert_eq!(rows.len(), expected.len(), "{name}");
        assert!(!rows.is_empty(), "{name}: a fixture with findings");
        for (row, f) in rows.iter().zip(expected) {
            let col = |c: &str| {
                let v = &row[header.iter().position(|h| h == c).unwrap()];
                v.strip_prefix('\'').unwrap_or(v).to_string()
            };
            for field in [
                "rule",
                "name",
                "severity",
                "title",
                "message",
                "resource",
                "remediation",
                "fingerprint",
            ] {
                assert_eq!(col(field), f[field].as_str().unwrap(), "{name} {field}");
            }
            assert_eq!(
                col("port"),
                f["port"]
                    .as_u64()
                    .map(|p| p.to_string())
                    .unwrap_or_default()
            );
            let evidence: Value = serde_json::from_str(&col("evidence")).unwrap_or(Value::Null);
            if f["evidence"].as_object().unwrap().is_empty() {
                assert_eq!(col("evidence"), "");
            } else {
                assert_eq!(evidence, f["evidence"]);
            }
        }
    }
}

/// Checks one ASFF finding against the attributes AWS documents as required and their forms
/// (<https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html>).
fn check_required(f: &Value) {
    for key in alb_audit::report::asff::REQUIRED {
        assert!(!f[*key].is_null(), "{key} missing in {f}");
    }
    assert_eq!(f["SchemaVersion"], "2018-10-08");
    let account = f["AwsAccountId"].as_str().unwrap();
    assert!(account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
    let region = f["Region"].as_str().unwrap();
    assert_eq!(
        f["ProductArn"].as_str().unwrap(),
        format!("arn:aws:securityhub:{region}:{account}:product/{account}/default")
    );
    for time in ["CreatedAt", "UpdatedAt"] {
        let t = f[time].as_str().unwrap();
        assert!(humantime::parse_rfc3339(t).is_ok(), "{time} {t}");
    }
    assert!(["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"]
        .contains(&f["Severity"]["Label"].as_str().unwrap()));
    for (key, max) in [
        ("Title", 256),
        ("Description", 1024),
        ("Id", 512),
        ("GeneratorId", 512),
    ] {
        let v = f[key].as_str().unwrap();
        assert!(!v.is_empty() && v.chars().count() <= max, "{key}: {v}");
    }
    let types = f["Types"].as_array().unwrap();
    assert!(!types.is_empty());
    for t in types {
        let parts: Vec<&str> = t.as_str().unwrap().split('/').collect();
        assert!(parts.len() <= 3 && parts[0] == "Software and Configuration Checks");
    }
    let resources = f["Resources"].as_array().unwrap();
    assert!(!resources.is_empty() && resources.len() <= 32);
    for r in resources {
        assert!(r["Type"].is_string() && r["Id"].is_string(), "{r}");
    }
    if let Some(text) = f["Remediation"]["Recommendation"]["Text"].as_str() {
        assert!(text.chars().count() <= 512);
    }
    for (k, v) in f["ProductFields"].as_object().unwrap() {
        assert!(k.len() <= 128 && v.as_str().unwrap().chars().count() <= 2048);
    }
    assert!(["ACTIVE", "ARCHIVED"].contains(&f["RecordState"].as_str().unwrap()));
}

/// Imports `findings` into moto's Security Hub with boto3 from moto's environment, in calls of
/// at most 100 as BatchImportFindings allows, and returns every finding GetFindings returns.
fn import(endpoint: &str, findings: &Value, region: &str) -> Vec<Value> {
    let server = std::env::var("MOTO_SERVER").unwrap_or_else(|_| "moto_server".into());
    let python = Path::new(&server).with_file_name("python");
    let script = r#"
import json, sys, boto3
endpoint, region, path = sys.argv[1:4]
hub = boto3.client("securityhub", endpoint_url=endpoint, region_name=region,
                   aws_access_key_id="testing", aws_secret_access_key="testing")
findings = json.load(open(path))
for i in range(0, len(findings), 100):
    out = hub.batch_import_findings(Findings=findings[i:i + 100])
    assert out["FailedCount"] == 0, out
got = []
for page in hub.get_paginator("get_findings").paginate():
    got.extend(page["Findings"])
print(json.dumps(got, default=str))
"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("findings.json");
    std::fs::write(&path, findings.to_string()).unwrap();
    let out = Command::new(python)
        .args(["-c", script, endpoint, region])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap()
}

#[test]
fn asff_is_imported_by_security_hub_one_finding_per_cause_and_archives_what_was_fixed() {
    let snapshot = fixture("every-health-reason");
    let report = json(&snapshot, &[]);
    let out = audit(&snapshot, &["--format", "asff"]);
    assert_eq!(out.status.code(), Some(1));
    let asff: Value = serde_json::from_slice(&out.stdout).unwrap();
    let asff_findings = asff.as_array().unwrap();
    let mut causes: Vec<&str> = findings(&report)
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    causes.sort_unstable();
    causes.dedup();
    let mut ids: Vec<String> = asff_findings
        .iter()
        .map(|f| f["Id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    let expected: Vec<String> = causes.iter().map(|c| format!("alb-audit/{c}")).collect();
    assert_eq!(
        ids, expected,
        "one ASFF finding per cause, named by its fingerprint"
    );
    for f in asff_findings {
        check_required(f);
        assert_eq!(f["RecordState"], "ACTIVE");
        assert!(f["ProductFields"]["alb-audit/rule"].is_string());
    }
    // Stable across runs: the same input gives the same ids.
    let again: Value =
        serde_json::from_slice(&audit(&snapshot, &["--format", "asff"]).stdout).unwrap();
    let again_ids: Vec<&Value> = again.as_array().unwrap().iter().map(|f| &f["Id"]).collect();
    let first_ids: Vec<&Value> = asff_findings.iter().map(|f| &f["Id"]).collect();
    assert_eq!(again_ids, first_ids);

    let moto = common::Moto::start();
    let region = asff_findings[0]["Region"].as_str().unwrap();
    let imported = import(&moto.endpoint, &asff, region);
    let mut got: Vec<String> = imported
        .iter()
        .map(|f| f["Id"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    assert_eq!(got, expected, "GetFindings returns every imported finding");

    // A baseline from another world: its causes are gone here, so they are written archived,
    // and importing them archives the findings Security Hub holds.
    let dir = tempfile::tempdir().unwrap();
    let previous = dir.path().join("previous.json");
    std::fs::write(&previous, serde_json::to_string(&report).unwrap()).unwrap();
    let baseline = dir.path().join("baseline.json");
    let made = Command::new(env!("CARGO_BIN_EXE_alb-audit"))
        .args(["baseline", "--report"])
        .arg(&previous)
        .arg("--output")
        .arg(&baseline)
        .output()
        .unwrap();
    assert!(made.status.success());
    let fixed = fixture("healthy-internet-facing");
    let out = audit(
        &fixed,
        &["--format", "asff", "--baseline", baseline.to_str().unwrap()],
    );
    let archived: Value = serde_json::from_slice(&out.stdout).unwrap();
    let archived = archived.as_array().unwrap();
    assert_eq!(archived.len(), expected.len());
    for f in archived {
        check_required(f);
        assert_eq!(f["RecordState"], "ARCHIVED");
    }
    let imported = import(&moto.endpoint, &Value::Array(archived.clone()), region);
    assert_eq!(imported.len(), expected.len());
    assert!(imported.iter().all(|f| f["RecordState"] == "ARCHIVED"));
}

#[test]
fn suppressions_hide_what_they_name_never_worse_and_report_stale_and_expired_entries() {
    let snapshot = fixture("every-health-reason");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("suppressions.toml");
    std::fs::write(
        &file,
        r#"
[[suppress]]
rule = "ALB206"
alb = "arn:aws:elasticloadbalancing:us-east-1:*:loadbalancer/app/web/*"
severity = "warning"
reason = "the web fleet's draining targets are expected"

[[suppress]]
rule = ["ALB101", "ALB104"]
reason = "matches nothing here"

[[suppress]]
region = "us-east-1"
reason = "expired long ago"
expires = 2020-01-01
"#,
    )
    .unwrap();
    let before = json(&snapshot, &[]);
    let report = json(&snapshot, &["--suppressions", file.to_str().unwrap()]);
    let all = findings(&report);
    assert_eq!(
        all.len(),
        findings(&before).len(),
        "suppressed findings stay in the report"
    );
    let mut hidden = 0;
    for f in &all {
        if f["severity"] == "warning" {
            assert_eq!(f["suppressed"]["entry"], 1, "{f}");
            assert_eq!(
                f["suppressed"]["reason"],
                "the web fleet's draining targets are expected"
            );
            hidden += 1;
        } else {
            assert!(
                f["suppressed"].is_null(),
                "an error is worse than the entry allows: {f}"
            );
        }
    }
    assert!(hidden > 0);
    assert_eq!(report["summary"]["suppressed"], hidden);
    assert_eq!(report["suppressions"]["stale"][0]["entry"], 2);
    assert_eq!(report["suppressions"]["expired"][0]["entry"], 3);
    assert_eq!(
        report["suppressions"]["expired"][0]["expires"],
        "2020-01-01"
    );

    // Errors remain: --fail-on error still fails; --fail-on warning fails only through them.
    let fail = |extra: &[&str]| {
        audit(
            &snapshot,
            &[
                &["--format", "json", "--suppressions", file.to_str().unwrap()],
                extra,
            ]
            .concat(),
        )
        .status
        .code()
    };
    assert_eq!(fail(&[]), Some(1));
    // Hiding the errors too (up to error) makes the run pass.
    std::fs::write(
        &file,
        "[[suppress]]\nrule = \"ALB206\"\nseverity = \"error\"\nreason = \"known\"\n",
    )
    .unwrap();
    assert_eq!(fail(&["--fail-on", "note"]), Some(0));

    // A bad file: exit 2, one line naming the entry.
    std::fs::write(
        &file,
        "[[suppress]]\nreason = \"ok\"\n\n[[suppress]]\nrule = \"ALB101\"\n",
    )
    .unwrap();
    let out = audit(&snapshot, &["--suppressions", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("entry 2") && stderr.contains("reason"),
        "{stderr}"
    );
}
