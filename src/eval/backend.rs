//! The ALB node -> target path, analysed once per ALB and read by rules ALB201–ALB205: for
//! every target of every forwarded target group, on its traffic port and its health-check
//! port, and from every ALB node, a verdict per component of the path.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use serde_json::{Map, Value};

use super::index::Index;
use crate::arn::AlbArn;
use crate::finding::Symptom;
use crate::model::{
    Instance, LoadBalancer, NetworkAcl, RouteState, RouteTable, Snapshot, Subnet, Target,
    TargetGroup, TargetType,
};
use crate::net::addr_set::AddrSet;
use crate::net::nacl::evaluate_tcp;
use crate::net::port_set::ports;
use crate::net::route::{describe, lookup, table_for_subnet, target_kind, TargetKind};
use crate::net::sg::{allows_tcp, Direction};
use crate::net::EPHEMERAL_PORTS;

/// One ALB node as the backend sees it: where it sits and which source addresses it uses.
pub struct Node<'a> {
    /// Its zone.
    pub zone: &'a str,
    /// Its subnet.
    pub subnet_id: &'a str,
    /// Its private addresses, or its subnet's CIDR when no interface could be read.
    pub addrs: AddrSet,
    /// Its security groups.
    pub groups: Vec<String>,
    /// True when `addrs` is the subnet CIDR because no `ELB app/…` interface was found.
    pub from_subnet_cidr: bool,
    acl: Option<&'a NetworkAcl>,
    table: Option<&'a RouteTable>,
}

/// Where a target is, as far as the path is concerned.
pub enum Placement<'a> {
    /// Inside the ALB's VPC: its subnet and security groups, when known.
    InVpc {
        /// The address the ALB connects to.
        addr: IpAddr,
        /// Its subnet, if known.
        subnet: Option<&'a Subnet>,
        /// Its zone, if known.
        zone: Option<String>,
        /// Its security groups; `None` when no interface owns the address.
        groups: Option<Vec<String>>,
        /// The instance behind an instance target.
        instance: Option<&'a Instance>,
    },
    /// An IP target outside the VPC, reached through a route from the ALB subnet.
    External {
        /// The address the ALB connects to.
        addr: IpAddr,
    },
    /// The path cannot be evaluated, and why.
    Unknown(String),
}

/// Which port of a target is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PortRole {
    /// The port requests go to.
    Traffic,
    /// The health-check port, when it differs.
    HealthCheck,
}

/// One target of one forwarded target group.
pub struct BackendTarget<'a> {
    /// Its group.
    pub group: &'a TargetGroup,
    /// The registered target.
    pub target: &'a Target,
    /// Ports to check, traffic first.
    pub ports: Vec<(u16, PortRole)>,
    /// Where it is.
    pub placement: Placement<'a>,
}

impl BackendTarget<'_> {
    /// The target's address as a set, when known.
    pub fn addr_set(&self) -> Option<AddrSet> {
        match &self.placement {
            Placement::InVpc { addr, .. } | Placement::External { addr } => {
                Some(AddrSet::from_net(&ipnet::IpNet::from(*addr)))
            }
            Placement::Unknown(_) => None,
        }
    }

    /// The zone the target sits in, when known (`all` for external IP targets).
    pub fn zone(&self) -> Option<String> {
        match &self.placement {
            Placement::InVpc { zone, .. } => zone.clone(),
            _ => self.target.availability_zone.clone(),
        }
    }
}

/// The outcome of one path component for one (target, port, node).
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Traffic passes.
    Pass,
    /// Traffic is dropped by `resource`; `evidence` says how.
    Broken {
        /// The id to change.
        resource: String,
        /// What decided it.
        evidence: Map<String, Value>,
        /// One sentence on why.
        why: String,
    },
    /// The component could not be evaluated.
    Unknown(String),
}

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
}

impl Component {
    /// Whether the verdict depends on the ALB nodes' own addresses.
    pub fn uses_node_addresses(self) -> bool {
        matches!(
            self,
            Component::TargetIngress | Component::AclRequest | Component::AclResponse
        )
    }
}

/// Verdicts for one (target, port) from every node.
pub struct PathCheck {
    /// Index into [`Backend::targets`].
    pub target: usize,
    /// The port.
    pub port: u16,
    /// Traffic or health check.
    pub role: PortRole,
    /// Per node, per component.
    pub verdicts: Vec<BTreeMap<Component, Verdict>>,
}

