//! The layout of an ALB's paths as the report carries it: each zone's node with its subnet,
//! route table and network ACL, the listeners, and the target groups with their targets.
//! Findings name zones, ports and targets; this is what they are placed on.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::model::{LoadBalancer, Snapshot};
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

impl Topology {
    /// Lays out `lb`'s paths from what the snapshot holds.
    pub fn of(snapshot: &Snapshot, lb: &LoadBalancer) -> Self {
        let network = &snapshot.network;
        let description = crate::arn::AlbArn::parse(&lb.arn)
            .map(|a| a.interface_description())
            .ok();
        let nodes = lb
            .availability_zones
            .iter()
            .map(|az| NodeView {
                zone: az.zone.clone(),
                subnet_id: az.subnet_id.clone(),
                route_table: table_for_subnet(network, &az.subnet_id).map(|t| t.id.clone()),
                network_acl: network
                    .network_acls
                    .values()
                    .find(|a| a.subnet_ids.contains(&az.subnet_id))
                    .map(|a| a.id.clone()),
                addresses: network
                    .network_interfaces
                    .values()
                    .filter(|n| {
                        n.subnet_id == az.subnet_id
                            && description.as_deref() == Some(n.description.as_str())
                    })
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
        Topology {
            nodes,
            listeners,
            target_groups,
        }
    }
}
