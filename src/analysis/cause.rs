//! Typed causes: the piece of configuration that breaks a path, with what decided it. The
//! analyses produce them; [`crate::rules::phrase`] turns each into a finding, so messages,
//! `change`, evidence and remediations all come from here and never drift apart per rule.

use serde_json::{Map, Value};

use crate::model::{NetworkAcl, Route, RouteTable};
use crate::net::nacl::{AclVerdict, IMPLICIT_DENY};
use crate::net::port_set::{fmt_ports, PortSet};
use crate::net::render::cidr_list;
use crate::net::route::describe;
use crate::net::sg::SgAllows;

/// What drops the traffic.
#[derive(Clone, Debug)]
pub enum Cause<'a> {
    /// No rule of these security groups admits the peer (inbound) or the destination
    /// (outbound); `edit` is the group a fix goes into.
    SecurityGroups {
        /// The groups whose rules were read.
        groups: Vec<String>,
        /// The group to add a rule to.
        edit: String,
        /// What they do allow on the port.
        allows: SgAllows,
        /// Inbound (`false`) or outbound rules.
        egress: bool,
    },
    /// A network ACL's entries drop it in one direction.
    Acl {
        /// The ACL.
        acl: &'a NetworkAcl,
        /// The subnet it guards on this path.
        subnet: &'a str,
        /// Outbound entries when true.
        egress: bool,
        /// Which entries drop which peers and ports.
        verdict: AclVerdict,
        /// The ports queried (a listener port, a target port, or the ephemeral range).
        ports: PortSet,
    },
    /// No route of the table covers the destination.
    NoRoute {
        /// The table.
        table: &'a RouteTable,
    },
    /// The route that covers the destination does not carry the connection.
    Route {
        /// The table.
        table: &'a RouteTable,
        /// The route longest-prefix match selects.
        route: &'a Route,
        /// Why it does not carry the connection.
        why: String,
    },
    /// The route that covers the destination is a blackhole.
    Blackhole {
        /// The table.
        table: &'a RouteTable,
        /// The blackholed route.
        route: &'a Route,
    },
    /// Requests and responses take different ways through inspection: the gateway's edge
    /// route table sends requests through one appliance (or none), the ALB subnet's route
    /// sends responses another way, and stateful inspection drops the half flow it sees.
    Asymmetric {
        /// The ALB subnet's route table.
        table: &'a RouteTable,
        /// Its route back to the clients.
        route: &'a Route,
        /// The edge route table and route that send requests through an appliance, if any.
        entered: Option<(&'a RouteTable, &'a Route)>,
    },
    /// The appliance a route sends traffic to is missing or not forwarding.
    Unavailable {
        /// The endpoint or interface id.
        endpoint: String,
        /// Why, in words.
        why: String,
    },
    /// The appliance's own subnet does not route the clients back to their gateway.
    ApplianceNoReturn {
        /// The endpoint.
        endpoint: String,
        /// Its subnet.
        subnet: String,
        /// That subnet's route table.
        table: &'a RouteTable,
        /// The route covering the clients there, if any.
        route: Option<&'a Route>,
        /// Why it does not lead back.
        why: String,
    },
    /// A transit gateway's attachment of an inspection VPC keeps no flow symmetric.
    ApplianceMode {
        /// The attachment (`tgw-attach-…`).
        attachment: String,
        /// The transit gateway.
        transit_gateway: String,
        /// The inspection VPC.
        vpc: String,
    },
    /// VPC Block Public Access drops internet traffic for a subnet on the path: the ALB's
    /// subnet (inbound), or an inspection appliance's subnet (`appliance`, both ways).
    BlockPublicAccess {
        /// What blocks, and where the mode was read.
        blocked: crate::net::bpa::Blocked,
        /// The appliance whose subnet it is, when not the ALB's.
        appliance: Option<String>,
    },
    /// An AWS Network Firewall's rules drop the connection.
    Firewall {
        /// The firewall's ARN.
        arn: String,
        /// Its name.
        name: String,
        /// The decision, in words (`stateless rule group … priority 10 drops SYN`).
        decision: String,
        /// What to edit: the rule group or policy that decides.
        edit: String,
    },
}