impl PathCheck {
    /// Whether node `i` is cut off from the target by any component.
    fn node_broken(&self, i: usize) -> bool {
        self.verdicts[i]
            .values()
            .any(|v| matches!(v, Verdict::Broken { .. }))
    }

    /// The symptom for a finding of this check: `http-504` when no node reaches the target,
    /// else `intermittent-http-504`.
    pub fn symptom(&self) -> Symptom {
        if (0..self.verdicts.len()).all(|i| self.node_broken(i)) {
            Symptom::Http504
        } else {
            Symptom::IntermittentHttp504
        }
    }
}

/// The backend analysis of one ALB.
pub struct Backend<'a> {
    /// ALB nodes, in zone order.
    pub nodes: Vec<Node<'a>>,
    /// Every target of every forwarded group with a network path.
    pub targets: Vec<BackendTarget<'a>>,
    /// Every (target, port) with its verdicts.
    pub checks: Vec<PathCheck>,
    /// Forwarded target groups whose targets have no network path to check, and why.
    pub not_applicable: Vec<(String, String)>,
    /// Forwarded target group ARNs that are not in the snapshot.
    pub missing_groups: Vec<String>,
}

/// The target groups an ALB forwards to, in ARN order.
pub fn forwarded_groups(lb: &LoadBalancer) -> BTreeSet<&str> {
    lb.listeners
        .iter()
        .flat_map(|l| &l.forwards)
        .map(|f| f.target_group_arn.as_str())
        .collect()
}

impl<'a> Backend<'a> {
    /// Analyses every forwarded target of `lb`.
    pub fn analyse(snapshot: &'a Snapshot, index: &Index<'a>, lb: &'a LoadBalancer) -> Self {
        let network = &snapshot.network;
        let description = AlbArn::parse(&lb.arn)
            .map(|a| a.interface_description())
            .unwrap_or_default();
        let nodes: Vec<Node<'a>> = lb
            .availability_zones
            .iter()
            .map(|az| {
                let enis: Vec<_> = index
                    .interfaces_described(&description)
                    .iter()
                    .filter(|n| n.subnet_id == az.subnet_id)
                    .collect();
                let (addrs, groups, from_subnet_cidr) = if enis.is_empty() {
                    let cidrs = network
                        .subnets
                        .get(&az.subnet_id)
                        .map(|s| AddrSet::from_nets(&s.cidrs))
                        .unwrap_or_default();
                    (cidrs, lb.security_groups.clone(), true)
                } else {
                    let nets: Vec<ipnet::IpNet> = enis
                        .iter()
                        .flat_map(|n| n.addresses.iter().map(|a| ipnet::IpNet::from(*a)))
                        .collect();
                    let groups: BTreeSet<String> = enis
                        .iter()
                        .flat_map(|n| n.security_groups.iter().cloned())
                        .collect();
                    (
                        AddrSet::from_nets(&nets),
                        groups.into_iter().collect(),
                        false,
                    )
                };
                Node {
                    zone: &az.zone,
                    subnet_id: &az.subnet_id,
                    addrs,
                    groups,
                    from_subnet_cidr,
                    acl: index.acl_of(&az.subnet_id),
                    table: table_for_subnet(network, &az.subnet_id),
                }
            })
            .collect();

        let vpc_cidrs = network
            .vpcs
            .get(&lb.vpc_id)
            .map(|v| AddrSet::from_nets(&v.cidrs))
            .unwrap_or_default();
        let mut targets = Vec::new();
        let mut not_applicable = Vec::new();
        let mut missing_groups = Vec::new();
        for arn in forwarded_groups(lb) {
            let Some(group) = snapshot.target_groups.get(arn) else {
                missing_groups.push(arn.to_string());
                continue;
            };
            match group.target_type {
                TargetType::Lambda => {
                    not_applicable.push((
                        arn.to_string(),
                        "Lambda targets are invoked through the Lambda service: there is no network path to check".into(),
                    ));
                    continue;
                }
                TargetType::Alb => {
                    not_applicable.push((
                        arn.to_string(),
                        "the target is another Application Load Balancer: audit it separately"
                            .into(),
                    ));
                    continue;
                }
                _ => {}
            }
            for target in &group.targets {
                let placement = place(snapshot, index, &lb.vpc_id, &vpc_cidrs, group, target);
                let traffic = target.port.or(group.port).unwrap_or(80);
                let mut ports = vec![(traffic, PortRole::Traffic)];
                if let Ok(hc) = group.health_check_port.parse::<u16>() {
                    if hc != traffic {
                        ports.push((hc, PortRole::HealthCheck));
                    }
                }
                targets.push(BackendTarget {
                    group,
                    target,
                    ports,
                    placement,
                });
            }
        }
        let mut backend = Backend {
            nodes,
            targets,
            checks: Vec::new(),
            not_applicable,
            missing_groups,
        };
        backend.checks = backend.evaluate(snapshot, index, lb);
        backend
    }

