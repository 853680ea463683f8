//! What the formats for security products (ASFF for Security Hub, OCSF for Security Lake)
//! share, decided once: how a severity maps to theirs, and what kind of AWS resource an id in
//! a finding is, with its ARN.

use super::baseline::Entry;
use super::group::{self, Cause};
use super::{AlbReport, Report};
use crate::finding::Severity;

/// The one walk both formats make over a report: every cause of every ALB, in report order.
pub fn causes(report: &Report) -> impl Iterator<Item = (&AlbReport, Cause<'_>)> {
    report.load_balancers.iter().flat_map(|lb| {
        group::by_cause(&lb.findings)
            .into_iter()
            .map(move |c| (lb, c))
    })
}

/// The baseline's causes that are gone (its stale entries), which the formats archive or
/// close; none when the run is incomplete, since a cause it did not see may still be there.
pub fn fixed(report: &Report) -> impl Iterator<Item = &Entry> {
    report
        .baseline
        .iter()
        .filter(|_| !report.is_incomplete())
        .flat_map(|b| &b.stale)
}

/// The finding type both formats give: namespace/category/classifier from ASFF's taxonomy
/// (<https://docs.aws.amazon.com/securityhub/latest/userguide/asff-type-taxonomy.html>), also
/// OCSF's `finding_info.types`.
pub const TYPE: &str =
    "Software and Configuration Checks/AWS Security Best Practices/Network Reachability";

/// What a cause's finding says: the lead's message, after the targets (or resources) it hits
/// when there are several (`42 targets: i-0a1, …. For example: …`).
pub fn description(cause: &Cause<'_>) -> String {
    match (cause.findings.len(), cause.affected().label(group::SHOWN)) {
        (1, _) | (_, None) => cause.lead.message.clone(),
        (_, Some(label)) => format!("{label}. For example: {}", cause.lead.message),
    }
}

/// The severity in the products' scale: an OCSF `severity_id` and the ASFF / OCSF label.
/// `error` breaks a path (High), `warning` likely does (Medium), `note` is worth knowing and
/// often by design (Low). Nothing alb-audit reports is Critical (a compromise) or
/// Informational (Security Hub's "no issue"). OCSF: severity_id 2 Low, 3 Medium, 4 High;
/// ASFF: `Severity.Label` LOW, MEDIUM, HIGH.
pub fn severity(s: Severity) -> (u8, &'static str) {
    match s {
        Severity::Error => (4, "High"),
        Severity::Warning => (3, "Medium"),
        Severity::Note => (2, "Low"),
    }
}

/// A resource a finding names: its ASFF resource type and its ARN (or the id as given when
/// the kind is not known).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    /// ASFF `Resources[].Type` (also OCSF `resources[].type`), e.g. `AwsEc2SecurityGroup`.
    pub kind: &'static str,
    /// The ARN, or the id as the finding gives it.
    pub id: String,
}

/// Where an ARN is: the partition, region and account of the ALB a finding is about.
#[derive(Clone, Copy, Debug)]
pub struct Place<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`.
    pub partition: &'a str,
    /// The region.
    pub region: &'a str,
    /// The account.
    pub account: &'a str,
}

impl<'a> Place<'a> {
    /// The place of the ALB with `arn` (the partition is the ARN's second field).
    pub fn of(arn: &'a str, region: &'a str, account: &'a str) -> Self {
        Place {
            partition: arn
                .split(':')
                .nth(1)
                .filter(|p| !p.is_empty())
                .unwrap_or("aws"),
            region,
            account,
        }
    }
}

/// The resource named by `id` (an ARN, or an EC2 id such as `sg-0abc`): ARNs are kept, EC2
/// ids become the ARNs EC2 documents
/// (<https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html#amazonec2-resources-for-iam-policies>),
/// types are ASFF's (<https://docs.aws.amazon.com/securityhub/latest/userguide/asff-resources.html>).
pub fn resource(id: &str, at: Place<'_>) -> Resource {
    if id.starts_with("arn:") {
        let kind = if id.contains(":loadbalancer/app/") {
            "AwsElbv2LoadBalancer"
        } else if id.contains(":certificate/") && id.contains(":acm:") {
            "AwsCertificateManagerCertificate"
        } else {
            "Other"
        };
        return Resource {
            kind,
            id: id.to_string(),
        };
    }
    let ec2 = [
        ("sg-", "AwsEc2SecurityGroup", "security-group"),
        ("acl-", "AwsEc2NetworkAcl", "network-acl"),
        ("subnet-", "AwsEc2Subnet", "subnet"),
        ("rtb-", "AwsEc2RouteTable", "route-table"),
        ("vpc-", "AwsEc2Vpc", "vpc"),
        ("i-", "AwsEc2Instance", "instance"),
        ("eni-", "AwsEc2NetworkInterface", "network-interface"),
    ];
    match ec2.iter().find(|(prefix, _, _)| id.starts_with(prefix)) {
        Some((_, kind, path)) if !id.contains(char::is_whitespace) => Resource {
            kind,
            id: format!(
                "arn:{}:ec2:{}:{}:{path}/{id}",
                at.partition, at.region, at.account
            ),
        },
        _ => Resource {
            kind: "Other",
            id: id.to_string(),
        },
    }
}

/// The documents a rule's `## References` cite (their `https://` links, in order): where a
/// finding's remediation is explained by AWS or the RFCs. Empty for a rule this build does not
/// know.
pub fn references(rule: &str) -> Vec<String> {
    let Some(doc) = crate::rules::find(rule).map(|r| r.doc) else {
        return Vec::new();
    };
    let Some(start) = doc.find("## References") else {
        return Vec::new();
    };
    let section = &doc[start + "## References".len()..];
    let section = section.find("\n## ").map_or(section, |end| &section[..end]);
    let mut out: Vec<String> = Vec::new();
    let mut rest = section;
    while let Some(at) = rest.find("https://") {
        let url: String = rest[at..]
            .chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, ')' | '>' | '"'))
            .collect();
        rest = &rest[at + url.len()..];
        if !out.contains(&url) {
            out.push(url);
        }
    }
    out
}

/// `s` cut to at most `max` characters, ending in `…` when cut: the products bound their
/// text fields and refuse a finding that exceeds one.
pub fn bounded(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec2_ids_become_arns_and_arns_are_kept() {
        let at = Place::of(
            "arn:aws-cn:elasticloadbalancing:cn-north-1:111111111111:loadbalancer/app/w/1",
            "cn-north-1",
            "111111111111",
        );
        assert_eq!(
            resource("sg-0alb", at),
            Resource {
                kind: "AwsEc2SecurityGroup",
                id: "arn:aws-cn:ec2:cn-north-1:111111111111:security-group/sg-0alb".into()
            }
        );
        let alb = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/w/1";
        assert_eq!(resource(alb, at).kind, "AwsElbv2LoadBalancer");
        assert_eq!(resource("tg-x", at).kind, "Other");
        assert_eq!(bounded("abcdef", 4), "abc…");
        assert_eq!(bounded("abc", 4), "abc");
    }

    #[test]
    fn references_are_the_links_of_the_rule_docs_section() {
        let refs = references("ALB101");
        assert!(!refs.is_empty());
        for r in &refs {
            assert!(r.starts_with("https://") && !r.contains(')'), "{r}");
        }
        assert!(refs.iter().all(|r| {
            let doc = crate::rules::find("ALB101").unwrap().doc;
            doc[doc.find("## References").unwrap()..].contains(r.as_str())
        }));
        assert!(references("ALB999").is_empty());
    }
}
