//! ALB207: a target sits in an Availability Zone the ALB does not enable.

use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::model::Dataset;
use crate::rules::{Emitter, Rule};

/// The rule.
/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB207",
    name: "target-az-not-enabled",
    severity: Severity::Warning,
    title: "A target sits in an Availability Zone the ALB does not enable",
    symptom: "null (less capacity; http-503 if no other target is left)",
    resource: "target id",
    needs: &[
        Dataset::Listeners,
        Dataset::ListenerRules,
        Dataset::TargetGroups,
        Dataset::TargetHealth,
        Dataset::Instances,
        Dataset::Subnets,
    ],
    doc: r#"
## What it does
Compares each forwarded target's Availability Zone (the instance's, the interface's, or the
registered one) with the zones the ALB has subnets in. IP targets registered in zone `all`
(outside the VPC) are exempt.

## Why is this bad?
An ALB only sends to targets in zones it has enabled: the target is registered but `unused`
(`Target.NotInUse`), silently reducing capacity. If every target is in such a zone, clients get
503.

## How to fix
Enable a subnet of that zone on the ALB, or move the target into an enabled zone.

## Example
The ALB uses us-east-1a and us-east-1b; `i-0c3` runs in us-east-1c and never receives traffic.

## References
- [Availability Zones for your Application Load Balancer](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-subnets.html)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    let zones = ctx.lb.zone_names();
    for used in ctx.groups() {
        let Some(group) = used.group else { continue };
        for (t, zone) in used.targets() {
            let Some(zone) = zone else { continue };
            if zones.contains(&zone) {
                continue;
            }
            let mut finding = RULE
                .finding(
                    &t.id,
                    format!(
                        "Target {} of {} is in {zone}, where {} has no subnet: the ALB does not send it traffic.",
                        t.id, group.name, ctx.lb.name
                    ),
                    format!(
                        "Enable a subnet in {zone} on {} or move {} to one of {}.",
                        ctx.lb.name,
                        t.id,
                        zones.join(", ")
                    ),
                )
                .judged(used.outside_enabled_zones())
                .target(&t.id)
                .change(vec![ctx.lb.arn.clone()])
                .cause_key(format!("{} {zone}", group.arn))
                .evidence("target_group", group.arn.as_str())
                .evidence("target_zone", zone)
                .evidence("enabled_zones", zones.clone());
            if let Some(p) = t.port.or(group.port) {
                finding = finding.port(p);
            }
            out.emit(finding);
        }
    }
}