    fn evaluate(&self, snapshot: &Snapshot, index: &Index, lb: &LoadBalancer) -> Vec<PathCheck> {
        let mut checks = Vec::new();
        for (t, target) in self.targets.iter().enumerate() {
            for &(port, role) in &target.ports {
                let verdicts = self
                    .nodes
                    .iter()
                    .map(|node| path_verdicts(snapshot, index, lb, node, target, port))
                    .collect();
                checks.push(PathCheck {
                    target: t,
                    port,
                    role,
                    verdicts,
                });
            }
        }
        checks
    }
}

/// Works out where a target is from the instance or the interface that owns its address.
fn place<'a>(
    snapshot: &'a Snapshot,
    index: &Index<'a>,
    vpc_id: &str,
    vpc_cidrs: &AddrSet,
    group: &TargetGroup,
    target: &Target,
) -> Placement<'a> {
    let network = &snapshot.network;
    match group.target_type {
        TargetType::Instance => {
            let Some(instance) = network.instances.get(&target.id) else {
                return Placement::Unknown(format!("instance {} was not found", target.id));
            };
            let Some(addr) = instance.private_ip else {
                return Placement::Unknown(format!(
                    "instance {} has no private address",
                    target.id
                ));
            };
            Placement::InVpc {
                addr,
                subnet: instance
                    .subnet_id
                    .as_ref()
                    .and_then(|s| network.subnets.get(s)),
                zone: instance.availability_zone.clone(),
                groups: Some(instance.security_groups.clone()),
                instance: Some(instance),
            }
        }
        _ => {
            let Ok(addr) = target.id.parse::<IpAddr>() else {
                return Placement::Unknown(format!("target {} is not an IP address", target.id));
            };
            if !vpc_cidrs.contains(addr) {
                return Placement::External { addr };
            }
            let eni = index.interface_at(addr);
            let subnet = match eni {
                Some(n) => network.subnets.get(&n.subnet_id),
                None => network
                    .subnets
                    .values()
                    .find(|s| s.vpc_id == vpc_id && s.cidrs.iter().any(|c| c.contains(&addr))),
            };
            Placement::InVpc {
                addr,
                subnet,
                zone: eni
                    .map(|n| n.availability_zone.clone())
                    .or_else(|| subnet.map(|s| s.availability_zone.clone())),
                groups: eni.map(|n| n.security_groups.clone()),
                instance: None,
            }
        }
    }
}

fn broken(resource: &str, why: String, evidence: &[(&str, Value)]) -> Verdict {
    Verdict::Broken {
        resource: resource.to_string(),
        evidence: evidence
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        why,
    }
}

