//! Every format for every fixture, validated by its real schema or a real parser: SARIF against
//! the official SARIF 2.1.0 JSON schema (tests/data), JUnit XML with an XML parser,
//! Markdown with a CommonMark parser (tables extension), and the JSON report against
//! docs/report.schema.json, which must equal the schema generated from the Rust types. Each
//! format is checked against the JSON report: SARIF and Markdown have one entry per cause
//! (findings sharing a fingerprint), JUnit one test case per finding, and both SARIF and JUnit
//! say when the audit is incomplete.

use std::collections::{BTreeMap, BTreeSet};
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

/// The findings of each ALB of a JSON report, grouped by fingerprint in order of first
/// appearance: the causes text, Markdown and SARIF have one entry each for.
fn causes(json: &Value) -> Vec<Vec<&Value>> {
    let mut out: Vec<Vec<&Value>> = Vec::new();
    for lb in json["load_balancers"].as_array().unwrap() {
        let mut here: Vec<Vec<&Value>> = Vec::new();
        for f in lb["findings"].as_array().unwrap() {
            match here
                .iter_mut()
                .find(|c| c[0]["fingerprint"] == f["fingerprint"])
            {
                Some(c) => c.push(f),
                None => here.push(vec![f]),
            }
        }
        out.extend(here);
    }
    out
}

/// Every `not_evaluated` entry of a JSON report, top-level and per ALB.
fn gaps(json: &Value) -> usize {
    json["not_evaluated"].as_array().map_or(0, Vec::len)
        + json["load_balancers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|lb| lb["not_evaluated"].as_array().unwrap().len())
            .sum::<usize>()
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
        let causes = causes(&json);
        let run = &sarif["runs"][0];
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), causes.len(), "{name}: one result per cause");
        assert_eq!(
            run["tool"]["driver"]["rules"].as_array().unwrap().len(),
            rule_count(),
            "{name}"
        );
        for (result, cause) in results.iter().zip(&causes) {
            let lead = cause[0];
            assert_eq!(result["ruleId"], lead["rule"]);
            assert_eq!(
                result["partialFingerprints"]["albAudit/v2"], lead["fingerprint"],
                "{name}: the alert is the cause"
            );
            let worst = cause
                .iter()
                .map(|f| match f["severity"].as_str().unwrap() {
                    "error" => 2,
                    "warning" => 1,
                    _ => 0,
                })
                .max()
                .unwrap();
            assert_eq!(result["level"], ["note", "warning", "error"][worst]);
            assert_eq!(result["properties"]["findings"], cause.len());
            // Distinct targets: one target on two ECS dynamic ports is one cause, one target.
            let targets: BTreeSet<String> = cause
                .iter()
                .map(|f| &f["target"])
                .filter(|t| !t.is_null())
                .map(Value::to_string)
                .collect();
            assert_eq!(
                result["properties"]["targets"].as_array().unwrap().len(),
                targets.len(),
                "{name}: every target of the cause is listed"
            );
            // The structured fix as SARIF `fixes`: one artifact change per edit, inserting its
            // command, verified as the report says; none when nothing is proposed.
            let changes = lead["fix"]["changes"].as_array().unwrap();
            if changes.is_empty() {
                assert!(
                    result.get("fixes").is_none(),
                    "{name}: a fix with no change"
                );
            } else {
                let fix = &result["fixes"][0];
                assert_eq!(
                    fix["properties"]["verified"], lead["fix"]["verified"],
                    "{name}"
                );
                let inserted: Vec<&str> = fix["artifactChanges"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| {
                        c["replacements"][0]["insertedContent"]["text"]
                            .as_str()
                            .unwrap()
                    })
                    .collect();
                let commands: Vec<String> = changes
                    .iter()
                    .map(|c| format!("{}\n", c["command"].as_str().unwrap()))
                    .collect();
                assert_eq!(inserted, commands, "{name}: every command, exactly");
            }
            // The logical location names what to change.
            let change = lead["change"][0]
                .as_str()
                .unwrap_or(lead["resource"].as_str().unwrap());
            assert_eq!(
                result["locations"][0]["logicalLocations"][0]["name"],
                change.split_whitespace().next().unwrap()
            );
            let rule_index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(
                run["tool"]["driver"]["rules"][rule_index]["id"],
                lead["rule"]
            );
        }
        // Incomplete: unsuccessful, and one error notification per gap.
        let invocation = &run["invocations"][0];
        let gaps = gaps(&json);
        assert_eq!(invocation["executionSuccessful"], gaps == 0, "{name}");
        let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
        assert_eq!(notes.len(), gaps, "{name}");
        assert!(notes.iter().all(|n| n["level"] == "error"), "{name}");
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
    let baseline = baseline_of(dir.path(), "nat-route-in-one-az");
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

