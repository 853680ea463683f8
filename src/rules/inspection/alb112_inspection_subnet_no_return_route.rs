//! ALB112: an inspection endpoint's subnet does not route the client back.

use super::INSPECTION;
use crate::analysis::frontend::Hop;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::rules::phrase::frontend_hop;
use crate::rules::{Emitter, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB112",
    name: "inspection-subnet-no-return-route",
    severity: Severity::Error,
    title: "An inspection endpoint's subnet has no route back to the client's gateway",
    symptom: "timeout, or intermittent-timeout when only some nodes are affected",
    resource: "route table id",
    needs: &INSPECTION,
    doc: r#"
## What it does
Where requests and responses go through the same endpoint (no ALB110), follows the responses
one hop further: the endpoint hands them back to the VPC in its own subnet, whose route table
must send each client to the gateway the client came through — the internet gateway for an
internet-facing ALB, the VPN/Direct Connect gateway, transit gateway or peering connection for
an internal one. The firewall subnet's `local` route alone, a NAT gateway or a blackhole does
not.

## Why is this bad?
The appliance inspects the response and forwards it, and the firewall subnet's table has nowhere
to send it: every connection through that endpoint times out. It happens when the firewall
subnets' route table is shared with the ALB subnets (and so points `0.0.0.0/0` back at the
endpoint) or was created without a default route.

## How to fix
Give the firewall subnet its own route table with `0.0.0.0/0` (and `::/0`) to the internet
gateway. When the subnet already has a table of its own, the finding's `fix` adds the route
there, verified on a copy of the snapshot; a table it shares is left alone.

## Example
`vpce-0fwa` sits in `subnet-0fa`, whose table has only `10.0.0.0/16 local`: responses from node A
stop at the firewall subnet. ALB112 fires for that route table.

## References
- [Network Firewall: route table configurations](https://docs.aws.amazon.com/network-firewall/latest/developerguide/route-tables.html)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    frontend_hop(
        ctx,
        out,
        &RULE,
        Hop::InspectionReturn,
        |_| true,
        |b| b.parts[0].1.resource(),
    );
}