/// Every component's verdict for one node, target and port.
fn path_verdicts(
    snapshot: &Snapshot,
    index: &Index,
    lb: &LoadBalancer,
    node: &Node,
    target: &BackendTarget,
    port: u16,
) -> BTreeMap<Component, Verdict> {
    let network = &snapshot.network;
    let mut out = BTreeMap::new();
    let Some(taddr) = target.addr_set() else {
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
            Verdict::Unknown(format!(
                "security groups {} not all found",
                node.groups.join(", ")
            ))
        } else if !egress.unresolved_prefix_lists.is_empty() {
            Verdict::Unknown("prefix list entries unknown".into())
        } else if egress.admits(&taddr, target_groups.as_deref().unwrap_or_default()) {
            Verdict::Pass
        } else {
            broken(
                &target.group.arn,
                format!(
                    "no outbound rule of {} allows TCP {port} to {}",
                    node.groups.join(", "),
                    target.target.id
                ),
                &[
                    ("security_groups", node.groups.clone().into()),
                    ("allowed_destinations", super::cidr_list(&egress.addrs)),
                    ("target_address", super::cidr_list(&taddr)),
                ],
            )
        },
    );

    // ALB202: the target's security groups inbound.
    out.insert(
        Component::TargetIngress,
        match (&target.placement, &target_groups) {
            (Placement::External { .. }, _) => Verdict::Pass,
            (_, None) => Verdict::Unknown(format!(
                "no network interface owns {}: its security groups are unknown",
                target.target.id
            )),
            (_, Some(groups)) => {
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
                } else if ingress.admits(&node.addrs, &node.groups) {
                    Verdict::Pass
                } else {
                    broken(
                        &target.target.id,
                        format!(
                            "no inbound rule of {} admits the ALB node on TCP {port}",
                            groups.join(", ")
                        ),
                        &[
                            ("target_security_groups", groups.clone().into()),
                            ("alb_security_groups", node.groups.clone().into()),
                            ("admitted_sources", super::cidr_list(&ingress.addrs)),
                            (
                                "admitted_groups",
                                ingress.groups.iter().cloned().collect::<Vec<_>>().into(),
                            ),
                        ],
                    )
                }
            }
        },
    );

    // ALB203/ALB204: both subnets' ACLs, both directions, unless node and target share a subnet.
    let same_subnet = target_subnet.is_some_and(|s| s.id == node.subnet_id);
    let target_acl = target_subnet.and_then(|s| index.acl_of(&s.id));
    let ephemeral = ports(EPHEMERAL_PORTS.0, EPHEMERAL_PORTS.1);
    let one = ports(port, port);
    let target_subnet_id = target_subnet.map(|s| s.id.as_str());
    let legs_request = [
        Leg {
            acl: node.acl,
            egress: true,
            peers: &taddr,
            ports: &one,
            subnet: Some(node.subnet_id),
            target_side: false,
        },
        Leg {
            acl: target_acl,
            egress: false,
            peers: &node.addrs,
            ports: &one,
            subnet: target_subnet_id,
            target_side: true,
        },
    ];
    let legs_response = [
        Leg {
            acl: target_acl,
            egress: true,
            peers: &node.addrs,
            ports: &ephemeral,
            subnet: target_subnet_id,
            target_side: true,
        },
        Leg {
            acl: node.acl,
            egress: false,
            peers: &taddr,
            ports: &ephemeral,
            subnet: Some(node.subnet_id),
            target_side: false,
        },
    ];
    for (component, legs) in [
        (Component::AclRequest, legs_request),
        (Component::AclResponse, legs_response),
    ] {
        let verdict = if same_subnet {
            Verdict::Pass
        } else {
            acl_legs(&target.placement, &legs)
        };
        out.insert(component, verdict);
    }

    // ALB205 / ALB105: the route to an IP target outside the VPC.
    if let Placement::External { .. } = target.placement {
        let (route, hole) = match node.table {
            None => (
                Verdict::Unknown(format!("no route table applies to {}", node.subnet_id)),
                Verdict::Pass,
            ),
            Some(table) => route_verdicts(snapshot, lb, table, &taddr),
        };
        out.insert(Component::Route, route);
        out.insert(Component::Blackhole, hole);
    }
    out
}

/// One ACL crossing of a backend packet: which ACL, which way, and whose addresses and ports.
struct Leg<'a> {
    acl: Option<&'a NetworkAcl>,
    egress: bool,
    peers: &'a AddrSet,
    ports: &'a crate::net::port_set::PortSet,
    subnet: Option<&'a str>,
    target_side: bool,
}

/// The first leg whose ACL drops the traffic decides; an unknown ACL makes it unknown.
fn acl_legs(placement: &Placement, legs: &[Leg; 2]) -> Verdict {
    for leg in legs {
        if leg.target_side && matches!(placement, Placement::External { .. }) {
            continue; // no ACL of ours on the far side
        }
        let Some(subnet) = leg.subnet else {
            return Verdict::Unknown("the target's subnet is unknown".into());
        };
        let Some(acl) = leg.acl else {
            return Verdict::Unknown(format!("no network ACL is associated with {subnet}"));
        };
        let v = evaluate_tcp(acl, leg.egress, leg.peers, leg.ports);
        if !v.denied.is_empty() {
            let direction = if leg.egress { "outbound" } else { "inbound" };
            return broken(
                &acl.id,
                format!(
                    "network ACL {} of {subnet} drops it {direction} ({})",
                    acl.id,
                    v.describe().join("; ")
                ),
                &[
                    ("network_acl", acl.id.clone().into()),
                    ("subnet", subnet.to_string().into()),
                    ("direction", direction.into()),
                    ("denied_by", v.describe().into()),
                ],
            );
        }
    }
    Verdict::Pass
}

