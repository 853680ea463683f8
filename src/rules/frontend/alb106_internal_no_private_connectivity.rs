//! ALB106: an internal ALB's subnet has no route through private connectivity.

use super::Rule;
use crate::eval::{brief, cidr_list, AlbContext, Emitter};
use crate::finding::{Severity, Symptom};
use crate::model::{Dataset, IpAddressType, RouteState, Scheme};
use crate::net::addr_set::AddrSet;
use crate::net::route::{describe, lookup, target_kind, TargetKind};

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
for every ALB subnet.

## Example
Subnets A and B share a VPC; A's table routes `192.168.0.0/16 -> vgw-1`, B's has only `local`:
on-premises clients time out at the node in B. ALB106 fires for B only.
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    if ctx.lb.scheme != Scheme::Internal {
        return;
    }
    if ctx.scope.explicit {
        explicit(ctx, out)
    } else {
        default(ctx, out)
    }
}

/// `--client-cidr`: the named clients outside the VPC must be routed privately.
fn explicit(ctx: &AlbContext, out: &mut Emitter) {
    if !ctx.clients_known(out) {
        return;
    }
    let fe = ctx.frontend();
    let mut broken = Vec::new();
    for (i, node) in fe.nodes.iter().enumerate() {
        let table = match node.table {
            Ok(t) => t,
            Err(ref why) => {
                out.not_evaluated(why.clone());
                continue;
            }
        };
        let blocked = node.unrouted_set().intersection(&ctx.scope.clients);
        if !blocked.is_empty() {
            broken.push((i, node, table, blocked));
        }
    }
    let count = broken.len();
    for (i, node, table, blocked) in broken {
        let routes: Vec<String> = node
            .unrouted
            .iter()
            .map(|(a, r, why)| match r {
                Some(r) => format!("{} ({}): {why}", describe(r), brief(a)),
                None => format!("{}: {why}", brief(a)),
            })
            .collect();
        out.emit(
            RULE.finding(
                node.subnet_id,
                format!(
                    "{} ({}) has no route through a VPN/Direct Connect gateway, transit gateway or peering connection for {}: their connections to the ALB node in {} time out ({}).",
                    node.subnet_id, node.zone, brief(&blocked), node.zone, ctx.nodes_phrase(count)
                ),
                format!(
                    "Add a route for {} through the VPN/Direct Connect gateway, transit gateway or peering connection to {}.",
                    brief(&blocked), table.id
                ),
            )
            .zone(node.zone)
            .symptom(fe.symptom(i, &blocked))
            .evidence("route_table", table.id.as_str())
            .evidence("blocked", cidr_list(&blocked))
            .evidence("routes", routes),
        );
    }
}

/// No clients named: compare the subnets' private coverage with each other.
fn default(ctx: &AlbContext, out: &mut Emitter) {
    let network = ctx.network();
    let Some(vpc) = network.vpcs.get(&ctx.lb.vpc_id) else {
        out.not_evaluated(format!("{} was not read", ctx.lb.vpc_id));
        return;
    };
    let mut outside = AddrSet::any_v4();
    if ctx.lb.ip_address_type != IpAddressType::Ipv4 {
        outside = outside.union(&AddrSet::any_v6());
    }
    let outside = outside.difference(&AddrSet::from_nets(&vpc.cidrs));
    let mut coverage: Vec<(usize, &str, AddrSet)> = Vec::new();
    for (i, node) in ctx.frontend().nodes.iter().enumerate() {
        let table = match node.table {
            Ok(t) => t,
            Err(ref why) => {
                out.not_evaluated(why.clone());
                return;
            }
        };
        let hits = match lookup(table, &outside, &network.prefix_lists) {
            Ok(h) => h,
            Err(pl) => {
                out.not_evaluated(format!("the entries of prefix list {pl} are unknown"));
                return;
            }
        };
        let private = hits
            .iter()
            .filter(|h| {
                h.route.is_some_and(|r| {
                    r.state != RouteState::Blackhole
                        && match target_kind(&r.target) {
                            TargetKind::TransitGateway | TargetKind::PeeringConnection => true,
                            TargetKind::VpnGateway => network
                                .vpn_gateways
                                .get(&r.target)
                                .is_some_and(|g| g.attached_vpcs.contains(&ctx.lb.vpc_id)),
                            _ => false,
                        }
                })
            })
            .fold(AddrSet::empty(), |acc, h| acc.union(&h.addrs));
        coverage.push((i, table.id.as_str(), private));
    }
    let all = coverage
        .iter()
        .fold(AddrSet::empty(), |acc, (_, _, c)| acc.union(c));
    let fe = ctx.frontend();
    let lacking = coverage
        .iter()
        .filter(|(_, _, c)| !all.difference(c).is_empty())
        .count();
    for (i, table_id, covered) in &coverage {
        let node = &fe.nodes[*i];
        if all.is_empty() {
            out.emit(
                RULE.finding(
                    node.subnet_id,
                    format!(
                        "No subnet of internal ALB {} routes through a VPN/Direct Connect gateway, transit gateway or peering connection: only clients inside {} can reach the node in {}.",
                        ctx.lb.name, ctx.lb.vpc_id, node.zone
                    ),
                    format!(
                        "If clients outside {} must connect, add routes to their networks through a VPN/Direct Connect gateway or transit gateway to {}; pass --client-cidr to check exact ranges.",
                        ctx.lb.vpc_id, table_id
                    ),
                )
                .severity(Severity::Note)
                .zone(node.zone)
                .symptom(Symptom::Timeout)
                .evidence("route_table", *table_id),
            );
            continue;
        }
        let missing = all.difference(covered);
        if missing.is_empty() {
            continue;
        }
        out.emit(
            RULE.finding(
                node.subnet_id,
                format!(
                    "{} ({}) does not route {} through private connectivity, although other subnets of the ALB do: clients there time out at the ALB node in {} ({}).",
                    node.subnet_id, node.zone, brief(&missing), node.zone, ctx.nodes_phrase(lacking)
                ),
                format!(
                    "Add the routes for {} that the other ALB subnets have to {}, or associate the subnet with their route table.",
                    brief(&missing), table_id
                ),
            )
            .zone(node.zone)
            .symptom(Symptom::IntermittentTimeout)
            .evidence("route_table", *table_id)
            .evidence("blocked", cidr_list(&missing)),
        );
    }
}
