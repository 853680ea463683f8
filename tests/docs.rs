//! The user documentation cannot drift from the code: the IAM policy lists exactly the API
//! actions the collector calls (all read-only), and docs/report.md names every report field
//! and symptom of the contract.

use std::collections::BTreeSet;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(std::fs::read_to_string(&path).unwrap());
        }
    }
}

/// SDK operations called as `.name()` with a given prefix, e.g. `.describe_vpcs()`.
fn operations(sources: &[String], prefixes: &[&str]) -> BTreeSet<String> {
    let mut ops = BTreeSet::new();
    for src in sources {
        for (i, _) in src.match_indices('.') {
            let rest = &src[i + 1..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if rest[name.len()..].starts_with("()") && prefixes.iter().any(|p| name.starts_with(p))
            {
                ops.insert(name);
            }
        }
    }
    ops
}

fn pascal(op: &str) -> String {
    op.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

const ELB_OPERATIONS: [&str; 6] = [
    "DescribeListeners",
    "DescribeLoadBalancers",
    "DescribeRules",
    "DescribeTags",
    "DescribeTargetGroups",
    "DescribeTargetHealth",
];

#[test]
fn iam_policy_is_exactly_what_the_collector_calls() {
    let mut sources = Vec::new();
    rust_files(&root().join("src/collect"), &mut sources);
    let called: BTreeSet<String> = operations(&sources, &["describe_", "get_"])
        .iter()
        .map(|op| {
            let action = pascal(op);
            let service = if ELB_OPERATIONS.contains(&action.as_str()) {
                "elasticloadbalancing"
            } else {
                "ec2"
            };
            format!("{service}:{action}")
        })
        .collect();
    let policy: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/iam-policy.json")).unwrap(),
    )
    .unwrap();
    let granted: BTreeSet<String> = policy["Statement"][0]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        called, granted,
        "docs/iam-policy.json differs from the SDK calls in src/collect"
    );
    assert_eq!(policy["Statement"].as_array().unwrap().len(), 1);
    assert_eq!(policy["Statement"][0]["Effect"], "Allow");
    for action in &granted {
        let name = action.split(':').nth(1).unwrap();
        assert!(
            name.starts_with("Describe") || name.starts_with("Get"),
            "{action} is not read-only"
        );
    }
    // Every granted action is documented.
    let doc = std::fs::read_to_string(root().join("docs/iam.md")).unwrap();
    for action in &granted {
        assert!(
            doc.contains(&format!("`{action}`")),
            "docs/iam.md does not explain {action}"
        );
    }
}

#[test]
fn nothing_in_src_calls_a_mutating_api() {
    let mut sources = Vec::new();
    rust_files(&root().join("src"), &mut sources);
    let mutating = operations(
        &sources,
        &[
            "create_",
            "delete_",
            "modify_",
            "put_",
            "update_",
            "register_",
            "deregister_",
            "authorize_",
            "revoke_",
            "attach_",
            "detach_",
            "associate_",
            "replace_",
            "set_",
            "add_",
            "remove_",
            "run_",
            "start_",
            "stop_",
            "terminate_",
        ],
    );
    assert!(mutating.is_empty(), "mutating calls in src/: {mutating:?}");
}

#[test]
fn report_doc_names_every_field_and_symptom() {
    let doc = std::fs::read_to_string(root().join("docs/report.md")).unwrap();
    for field in [
        "schema_version",
        "generated_at",
        "summary",
        "load_balancers",
        "availability_zones",
        "not_evaluated",
        "not_applicable",
        "status",
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
        "evidence",
        "remediation",
        "fingerprint",
        "baselined",
    ] {
        assert!(
            doc.contains(&format!("`{field}`")),
            "docs/report.md does not describe `{field}`"
        );
    }
    for symptom in [
        "timeout",
        "intermittent-timeout",
        "http-502",
        "http-503",
        "http-504",
        "intermittent-http-504",
    ] {
        assert!(
            doc.contains(&format!("`{symptom}`")),
            "docs/report.md does not describe `{symptom}`"
        );
    }
}
