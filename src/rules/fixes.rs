//! Structured fixes from typed causes: the one place a [`Cause`] becomes [`Change`]s, for the
//! frontend blocks and the backend components alike. What is proposed here is verified by
//! [`crate::rules::run::evaluate`]; a cause with no safe edit gets [`Fix::none`].

use ipnet::IpNet;

use crate::analysis::backend::{Component, PathFinding, Placement};
use crate::analysis::cause::Cause;
use crate::analysis::frontend::{Block, Hop};
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::fix::plan::{acl_entries, routes_fit, sg_rule};
use crate::fix::{Change, Fix, Peer};
use crate::model::{
    Network, RouteOrigin, RouteState, RouteTable, Scheme, TargetIpAddressType, TargetType,
};
use crate::net::addr_set::AddrSet;
use crate::net::nacl::IMPLICIT_DENY;
use crate::net::reach::{leads, Leads};
use crate::net::route::{lookup, more_specific};
use crate::net::EPHEMERAL_PORTS;

/// The ports ECS gives tasks on their hosts by default: targets registered there belong
/// together, so a fix admits the range once.
/// <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_PortMapping.html>
pub const DYNAMIC_PORTS: (u16, u16) = (32768, 65535);

const PARTIAL: &str =
    "a partial restriction, often deliberate: no change is proposed (name the clients with --client-cidr to get one)";

fn first_deny(cause: &Cause) -> Option<i32> {
    match cause {
        Cause::Acl { verdict, .. } => verdict
            .denials
            .keys()
            .copied()
            .find(|r| *r != IMPLICIT_DENY),
        _ => None,
    }
}

fn or_none(plan: Result<Vec<Change>, String>) -> Fix {
    match plan {
        Ok(p) if !p.is_empty() => Fix::proposed(p),
        Ok(_) => Fix::none("no structured change is known for this cause"),
        Err(why) => Fix::none(why),
    }
}

/// The internet gateway attached to `vpc`.
fn igw(network: &Network, vpc: &str) -> Option<String> {
    network
        .internet_gateways
        .values()
        .find(|g| g.attached_vpcs.iter().any(|v| v == vpc))
        .map(|g| g.id.clone())
}

/// Whether `table` also serves subnets that are not the ALB's (explicitly, or as the main
/// table of subnets without an association of their own).
fn shared_beyond(network: &Network, table: &RouteTable, alb_subnets: &[&str]) -> bool {
    let others = |s: &str| !alb_subnets.contains(&s);
    table.subnet_ids.iter().any(|s| others(s))
        || (table.main
            && network.subnets.values().any(|s| {
                s.vpc_id == table.vpc_id
                    && others(&s.id)
                    && !network
                        .route_tables
                        .values()
                        .any(|t| t.subnet_ids.contains(&s.id))
            }))
}

/// The routes of `table` more specific than `destination` that do not already lead (live) to
/// `target`: a route for `destination` would leave them their addresses (longest prefix
/// wins), so a fix moves them too, and the remediation says so.
pub(super) fn in_the_way<'t>(
    table: &'t RouteTable,
    destination: &IpNet,
    target: &str,
) -> Vec<&'t crate::model::Route> {
    more_specific(table, destination)
        .into_iter()
        .filter(|r| r.target != target || r.state == RouteState::Blackhole)
        .collect()
}

/// `destinations` and the routes [`in_the_way`] of each; a destination those routes cover
/// whole needs no route of its own.
fn with_more_specific(table: &RouteTable, destinations: &[IpNet], target: &str) -> Vec<IpNet> {
    let mut all: Vec<IpNet> = Vec::new();
    let mut push = |net: IpNet| {
        if !all.contains(&net) {
            all.push(net);
        }
    };
    for d in destinations {
        let inner: Vec<IpNet> = in_the_way(table, d, target)
            .into_iter()
            .filter_map(|r| r.destination)
            .collect();
        if !AddrSet::from_net(d).is_subset(&AddrSet::from_nets(&inner)) {
            push(*d);
        }
        inner.into_iter().for_each(&mut push);
    }
    all
}

