//! The client -> ALB node path, analysed once per ALB and read by rules ALB101–ALB106:
//! per listener port what the ALB's security groups admit, and per node (one per enabled
//! subnet) what its network ACL drops each way and which route each client takes back.

use std::collections::BTreeMap;

use crate::finding::Symptom;
use crate::model::{LoadBalancer, NetworkAcl, Route, RouteState, RouteTable, Scheme, Snapshot};
use crate::net::addr_set::AddrSet;
use crate::net::nacl::{evaluate_tcp, AclVerdict};
use crate::net::port_set::{self, PortSet};
use crate::net::route::{lookup, table_for_subnet, target_kind, TargetKind};
use crate::net::sg::{allows_tcp, Direction, SgAllows};
use crate::net::EPHEMERAL_PORTS;

use super::ClientScope;

/// The frontend analysis of one ALB.
pub struct Frontend<'a> {
    /// Listener ports, ascending.
    pub ports: Vec<u16>,
    /// What the ALB's security groups admit, per listener port.
    pub sg: BTreeMap<u16, SgAllows>,
    /// ALB security groups that were not found in the snapshot.
    pub missing_groups: Vec<String>,
    /// One entry per ALB node.
    pub nodes: Vec<Node<'a>>,
    clients: AddrSet,
}

/// One ALB node's side of the frontend path.
pub struct Node<'a> {
    /// Its Availability Zone.
    pub zone: &'a str,
    /// Its subnet.
    pub subnet_id: &'a str,
    /// The subnet's network ACL, or why it is unknown.
    pub acl: Result<&'a NetworkAcl, String>,
    /// Inbound verdict per listener port (empty when the ACL is unknown).
    pub acl_in: BTreeMap<u16, AclVerdict>,
    /// Outbound verdict on the client's ephemeral ports.
    pub acl_out: AclVerdict,
    /// The subnet's route table, or why it is unknown.
    pub table: Result<&'a RouteTable, String>,
    /// Client parts whose return route is a blackhole.
    pub blackholed: Vec<(AddrSet, &'a Route)>,
    /// Client parts with no usable return route: no route, or a route to the wrong kind of
    /// target or to a gateway not attached to the VPC.
    pub unrouted: Vec<(AddrSet, Option<&'a Route>, String)>,
}

impl Node<'_> {
    /// Every client this node drops on `port`, for whatever reason.
    fn blocked(&self, port: u16, sg_blocked: &AddrSet) -> AddrSet {
        let mut all = sg_blocked.clone();
        if let Some(v) = self.acl_in.get(&port) {
            all = all.union(&v.denied);
        }
        all = all.union(&self.acl_out.denied);
        for (a, _) in &self.blackholed {
            all = all.union(a);
        }
        for (a, _, _) in &self.unrouted {
            all = all.union(a);
        }
        all
    }

    /// Client parts without a usable return route (unrouted and blackholed together).
    pub fn unrouted_set(&self) -> AddrSet {
        self.unrouted
            .iter()
            .fold(AddrSet::empty(), |acc, (a, _, _)| acc.union(a))
    }
}

