//! Every format for every fixture, validated by its real schema or a real parser: SARIF against
//! the official SARIF 2.1.0 JSON schema (tests/data), JUnit XML with an XML parser,
//! Markdown with a CommonMark parser (tables extension), and the JSON report against
//! docs/report.schema.json, which must equal the schema generated from the Rust types.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every (fixture, variant args).
fn cases() -> Vec<(String, PathBuf, Vec<String>)> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("snapshot.json").exists())
        .collect();
    dirs.sort();
    for dir in dirs {
        let variants: BTreeMap<String, Vec<String>> =
            serde_json::from_str(&std::fs::read_to_string(dir.join("cases.json")).unwrap())
                .unwrap();
        for (variant, args) in variants {
            let name = format!("{}/{variant}", dir.file_name().unwrap().to_string_lossy());
            out.push((name, dir.join("snapshot.json"), args));
        }
    }
    out
}

fn render(snapshot: &Path, args: &[String], format: &str, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_alb-audit"))
        .args(["audit", "--snapshot"])
        .arg(snapshot)
        .args(args)
        .args(["--format", format])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn sarif_schema() -> jsonschema::Validator {
    let path = root().join("tests/data/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the official SARIF schema is read from {}: {e}",
            path.display()
        )
    });
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).expect("SARIF schema compiles")
}

#[test]
fn sarif_is_valid_for_every_fixture() {
    let validator = sarif_schema();
    for (name, snapshot, args) in cases() {
        let sarif: Value = serde_json::from_str(&render(&snapshot, &args, "sarif", &[])).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        let json: Value = serde_json::from_str(&render(&snapshot, &args, "json", &[])).unwrap();
        let findings: Vec<&Value> = json["load_balancers"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|lb| lb["findings"].as_array().unwrap())
            .collect();
        let run = &sarif["runs"][0];
        assert_eq!(
            run["results"].as_array().unwrap().len(),
            findings.len(),
            "{name}"
        );
        assert_eq!(
            run["tool"]["driver"]["rules"].as_array().unwrap().len(),
            rule_count(),
            "{name}"
        );
        for (result, finding) in run["results"].as_array().unwrap().iter().zip(&findings) {
            assert_eq!(result["ruleId"], finding["rule"]);
            assert_eq!(result["level"], finding["severity"]);
            assert_eq!(
                result["partialFingerprints"]["albAudit/v1"],
                finding["fingerprint"]
            );
            assert_eq!(
                result["locations"][0]["logicalLocations"][0]["name"],
                finding["resource"]
            );
            let rule_index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(
                run["tool"]["driver"]["rules"][rule_index]["id"],
                finding["rule"]
            );
        }
    }
}

/// How many rules the catalogue has, as `alb-audit rules` lists them.
fn rule_count() -> usize {
    let out = Command::new(env!("CARGO_BIN_EXE_alb-audit"))
        .arg("rules")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().lines().count()
}

