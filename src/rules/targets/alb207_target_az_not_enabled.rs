//! ALB207: a target sits in an Availability Zone the ALB does not enable.

use super::Rule;
use crate::eval::{AlbContext, Emitter};
use crate::finding::Severity;
use crate::model::Dataset;

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
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    let zones: Vec<&str> = ctx
        .lb
        .availability_zones
        .iter()
        .map(|z| z.zone.as_str())
        .collect();
    let backend = ctx.backend();
    for t in &backend.targets {
        let Some(zone) = t.zone() else {
            continue;
        };
        if zone == "all" || zones.contains(&zone.as_str()) {
            continue;
        }
        out.emit(
            RULE.finding(
                &t.target.id,
                format!(
                    "Target {} of {} is in {zone}, where {} has no subnet: the ALB does not send it traffic.",
                    t.target.id, t.group.name, ctx.lb.name
                ),
                format!(
                    "Enable a subnet in {zone} on {} or move {} to one of {}.",
                    ctx.lb.name,
                    t.target.id,
                    zones.join(", ")
                ),
            )
            .target(&t.target.id)
            .port(t.ports[0].0)
            .evidence("target_group", t.group.arn.as_str())
            .evidence("target_zone", zone.as_str())
            .evidence("enabled_zones", zones.clone()),
        );
    }
}
