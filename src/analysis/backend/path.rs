//! One backend path, ALB node -> target on one port, component by component: the ALB's
//! security groups outbound, the target's inbound, both subnets' ACLs both ways (not applied
//! when node and target share a subnet), and the route to an IP target outside the VPC.
//!
//! A route more specific than `local` may send the request (from the node's subnet) or the
//! response (from the target's subnet) through an appliance in the VPC: a Gateway Load
//! Balancer or firewall endpoint, a network interface or an instance
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html#route-tables-appliance-routing>).
//! The path is then judged up to the appliance (the ALB's security groups, the node subnet's
//! ACL) and what lies beyond it is not evaluated: what the appliance does is unseen, except an
//! AWS Network Firewall endpoint's rules, which [`super::firewall`] evaluates (ALB215).

use std::collections::BTreeMap;

use super::nodes::Node;
use super::placement::Placement;
use super::BackendTarget;
use crate::analysis::cause::Cause;
use crate::analysis::index::Index;
use crate::model::{LoadBalancer, NetworkAcl, Snapshot};
use crate::net::addr_set::AddrSet;
use crate::net::nacl::evaluate_tcp;
use crate::net::port_set::{ports, PortSet};
use crate::net::reach::{leads, Leads};
use crate::net::route::{lookup, table_for_subnet};
use crate::net::sg::{allows_tcp, Direction};
use crate::net::EPHEMERAL_PORTS;

/// The components of the backend path, in rule order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Component {
    /// ALB security groups outbound (ALB201).
    AlbEgress,
    /// Target security groups inbound (ALB202).
    TargetIngress,
    /// ACLs on the request (ALB203).
    AclRequest,
    /// ACLs on the response (ALB204).
    AclResponse,
    /// Route to an external IP target (ALB205).
    Route,
    /// Route to an external IP target is a blackhole (ALB105).
    Blackhole,
    /// An AWS Network Firewall endpoint on the path drops the connection (ALB215).
    Firewall,
}

/// The outcome of one component for one (node, target, port).
#[derive(Clone, Debug)]
pub enum Verdict<'a> {
    /// Traffic passes.
    Pass,
    /// Traffic is dropped, and by what.
    Broken(Cause<'a>),
    /// The component could not be evaluated, and why.
    Unknown(String),
}

