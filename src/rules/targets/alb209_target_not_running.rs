//! ALB209: an instance target is not running.

use crate::analysis::targets::TargetVerdict;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::model::TargetType;
use crate::rules::{Emitter, Rule, BACKEND_INSTANCES};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB209",
    name: "target-not-running",
    severity: Severity::Error,
    title: "An instance target is not running",
    symptom: "http-502; null when healthy targets take its requests",
    resource: "instance id",
    needs: &BACKEND_INSTANCES,
    doc: r#"
## What it does
Checks the state of every instance registered in a forwarded target group. `running` and
`pending` pass; `stopping`, `stopped`, `shutting-down` and `terminated` fire.

## Why is this bad?
A stopped instance stays registered (health `unused`, `Target.InvalidState`). While the ALB still
has it in rotation, for example right after it stopped, requests to it fail with 502.

While the group still has a healthy target the ALB sends the requests there: the stopped
instance only costs capacity (a warning, no symptom).

## How to fix
Start the instance, or deregister it (and fix whatever stops it: scheduled stop, Auto Scaling
lifecycle, a failed status check).

## Example
`i-0b2` was stopped for patching and never started again.

## References
- [Target health: Target.InvalidState](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html#target-health-reason-codes)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    for used in ctx.groups() {
        let Some(group) = used.group.filter(|g| g.target_type == TargetType::Instance) else {
            continue;
        };
        for (t, zone) in used.targets() {
            let Some(instance) = ctx.network().instances.get(&t.id) else {
                out.not_evaluated(format!("instance {} was not found", t.id));
                continue;
            };
            if matches!(instance.state.as_str(), "running" | "pending") {
                continue;
            }
            let TargetVerdict { judgement, spare } = used.not_running(zone);
            let mut finding = RULE
                .finding(
                    &instance.id,
                    if spare {
                        format!(
                            "Instance {} of {} is {}: the ALB sends its share to the healthy targets, with less capacity.",
                            instance.id, group.name, instance.state
                        )
                    } else {
                        format!(
                            "Instance {} of {} is {} and no healthy target is left: requests sent to it fail with 502 Bad Gateway.",
                            instance.id, group.name, instance.state
                        )
                    },
                    format!("Start {} or deregister it from {}.", instance.id, group.name),
                )
                .judged(judgement)
                .target(&instance.id)
                .change(vec![instance.id.clone()])
                .cause_key(format!("{} {}", group.arn, instance.state))
                .evidence("target_group", group.arn.as_str())
                .evidence("state", instance.state.as_str());
            if let Some(p) = t.port.or(group.port) {
                finding = finding.port(p);
            }
            out.emit(finding);
        }
    }
}