/// Writes the baseline that accepts every finding of `fixture` into `dir`; its path.
fn baseline_of(dir: &Path, fixture: &str) -> PathBuf {
    let report = dir.join("r.json");
    let baseline = dir.join("b.json");
    let snapshot = root().join(format!("fixtures/{fixture}/snapshot.json"));
    std::fs::write(&report, render(&snapshot, &[], "json", &[])).unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_alb-audit"))
        .args(["baseline", "--report"])
        .arg(&report)
        .arg("--output")
        .arg(&baseline)
        .status()
        .unwrap();
    assert!(status.success());
    baseline
}

/// A baseline entry whose cause is gone is a configuration note in SARIF, and changes nothing
/// else: the run is still successful and the result list is the same.
#[test]
fn sarif_reports_stale_baseline_entries_as_configuration_notes() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = baseline_of(dir.path(), "nat-route-in-one-az");
    // The route was fixed: the healthy world has the same ALB and no finding.
    let sarif: Value = serde_json::from_str(&render(
        &root().join("fixtures/healthy-internet-facing/snapshot.json"),
        &[],
        "sarif",
        &["--baseline", baseline.to_str().unwrap()],
    ))
    .unwrap();
    assert!(sarif_schema().is_valid(&sarif));
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    let notes = invocation["toolConfigurationNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["level"], "note");
    let text = notes[0]["message"]["text"].as_str().unwrap();
    assert!(
        text.starts_with("Stale baseline entry: ALB104 subnet-0bb"),
        "{text}"
    );
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn junit_parses_and_counts_for_every_fixture() {
    let rules = rule_count();
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
            let lbs = json["load_balancers"].as_array().unwrap();
            assert_eq!(suites.len(), lbs.len(), "{name}");
            for (suite, lb) in suites.iter().zip(lbs) {
                let cases: Vec<_> = suite
                    .children()
                    .filter(|n| n.has_tag_name("testcase"))
                    .collect();
                let findings = lb["findings"].as_array().unwrap();
                let missing: std::collections::BTreeSet<&str> = lb["not_evaluated"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n["check"].as_str().unwrap())
                    .collect();
                let fired: std::collections::BTreeSet<&str> = findings
                    .iter()
                    .map(|f| f["rule"].as_str().unwrap())
                    .collect();
                // A case per finding, an error case per rule not evaluated, a passing case per
                // rule that ran clean.
                let clean = rules - fired.union(&missing).count();
                assert_eq!(
                    cases.len(),
                    findings.len() + missing.len() + clean,
                    "{name}: one test case per finding"
                );
                assert_eq!(
                    suite.attribute("tests"),
                    Some(cases.len().to_string().as_str())
                );
                let names: std::collections::BTreeSet<&str> =
                    cases.iter().map(|c| c.attribute("name").unwrap()).collect();
                assert_eq!(names.len(), cases.len(), "{name}: case names are unique");
                assert!(
                    cases
                        .iter()
                        .all(|c| c.attribute("classname") == lb["name"].as_str()),
                    "{name}: classname is the ALB"
                );
                let threshold = if fail_on == "error" {
                    vec!["error"]
                } else {
                    vec!["error", "warning", "note"]
                };
                let failing: Vec<&Value> = findings
                    .iter()
                    .filter(|f| threshold.contains(&f["severity"].as_str().unwrap()))
                    .collect();
                let failures: Vec<_> = cases
                    .iter()
                    .flat_map(|c| c.children().filter(|n| n.has_tag_name("failure")))
                    .collect();
                assert_eq!(failures.len(), failing.len(), "{name} --fail-on {fail_on}");
                assert_eq!(
                    suite.attribute("failures"),
                    Some(failures.len().to_string().as_str()),
                    "{name}"
                );
                // The diagnosis is the failure's text: GitLab and Jenkins show it.
                for (failure, f) in failures.iter().zip(&failing) {
                    let text = failure.text().unwrap_or_default();
                    for part in [
                        f["message"].as_str().unwrap(),
                        f["remediation"].as_str().unwrap(),
                        &format!("change: {}", f["change"][0].as_str().unwrap()),
                    ] {
                        assert!(
                            text.contains(part),
                            "{name}: failure text lacks {part}: {text}"
                        );
                    }
                    if let Some(symptom) = f["symptom"].as_str() {
                        assert!(text.contains(&format!("client sees: {symptom}")), "{name}");
                    }
                }
                // An incomplete audit is never green: every gap is an error.
                let errors = cases
                    .iter()
                    .filter(|c| c.children().any(|n| n.has_tag_name("error")))
                    .count();
                assert_eq!(errors, missing.len(), "{name}");
                assert_eq!(suite.attribute("errors"), Some(errors.to_string().as_str()));
                assert!(
                    !cases
                        .iter()
                        .any(|c| c.children().any(|n| n.has_tag_name("skipped"))),
                    "{name}: nothing is skipped"
                );
            }
        }
    }
}

