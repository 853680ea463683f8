//! ALB209: an instance target is not running.

use super::{Rule, BACKEND_INSTANCES};
use crate::eval::backend::Placement;
use crate::eval::{AlbContext, Emitter};
use crate::finding::{Severity, Symptom};
use crate::model::TargetType;

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB209",
    name: "target-not-running",
    severity: Severity::Error,
    title: "An instance target is not running",
    symptom: "http-502",
    resource: "instance id",
    needs: &BACKEND_INSTANCES,
    doc: r#"
## What it does
Checks the state of every instance registered in a forwarded target group. `running` and
`pending` pass; `stopping`, `stopped`, `shutting-down` and `terminated` fire.

## Why is this bad?
A stopped instance stays registered (health `unused`, `Target.InvalidState`). While the ALB still
has it in rotation, for example right after it stopped, requests to it fail with 502.

## How to fix
Start the instance, or deregister it (and fix whatever stops it: scheduled stop, Auto Scaling
lifecycle, a failed status check).

## Example
`i-0b2` was stopped for patching and never started again.
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    for t in &ctx.backend().targets {
        if t.group.target_type != TargetType::Instance {
            continue;
        }
        let instance = match &t.placement {
            Placement::InVpc {
                instance: Some(i), ..
            } => *i,
            _ => {
                out.not_evaluated(format!("instance {} was not found", t.target.id));
                continue;
            }
        };
        if matches!(instance.state.as_str(), "running" | "pending") {
            continue;
        }
        out.emit(
            RULE.finding(
                &instance.id,
                format!(
                    "Instance {} of {} is {}: requests sent to it fail with 502 Bad Gateway until it is taken out of rotation.",
                    instance.id, t.group.name, instance.state
                ),
                format!("Start {} or deregister it from {}.", instance.id, t.group.name),
            )
            .target(&instance.id)
            .port(t.ports[0].0)
            .symptom(Symptom::Http502)
            .evidence("target_group", t.group.arn.as_str())
            .evidence("state", instance.state.as_str()),
        );
    }
}
