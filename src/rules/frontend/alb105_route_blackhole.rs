//! ALB105: the route that covers a client or a target is a blackhole.

use crate::analysis::backend::Component;
use crate::analysis::frontend::Hop;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::model::Dataset;
use crate::rules::phrase::{backend_component, frontend_hop};
use crate::rules::{Emitter, Rule, BACKEND_TARGETS};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB105",
    name: "route-blackhole",
    severity: Severity::Error,
    title: "The route that covers a client or target is a blackhole",
    symptom:
        "as the path: (intermittent-)timeout on the frontend, (intermittent-)http-504 to a target",
    resource: "route table id",
    needs: &[
        Dataset::Vpcs,
        Dataset::Subnets,
        Dataset::RouteTables,
        Dataset::PrefixLists,
    ],
    doc: r#"
## What it does
In each ALB subnet's route table, finds the routes that the return traffic to clients in scope
would take, and the routes to IP targets outside the VPC, and reports those in state
`blackhole`. For an internal ALB without `--client-cidr` it also reports blackholed routes
through a VPN/Direct Connect gateway, transit gateway or peering connection, since those exist
to carry clients from outside the VPC (a warning: who they carried is not known).

## Why is this bad?
A route becomes a blackhole when its target (NAT gateway, interface, transit gateway attachment,
peering connection, VPC endpoint) is deleted. Longest-prefix match still selects it, and the
traffic is dropped: the clients it covers time out at the nodes in that subnet.

## How to fix
Point the blackholed route at a live target in the route table named in the finding (deleting
it leaves the clients it served without a route). On an internal ALB's frontend, when another
ALB subnet routes the same clients through one gateway, the finding's `fix` replaces the route
with that gateway, verified on a copy of the snapshot.

## Example
`rtb-0dd` has `0.0.0.0/0 -> igw-1` and `198.51.100.0/24 -> nat-gone (blackhole)`: clients in
198.51.100.0/24 time out at the node in that subnet.

## References
- [Route tables: route states](https://docs.aws.amazon.com/vpc/latest/userguide/route-tables.html)
- [Troubleshoot your Application Load Balancers](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    frontend_hop(
        ctx,
        out,
        &RULE,
        Hop::Blackhole,
        |_| true,
        |b| b.parts[0].1.resource(),
    );
    // The backend half: the route from an ALB subnet to an IP target outside the VPC.
    let gaps = ctx.gap_reasons(&BACKEND_TARGETS);
    if !gaps.is_empty() {
        for reason in gaps {
            out.not_evaluated(reason);
        }
        return;
    }
    backend_component(ctx, out, &RULE, Component::Blackhole, |f| {
        f.broken[0].1.resource()
    });
}