/// ALB205 and ALB105 verdicts for the route from a node's table to an external target.
fn route_verdicts(
    snapshot: &Snapshot,
    lb: &LoadBalancer,
    table: &RouteTable,
    taddr: &AddrSet,
) -> (Verdict, Verdict) {
    let hits = match lookup(table, taddr, &snapshot.network.prefix_lists) {
        Ok(h) => h,
        Err(pl) => {
            let why = format!("the entries of prefix list {pl} are unknown");
            return (Verdict::Unknown(why.clone()), Verdict::Unknown(why));
        }
    };
    let Some(hit) = hits.first() else {
        return (Verdict::Pass, Verdict::Pass);
    };
    let evidence = |route: String| {
        vec![
            ("route_table", Value::from(table.id.clone())),
            ("route", Value::from(route)),
        ]
    };
    let Some(route) = hit.route else {
        return (
            broken(
                &table.id,
                format!("{} has no route for the target", table.id),
                &evidence("none".into()),
            ),
            Verdict::Pass,
        );
    };
    if route.state == RouteState::Blackhole {
        return (
            Verdict::Pass,
            broken(
                &table.id,
                format!("{} of {} is a blackhole", describe(route), table.id),
                &evidence(describe(route)),
            ),
        );
    }
    let ok = match target_kind(&route.target) {
        TargetKind::TransitGateway | TargetKind::PeeringConnection | TargetKind::Local => true,
        TargetKind::VpnGateway => snapshot
            .network
            .vpn_gateways
            .get(&route.target)
            .is_some_and(|g| g.attached_vpcs.contains(&lb.vpc_id)),
        _ => false,
    };
    if ok {
        (Verdict::Pass, Verdict::Pass)
    } else {
        (
            broken(
                &table.id,
                format!(
                    "{} of {} does not lead to a VPN/Direct Connect gateway attached to {}, a transit gateway or a peering connection",
                    describe(route),
                    table.id,
                    lb.vpc_id
                ),
                &evidence(describe(route)),
            ),
            Verdict::Pass,
        )
    }
}

/// One finding's worth of a path component: a broken (target, port) from one node, or from
/// every node alike (`zone` is then `None`).
pub struct PathFinding<'b, 'a> {
    /// The target.
    pub target: &'b BackendTarget<'a>,
    /// The port.
    pub port: u16,
    /// Traffic or health-check port.
    pub role: PortRole,
    /// The broken node's zone, or `None` when every node is broken alike.
    pub zone: Option<&'a str>,
    /// The id to change.
    pub resource: String,
    /// Why it is broken.
    pub why: String,
    /// What decided it, plus where the node and target are.
    pub evidence: Map<String, Value>,
    /// What the client sees.
    pub symptom: Symptom,
    /// The broken node's addresses (`None` for every node).
    pub node_addresses: Option<String>,
}

