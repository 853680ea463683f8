//! The user documentation cannot drift from the code: docs/iam-policy.json grants exactly the
//! `service:Action` labels of the collector's SDK calls (all read-only; a fleet also assumes
//! roles and lists the organization's accounts), those labels match the
//! SDK operations actually called, and docs/report.md names every report field and symptom.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use alb_audit::finding::{Severity, Symptom};
use alb_audit::report::Status;

const SERVICES: [&str; 9] = [
    "acm",
    "cloudwatch",
    "arc-zonal-shift",
    "ec2",
    "elasticloadbalancing",
    "lambda",
    "network-firewall",
    "organizations",
    "sts",
];

/// The only calls that are neither `Describe*` nor `Get*`: a fleet run assumes a role in each
/// account and lists the organization's accounts, and Network Firewall is found by listing the
/// firewalls of a VPC. None changes anything.
const FLEET_ACTIONS: [&str; 3] = [
    "network-firewall:ListFirewalls",
    "organizations:ListAccounts",
    "sts:AssumeRole",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: impl AsRef<Path>) -> String {
    let path = root().join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Every `.rs` file under `dir`, recursively, with its text.
fn rust_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    out
}

/// The string literals `"service:Action"` (for each of [`SERVICES`]) in `src`: the labels
/// the collector gives each SDK call (what a gap names and what IAM must grant).
fn action_labels(src: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for service in SERVICES {
        let open = format!("\"{service}:");
        for (i, _) in src.match_indices(&open) {
            let rest = &src[i + open.len()..];
            let action: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            if !action.is_empty() && rest[action.len()..].starts_with('"') {
                found.insert(format!("{service}:{action}"));
            }
        }
    }
    found
}