/// Each of `destinations` to `target` in `table` itself: a static route replaced, else one
/// added (a propagated route cannot be replaced; a static one beside it wins).
fn in_place(
    table: &RouteTable,
    destinations: &[IpNet],
    target: &str,
) -> Result<Vec<Change>, String> {
    let plan = destinations
        .iter()
        .map(|d| {
            let replaceable = table.routes.iter().any(|r| {
                r.destination == Some(*d) && r.origin != RouteOrigin::EnableVgwRoutePropagation
            });
            if replaceable {
                Change::ReplaceRoute {
                    table: table.id.clone(),
                    destination: *d,
                    target: target.to_string(),
                }
            } else {
                Change::AddRoute {
                    table: table.id.clone(),
                    destination: *d,
                    target: target.to_string(),
                }
            }
        })
        .collect();
    routes_fit(table, plan)
}

/// Routes for `destinations` (and the more specific routes inside them) to `target` for the
/// ALB subnet `subnet`: in its `table` when only the ALB's subnets use it, else in a table of
/// the subnet's own (never repointing a table that private subnets share).
fn route_plan(
    ctx: &AlbContext,
    subnet: &str,
    table: &RouteTable,
    destinations: &[IpNet],
    target: &str,
) -> Result<Vec<Change>, String> {
    let all = with_more_specific(table, destinations, target);
    let network = ctx.network();
    let alb_subnets = ctx.lb.subnet_ids();
    if !shared_beyond(network, table, &alb_subnets) {
        return in_place(table, &all, target);
    }
    let mut routes: Vec<(IpNet, String)> = table
        .routes
        .iter()
        .filter(|r| r.target != "local" && r.state == RouteState::Active)
        .filter_map(|r| Some((r.destination?, r.target.clone())))
        .filter(|(d, _)| !all.contains(d))
        .collect();
    routes.extend(all.iter().map(|d| (*d, target.to_string())));
    routes_fit(
        table,
        vec![Change::OwnRouteTable {
            subnet: subnet.to_string(),
            vpc: table.vpc_id.clone(),
            from: table.id.clone(),
            explicit: table.subnet_ids.iter().any(|s| s == subnet),
            routes,
        }],
    )
}

/// The private gateway (VPN/Direct Connect, transit gateway, peering) through which another
/// subnet of the ALB routes every one of `nets`, active: for an internal ALB, the way its
/// clients come in, which the node's own table can take too. `None` when no other subnet
/// routes all of them one such way (which way the clients come is then not known).
fn private_way_elsewhere(ctx: &AlbContext, node: usize, nets: &[IpNet]) -> Option<String> {
    let network = ctx.network();
    let dest = AddrSet::from_nets(nets);
    ctx.frontend()
        .nodes
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != node)
        .filter_map(|(_, n)| n.table)
        .find_map(|table| {
            let hits = lookup(table, &dest, &network.prefix_lists).ok()?;
            let mut targets = hits.iter().map(|h| {
                h.route
                    .filter(|r| leads(r, &ctx.lb.vpc_id, network) == Leads::Private)
                    .map(|r| r.target.as_str())
            });
            let first = targets.next()??;
            targets.all(|t| t == Some(first)).then(|| first.to_string())
        })
}

/// An internal ALB node's missing or dead private routes to `nets`: the way another ALB
/// subnet routes them, in the node's table (or a table of its own when the table is shared).
pub fn private_routes(ctx: &AlbContext, node: usize, table: &RouteTable, nets: &[IpNet]) -> Fix {
    match private_way_elsewhere(ctx, node, nets) {
        Some(target) => or_none(route_plan(
            ctx,
            ctx.frontend().nodes[node].subnet_id,
            table,
            nets,
            &target,
        )),
        None => Fix::none(
            "no other ALB subnet routes these clients through private connectivity: which gateway they come through is not known",
        ),
    }
}

