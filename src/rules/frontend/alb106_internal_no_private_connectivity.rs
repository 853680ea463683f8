//! ALB106: an internal ALB's subnet has no route through private connectivity.

use crate::analysis::frontend::Hop;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::fix::Fix;
use crate::model::{Dataset, Scheme};
use crate::net::render::{brief, cidr_list, entries_brief};
use crate::rules::fixes::private_routes;
use crate::rules::phrase::frontend_hop;
use crate::rules::{Emitter, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB106",
    name: "internal-no-private-connectivity",
    severity: Severity::Error,
    title:
        "Internal ALB subnet has no route through a VPN/Direct Connect gateway or transit gateway",
    symptom: "timeout, or intermittent-timeout when only some nodes are affected",
    resource: "subnet id",
    needs: &[
        Dataset::Vpcs,
        Dataset::Subnets,
        Dataset::RouteTables,
        Dataset::VpnGateways,
        Dataset::PrefixLists,
    ],
    doc: r#"
## What it does
For an internal ALB, checks how each ALB subnet routes traffic back to clients outside the VPC:
through an attached virtual private gateway (VPN / Direct Connect), a transit gateway or a
peering connection.

- With `--client-cidr`: every given address outside the VPC must be covered by such a route in
  every ALB subnet; the uncovered part is an error.
- Without: the destinations that any ALB subnet routes privately must be routed privately by
  every ALB subnet (error for the subnet that lacks them); when no subnet has any such route the
  ALB is reachable from inside the VPC only, reported once per subnet as a note.

## Why is this bad?
An internal ALB has private addresses only. On-premises or other-VPC clients reach the node in a
subnet only if that subnet's route table sends the reply back the way they came; a subnet that
lacks the route makes connections to its node time out, so clients see intermittent timeouts.

## How to fix
Add the missing route (for example `10.50.0.0/16 -> tgw-…` or enable route propagation from the
virtual private gateway) to the route table named in the evidence, or use the same route table
for every ALB subnet. Where another ALB subnet routes those clients through one gateway, the
finding's `fix` adds the same route (in a table of the subnet's own when its table is shared
beyond the ALB), verified on a copy of the snapshot; when no subnet routes them, which gateway
they come through is not known and no change is proposed.

## Example
Subnets A and B share a VPC; A's table routes `192.168.0.0/16 -> vgw-1`, B's has only `local`:
on-premises clients time out at the node in B. ALB106 fires for B only.

## References
- [Internal load balancers](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#load-balancer-scheme)
- [Route priority and propagated routes](https://docs.aws.amazon.com/vpc/latest/userguide/route-tables.html#route-tables-priority)
- [Transit gateway routing](https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    if ctx.lb.scheme != Scheme::Internal {
        return;
    }
    if ctx.scope.explicit {
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
    } else {
        compare_subnets(ctx, out);
    }
}

/// No clients named: the subnets' private coverage must agree.
fn compare_subnets(ctx: &AlbContext, out: &mut Emitter) {
    let fe = ctx.frontend();
    let gaps = match fe.private_gaps(ctx.network()) {
        Ok(gaps) => gaps,
        Err(why) => {
            out.not_evaluated(why);
            return;
        }
    };
    for gap in gaps {
        let node = &fe.nodes[gap.node];
        let table = gap.table;
        let finding = if gap.missing.is_empty() {
            RULE.finding(
                node.subnet_id,
                format!(
                    "No subnet of internal ALB {} routes through a VPN/Direct Connect gateway, transit gateway or peering connection: only clients inside {} can reach the node in {}.",
                    ctx.lb.name, ctx.lb.vpc_id, node.zone
                ),
                format!(
                    "If clients outside {} must connect, add routes to their networks through a VPN/Direct Connect gateway or transit gateway to {}; pass --client-cidr to check exact ranges.",
                    ctx.lb.vpc_id, table.id
                ),
            )
            .fix(Fix::none(
                "nothing to change if only clients inside the VPC should connect; name the clients with --client-cidr to get the change for them",
            ))
        } else {
            let missing = &gap.missing;
            RULE.finding(
                node.subnet_id,
                format!(
                    "{} ({}) does not route {} through private connectivity, although other subnets of the ALB do: clients there time out at the ALB node in {} ({} of {} nodes).",
                    node.subnet_id, node.zone, brief(missing), node.zone, gap.lacking, ctx.node_count()
                ),
                format!(
                    "In {}, add the routes for {} that the other ALB subnets have (through the same VPN/Direct Connect gateway, transit gateway or peering connection), or associate the subnet with their route table.",
                    table.id, entries_brief(missing)
                ),
            )
            .evidence("blocked", cidr_list(missing))
            .fix(private_routes(ctx, gap.node, table, &missing.to_cidrs()))
        };
        out.emit(
            finding
                .judged(gap.judgement)
                .zone(node.zone)
                .change(vec![table.id.clone()])
                .evidence("subnet", node.subnet_id)
                .evidence("route_table", table.id.as_str()),
        );
    }
}
