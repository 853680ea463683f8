//! The rule catalogue. Each rule lives in its own file with its code, name, default severity,
//! documentation and check; [`REGISTRY`] lists them in code order. `alb-audit rules`,
//! `alb-audit explain` and docs/rules.md are all rendered from here.

use crate::eval::{AlbContext, Emitter};
use crate::finding::{Finding, Severity};
use crate::model::Dataset;

mod alb101_frontend_sg_denies_client;
mod alb102_frontend_nacl_denies_request;
mod alb103_frontend_nacl_denies_response;
mod alb104_public_subnet_no_igw_route;
mod alb105_route_blackhole;
mod alb106_internal_no_private_connectivity;
mod alb107_no_listeners;
mod alb201_backend_sg_egress_denies_target;
mod alb202_target_sg_denies_alb;
mod alb203_backend_nacl_denies_request;
mod alb204_backend_nacl_denies_response;
mod alb205_no_route_to_target;
mod alb206_target_unhealthy;
mod alb207_target_az_not_enabled;
mod alb208_no_registered_targets;
mod alb209_target_not_running;

/// A rule: identity, documentation, the data it needs, and its check.
pub struct Rule {
    /// Stable code, e.g. ALB104.
    pub code: &'static str,
    /// Stable kebab-case name.
    pub name: &'static str,
    /// Severity of its findings unless the check lowers it.
    pub severity: Severity,
    /// One-line title.
    pub title: &'static str,
    /// What the client sees, as the catalogue states it.
    pub symptom: &'static str,
    /// The resource its findings name.
    pub resource: &'static str,
    /// Data sets without which it cannot run.
    pub needs: &'static [Dataset],
    /// Markdown: what it checks, why it breaks, how to fix, an example.
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
            fingerprint: String::new(),
            baselined: false,
        }
    }
}

/// Every rule, in code order. Codes are never reused or renumbered.
pub static REGISTRY: &[&Rule] = &[
    &alb101_frontend_sg_denies_client::RULE,
    &alb102_frontend_nacl_denies_request::RULE,
    &alb103_frontend_nacl_denies_response::RULE,
    &alb104_public_subnet_no_igw_route::RULE,
    &alb105_route_blackhole::RULE,
    &alb106_internal_no_private_connectivity::RULE,
    &alb107_no_listeners::RULE,
    &alb201_backend_sg_egress_denies_target::RULE,
    &alb202_target_sg_denies_alb::RULE,
    &alb203_backend_nacl_denies_request::RULE,
    &alb204_backend_nacl_denies_response::RULE,
    &alb205_no_route_to_target::RULE,
    &alb206_target_unhealthy::RULE,
    &alb207_target_az_not_enabled::RULE,
    &alb208_no_registered_targets::RULE,
    &alb209_target_not_running::RULE,
];

/// The data every backend rule needs: which groups are forwarded to and what is in them.
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
pub(crate) const BACKEND_SECURITY_GROUPS: [Dataset; 7] = [
    Dataset::Listeners,
    Dataset::ListenerRules,
    Dataset::TargetGroups,
    Dataset::TargetHealth,
    Dataset::Instances,
    Dataset::SecurityGroups,
    Dataset::PrefixLists,
];

/// What the network ACL checks of the backend path read (ALB203, ALB204).
pub(crate) const BACKEND_NETWORK_ACLS: [Dataset; 7] = [
    Dataset::Listeners,
    Dataset::ListenerRules,
    Dataset::TargetGroups,
    Dataset::TargetHealth,
    Dataset::Instances,
    Dataset::Subnets,
    Dataset::NetworkAcls,
];

/// Emits the findings of one backend path component (ALB201–ALB205, and ALB105's backend
/// half): one per (target, port, broken node), or one with a null zone when every node is
/// broken alike; unknown parts become `not_evaluated`.
pub(crate) fn emit_path(
    ctx: &AlbContext,
    out: &mut Emitter,
    rule: &Rule,
    component: crate::eval::backend::Component,
    remediation: fn(&crate::eval::backend::PathFinding) -> String,
) {
    let backend = ctx.backend();
    for arn in &backend.missing_groups {
        out.not_evaluated(format!("target group {arn} was not read"));
    }
    let (findings, unknown) = backend.component_findings(component);
    for reason in unknown {
        out.not_evaluated(reason);
    }
    // Without the ALB's interfaces, node addresses are their subnets' CIDRs: still checked,
    // conservatively, but the audit says what it did not see.
    if component.uses_node_addresses() {
        for reason in ctx.gap_reasons(&[Dataset::NetworkInterfaces]) {
            out.not_evaluated(format!(
                "{reason} (ALB node addresses taken from their subnets' CIDRs)"
            ));
        }
    }
    for f in findings {
        let message = format!(
            "Connection {} ({}, {}) fails: {}; {}.",
            f.connection(),
            f.target.group.name,
            f.port_phrase(),
            f.why,
            f.consequence()
        );
        let mut finding = rule
            .finding(f.resource.clone(), message, remediation(&f))
            .port(f.port)
            .target(f.target.target.id.clone())
            .symptom(f.symptom);
        if let Some(z) = f.zone {
            finding = finding.zone(z);
        }
        finding.evidence = f.evidence;
        out.emit(finding);
    }
}

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
        "{} {}: {}\n\nSeverity: {}\nResource: {}\nSymptom: {}\n\n{}\n",
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
         | code | name | severity | resource | symptom |\n|---|---|---|---|---|\n",
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
            "\n## {}\n\n**{}** — {}. Severity `{}`, resource: {}, symptom: {}.\n\n{}\n",
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
            ] {
                assert!(r.doc.contains(heading), "{} lacks {heading}", r.code);
            }
            assert!(!r.needs.is_empty(), "{} names no data it needs", r.code);
        }
    }

    #[test]
    fn find_is_case_insensitive() {
        assert_eq!(find("alb104").unwrap().name, "public-subnet-no-igw-route");
        assert!(find("ALB999").is_none());
    }
}
