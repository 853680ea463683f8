//! ALB103: an ALB subnet's network ACL drops the response to the client's ephemeral port.

use crate::analysis::frontend::Hop;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::model::Dataset;
use crate::rules::phrase::frontend_hop;
use crate::rules::{Emitter, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB103",
    name: "frontend-nacl-denies-response",
    severity: Severity::Error,
    title: "An ALB subnet's network ACL drops responses to clients",
    symptom: "timeout, or intermittent-timeout when only some nodes are affected",
    resource: "network ACL id",
    needs: &[Dataset::Listeners, Dataset::NetworkAcls, Dataset::Vpcs],
    doc: r#"
## What it does
For each ALB subnet, evaluates the subnet's network ACL outbound entries for TCP to every client
in scope on every ephemeral port 1024-65535 (first match wins, final `*` deny). A client is
affected when any of those ports is dropped.

## Why is this bad?
Network ACLs are stateless: the inbound rule that lets the request in does nothing for the reply.
The ALB node's SYN-ACK goes to the client's ephemeral port; if the outbound entries drop it, the
handshake never completes and the client times out. Clients pick ephemeral ports from different
ranges (Linux 32768-60999, Windows 49152-65535, NAT devices 1024-65535), so a rule that covers
only part of the range breaks some clients and not others.

## How to fix
Add an outbound allow entry for TCP 1024-65535 to the clients' range to the ACL named in the
finding, numbered below any deny entry that matches them.

## Example
`acl-0b` outbound: only `100 allow 0.0.0.0/0 tcp 443`. Requests arrive, responses to port
51234 hit the final `*` deny: every connection to that node times out.

## References
- [Network ACLs: ephemeral ports](https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html)
- [Network ACLs for your Application Load Balancer](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#alb-network-acls)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    frontend_hop(
        ctx,
        out,
        &RULE,
        Hop::AclResponse,
        |_| true,
        |b| b.parts[0].1.resource(),
    );
}
