//! The rule catalogue. Each rule lives in its own file, grouped by the part of the path it is
//! about (`frontend/`, `backend/`, `targets/`, `tls/`), with its code, name, default severity,
//! documentation and check; [`REGISTRY`] lists them in code order. `alb-audit rules`,
//! `alb-audit explain` and docs/rules.md are all rendered from here. Rules read the shared
//! analyses ([`crate::analysis`]) and phrase them through [`phrase`]; they do no I/O.

use crate::analysis::AlbContext;
use crate::finding::{Finding, Severity};
use crate::model::Dataset;

mod actions;
mod backend;
mod fixes;
mod frontend;
mod inspection;
pub mod phrase;
pub mod run;
mod targets;
mod tls;

pub use run::{evaluate, AlbOutcome, Emitter, Options};

/// A rule: identity, documentation, the data it needs, and its check.
pub struct Rule {
    /// Stable code, e.g. ALB104.
    pub code: &'static str,
    /// Stable kebab-case name.
    pub name: &'static str,
    /// The highest severity its findings get: the analysis judges each one at or below it
    /// (tests/fixtures.rs holds every fixture's findings to it).
    pub severity: Severity,
    /// One-line title.
    pub title: &'static str,
    /// What the client sees, as the catalogue states it.
    pub symptom: &'static str,
    /// The resource its findings name.
    pub resource: &'static str,
    /// Data sets without which it cannot run.
    pub needs: &'static [Dataset],
    /// Markdown: what it checks, why it breaks, how to fix, an example, references.
    pub doc: &'static str,
    /// The check: pure, no I/O.
    pub check: fn(&AlbContext, &mut Emitter),
}

impl Rule {
    /// A finding of this rule with every optional field null.
    pub fn finding(
        &self,
        resource: impl Into<String>,
        message: impl Into<String>,
        remediation: impl Into<String>,
    ) -> Finding {
        Finding {
            rule: self.code.to_string(),
            name: self.name.to_string(),
            severity: self.severity,
            title: self.title.to_string(),
            message: message.into(),
            resource: resource.into(),
            availability_zone: None,
            port: None,
            target: None,
            symptom: None,
            evidence: serde_json::Map::new(),
            remediation: remediation.into(),
            change: Vec::new(),
            fingerprint: String::new(),
            baselined: false,
            suppressed: None,
            masked_until: None,
            cause_key: String::new(),
            fix: Default::default(),
            cause_ports: String::new(),
        }
    }
}

/// Every rule, in code order. Codes are never reused or renumbered.
pub static REGISTRY: &[&Rule] = &[
    &frontend::alb101_frontend_sg_denies_client::RULE,
    &frontend::alb102_frontend_nacl_denies_request::RULE,
    &frontend::alb103_frontend_nacl_denies_response::RULE,
    &frontend::alb104_public_subnet_no_igw_route::RULE,
    &frontend::alb105_route_blackhole::RULE,
    &frontend::alb106_internal_no_private_connectivity::RULE,
    &frontend::alb107_no_listeners::RULE,
    &frontend::alb108_client_address_family_not_served::RULE,
    &frontend::alb109_vpc_block_public_access::RULE,
    &inspection::alb110_inspection_return_path_asymmetric::RULE,
    &inspection::alb111_inspection_endpoint_unavailable::RULE,
    &inspection::alb112_inspection_subnet_no_return_route::RULE,
    &inspection::alb113_firewall_drops_client::RULE,
    &frontend::alb114_zonal_shift_active::RULE,
    &frontend::alb115_subnet_out_of_addresses::RULE,
    &backend::alb201_backend_sg_egress_denies_target::RULE,
    &backend::alb202_target_sg_denies_alb::RULE,
    &backend::alb203_backend_nacl_denies_request::RULE,
    &backend::alb204_backend_nacl_denies_response::RULE,
    &backend::alb205_no_route_to_target::RULE,
    &targets::alb206_target_unhealthy::RULE,
    &targets::alb207_target_az_not_enabled::RULE,
    &targets::alb208_no_registered_targets::RULE,
    &targets::alb209_target_not_running::RULE,
    &targets::alb210_zone_without_healthy_target::RULE,
    &targets::alb211_lambda_target_not_invocable::RULE,
    &actions::alb212_protocol_version_mismatch::RULE,
    &actions::alb213_auth_idp_unreachable::RULE,
    &actions::alb214_listener_rule_unreachable::RULE,
    &backend::alb215_firewall_drops_target::RULE,
    &tls::alb301_certificate_expired::RULE,
    &tls::alb302_certificate_expiring::RULE,
    &tls::alb303_certificate_not_issued::RULE,
    &tls::alb304_hostname_not_covered::RULE,
    &tls::alb305_tls_policy_rejects_client::RULE,
    &tls::alb306_mtls_trust_store_unusable::RULE,
];

/// Which groups are forwarded to and what is in them: every backend and target rule reads it.
pub(crate) const BACKEND_TARGETS: [Dataset; 4] = [
    Dataset::Listeners,
    Dataset::ListenerRules,
    Dataset::TargetGroups,
    Dataset::TargetHealth,
];