/// Every component's verdict for one node, target and port.
pub fn verdicts<'a>(
    snapshot: &'a Snapshot,
    index: &Index<'a>,
    lb: &LoadBalancer,
    node: &Node<'a>,
    target: &BackendTarget<'a>,
    port: u16,
) -> BTreeMap<Component, Verdict<'a>> {
    let network = &snapshot.network;
    let mut out = BTreeMap::new();
    let Some(addr) = target.placement.addr() else {
        let why = match &target.placement {
            Placement::Unknown(why) => why.clone(),
            _ => String::new(),
        };
        for c in [
            Component::AlbEgress,
            Component::TargetIngress,
            Component::AclRequest,
            Component::AclResponse,
        ] {
            out.insert(c, Verdict::Unknown(why.clone()));
        }
        return out;
    };
    let taddr = AddrSet::from_net(&ipnet::IpNet::from(addr));
    let node_addrs = node.addrs_for(target.group.ip_address_type);
    let (target_groups, target_subnet) = match &target.placement {
        Placement::InVpc { groups, subnet, .. } => (groups.clone(), *subnet),
        _ => (Some(Vec::new()), None),
    };

    // ALB201: the node's security groups outbound.
    let node_groups: Vec<_> = node
        .groups
        .iter()
        .filter_map(|g| network.security_groups.get(g))
        .collect();
    let egress = allows_tcp(&node_groups, Direction::Egress, port, &network.prefix_lists);
    out.insert(
        Component::AlbEgress,
        if node_groups.len() != node.groups.len() {
            Verdict::Unknown(format!("security groups {} not all found", node.groups.join(", ")))
        } else if !egress.unresolved_prefix_lists.is_empty() {
            Verdict::Unknown("prefix list entries unknown".into())
        } else if taddr.is_subset(&egress.addrs)
            || target_groups
                .as_ref()
                .is_some_and(|gs| gs.iter().any(|g| egress.groups.contains(g)))
        {
            Verdict::Pass
        } else if target_groups.is_none() && !egress.groups.is_empty() {
            Verdict::Unknown(format!(
                "the security groups of {} are unknown, and the ALB's groups allow some groups by reference",
                target.target.id
            ))
        } else {
            Verdict::Broken(Cause::SecurityGroups {
                edit: node.groups.first().cloned().unwrap_or_default(),
                groups: node.groups.clone(),
                allows: egress,
                egress: true,
            })
        },
    );

    // ALB202: the target's security groups inbound.
    out.insert(
        Component::TargetIngress,
        match (&target.placement, &target_groups, &node_addrs) {
            (Placement::External { .. }, _, _) => Verdict::Pass,
            (_, None, _) => Verdict::Unknown(format!(
                "no network interface owns {}: its security groups are unknown",
                target.target.id
            )),
            (_, _, Err(why)) => Verdict::Unknown(why.clone()),
            (_, Some(groups), Ok(from)) => {
                let found: Vec<_> = groups
                    .iter()
                    .filter_map(|g| network.security_groups.get(g))
                    .collect();
                let ingress = allows_tcp(&found, Direction::Ingress, port, &network.prefix_lists);
                if found.len() != groups.len() {
                    Verdict::Unknown(format!(
                        "security groups {} not all found",
                        groups.join(", ")
                    ))
                } else if !ingress.unresolved_prefix_lists.is_empty() {
                    Verdict::Unknown("prefix list entries unknown".into())
                } else if ingress.admits(from, &node.groups) {
                    Verdict::Pass
                } else {
                    Verdict::Broken(Cause::SecurityGroups {
                        edit: groups.first().cloned().unwrap_or_default(),
                        groups: groups.clone(),
                        allows: ingress,
                        egress: false,
                    })
                }
            }
        },
    );

    // An appliance on the way there or back: the target's side is beyond it.
    let external = matches!(target.placement, Placement::External { .. });
    let between = if external {
        Between::default()
    } else {
        appliance_between(
            snapshot,
            lb,
            node,
            target_subnet.map(|s| s.id.as_str()),
            &taddr,
            node_addrs.as_ref().ok(),
        )
    };
    if let Some(v) = super::firewall::verdict(
        network,
        target.group,
        between.there.as_ref().map(|(_, id)| *id),
        between.back.as_ref().map(|(_, id)| *id),
        node_addrs.as_ref(),
        &taddr,
        port,
    ) {
        out.insert(Component::Firewall, v);
    }
    let beyond = between.there.or(between.back).map(|(why, _)| why);
    if let Some(why) = &beyond {
        out.insert(
            Component::TargetIngress,
            Verdict::Unknown(format!("{why}: the target's security groups are beyond it")),
        );
    }

    // ALB203 / ALB204: both subnets' ACLs, both directions, unless they share a subnet.
    let same_subnet = target_subnet.is_some_and(|s| s.id == node.subnet_id);
    let target_side = if external {
        None
    } else {
        Some((
            target_subnet.map(|s| s.id.as_str()),
            target_subnet.and_then(|s| index.acl_of(&s.id)),
        ))
    };
    let ephemeral = ports(EPHEMERAL_PORTS.0, EPHEMERAL_PORTS.1);
    let one = ports(port, port);
    let node_side = (Some(node.subnet_id), node.acl);
    for (component, legs) in [
        (
            Component::AclRequest,
            [
                Leg {
                    side: Some(node_side),
                    egress: true,
                    peers: Ok(&taddr),
                    ports: &one,
                },
                Leg {
                    side: target_side,
                    egress: false,
                    peers: node_addrs.as_ref(),
                    ports: &one,
                },
            ],
        ),
        (
            Component::AclResponse,
            [
                Leg {
                    side: target_side,
                    egress: true,
                    peers: node_addrs.as_ref(),
                    ports: &ephemeral,
                },
                Leg {
                    side: Some(node_side),
                    egress: false,
                    peers: Ok(&taddr),
                    ports: &ephemeral,
                },
            ],
        ),
    ] {
        let verdict = if same_subnet {
            Verdict::Pass
        } else if let Some(why) = &beyond {
            // Only the node's own leg is before the appliance.
            let node_leg = if component == Component::AclRequest {
                &legs[0]
            } else {
                &legs[1]
            };
            match acl_legs(std::slice::from_ref(node_leg)) {
                Verdict::Pass => {
                    Verdict::Unknown(format!("{why}: the target subnet's ACL is beyond it"))
                }
                other => other,
            }
        } else {
            acl_legs(&legs)
        };
        out.insert(component, verdict);
    }

    // ALB205 / ALB105: the route to an IP target outside the VPC.
    if external {
        let (route, hole) = match node.table {
            None => (
                Verdict::Unknown(format!("no route table applies to {}", node.subnet_id)),
                Verdict::Pass,
            ),
            Some(table) => match lookup(table, &taddr, &network.prefix_lists) {
                Err(pl) => {
                    let why = format!("the entries of prefix list {pl} are unknown");
                    (Verdict::Unknown(why.clone()), Verdict::Unknown(why))
                }
                Ok(hits) => match hits.first().map(|h| h.route) {
                    None => (Verdict::Pass, Verdict::Pass),
                    Some(None) => (Verdict::Broken(Cause::NoRoute { table }), Verdict::Pass),
                    Some(Some(route)) => match leads(route, &lb.vpc_id, network) {
                        Leads::Blackhole => (Verdict::Pass, Verdict::Broken(Cause::Blackhole { table, route })),
                        Leads::Private | Leads::Local => (Verdict::Pass, Verdict::Pass),
                        Leads::Elsewhere(why) => (Verdict::Broken(Cause::Route { table, route, why }), Verdict::Pass),
                        _ => (
                            Verdict::Broken(Cause::Route {
                                table,
                                route,
                                why: format!(
                                    "{} is not a VPN/Direct Connect gateway attached to {}, a transit gateway or a peering connection",
                                    route.target, lb.vpc_id
                                ),
                            }),
                            Verdict::Pass,
                        ),
                    },
                },
            },
        };
        out.insert(Component::Route, route);
        out.insert(Component::Blackhole, hole);
    }
    out
}

