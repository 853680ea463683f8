//! ALB201: no ALB security group allows outbound traffic to a target.

use super::{emit_path, Rule, BACKEND_SECURITY_GROUPS};
use crate::eval::backend::Component;
use crate::eval::{AlbContext, Emitter};
use crate::finding::Severity;

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
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    emit_path(ctx, out, &RULE, Component::AlbEgress, |f| {
        format!(
            "Allow outbound TCP {} from the ALB's security groups to the security group of {} (or its address).",
            f.port, f.target.target.id
        )
    });
}
