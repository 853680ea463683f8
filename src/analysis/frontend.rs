//! The client -> ALB node path, analysed once per ALB: per listener port what the ALB's
//! security groups admit, and per node (one per enabled subnet) what its network ACL drops each
//! way and which route each client takes back. Every broken part becomes a [`Block`]: the
//! clients in scope it cuts off, its typed [`Cause`], and the severity and symptom judged here,
//! once, so that rules only phrase them.

use std::collections::BTreeMap;

use super::cause::Cause;
use super::index::Index;
use super::return_path;
use super::scope::ClientScope;
use super::tls::TlsOptions;
use crate::finding::{Judgement, Severity, Symptom};
use crate::model::{
    IpAddressType, LoadBalancer, Network, NetworkAcl, RouteTable, Scheme, Snapshot,
};
use crate::net::addr_set::AddrSet;
use crate::net::bpa;
use crate::net::firewall::{FirewallRules, ListenerTraffic};
use crate::net::inspection::Appliance;
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
    /// Requests and responses take different ways through inspection (ALB110).
    Inspection,
    /// An inspection endpoint on the path is missing or not available (ALB111).
    InspectionEndpoint,
    /// An inspection endpoint's subnet has no route back (ALB112).
    InspectionReturn,
    /// An AWS Network Firewall on the path drops the connection (ALB113).
    Firewall,
    /// VPC Block Public Access drops internet traffic for a subnet on the path (ALB109).
    BlockPublicAccess,
}

/// Every hop whose verdict depends on the route back: all unknown when the route is.
const ROUTE_HOPS: [Hop; 6] = [
    Hop::Route,
    Hop::Blackhole,
    Hop::Inspection,
    Hop::InspectionEndpoint,
    Hop::InspectionReturn,
    Hop::Firewall,
];

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