impl<'a> Backend<'a> {
    /// The findings of `component`, and the reasons it could not be evaluated somewhere.
    pub fn component_findings(
        &self,
        component: Component,
    ) -> (Vec<PathFinding<'_, 'a>>, BTreeSet<String>) {
        let mut findings = Vec::new();
        let mut unknown = BTreeSet::new();
        for check in &self.checks {
            let target = &self.targets[check.target];
            let mut broken = Vec::new();
            for (i, verdicts) in check.verdicts.iter().enumerate() {
                match verdicts.get(&component) {
                    Some(Verdict::Broken {
                        resource,
                        evidence,
                        why,
                    }) => broken.push((i, resource, evidence, why)),
                    Some(Verdict::Unknown(why)) => {
                        unknown.insert(format!("{}: {why}", target.target.id));
                    }
                    _ => {}
                }
            }
            let Some(first) = broken.first() else {
                continue;
            };
            let alike =
                broken.len() == self.nodes.len() && broken.iter().all(|(_, r, _, _)| *r == first.1);
            let symptom = check.symptom();
            let mut base = Map::new();
            base.insert("target_group".into(), target.group.arn.clone().into());
            base.insert(
                "port_role".into(),
                match check.role {
                    PortRole::Traffic => "traffic",
                    PortRole::HealthCheck => "health-check",
                }
                .into(),
            );
            if let Some(zone) = target.zone() {
                base.insert("target_zone".into(), zone.into());
            }
            if alike {
                // One finding for every node: the shared evidence, and each node's own detail.
                let mut evidence = first.2.clone();
                evidence.extend(base);
                let nodes: Vec<Value> = broken
                    .iter()
                    .map(|(i, _, e, why)| {
                        let mut detail = self.node_detail(*i);
                        detail.insert("why".into(), (*why).clone().into());
                        if let Some(d) = e.get("denied_by") {
                            detail.insert("denied_by".into(), d.clone());
                        }
                        Value::Object(detail)
                    })
                    .collect();
                evidence.remove("denied_by");
                evidence.insert("nodes".into(), nodes.into());
                let why = if broken.iter().all(|(_, _, _, w)| *w == first.3) {
                    first.3.clone()
                } else {
                    format!("{} (and likewise from the other nodes)", first.3)
                };
                findings.push(PathFinding {
                    target,
                    port: check.port,
                    role: check.role,
                    zone: None,
                    resource: first.1.clone(),
                    why,
                    evidence,
                    symptom,
                    node_addresses: None,
                });
                continue;
            }
            for (i, resource, evidence, why) in broken {
                let mut evidence = evidence.clone();
                evidence.extend(base.clone());
                evidence.extend(self.node_detail(i));
                findings.push(PathFinding {
                    target,
                    port: check.port,
                    role: check.role,
                    zone: Some(self.nodes[i].zone),
                    resource: resource.clone(),
                    why: why.clone(),
                    evidence,
                    symptom,
                    node_addresses: Some(super::brief(&self.nodes[i].addrs)),
                });
            }
        }
        (findings, unknown)
    }
}

impl Backend<'_> {
    /// Where node `i` is and which addresses it was evaluated with.
    fn node_detail(&self, i: usize) -> Map<String, Value> {
        let node = &self.nodes[i];
        let mut m = Map::new();
        m.insert("node_zone".into(), node.zone.into());
        m.insert("node_subnet".into(), node.subnet_id.into());
        let addrs = if node.from_subnet_cidr {
            format!(
                "{} (subnet CIDR: the ALB's network interfaces could not be read)",
                super::brief(&node.addrs)
            )
        } else {
            super::brief(&node.addrs)
        };
        m.insert("node_addresses".into(), addrs.into());
        m
    }
}

impl PathFinding<'_, '_> {
    /// `from the ALB node in us-east-1a` or `from every ALB node`.
    pub fn from_nodes(&self) -> String {
        match self.zone {
            Some(z) => format!("from the ALB node in {z}"),
            None => "from every ALB node".to_string(),
        }
    }

    /// The connection that fails, as a `curl -v` user would name it:
    /// `ALB node 10.0.2.10 -> i-0a1 at 10.0.11.21:8080`.
    pub fn connection(&self) -> String {
        let from = match (&self.zone, &self.node_addresses) {
            (Some(z), Some(a)) => format!("ALB node in {z} ({a})"),
            _ => "every ALB node".to_string(),
        };
        let endpoint = |addr: &IpAddr| match addr {
            IpAddr::V6(a) => format!("[{a}]:{}", self.port),
            IpAddr::V4(a) => format!("{a}:{}", self.port),
        };
        let to = match &self.target.placement {
            Placement::InVpc { addr, .. } | Placement::External { addr }
                if addr.to_string() == self.target.target.id =>
            {
                endpoint(addr)
            }
            Placement::InVpc { addr, .. } | Placement::External { addr } => {
                format!("{} at {}", self.target.target.id, endpoint(addr))
            }
            Placement::Unknown(_) => self.target.target.id.clone(),
        };
        format!("{from} -> {to}")
    }

    /// `port 8080` or `health-check port 8081`.
    pub fn port_phrase(&self) -> String {
        match self.role {
            PortRole::Traffic => format!("port {}", self.port),
            PortRole::HealthCheck => format!("health-check port {}", self.port),
        }
    }

    /// What the client sees, in words.
    pub fn consequence(&self) -> &'static str {
        match (self.role, self.symptom) {
            (PortRole::HealthCheck, _) => {
                "health checks fail and the target is taken out of service"
            }
            (_, Symptom::Http504) => "every request to this target ends in 504 Gateway Timeout",
            _ => "requests routed through the affected nodes end in 504 Gateway Timeout",
        }
    }
}
