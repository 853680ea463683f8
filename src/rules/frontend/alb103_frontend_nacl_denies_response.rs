//! ALB103: an ALB subnet's network ACL drops the response to the client's ephemeral ports.

use super::Rule;
use crate::eval::{brief, cidr_list, AlbContext, Emitter};
use crate::finding::Severity;
use crate::model::Dataset;
use crate::net::port_set::{fmt_ports, PortSet};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB103",
    name: "frontend-nacl-denies-response",
    severity: Severity::Error,
    title: "An ALB subnet's network ACL drops responses to the client's ephemeral ports",
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
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    if !ctx.clients_known(out) {
        return;
    }
    let fe = ctx.frontend();
    let mut broken = Vec::new();
    for (i, node) in fe.nodes.iter().enumerate() {
        let acl = match node.acl {
            Ok(acl) => acl,
            Err(ref why) => {
                out.not_evaluated(why.clone());
                continue;
            }
        };
        let blocked = node.acl_out.denied.intersection(&ctx.scope.clients);
        if let Some(severity) = ctx.scope.judge(&blocked) {
            broken.push((i, node, acl, blocked, severity));
        }
    }
    let count = broken.len();
    for (i, node, acl, blocked, severity) in broken {
        let ports = node
            .acl_out
            .denials
            .values()
            .fold(PortSet::empty(), |acc, (_, p)| acc.union(p));
        out.emit(
            RULE.finding(
                &acl.id,
                format!(
                    "Network ACL {} of {} ({}) drops responses to {} on ephemeral ports {}: the handshake with the ALB node in {} never completes and clients time out ({}).",
                    acl.id, node.subnet_id, node.zone, brief(&blocked), fmt_ports(&ports), node.zone,
                    ctx.nodes_phrase(count)
                ),
                format!(
                    "Add an outbound entry to {} allowing TCP 1024-65535 to {}, numbered below the deny entries listed in the evidence.",
                    acl.id, brief(&blocked)
                ),
            )
            .severity(severity)
            .zone(node.zone)
            .symptom(fe.symptom(i, &blocked))
            .evidence("subnet", node.subnet_id)
            .evidence("network_acl", acl.id.as_str())
            .evidence("denied_by", node.acl_out.describe())
            .evidence("blocked", cidr_list(&blocked)),
        );
    }
}
