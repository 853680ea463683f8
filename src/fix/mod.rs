//! Fixes that can be followed safely: a finding's remediation as typed edits of the model
//! ([`Change`]), each with the AWS CLI command that makes it, and one verification for every
//! rule ([`verify`]): the changes are applied to a copy of the snapshot, which is audited
//! again. A fix is `verified` only when its finding is gone, no finding is new and none is
//! worse (so no other subnet's route, ACL or security-group verdict changed).
//!
//! Rules never build changes themselves: [`crate::rules::phrase`] derives them from the typed
//! cause, and [`crate::rules::run`] verifies them. A finding without a structured change
//! carries `verified: false` and its prose remediation only.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::model::{AclEntry, Route, RouteOrigin, RouteState, RouteTable, SgRule, Snapshot};

pub mod explain;
pub mod plan;
pub mod verify;

pub use verify::{verify, Verification};

/// AWS's default quota of inbound (or outbound) rules per security group.
/// <https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups>
pub const SG_RULES_PER_DIRECTION: usize = 60;

/// AWS's default quota of inbound (or outbound) entries per network ACL.
/// <https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-nacls>
pub const ACL_ENTRIES_PER_DIRECTION: usize = 20;

/// AWS's default quota of non-propagated routes per route table, counted for IPv4 and IPv6
/// apart. <https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-route-tables>
pub const ROUTES_PER_TABLE: usize = 50;

/// A finding's fix as the report carries it (`fix` in JSON).
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct Fix {
    /// The edits, in the order to make them; empty when no safe structured fix is known.
    #[serde(default)]
    pub changes: Vec<FixChange>,
    /// True only when the changes, applied to a copy of the snapshot, make the finding go
    /// without any new or worse finding.
    #[serde(default)]
    pub verified: bool,
    /// Why there is no structured change, or why it is not verified; null when verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The typed edits behind `changes`, which verification applies.
    #[serde(skip)]
    #[schemars(skip)]
    pub plan: Vec<Change>,
}

/// One edit as a person makes it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FixChange {
    /// The id of what is edited (`sg-…`, `acl-…`, `rtb-…`, or the subnet a new table is for).
    pub resource: String,
    /// The edit in words: `allow inbound TCP 443 from 0.0.0.0/0`.
    pub edit: String,
    /// The AWS CLI command that makes it, its values quoted for a POSIX shell.
    pub command: String,
}

impl Fix {
    /// A fix that proposes `plan`, not verified yet.
    pub fn proposed(plan: Vec<Change>) -> Self {
        Fix {
            changes: plan.iter().map(Change::view).collect(),
            verified: false,
            note: None,
            plan,
        }
    }

    /// No structured change, and why.
    pub fn none(why: impl Into<String>) -> Self {
        Fix {
            note: Some(why.into()),
            ..Fix::default()
        }
    }
}

/// Who a security group rule admits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Peer {
    /// CIDR blocks, one rule each.
    Cidrs(Vec<IpNet>),
    /// Members of a security group.
    Group(String),
}

/// A typed edit of the model that mirrors one AWS API call (or, for a new route table, the
/// calls that create, fill and associate it).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Change {
    /// Allow TCP `ports` from (inbound) or to (outbound) `peer` in `group`.
    AddSgRule {
        /// The group.
        group: String,
        /// Outbound when true.
        egress: bool,
        /// First and last port.
        ports: (u16, u16),
        /// Who.
        peer: Peer,
    },
    /// Allow TCP `ports` to or from `cidr` in `acl` as entry `rule_number`.
    AddAclEntry {
        /// The ACL.
        acl: String,
        /// Outbound when true.
        egress: bool,
        /// A free number below every entry that denies the traffic.
        rule_number: i32,
        /// First and last port.
        ports: (u16, u16),
        /// Peer block.
        cidr: IpNet,
    },
    /// Point the route for `destination` in `table` to `target` (replace-route).
    ReplaceRoute {
        /// The table.
        table: String,
        /// The route's destination.
        destination: IpNet,
        /// The new target.
        target: String,
    },
    /// Add a route (create-route).
    AddRoute {
        /// The table.
        table: String,
        /// Destination.
        destination: IpNet,
        /// Target.
        target: String,
    },
    /// Give `subnet` a route table of its own: a copy of `from`'s static routes with the route
    /// for `destination` pointing to `target`, associated with the subnet. The table `from`
    /// (shared with other subnets) is left as it is.
    OwnRouteTable {
        /// The subnet.
        subnet: String,
        /// The VPC.
        vpc: String,
        /// The table the subnet uses now.
        from: String,
        /// Whether the subnet is associated with `from` explicitly (else through the main table).
        explicit: bool,
        /// Routes to copy (destination, target), the changed one included.
        routes: Vec<(IpNet, String)>,
    },
}

