//! ALB208: a target group that a listener forwards to has no registered targets.

use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::rules::{Emitter, Rule, BACKEND_TARGETS};

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

A group that only weighted forwards of weight 0 point at receives no request: it is still
checked, as a note, so that the next weight change does not surprise anyone.

## Example
A blue/green switch moved the weight to the green group before its instances were registered
(error). Before the switch, with weight 0, the empty green group is a note.

## References
- [Register targets with your target group](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-register-targets.html)
- [Weighted forward actions](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html#forward-actions)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    for used in ctx.groups() {
        let Some(group) = used.group else {
            out.not_evaluated(format!("target group {} was not read", used.arn));
            continue;
        };
        if !group.targets.is_empty() {
            continue;
        }
        let (listener, forward) = used.forwards[0];
        let carries = used.carries_traffic();
        let message = if carries {
            format!(
                "Target group {} has no registered target, but listener {} forwards to it ({}): those requests get 503 Service Unavailable.",
                group.name, listener.port, forward.via
            )
        } else {
            format!(
                "Target group {} has no registered target; listener {} forwards to it with weight 0 ({}), so no request reaches it today, but raising the weight would return 503.",
                group.name, listener.port, forward.via
            )
        };
        let finding = RULE
            .finding(
                &group.arn,
                message,
                format!(
                    "Register targets in {} or stop forwarding to it.",
                    group.name
                ),
            )
            .port(listener.port)
            .judged(used.empty())
            .change(vec![group.arn.clone()])
            .evidence("listener", listener.arn.as_str())
            .evidence("via", forward.via.as_str());
        out.emit(finding);
    }
}
