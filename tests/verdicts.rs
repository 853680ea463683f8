//! Whole verdicts against a brute-force oracle. Random small worlds (two or three ALB subnets,
//! network ACLs, security group rules, routes with origins, two address families, IP targets
//! with their own groups and ACLs, cross-zone on or off, VPC Block Public Access with per-subnet
//! exclusions, a zonal shift that may be active, expired or not applied, EC2 interface
//! appliances on the internet gateway's edge route table and on the ALB subnets' way back) are
//! audited by the real binary, and
//! every finding is compared with what an oracle sees by walking concrete (address, port)
//! samples through AWS's rules one packet at a time. The exact evaluation works on range sets;
//! the oracle never does, so the two only agree when the composition is right.
//!
//! Sample spaces are small on purpose: clients come from 198.51.100.0/28 and 2001:db8::/124
//! (and 10.0.9.0/28 inside the VPC for internal ALBs), and every port range in the world is
//! built from a fixed set of boundaries, so testing each boundary and its neighbours is as
//! good as testing every port.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::Path;
use std::process::Command;

use ipnet::IpNet;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::{json, Value};

const LB_ARN: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188";
const TG_ARN: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/app/6d0ecf831eec9f09";
const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];
const ZONE_IDS: [&str; 3] = ["use1-az1", "use1-az2", "use1-az4"];
const VPC_V4: &str = "10.0.0.0/16";
const VPC_V6: &str = "2600:1f18:0:100::/56";
const PORT_BOUNDS: [u16; 12] = [
    0, 79, 80, 81, 442, 443, 1023, 1024, 1025, 32768, 8080, 65535,
];
const TARGET_PORT: u16 = 8080;
const HEALTH_PORT: u16 = 8081;

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

/// The client universes: every address in them is a sample.
fn client_universe(internal: bool) -> Vec<IpNet> {
    let mut u = vec![net("198.51.100.0/28"), net("2001:db8::/124")];
    if internal {
        u.push(net("10.0.9.0/28"));
    }
    u
}