#[test]
fn markdown_parses_with_a_row_per_cause() {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    for (name, snapshot, args) in cases() {
        let json: Value = serde_json::from_str(&render(&snapshot, &args, "json", &[])).unwrap();
        let md = render(&snapshot, &args, "markdown", &[]);
        let causes = causes(&json);
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
        // The status table, the causes table when there are causes, and the observed figures'
        // table when the run read metrics (`--observe`).
        let observed = json["load_balancers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|lb| lb.get("observed").is_some());
        let extra = usize::from(observed);
        if causes.is_empty() {
            assert_eq!(tables.len(), 1 + extra, "{name}");
        } else {
            assert_eq!(tables.len(), 2 + extra, "{name}");
            assert_eq!(tables[1], causes.len(), "{name}: a row per cause");
            let section = md.split("### What to change").nth(1).unwrap();
            assert_eq!(
                section.matches("   - change: ").count(),
                causes.len(),
                "{name}: every cause says what to change"
            );
            for cause in &causes {
                assert!(
                    section.contains(&alb_audit::report::escape::markdown::inline(
                        cause[0]["remediation"].as_str().unwrap()
                    )),
                    "{name}: the fix is listed"
                );
            }
        }
        assert_eq!(md.contains("### Not evaluated"), gaps(&json) > 0, "{name}");
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
    // A report with stale baseline entries validates too.
    let dir = tempfile::tempdir().unwrap();
    let accepted = dir.path().join("r.json");
    let baseline = dir.path().join("b.json");
    std::fs::write(
        &accepted,
        render(
            &root().join("fixtures/nat-route-in-one-az/snapshot.json"),
            &[],
            "json",
            &[],
        ),
    )
    .unwrap();
    assert!(Command::new(env!("CARGO_BIN_EXE_alb-audit"))
        .args(["baseline", "--report"])
        .arg(&accepted)
        .arg("--output")
        .arg(&baseline)
        .status()
        .unwrap()
        .success());
    let with_stale: Value = serde_json::from_str(&render(
        &root().join("fixtures/healthy-internet-facing/snapshot.json"),
        &[],
        "json",
        &["--baseline", baseline.to_str().unwrap()],
    ))
    .unwrap();
    assert_eq!(with_stale["baseline"]["stale"].as_array().unwrap().len(), 1);
    assert!(validator.is_valid(&with_stale));
    // And a report that breaks the contract does not validate.
    let mut bad: Value = serde_json::from_str(&render(&cases()[0].1, &[], "json", &[])).unwrap();
    bad["status"] = "maybe".into();
    assert!(!validator.is_valid(&bad));
}
