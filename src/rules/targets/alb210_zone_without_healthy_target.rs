//! ALB210: with cross-zone load balancing off, an enabled zone has no healthy target.

use crate::analysis::targets::ZoneOutcome;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::model::Dataset;
use crate::rules::{Emitter, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB210",
    name: "zone-without-healthy-target",
    severity: Severity::Error,
    title:
        "A target group with cross-zone load balancing off has no healthy target in an enabled zone",
    symptom: "intermittent-http-503 (DNS failover off), http-503 (no healthy target in any zone in DNS, none registered here); null when DNS failover takes the node out or the nodes fail open (ALB206)",
    resource: "target group ARN",
    needs: &[
        Dataset::Listeners,
        Dataset::ListenerRules,
        Dataset::TargetGroups,
        Dataset::TargetHealth,
        Dataset::TargetGroupAttributes,
        Dataset::Instances,
    ],
    doc: r#"
## What it does
For every forwarded target group whose attribute `load_balancing.cross_zone.enabled` is `false`,
counts the healthy targets in each Availability Zone the ALB enables (a target's zone is its
instance's, its interface's, or the zone it was registered in).

## Why is this bad?
With cross-zone load balancing off, each ALB node sends only to targets in its own zone. A zone
without a healthy target leaves its node nothing to send to. By default the group's DNS failover
(`target_group_health.dns_failover.minimum_healthy_targets.count`, default 1) marks that node
unhealthy in DNS, so clients move to the other nodes and only capacity is lost (warning, no
symptom). With DNS failover `off`, clients that DNS sends to that node get 503 (error,
`intermittent-http-503`); when no zone has a healthy target, every client does (`http-503`).
A zonal shift counts: while it keeps the zones with healthy targets out of DNS, every client
reaches a node without one (`http-503`), and a node it keeps out is judged as it will be when
the shift ends (and masked until then, see ALB114).

## How to fix
Register healthy targets in that zone (spread the Auto Scaling group over every enabled zone), or
turn cross-zone load balancing back on for the group, or stop enabling the zone on the ALB.

## Example
`web-tg` turns cross-zone off; its instances run in us-east-1a only while the ALB also enables
us-east-1b: ALB210 for us-east-1b.

## References
- [Cross-zone load balancing for target groups](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/disable-cross-zone.html)
- [Target group health: DNS failover](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health.html)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    let zones = ctx.lb.zone_names();
    for used in ctx.groups() {
        let Some(group) = used.group else {
            out.not_evaluated(format!("target group {} was not read", used.arn));
            continue;
        };
        let healthy = used.healthy_by_zone();
        let healthy_in = |z: &str| healthy.get(&Some(z)).copied().unwrap_or(0);
        for empty in used.zones_without_healthy(&zones, ctx.shifts()) {
            let zone = empty.zone;
            let none_left = |shifted: &[&str]| {
                if shifted.is_empty() {
                    "no zone has a healthy target".to_string()
                } else {
                    format!(
                        "the only healthy targets are in {}, which a zonal shift keeps out of DNS",
                        shifted.join(", ")
                    )
                }
            };
            let effect = match &empty.outcome {
                ZoneOutcome::FailsOver => format!("DNS failover takes the ALB node in {zone} out of service and its clients move to the other nodes, with less capacity"),
                ZoneOutcome::Unavailable => format!("DNS failover is off, so clients sent to the ALB node in {zone} get 503 Service Unavailable"),
                ZoneOutcome::FailsOpen { healthy_only_in } => format!(
                    "{}, so every node fails open to its zone's unhealthy targets (see ALB206)",
                    none_left(healthy_only_in)
                ),
                ZoneOutcome::NoneLeft { healthy_only_in } => format!(
                    "{}: clients get 503 Service Unavailable",
                    none_left(healthy_only_in)
                ),
            };
            let registered = empty.registered;
            out.emit(
                RULE.finding(
                    &group.arn,
                    format!(
                        "Target group {} turns cross-zone load balancing off and has {} in {zone}: {effect}.",
                        group.name,
                        if registered == 0 { "no registered target".to_string() } else { format!("no healthy target of {registered}") }
                    ),
                    format!(
                        "Register healthy targets of {} in {zone}, or turn cross-zone load balancing on for it (load_balancing.cross_zone.enabled=true).",
                        group.name
                    ),
                )
                .judged(empty.judgement)
                .zone(zone)
                .change(vec![group.arn.clone()])
                .evidence("healthy_by_zone", zones.iter().map(|z| format!("{z}: {}", healthy_in(z))).collect::<Vec<_>>())
                .evidence("registered_in_zone", registered)
                .evidence("dns_failover", used.dns_failover()),
            );
        }
    }
}
