//! ALB204: a network ACL drops the target's response to the ALB.

use crate::analysis::backend::Component;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::rules::phrase::backend_component;
use crate::rules::{Emitter, Rule, BACKEND_NETWORK_ACLS};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB204",
    name: "backend-nacl-denies-response",
    severity: Severity::Error,
    title: "A network ACL drops the target's responses to the ALB",
    symptom: "http-504 (intermittent-http-504 when only some nodes are affected)",
    resource: "network ACL id",
    needs: &BACKEND_NETWORK_ACLS,
    doc: r#"
## What it does
For every ALB node and target in different subnets, evaluates the target subnet's ACL outbound
and the ALB subnet's ACL inbound for the response: TCP from the target to the node's ephemeral
ports 1024-65535.

When a route more specific than `local` sends the request or the response through an appliance
(a Gateway Load Balancer or firewall endpoint, an interface, an instance), only the ALB
subnet's ACL is judged; the target subnet's lies beyond it and is not evaluated.

## Why is this bad?
Network ACLs are stateless. The target's SYN-ACK goes back to the ALB node's ephemeral source
port; if either ACL drops it, the handshake never completes and the client gets 504.

## How to fix
Allow TCP 1024-65535 outbound to the ALB subnets in the targets' ACL and inbound from the
targets' subnets in the ALB subnets' ACL.

## Example
The app subnets' ACL allows outbound only 443 to 0.0.0.0/0 (for package downloads): every
response to the ALB is dropped.

## References
- [Network ACLs: ephemeral ports](https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    backend_component(ctx, out, &RULE, Component::AclResponse, |f| {
        f.broken[0].1.resource()
    });
}