impl<'a> Frontend<'a> {
    /// Analyses every listener port and node of `lb` for the clients in `scope`.
    pub fn analyse(snapshot: &'a Snapshot, lb: &'a LoadBalancer, scope: &ClientScope) -> Self {
        let network = &snapshot.network;
        let mut ports: Vec<u16> = lb.listeners.iter().map(|l| l.port).collect();
        ports.sort_unstable();
        ports.dedup();
        let groups: Vec<_> = lb
            .security_groups
            .iter()
            .filter_map(|g| network.security_groups.get(g))
            .collect();
        let missing_groups = lb
            .security_groups
            .iter()
            .filter(|g| !network.security_groups.contains_key(*g))
            .cloned()
            .collect();
        let sg = ports
            .iter()
            .map(|&p| {
                (
                    p,
                    allows_tcp(&groups, Direction::Ingress, p, &network.prefix_lists),
                )
            })
            .collect();
        let clients = scope.clients.clone();
        let nodes = lb
            .availability_zones
            .iter()
            .map(|az| {
                let acl = network
                    .network_acls
                    .values()
                    .find(|a| a.subnet_ids.iter().any(|s| s == &az.subnet_id))
                    .ok_or_else(|| format!("no network ACL is associated with {}", az.subnet_id));
                let (acl_in, acl_out) = match acl {
                    Ok(acl) => (
                        ports
                            .iter()
                            .map(|&p| (p, evaluate_tcp(acl, false, &clients, &ports_of(p))))
                            .collect(),
                        evaluate_tcp(
                            acl,
                            true,
                            &clients,
                            &port_set::ports(EPHEMERAL_PORTS.0, EPHEMERAL_PORTS.1),
                        ),
                    ),
                    Err(_) => (BTreeMap::new(), AclVerdict::default()),
                };
                let table = table_for_subnet(network, &az.subnet_id)
                    .ok_or_else(|| format!("no route table applies to {}", az.subnet_id));
                let mut node = Node {
                    zone: &az.zone,
                    subnet_id: &az.subnet_id,
                    acl,
                    acl_in,
                    acl_out,
                    table,
                    blackholed: Vec::new(),
                    unrouted: Vec::new(),
                };
                if let Ok(table) = node.table {
                    match lookup(table, &clients, &network.prefix_lists) {
                        Ok(hits) => {
                            for hit in hits {
                                classify(snapshot, lb, hit.addrs, hit.route, &mut node);
                            }
                        }
                        Err(pl) => {
                            node.table = Err(format!(
                                "the entries of prefix list {pl} in {} are unknown",
                                table.id
                            ))
                        }
                    }
                }
                node
            })
            .collect();
        Frontend {
            ports,
            sg,
            missing_groups,
            nodes,
            clients,
        }
    }

    /// Clients the security groups do not admit by address on `port`.
    pub fn sg_blocked(&self, port: u16) -> AddrSet {
        match self.sg.get(&port) {
            Some(allows) => self.clients.difference(&allows.addrs),
            None => self.clients.clone(),
        }
    }

    /// The symptom for clients `blocked` at node `index`: `timeout` when some of them are
    /// dropped by every other node too (on any listener port), else `intermittent-timeout`.
    pub fn symptom(&self, index: usize, blocked: &AddrSet) -> Symptom {
        let everywhere = self.ports.iter().any(|&port| {
            let sg = self.sg_blocked(port);
            let mut common = blocked.clone();
            for (i, node) in self.nodes.iter().enumerate() {
                if i != index {
                    common = common.intersection(&node.blocked(port, &sg));
                }
            }
            !common.is_empty()
        });
        if everywhere || self.nodes.len() <= 1 {
            Symptom::Timeout
        } else {
            Symptom::IntermittentTimeout
        }
    }
}

fn ports_of(port: u16) -> PortSet {
    port_set::ports(port, port)
}

/// Sorts one part of the clients by the route it takes back from the node.
fn classify<'a>(
    snapshot: &'a Snapshot,
    lb: &LoadBalancer,
    addrs: AddrSet,
    route: Option<&'a Route>,
    node: &mut Node<'a>,
) {
    let Some(route) = route else {
        node.unrouted
            .push((addrs, None, "no route covers them".to_string()));
        return;
    };
    if route.state == RouteState::Blackhole {
        node.blackholed.push((addrs, route));
        return;
    }
    let network = &snapshot.network;
    let attached = |gateways: &std::collections::BTreeMap<String, crate::model::Gateway>| {
        gateways
            .get(&route.target)
            .is_some_and(|g| g.attached_vpcs.contains(&lb.vpc_id))
    };
    let kind = target_kind(&route.target);
    let verdict: Result<(), String> = match (lb.scheme, kind) {
        (_, TargetKind::Local) => Ok(()),
        (Scheme::Internal, TargetKind::TransitGateway | TargetKind::PeeringConnection) => Ok(()),
        (Scheme::Internal, TargetKind::VpnGateway) if attached(&network.vpn_gateways) => Ok(()),
        (Scheme::Internal, TargetKind::VpnGateway) => {
            Err(format!("{} is not attached to {}", route.target, lb.vpc_id))
        }
        (Scheme::Internal, _) => Err(format!(
            "{} is not a VPN/Direct Connect gateway, transit gateway or peering connection",
            route.target
        )),
        (_, TargetKind::InternetGateway) if attached(&network.internet_gateways) => Ok(()),
        (_, TargetKind::InternetGateway) => {
            Err(format!("{} is not attached to {}", route.target, lb.vpc_id))
        }
        (_, _) => Err(format!("{} is not an internet gateway", route.target)),
    };
    if let Err(why) = verdict {
        node.unrouted.push((addrs, Some(route), why));
    }
}