/// The fix of a frontend block.
pub fn frontend(ctx: &AlbContext, block: &Block) -> Fix {
    if block.severity == Severity::Note {
        return Fix::none(PARTIAL);
    }
    let cause = &block.parts[0].1;
    let nets = ctx.scope.entry_nets(&block.blocked);
    let network = ctx.network();
    let node = block.node.map(|i| &ctx.frontend().nodes[i]);
    match (block.hop, cause) {
        (Hop::SecurityGroups, Cause::SecurityGroups { edit, .. }) => {
            let Some(port) = block.port else {
                return Fix::none("no listener port");
            };
            or_none(sg_rule(network, edit, false, (port, port), Peer::Cidrs(nets)).map(|c| vec![c]))
        }
        (Hop::AclRequest, Cause::Acl { acl, .. }) => {
            let Some(port) = block.port else {
                return Fix::none("no listener port");
            };
            or_none(acl_entries(
                acl,
                false,
                (port, port),
                &nets,
                first_deny(cause),
            ))
        }
        (Hop::AclResponse, Cause::Acl { acl, .. }) => or_none(acl_entries(
            acl,
            true,
            EPHEMERAL_PORTS,
            &nets,
            first_deny(cause),
        )),
        (Hop::Route | Hop::Blackhole, Cause::NoRoute { table })
        | (Hop::Route | Hop::Blackhole, Cause::Route { table, .. })
        | (Hop::Route | Hop::Blackhole, Cause::Blackhole { table, .. })
            if ctx.lb.scheme != Scheme::Internal =>
        {
            let (Some(node), Some(gw)) = (node, igw(network, &ctx.lb.vpc_id)) else {
                return Fix::none(format!(
                    "no internet gateway is attached to {}",
                    ctx.lb.vpc_id
                ));
            };
            or_none(route_plan(ctx, node.subnet_id, table, &nets, &gw))
        }
        (Hop::Route | Hop::Blackhole, Cause::NoRoute { table })
        | (Hop::Route | Hop::Blackhole, Cause::Route { table, .. })
        | (Hop::Route | Hop::Blackhole, Cause::Blackhole { table, .. }) => match block.node {
            Some(i) => private_routes(ctx, i, table, &nets),
            None => {
                Fix::none("every node is cut: which gateway the clients come through is not known")
            }
        },
        // Responses leave through the endpoint requests came in by: inspection stays, on both
        // halves of each connection. Every route back the block names moves (clients may
        // leave by several).
        (
            Hop::Inspection,
            Cause::Asymmetric {
                table,
                entered: Some((_, via_route)),
                ..
            },
        ) => {
            let mut routes_back = Vec::new();
            for (_, part) in &block.parts {
                if let Cause::Asymmetric { route, .. } = part {
                    match route.destination {
                        Some(d) if !routes_back.contains(&d) => routes_back.push(d),
                        Some(_) => {}
                        None => {
                            return Fix::none(
                                "a route back is to a prefix list: no single route to point",
                            )
                        }
                    }
                }
            }
            match node {
                Some(node) => or_none(route_plan(
                    ctx,
                    node.subnet_id,
                    table,
                    &routes_back,
                    &via_route.target,
                )),
                None => Fix::none("no node"),
            }
        }
        (Hop::Inspection, Cause::Asymmetric { entered: None, .. }) => Fix::none(
            "requests are not inspected on the way in: inspect them too, or stop inspecting responses; either changes what is inspected, which is for you to choose",
        ),
        // The appliance's own subnet sends the responses on to the internet gateway, in its own
        // table only: a table the appliance subnet shares is left alone.
        (
            Hop::InspectionReturn,
            Cause::ApplianceNoReturn { subnet, table, .. },
        ) if ctx.lb.scheme != Scheme::Internal => {
            let Some(gw) = igw(network, &ctx.lb.vpc_id) else {
                return Fix::none(format!(
                    "no internet gateway is attached to {}",
                    ctx.lb.vpc_id
                ));
            };
            if table.main || table.subnet_ids.iter().any(|s| s != subnet) {
                return Fix::none(format!(
                    "{} also serves other subnets: give {subnet} a route table of its own with a route for the clients to {gw}",
                    table.id
                ));
            }
            or_none(in_place(table, &with_more_specific(table, &nets, &gw), &gw))
        }
        (Hop::BlockPublicAccess, _) => Fix::none(
            "VPC Block Public Access is an account-wide control: excluding a subnet from it is a security decision, not proposed as a change",
        ),
        _ => Fix::none("no structured change is known for this cause"),
    }
}