impl Cause<'_> {
    /// A Network Firewall `decision` that drops a connection, with the rule group (or, for a
    /// default action, the policy) a fix edits: one constructor for the client -> node path
    /// (ALB113) and the node -> target path (ALB215).
    pub fn firewall(
        firewall: &crate::model::firewall::Firewall,
        decision: &crate::net::firewall::Decision,
    ) -> Self {
        use crate::net::firewall::DecidedBy;
        let edit = match &decision.by {
            DecidedBy::StatelessRule { group_arn, .. }
            | DecidedBy::StatefulRule { group_arn, .. } => group_arn.clone(),
            _ => firewall.policy_arn.clone(),
        };
        Cause::Firewall {
            arn: firewall.arn.clone(),
            name: firewall.name.clone(),
            decision: decision.to_string(),
            edit,
        }
    }

    /// The id of what to change.
    pub fn resource(&self) -> String {
        match self {
            Cause::SecurityGroups { edit, .. } => edit.clone(),
            Cause::Acl { acl, .. } => acl.id.clone(),
            Cause::NoRoute { table }
            | Cause::Route { table, .. }
            | Cause::Blackhole { table, .. }
            | Cause::Asymmetric { table, .. }
            | Cause::ApplianceNoReturn { table, .. } => table.id.clone(),
            Cause::Unavailable { endpoint, .. } => endpoint.clone(),
            Cause::ApplianceMode { attachment, .. } => attachment.clone(),
            Cause::Firewall { arn, .. } => arn.clone(),
            Cause::BlockPublicAccess { blocked, .. } => blocked.subnet.clone(),
        }
    }

    /// What to edit, as precisely as the cause allows: `sg-0alb`, `acl-0aa rule 90`,
    /// `rtb-0dd 0.0.0.0/0`.
    pub fn change(&self) -> Vec<String> {
        match self {
            Cause::SecurityGroups { edit, .. } => vec![edit.clone()],
            Cause::Acl { acl, verdict, .. } => verdict
                .denials
                .keys()
                .map(|rule| {
                    if *rule == IMPLICIT_DENY {
                        acl.id.clone()
                    } else {
                        format!("{} rule {rule}", acl.id)
                    }
                })
                .collect(),
            Cause::NoRoute { table } => vec![table.id.clone()],
            Cause::Route { table, route, .. }
            | Cause::Blackhole { table, route }
            | Cause::Asymmetric { table, route, .. } => {
                vec![format!("{} {}", table.id, destination(route))]
            }
            Cause::ApplianceNoReturn { table, route, .. } => vec![match route {
                Some(r) => format!("{} {}", table.id, destination(r)),
                None => table.id.clone(),
            }],
            Cause::Unavailable { endpoint, .. } => vec![endpoint.clone()],
            Cause::ApplianceMode { attachment, .. } => vec![attachment.clone()],
            Cause::Firewall { edit, .. } => vec![edit.clone()],
            Cause::BlockPublicAccess { blocked, .. } => vec![blocked.subnet.clone()],
        }
    }

    /// One clause on what drops the traffic, e.g. `network ACL acl-0b of subnet-0bb drops it
    /// inbound (rule 100 denies 0.0.0.0/0 on port 443)`.
    pub fn clause(&self) -> String {
        match self {
            Cause::SecurityGroups { groups, egress, .. } => format!(
                "no {} rule of {} allows it",
                if *egress { "outbound" } else { "inbound" },
                groups.join(", ")
            ),
            Cause::Acl {
                acl,
                subnet,
                egress,
                verdict,
                ..
            } => format!(
                "network ACL {} of {subnet} drops it {} ({})",
                acl.id,
                if *egress { "outbound" } else { "inbound" },
                verdict.describe().join("; ")
            ),
            Cause::NoRoute { table } => format!("{} has no route for it", table.id),
            Cause::Route { table, route, why } => {
                format!("{} routes it to {}, {why}", table.id, route.target)
            }
            Cause::Blackhole { table, route } => {
                format!("{} of {} is a blackhole", describe(route), table.id)
            }
            Cause::Asymmetric {
                table,
                route,
                entered,
            } => match entered {
                Some((edge, via)) => format!(
                    "requests enter through {} ({} of the gateway's edge route table {}), but {} sends the responses to {}",
                    via.target,
                    describe(via),
                    edge.id,
                    table.id,
                    route.target
                ),
                None => format!(
                    "requests come straight from the gateway (no edge route sends them through an appliance), but {} sends the responses through {}",
                    table.id, route.target
                ),
            },
            Cause::Unavailable { why, .. } => why.clone(),
            Cause::ApplianceNoReturn {
                endpoint,
                subnet,
                table,
                why,
                ..
            } => format!(
                "{endpoint}'s subnet {subnet} does not route them back ({}: {why})",
                table.id
            ),
            Cause::Firewall { name, decision, .. } => {
                format!("firewall {name} drops it: {decision}")
            }
            Cause::BlockPublicAccess { blocked, appliance } => bpa_clause(blocked, appliance),
            Cause::ApplianceMode {
                attachment,
                transit_gateway,
                vpc,
            } => format!(
                "{transit_gateway}'s attachment {attachment} of {vpc}, which holds a firewall, has appliance mode off"
            ),
        }
    }

    /// How to let `peers` through on `ports` (`via`: where a route should lead), as a sentence
    /// that can be carried out as written.
    pub fn remediation(&self, peers: &str, ports: &str, via: &str) -> String {
        match self {
            Cause::SecurityGroups { edit, egress, .. } => format!(
                "Add an {} rule to {edit} allowing TCP {ports} {} {peers}.",
                if *egress { "outbound" } else { "inbound" },
                if *egress { "to" } else { "from" },
            ),
            Cause::Acl {
                acl,
                egress,
                verdict,
                ..
            } => {
                let (dir, prep) = if *egress {
                    ("outbound", "to")
                } else {
                    ("inbound", "from")
                };
                let denies: Vec<String> = verdict
                    .denials
                    .keys()
                    .filter(|r| **r != IMPLICIT_DENY)
                    .map(i32::to_string)
                    .collect();
                match verdict.denials.keys().find(|r| **r != IMPLICIT_DENY) {
                    Some(first) => format!(
                        "In {}, add an {dir} entry allowing TCP {ports} {prep} {peers} with a rule number below {first}, or remove deny rule{} {} if it is not needed.",
                        acl.id,
                        if denies.len() > 1 { "s" } else { "" },
                        denies.join(", ")
                    ),
                    None => format!(
                        "In {}, add an {dir} entry allowing TCP {ports} {prep} {peers}.",
                        acl.id
                    ),
                }
            }
            Cause::NoRoute { table } => {
                format!("In {}, add a route for {peers} to {via}.", table.id)
            }
            Cause::Route { table, route, .. } if destination(route) == peers => format!(
                "In {}, point the route {peers} to {via} instead of {}.",
                table.id, route.target
            ),
            Cause::Route { table, route, .. } => format!(
                "In {}, add a route for {peers} to {via} (the route {} -> {} covers them now).",
                table.id,
                destination(route),
                route.target
            ),
            Cause::Blackhole { table, route } => format!(
                "In {}, replace the blackholed route {} -> {} with one to {via} (deleting it would leave them without a route).",
                table.id,
                destination(route),
                route.target
            ),
            Cause::Asymmetric {
                table,
                route,
                entered: Some((edge, via_route)),
            } => format!(
                "In {}, point the route {} to {} (the endpoint the edge route table {} sends this subnet's requests to), so responses leave the way requests came.",
                table.id,
                destination(route),
                via_route.target,
                edge.id
            ),
            Cause::Asymmetric {
                table,
                route,
                entered: None,
            } => format!(
                "Either route this subnet's traffic through {} in the internet gateway's edge route table too (so requests are inspected on the way in), or point the route {} in {} to {via}.",
                route.target,
                destination(route),
                table.id
            ),
            Cause::Unavailable { endpoint, .. } => format!(
                "Restore {endpoint} (recreate the endpoint or wait until it is ready), or route the traffic through an available endpoint in the same zone."
            ),
            Cause::ApplianceNoReturn { table, subnet, .. } => format!(
                "In {} (the route table of {subnet}), add a route for {peers} to {via}.",
                table.id
            ),
            Cause::Firewall { edit, .. } => format!(
                "Change {edit} so that it passes TCP {ports} from {peers} to the ALB."
            ),
            Cause::BlockPublicAccess { blocked, .. } if blocked.exclusions_forbidden => format!(
                "Exclusions from VPC Block Public Access are not allowed in this account (an organization's declarative policy): ask its administrators to allow an exclusion for {} in mode allow-bidirectional, or serve these clients another way (an internal ALB behind a path that is allowed).",
                blocked.subnet
            ),
            Cause::BlockPublicAccess { blocked, .. } => format!(
                "Exclude {} (or its VPC {}) from VPC Block Public Access in mode allow-bidirectional: aws ec2 create-vpc-block-public-access-exclusion --subnet-id {} --internet-gateway-exclusion-mode allow-bidirectional. Or turn the account's mode off in this region if internet-facing load balancers are intended.",
                blocked.subnet, blocked.vpc, blocked.subnet
            ),
            Cause::ApplianceMode { attachment, .. } => format!(
                "Enable appliance mode on {attachment}: aws ec2 modify-transit-gateway-vpc-attachment --transit-gateway-attachment-id {attachment} --options ApplianceModeSupport=enable"
            ),
        }
    }

    /// For an ACL: the queried ports it drops for some peer, as `1024-32767`.
    /// A response ACL that drops only ephemeral ports below [`COMMON_EPHEMERAL_PORTS`]: clients
    /// behind NAT devices lose some connections, older systems all, most clients none.
    ///
    /// [`COMMON_EPHEMERAL_PORTS`]: crate::net::COMMON_EPHEMERAL_PORTS
    pub fn drops_only_uncommon_ephemeral_ports(&self) -> bool {
        let Cause::Acl {
            egress: true,
            verdict,
            ..
        } = self
        else {
            return false;
        };
        let denied = verdict
            .denials
            .values()
            .fold(PortSet::empty(), |acc, (_, p)| acc.union(p));
        let (lo, hi) = crate::net::COMMON_EPHEMERAL_PORTS;
        !denied.is_empty() && !denied.intersects(&PortSet::from_range(lo, hi))
    }

    pub fn denied_ports(&self) -> Option<String> {
        match self {
            Cause::Acl { verdict, .. } => Some(fmt_ports(
                &verdict
                    .denials
                    .values()
                    .fold(PortSet::empty(), |acc, (_, p)| acc.union(p)),
            )),
            _ => None,
        }
    }

    /// What decided it, for the finding's evidence.
    pub fn evidence(&self) -> Map<String, Value> {
        let mut m = Map::new();
        match self {
            Cause::SecurityGroups {
                groups,
                allows,
                egress,
                ..
            } => {
                m.insert("security_groups".into(), groups.clone().into());
                let (addrs, refs) = if *egress {
                    ("allowed_destinations", "allowed_groups")
                } else {
                    ("admitted", "admitted_groups")
                };
                m.insert(addrs.into(), cidr_list(&allows.addrs));
                m.insert(
                    refs.into(),
                    allows.groups.iter().cloned().collect::<Vec<_>>().into(),
                );
            }
            Cause::Acl {
                acl,
                subnet,
                egress,
                verdict,
                ports,
            } => {
                m.insert("network_acl".into(), acl.id.clone().into());
                m.insert("subnet".into(), subnet.to_string().into());
                m.insert(
                    "direction".into(),
                    if *egress { "outbound" } else { "inbound" }.into(),
                );
                m.insert("ports".into(), fmt_ports(ports).into());
                m.insert("denied_by".into(), verdict.describe().into());
            }
            Cause::NoRoute { table } => {
                m.insert("route_table".into(), table.id.clone().into());
                m.insert("route".into(), "none".into());
            }
            Cause::Route { table, route, .. } | Cause::Blackhole { table, route } => {
                m.insert("route_table".into(), table.id.clone().into());
                m.insert("route".into(), describe(route).into());
            }
            Cause::Asymmetric {
                table,
                route,
                entered,
            } => {
                m.insert("route_table".into(), table.id.clone().into());
                m.insert("route".into(), describe(route).into());
                if let Some((edge, via)) = entered {
                    m.insert("edge_route_table".into(), edge.id.clone().into());
                    m.insert("edge_route".into(), describe(via).into());
                }
            }
            Cause::Unavailable { endpoint, why } => {
                m.insert("endpoint".into(), endpoint.clone().into());
                m.insert("why".into(), why.clone().into());
            }
            Cause::ApplianceNoReturn {
                endpoint,
                subnet,
                table,
                route,
                ..
            } => {
                m.insert("endpoint".into(), endpoint.clone().into());
                m.insert("endpoint_subnet".into(), subnet.clone().into());
                m.insert("route_table".into(), table.id.clone().into());
                m.insert(
                    "route".into(),
                    route.map(describe).unwrap_or_else(|| "none".into()).into(),
                );
            }
            Cause::ApplianceMode {
                attachment,
                transit_gateway,
                vpc,
            } => {
                m.insert("attachment".into(), attachment.clone().into());
                m.insert("transit_gateway".into(), transit_gateway.clone().into());
                m.insert("inspection_vpc".into(), vpc.clone().into());
            }
            Cause::BlockPublicAccess { blocked, appliance } => {
                m.insert("subnet".into(), blocked.subnet.clone().into());
                m.insert("vpc".into(), blocked.vpc.clone().into());
                m.insert(
                    "block_public_access_mode".into(),
                    crate::net::bpa::mode_name(blocked.mode).into(),
                );
                m.insert(
                    "mode_read_from".into(),
                    match blocked.source {
                        crate::net::bpa::Source::Subnet => "subnet",
                        crate::net::bpa::Source::Vpc => "vpc",
                        crate::net::bpa::Source::Account => "account",
                    }
                    .into(),
                );
                m.insert(
                    "egress_only_exclusions".into(),
                    blocked.partial_exclusions.clone().into(),
                );
                if let Some(a) = appliance {
                    m.insert("appliance".into(), a.clone().into());
                }
            }
            Cause::Firewall {
                arn,
                decision,
                edit,
                ..
            } => {
                m.insert("firewall".into(), arn.clone().into());
                m.insert("decided_by".into(), decision.clone().into());
                m.insert("rule_source".into(), edit.clone().into());
            }
        }
        m
    }
}

