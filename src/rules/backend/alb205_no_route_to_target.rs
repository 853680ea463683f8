//! ALB205: an IP target outside the VPC is not covered by a route from an ALB subnet.

use crate::analysis::backend::Component;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::model::Dataset;
use crate::rules::phrase::backend_component;
use crate::rules::{Emitter, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB205",
    name: "no-route-to-target",
    severity: Severity::Error,
    title: "No route from an ALB subnet to an IP target outside the VPC",
    symptom: "http-504 (intermittent-http-504 when only some nodes are affected)",
    resource: "route table id",
    needs: &[
        Dataset::Listeners,
        Dataset::ListenerRules,
        Dataset::TargetGroups,
        Dataset::TargetHealth,
        Dataset::TargetGroupAttributes,
        Dataset::Vpcs,
        Dataset::Subnets,
        Dataset::RouteTables,
        Dataset::VpnGateways,
        Dataset::PrefixLists,
    ],
    doc: r#"
## What it does
For IP targets outside the ALB's VPC (on-premises servers, peered VPCs), looks up the route to the
target's address in each ALB subnet's route table (longest prefix) and checks that it leads to a
virtual private gateway attached to the VPC (VPN / Direct Connect), a transit gateway or a peering
connection.

## Why is this bad?
The ALB node sends to the target through its own subnet's route table. Without a route (or with
one to an internet or NAT gateway) the connection never arrives: 504 from that node.

## How to fix
Add a route for the target's network through the VPN gateway, transit gateway or peering
connection to the route table named in the finding (or enable route propagation).

## Example
Target `192.168.10.5` (on-premises) and subnet B's table has only `local` and `0.0.0.0/0 -> igw`:
requests through the node in B end in 504.

## References
- [IP addresses as targets](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#target-type)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    backend_component(ctx, out, &RULE, Component::Route, |f| {
        f.broken[0].1.resource()
    });
}
