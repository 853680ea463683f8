//! ALB102: an ALB subnet's network ACL drops the client's request inbound.

use crate::analysis::frontend::Hop;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::model::Dataset;
use crate::rules::phrase::frontend_hop;
use crate::rules::{Emitter, Rule};

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
looks intermittent unless every subnet drops it on that port.

## How to fix
Add an inbound allow entry for TCP on the listener port from the clients' range, numbered below
any deny entry that matches them, to the ACL named in the finding.

## Example
`acl-0b` inbound: `100 deny 0.0.0.0/0 all`, `200 allow 0.0.0.0/0 tcp 443`: rule 100 matches
first and drops every HTTPS request to the node in that subnet.

## References
- [Control subnet traffic with network access control lists](https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html)
- [Network ACLs for your Application Load Balancer](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#alb-network-acls)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    frontend_hop(
        ctx,
        out,
        &RULE,
        Hop::AclRequest,
        |_| true,
        |b| b.parts[0].1.resource(),
    );
}