/// A route's destination as the console shows it: a CIDR block or a prefix list id.
pub fn destination(route: &Route) -> String {
    route
        .destination
        .map(|d| d.to_string())
        .or_else(|| route.destination_prefix_list.clone())
        .unwrap_or_default()
}

/// What VPC Block Public Access does to the path, in words.
fn bpa_clause(blocked: &crate::net::bpa::Blocked, appliance: &Option<String>) -> String {
    use crate::net::bpa::{mode_name, Source};
    let whose = match blocked.source {
        Source::Subnet => "its Block Public Access state",
        Source::Vpc => "its VPC's Block Public Access state",
        Source::Account => "the account's mode in the region",
    };
    let mut out = match appliance {
        Some(a) => format!(
            "the subnet {} of the inspection appliance {a} is under VPC Block Public Access `{}` ({whose}), which drops traffic between it and the internet gateway",
            blocked.subnet,
            mode_name(blocked.mode)
        ),
        None => format!(
            "{} is under VPC Block Public Access `{}` ({whose}), which drops internet traffic coming in through the internet gateway",
            blocked.subnet,
            mode_name(blocked.mode)
        ),
    };
    if !blocked.partial_exclusions.is_empty() {
        out.push_str(&format!(
            "; exclusion {} allows egress only, and inbound traffic stays blocked",
            blocked.partial_exclusions.join(", ")
        ));
    }
    if blocked.exclusions_forbidden {
        out.push_str("; the account does not allow exclusions");
    }
    out
}
