//! ALB110: requests and responses take different ways through inspection.

use super::INSPECTION;
use crate::analysis::frontend::Hop;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::rules::phrase::frontend_hop;
use crate::rules::{Emitter, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB110",
    name: "inspection-return-path-asymmetric",
    severity: Severity::Error,
    title:
        "Requests reach the ALB subnet through an inspection endpoint, responses leave another way",
    symptom: "timeout, or intermittent-timeout when only some nodes are affected",
    resource: "route table id",
    needs: &INSPECTION,
    doc: r#"
## What it does
Follows each client's connection to each ALB node through inspection. The route table associated
with the internet gateway (its *edge association*; for an internal ALB, the virtual private
gateway's) decides where requests for the ALB subnet go first: a route to a Gateway Load
Balancer or Network Firewall endpoint (`vpce-…`) or an appliance's interface puts the appliance
in front of the subnet. The ALB subnet's route back to the client must then lead to that same
endpoint. ALB110 fires where it does not: requests enter through endpoint X and responses leave
straight to the internet gateway, through another zone's endpoint Y, or through an endpoint
although requests came straight in.

For an internal ALB whose clients come through a transit gateway, ALB110 also reports a VPC
attachment of that transit gateway whose VPC holds a Network Firewall and whose appliance mode
is off (a warning: whether the transit gateway's route tables send the ALB's traffic through
that VPC cannot be seen from the ALB's account and VPC alone).

## Why is this bad?
Stateful inspection (AWS Network Firewall's stateful engine, most third-party firewalls) keeps
a flow table per endpoint. An endpoint that sees only the request, or only the response,
drops the flow: every connection through that zone's node times out, the classic "timeouts in
one Availability Zone only" after inserting a firewall.

## How to fix
Make the ALB subnet's route for the clients (usually `0.0.0.0/0`) point to the endpoint that the
edge route table sends the subnet's requests to — the endpoint in the same zone — or, if that
subnet is not to be inspected, drop both the edge route and the endpoint route. For a transit
gateway, enable appliance mode on the inspection VPC's attachment. Where requests come through
an endpoint, the finding's `fix` points every route back it names to that endpoint, verified
on a copy of the snapshot; where they come straight from the gateway, either way changes what
is inspected, and no change is proposed.

## Example
The edge route table sends `10.0.2.0/24` (subnet B) to `vpce-0fwb`, but subnet B's table routes
`0.0.0.0/0 -> igw-0ee`: responses skip the firewall, which drops them. ALB110 fires for subnet
B's route table, `intermittent-timeout`.

## References
- [Gateway route tables (ingress routing)](https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html)
- [Network Firewall: simple single zone and multi-zone architectures with an internet gateway](https://docs.aws.amazon.com/network-firewall/latest/developerguide/arch-igw-ngw.html)
- [Transit gateway appliance mode](https://docs.aws.amazon.com/vpc/latest/tgw/transit-gateway-appliance-scenario.html)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    frontend_hop(
        ctx,
        out,
        &RULE,
        Hop::Inspection,
        |_| true,
        |b| b.parts[0].1.resource(),
    );
}
