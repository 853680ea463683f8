//! ALB104: an internet-facing ALB's subnet has no route to an attached internet gateway.

use super::Rule;
use crate::eval::{brief, cidr_list, AlbContext, Emitter};
use crate::finding::Severity;
use crate::model::{Dataset, Scheme};
use crate::net::route::describe;

/// The rule.
pub static RULE: Rule = Rule {
    code: "ALB104",
    name: "public-subnet-no-igw-route",
    severity: Severity::Error,
    title: "ALB subnet has no route to an internet gateway",
    symptom: "timeout, or intermittent-timeout when only some nodes are affected",
    resource: "subnet id",
    needs: &[
        Dataset::Subnets,
        Dataset::RouteTables,
        Dataset::InternetGateways,
        Dataset::PrefixLists,
    ],
    doc: r#"
## What it does
For an internet-facing ALB, looks up the route back to every client in scope in the route table
of each ALB subnet (its explicit association, else the VPC's main table; longest prefix first)
and checks that it leads to an internet gateway attached to the ALB's VPC (or stays in the VPC).

## Why is this bad?
Each enabled subnet holds one ALB node, and DNS hands out every node's public address. A node in
a subnet whose default route goes to a NAT gateway, a transit gateway, or nowhere cannot answer
internet clients: connections to that node time out while the other nodes work, which is the
classic "intermittent timeout" of an ALB with one private subnet.

## How to fix
Add a `0.0.0.0/0` (and `::/0` for dualstack) route to the VPC's internet gateway in the subnet's
route table, or enable a public subnet in that Availability Zone instead.

## Example
Subnet B routes `0.0.0.0/0 -> nat-0cc`: one connection in two times out. ALB104 fires for
subnet B only, with symptom `intermittent-timeout`.
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    if ctx.lb.scheme != Scheme::InternetFacing || !ctx.clients_known(out) {
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
        if let Some(severity) = ctx.scope.judge(&blocked) {
            broken.push((i, node, table, blocked, severity));
        }
    }
    let igw = ctx
        .network()
        .internet_gateways
        .values()
        .find(|g| g.attached_vpcs.contains(&ctx.lb.vpc_id))
        .map(|g| g.id.clone())
        .unwrap_or_else(|| format!("an internet gateway attached to {}", ctx.lb.vpc_id));
    let count = broken.len();
    for (i, node, table, blocked, severity) in broken {
        let routes: Vec<String> = node
            .unrouted
            .iter()
            .map(|(addrs, route, why)| match route {
                Some(r) => format!("{} ({}): {why}", describe(r), brief(addrs)),
                None => format!("{}: {why}", brief(addrs)),
            })
            .collect();
        let first_route = node.unrouted.iter().find_map(|(_, r, _)| *r);
        let (what, destination) = match first_route {
            Some(r) => (
                format!(
                    "routes {} to {}, not to an internet gateway",
                    route_destination(r),
                    r.target
                ),
                route_destination(r),
            ),
            None => (
                format!(
                    "has no route to an internet gateway for {}",
                    brief(&blocked)
                ),
                brief(&blocked),
            ),
        };
        let mut finding = RULE
            .finding(
                node.subnet_id,
                format!(
                    "{} ({}) {what}: connections to the ALB node in {} time out ({}).",
                    node.subnet_id,
                    node.zone,
                    node.zone,
                    ctx.nodes_phrase(count)
                ),
                format!(
                    "Route {destination} to {igw} in {}, or move the ALB to a public subnet in {}.",
                    table.id, node.zone
                ),
            )
            .severity(severity)
            .zone(node.zone)
            .symptom(fe.symptom(i, &blocked))
            .evidence("route_table", table.id.as_str())
            .evidence("blocked", cidr_list(&blocked))
            .evidence("routes", routes);
        if let Some(r) = first_route {
            finding = finding.evidence("route", describe(r));
        }
        out.emit(finding);
    }
}

fn route_destination(route: &crate::model::Route) -> String {
    route
        .destination
        .map(|d| d.to_string())
        .or_else(|| route.destination_prefix_list.clone())
        .unwrap_or_default()
}
