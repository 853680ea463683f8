//! ALB202: no security group of the target admits the ALB nodes.

use crate::analysis::backend::Component;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::rules::phrase::backend_component;
use crate::rules::{Emitter, Rule, BACKEND_SECURITY_GROUPS};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB202",
    name: "target-sg-denies-alb",
    severity: Severity::Error,
    title: "No security group of the target admits the ALB nodes",
    symptom: "http-504 (intermittent-http-504 when only some nodes are affected)",
    resource: "target id",
    needs: &BACKEND_SECURITY_GROUPS,
    doc: r#"
## What it does
For every target in the VPC, on the traffic port and the health-check port, checks that the
inbound rules of the target's security groups admit every ALB node: by a reference to a security
group the node belongs to (the ALB's groups), by CIDR or by prefix list covering the node's
private addresses (its network interface, or its subnet CIDR when the interface is unknown).

When a route more specific than `local` sends the request or the response through an appliance
(a Gateway Load Balancer or firewall endpoint, an interface, an instance), the target's groups
lie beyond it: not evaluated, since what the appliance does is unseen.

## Why is this bad?
A target whose group does not admit the ALB silently drops the ALB's connection attempts: the
client waits and gets 504 Gateway Timeout, and health checks on that port fail. A rule that
admits only one subnet's CIDR breaks the nodes in the other zones: intermittent 504s.

## How to fix
Add an inbound rule to the target's security group allowing TCP on the target port from the
ALB's security group (this admits every node, whatever its address).

## Example
`sg-app` admits `tcp 8080 from 10.0.1.0/24` (subnet A): the node in subnet B (10.0.2.0/24) is
refused, and one request in two ends in 504.

## References
- [Target security groups](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-register-targets.html#target-security-groups)
- [IP address type of a target group](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#target-group-ip-address-type)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    backend_component(ctx, out, &RULE, Component::TargetIngress, |f| {
        f.target.target.id.clone()
    });
}
