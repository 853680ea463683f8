//! ALB201: no ALB security group allows outbound traffic to a target.

use crate::analysis::backend::Component;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::rules::phrase::backend_component;
use crate::rules::{Emitter, Rule, BACKEND_SECURITY_GROUPS};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB201",
    name: "backend-sg-egress-denies-target",
    severity: Severity::Error,
    title: "No ALB security group allows outbound traffic to a target",
    symptom: "http-504 (intermittent-http-504 when only some nodes are affected)",
    resource: "target group ARN",
    needs: &BACKEND_SECURITY_GROUPS,
    doc: r#"
## What it does
For every target of every target group a listener forwards to, on the traffic port and on the
health-check port, checks that the outbound rules of the ALB node's security groups allow TCP to
the target's address (by CIDR, prefix list, or a security group the target belongs to).

## Why is this bad?
The ALB opens a second TCP connection to the target. Security groups filter outbound traffic
too; if no outbound rule covers the target, the ALB's SYN never leaves, the connection attempt
times out and the client gets 504 Gateway Timeout. On the health-check port, every health check
fails and the target is reported unhealthy.

## How to fix
Add an outbound rule to the ALB's security group allowing TCP on the target port to the targets'
security group (preferred) or their subnet CIDRs.

## Example
An ALB group whose default "all traffic to 0.0.0.0/0" egress rule was removed and replaced with
`tcp 443 to 0.0.0.0/0` for an HTTPS callback: targets on 8080 become unreachable.

## References
- [Security groups for your Application Load Balancer: recommended rules](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-update-security-groups.html)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    backend_component(ctx, out, &RULE, Component::AlbEgress, |f| {
        f.target.group.arn.clone()
    });
}
