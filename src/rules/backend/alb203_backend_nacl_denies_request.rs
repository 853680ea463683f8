//! ALB203: a network ACL drops the ALB's request to a target.

use crate::analysis::backend::Component;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::rules::phrase::backend_component;
use crate::rules::{Emitter, Rule, BACKEND_NETWORK_ACLS};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB203",
    name: "backend-nacl-denies-request",
    severity: Severity::Error,
    title: "A network ACL drops the ALB's requests to a target",
    symptom: "http-504 (intermittent-http-504 when only some nodes are affected)",
    resource: "network ACL id",
    needs: &BACKEND_NETWORK_ACLS,
    doc: r#"
## What it does
For every ALB node and target in different subnets, evaluates the ALB subnet's ACL outbound
(node -> target port) and the target subnet's ACL inbound (node address -> target port), in
rule-number order with the final `*` deny. Not applied when node and target share a subnet
(ACLs filter traffic crossing a subnet boundary only).

When a route more specific than `local` sends the request or the response through an appliance
(a Gateway Load Balancer or firewall endpoint, an interface, an instance), only the ALB
subnet's ACL is judged; the target subnet's lies beyond it and is not evaluated.

## Why is this bad?
The dropped SYN makes the ALB's connection attempt time out: 504 Gateway Timeout for requests
through that node; health checks from it fail.

## How to fix
Allow TCP on the target port in the ACL named in the finding: outbound to the targets' subnets
in the ALB subnets' ACL, inbound from the ALB subnets in the targets' ACL.

## Example
The app subnets' ACL allows inbound 8080 only from 10.0.1.0/24: the node in 10.0.2.0/24 gets
no answer.

## References
- [Network ACLs for your Application Load Balancer](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#alb-network-acls)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    backend_component(ctx, out, &RULE, Component::AclRequest, |f| {
        f.broken[0].1.resource()
    });
}
