//! The client -> ALB node path, analysed once per ALB: per listener port what the ALB's
//! security groups admit, and per node (one per enabled subnet) what its network ACL drops each
//! way and which route each client takes back. Every broken part becomes a [`Block`]: the
//! clients in scope it cuts off, its typed [`Cause`], and the severity and symptom judged here,
//! once, so that rules only phrase them.

use std::collections::BTreeMap;

use super::cause::Cause;
use super::index::Index;
use super::scope::ClientScope;
use crate::finding::{Severity, Symptom};
use crate::model::{IpAddressType, LoadBalancer, NetworkAcl, RouteTable, Scheme, Snapshot};
use crate::net::addr_set::AddrSet;
use crate::net::nacl::evaluate_tcp;
use crate::net::port_set::{self, PortSet};
use crate::net::reach::{leads, Leads};
use crate::net::route::{lookup, table_for_subnet};
use crate::net::sg::{allows_tcp, Direction};
use crate::net::EPHEMERAL_PORTS;

/// Where on the frontend path a block sits; each rule reads one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Hop {
    /// The ALB's security groups, inbound (ALB101).
    SecurityGroups,
    /// The subnet's ACL, inbound on the listener port (ALB102).
    AclRequest,
    /// The subnet's ACL, outbound to the client's ephemeral ports (ALB103).
    AclResponse,
    /// The subnet's route back to the client (ALB104, ALB106).
    Route,
    /// A blackhole on the route back (ALB105).
    Blackhole,
}

/// A broken part of the frontend path and what it does to clients.
#[derive(Clone, Debug)]
pub struct Block<'a> {
    /// Where it sits.
    pub hop: Hop,
    /// The node (index into [`Frontend::nodes`]), or `None` for every node.
    pub node: Option<usize>,
    /// The listener port, or `None` when every port is affected.
    pub port: Option<u16>,
    /// Clients in scope it cuts off.
    pub blocked: AddrSet,
    /// What cuts them off, part by part.
    pub parts: Vec<(AddrSet, Cause<'a>)>,
    /// Judged against the scope.
    pub severity: Severity,
    /// What those clients see.
    pub symptom: Symptom,
}

/// One ALB node's place on the frontend path.
pub struct Node<'a> {
    /// Its zone.
    pub zone: &'a str,
    /// Its subnet.
    pub subnet_id: &'a str,
    /// The subnet's route table, when one applies.
    pub table: Option<&'a RouteTable>,
    /// Internal ALBs: the destinations outside the VPC that the subnet routes through private
    /// connectivity, when its table could be read.
    pub private: Option<AddrSet>,
}

/// The frontend analysis of one ALB.
pub struct Frontend<'a> {
    /// Listener ports, ascending.
    pub ports: Vec<u16>,
    /// One per enabled zone.
    pub nodes: Vec<Node<'a>>,
    /// Every broken part, judged.
    pub blocks: Vec<Block<'a>>,
    /// Parts that could not be evaluated, and why.
    pub unknown: Vec<(Hop, String)>,
}