/// The fix of a backend finding, and the ports of its cause when they belong together
/// (`32768-65535` for targets on ECS dynamic host ports).
pub fn backend(ctx: &AlbContext, f: &PathFinding) -> (Fix, Option<(u16, u16)>) {
    let network = ctx.network();
    let nodes = &ctx.backend().nodes;
    let dynamic = f.target.group.target_type == TargetType::Instance && f.port >= DYNAMIC_PORTS.0;
    let ports = if dynamic {
        DYNAMIC_PORTS
    } else {
        (f.port, f.port)
    };
    let family = f.target.group.ip_address_type;
    let family_of = |s: &AddrSet| match family {
        TargetIpAddressType::Ipv6 => s.v6_part(),
        _ => s.v4_part(),
    };
    let target_subnet = match &f.target.placement {
        Placement::InVpc {
            subnet: Some(s), ..
        } => Some(*s),
        _ => None,
    };
    let target_nets: Vec<IpNet> = match (target_subnet, f.target.placement.addr()) {
        (Some(s), _) => family_of(&AddrSet::from_nets(&s.cidrs)).to_cidrs(),
        (None, Some(a)) => vec![IpNet::from(a)],
        _ => Vec::new(),
    };
    let node_nets: Vec<IpNet> = f
        .broken
        .iter()
        .filter_map(|(i, _)| network.subnets.get(nodes[*i].subnet_id))
        .fold(AddrSet::empty(), |acc, s| {
            acc.union(&family_of(&AddrSet::from_nets(&s.cidrs)))
        })
        .to_cidrs();
    let cause = f.broken[0].1;
    let plan = match (f.component, cause) {
        (Component::AlbEgress, Cause::SecurityGroups { edit, .. }) => {
            let peer = match &f.target.placement {
                Placement::InVpc {
                    groups: Some(g), ..
                } if !g.is_empty() => Peer::Group(g[0].clone()),
                _ => Peer::Cidrs(target_nets),
            };
            sg_rule(network, edit, true, ports, peer).map(|c| vec![c])
        }
        (Component::TargetIngress, Cause::SecurityGroups { edit, .. }) => {
            let peer = match nodes.get(f.broken[0].0).and_then(|n| n.groups.first()) {
                Some(g) => Peer::Group(g.clone()),
                None => Peer::Cidrs(node_nets),
            };
            sg_rule(network, edit, false, ports, peer).map(|c| vec![c])
        }
        (Component::AclRequest | Component::AclResponse, Cause::Acl { .. }) => {
            let mut plan = Vec::new();
            let mut seen: Vec<(String, bool)> = Vec::new();
            let mut result = Ok(());
            for (_, c) in &f.broken {
                let Cause::Acl {
                    acl,
                    subnet,
                    egress,
                    ..
                } = c
                else {
                    continue;
                };
                if seen.contains(&(acl.id.clone(), *egress)) {
                    continue;
                }
                seen.push((acl.id.clone(), *egress));
                let peers = if target_subnet.is_some_and(|s| s.id == *subnet) {
                    &node_nets
                } else {
                    &target_nets
                };
                let ports = if f.component == Component::AclResponse {
                    EPHEMERAL_PORTS
                } else {
                    ports
                };
                match acl_entries(acl, *egress, ports, peers, first_deny(c)) {
                    Ok(p) => plan.extend(p),
                    Err(e) => result = Err(e),
                }
            }
            result.map(|_| plan)
        }
        _ => Ok(Vec::new()),
    };
    (or_none(plan), dynamic.then_some(DYNAMIC_PORTS))
}
