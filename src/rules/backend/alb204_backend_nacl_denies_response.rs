//! ALB204: a network ACL drops the target's response to the ALB.

use super::{emit_path, Rule, BACKEND_NETWORK_ACLS};
use crate::eval::backend::Component;
use crate::eval::{AlbContext, Emitter};
use crate::finding::Severity;

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

## Why is this bad?
Network ACLs are stateless. The target's SYN-ACK goes back to the ALB node's ephemeral source
port; if either ACL drops it, the handshake never completes and the client gets 504.

## How to fix
Allow TCP 1024-65535 outbound to the ALB subnets in the targets' ACL and inbound from the
targets' subnets in the ALB subnets' ACL.

## Example
The app subnets' ACL allows outbound only 443 to 0.0.0.0/0 (for package downloads): every
response to the ALB is dropped.
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    emit_path(ctx, out, &RULE, Component::AclResponse, |f| {
        format!(
            "In {}, allow TCP 1024-65535 for responses between the subnet of {} and the ALB subnets, numbered below the deny entry named in the evidence.",
            f.resource, f.target.target.id
        )
    });
}