/// Backend targets plus the instances behind them (their address, subnet, zone, groups).
pub(crate) const BACKEND_INSTANCES: [Dataset; 5] = [
    Dataset::Listeners,
    Dataset::ListenerRules,
    Dataset::TargetGroups,
    Dataset::TargetHealth,
    Dataset::Instances,
];

/// What the security-group checks of the backend path read (ALB201, ALB202).
pub(crate) const BACKEND_SECURITY_GROUPS: [Dataset; 8] = [
    Dataset::Listeners,
    Dataset::ListenerRules,
    Dataset::TargetGroups,
    Dataset::TargetHealth,
    Dataset::TargetGroupAttributes,
    Dataset::Instances,
    Dataset::SecurityGroups,
    Dataset::PrefixLists,
];

/// What the network ACL checks of the backend path read (ALB203, ALB204).
pub(crate) const BACKEND_NETWORK_ACLS: [Dataset; 8] = [
    Dataset::Listeners,
    Dataset::ListenerRules,
    Dataset::TargetGroups,
    Dataset::TargetHealth,
    Dataset::TargetGroupAttributes,
    Dataset::Instances,
    Dataset::Subnets,
    Dataset::NetworkAcls,
];

/// Looks a rule up by code, case-insensitively.
pub fn find(code: &str) -> Option<&'static Rule> {
    REGISTRY
        .iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code.trim()))
}

/// The catalogue as a table, one rule a line, for `alb-audit rules`.
pub fn catalogue_text() -> String {
    let mut out = String::new();
    for r in REGISTRY {
        out.push_str(&format!(
            "{}  {:<8} {:<34} {}\n",
            r.code,
            r.severity.as_str(),
            r.name,
            r.title
        ));
    }
    out
}

/// One rule's documentation, for `alb-audit explain`.
pub fn explain(rule: &Rule) -> String {
    format!(
        "{} {}: {}\n\nSeverity: at most {}\nResource: {}\nSymptom: {}\n\n{}\n",
        rule.code,
        rule.name,
        rule.title,
        rule.severity.as_str(),
        rule.resource,
        rule.symptom,
        rule.doc.trim()
    )
}

/// docs/rules.md, generated so that it can never drift from the code.
pub fn catalogue_markdown() -> String {
    let mut out = String::from(
        "# Rule catalogue\n\n<!-- Generated from src/rules by `alb-audit rules --markdown`; \
         a test fails when this file is stale. -->\n\n\
         | code | name | severity (at most) | resource | symptom |\n|---|---|---|---|---|\n",
    );
    for r in REGISTRY {
        out.push_str(&format!(
            "| [{}](#{}) | {} | {} | {} | {} |\n",
            r.code,
            r.code.to_ascii_lowercase(),
            r.name,
            r.severity.as_str(),
            r.resource,
            r.symptom
        ));
    }
    for r in REGISTRY {
        out.push_str(&format!(
            "\n## {}\n\n**{}** — {}. Severity at most `{}` (the analysis lowers it where only some clients are cut, the ALB has healthy targets or nodes to use instead, a zonal shift masks the node, or nothing is sent through the path), resource: {}, symptom: {}.\n\n{}\n",
            r.code,
            r.name,
            r.title,
            r.severity.as_str(),
            r.resource,
            r.symptom,
            r.doc.trim().replace("\n## ", "\n### ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_documented() {
        let codes: Vec<&str> = REGISTRY.iter().map(|r| r.code).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(codes, sorted, "codes must be unique and in order");
        for r in REGISTRY {
            assert!(r.code.len() == 6 && r.code.starts_with("ALB"), "{}", r.code);
            for heading in [
                "## What it does",
                "## Why is this bad?",
                "## How to fix",
                "## Example",
                "## References",
            ] {
                assert!(r.doc.contains(heading), "{} lacks {heading}", r.code);
            }
            assert!(
                r.doc.contains("https://docs.aws.amazon.com/")
                    || r.doc.contains("https://www.rfc-editor.org/"),
                "{} cites no AWS or RFC document",
                r.code
            );
            assert!(!r.needs.is_empty(), "{} names no data it needs", r.code);
        }
    }

    #[test]
    fn find_is_case_insensitive() {
        assert_eq!(find("alb104").unwrap().name, "public-subnet-no-igw-route");
        assert!(find("ALB999").is_none());
    }

    /// The invariant ARCHITECTURE.md states in bold: a rule states its catalogue bound and
    /// phrases the severity the analysis judged; it never picks one. Read from the source.
    #[test]
    fn rules_never_judge_severity() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules"),
            &mut files,
        );
        assert!(
            files.len() > REGISTRY.len(),
            "the rule files were not found"
        );
        let mut judged = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (n, line) in code.lines().enumerate() {
                let line = line.trim();
                let picks = ["Note", "Warning", "Error"]
                    .iter()
                    .any(|s| line.contains(&format!("Severity::{s}")));
                let bound = line.starts_with("severity: Severity::");
                let reads = line.contains("== Severity::");
                if picks && !bound && !reads {
                    judged.push(format!("{}:{}: {line}", file.display(), n + 1));
                }
            }
        }
        assert!(
            judged.is_empty(),
            "rules judging severity:\n{}",
            judged.join("\n")
        );
    }
}
