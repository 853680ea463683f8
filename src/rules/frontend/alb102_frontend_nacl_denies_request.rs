//! ALB102: an ALB subnet's network ACL drops the client's request inbound.

use super::Rule;
use crate::eval::{brief, cidr_list, AlbContext, Emitter};
use crate::finding::Severity;
use crate::model::Dataset;

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB102",
    name: "frontend-nacl-denies-request",
    severity: Severity::Error,
    title: "An ALB subnet's network ACL drops client requests to a listener port",
    symptom: "timeout, or intermittent-timeout when only some nodes are affected",
    resource: "network ACL id",
    needs: &[Dataset::Listeners, Dataset::NetworkAcls, Dataset::Vpcs],
    doc: r#"
## What it does
For each ALB subnet and listener port, evaluates the subnet's network ACL inbound entries in
rule-number order (first match wins, the final `*` entry denies) for TCP from every client in
scope to the listener port, with exact address-range arithmetic.

## Why is this bad?
Network ACLs are stateless and apply per subnet. A client routed by DNS to the node in a subnet
whose ACL drops the request times out; clients sent to other nodes get through, so the failure
looks intermittent unless every subnet drops it.

## How to fix
Add an inbound allow entry for TCP on the listener port from the clients' range, numbered below
any deny entry that matches them, to the ACL named in the finding.

## Example
`acl-0b` inbound: `100 deny 0.0.0.0/0 all`, `200 allow 0.0.0.0/0 tcp 443`: rule 100 matches
first and drops every HTTPS request to the node in that subnet.
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    if !ctx.clients_known(out) {
        return;
    }
    let fe = ctx.frontend();
    for &port in &fe.ports {
        let mut broken = Vec::new();
        for (i, node) in fe.nodes.iter().enumerate() {
            let acl = match node.acl {
                Ok(acl) => acl,
                Err(ref why) => {
                    out.not_evaluated(why.clone());
                    continue;
                }
            };
            let Some(verdict) = node.acl_in.get(&port) else {
                continue;
            };
            let blocked = verdict.denied.intersection(&ctx.scope.clients);
            if let Some(severity) = ctx.scope.judge(&blocked) {
                broken.push((i, node, acl, verdict, blocked, severity));
            }
        }
        let count = broken.len();
        for (i, node, acl, verdict, blocked, severity) in broken {
            out.emit(
                RULE.finding(
                    &acl.id,
                    format!(
                        "Network ACL {} of {} ({}) drops TCP {port} from {}: connections to the ALB node in {} time out ({}).",
                        acl.id, node.subnet_id, node.zone, brief(&blocked), node.zone,
                        ctx.nodes_phrase(count)
                    ),
                    format!(
                        "Add an inbound entry to {} allowing TCP {port} from {}, numbered below the deny entries listed in the evidence.",
                        acl.id, brief(&blocked)
                    ),
                )
                .severity(severity)
                .zone(node.zone)
                .port(port)
                .symptom(fe.symptom(i, &blocked))
                .evidence("subnet", node.subnet_id)
                .evidence("network_acl", acl.id.as_str())
                .evidence("denied_by", verdict.describe())
                .evidence("blocked", cidr_list(&blocked)),
            );
        }
    }
}
