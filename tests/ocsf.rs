//! `--format ocsf` through the real binary, validated against the OCSF 1.1.0 Detection Finding
//! schema committed in tests/data (with its licence; see tests/data/README.md): every fixture's
//! events validate, there is one per cause named by its fingerprint, the severity is the one
//! mapping ASFF uses too, suppressed causes are `Suppressed` and gone baseline causes `Close`
//! events. The schema is shown to refuse an event that lacks any required attribute.

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

fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

/// The committed OCSF schema of the class alb-audit writes.
fn schema() -> (Value, jsonschema::Validator) {
    let path = root().join("tests/data/ocsf-1.1.0-detection_finding-cloud.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the OCSF schema compiles");
    (schema, validator)
}

fn errors(validator: &jsonschema::Validator, event: &Value) -> Vec<String> {
    validator
        .iter_errors(event)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Every fixture with findings: (name, its JSON report, its OCSF events).
fn every_fixture() -> Vec<(String, Value, Vec<Value>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root().join("fixtures")).unwrap() {
        let dir = entry.unwrap().path();
        let snapshot = dir.join("snapshot.json");
        if !snapshot.exists() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let report = stdout_json(&audit(&snapshot, &["--format", "json"]));
        let events = stdout_json(&audit(&snapshot, &["--format", "ocsf"]));
        out.push((name, report, events.as_array().unwrap().clone()));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn every_fixture_validates_one_event_per_cause_from_the_report_model() {
    let (_, validator) = schema();
    let mut checked = 0;
    for (name, report, events) in every_fixture() {
        // The causes of the JSON report, in order: (fingerprint, ALB, worst severity).
        let mut causes: Vec<(String, &Value, &str)> = Vec::new();
        for lb in report["load_balancers"].as_array().unwrap() {
            for f in lb["findings"].as_array().unwrap() {
                let fp = f["fingerprint"].as_str().unwrap().to_string();
                let sev = f["severity"].as_str().unwrap();
                match causes.iter_mut().find(|c| c.0 == fp) {
                    Some(c) if rank(sev) > rank(c.2) => c.2 = sev,
                    Some(_) => {}
                    None => causes.push((fp, lb, sev)),
                }
            }
        }
        assert_eq!(events.len(), causes.len(), "{name}: one event per cause");
        for (event, (fp, lb, sev)) in events.iter().zip(&causes) {
            let errs = errors(&validator, event);
            assert!(errs.is_empty(), "{name}: {errs:#?}\n{event:#}");
            assert_eq!(event["finding_info"]["uid"], fp.as_str(), "{name}");
            assert_eq!(event["class_uid"], 2004);
            assert_eq!(event["type_uid"], 200401);
            assert_eq!(event["metadata"]["version"], "1.1.0");
            let (id, label) = match *sev {
                "error" => (4, "High"),
                "warning" => (3, "Medium"),
                _ => (2, "Low"),
            };
            assert_eq!(event["severity_id"], id, "{name}: {fp}");
            assert_eq!(event["severity"], label);
            assert_eq!(event["resources"][0]["uid"], lb["arn"]);
            assert_eq!(event["resources"][0]["type"], "AwsElbv2LoadBalancer");
            assert_eq!(event["cloud"]["account"]["uid"], lb["account_id"]);
            assert_eq!(event["cloud"]["region"], lb["region"]);
            assert_eq!(event["status"], "New");
            let rule = event["finding_info"]["analytic"]["uid"].as_str().unwrap();
            assert!(rule.starts_with("ALB"), "{name}: the rule is the analytic");
            assert!(event["remediation"]["desc"].as_str().unwrap().len() > 1);
            let references = event["remediation"]["references"].as_array().unwrap();
            assert!(
                !references.is_empty()
                    && references
                        .iter()
                        .all(|r| r.as_str().unwrap().starts_with("https://")),
                "{name}: the rule's references"
            );
            assert_eq!(event["metadata"]["event_code"], rule);
            assert_eq!(event["status_code"], "FAIL");
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} events were checked");
}

fn rank(severity: &str) -> u8 {
    match severity {
        "error" => 2,
        "warning" => 1,
        _ => 0,
    }
}

#[test]
fn the_schema_refuses_an_event_without_a_required_attribute() {
    let (schema, validator) = schema();
    let events = stdout_json(&audit(&fixture("sg-wrong-port"), &["--format", "ocsf"]));
    let event = &events[0];
    assert!(errors(&validator, event).is_empty());
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(required.contains(&"finding_info") && required.contains(&"cloud"));
    for key in required {
        let mut broken = event.clone();
        broken.as_object_mut().unwrap().remove(key);
        assert!(
            !errors(&validator, &broken).is_empty(),
            "an event without {key} passed"
        );
    }
    // Required attributes of the objects, and values the class does not allow.
    for (path, key) in [
        ("/finding_info", "uid"),
        ("/finding_info", "title"),
        ("/metadata", "version"),
        ("/metadata/product", "vendor_name"),
        ("/cloud", "provider"),
        ("/remediation", "desc"),
    ] {
        let mut broken = event.clone();
        broken
            .pointer_mut(path)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .remove(key);
        assert!(
            !errors(&validator, &broken).is_empty(),
            "an event without {path}/{key} passed"
        );
    }
    let mut broken = event.clone();
    broken["class_uid"] = 2001.into();
    assert!(!errors(&validator, &broken).is_empty(), "another class");
    let mut broken = event.clone();
    broken["severity_id"] = 7.into();
    assert!(
        !errors(&validator, &broken).is_empty(),
        "an unknown severity"
    );
    let mut broken = event.clone();
    broken["rule"] = "ALB101".into();
    assert!(
        !errors(&validator, &broken).is_empty(),
        "an attribute OCSF lacks"
    );
}

#[test]
fn suppressed_causes_and_fixed_causes_keep_their_uid_and_validate() {
    let (_, validator) = schema();
    let snapshot = fixture("every-health-reason");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("suppressions.toml");
    std::fs::write(
        &file,
        "[[suppress]]\nseverity = \"error\"\nreason = \"all known\"\n",
    )
    .unwrap();
    let plain = stdout_json(&audit(&snapshot, &["--format", "ocsf"]));
    let out = audit(
        &snapshot,
        &["--format", "ocsf", "--suppressions", file.to_str().unwrap()],
    );
    let hidden = stdout_json(&out);
    assert_eq!(
        plain.as_array().unwrap().len(),
        hidden.as_array().unwrap().len()
    );
    for (a, b) in plain
        .as_array()
        .unwrap()
        .iter()
        .zip(hidden.as_array().unwrap())
    {
        assert_eq!(a["finding_info"]["uid"], b["finding_info"]["uid"]);
        assert_eq!(b["status"], "Suppressed");
        assert_eq!(b["status_id"], 3);
        assert!(b["status_detail"].as_str().unwrap().contains("all known"));
        assert!(errors(&validator, b).is_empty());
    }

    // A baseline of this world applied to a healthy one: every cause is gone, and each is
    // written as a Close event with the same uid.
    let report = dir.path().join("report.json");
    let baseline = dir.path().join("baseline.json");
    std::fs::write(&report, audit(&snapshot, &["--format", "json"]).stdout).unwrap();
    let made = Command::new(env!("CARGO_BIN_EXE_alb-audit"))
        .args(["baseline", "--report"])
        .arg(&report)
        .arg("--output")
        .arg(&baseline)
        .output()
        .unwrap();
    assert!(made.status.success());
    let closed = stdout_json(&audit(
        &fixture("healthy-internet-facing"),
        &["--format", "ocsf", "--baseline", baseline.to_str().unwrap()],
    ));
    let closed = closed.as_array().unwrap();
    let mut uids: Vec<&Value> = closed.iter().map(|e| &e["finding_info"]["uid"]).collect();
    let mut expected: Vec<&Value> = plain
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["finding_info"]["uid"])
        .collect();
    uids.sort_by_key(|v| v.to_string());
    expected.sort_by_key(|v| v.to_string());
    assert_eq!(uids, expected);
    for e in closed {
        assert_eq!(e["activity_id"], 3);
        assert_eq!(e["type_uid"], 200403);
        assert_eq!(e["status"], "Resolved");
        let errs = errors(&validator, e);
        assert!(errs.is_empty(), "{errs:#?}");
    }

    // An incomplete run did not see everything: it closes (and, in ASFF, archives) nothing.
    let incomplete = fixture("acl-read-denied");
    let with_baseline = ["--baseline", baseline.to_str().unwrap()];
    let out = audit(
        &incomplete,
        &[&["--format", "ocsf"], &with_baseline[..]].concat(),
    );
    assert_eq!(out.status.code(), Some(3), "an incomplete fixture");
    let events = stdout_json(&out);
    assert!(events
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["activity_id"] == 1));
    let asff = stdout_json(&audit(
        &incomplete,
        &[&["--format", "asff"], &with_baseline[..]].concat(),
    ));
    assert!(asff
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["RecordState"] == "ACTIVE"));
}