/// The appliances routes more specific than `local` send the request (node subnet -> target)
/// and the response (target subnet -> node) through: each in words, with the route's target.
#[derive(Default)]
struct Between<'a> {
    there: Option<(String, &'a str)>,
    back: Option<(String, &'a str)>,
}

fn appliance_between<'a>(
    snapshot: &'a Snapshot,
    lb: &LoadBalancer,
    node: &Node<'a>,
    target_subnet: Option<&str>,
    target: &AddrSet,
    node_addrs: Option<&AddrSet>,
) -> Between<'a> {
    let network = &snapshot.network;
    let through = |table: &'a crate::model::RouteTable, dest: &AddrSet| {
        let hits = lookup(table, dest, &network.prefix_lists).ok()?;
        hits.iter().filter_map(|h| h.route).find_map(|r| {
            (leads(r, &lb.vpc_id, network) == Leads::Appliance).then(|| {
                let why = format!(
                    "route table {} sends {} through the appliance {}",
                    table.id,
                    crate::analysis::cause::destination(r),
                    r.target
                );
                (why, r.target.as_str())
            })
        })
    };
    let there = node.table.and_then(|t| through(t, target));
    let back = (|| {
        let table = table_for_subnet(network, target_subnet?)?;
        through(table, node_addrs?)
    })();
    Between { there, back }
}

/// One ACL crossing of a backend packet: whose subnet and ACL (`None`: no ACL of ours on the
/// far side), which way, and the peers' addresses and ports.
struct Leg<'s, 'a> {
    side: Option<(Option<&'a str>, Option<&'a NetworkAcl>)>,
    egress: bool,
    peers: Result<&'s AddrSet, &'s String>,
    ports: &'s PortSet,
}

/// The first leg whose ACL drops the traffic decides; an unknown leg makes it unknown.
fn acl_legs<'a>(legs: &[Leg<'_, 'a>]) -> Verdict<'a> {
    for leg in legs {
        let Some((subnet, acl)) = leg.side else {
            continue;
        };
        let Some(subnet) = subnet else {
            return Verdict::Unknown("the target's subnet is unknown".into());
        };
        let Some(acl) = acl else {
            return Verdict::Unknown(format!("no network ACL is associated with {subnet}"));
        };
        let peers = match leg.peers {
            Ok(p) => p,
            Err(why) => return Verdict::Unknown(why.clone()),
        };
        let verdict = evaluate_tcp(acl, leg.egress, peers, leg.ports);
        if !verdict.denied.is_empty() {
            return Verdict::Broken(Cause::Acl {
                acl,
                subnet,
                egress: leg.egress,
                verdict,
                ports: leg.ports.clone(),
            });
        }
    }
    Verdict::Pass
}