/// An internal ALB node that private clients other subnets serve cannot reach, judged.
pub struct PrivateGap<'a> {
    /// The node (index into [`Frontend::nodes`]).
    pub node: usize,
    /// Its subnet's route table.
    pub table: &'a RouteTable,
    /// Destinations other ALB subnets route privately and this one does not; empty when no
    /// subnet routes any.
    pub missing: AddrSet,
    /// How many nodes lack some of those routes: the share of clients that time out.
    pub lacking: usize,
    /// An error where other subnets prove the clients exist; a note where no subnet routes
    /// any (clients inside the VPC only may well be the design).
    pub judgement: Judgement,
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
        tls: &TlsOptions,
        in_dns: &[bool],
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

        // Block Public Access acts at the internet gateway: clients inside the VPC never cross it.
        let from_outside = match network.vpcs.get(&lb.vpc_id) {
            Some(v) => clients.difference(&AddrSet::from_nets(&v.cidrs)),
            None => clients.clone(),
        };
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
            // ALB109: VPC Block Public Access at the node's subnet.
            if lb.scheme == Scheme::InternetFacing {
                match bpa::verdict(network, &az.subnet_id, bpa::Direction::Inbound) {
                    bpa::Verdict::Open => {}
                    bpa::Verdict::Blocked(blocked) => raw.push((
                        Hop::BlockPublicAccess,
                        Some(i),
                        None,
                        vec![(
                            from_outside.clone(),
                            Cause::BlockPublicAccess {
                                blocked,
                                appliance: None,
                            },
                        )],
                    )),
                    bpa::Verdict::Unknown(why) => fe.unknown.push((Hop::BlockPublicAccess, why)),
                }
            }
            // ALB104–ALB106, ALB110–ALB113: the way back to each client, through any
            // inspection on it.
            let Some(table) = fe.nodes[i].table else {
                let why = format!("no route table applies to {}", az.subnet_id);
                fe.unknown.extend(ROUTE_HOPS.map(|h| (h, why.clone())));
                continue;
            };
            let node_addrs = node_addresses(snapshot, index, lb, &az.subnet_id);
            match return_path::follow(snapshot, lb, table, &node_addrs, clients) {
                Ok(path) => {
                    if lb.scheme == Scheme::InternetFacing {
                        for (through, target) in &path.inspected {
                            match appliance_bpa(network, target) {
                                Ok(Some(cause)) => raw.push((
                                    Hop::BlockPublicAccess,
                                    Some(i),
                                    None,
                                    vec![(through.clone(), cause)],
                                )),
                                Ok(None) => {}
                                Err(why) => fe.unknown.push((Hop::BlockPublicAccess, why)),
                            }
                        }
                    }
                    raw.push((Hop::Route, Some(i), None, path.unrouted));
                    raw.push((Hop::Blackhole, Some(i), None, path.holes));
                    raw.push((Hop::Inspection, Some(i), None, path.asymmetric));
                    raw.push((Hop::InspectionEndpoint, Some(i), None, path.unavailable));
                    raw.push((Hop::InspectionReturn, Some(i), None, path.no_return));
                    for why in path.unknown {
                        fe.unknown.push((Hop::Inspection, why));
                    }
                    for (through, target) in path.inspected {
                        let (parts, unknown) = firewall_parts(
                            snapshot,
                            lb,
                            tls,
                            scope,
                            &target,
                            &through,
                            &node_addrs,
                        );
                        fe.unknown
                            .extend(unknown.into_iter().map(|w| (Hop::Firewall, w)));
                        for (port, parts) in parts {
                            raw.push((Hop::Firewall, Some(i), Some(port), parts));
                        }
                    }
                }
                Err(why) => fe.unknown.extend(ROUTE_HOPS.map(|h| (h, why.clone()))),
            }
            if lb.scheme == Scheme::Internal {
                fe.nodes[i].private = private_coverage(snapshot, lb, table).ok();
            }
        }

        fe.blocks = judge(
            raw,
            scope,
            lb,
            in_dns_or_all(in_dns, fe.nodes.len()),
            &fe.ports,
        );
        if lb.scheme == Scheme::Internal {
            // Without named clients, whoever the transit gateway brings.
            let through = if scope.explicit {
                clients.clone()
            } else {
                AddrSet::any_v4().union(&AddrSet::any_v6())
            };
            fe.blocks
                .extend(appliance_mode(snapshot, lb, &fe.nodes, &through));
        }
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

    /// Internal ALBs without named clients (ALB106): the nodes whose subnet routes fewer
    /// destinations through private connectivity than the other ALB subnets together, or
    /// every node when no subnet routes any. Destinations blackholed in a node's table are
    /// left to ALB105 (one dead route, one finding). `Err`: why a node's routes are unknown.
    pub fn private_gaps(&self, network: &Network) -> Result<Vec<PrivateGap<'a>>, String> {
        let mut coverage = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            match (node.table, &node.private) {
                (Some(table), Some(private)) => coverage.push((i, table, private)),
                (None, _) => return Err(format!("no route table applies to {}", node.subnet_id)),
                (Some(table), None) => {
                    return Err(format!(
                    "the private routes of {} could not be resolved (VPC blocks or prefix lists unknown)",
                    table.id
                ))
                }
            }
        }
        let all = coverage
            .iter()
            .fold(AddrSet::empty(), |acc, (_, _, c)| acc.union(c));
        if all.is_empty() {
            // No client outside the VPC is routed anywhere: by design, unless clients are named.
            return Ok(coverage
                .into_iter()
                .map(|(node, table, _)| PrivateGap {
                    node,
                    table,
                    missing: AddrSet::empty(),
                    lacking: self.nodes.len(),
                    judgement: Judgement::new(Severity::Note, Some(Symptom::Timeout)),
                })
                .collect());
        }
        let lacking = coverage
            .iter()
            .filter(|(_, _, c)| !all.difference(c).is_empty())
            .count();
        let mut out = Vec::new();
        for (node, table, covered) in coverage {
            let mut missing = all.difference(covered);
            if let Ok(hits) = lookup(table, &missing, &network.prefix_lists) {
                for hit in hits {
                    if hit
                        .route
                        .is_some_and(|r| r.state == crate::model::RouteState::Blackhole)
                    {
                        missing = missing.difference(&hit.addrs);
                    }
                }
            }
            if !missing.is_empty() {
                out.push(PrivateGap {
                    node,
                    table,
                    missing,
                    lacking,
                    judgement: Judgement::new(Severity::Error, Some(Symptom::IntermittentTimeout)),
                });
            }
        }
        Ok(out)
    }

    /// The reasons `hop` could not be evaluated somewhere.
    pub fn unknown_at(&self, hop: Hop) -> impl Iterator<Item = &str> {
        self.unknown
            .iter()
            .filter(move |(h, _)| *h == hop)
            .map(|(_, why)| why.as_str())
    }
}