impl<'a> Frontend<'a> {
    /// Analyses every listener port and node of `lb` for the clients in `scope`.
    pub fn analyse(
        snapshot: &'a Snapshot,
        index: &Index<'a>,
        lb: &'a LoadBalancer,
        scope: &ClientScope,
    ) -> Self {
        let network = &snapshot.network;
        let mut ports: Vec<u16> = lb.listeners.iter().map(|l| l.port).collect();
        ports.sort_unstable();
        ports.dedup();
        let nodes: Vec<Node<'a>> = lb
            .availability_zones
            .iter()
            .map(|az| Node {
                zone: &az.zone,
                subnet_id: &az.subnet_id,
                table: table_for_subnet(network, &az.subnet_id),
                private: None,
            })
            .collect();
        let mut fe = Frontend {
            ports,
            nodes,
            blocks: Vec::new(),
            unknown: Vec::new(),
        };
        if let Some(why) = &scope.unknown {
            for hop in [
                Hop::SecurityGroups,
                Hop::AclRequest,
                Hop::AclResponse,
                Hop::Route,
                Hop::Blackhole,
            ] {
                fe.unknown
                    .push((hop, format!("the clients in scope are unknown: {why}")));
            }
            return fe;
        }
        let clients = &scope.clients;
        let mut raw: Vec<RawBlock<'a>> = Vec::new();

        // ALB101: the security groups, the same at every node.
        let groups: Vec<_> = lb
            .security_groups
            .iter()
            .filter_map(|g| network.security_groups.get(g))
            .collect();
        let missing: Vec<&str> = lb
            .security_groups
            .iter()
            .filter(|g| !network.security_groups.contains_key(*g))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            fe.unknown.push((
                Hop::SecurityGroups,
                format!(
                    "security groups of the ALB not found: {}",
                    missing.join(", ")
                ),
            ));
        } else {
            for &port in &fe.ports {
                let allows = allows_tcp(&groups, Direction::Ingress, port, &network.prefix_lists);
                if !allows.unresolved_prefix_lists.is_empty() {
                    fe.unknown.push((
                        Hop::SecurityGroups,
                        format!(
                            "entries of prefix lists {} are unknown",
                            allows
                                .unresolved_prefix_lists
                                .iter()
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                    continue;
                }
                // A group reference admits members' private addresses only, never a client
                // coming from outside the VPC: only addresses count.
                let blocked = clients.difference(&allows.addrs);
                let cause = Cause::SecurityGroups {
                    groups: lb.security_groups.clone(),
                    edit: lb.security_groups.first().cloned().unwrap_or_default(),
                    allows,
                    egress: false,
                };
                raw.push((
                    Hop::SecurityGroups,
                    None,
                    Some(port),
                    vec![(blocked, cause)],
                ));
            }
        }

        let ephemeral = port_set::ports(EPHEMERAL_PORTS.0, EPHEMERAL_PORTS.1);
        // ACLs are evaluated over the clients' whole families, so that the evidence shows what
        // an entry does (`rule 90 denies 0.0.0.0/0`); the blocks keep only clients in scope.
        let mut families = AddrSet::empty();
        if !clients.v4_part().is_empty() {
            families = families.union(&AddrSet::any_v4());
        }
        if !clients.v6_part().is_empty() {
            families = families.union(&AddrSet::any_v6());
        }
        for (i, az) in lb.availability_zones.iter().enumerate() {
            // ALB102 / ALB103: the subnet's ACL both ways.
            match index.acl_of(&az.subnet_id) {
                None => {
                    let why = format!("no network ACL is associated with {}", az.subnet_id);
                    fe.unknown.push((Hop::AclRequest, why.clone()));
                    fe.unknown.push((Hop::AclResponse, why));
                }
                Some(acl) => {
                    for &port in &fe.ports {
                        let one = port_set::ports(port, port);
                        raw.push((
                            Hop::AclRequest,
                            Some(i),
                            Some(port),
                            vec![acl_part(acl, &az.subnet_id, false, &families, one)],
                        ));
                    }
                    raw.push((
                        Hop::AclResponse,
                        Some(i),
                        None,
                        vec![acl_part(
                            acl,
                            &az.subnet_id,
                            true,
                            clients,
                            ephemeral.clone(),
                        )],
                    ));
                }
            }
            // ALB104 / ALB105 / ALB106: the route back to each client.
            let Some(table) = fe.nodes[i].table else {
                let why = format!("no route table applies to {}", az.subnet_id);
                fe.unknown.push((Hop::Route, why.clone()));
                fe.unknown.push((Hop::Blackhole, why));
                continue;
            };
            match route_parts(snapshot, lb, table, clients) {
                Ok((unrouted, holes)) => {
                    raw.push((Hop::Route, Some(i), None, unrouted));
                    raw.push((Hop::Blackhole, Some(i), None, holes));
                }
                Err(why) => {
                    fe.unknown.push((Hop::Route, why.clone()));
                    fe.unknown.push((Hop::Blackhole, why));
                }
            }
            if lb.scheme == Scheme::Internal {
                fe.nodes[i].private = private_coverage(snapshot, lb, table).ok();
            }
        }

        fe.blocks = judge(raw, scope, lb, fe.nodes.len(), &fe.ports);
        if lb.scheme == Scheme::Internal && !scope.explicit {
            fe.blocks
                .extend(private_blackholes(snapshot, lb, &fe.nodes));
        }
        fe
    }

    /// The blocks at one hop, in node then port order.
    pub fn at(&self, hop: Hop) -> impl Iterator<Item = &Block<'a>> {
        self.blocks.iter().filter(move |b| b.hop == hop)
    }

    /// The reasons `hop` could not be evaluated somewhere.
    pub fn unknown_at(&self, hop: Hop) -> impl Iterator<Item = &str> {
        self.unknown
            .iter()
            .filter(move |(h, _)| *h == hop)
            .map(|(_, why)| why.as_str())
    }
}

fn acl_part<'a>(
    acl: &'a NetworkAcl,
    subnet: &'a str,
    egress: bool,
    clients: &AddrSet,
    ports: PortSet,
) -> (AddrSet, Cause<'a>) {
    let verdict = evaluate_tcp(acl, egress, clients, &ports);
    (
        verdict.denied.clone(),
        Cause::Acl {
            acl,
            subnet,
            egress,
            verdict,
            ports,
        },
    )
}

