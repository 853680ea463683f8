//! ALB105: the route that covers a client is a blackhole.

use super::{emit_path, Rule, BACKEND_TARGETS};
use crate::eval::backend::Component;
use crate::eval::{brief, cidr_list, AlbContext, Emitter};
use crate::finding::{Severity, Symptom};
use crate::model::{Dataset, RouteState, Scheme};
use crate::net::addr_set::AddrSet;
use crate::net::route::{describe, target_kind, TargetKind};

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB105",
    name: "route-blackhole",
    severity: Severity::Error,
    title: "The route that covers a client is a blackhole",
    symptom: "as the path: (intermittent-)timeout on the frontend",
    resource: "route table id",
    needs: &[Dataset::Subnets, Dataset::RouteTables, Dataset::PrefixLists],
    doc: r#"
## What it does
In each ALB subnet's route table, finds the routes that the return traffic to clients in scope
would take, and the routes to IP targets outside the VPC, and reports those in state `blackhole`. For an internal ALB without `--client-cidr`
it also reports blackholed routes through a VPN/Direct Connect gateway, transit gateway or
peering connection, since those exist to carry clients from outside the VPC.

## Why is this bad?
A route becomes a blackhole when its target (NAT gateway, interface, transit gateway attachment,
peering connection) is deleted. Longest-prefix match still selects it, and the traffic is
dropped: the clients it covers time out at the nodes in that subnet.

## How to fix
Delete the blackholed route or point it at a live target in the route table named in the
finding.

## Example
`rtb-0dd` has `0.0.0.0/0 -> igw-1` and `198.51.100.0/24 -> nat-gone (blackhole)`: clients in
198.51.100.0/24 time out at the node in that subnet.
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    backend(ctx, out);
    if !ctx.clients_known(out) {
        return;
    }
    let fe = ctx.frontend();
    for (i, node) in fe.nodes.iter().enumerate() {
        let table = match node.table {
            Ok(t) => t,
            Err(ref why) => {
                out.not_evaluated(why.clone());
                continue;
            }
        };
        for (addrs, route) in &node.blackholed {
            let blocked = addrs.intersection(&ctx.scope.clients);
            let Some(severity) = ctx.scope.judge(&blocked) else {
                continue;
            };
            out.emit(
                RULE.finding(
                    &table.id,
                    format!(
                        "{} of {} ({}) sends {} to a blackhole: connections from these clients to the ALB node in {} time out.",
                        describe(route), table.id, node.zone, brief(&blocked), node.zone
                    ),
                    format!("Delete the route {} from {} or point it at a live target.", describe(route), table.id),
                )
                .severity(severity.max(Severity::Warning))
                .zone(node.zone)
                .symptom(fe.symptom(i, &blocked))
                .evidence("subnet", node.subnet_id)
                .evidence("route_table", table.id.as_str())
                .evidence("route", describe(route))
                .evidence("blocked", cidr_list(&blocked)),
            );
        }
        if ctx.lb.scheme == Scheme::Internal && !ctx.scope.explicit {
            for route in table.routes.iter().filter(|r| {
                r.state == RouteState::Blackhole
                    && matches!(
                        target_kind(&r.target),
                        TargetKind::VpnGateway
                            | TargetKind::TransitGateway
                            | TargetKind::PeeringConnection
                    )
            }) {
                let dest = route
                    .destination
                    .map(|n| AddrSet::from_net(&n))
                    .unwrap_or_default();
                out.emit(
                    RULE.finding(
                        &table.id,
                        format!(
                            "{} of {} ({}) is a blackhole: clients outside the VPC that it was meant to carry time out at the ALB node in {}.",
                            describe(route), table.id, node.zone, node.zone
                        ),
                        format!("Delete the route {} from {} or point it at a live attachment.", describe(route), table.id),
                    )
                    .severity(Severity::Warning)
                    .zone(node.zone)
                    .symptom(if fe.nodes.len() > 1 { Symptom::IntermittentTimeout } else { Symptom::Timeout })
                    .evidence("subnet", node.subnet_id)
                    .evidence("route_table", table.id.as_str())
                    .evidence("route", describe(route))
                    .evidence("blocked", cidr_list(&dest)),
                );
            }
        }
    }
}

/// The backend half: the route from an ALB subnet to an IP target outside the VPC.
fn backend(ctx: &AlbContext, out: &mut Emitter) {
    let gaps = ctx.gap_reasons(&BACKEND_TARGETS);
    if !gaps.is_empty() {
        for reason in gaps {
            out.not_evaluated(reason);
        }
        return;
    }
    emit_path(ctx, out, &RULE, Component::Blackhole, |f| {
        format!(
            "Replace the blackholed route to {} in {} with one through a live VPN gateway, transit gateway or peering connection.",
            f.target.target.id, f.resource
        )
    });
}