/// Quotes `value` for a POSIX shell: as is when it holds only characters no shell treats
/// specially, else in single quotes. The one quoting function every command goes through.
pub fn shell_quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c));
    if plain {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// The id a new route table for `subnet` has in a verified copy of the snapshot.
pub fn new_table_id(subnet: &str) -> String {
    format!("rtb-new-{subnet}")
}

fn fmt_ports((from, to): (u16, u16)) -> String {
    if from == to {
        from.to_string()
    } else {
        format!("{from}-{to}")
    }
}

/// The `create-route` / `replace-route` flag for a target id.
fn target_flag(target: &str) -> &'static str {
    let prefix = target.split('-').next().unwrap_or_default();
    match prefix {
        "nat" => "--nat-gateway-id",
        "tgw" => "--transit-gateway-id",
        "pcx" => "--vpc-peering-connection-id",
        "eni" => "--network-interface-id",
        "vpce" => "--vpc-endpoint-id",
        "eigw" => "--egress-only-internet-gateway-id",
        "i" => "--instance-id",
        "lgw" => "--local-gateway-id",
        "cagw" => "--carrier-gateway-id",
        _ => "--gateway-id",
    }
}

fn destination_flag(destination: &IpNet) -> &'static str {
    match destination {
        IpNet::V4(_) => "--destination-cidr-block",
        IpNet::V6(_) => "--destination-ipv6-cidr-block",
    }
}

fn route_args(destination: &IpNet, target: &str) -> String {
    format!(
        "{} {} {} {}",
        destination_flag(destination),
        shell_quote(&destination.to_string()),
        target_flag(target),
        shell_quote(target)
    )
}

impl Change {
    /// The id of what is edited.
    pub fn resource(&self) -> &str {
        match self {
            Change::AddSgRule { group, .. } => group,
            Change::AddAclEntry { acl, .. } => acl,
            Change::ReplaceRoute { table, .. } | Change::AddRoute { table, .. } => table,
            Change::OwnRouteTable { subnet, .. } => subnet,
        }
    }