/// The parts of `clients` whose return route from `table` does not carry them (no route, or a
/// route to the wrong place), and the parts whose route is a blackhole.
type RouteParts<'a> = (Vec<(AddrSet, Cause<'a>)>, Vec<(AddrSet, Cause<'a>)>);

fn route_parts<'a>(
    snapshot: &'a Snapshot,
    lb: &LoadBalancer,
    table: &'a RouteTable,
    clients: &AddrSet,
) -> Result<RouteParts<'a>, String> {
    let network = &snapshot.network;
    let hits = lookup(table, clients, &network.prefix_lists).map_err(|pl| {
        format!(
            "the entries of prefix list {pl} in {} are unknown",
            table.id
        )
    })?;
    let mut unrouted = Vec::new();
    let mut holes = Vec::new();
    for hit in hits {
        let Some(route) = hit.route else {
            unrouted.push((hit.addrs, Cause::NoRoute { table }));
            continue;
        };
        let carries = |l: &Leads| match lb.scheme {
            Scheme::Internal => matches!(l, Leads::Local | Leads::Private),
            _ => matches!(l, Leads::Local | Leads::Internet),
        };
        match leads(route, &lb.vpc_id, network) {
            Leads::Blackhole => holes.push((hit.addrs, Cause::Blackhole { table, route })),
            // A gateway endpoint's prefix list holds the service's addresses: no client there.
            Leads::ServiceEndpoint => {}
            l if carries(&l) => {}
            Leads::Elsewhere(why) => unrouted.push((hit.addrs, Cause::Route { table, route, why })),
            Leads::Internet => unrouted.push((
                hit.addrs,
                Cause::Route {
                    table,
                    route,
                    why: "an internet gateway, which cannot reach an internal ALB's private addresses".into(),
                },
            )),
            Leads::Private => unrouted.push((
                hit.addrs,
                Cause::Route {
                    table,
                    route,
                    why: "private connectivity, not an internet gateway".into(),
                },
            )),
            Leads::Appliance => unrouted.push((
                hit.addrs,
                Cause::Route {
                    table,
                    route,
                    why: "an appliance endpoint through which no inbound path was found".into(),
                },
            )),
            Leads::Local => {}
        }
    }
    Ok((unrouted, holes))
}

/// Destinations outside the VPC (in the ALB's families) that `table` sends through private
/// connectivity.
fn private_coverage(
    snapshot: &Snapshot,
    lb: &LoadBalancer,
    table: &RouteTable,
) -> Result<AddrSet, String> {
    let network = &snapshot.network;
    let vpc = network
        .vpcs
        .get(&lb.vpc_id)
        .map(|v| AddrSet::from_nets(&v.cidrs))
        .ok_or_else(|| format!("the CIDR blocks of {} were not read", lb.vpc_id))?;
    let mut outside = AddrSet::any_v4();
    if !matches!(
        lb.ip_address_type,
        IpAddressType::Ipv4 | IpAddressType::Unknown
    ) {
        outside = outside.union(&AddrSet::any_v6());
    }
    let outside = outside.difference(&vpc);
    let hits = lookup(table, &outside, &network.prefix_lists)
        .map_err(|pl| format!("the entries of prefix list {pl} are unknown"))?;
    Ok(hits
        .iter()
        .filter(|h| {
            h.route
                .is_some_and(|r| leads(r, &lb.vpc_id, network) == Leads::Private)
        })
        .fold(AddrSet::empty(), |acc, h| acc.union(&h.addrs)))
}