/// The Security Lake job's script, docs/ci/ocsf-to-lake.py.
fn lake_script() -> String {
    std::fs::read_to_string(root().join("docs/ci/ocsf-to-lake.py")).unwrap()
}

/// The Security Lake job's script puts each event in the partition Security Lake reads for its
/// region, account and day, and the events keep validating after its rewriting. pyarrow is
/// replaced by a stand-in that writes the rows it is given as JSON, so the test needs no
/// Parquet library and checks exactly what the script hands to it.
#[test]
fn the_security_lake_job_partitions_by_region_account_and_day() {
    let (_, validator) = schema();
    let dir = tempfile::tempdir().unwrap();
    let stub = dir.path().join("stub/pyarrow");
    std::fs::create_dir_all(&stub).unwrap();
    std::fs::write(
        stub.join("__init__.py"),
        // As pyarrow does, the columns are the first row's keys.
        "class Table:\n    @staticmethod\n    def from_pylist(rows):\n        return [{k: r.get(k) for k in rows[0]} for r in rows]\n",
    )
    .unwrap();
    std::fs::write(
        stub.join("parquet.py"),
        "import json\n\ndef write_table(rows, path, **options):\n    with open(path, 'w') as f:\n        json.dump(rows, f)\n",
    )
    .unwrap();
    let script = dir.path().join("ocsf-to-lake.py");
    std::fs::write(&script, lake_script()).unwrap();

    // A fleet: the same causes seen in a second account and region.
    let events = stdout_json(&audit(
        &fixture("every-health-reason"),
        &["--format", "ocsf"],
    ));
    let mut fleet = events.as_array().unwrap().clone();
    let n = fleet.len();
    // Attributes only later events have must still reach the table.
    assert!(fleet.iter().skip(1).any(|e| e.get("evidences").is_some()));
    fleet[0].as_object_mut().unwrap().remove("evidences");
    for e in events.as_array().unwrap() {
        let mut other = e.clone();
        other["cloud"]["region"] = "eu-west-1".into();
        other["cloud"]["account"]["uid"] = "222222222222".into();
        fleet.push(other);
    }
    let input = dir.path().join("findings.ocsf.json");
    std::fs::write(&input, Value::Array(fleet).to_string()).unwrap();
    let out = Command::new("python3")
        .arg(&script)
        .arg(&input)
        .arg(dir.path().join("lake"))
        .env("PYTHONPATH", dir.path().join("stub"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let day = {
        let ms = events[0]["time"].as_u64().unwrap();
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms);
        let s = humantime::format_rfc3339_seconds(t).to_string();
        s[..10].replace('-', "")
    };
    let account = events[0]["cloud"]["account"]["uid"].as_str().unwrap();
    let region = events[0]["cloud"]["region"].as_str().unwrap();
    for (region, account) in [(region, account), ("eu-west-1", "222222222222")] {
        let folder = dir
            .path()
            .join("lake")
            .join(format!("region={region}"))
            .join(format!("accountId={account}"))
            .join(format!("eventDay={day}"));
        let files: Vec<PathBuf> = std::fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
            .map(|f| f.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "one file per partition");
        assert_eq!(files[0].extension().unwrap(), "parquet");
        let rows: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
        assert_eq!(rows.len(), n, "only this partition's events");
        let with_evidence = rows.iter().filter(|r| r["evidences"].is_array()).count();
        let expected = events.as_array().unwrap().iter().skip(1);
        let expected = expected.filter(|e| e.get("evidences").is_some()).count();
        assert!(
            with_evidence >= expected,
            "evidences kept: {with_evidence} < {expected}"
        );
        for row in &rows {
            // A null column of the table is an absent attribute.
            let mut row = row.clone();
            row.as_object_mut().unwrap().retain(|_, v| !v.is_null());
            let row = &row;
            assert_eq!(row["cloud"]["region"], region);
            assert_eq!(row["cloud"]["account"]["uid"], account);
            assert!(row["unmapped"]["alb_audit"].is_string());
            for evidence in row["evidences"].as_array().into_iter().flatten() {
                assert!(evidence["data"].is_string(), "one type per column");
            }
            let errs = errors(&validator, row);
            assert!(errs.is_empty(), "{errs:#?}");
        }
    }
}

/// The committed schema is the one tests/data/README.md says was generated, unmodified: a
/// schema loosened by hand to let an event through would fail here.
#[test]
fn the_committed_schema_is_the_one_documented() {
    use sha2::{Digest, Sha256};
    let bytes =
        std::fs::read(root().join("tests/data/ocsf-1.1.0-detection_finding-cloud.schema.json"))
            .unwrap();
    let digest: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let readme = std::fs::read_to_string(root().join("tests/data/README.md")).unwrap();
    assert!(
        readme.contains(&digest),
        "SHA-256 {digest} is not the documented one"
    );
    assert!(root().join("tests/data/OCSF-SCHEMA-LICENSE.txt").is_file());
    let (schema, _) = schema();
    assert_eq!(
        schema["$id"],
        "https://schema.ocsf.io/schema/1.1.0/classes/detection_finding?profiles=cloud"
    );
}