    /// The edit in words.
    pub fn edit(&self) -> String {
        match self {
            Change::AddSgRule {
                egress,
                ports,
                peer,
                ..
            } => {
                let who = match peer {
                    Peer::Cidrs(c) => c.iter().map(IpNet::to_string).collect::<Vec<_>>().join(", "),
                    Peer::Group(g) => format!("members of {g}"),
                };
                format!(
                    "allow {} TCP {} {} {who}",
                    if *egress { "outbound" } else { "inbound" },
                    fmt_ports(*ports),
                    if *egress { "to" } else { "from" }
                )
            }
            Change::AddAclEntry {
                egress,
                rule_number,
                ports,
                cidr,
                ..
            } => format!(
                "add {} entry {rule_number}: allow TCP {} {} {cidr}",
                if *egress { "outbound" } else { "inbound" },
                fmt_ports(*ports),
                if *egress { "to" } else { "from" }
            ),
            Change::ReplaceRoute {
                destination,
                target,
                ..
            } => format!("point the route {destination} to {target}"),
            Change::AddRoute {
                destination,
                target,
                ..
            } => format!("add a route {destination} -> {target}"),
            Change::OwnRouteTable {
                subnet,
                from,
                routes,
                ..
            } => format!(
                "give {subnet} a route table of its own ({}), leaving {from} and the subnets that share it unchanged",
                routes
                    .iter()
                    .map(|(d, t)| format!("{d} -> {t}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// The AWS CLI command (one shell line) that makes the edit.
    pub fn command(&self) -> String {
        match self {
            Change::AddSgRule {
                group,
                egress,
                ports,
                peer,
            } => {
                let peers = match peer {
                    Peer::Group(g) => format!("UserIdGroupPairs=[{{GroupId={g}}}]"),
                    Peer::Cidrs(cidrs) => {
                        let v4: Vec<String> = cidrs
                            .iter()
                            .filter(|c| matches!(c, IpNet::V4(_)))
                            .map(|c| format!("{{CidrIp={c}}}"))
                            .collect();
                        let v6: Vec<String> = cidrs
                            .iter()
                            .filter(|c| matches!(c, IpNet::V6(_)))
                            .map(|c| format!("{{CidrIpv6={c}}}"))
                            .collect();
                        let mut parts = Vec::new();
                        if !v4.is_empty() {
                            parts.push(format!("IpRanges=[{}]", v4.join(",")));
                        }
                        if !v6.is_empty() {
                            parts.push(format!("Ipv6Ranges=[{}]", v6.join(",")));
                        }
                        parts.join(",")
                    }
                };
                format!(
                    "aws ec2 authorize-security-group-{} --group-id {} --ip-permissions {}",
                    if *egress { "egress" } else { "ingress" },
                    shell_quote(group),
                    shell_quote(&format!(
                        "IpProtocol=tcp,FromPort={},ToPort={},{peers}",
                        ports.0, ports.1
                    ))
                )
            }
            Change::AddAclEntry {
                acl,
                egress,
                rule_number,
                ports,
                cidr,
            } => format!(
                "aws ec2 create-network-acl-entry --network-acl-id {} {} --rule-number {rule_number} --protocol tcp --port-range {} {} {} --rule-action allow",
                shell_quote(acl),
                if *egress { "--egress" } else { "--ingress" },
                shell_quote(&format!("From={},To={}", ports.0, ports.1)),
                match cidr {
                    IpNet::V4(_) => "--cidr-block",
                    IpNet::V6(_) => "--ipv6-cidr-block",
                },
                shell_quote(&cidr.to_string())
            ),
            Change::ReplaceRoute {
                table,
                destination,
                target,
            } => format!(
                "aws ec2 replace-route --route-table-id {} {}",
                shell_quote(table),
                route_args(destination, target)
            ),
            Change::AddRoute {
                table,
                destination,
                target,
            } => format!(
                "aws ec2 create-route --route-table-id {} {}",
                shell_quote(table),
                route_args(destination, target)
            ),
            Change::OwnRouteTable {
                subnet,
                vpc,
                explicit,
                routes,
                ..
            } => {
                let mut steps = vec![format!(
                    "RTB=$(aws ec2 create-route-table --vpc-id {} --query RouteTable.RouteTableId --output text)",
                    shell_quote(vpc)
                )];
                for (d, t) in routes {
                    steps.push(format!(
                        "aws ec2 create-route --route-table-id \"$RTB\" {}",
                        route_args(d, t)
                    ));
                }
                let s = shell_quote(subnet);
                if *explicit {
                    steps.push(format!(
                        "ASSOC=$(aws ec2 describe-route-tables --filters Name=association.subnet-id,Values={s} --query {} --output text)",
                        shell_quote(&format!(
                            "RouteTables[0].Associations[?SubnetId=='{subnet}'].RouteTableAssociationId"
                        ))
                    ));
                    steps.push(
                        "aws ec2 replace-route-table-association --association-id \"$ASSOC\" --route-table-id \"$RTB\"".to_string(),
                    );
                } else {
                    steps.push(format!(
                        "aws ec2 associate-route-table --route-table-id \"$RTB\" --subnet-id {s}"
                    ));
                }
                steps.join(" && ")
            }
        }
    }

    /// The edit as the report shows it.
    pub fn view(&self) -> FixChange {
        FixChange {
            resource: self.resource().to_string(),
            edit: self.edit(),
            command: self.command(),
        }
    }

    /// Makes the edit in `snapshot`, as AWS would. An edit of something the snapshot does not
    /// hold changes nothing (verification then finds the finding still there).
    pub fn apply(&self, snapshot: &mut Snapshot) {
        let network = &mut snapshot.network;
        match self {
            Change::AddSgRule {
                group,
                egress,
                ports,
                peer,
            } => {
                if let Some(g) = network.security_groups.get_mut(group) {
                    let (cidrs, groups) = match peer {
                        Peer::Cidrs(c) => (c.clone(), Vec::new()),
                        Peer::Group(id) => (Vec::new(), vec![id.clone()]),
                    };
                    let rule = SgRule {
                        protocol: "tcp".into(),
                        from_port: Some(i32::from(ports.0)),
                        to_port: Some(i32::from(ports.1)),
                        cidrs,
                        prefix_lists: Vec::new(),
                        groups,
                    };
                    if *egress {
                        g.egress.push(rule);
                    } else {
                        g.ingress.push(rule);
                    }
                }
            }
            Change::AddAclEntry {
                acl,
                egress,
                rule_number,
                ports,
                cidr,
            } => {
                if let Some(a) = network.network_acls.get_mut(acl) {
                    a.entries.push(AclEntry {
                        rule_number: *rule_number,
                        egress: *egress,
                        protocol: "6".into(),
                        allow: true,
                        cidr: *cidr,
                        from_port: Some(i32::from(ports.0)),
                        to_port: Some(i32::from(ports.1)),
                    });
                }
            }
            Change::ReplaceRoute {
                table,
                destination,
                target,
            } => {
                if let Some(t) = network.route_tables.get_mut(table) {
                    for r in t
                        .routes
                        .iter_mut()
                        .filter(|r| r.destination == Some(*destination))
                    {
                        r.target = target.clone();
                        r.state = RouteState::Active;
                        r.origin = RouteOrigin::CreateRoute;
                    }
                }
            }
            Change::AddRoute {
                table,
                destination,
                target,
            } => {
                if let Some(t) = network.route_tables.get_mut(table) {
                    t.routes.push(static_route(*destination, target));
                }
            }
            Change::OwnRouteTable {
                subnet,
                vpc,
                from,
                routes,
                ..
            } => {
                let local: Vec<Route> = network
                    .route_tables
                    .get(from)
                    .map(|t| {
                        t.routes
                            .iter()
                            .filter(|r| r.target == "local")
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default();
                for t in network.route_tables.values_mut() {
                    t.subnet_ids.retain(|s| s != subnet);
                }
                let mut table = RouteTable {
                    id: new_table_id(subnet),
                    vpc_id: vpc.clone(),
                    main: false,
                    subnet_ids: vec![subnet.clone()],
                    gateway_ids: Vec::new(),
                    routes: local,
                };
                table
                    .routes
                    .extend(routes.iter().map(|(d, t)| static_route(*d, t)));
                network.route_tables.insert(table.id.clone(), table);
            }
        }
    }
}

fn static_route(destination: IpNet, target: &str) -> Route {
    Route {
        destination: Some(destination),
        destination_prefix_list: None,
        target: target.to_string(),
        state: RouteState::Active,
        origin: RouteOrigin::CreateRoute,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_leaves_plain_values_and_quotes_the_rest() {
        assert_eq!(shell_quote("sg-0abc"), "sg-0abc");
        assert_eq!(shell_quote("0.0.0.0/0"), "0.0.0.0/0");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("$(rm -rf /)"), "'$(rm -rf /)'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn commands_quote_planted_values() {
        let c = Change::AddSgRule {
            group: "sg-1;reboot".into(),
            egress: false,
            ports: (443, 443),
            peer: Peer::Cidrs(vec!["0.0.0.0/0".parse().unwrap(), "::/0".parse().unwrap()]),
        };
        assert_eq!(
            c.command(),
            "aws ec2 authorize-security-group-ingress --group-id 'sg-1;reboot' --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=0.0.0.0/0}],Ipv6Ranges=[{CidrIpv6=::/0}]'"
        );
        let r = Change::ReplaceRoute {
            table: "rtb-1".into(),
            destination: "0.0.0.0/0".parse().unwrap(),
            target: "igw-1 x".into(),
        };
        assert_eq!(
            r.command(),
            "aws ec2 replace-route --route-table-id rtb-1 --destination-cidr-block 0.0.0.0/0 --gateway-id 'igw-1 x'"
        );
    }
}