/// Block Public Access at an inspection appliance's subnet on the path: requests reach it from
/// the internet gateway and responses leave it for the gateway, so `block-bidirectional` there
/// cuts the path (`block-ingress` is judged at the ALB's subnet, where the requests go).
fn appliance_bpa<'a>(
    network: &Network,
    target: &Appliance<'a>,
) -> Result<Option<Cause<'a>>, String> {
    let Some(subnet) = target.subnet() else {
        return Ok(None);
    };
    let id = match target {
        Appliance::Firewall { endpoint, .. } => endpoint.endpoint_id.clone(),
        Appliance::GatewayLoadBalancer(e) | Appliance::OtherEndpoint(e) => Some(e.id.clone()),
        Appliance::Interface {
            interface: Some(n), ..
        } => Some(n.id.clone()),
        Appliance::Interface { instance_id, .. } => instance_id.map(str::to_string),
        Appliance::Missing => None,
    };
    match bpa::verdict(network, subnet, bpa::Direction::Outbound) {
        bpa::Verdict::Blocked(b) if b.mode == crate::model::bpa::BlockMode::BlockBidirectional => {
            Ok(Some(Cause::BlockPublicAccess {
                blocked: b,
                appliance: id,
            }))
        }
        bpa::Verdict::Unknown(why) => Err(why),
        _ => Ok(None),
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

/// The node's private addresses in `subnet`, from the ALB's interfaces, else the subnet's
/// blocks: what the gateway's edge routes and a firewall see as the destination.
fn node_addresses(snapshot: &Snapshot, index: &Index, lb: &LoadBalancer, subnet: &str) -> AddrSet {
    let from_enis = crate::arn::AlbArn::parse(&lb.arn)
        .map(|a| {
            let nets: Vec<ipnet::IpNet> = index
                .interfaces_described(&a.interface_description())
                .iter()
                .filter(|n| n.subnet_id == subnet)
                .flat_map(|n| n.addresses.iter().map(|a| ipnet::IpNet::from(*a)))
                .collect();
            AddrSet::from_nets(&nets)
        })
        .unwrap_or_default();
    if !from_enis.is_empty() {
        return from_enis;
    }
    snapshot
        .network
        .subnets
        .get(subnet)
        .map(|s| AddrSet::from_nets(&s.cidrs))
        .unwrap_or_default()
}

/// Per listener port, the clients (of `through`) an appliance's rules drop, and what could not
/// be evaluated. Only AWS Network Firewall rules can be read; appliances behind a Gateway
/// Load Balancer are said to be unseen, never assumed to pass.
type FirewallParts<'a> = (Vec<(u16, Vec<(AddrSet, Cause<'a>)>)>, Vec<String>);