/// Internal ALBs without named clients: blackholed routes through private connectivity, which
/// exist only to carry clients from outside the VPC (a warning: who they carried is unknown).
fn private_blackholes<'a>(
    snapshot: &'a Snapshot,
    lb: &LoadBalancer,
    nodes: &[Node<'a>],
) -> Vec<Block<'a>> {
    let mut out = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let Some(table) = node.table else { continue };
        for route in &table.routes {
            if route.state != crate::model::RouteState::Blackhole {
                continue;
            }
            let mut live = route.clone();
            live.state = crate::model::RouteState::Active;
            if leads(&live, &lb.vpc_id, &snapshot.network) != Leads::Private {
                continue;
            }
            let dest = route
                .destination
                .map(|n| AddrSet::from_net(&n))
                .unwrap_or_default();
            out.push(Block {
                hop: Hop::Blackhole,
                node: Some(i),
                port: None,
                blocked: dest.clone(),
                parts: vec![(dest, Cause::Blackhole { table, route })],
                severity: Severity::Warning,
                symptom: if nodes.len() > 1 {
                    Symptom::IntermittentTimeout
                } else {
                    Symptom::Timeout
                },
            });
        }
    }
    out
}

type RawBlock<'a> = (Hop, Option<usize>, Option<u16>, Vec<(AddrSet, Cause<'a>)>);

/// Restricts every raw block to the clients in scope, judges its severity and symptom, and
/// drops what blocks nobody.
fn judge<'a>(
    raw: Vec<RawBlock<'a>>,
    scope: &ClientScope,
    lb: &LoadBalancer,
    nodes: usize,
    ports: &[u16],
) -> Vec<Block<'a>> {
    let raw: Vec<RawBlock<'a>> = raw
        .into_iter()
        .map(|(hop, node, port, parts)| {
            let parts: Vec<(AddrSet, Cause<'a>)> = parts
                .into_iter()
                .map(|(a, c)| (a.intersection(&scope.clients), c))
                .filter(|(a, _)| !a.is_empty())
                .collect();
            (hop, node, port, parts)
        })
        .filter(|(_, _, _, parts)| !parts.is_empty())
        .collect();
    // What each node drops on each port for reasons of its own (not the ALB-wide groups): a
    // client cut off everywhere sees a timeout, one cut off at some nodes an intermittent one.
    let mut local: BTreeMap<(usize, u16), AddrSet> = BTreeMap::new();
    for (_, node, port, parts) in &raw {
        let Some(i) = node else { continue };
        let blocked = union(parts);
        for &p in ports.iter().filter(|p| port.is_none_or(|q| q == **p)) {
            let slot = local.entry((*i, p)).or_default();
            *slot = slot.union(&blocked);
        }
    }
    let mut out = Vec::new();
    for (hop, node, port, parts) in raw {
        let blocked = union(&parts);
        let Some(mut severity) = scope.judge(&blocked) else {
            continue;
        };
        if hop == Hop::Blackhole {
            severity = severity.max(Severity::Warning);
        }
        if hop == Hop::SecurityGroups && lb.scheme == Scheme::Internal && !scope.explicit {
            // Group references admit members inside the VPC, which addresses cannot show.
            if parts.iter().any(|(_, c)| matches!(c, Cause::SecurityGroups { allows, .. } if !allows.groups.is_empty())) {
                severity = Severity::Note;
            }
        }
        let symptom = match node {
            None => Symptom::Timeout,
            Some(_) if nodes <= 1 => Symptom::Timeout,
            Some(i) => {
                let total = ports
                    .iter()
                    .filter(|p| port.is_none_or(|q| q == **p))
                    .any(|&p| {
                        let mut everywhere = blocked.clone();
                        for j in (0..nodes).filter(|&j| j != i) {
                            everywhere = everywhere
                                .intersection(&local.get(&(j, p)).cloned().unwrap_or_default());
                        }
                        !everywhere.is_empty()
                    });
                if total {
                    Symptom::Timeout
                } else {
                    Symptom::IntermittentTimeout
                }
            }
        };
        out.push(Block {
            hop,
            node,
            port,
            blocked,
            parts,
            severity,
            symptom,
        });
    }
    out
}

fn union(parts: &[(AddrSet, Cause)]) -> AddrSet {
    parts
        .iter()
        .fold(AddrSet::empty(), |acc, (a, _)| acc.union(a))
}