/// Method calls without arguments whose name starts with one of `prefixes`, e.g.
/// `.describe_vpcs()`: how the SDK's operation builders are started.
fn operation_calls(src: &str, prefixes: &[&str]) -> BTreeSet<String> {
    let mut ops = BTreeSet::new();
    for (i, _) in src.match_indices('.') {
        let rest = &src[i + 1..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        if rest[name.len()..].starts_with("()") && prefixes.iter().any(|p| name.starts_with(p)) {
            ops.insert(name);
        }
    }
    ops
}

/// `DescribeNetworkAcls` -> `describe_network_acls`, `DescribeSSLPolicies` ->
/// `describe_ssl_policies`: a word starts at an uppercase letter after a lowercase one, or at
/// the last uppercase letter of an acronym followed by a lowercase one.
fn snake(action: &str) -> String {
    let chars: Vec<char> = action.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let after_lower = chars[i - 1].is_ascii_lowercase();
            let ends_acronym = chars[i - 1].is_ascii_uppercase()
                && chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if after_lower || ends_acronym {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[test]
fn action_names_map_to_sdk_operations() {
    for (action, op) in [
        ("DescribeNetworkAcls", "describe_network_acls"),
        ("DescribeSSLPolicies", "describe_ssl_policies"),
        (
            "GetManagedPrefixListEntries",
            "get_managed_prefix_list_entries",
        ),
        ("DescribeCertificate", "describe_certificate"),
    ] {
        assert_eq!(snake(action), op);
    }
}

fn collector_labels() -> BTreeSet<String> {
    rust_files(&root().join("src/collect"))
        .iter()
        .flat_map(|(_, text)| action_labels(text))
        .collect()
}

fn policy() -> serde_json::Value {
    serde_json::from_str(&read("docs/iam-policy.json")).expect("docs/iam-policy.json is JSON")
}

fn granted() -> Vec<String> {
    policy()["Statement"][0]["Action"]
        .as_array()
        .expect("Statement[0].Action is a list")
        .iter()
        .map(|a| a.as_str().expect("actions are strings").to_string())
        .collect()
}

#[test]
fn iam_policy_grants_exactly_the_collectors_actions() {
    let labels = collector_labels();
    assert!(
        labels.len() >= 10,
        "suspiciously few action labels in src/collect: {labels:?}"
    );
    let granted = granted();
    let granted_set: BTreeSet<String> = granted.iter().cloned().collect();
    assert_eq!(
        labels, granted_set,
        "docs/iam-policy.json differs from the \"service:Action\" labels in src/collect \
         (left: code, right: policy)"
    );
    let mut sorted = granted.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(granted, sorted, "policy actions must be sorted and unique");

    let policy = policy();
    assert_eq!(policy["Version"], "2012-10-17");
    let statements = policy["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 1, "one statement");
    assert_eq!(statements[0]["Effect"], "Allow");
    assert_eq!(statements[0]["Resource"], "*");
}

#[test]
fn every_action_is_read_only() {
    for action in collector_labels().iter().chain(&granted()) {
        let (service, name) = action.split_once(':').unwrap();
        assert!(SERVICES.contains(&service), "{action}: unexpected service");
        assert!(
            name.starts_with("Describe")
                || name.starts_with("Get")
                || FLEET_ACTIONS.contains(&action.as_str()),
            "{action} is not a Describe*/Get* call"
        );
    }
}

#[test]
fn labels_match_the_sdk_operations_called() {
    // A new SDK call without a label (or a label without a call) would let the policy drift.
    let sources = rust_files(&root().join("src/collect"));
    let called: BTreeSet<String> = sources
        .iter()
        .flat_map(|(_, text)| operation_calls(text, &["describe_", "get_", "list_", "assume_role"]))
        .collect();
    let labelled: BTreeSet<String> = collector_labels()
        .iter()
        .map(|a| snake(a.split_once(':').unwrap().1))
        .collect();
    assert_eq!(
        called, labelled,
        "SDK operations called in src/collect (left) differ from their action labels (right)"
    );
}

#[test]
fn nothing_in_src_calls_a_mutating_api() {
    let mutating: BTreeSet<String> = rust_files(&root().join("src"))
        .iter()
        .flat_map(|(_, text)| {
            operation_calls(
                text,
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
                    "disassociate_",
                    "replace_",
                    "set_",
                    "add_",
                    "remove_",
                    "run_",
                    "start_",
                    "stop_",
                    "terminate_",
                ],
            )
        })
        .collect();
    assert!(mutating.is_empty(), "mutating calls in src/: {mutating:?}");
}

#[test]
fn iam_doc_explains_every_action() {
    let doc = read("docs/iam.md");
    for action in granted() {
        assert!(
            doc.contains(&format!("`{action}`")),
            "docs/iam.md does not explain `{action}`"
        );
    }
    assert!(
        doc.contains("snapshot"),
        "docs/iam.md must cover `snapshot`"
    );
}

/// Every value of `Symptom`, by its report name. The match is exhaustive, so a new variant
/// fails to compile here until it is listed (and then documented).
fn all_symptoms() -> Vec<&'static str> {
    let listed = |s: Symptom| match s {
        Symptom::Timeout
        | Symptom::IntermittentTimeout
        | Symptom::Http502
        | Symptom::Http503
        | Symptom::Http504
        | Symptom::IntermittentHttp503
        | Symptom::IntermittentHttp504
        | Symptom::Http500
        | Symptom::IntermittentHttp500
        | Symptom::Http464
        | Symptom::TlsError => s.as_str(),
    };
    [
        Symptom::Timeout,
        Symptom::IntermittentTimeout,
        Symptom::Http502,
        Symptom::Http503,
        Symptom::Http504,
        Symptom::IntermittentHttp503,
        Symptom::IntermittentHttp504,
        Symptom::Http500,
        Symptom::IntermittentHttp500,
        Symptom::Http464,
        Symptom::TlsError,
    ]
    .into_iter()
    .map(listed)
    .collect()
}

#[test]
fn report_doc_names_every_finding_field_and_symptom() {
    let doc = read("docs/report.md");
    let mentions = |word: &str| doc.contains(&format!("`{word}`"));
    // The finding fields every JSON report carries (docs/report.schema.json).
    for field in [
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
    ] {
        assert!(
            mentions(field),
            "docs/report.md does not describe `{field}`"
        );
    }
    // The symptoms users may match on, which must also be exactly the code's.
    let contract = [
        "timeout",
        "intermittent-timeout",
        "http-502",
        "http-503",
        "http-504",
        "intermittent-http-503",
        "intermittent-http-504",
        "http-500",
        "intermittent-http-500",
        "http-464",
        "tls-error",
    ];
    assert_eq!(
        all_symptoms(),
        contract,
        "Symptom names differ from the documented ones"
    );
    for symptom in contract {
        assert!(
            mentions(symptom),
            "docs/report.md does not describe `{symptom}`"
        );
    }
    for severity in [Severity::Error, Severity::Warning, Severity::Note] {
        assert!(mentions(severity.as_str()), "{}", severity.as_str());
    }
    for status in [Status::Pass, Status::Fail, Status::Incomplete] {
        let name = serde_json::to_value(status).unwrap();
        assert!(mentions(name.as_str().unwrap()), "status {name}");
    }
}

#[test]
fn report_doc_names_every_field_the_tool_writes() {
    // A golden report written by the code: every key it has, at every level, is documented.
    let doc = read("docs/report.md");
    let golden: serde_json::Value =
        serde_json::from_str(&read("fixtures/nat-route-in-one-az/expected/default.json")).unwrap();
    let lb = &golden["load_balancers"][0];
    let finding = &lb["findings"][0];
    let mut keys: BTreeSet<&str> = BTreeSet::new();
    for object in [
        &golden,
        &golden["summary"],
        &golden["tool"],
        lb,
        &lb["availability_zones"][0],
        finding,
    ] {
        keys.extend(object.as_object().unwrap().keys().map(String::as_str));
    }
    keys.extend(["not_applicable", "check", "reason", "target_group"]);
    for key in keys {
        assert!(
            doc.contains(&format!("`{key}`")) || doc.contains(&format!("\"{key}\"")),
            "docs/report.md does not describe `{key}`"
        );
    }
    // The example finding is the golden's, verbatim (keys sorted there as in the doc).
    let example = doc
        .split("```json\n")
        .nth(1)
        .and_then(|s| s.split("\n```").next())
        .expect("docs/report.md has a JSON example");
    let example: serde_json::Value = serde_json::from_str(example).expect("example is JSON");
    assert_eq!(
        &example, finding,
        "the example differs from fixtures/nat-route-in-one-az"
    );
}

/// The long flags of `alb-audit COMMAND --help`, as the built binary prints them.
fn flags_of(command: &str) -> BTreeSet<String> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_alb-audit"))
        .args([command, "--help"])
        .output()
        .expect("run alb-audit");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let l = l
                .trim_start()
                .trim_start_matches("-h, ")
                .trim_start_matches("-V, ");
            let flag = l.strip_prefix("--")?.split([' ', '\t']).next()?;
            (!["help", "version"].contains(&flag)).then(|| format!("--{flag}"))
        })
        .collect()
}

#[test]
fn cli_doc_names_every_command_and_flag() {
    let doc = read("docs/cli.md");
    for command in [
        "audit", "probe", "snapshot", "baseline", "rules", "explain", "schema",
    ] {
        assert!(
            doc.contains(&format!("| `{command}")),
            "docs/cli.md has no row for `{command}`"
        );
        let flags = flags_of(command);
        assert!(
            command != "audit" || flags.len() > 20,
            "flags were not read from --help: {flags:?}"
        );
        for flag in flags {
            assert!(
                doc.contains(&format!("`{flag}")),
                "docs/cli.md does not document {command} {flag}"
            );
        }
    }
}