fn firewall_parts<'a>(
    snapshot: &'a Snapshot,
    lb: &'a LoadBalancer,
    tls: &TlsOptions,
    scope: &ClientScope,
    target: &Appliance<'a>,
    through: &AddrSet,
    node_addrs: &AddrSet,
) -> FirewallParts<'a> {
    let network = &snapshot.network;
    let clients = scope.describe(through);
    let firewall = match target {
        Appliance::Firewall { firewall, .. } => *firewall,
        Appliance::GatewayLoadBalancer(e) => {
            return (
                Vec::new(),
                vec![format!(
                    "{clients}: traffic goes through {} to appliances behind a Gateway Load Balancer ({}), whose rules are not visible",
                    e.id, e.service_name
                )],
            )
        }
        Appliance::Interface { instance_id, .. } => {
            return (
                Vec::new(),
                vec![format!(
                    "{clients}: traffic goes through the appliance {}, whose filtering is not visible",
                    instance_id.unwrap_or("interface")
                )],
            )
        }
        _ => return (Vec::new(), Vec::new()),
    };
    let policy = match crate::net::firewall::policy_of(network, firewall) {
        Ok(p) => p,
        Err(why) => return (Vec::new(), vec![why]),
    };
    let home_net = crate::net::firewall::home_net(network, firewall);
    let rules = FirewallRules {
        policy,
        rule_groups: &network.rule_groups,
        home_net: &home_net,
    };
    let mut parts = Vec::new();
    let mut unknown = Vec::new();
    for listener in &lb.listeners {
        let hosts: Vec<String> = crate::analysis::tls::served(tls, listener)
            .into_iter()
            .map(|(h, _)| h.to_string())
            .collect();
        let verdict = crate::net::firewall::evaluate(
            &rules,
            &ListenerTraffic {
                clients: through,
                servers: node_addrs,
                port: listener.port,
                tls: listener.is_https(),
                hosts: &hosts,
            },
        );
        unknown.extend(verdict.unevaluated.iter().map(|u| {
            format!(
                "{} on port {}: {}",
                scope.describe(&u.clients),
                listener.port,
                u.reason
            )
        }));
        let drops: Vec<(AddrSet, Cause<'a>)> = verdict
            .dropped
            .into_iter()
            .map(|d| {
                let cause = Cause::firewall(firewall, &d.decision);
                (d.clients, cause)
            })
            .collect();
        parts.push((listener.port, drops));
    }
    (parts, unknown)
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
            // Where another subnet of the ALB routes these destinations privately, their
            // clients exist and the ones this node gets time out: an error, reported once here
            // (ALB106 leaves the blackholed destinations to this rule).
            let elsewhere = nodes
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .filter_map(|(_, n)| n.private.as_ref())
                .any(|p| !p.intersection(&dest).is_empty());
            out.push(Block {
                hop: Hop::Blackhole,
                node: Some(i),
                port: None,
                blocked: dest.clone(),
                parts: vec![(dest, Cause::Blackhole { table, route })],
                severity: if elsewhere {
                    Severity::Error
                } else {
                    Severity::Warning
                },
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

/// Internal ALBs whose clients come through a transit gateway: an attachment of that transit
/// gateway whose VPC holds a firewall or Gateway Load Balancer endpoints (an inspection VPC)
/// and has appliance mode off may return a flow through another zone's endpoint than it sent
/// it. A warning: the transit gateway's route tables, which decide whether the ALB's traffic
/// goes through that VPC at all, are not read.
fn appliance_mode<'a>(
    snapshot: &'a Snapshot,
    lb: &LoadBalancer,
    nodes: &[Node<'a>],
    clients: &AddrSet,
) -> Vec<Block<'a>> {
    let network = &snapshot.network;
    let mut via: BTreeMap<&str, AddrSet> = BTreeMap::new();
    for node in nodes {
        let Some(table) = node.table else { continue };
        let Ok(hits) = lookup(table, clients, &network.prefix_lists) else {
            continue;
        };
        for hit in hits {
            if let Some(r) = hit.route.filter(|r| r.target.starts_with("tgw-")) {
                let slot = via.entry(r.target.as_str()).or_default();
                *slot = slot.union(&hit.addrs);
            }
        }
    }
    let inspects = |vpc: &str| {
        network.firewalls.values().any(|f| f.vpc_id == vpc)
            || network.vpc_endpoints.values().any(|e| {
                e.vpc_id == vpc && e.kind == crate::model::VpcEndpointKind::GatewayLoadBalancer
            })
    };
    let mut out = Vec::new();
    for (tgw, routed) in via {
        for a in network.transit_gateway_attachments.values() {
            if a.transit_gateway_id != tgw
                || a.vpc_id == lb.vpc_id
                || a.appliance_mode
                || !inspects(&a.vpc_id)
            {
                continue;
            }
            out.push(Block {
                hop: Hop::Inspection,
                node: None,
                port: None,
                blocked: routed.clone(),
                parts: vec![(
                    routed.clone(),
                    Cause::ApplianceMode {
                        attachment: a.id.clone(),
                        transit_gateway: tgw.to_string(),
                        vpc: a.vpc_id.clone(),
                    },
                )],
                severity: Severity::Warning,
                symptom: Symptom::IntermittentTimeout,
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
    in_dns: Vec<bool>,
    ports: &[u16],
) -> Vec<Block<'a>> {
    let nodes = in_dns.len();
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
    // A response ACL that drops only uncommon ephemeral ports loses some connections, not a
    // client: it cuts nobody off at its node for the other findings' symptoms.
    let partial = |hop: Hop, parts: &[(AddrSet, Cause<'a>)]| {
        hop == Hop::AclResponse
            && parts
                .iter()
                .all(|(_, c)| c.drops_only_uncommon_ephemeral_ports())
    };
    for (hop, node, port, parts) in &raw {
        let Some(i) = node else { continue };
        if partial(*hop, parts) {
            continue;
        }
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
        // A node in DNS shares clients with the other nodes in DNS only (a zonal shift takes
        // its node out); a node out of DNS is judged as it will be once the shift ends.
        let peers = |i: usize| -> Vec<usize> {
            (0..nodes)
                .filter(|&j| j != i && (!in_dns[i] || in_dns[j]))
                .collect()
        };
        let (severity, symptom) = if partial(hop, &parts) {
            (
                severity.min(Severity::Warning),
                Symptom::IntermittentTimeout,
            )
        } else {
            let symptom = match node {
                None => Symptom::Timeout,
                Some(i) if peers(i).is_empty() => Symptom::Timeout,
                Some(i) => {
                    let total = ports
                        .iter()
                        .filter(|p| port.is_none_or(|q| q == **p))
                        .any(|&p| {
                            let mut everywhere = blocked.clone();
                            for j in peers(i) {
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
            (severity, symptom)
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

/// `in_dns` when it has one flag per node, else every node in DNS.
pub(crate) fn in_dns_or_all(in_dns: &[bool], nodes: usize) -> Vec<bool> {
    if in_dns.len() == nodes {
        in_dns.to_vec()
    } else {
        vec![true; nodes]
    }
}

fn union(parts: &[(AddrSet, Cause)]) -> AddrSet {
    parts
        .iter()
        .fold(AddrSet::empty(), |acc, (a, _)| acc.union(a))
}
