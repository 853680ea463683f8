//! ALB104: an internet-facing ALB's subnet has no route to an attached internet gateway.

use crate::analysis::frontend::Hop;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::model::{Dataset, Scheme};
use crate::rules::phrase::frontend_hop;
use crate::rules::{Emitter, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB104",
    name: "public-subnet-no-igw-route",
    severity: Severity::Error,
    title: "ALB subnet has no route to an internet gateway",
    symptom: "timeout, or intermittent-timeout when only some nodes are affected",
    resource: "subnet id",
    needs: &[
        Dataset::Vpcs,
        Dataset::Subnets,
        Dataset::RouteTables,
        Dataset::InternetGateways,
        Dataset::PrefixLists,
    ],
    doc: r#"
## What it does
For an internet-facing ALB, looks up the route back to every client in scope in the route table
of each ALB subnet (its explicit association, else the VPC's main table; longest prefix first,
then AWS's route priority: static over prefix-list over propagated routes) and checks that it
leads to an internet gateway attached to the ALB's VPC. An egress-only internet gateway admits
no inbound connection and a NAT gateway only lets connections out: neither serves clients.
Routes to gateway endpoints (S3, DynamoDB) cover service addresses, never clients, and are not
findings.

## Why is this bad?
Each enabled subnet holds one ALB node, and DNS hands out every node's public address. A node in
a subnet whose default route goes to a NAT gateway, a transit gateway, or nowhere cannot answer
internet clients: connections to that node time out while the other nodes work, which is the
classic "intermittent timeout" of an ALB with one private subnet.

## How to fix
Point the subnet's `0.0.0.0/0` (and `::/0` for dualstack) route at the VPC's internet gateway,
or enable a public subnet in that Availability Zone instead.

## Example
Subnet B routes `0.0.0.0/0 -> nat-0cc`: one connection in two times out. ALB104 fires for
subnet B only, with symptom `intermittent-timeout`. A dualstack ALB whose subnet B routes
`::/0 -> eigw-…` cuts the IPv6 internet off node B: an error too.

## References
- [Troubleshoot your Application Load Balancers: a public ALB with a private subnet](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html)
- [Route priority](https://docs.aws.amazon.com/vpc/latest/userguide/route-tables.html#route-tables-priority)
- [Egress-only internet gateways](https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    if ctx.lb.scheme != Scheme::InternetFacing {
        return;
    }
    frontend_hop(
        ctx,
        out,
        &RULE,
        Hop::Route,
        |_| true,
        |b| {
            b.node
                .map(|i| ctx.frontend().nodes[i].subnet_id.to_string())
                .unwrap_or_default()
        },
    );
}