#[test]
fn sarif_marks_baseline_state() {
    let dir = tempfile::tempdir().unwrap();
    // The one-AZ world plus a second cause: subnet A's table routes to the NAT gateway too.
    let mut world: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/nat-route-in-one-az/snapshot.json"))
            .unwrap(),
    )
    .unwrap();
    for route in world["network"]["route_tables"]["rtb-0pub"]["routes"]
        .as_array_mut()
        .unwrap()
    {
        if route["target"] == "igw-0ee" {
            route["target"] = "nat-0cc".into();
        }
    }
    let snapshot = dir.path().join("worse.json");
    std::fs::write(&snapshot, world.to_string()).unwrap();
    let report = dir.path().join("r.json");
    let baseline = dir.path().join("b.json");
    std::fs::write(
        &report,
        render(
            &root().join("fixtures/nat-route-in-one-az/snapshot.json"),
            &[],
            "json",
            &[],
        ),
    )
    .unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_alb-audit"))
        .args(["baseline", "--report"])
        .arg(&report)
        .arg("--output")
        .arg(&baseline)
        .status()
        .unwrap();
    assert!(status.success());
    let sarif: Value = serde_json::from_str(&render(
        &snapshot,
        &[],
        "sarif",
        &["--baseline", baseline.to_str().unwrap()],
    ))
    .unwrap();
    let states: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["baselineState"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["new", "unchanged"]);
    let validator = sarif_schema();
    assert!(validator.is_valid(&sarif));
    // The schema is really enforced: an invalid level or a missing message is rejected.
    let mut bad = sarif.clone();
    bad["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&bad));
    let mut bad = sarif;
    bad["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!validator.is_valid(&bad));
}

#[test]
fn junit_parses_and_counts_for_every_fixture() {
    for (name, snapshot, args) in cases() {
        let json: Value = serde_json::from_str(&render(&snapshot, &args, "json", &[])).unwrap();
        for fail_on in ["error", "note"] {
            let xml = render(&snapshot, &args, "junit", &["--fail-on", fail_on]);
            let doc =
                roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{name}: {e}\n{xml}"));
            let root_el = doc.root_element();
            assert_eq!(root_el.tag_name().name(), "testsuites");
            let suites: Vec<_> = root_el
                .children()
                .filter(|n| n.has_tag_name("testsuite"))
                .collect();
            assert_eq!(
                suites.len(),
                json["load_balancers"].as_array().unwrap().len(),
                "{name}"
            );
            for (suite, lb) in suites
                .iter()
                .zip(json["load_balancers"].as_array().unwrap())
            {
                let cases: Vec<_> = suite
                    .children()
                    .filter(|n| n.has_tag_name("testcase"))
                    .collect();
                assert_eq!(cases.len(), rule_count(), "{name}: one test case per rule");
                assert_eq!(
                    suite.attribute("tests"),
                    Some(rule_count().to_string().as_str())
                );
                let threshold = if fail_on == "error" {
                    vec!["error"]
                } else {
                    vec!["error", "warning", "note"]
                };
                let failing = lb["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|f| threshold.contains(&f["severity"].as_str().unwrap()))
                    .count();
                let failures: usize = cases
                    .iter()
                    .map(|c| c.children().filter(|n| n.has_tag_name("failure")).count())
                    .sum();
                assert_eq!(failures, failing, "{name} --fail-on {fail_on}");
                let failed_cases = cases
                    .iter()
                    .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
                    .count();
                assert_eq!(
                    suite.attribute("failures"),
                    Some(failed_cases.to_string().as_str()),
                    "{name}"
                );
                let skipped: Vec<&str> = cases
                    .iter()
                    .filter(|c| c.children().any(|n| n.has_tag_name("skipped")))
                    .map(|c| c.attribute("name").unwrap())
                    .collect();
                let not_evaluated: std::collections::BTreeSet<&str> = lb["not_evaluated"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n["check"].as_str().unwrap())
                    .collect();
                for case in &skipped {
                    assert!(not_evaluated.contains(&case[..6]), "{name}: {case} skipped");
                }
            }
        }
    }
}

#[test]
fn markdown_parses_with_a_row_per_finding() {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    for (name, snapshot, args) in cases() {
        let json: Value = serde_json::from_str(&render(&snapshot, &args, "json", &[])).unwrap();
        let md = render(&snapshot, &args, "markdown", &[]);
        let findings: usize = json["load_balancers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|lb| lb["findings"].as_array().unwrap().len())
            .sum();
        // Count table body rows per table.
        let mut tables: Vec<usize> = Vec::new();
        let mut in_head = false;
        for event in Parser::new_ext(&md, Options::ENABLE_TABLES) {
            match event {
                Event::Start(Tag::Table(_)) => tables.push(0),
                Event::Start(Tag::TableHead) => in_head = true,
                Event::End(TagEnd::TableHead) => in_head = false,
                Event::Start(Tag::TableRow) if !in_head => *tables.last_mut().unwrap() += 1,
                _ => {}
            }
        }
        assert_eq!(
            tables[0],
            json["load_balancers"].as_array().unwrap().len(),
            "{name}: status table"
        );
        if findings > 0 {
            assert_eq!(tables.len(), 2, "{name}");
            assert_eq!(tables[1], findings, "{name}: a row per finding");
            assert!(
                md.contains("### Fix first") || json["summary"]["baselined"] != 0,
                "{name}"
            );
        } else {
            assert_eq!(tables.len(), 1, "{name}");
        }
        assert!(md.starts_with("## alb-audit: "), "{name}");
    }
}

#[test]
fn report_schema_is_generated_and_every_report_validates() {
    let generated = Command::new(env!("CARGO_BIN_EXE_alb-audit"))
        .args(["schema"])
        .output()
        .unwrap();
    assert!(generated.status.success());
    let generated = String::from_utf8(generated.stdout).unwrap();
    let path = root().join("docs/report.schema.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/report.schema.json is stale: run `alb-audit schema > docs/report.schema.json`"
    );
    let schema: Value = serde_json::from_str(&committed).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("report schema compiles");
    for (name, snapshot, args) in cases() {
        let report: Value = serde_json::from_str(&render(&snapshot, &args, "json", &[])).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
    // And a report that breaks the contract does not validate.
    let mut bad: Value = serde_json::from_str(&render(&cases()[0].1, &[], "json", &[])).unwrap();
    bad["status"] = "maybe".into();
    assert!(!validator.is_valid(&bad));
}
