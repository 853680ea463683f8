//! ALB107: the ALB has no listener.

use crate::analysis::AlbContext;
use crate::finding::{Severity, Symptom};
use crate::model::Dataset;
use crate::rules::{Emitter, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB107",
    name: "no-listeners",
    severity: Severity::Error,
    title: "The ALB has no listener",
    symptom: "timeout",
    resource: "ALB ARN",
    needs: &[Dataset::Listeners],
    doc: r#"
## What it does
Checks that the load balancer has at least one listener.

## Why is this bad?
Without a listener the ALB nodes accept no connection on any port: every client times out (or is
refused), whatever the security groups, ACLs and routes say.

## How to fix
Create a listener (for example HTTPS 443 with a default forward action to a target group).

## Example
An ALB created by a template whose listener resource failed: DNS resolves, nothing answers.

## References
- [Listeners for your Application Load Balancers](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    if ctx.lb.listeners.is_empty() {
        out.emit(
            RULE.finding(
                &ctx.lb.arn,
                format!(
                    "{} has no listener: every connection to it times out.",
                    ctx.lb.name
                ),
                format!(
                    "Create a listener on {} on the port your clients use, with a default action.",
                    ctx.lb.name
                ),
            )
            .symptom(Symptom::Timeout)
            .change(vec![ctx.lb.arn.clone()]),
        );
    }
}
