//! ALB208: a target group that a listener forwards to has no registered targets.

use super::{Rule, BACKEND_TARGETS};
use crate::eval::{AlbContext, Emitter};
use crate::finding::{Severity, Symptom};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB208",
    name: "no-registered-targets",
    severity: Severity::Error,
    title: "A forwarded target group has no registered targets",
    symptom: "http-503",
    resource: "target group ARN",
    needs: &BACKEND_TARGETS,
    doc: r#"
## What it does
Checks that every target group a listener's default action, a listener rule or a weighted
forward sends to has at least one registered target.

## Why is this bad?
With nothing to forward to, the ALB answers 503 Service Unavailable to every request that the
action receives (for a weighted forward, to that share of requests).

## How to fix
Register targets (or attach the Auto Scaling group), or stop forwarding to the empty group.

## Example
A blue/green switch moved the weight to the green group before its instances were registered.
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    let mut seen = std::collections::BTreeSet::new();
    for listener in &ctx.lb.listeners {
        for forward in &listener.forwards {
            if !seen.insert(&forward.target_group_arn) {
                continue;
            }
            let Some(group) = ctx.snapshot.target_groups.get(&forward.target_group_arn) else {
                out.not_evaluated(format!(
                    "target group {} was not read",
                    forward.target_group_arn
                ));
                continue;
            };
            if !group.targets.is_empty() {
                continue;
            }
            out.emit(
                RULE.finding(
                    &group.arn,
                    format!(
                        "Target group {} has no registered target, but listener {} forwards to it ({}): those requests get 503 Service Unavailable.",
                        group.name, listener.port, forward.via
                    ),
                    format!("Register targets in {} or stop forwarding to it.", group.name),
                )
                .port(listener.port)
                .symptom(Symptom::Http503)
                .evidence("listener", listener.arn.as_str())
                .evidence("via", forward.via.as_str()),
            );
        }
    }
}
