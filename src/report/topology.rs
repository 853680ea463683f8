//! The layout of an ALB's paths as the report carries it: each zone's node with its subnet,
//! route table and network ACL, the listeners, and the target groups with their targets.
//! Findings name zones, ports and targets; this is what they are placed on.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::analysis::index::Index;
use crate::model::{LoadBalancer, Scheme, Snapshot};
use crate::net::bpa;
use crate::net::route::table_for_subnet;

/// The paths of one ALB.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Topology {
    /// One node per enabled zone, in the ALB's zone order.
    pub nodes: Vec<NodeView>,
    /// Listeners in port order.
    pub listeners: Vec<ListenerView>,
    /// Every target group a listener forwards to, in ARN order.
    pub target_groups: Vec<TargetGroupView>,
    /// Interfaces described as this ALB's nodes that Elastic Load Balancing does not manage
    /// (anyone in the account can make one): never taken for nodes, never probed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored_interfaces: Vec<IgnoredInterface>,
}

/// An interface that claims to be a node and is not ELB's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IgnoredInterface {
    /// Its id.
    pub id: String,
    /// Its subnet.
    pub subnet_id: String,
    /// Its private addresses.
    pub addresses: Vec<IpAddr>,
    /// `RequesterManaged` as the API gave it.
    pub requester_managed: Option<bool>,
    /// `RequesterId` as the API gave it (ELB's own interfaces say `amazon-elb`).
    pub requester_id: Option<String>,
}

/// One ALB node: where it sits and what decides its traffic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NodeView {
    /// Its Availability Zone.
    pub zone: String,
    /// Its subnet.
    pub subnet_id: String,
    /// The route table the subnet uses, when known.
    pub route_table: Option<String>,
    /// The network ACL of the subnet, when known.
    pub network_acl: Option<String>,
    /// Its addresses, from the ALB's network interfaces (empty when they were not read).
    pub addresses: Vec<IpAddr>,
    /// Until when a zonal shift keeps the node out of DNS (the shift's expiry, or `autoshift`):
    /// no client reaches it now, whatever its findings say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_of_dns_until: Option<String>,
    /// The VPC Block Public Access mode that drops internet clients at the node's subnet (an
    /// internet-facing ALB only; absent when the subnet is open or its state is unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_access_blocked: Option<String>,
}

/// One listener and where it forwards.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ListenerView {
    /// The port clients connect to.
    pub port: u16,
    /// HTTP or HTTPS.
    pub protocol: String,
    /// Target group ARNs its actions forward to.
    pub target_groups: Vec<String>,
}

/// One forwarded target group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TargetGroupView {
    /// Its ARN.
    pub arn: String,
    /// Its name (empty when the group was not read).
    pub name: String,
    /// instance, ip, lambda or alb.
    pub target_type: String,
    /// Its traffic port.
    pub port: Option<u16>,
    /// Its registered targets.
    pub targets: Vec<TargetView>,
}

/// One registered target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TargetView {
    /// Instance id or IP address.
    pub id: String,
    /// Its registered zone, when known.
    pub zone: Option<String>,
    /// Its port.
    pub port: Option<u16>,
    /// Its health state, when known.
    pub health: Option<String>,
}

/// One line about an ignored interface, the same in every format that shows it.
pub fn ignored_line(n: &IgnoredInterface) -> String {
    let addresses: Vec<String> = n.addresses.iter().map(ToString::to_string).collect();
    format!(
        "interface {} in {} ({}) is described as a node of this ALB, but Elastic Load Balancing does not manage it (requester-managed {}, requester {}): not taken for a node, never probed",
        n.id,
        n.subnet_id,
        if addresses.is_empty() { "no address".to_string() } else { addresses.join(", ") },
        n.requester_managed.map_or("unknown".to_string(), |m| m.to_string()),
        n.requester_id.as_deref().unwrap_or("none"),
    )
}