fn addresses(n: &IpNet) -> Vec<IpAddr> {
    n.hosts()
        .chain([n.network(), n.broadcast()])
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn node_addr(zone: usize, v6: bool) -> IpAddr {
    if v6 {
        format!("2600:1f18:0:1{zone}0::10").parse().unwrap()
    } else {
        format!("10.0.{}.10", zone + 1).parse().unwrap()
    }
}

fn alb_subnet(zone: usize, v6: bool) -> IpNet {
    if v6 {
        net(&format!("2600:1f18:0:1{zone}0::/64"))
    } else {
        net(&format!("10.0.{}.0/24", zone + 1))
    }
}

fn app_subnet(zone: usize, v6: bool) -> IpNet {
    if v6 {
        net(&format!("2600:1f18:0:1{zone}8::/64"))
    } else {
        net(&format!("10.0.{}.0/24", zone + 11))
    }
}

// ---------------------------------------------------------------------------------------------
// The world

#[derive(Clone, Debug)]
struct AclEntry {
    rule: i32,
    egress: bool,
    protocol: &'static str,
    allow: bool,
    cidr: IpNet,
    ports: Option<(u16, u16)>,
}

#[derive(Clone, Debug)]
enum Peer {
    Cidr(IpNet),
    Group(&'static str),
}

#[derive(Clone, Debug)]
struct SgRule {
    protocol: &'static str,
    ports: Option<(u16, u16)>,
    peer: Peer,
}

#[derive(Clone, Debug)]
struct Route {
    dest: IpNet,
    target: &'static str,
    propagated: bool,
    blackhole: bool,
}

#[derive(Clone, Debug)]
struct Target {
    zone: usize,
    addr: IpAddr,
}

#[derive(Clone, Debug)]
struct World {
    internal: bool,
    dualstack: bool,
    zones: usize,
    ports: Vec<u16>,
    clients: Vec<IpNet>,
    alb_ingress: Vec<SgRule>,
    alb_egress: Vec<SgRule>,
    app_ingress: Vec<SgRule>,
    /// One ACL per ALB subnet, then one per app subnet.
    acls: Vec<Vec<AclEntry>>,
    /// One extra route list per ALB subnet (the local routes are implied).
    routes: Vec<Vec<Route>>,
    tg_v6: bool,
    cross_zone: bool,
    health_port: bool,
    targets: Vec<Target>,
    /// The account's Block Public Access mode: 0 off, 1 block-ingress, 2 block-bidirectional.
    bpa_mode: u8,
    /// One exclusion per ALB subnet: 0 none, 1 allow-bidirectional, 2 allow-egress.
    bpa_exclusions: Vec<u8>,
    /// A zonal shift away from this zone: (zone, 0 active / 1 expired / 2 not applied).
    shift: Option<(usize, u8)>,
    /// EC2 interface appliances `eni-fw0`, `eni-fw1` (internet-facing IPv4 ALBs only; empty
    /// otherwise), each in its own subnet.
    appliances: Vec<ApplianceBox>,
    /// Per ALB zone: the appliance the gateway's edge route table sends the node's subnet to.
    edge: Vec<Option<usize>>,
    /// Per ALB zone: the appliance the subnet's 0.0.0.0/0 route sends responses to.
    via: Vec<Option<usize>>,
}

/// An EC2 instance forwarding traffic through its interface.
#[derive(Clone, Copy, Debug)]
struct ApplianceBox {
    running: bool,
    source_dest_check: bool,
    /// Its subnet routes 0.0.0.0/0 to the internet gateway.
    return_route: bool,
}

impl ApplianceBox {
    fn available(&self) -> bool {
        self.running && !self.source_dest_check
    }
}

const APPLIANCE_ENIS: [&str; 2] = ["eni-fw0", "eni-fw1"];

fn cidr_in(universe: IpNet) -> impl Strategy<Value = IpNet> {
    let max = universe.max_prefix_len();
    let base = universe.prefix_len();
    (base..=max, any::<u128>()).prop_map(move |(len, bits)| {
        let host_bits = u32::from(max - base);
        let offset = if host_bits == 0 {
            0
        } else {
            bits % (1u128 << host_bits)
        };
        let addr = match universe.network() {
            IpAddr::V4(a) => IpAddr::V4((u32::from(a) + offset as u32).into()),
            IpAddr::V6(a) => IpAddr::V6((u128::from(a) + offset).into()),
        };
        IpNet::new(addr, len).unwrap().trunc()
    })
}

/// A CIDR for a rule or route: the whole family, a covering block, or a piece of a universe.
fn any_cidr(universes: Vec<IpNet>) -> impl Strategy<Value = IpNet> {
    let pieces: Vec<BoxedStrategy<IpNet>> =
        universes.into_iter().map(|u| cidr_in(u).boxed()).collect();
    prop_oneof![
        1 => Just(net("0.0.0.0/0")),
        1 => Just(net("::/0")),
        1 => Just(net("198.51.100.0/24")),
        6 => proptest::strategy::Union::new(pieces),
    ]
}

fn port_range() -> impl Strategy<Value = (u16, u16)> {
    (0..PORT_BOUNDS.len(), 0..PORT_BOUNDS.len()).prop_map(|(a, b)| {
        let (a, b) = (PORT_BOUNDS[a], PORT_BOUNDS[b]);
        (a.min(b), a.max(b))
    })
}

fn acl_entries(universes: Vec<IpNet>) -> impl Strategy<Value = Vec<AclEntry>> {
    prop::collection::vec(
        (
            1..20i32,
            any::<bool>(),
            prop_oneof![3 => Just("-1"), 3 => Just("6"), 1 => Just("17")],
            prop_oneof![3 => Just(true), 1 => Just(false)],
            any_cidr(universes),
            port_range(),
        )
            .prop_map(|(n, egress, protocol, allow, cidr, ports)| AclEntry {
                rule: n * 10,
                egress,
                protocol,
                allow,
                cidr,
                ports: (protocol != "-1").then_some(ports),
            }),
        0..6,
    )
    .prop_map(|mut entries| {
        // Rule numbers are unique per direction; a usually-open base lets denies matter.
        let mut seen = BTreeSet::new();
        entries.retain(|e| seen.insert((e.egress, e.rule)));
        for egress in [false, true] {
            for any in ["0.0.0.0/0", "::/0"] {
                entries.push(AclEntry {
                    rule: 500,
                    egress,
                    protocol: "-1",
                    allow: true,
                    cidr: net(any),
                    ports: None,
                });
            }
        }
        entries
    })
}

fn sg_rules(universes: Vec<IpNet>, group: &'static str) -> impl Strategy<Value = Vec<SgRule>> {
    prop::collection::vec(
        (
            prop_oneof![3 => Just("tcp"), 1 => Just("-1"), 1 => Just("udp")],
            port_range(),
            prop_oneof![4 => any_cidr(universes).prop_map(Peer::Cidr), 1 => Just(Peer::Group(group))],
        )
            .prop_map(|(protocol, ports, peer)| SgRule {
                protocol,
                ports: (protocol != "-1").then_some(ports),
                peer,
            }),
        0..4,
    )
}

fn routes(universes: Vec<IpNet>) -> impl Strategy<Value = Vec<Route>> {
    prop::collection::vec(
        (
            any_cidr(universes),
            prop_oneof![
                Just("igw-1"),
                Just("igw-detached"),
                Just("eigw-1"),
                Just("nat-1"),
                Just("vgw-1"),
                Just("tgw-1"),
                Just("pcx-1"),
            ],
            any::<bool>(),
            prop_oneof![9 => Just(false), 1 => Just(true)],
        )
            .prop_map(|(dest, target, propagated, blackhole)| Route {
                dest,
                target,
                propagated: propagated && target == "vgw-1",
                blackhole,
            }),
        0..5,
    )
    .prop_map(|mut rs| {
        // AWS allows one static and one propagated route per destination in a table.
        let mut seen = BTreeSet::new();
        rs.retain(|r| seen.insert((r.dest, r.propagated)));
        rs
    })
}

fn world() -> impl Strategy<Value = World> {
    (any::<bool>(), any::<bool>(), 2..=3usize).prop_flat_map(|(internal, dualstack, zones)| {
        let clients_u = client_universe(internal);
        let vpc_u = vec![net("10.0.0.0/20"), net("2600:1f18:0:100::/56")];
        let mut rule_u = clients_u.clone();
        rule_u.extend(vpc_u.clone());
        let client_sets = prop::collection::vec(cidr_in_any(clients_u.clone()), 1..4);
        let ports = prop_oneof![Just(vec![80]), Just(vec![443]), Just(vec![80, 443])];
        let targets = prop::collection::vec((0..zones, 0..2u8), 1..4);
        (
            client_sets,
            ports,
            sg_rules(rule_u.clone(), "sg-other"),
            sg_rules(vpc_u.clone(), "sg-app"),
            sg_rules(vpc_u.clone(), "sg-alb"),
            prop::collection::vec(acl_entries(rule_u.clone()), zones * 2),
            prop::collection::vec(routes(client_universe(false)), zones),
            (any::<bool>(), any::<bool>(), any::<bool>()),
            targets,
            (
                prop_oneof![2 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)],
                prop::collection::vec(0..3u8, zones),
                prop::option::weighted(0.4, (0..zones, 0..3u8)),
            ),
            (
                prop::option::weighted(
                    0.5,
                    prop::collection::vec(
                        (
                            prop_oneof![5 => Just(true), 1 => Just(false)],
                            prop_oneof![1 => Just(true), 5 => Just(false)],
                            prop_oneof![2 => Just(true), 1 => Just(false)],
                        )
                            .prop_map(
                                |(running, source_dest_check, return_route)| ApplianceBox {
                                    running,
                                    source_dest_check,
                                    return_route,
                                },
                            ),
                        2,
                    ),
                ),
                prop::collection::vec(prop::option::weighted(0.7, 0..2usize), zones),
                prop::collection::vec(prop::option::weighted(0.7, 0..2usize), zones),
            ),
        )
            .prop_map(
                move |(
                    clients,
                    ports,
                    alb_ingress,
                    alb_egress,
                    app_ingress,
                    acls,
                    routes,
                    flags,
                    targets,
                    (bpa_mode, bpa_exclusions, shift),
                    (appliances, edge, via),
                )| {
                    // Appliances stand on the internet side of IPv4 ALBs only.
                    let appliances = appliances
                        .filter(|_| !internal && !dualstack)
                        .unwrap_or_default();
                    let (edge, via) = if appliances.is_empty() {
                        (vec![None; zones], vec![None; zones])
                    } else {
                        (edge, via)
                    };
                    // The appliance route is the table's static 0.0.0.0/0 route.
                    let mut routes = routes;
                    for (z, rs) in routes.iter_mut().enumerate() {
                        if via[z].is_some() {
                            rs.retain(|r| r.propagated || r.dest != net("0.0.0.0/0"));
                        }
                    }
                    let (tg_v6, cross_zone, health_port) = flags;
                    let tg_v6 = tg_v6 && dualstack;
                    let mut seen = BTreeSet::new();
                    let targets = targets
                        .into_iter()
                        .filter(|t| seen.insert(*t))
                        .map(|(zone, i)| {
                            let addr = match (tg_v6, app_subnet(zone, tg_v6)) {
                                (true, IpNet::V6(n)) => IpAddr::V6(
                                    (u128::from(n.network()) + 20 + u128::from(i)).into(),
                                ),
                                (_, n) => match n.network() {
                                    IpAddr::V4(a) => {
                                        IpAddr::V4((u32::from(a) + 20 + u32::from(i)).into())
                                    }
                                    other => other,
                                },
                            };
                            Target { zone, addr }
                        })
                        .collect();
                    World {
                        internal,
                        dualstack,
                        zones,
                        ports,
                        clients,
                        alb_ingress,
                        alb_egress,
                        app_ingress,
                        acls,
                        routes,
                        tg_v6,
                        cross_zone,
                        health_port,
                        targets,
                        bpa_mode,
                        bpa_exclusions,
                        shift,
                        appliances,
                        edge,
                        via,
                    }
                },
            )
    })
}

/// Worlds where a zonal shift meets a node that alone cannot reach the targets: cross-zone on,
/// security groups that let the ALB reach its targets, one ALB subnet's ACL that denies all
/// traffic out to the VPC, and a shift (active) away from any zone. Random worlds rarely break the backend at some nodes only, which is where the shift
/// decides between `http-504` and `intermittent-http-504`.
fn shifted_backend_world() -> impl Strategy<Value = World> {
    world().prop_flat_map(|w| {
        let zones = w.zones;
        (Just(w), 0..zones, 0..zones).prop_map(|(mut w, broken, shifted)| {
            w.cross_zone = true;
            w.shift = Some((shifted, 0));
            w.alb_egress = vec![SgRule {
                protocol: "-1",
                ports: None,
                peer: Peer::Group("sg-app"),
            }];
            w.app_ingress = vec![SgRule {
                protocol: "-1",
                ports: None,
                peer: Peer::Group("sg-alb"),
            }];
            for vpc in [VPC_V4, VPC_V6] {
                w.acls[broken].push(AclEntry {
                    rule: 5,
                    egress: true,
                    protocol: "-1",
                    allow: false,
                    cidr: net(vpc),
                    ports: None,
                });
            }
            w
        })
    })
}

fn cidr_in_any(universes: Vec<IpNet>) -> impl Strategy<Value = IpNet> {
    let pieces: Vec<BoxedStrategy<IpNet>> =
        universes.into_iter().map(|u| cidr_in(u).boxed()).collect();
    proptest::strategy::Union::new(pieces)
}

// ---------------------------------------------------------------------------------------------
// The world as a snapshot

fn sg_json(id: &str, ingress: &[SgRule], egress: &[SgRule]) -> Value {
    let rule = |r: &SgRule| {
        let (cidrs, groups) = match &r.peer {
            Peer::Cidr(c) => (vec![c.to_string()], vec![]),
            Peer::Group(g) => (vec![], vec![g.to_string()]),
        };
        json!({
            "protocol": r.protocol,
            "from_port": r.ports.map(|p| p.0),
            "to_port": r.ports.map(|p| p.1),
            "cidrs": cidrs, "prefix_lists": [], "groups": groups,
        })
    };
    json!({
        "id": id, "name": id, "vpc_id": "vpc-1",
        "ingress": ingress.iter().map(rule).collect::<Vec<_>>(),
        "egress": egress.iter().map(rule).collect::<Vec<_>>(),
    })
}

impl World {
    fn subnet_id(&self, i: usize) -> String {
        if i < self.zones {
            format!("subnet-alb{i}")
        } else {
            format!("subnet-app{}", i - self.zones)
        }
    }

    fn bpa_name(&self) -> &'static str {
        ["off", "block-ingress", "block-bidirectional"][usize::from(self.bpa_mode)]
    }

    /// The zone a zonal shift keeps out of DNS now (an active one; expired or unapplied ones
    /// change nothing).
    fn shifted(&self) -> Option<usize> {
        self.shift.filter(|s| s.1 == 0).map(|s| s.0)
    }

    /// Whether Block Public Access drops internet clients arriving at this ALB subnet
    /// (`allow-egress` exclusions lift the way out only).
    fn bpa_blocks_inbound(&self, zone: usize) -> bool {
        !self.internal && self.bpa_mode != 0 && self.bpa_exclusions[zone] != 1
    }

    fn snapshot(&self) -> Value {
        let mut subnets = serde_json::Map::new();
        let mut acls = serde_json::Map::new();
        let mut tables = serde_json::Map::new();
        let mut enis = serde_json::Map::new();
        for i in 0..self.zones * 2 {
            let zone = i % self.zones;
            let id = self.subnet_id(i);
            let mut cidrs = vec![if i < self.zones {
                alb_subnet(zone, false)
            } else {
                app_subnet(zone, false)
            }];
            if self.dualstack {
                cidrs.push(if i < self.zones {
                    alb_subnet(zone, true)
                } else {
                    app_subnet(zone, true)
                });
            }
            subnets.insert(
                id.clone(),
                json!({"id": id, "vpc_id": "vpc-1", "availability_zone": ZONES[zone],
                       "availability_zone_id": ZONE_IDS[zone], "block_public_access": self.bpa_name(),
                       "cidrs": cidrs.iter().map(|c| c.to_string()).collect::<Vec<_>>()}),
            );
            let entries: Vec<Value> = self.acls[i]
                .iter()
                .map(|e| {
                    json!({"rule_number": e.rule, "egress": e.egress, "protocol": e.protocol,
                           "allow": e.allow, "cidr": e.cidr.to_string(),
                           "from_port": e.ports.map(|p| p.0), "to_port": e.ports.map(|p| p.1)})
                })
                .collect();
            acls.insert(
                format!("acl-{i}"),
                json!({"id": format!("acl-{i}"), "vpc_id": "vpc-1", "default": false,
                       "subnet_ids": [id], "entries": entries}),
            );
        }
        let local = |dest: &str| {
            json!({"destination": dest, "destination_prefix_list": null, "target": "local",
                   "state": "active", "origin": "CreateRouteTable"})
        };
        let mut main_routes = vec![local(VPC_V4)];
        if self.dualstack {
            main_routes.push(local(VPC_V6));
        }
        tables.insert(
            "rtb-main".into(),
            json!({"id": "rtb-main", "vpc_id": "vpc-1", "main": true, "subnet_ids": [], "routes": main_routes}),
        );
        for (z, extra) in self.routes.iter().enumerate() {
            let mut rs = main_routes.clone();
            // Propagated routes first, so API order never decides ties by accident.
            let mut sorted = extra.clone();
            sorted.sort_by_key(|r| !r.propagated);
            if let Some(k) = self.via[z] {
                rs.push(json!({"destination": "0.0.0.0/0", "destination_prefix_list": null,
                               "target": APPLIANCE_ENIS[k], "state": "active", "origin": "CreateRoute"}));
            }
            for r in &sorted {
                rs.push(json!({
                    "destination": r.dest.to_string(), "destination_prefix_list": null,
                    "target": r.target,
                    "state": if r.blackhole { "blackhole" } else { "active" },
                    "origin": if r.propagated { "EnableVgwRoutePropagation" } else { "CreateRoute" },
                }));
            }
            tables.insert(
                format!("rtb-{z}"),
                json!({"id": format!("rtb-{z}"), "vpc_id": "vpc-1", "main": false,
                       "subnet_ids": [format!("subnet-alb{z}")], "routes": rs}),
            );
        }
        if !self.appliances.is_empty() {
            let mut edge_routes = main_routes.clone();
            for (z, k) in self.edge.iter().enumerate() {
                if let Some(k) = k {
                    edge_routes.push(json!({"destination": alb_subnet(z, false).to_string(),
                        "destination_prefix_list": null, "target": APPLIANCE_ENIS[*k],
                        "state": "active", "origin": "CreateRoute"}));
                }
            }
            tables.insert(
                "rtb-edge".into(),
                json!({"id": "rtb-edge", "vpc_id": "vpc-1", "main": false, "subnet_ids": [],
                       "gateway_ids": ["igw-1"], "routes": edge_routes}),
            );
        }
        let mut instances = serde_json::Map::new();
        for (k, a) in self.appliances.iter().enumerate() {
            let subnet = format!("subnet-fw{k}");
            let zone = ZONES[k % self.zones];
            let addr = format!("10.0.10{k}.5");
            subnets.insert(
                subnet.clone(),
                json!({"id": subnet, "vpc_id": "vpc-1", "availability_zone": zone,
                       "availability_zone_id": ZONE_IDS[k % self.zones],
                       "block_public_access": self.bpa_name(), "cidrs": [format!("10.0.10{k}.0/28")]}),
            );
            let mut rs = main_routes.clone();
            if a.return_route {
                rs.push(
                    json!({"destination": "0.0.0.0/0", "destination_prefix_list": null,
                               "target": "igw-1", "state": "active", "origin": "CreateRoute"}),
                );
            }
            tables.insert(
                format!("rtb-fw{k}"),
                json!({"id": format!("rtb-fw{k}"), "vpc_id": "vpc-1", "main": false,
                       "subnet_ids": [subnet], "routes": rs}),
            );
            enis.insert(
                APPLIANCE_ENIS[k].into(),
                json!({"id": APPLIANCE_ENIS[k], "description": "firewall appliance",
                       "subnet_id": subnet, "availability_zone": zone, "addresses": [addr],
                       "security_groups": ["sg-app"], "source_dest_check": a.source_dest_check,
                       "instance_id": format!("i-fw{k}")}),
            );
            instances.insert(
                format!("i-fw{k}"),
                json!({"id": format!("i-fw{k}"), "state": if a.running { "running" } else { "stopped" },
                       "subnet_id": subnet, "availability_zone": zone, "private_ip": addr,
                       "security_groups": ["sg-app"], "source_dest_check": a.source_dest_check}),
            );
        }
        let desc = "ELB app/web/50dc6c495c0c9188";
        for (z, zone) in ZONES.iter().enumerate().take(self.zones) {
            let mut addrs = vec![node_addr(z, false).to_string()];
            if self.dualstack {
                addrs.push(node_addr(z, true).to_string());
            }
            enis.insert(
                format!("eni-alb{z}"),
                json!({"id": format!("eni-alb{z}"), "description": desc,
                       "subnet_id": format!("subnet-alb{z}"), "availability_zone": zone,
                       "addresses": addrs, "security_groups": ["sg-alb"],
                       "requester_managed": true, "requester_id": "amazon-elb"}),
            );
        }
        for (i, t) in self.targets.iter().enumerate() {
            enis.insert(
                format!("eni-t{i}"),
                json!({"id": format!("eni-t{i}"), "description": "app",
                       "subnet_id": format!("subnet-app{}", t.zone), "availability_zone": ZONES[t.zone],
                       "addresses": [t.addr.to_string()], "security_groups": ["sg-app"]}),
            );
        }
        let mut vpc_cidrs = vec![VPC_V4];
        if self.dualstack {
            vpc_cidrs.push(VPC_V6);
        }
        let listeners: Vec<Value> = self
            .ports
            .iter()
            .map(|p| {
                json!({"arn": format!("{LB_ARN}/l{p}").replace(":loadbalancer/", ":listener/"),
                       "port": p, "protocol": "HTTP",
                       "forwards": [{"target_group_arn": TG_ARN, "via": "default", "weight": null}]})
            })
            .collect();
        let targets: Vec<Value> = self
            .targets
            .iter()
            .map(|t| json!({"id": t.addr.to_string(), "port": TARGET_PORT, "availability_zone": ZONES[t.zone],
                            "state": "healthy", "reason": null, "description": null}))
            .collect();
        let exclusions: Vec<Value> = self
            .bpa_exclusions
            .iter()
            .enumerate()
            .filter(|(_, e)| **e != 0)
            .map(|(z, e)| {
                json!({"id": format!("vpcbpa-exclude-{z}"), "resource_id": format!("subnet-alb{z}"),
                       "mode": if *e == 1 { "allow-bidirectional" } else { "allow-egress" },
                       "state": "create-complete"})
            })
            .collect();
        let shifts: Vec<Value> = self
            .shift
            .iter()
            .map(|&(z, state)| {
                json!({"id": "shift-1", "kind": "zonal-shift", "away_from": ZONE_IDS[z],
                       "applied": state != 2, "start_time": "2026-11-24T11:00:00Z",
                       "expiry": if state == 1 { "2026-11-24T11:30:00Z" } else { "2026-11-24T15:00:00Z" },
                       "comment": null})
            })
            .collect();
        json!({
            "format": 1,
            "region": "us-east-1",
            "collected_at": "2026-11-24T12:00:00Z",
            "zonal_shifts": {LB_ARN: shifts},
            "load_balancers": [{
                "arn": LB_ARN, "name": "web",
                "scheme": if self.internal { "internal" } else { "internet-facing" },
                "ip_address_type": if self.dualstack { "dualstack" } else { "ipv4" },
                "vpc_id": "vpc-1", "dns_name": "web.example",
                "availability_zones": (0..self.zones).map(|z| json!({"zone": ZONES[z], "subnet_id": format!("subnet-alb{z}")})).collect::<Vec<_>>(),
                "security_groups": ["sg-alb"],
                "listeners": listeners,
            }],
            "target_groups": {TG_ARN: {
                "arn": TG_ARN, "name": "app", "target_type": "ip", "protocol": "HTTP",
                "port": TARGET_PORT, "vpc_id": "vpc-1",
                "ip_address_type": if self.tg_v6 { "ipv6" } else { "ipv4" },
                "cross_zone_enabled": self.cross_zone,
                "health_check_port": if self.health_port { HEALTH_PORT.to_string() } else { "traffic-port".to_string() },
                "targets": targets,
            }},
            "network": {
                "vpcs": {"vpc-1": {"id": "vpc-1", "cidrs": vpc_cidrs, "block_public_access": self.bpa_name()}},
                "block_public_access": {"mode": self.bpa_name(), "exclusions_allowed": true,
                                        "exclusions": exclusions},
                "subnets": subnets,
                "route_tables": tables,
                "internet_gateways": {"igw-1": {"id": "igw-1", "attached_vpcs": ["vpc-1"]},
                                      "igw-detached": {"id": "igw-detached", "attached_vpcs": []}},
                "vpn_gateways": {"vgw-1": {"id": "vgw-1", "attached_vpcs": ["vpc-1"]}},
                "security_groups": {
                    "sg-alb": sg_json("sg-alb", &self.alb_ingress, &self.alb_egress),
                    "sg-app": sg_json("sg-app", &self.app_ingress, &[]),
                },
                "prefix_lists": {},
                "network_acls": acls,
                "network_interfaces": enis,
                "instances": instances,
            },
            "gaps": [],
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The oracle: concrete packets through AWS's rules

fn covers_tcp(protocol: &str) -> bool {
    matches!(protocol, "-1" | "6" | "tcp")
}

fn in_ports(ports: Option<(u16, u16)>, p: u16) -> bool {
    ports.is_none_or(|(lo, hi)| lo <= p && p <= hi)
}

/// First matching entry by rule number decides; no match denies.
fn acl_allows(entries: &[AclEntry], egress: bool, peer: IpAddr, port: u16) -> bool {
    let mut es: Vec<&AclEntry> = entries.iter().filter(|e| e.egress == egress).collect();
    es.sort_by_key(|e| e.rule);
    es.into_iter()
        .find(|e| covers_tcp(e.protocol) && in_ports(e.ports, port) && e.cidr.contains(&peer))
        .is_some_and(|e| e.allow)
}

fn ephemeral_samples() -> Vec<u16> {
    let mut s = BTreeSet::new();
    for b in PORT_BOUNDS {
        for p in [b.saturating_sub(1), b, b.saturating_add(1)] {
            if p >= 1024 {
                s.insert(p);
            }
        }
    }
    s.into_iter().collect()
}

fn sg_allows(rules: &[SgRule], port: u16, peer: IpAddr, peer_groups: &[&str]) -> bool {
    rules.iter().any(|r| {
        covers_tcp(r.protocol)
            && in_ports(r.ports, port)
            && match &r.peer {
                Peer::Cidr(c) => c.contains(&peer),
                Peer::Group(g) => peer_groups.contains(g),
            }
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RouteOutcome {
    Ok,
    Blackhole,
    Broken,
    /// To appliance `eni-fw{k}`.
    Appliance(usize),
}

/// Longest prefix; among equal prefixes local, then static, then propagated routes.
fn route_for(w: &World, zone: usize, a: IpAddr) -> RouteOutcome {
    let mut best: Option<(u8, u8, &Route)> = None;
    let vpc: Vec<IpNet> = [net(VPC_V4)]
        .into_iter()
        .chain(w.dualstack.then(|| net(VPC_V6)))
        .collect();
    if vpc.iter().any(|n| n.contains(&a)) {
        // The world has no route more specific than the VPC's own blocks.
        return RouteOutcome::Ok;
    }
    let to_appliance = w.via[zone].map(|k| Route {
        dest: net("0.0.0.0/0"),
        target: APPLIANCE_ENIS[k],
        propagated: false,
        blackhole: false,
    });
    for r in w.routes[zone].iter().chain(&to_appliance) {
        if !r.dest.contains(&a) {
            continue;
        }
        let rank = u8::from(r.propagated);
        let key = (r.dest.prefix_len(), 255 - rank);
        if best.is_none_or(|(l, k, _)| key > (l, k)) {
            best = Some((key.0, key.1, r));
        }
    }
    let Some((_, _, r)) = best else {
        return RouteOutcome::Broken;
    };
    if r.blackhole {
        return RouteOutcome::Blackhole;
    }
    if let Some(k) = APPLIANCE_ENIS.iter().position(|e| *e == r.target) {
        return RouteOutcome::Appliance(k);
    }
    let ok = if w.internal {
        matches!(r.target, "vgw-1" | "tgw-1" | "pcx-1")
    } else {
        r.target == "igw-1"
    };
    if ok {
        RouteOutcome::Ok
    } else {
        RouteOutcome::Broken
    }
}

/// What becomes of a client's connection at a node, on the way in through the gateway's edge
/// route table and back through the subnet's route (AWS: the response must leave through the
/// appliance the request came through, which must be available and route it on to the gateway).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Back {
    Through,
    /// Symmetric through an available appliance: its own filtering is unseen.
    Unseen,
    Dropped(&'static str),
}

fn back(w: &World, zone: usize, a: IpAddr) -> Back {
    let entered = w.edge[zone];
    if entered.is_some_and(|k| !w.appliances[k].available()) {
        return Back::Dropped("ALB111");
    }
    match route_for(w, zone, a) {
        RouteOutcome::Blackhole => Back::Dropped("ALB105"),
        RouteOutcome::Broken => Back::Dropped(if w.internal { "ALB106" } else { "ALB104" }),
        RouteOutcome::Ok if entered.is_some() && !in_vpc(w, a) => Back::Dropped("ALB110"),
        RouteOutcome::Ok => Back::Through,
        RouteOutcome::Appliance(k) if entered != Some(k) => Back::Dropped("ALB110"),
        RouteOutcome::Appliance(k) if !w.appliances[k].return_route => Back::Dropped("ALB112"),
        RouteOutcome::Appliance(_) => Back::Unseen,
    }
}

fn in_vpc(w: &World, a: IpAddr) -> bool {
    net(VPC_V4).contains(&a) || (w.dualstack && net(VPC_V6).contains(&a))
}

/// What the oracle expects: findings as (rule, zone, port, target) with symptom and, for
/// frontend findings, the blocked client samples.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Expected {
    symptom: Option<String>,
    blocked: BTreeSet<IpAddr>,
    /// A finding about a node that a zonal shift keeps out of DNS carries `masked_until`.
    masked: bool,
    /// `error`, `warning` or `note`; `None` where the oracle does not judge it.
    severity: Option<String>,
}

type Key = (String, Option<String>, Option<u16>, Option<String>);

fn client_in_scope(w: &World, a: IpAddr) -> bool {
    w.clients.iter().any(|c| c.contains(&a)) && (w.dualstack || a.is_ipv4())
}

fn oracle(w: &World) -> BTreeMap<Key, Expected> {
    let mut out: BTreeMap<Key, Expected> = BTreeMap::new();
    let samples: Vec<IpAddr> = client_universe(w.internal)
        .iter()
        .flat_map(addresses)
        .filter(|a| client_in_scope(w, *a))
        .collect();
    let eph = ephemeral_samples();
    let unserved = client_universe(w.internal)
        .iter()
        .flat_map(addresses)
        .any(|a| w.clients.iter().any(|c| c.contains(&a)) && !w.dualstack && a.is_ipv6());
    if unserved {
        out.insert(
            ("ALB108".into(), None, None, None),
            Expected {
                symptom: Some("timeout".into()),
                ..Expected::default()
            },
        );
    }
    // Per node: which clients each component drops.
    let acl_in = |z: usize, a: IpAddr, p: u16| !acl_allows(&w.acls[z], false, a, p);
    let acl_out = |z: usize, a: IpAddr| eph.iter().any(|&e| !acl_allows(&w.acls[z], true, a, e));
    // Responses dropped on a port today's client systems pick (32768 and up): a client cut off.
    // Dropped below it only, NAT devices and old systems lose some connections (a warning,
    // intermittent), and nobody is cut off at that node.
    let acl_out_common = |z: usize, a: IpAddr| {
        eph.iter()
            .filter(|&&e| e >= 32768)
            .any(|&e| !acl_allows(&w.acls[z], true, a, e))
    };
    let local_blocked = |z: usize, a: IpAddr, p: u16| {
        acl_in(z, a, p)
            || acl_out_common(z, a)
            || matches!(back(w, z, a), Back::Dropped(_))
            || w.bpa_blocks_inbound(z)
            || (back(w, z, a) == Back::Unseen && w.bpa_mode == 2)
    };
    // A node in DNS shares its clients with the other nodes in DNS; a node a zonal shift keeps
    // out of DNS is judged as it will be when the shift ends, against every other node.
    let peers = |z: usize| -> Vec<usize> {
        (0..w.zones)
            .filter(|&j| j != z && (w.shifted() == Some(z) || w.shifted() != Some(j)))
            .collect()
    };
    let symptom = |z: usize, blocked: &BTreeSet<IpAddr>, ports: &[u16]| -> String {
        let total = peers(z).is_empty()
            || ports.iter().any(|&p| {
                blocked
                    .iter()
                    .any(|&a| peers(z).into_iter().all(|j| local_blocked(j, a, p)))
            });
        if total {
            "timeout"
        } else {
            "intermittent-timeout"
        }
        .to_string()
    };
    for &p in &w.ports {
        let blocked: BTreeSet<IpAddr> = samples
            .iter()
            .copied()
            .filter(|&a| !sg_allows(&w.alb_ingress, p, a, &[]))
            .collect();
        if !blocked.is_empty() {
            out.insert(
                ("ALB101".into(), None, Some(p), None),
                Expected {
                    symptom: Some("timeout".into()),
                    blocked,
                    masked: false,
                    severity: None,
                },
            );
        }
    }
    for (z, name) in ZONES.iter().enumerate().take(w.zones) {
        let zone = Some(name.to_string());
        for &p in &w.ports {
            let blocked: BTreeSet<IpAddr> = samples
                .iter()
                .copied()
                .filter(|&a| acl_in(z, a, p))
                .collect();
            if !blocked.is_empty() {
                let s = symptom(z, &blocked, &[p]);
                out.insert(
                    ("ALB102".into(), zone.clone(), Some(p), None),
                    Expected {
                        symptom: Some(s),
                        blocked,
                        masked: w.shifted() == Some(z),
                        severity: None,
                    },
                );
            }
        }
        let blocked: BTreeSet<IpAddr> =
            samples.iter().copied().filter(|&a| acl_out(z, a)).collect();
        if !blocked.is_empty() {
            let partial = !samples.iter().any(|&a| acl_out_common(z, a));
            let s = if partial {
                "intermittent-timeout".to_string()
            } else {
                symptom(z, &blocked, &w.ports)
            };
            out.insert(
                ("ALB103".into(), zone.clone(), None, None),
                Expected {
                    symptom: Some(s),
                    blocked,
                    masked: w.shifted() == Some(z),
                    severity: partial.then(|| "warning".to_string()),
                },
            );
        }
        let backs: Vec<(IpAddr, Back)> = samples.iter().map(|&a| (a, back(w, z, a))).collect();
        for rule in ["ALB104", "ALB105", "ALB106", "ALB110", "ALB111", "ALB112"] {
            let blocked: BTreeSet<IpAddr> = backs
                .iter()
                .filter(|(_, b)| *b == Back::Dropped(rule))
                .map(|(a, _)| *a)
                .collect();
            if !blocked.is_empty() {
                let s = symptom(z, &blocked, &w.ports);
                out.insert(
                    (rule.into(), zone.clone(), None, None),
                    Expected {
                        symptom: Some(s),
                        blocked,
                        masked: w.shifted() == Some(z),
                        severity: None,
                    },
                );
            }
        }
        // An appliance's subnet under bidirectional Block Public Access cannot send the
        // responses on to the internet (ALB109 through the appliance).
        let appliance_blocked: BTreeSet<IpAddr> = backs
            .iter()
            .filter(|(_, b)| *b == Back::Unseen && w.bpa_mode == 2)
            .map(|(a, _)| *a)
            .collect();
        if !appliance_blocked.is_empty() && !w.bpa_blocks_inbound(z) {
            let s = symptom(z, &appliance_blocked, &w.ports);
            out.insert(
                ("ALB109".into(), zone.clone(), None, None),
                Expected {
                    symptom: Some(s),
                    masked: w.shifted() == Some(z),
                    ..Expected::default()
                },
            );
        }
        // ALB109: every internet client is dropped at this node's subnet. Its evidence names
        // the clients in words ("all IPv4 internet clients"), so only the verdict is compared.
        if w.bpa_blocks_inbound(z) && !samples.is_empty() {
            let everyone: BTreeSet<IpAddr> = samples.iter().copied().collect();
            let s = symptom(z, &everyone, &w.ports);
            out.insert(
                ("ALB109".into(), zone.clone(), None, None),
                Expected {
                    symptom: Some(s),
                    masked: w.shifted() == Some(z),
                    ..Expected::default()
                },
            );
        }
    }
    backend_oracle(w, &mut out);
    // Named clients (`--client-cidr`) make every cut an error; a zonal shift's masking makes
    // it a warning at most. A backend finding on a shifted node may speak for every node
    // alike (then unmasked), which the oracle does not model: not judged.
    for ((_, zone, _, target), e) in out.iter_mut() {
        let shifted = zone.is_some() && zone.as_deref() == w.shifted().map(|z| ZONES[z]);
        if target.is_some() && shifted {
            continue;
        }
        if e.severity.is_none() {
            e.severity = Some(if shifted { "warning" } else { "error" }.to_string());
        }
    }
    out
}

fn backend_oracle(w: &World, out: &mut BTreeMap<Key, Expected>) {
    let eph = ephemeral_samples();
    let mut ports = vec![TARGET_PORT];
    if w.health_port {
        ports.push(HEALTH_PORT);
    }
    for t in &w.targets {
        let carrying: Vec<usize> = (0..w.zones)
            .filter(|&z| w.cross_zone || z == t.zone)
            .collect();
        for &q in &ports {
            let mut broken_nodes: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
            for &z in &carrying {
                let n = node_addr(z, w.tg_v6);
                let node_acl = &w.acls[z];
                let app_acl = &w.acls[w.zones + t.zone];
                if !sg_allows(&w.alb_egress, q, t.addr, &["sg-app"]) {
                    broken_nodes.entry("ALB201").or_default().insert(z);
                }
                if !sg_allows(&w.app_ingress, q, n, &["sg-alb"]) {
                    broken_nodes.entry("ALB202").or_default().insert(z);
                }
                if !acl_allows(node_acl, true, t.addr, q) || !acl_allows(app_acl, false, n, q) {
                    broken_nodes.entry("ALB203").or_default().insert(z);
                }
                if eph.iter().any(|&e| {
                    !acl_allows(app_acl, true, n, e) || !acl_allows(node_acl, false, t.addr, e)
                }) {
                    broken_nodes.entry("ALB204").or_default().insert(z);
                }
            }
            let any_broken: BTreeSet<usize> = broken_nodes.values().flatten().copied().collect();
            // Clients reach only the nodes in DNS: when all of those are broken, every request
            // fails; a broken node out of DNS alone is judged as it will be when the shift ends.
            let serving = |z: usize| w.shifted() != Some(z);
            let shifted_only = any_broken.iter().all(|&z| !serving(z));
            let counted: Vec<usize> = carrying
                .iter()
                .copied()
                .filter(|&z| shifted_only || serving(z))
                .collect();
            let symptom = if counted.iter().all(|z| any_broken.contains(z)) {
                "http-504"
            } else {
                "intermittent-http-504"
            };
            for (rule, nodes) in broken_nodes {
                for z in nodes {
                    out.insert(
                        (
                            rule.into(),
                            Some(ZONES[z].to_string()),
                            Some(q),
                            Some(t.addr.to_string()),
                        ),
                        Expected {
                            symptom: Some(symptom.into()),
                            ..Expected::default()
                        },
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The audit through the real binary, and the comparison

/// Parses an evidence address list (`a/b, c; d`, or `0.0.0.0/0 except …`) into samples.
fn parse_blocked(text: &str, samples: &[IpAddr]) -> BTreeSet<IpAddr> {
    let mut out = BTreeSet::new();
    for family in text.split("; ") {
        let (base, except) = match family.split_once(" except ") {
            Some((b, e)) => (b, e),
            None => (family, ""),
        };
        let nets = |s: &str| -> Vec<IpNet> {
            s.split(", ")
                .filter(|p| !p.is_empty() && *p != "no address")
                .filter_map(|p| {
                    p.parse::<IpNet>()
                        .ok()
                        .or_else(|| p.parse::<IpAddr>().ok().map(IpNet::from))
                })
                .collect()
        };
        let (inc, exc) = (nets(base), nets(except));
        for &a in samples {
            if inc.iter().any(|n| n.contains(&a)) && !exc.iter().any(|n| n.contains(&a)) {
                out.insert(a);
            }
        }
    }
    out
}

fn audit(w: &World) -> BTreeMap<Key, Expected> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snapshot.json");
    std::fs::write(&path, serde_json::to_string(&w.snapshot()).unwrap()).unwrap();
    let report = run(&path, &w.clients);
    let samples: Vec<IpAddr> = client_universe(w.internal)
        .iter()
        .flat_map(addresses)
        .collect();
    let lb = &report["load_balancers"][0];
    let mut out: BTreeMap<Key, Expected> = BTreeMap::new();
    let carrying = |target: &str| -> Vec<usize> {
        let t = w.targets.iter().find(|t| t.addr.to_string() == target);
        (0..w.zones)
            .filter(|&z| w.cross_zone || t.is_some_and(|t| t.zone == z))
            .collect()
    };
    for f in lb["findings"].as_array().unwrap() {
        let rule = f["rule"].as_str().unwrap().to_string();
        if ![
            "ALB101", "ALB102", "ALB103", "ALB104", "ALB105", "ALB106", "ALB108", "ALB109",
            "ALB110", "ALB111", "ALB112", "ALB201", "ALB202", "ALB203", "ALB204",
        ]
        .contains(&rule.as_str())
        {
            continue;
        }
        let port = f["port"].as_u64().map(|p| p as u16);
        let port = if [
            "ALB103", "ALB104", "ALB105", "ALB106", "ALB109", "ALB110", "ALB111", "ALB112",
        ]
        .contains(&rule.as_str())
        {
            None
        } else {
            port
        };
        let target = f["target"].as_str().map(str::to_string);
        let blocked = f["evidence"]["blocked"]
            .as_str()
            .filter(|_| rule != "ALB109")
            .map(|b| parse_blocked(b, &samples))
            .unwrap_or_default();
        // Masking is compared on the front door, whose findings are always per node; a backend
        // finding alike on every node speaks for all of them and is never masked.
        let masked = target.is_none() && f["masked_until"].is_string();
        let expected = Expected {
            symptom: f["symptom"].as_str().map(str::to_string),
            blocked,
            masked,
            severity: f["severity"].as_str().map(str::to_string),
        };
        match (f["availability_zone"].as_str(), &target) {
            // A backend finding for every node alike stands for each node that carries traffic.
            (None, Some(t)) => {
                for z in carrying(t) {
                    out.insert(
                        (
                            rule.clone(),
                            Some(ZONES[z].to_string()),
                            port,
                            target.clone(),
                        ),
                        expected.clone(),
                    );
                }
            }
            (zone, _) => {
                let key = (rule, zone.map(str::to_string), port, target);
                let slot = out.entry(key).or_default();
                slot.symptom = expected.symptom;
                slot.masked = expected.masked;
                slot.severity = expected.severity;
                slot.blocked.extend(expected.blocked);
            }
        }
    }
    out
}

fn run(snapshot: &Path, clients: &[IpNet]) -> Value {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_alb-audit"));
    cmd.args(["audit", "--format", "json", "--snapshot"])
        .arg(snapshot);
    for c in clients {
        cmd.args(["--client-cidr", &c.to_string()]);
    }
    let out = cmd.output().expect("run alb-audit");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Differences between the audit and the oracle: (false errors, false passes, wrong symptoms).
fn compare(
    actual: &BTreeMap<Key, Expected>,
    expected: &BTreeMap<Key, Expected>,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut false_errors = Vec::new();
    let mut false_passes = Vec::new();
    let mut symptoms = Vec::new();
    for (k, a) in actual {
        match expected.get(k) {
            None => false_errors.push(format!("{k:?} reported, the oracle sees nothing blocked")),
            Some(e) => {
                let extra: Vec<_> = a.blocked.difference(&e.blocked).collect();
                let missing: Vec<_> = e.blocked.difference(&a.blocked).collect();
                if !extra.is_empty() {
                    false_errors.push(format!("{k:?} blocks {extra:?}, which get through"));
                }
                if !missing.is_empty() {
                    false_passes.push(format!("{k:?} misses blocked {missing:?}"));
                }
                if e.severity.is_some() && a.severity != e.severity {
                    symptoms.push(format!(
                        "{k:?}: severity {:?}, expected {:?}",
                        a.severity, e.severity
                    ));
                }
                if a.masked != e.masked {
                    symptoms.push(format!("{k:?}: masked {}, expected {}", a.masked, e.masked));
                }
                if a.symptom != e.symptom {
                    symptoms.push(format!(
                        "{k:?}: symptom {:?}, expected {:?}",
                        a.symptom, e.symptom
                    ));
                }
            }
        }
    }
    for k in expected.keys() {
        if !actual.contains_key(k) {
            false_passes.push(format!("{k:?} expected, not reported"));
        }
    }
    (false_errors, false_passes, symptoms)
}

/// The audit of `w` and the oracle agree on every finding, symptom, masking and severity.
fn agrees_with_the_oracle(w: &World) -> Result<(), TestCaseError> {
    let (fe, fp, sy) = compare(&audit(w), &oracle(w));
    prop_assert!(
        fe.is_empty() && fp.is_empty() && sy.is_empty(),
        "false errors: {fe:#?}\nfalse passes: {fp:#?}\nsymptoms: {sy:#?}"
    );
    Ok(())
}

proptest! {
    #![proptest_config(Config { cases: 96, ..Config::default() })]

    #[test]
    fn whole_verdicts_match_the_oracle(w in world()) {
        agrees_with_the_oracle(&w)?;
    }
}

proptest! {
    #![proptest_config(Config { cases: 32, ..Config::default() })]

    #[test]
    fn shifted_backend_verdicts_match_the_oracle(w in shifted_backend_world()) {
        agrees_with_the_oracle(&w)?;
    }
}

proptest! {
    #![proptest_config(Config { cases: 64, ..Config::default() })]

    /// Worlds with interface appliances only (random ones have them about one time in eight).
    #[test]
    fn appliance_verdicts_match_the_oracle(
        w in world().prop_filter("interface appliances", |w| !w.appliances.is_empty())
    ) {
        agrees_with_the_oracle(&w)?;
    }
}

/// Counts disagreements over many random worlds without stopping at the first: the measure of
/// how wrong a build is (`cargo test --test verdicts -- --ignored --nocapture`).
#[test]
#[ignore]
fn count_disagreements() {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let (mut worlds, mut bad, mut fe_n, mut fp_n, mut sy_n) = (0, 0, 0, 0, 0);
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..400 {
        let w = world().new_tree(&mut runner).unwrap().current();
        let (fe, fp, sy) = compare(&audit(&w), &oracle(&w));
        worlds += 1;
        if !(fe.is_empty() && fp.is_empty() && sy.is_empty()) {
            bad += 1;
        }
        for (list, label) in [(&fe, "false error"), (&fp, "false pass"), (&sy, "symptom")] {
            for item in list.iter() {
                let rule = item.split('"').nth(1).unwrap_or("?");
                *kinds.entry(format!("{label} {rule}")).or_default() += 1;
            }
        }
        fe_n += fe.len();
        fp_n += fp.len();
        sy_n += sy.len();
    }
    println!("{worlds} worlds, {bad} with disagreements: {fe_n} false errors, {fp_n} false passes, {sy_n} wrong symptoms");
    for (k, n) in kinds {
        println!("  {k}: {n}");
    }
}

/// Prints the first three worlds with a disagreement whose text contains `SHOW` (a rule code, say),
/// to debug what `count_disagreements` counts; a tool, not a check.
#[test]
#[ignore]
fn show_disagreements() {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let want = std::env::var("SHOW").unwrap_or_default();
    let mut shown = 0;
    for _ in 0..400 {
        let w = world().new_tree(&mut runner).unwrap().current();
        let (fe, fp, sy) = compare(&audit(&w), &oracle(&w));
        let all: Vec<&String> = fe
            .iter()
            .chain(&fp)
            .chain(&sy)
            .filter(|s| s.contains(&want))
            .collect();
        if !all.is_empty() && shown < 3 {
            shown += 1;
            println!("internal={} dualstack={} zones={} ports={:?} clients={:?}\nroutes={:?}\n{all:#?}\n-----", w.internal, w.dualstack, w.zones, w.ports, w.clients, w.routes);
        }
    }
}

/// The audit of `snapshot` as (ALB, fingerprint) -> severity, through the library.
fn fingerprints(
    snapshot: &alb_audit::model::Snapshot,
    options: &alb_audit::rules::Options,
) -> BTreeMap<String, alb_audit::finding::Severity> {
    alb_audit::rules::evaluate(snapshot, options)
        .into_iter()
        .flat_map(|o| {
            o.findings
                .into_iter()
                .map(move |f| (format!("{} {}", o.lb.arn, f.fingerprint), f.severity))
        })
        .collect()
}

proptest! {
    #![proptest_config(Config { cases: 32, ..Config::default() })]

    /// Every fix marked verified, applied to the broken world, leaves no finding of its cause
    /// and no finding that is new or worse; every proposed fix removes its own cause.
    #[test]
    fn verified_fixes_fix_and_break_nothing(w in world()) {
        let snapshot: alb_audit::model::Snapshot =
            serde_json::from_value(w.snapshot()).unwrap();
        let options = alb_audit::rules::Options {
            client_cidrs: w.clients.clone(),
            ..Default::default()
        };
        let before = fingerprints(&snapshot, &options);
        for outcome in alb_audit::rules::evaluate(&snapshot, &options) {
            for f in outcome.findings {
                // A proposed change may break something else (then it is not verified), but it
                // always fixes its own cause.
                prop_assert!(
                    f.fix.note.as_deref() != Some(alb_audit::fix::verify::STILL_THERE),
                    "{} {:?}: {:?} leaves it", f.rule, f.availability_zone, f.fix.changes
                );
                if !f.fix.verified {
                    continue;
                }
                prop_assert!(!f.fix.changes.is_empty(), "{} verified without changes", f.rule);
                let mut fixed = snapshot.clone();
                for c in &f.fix.plan {
                    c.apply(&mut fixed);
                }
                let after = fingerprints(&fixed, &options);
                let key = format!("{} {}", outcome.lb.arn, f.fingerprint);
                prop_assert!(!after.contains_key(&key), "{} {:?} still there after {:?}", f.rule, f.availability_zone, f.fix.changes);
                for (k, sev) in &after {
                    prop_assert!(before.get(k).is_some_and(|b| b >= sev),
                        "fixing {} ({:?}) made {k} new or worse", f.rule, f.fix.changes);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Which forwards carry traffic: listener rules against sample requests

/// A listener rule condition: `field` matches when any of `values` does.
#[derive(Clone, Debug)]
struct Condition {
    field: &'static str,
    values: Vec<&'static str>,
}

const PATHS: [&str; 6] = ["*", "/*", "/**", "/api/*", "/x", "?*"];
const HOSTS: [&str; 3] = ["*", "a.example", "*.example"];
const HEADERS: [&str; 2] = ["*", "prod"];

fn condition() -> impl Strategy<Value = Condition> {
    let values =
        |set: &'static [&'static str]| prop::collection::vec(prop::sample::select(set), 1..3);
    prop_oneof![
        3 => values(&PATHS).prop_map(|values| Condition { field: "path-pattern", values }),
        2 => values(&HOSTS).prop_map(|values| Condition { field: "host-header", values }),
        1 => values(&HEADERS).prop_map(|values| Condition { field: "http-header", values }),
    ]
}

/// Rules in priority order (priorities 1, 2, …), each with one to three conditions on
/// distinct fields, as AWS allows.
fn rule_list() -> impl Strategy<Value = Vec<Vec<Condition>>> {
    prop::collection::vec(
        prop::collection::vec(condition(), 1..4).prop_map(|mut cs| {
            let mut seen = BTreeSet::new();
            cs.retain(|c| seen.insert(c.field));
            cs
        }),
        0..6,
    )
}

/// ALB's wildcard match: `*` any run of characters, `?` exactly one.
fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|i| go(rest, &t[i..])),
            Some(('?', rest)) => !t.is_empty() && go(rest, &t[1..]),
            Some((c, rest)) => t.first() == Some(c) && go(rest, &t[1..]),
        }
    }
    go(
        &pattern.chars().collect::<Vec<_>>(),
        &text.chars().collect::<Vec<_>>(),
    )
}

/// One request of each kind the conditions can tell apart: a path under /api/, /x or
/// elsewhere; a host that is a.example, another .example name or neither; the header
/// `X-Env` absent, `prod` or something else. The sample is complete for these conditions, so
/// walking it gives exact reachability.
fn requests() -> Vec<(&'static str, &'static str, Option<&'static str>)> {
    let mut out = Vec::new();
    for path in ["/", "/api/v", "/x"] {
        for host in ["a.example", "b.example", "c.other"] {
            for header in [None, Some("prod"), Some("dev")] {
                out.push((path, host, header));
            }
        }
    }
    out
}

fn rule_matches(rule: &[Condition], (path, host, header): (&str, &str, Option<&str>)) -> bool {
    rule.iter().all(|c| {
        c.values.iter().any(|v| match c.field {
            "path-pattern" => glob(v, path),
            "host-header" => glob(&v.to_ascii_lowercase(), host),
            _ => header.is_some_and(|h| glob(v, h)),
        })
    })
}

/// The contract's catch-all: every condition is a lone `path-pattern` of `*` or `/*` or a lone
/// `host-header` of `*`. Rules and the default action after one carry no request, certainly.
fn contract_catch_all(rule: &[Condition]) -> bool {
    rule.iter().all(|c| {
        c.values.len() == 1
            && matches!(
                (c.field, c.values[0]),
                ("path-pattern", "*" | "/*") | ("host-header", "*")
            )
    })
}

fn rule_group(i: usize) -> String {
    format!("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/rule{i}/00000000000000{i:02}")
}

const DEFAULT_GROUP: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/fallback/0000000000000099";

/// The healthy fixture world with listener 80's rules replaced: rule i forwards to its own
/// empty target group, the default action to another, so a forward that carries traffic is an
/// ALB208 ("no registered targets: 503") on its group and one that carries none is not.
fn rules_snapshot(rules: &[Vec<Condition>]) -> Value {
    let base = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/healthy-internet-facing/snapshot.json");
    let mut s: Value = serde_json::from_str(&std::fs::read_to_string(base).unwrap()).unwrap();
    let listener = s["load_balancers"][0]["listeners"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|l| l["port"] == 80)
        .expect("listener 80");
    let mut forwards =
        vec![json!({"target_group_arn": DEFAULT_GROUP, "via": "default", "weight": null})];
    let mut list = vec![json!({"via": "default", "priority": null, "conditions": [],
                               "actions": [{"kind": "forward"}]})];
    for (i, conditions) in rules.iter().enumerate() {
        let via = format!("rule {}", i + 1);
        forwards.push(json!({"target_group_arn": rule_group(i), "via": via, "weight": null}));
        list.push(json!({
            "via": via, "priority": i + 1,
            "conditions": conditions.iter().map(|c| {
                if c.field == "http-header" {
                    json!({"field": c.field, "values": c.values, "has_regex": false, "header_name": "X-Env"})
                } else {
                    json!({"field": c.field, "values": c.values, "has_regex": false})
                }
            }).collect::<Vec<_>>(),
            "actions": [{"kind": "forward"}],
        }));
    }
    listener["forwards"] = json!(forwards);
    listener["rules"] = json!(list);
    let groups = s["target_groups"].as_object_mut().unwrap();
    let template = groups.values().next().unwrap().clone();
    for (i, arn) in (0..rules.len())
        .map(|i| (i, rule_group(i)))
        .chain([(99, DEFAULT_GROUP.to_string())])
    {
        let mut g = template.clone();
        g["arn"] = json!(arn);
        g["name"] = json!(if i == 99 {
            "fallback".to_string()
        } else {
            format!("rule{i}")
        });
        g["targets"] = json!([]);
        groups.insert(arn, g);
    }
    s
}

proptest! {
    #![proptest_config(Config { cases: 48, ..Config::default() })]

    /// A forward that a sample request reaches is judged (ALB208 on its empty group): nothing
    /// reachable is hidden. One after a catch-all as the contract lists them is not judged
    /// (ALB214 names it instead): nothing certainly unreachable is reported.
    #[test]
    fn only_forwards_that_carry_requests_are_judged(rules in rule_list()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot.json");
        std::fs::write(&path, rules_snapshot(&rules).to_string()).unwrap();
        let report = run(&path, &[]);
        let judged: BTreeSet<String> = report["load_balancers"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "ALB208")
            .map(|f| f["resource"].as_str().unwrap().to_string())
            .collect();
        let notes = report["load_balancers"][0]["findings"].to_string();
        let mut reached: BTreeSet<String> = BTreeSet::new();
        for request in requests() {
            match rules.iter().position(|r| rule_matches(r, request)) {
                Some(i) => reached.insert(rule_group(i)),
                None => reached.insert(DEFAULT_GROUP.to_string()),
            };
        }
        for g in &reached {
            prop_assert!(judged.contains(g), "{g} carries requests and is not judged: {rules:?}");
        }
        let shadow = rules.iter().position(|r| contract_catch_all(r));
        for (i, g) in (0..rules.len()).map(|i| (i, rule_group(i))).chain([(usize::MAX, DEFAULT_GROUP.to_string())]) {
            let certainly_unreached = shadow.is_some_and(|s| s < i);
            if certainly_unreached {
                prop_assert!(!judged.contains(&g), "{g} is behind a catch-all and judged: {rules:?}");
                prop_assert!(notes.contains("ALB214"), "no note names the unreachable forwards");
            }
        }
    }
}

/// The oracle's wildcard matcher itself, on the cases that decide reachability.
#[test]
fn the_oracle_glob_matches_as_alb_does() {
    assert!(glob("*", "/"));
    assert!(glob("/*", "/"));
    assert!(glob("?*", "/"));
    assert!(glob("/api/*", "/api/v"));
    assert!(!glob("/api/*", "/x"));
    assert!(glob("*.example", "b.example"));
    assert!(!glob("*.example", "c.other"));
    assert!(!glob("/x", "/xy"));
}