impl Topology {
    /// Lays out `lb`'s paths from what the snapshot holds.
    /// `index` is the snapshot's, built once for all its ALBs: scanning every interface and ACL
    /// per ALB made a report of 1,000 ALBs quadratic.
    pub fn of(snapshot: &Snapshot, index: &Index<'_>, lb: &LoadBalancer) -> Self {
        let network = &snapshot.network;
        let description = crate::arn::AlbArn::parse(&lb.arn)
            .map(|a| a.interface_description())
            .ok();
        let shifts = crate::analysis::shift::Shifts::analyse(snapshot, lb);
        let blocked = |subnet: &str| {
            if lb.scheme != Scheme::InternetFacing {
                return None;
            }
            match bpa::verdict(network, subnet, bpa::Direction::Inbound) {
                bpa::Verdict::Blocked(b) => Some(bpa::mode_name(b.mode).to_string()),
                bpa::Verdict::Open | bpa::Verdict::Unknown(_) => None,
            }
        };
        let nodes = lb
            .availability_zones
            .iter()
            .map(|az| NodeView {
                out_of_dns_until: shifts.away_from(&az.zone).map(|a| a.until()),
                public_access_blocked: blocked(&az.subnet_id),
                zone: az.zone.clone(),
                subnet_id: az.subnet_id.clone(),
                route_table: table_for_subnet(network, &az.subnet_id).map(|t| t.id.clone()),
                network_acl: index.acl_of(&az.subnet_id).map(|a| a.id.clone()),
                addresses: description
                    .as_deref()
                    .map(|d| index.interfaces_described(d))
                    .unwrap_or_default()
                    .iter()
                    .filter(|n| n.subnet_id == az.subnet_id)
                    .flat_map(|n| n.addresses.iter().copied())
                    .collect(),
            })
            .collect();
        let listeners = lb
            .listeners
            .iter()
            .map(|l| {
                let mut groups: Vec<String> = l
                    .forwards
                    .iter()
                    .map(|f| f.target_group_arn.clone())
                    .collect();
                groups.sort();
                groups.dedup();
                ListenerView {
                    port: l.port,
                    protocol: l.protocol.clone(),
                    target_groups: groups,
                }
            })
            .collect();
        let mut arns: Vec<&String> = lb
            .listeners
            .iter()
            .flat_map(|l| &l.forwards)
            .map(|f| &f.target_group_arn)
            .collect();
        arns.sort();
        arns.dedup();
        let target_groups = arns
            .into_iter()
            .map(|arn| match snapshot.target_groups.get(arn) {
                Some(g) => TargetGroupView {
                    arn: arn.clone(),
                    name: g.name.clone(),
                    target_type: serde_json::to_value(g.target_type)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    port: g.port,
                    targets: g
                        .targets
                        .iter()
                        .map(|t| TargetView {
                            id: t.id.clone(),
                            zone: t.availability_zone.clone(),
                            port: t.port.or(g.port),
                            health: t.state.clone(),
                        })
                        .collect(),
                },
                None => TargetGroupView {
                    arn: arn.clone(),
                    name: String::new(),
                    target_type: String::new(),
                    port: None,
                    targets: Vec::new(),
                },
            })
            .collect();
        let mut ignored_interfaces: Vec<IgnoredInterface> = description
            .as_deref()
            .map(|d| index.impostors_described(d))
            .unwrap_or_default()
            .iter()
            .map(|n| IgnoredInterface {
                id: n.id.clone(),
                subnet_id: n.subnet_id.clone(),
                addresses: n.addresses.clone(),
                requester_managed: n.requester_managed,
                requester_id: n.requester_id.clone(),
            })
            .collect();
        ignored_interfaces.sort_by(|a, b| a.id.cmp(&b.id));
        Topology {
            nodes,
            listeners,
            target_groups,
            ignored_interfaces,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two ALBs share subnet-a: each node shows only its own ALB's addresses, and the ACL and
    /// route table of its subnet.
    #[test]
    fn nodes_show_their_own_interfaces_and_subnet_controls() {
        let eni = |id: &str, alb: &str, subnet: &str, addr: &str| {
            serde_json::json!({"id": id, "description": format!("ELB app/{alb}/0123456789abcdef"),
                "subnet_id": subnet, "addresses": [addr]})
        };
        let alb = |name: &str| {
            serde_json::json!({
                "arn": format!("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/{name}/0123456789abcdef"),
                "name": name, "scheme": "internal", "ip_address_type": "ipv4", "vpc_id": "vpc-1",
                "availability_zones": [{"zone": "us-east-1a", "subnet_id": "subnet-a"},
                                       {"zone": "us-east-1b", "subnet_id": "subnet-b"}]
            })
        };
        fn from<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
            serde_json::from_value(v).unwrap()
        }
        let mut snapshot = Snapshot::default();
        let network = &mut snapshot.network;
        for (id, alb, subnet, addr) in [
            ("eni-1", "web", "subnet-a", "10.0.1.10"),
            ("eni-2", "web", "subnet-b", "10.0.2.10"),
            ("eni-3", "api", "subnet-a", "10.0.1.20"),
        ] {
            network
                .network_interfaces
                .insert(id.into(), from(eni(id, alb, subnet, addr)));
        }
        let acl = serde_json::json!({"id": "acl-a", "subnet_ids": ["subnet-a"]});
        network.network_acls.insert("acl-a".into(), from(acl));
        let main = serde_json::json!({"id": "rtb-main", "vpc_id": "vpc-1", "main": true});
        network.route_tables.insert("rtb-main".into(), from(main));
        let explicit =
            serde_json::json!({"id": "rtb-a", "vpc_id": "vpc-1", "subnet_ids": ["subnet-a"]});
        network.route_tables.insert("rtb-a".into(), from(explicit));
        let subnet = serde_json::json!({"id": "subnet-b", "vpc_id": "vpc-1",
            "availability_zone": "us-east-1b", "cidrs": ["10.0.2.0/24"]});
        network.subnets.insert("subnet-b".into(), from(subnet));
        snapshot.load_balancers = vec![from(alb("web")), from(alb("api"))];
        let index = Index::new(&snapshot);
        let view = |lb: &LoadBalancer| {
            Topology::of(&snapshot, &index, lb)
                .nodes
                .into_iter()
                .map(|n| {
                    let addresses: Vec<String> =
                        n.addresses.iter().map(ToString::to_string).collect();
                    (n.subnet_id, n.route_table, n.network_acl, addresses)
                })
                .collect::<Vec<_>>()
        };
        let (a, main) = (Some("rtb-a".to_string()), Some("rtb-main".to_string()));
        let acl_a = Some("acl-a".to_string());
        assert_eq!(
            view(&snapshot.load_balancers[0]),
            vec![
                (
                    "subnet-a".into(),
                    a.clone(),
                    acl_a.clone(),
                    vec!["10.0.1.10".into()]
                ),
                (
                    "subnet-b".into(),
                    main.clone(),
                    None,
                    vec!["10.0.2.10".into()]
                ),
            ]
        );
        assert_eq!(
            view(&snapshot.load_balancers[1]),
            vec![
                ("subnet-a".into(), a, acl_a, vec!["10.0.1.20".into()]),
                ("subnet-b".into(), main, None, vec![]),
            ]
        );
    }
}
