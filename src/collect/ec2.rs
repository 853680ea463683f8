//! EC2 reads converted to the model: VPCs, subnets, route tables, gateways, security groups,
//! network ACLs, network interfaces and instances. CIDR strings AWS returns are parsed here;
//! one that does not parse is skipped rather than failing the whole read.

use std::collections::BTreeSet;
use std::net::IpAddr;

use aws_sdk_ec2::types as t;
use aws_sdk_ec2::types::Filter;
use futures::future::join_all;
use ipnet::IpNet;

use super::{merge, Behind, Collector, Groups, EC2_FILTER_VALUES};
use crate::model::{Dataset, Gap, Network, PrefixList, TargetType};

use crate::model::{
    AclEntry, Gateway, Instance, NetworkAcl, NetworkInterface, Route, RouteOrigin, RouteState,
    RouteTable, SecurityGroup, SgRule, Subnet, Vpc,
};

const DESCRIBE_NETWORK_INTERFACES: &str = "ec2:DescribeNetworkInterfaces";

fn filter(name: &str, values: &[String]) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.to_vec()))
        .build()
}

impl Collector {
    /// Every network resource type of the VPCs, one paginated call per type for at most 200
    /// VPCs at a time, all concurrently.
    pub(super) async fn network(&self, vpcs: &BTreeSet<String>) -> (Network, Vec<Gap>) {
        let ids: Vec<String> = vpcs.iter().cloned().collect();
        let parts = join_all(
            ids.chunks(EC2_FILTER_VALUES)
                .map(|chunk| self.network_of(chunk)),
        )
        .await;
        let mut network = Network::default();
        let mut gaps = Vec::new();
        for (part, part_gaps) in parts {
            merge(&mut network, part);
            gaps.extend(part_gaps);
        }
        (network, gaps)
    }

    async fn network_of(&self, ids: &[String]) -> (Network, Vec<Gap>) {
        let mut network = Network::default();
        let mut gaps = Vec::new();
        let ec2 = &self.ec2;
        let c = &self.caller;
        let (v, s, rt, igw, vgw, sg, acl) = tokio::join!(
            c.run(
                Dataset::Vpcs,
                "ec2:DescribeVpcs",
                None,
                ec2.describe_vpcs()
                    .set_vpc_ids(Some(ids.to_vec()))
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
            c.run(
                Dataset::Subnets,
                "ec2:DescribeSubnets",
                None,
                ec2.describe_subnets()
                    .filters(filter("vpc-id", ids))
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
            c.run(
                Dataset::RouteTables,
                "ec2:DescribeRouteTables",
                None,
                ec2.describe_route_tables()
                    .filters(filter("vpc-id", ids))
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
            c.run(
                Dataset::InternetGateways,
                "ec2:DescribeInternetGateways",
                None,
                ec2.describe_internet_gateways()
                    .filters(filter("attachment.vpc-id", ids))
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
            c.run(
                Dataset::VpnGateways,
                "ec2:DescribeVpnGateways",
                None,
                ec2.describe_vpn_gateways()
                    .filters(filter("attachment.vpc-id", ids))
                    .send()
            ),
            c.run(
                Dataset::SecurityGroups,
                "ec2:DescribeSecurityGroups",
                None,
                ec2.describe_security_groups()
                    .filters(filter("vpc-id", ids))
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
            c.run(
                Dataset::NetworkAcls,
                "ec2:DescribeNetworkAcls",
                None,
                ec2.describe_network_acls()
                    .filters(filter("vpc-id", ids))
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect()
            ),
        );
        macro_rules! take {
            ($result:expr, $field:ident, $conv:path) => {
                match $result {
                    Ok(items) => {
                        for item in items.iter() {
                            let m = $conv(item);
                            network.$field.insert(m.id.clone(), m);
                        }
                    }
                    Err(g) => gaps.push(g),
                }
            };
        }
        take!(v, vpcs, vpc);
        take!(s, subnets, subnet);
        take!(rt, route_tables, route_table);
        take!(igw, internet_gateways, internet_gateway);
        take!(
            vgw.map(|o| o.vpn_gateways.unwrap_or_default()),
            vpn_gateways,
            vpn_gateway
        );
        take!(sg, security_groups, security_group);
        take!(acl, network_acls, network_acl);
        (network, gaps)
    }

    /// The entries of every prefix list that a security group rule or a route names.
    pub(super) async fn prefix_lists(&self, network: &mut Network, gaps: &mut Vec<Gap>) {
        let from_groups = network
            .security_groups
            .values()
            .flat_map(|g| g.ingress.iter().chain(&g.egress))
            .flat_map(|r| r.prefix_lists.iter().cloned());
        let from_routes = network
            .route_tables
            .values()
            .flat_map(|t| &t.routes)
            .filter_map(|r| r.destination_prefix_list.clone());
        let ids: BTreeSet<String> = from_groups.chain(from_routes).collect();
        let read = join_all(ids.iter().map(|id| {
            self.caller.run(
                Dataset::PrefixLists,
                "ec2:GetManagedPrefixListEntries",
                None,
                self.ec2
                    .get_managed_prefix_list_entries()
                    .prefix_list_id(id)
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect(),
            )
        }))
        .await;
        for (id, result) in ids.iter().zip(read) {
            match result {
                Ok(entries) => {
                    network.prefix_lists.insert(
                        id.clone(),
                        PrefixList {
                            id: id.clone(),
                            name: String::new(),
                            cidrs: entries
                                .iter()
                                .filter_map(|e| e.cidr()?.parse().ok())
                                .collect(),
                        },
                    );
                }
                Err(g) => gaps.push(g),
            }
        }
    }

    /// The ALBs' node interfaces (`ELB app/NAME/ID`), 200 descriptions per call.
    pub(super) async fn interfaces_described(
        &self,
        descriptions: &[String],
    ) -> Result<Vec<NetworkInterface>, Gap> {
        let enis = self
            .caller
            .chunked(
                Dataset::NetworkInterfaces,
                DESCRIBE_NETWORK_INTERFACES,
                descriptions,
                EC2_FILTER_VALUES,
                |chunk| {
                    self.ec2
                        .describe_network_interfaces()
                        .filters(filter("description", chunk))
                        .into_paginator()
                        .items()
                        .send()
                        .try_collect()
                },
            )
            .await?;
        Ok(enis.iter().map(network_interface).collect())
    }

    /// The instances behind instance targets and the interfaces that own IP targets'
    /// addresses in the groups' VPCs.
    pub(super) async fn behind_targets(&self, groups: &Groups) -> (Behind, Vec<Gap>) {
        let ids_of = |kind: TargetType| -> Vec<String> {
            groups
                .values()
                .filter(|g| g.target_type == kind)
                .flat_map(|g| g.targets.iter().map(|t| t.id.clone()))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        };
        let (instance_ids, ips) = (ids_of(TargetType::Instance), ids_of(TargetType::Ip));
        let vpcs: Vec<String> = groups
            .values()
            .filter_map(|g| g.vpc_id.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let c = &self.caller;
        let (instances, interfaces) = tokio::join!(
            self.instances_by_id(Dataset::Instances, &instance_ids),
            c.chunked(
                Dataset::NetworkInterfaces,
                DESCRIBE_NETWORK_INTERFACES,
                &ips,
                EC2_FILTER_VALUES,
                |chunk| {
                    let mut call = self
                        .ec2
                        .describe_network_interfaces()
                        .filters(filter("addresses.private-ip-address", chunk));
                    if !vpcs.is_empty() {
                        call = call.filters(filter("vpc-id", &vpcs));
                    }
                    call.into_paginator().items().send().try_collect()
                }
            ),
        );
        let mut behind = Behind::default();
        let mut gaps = Vec::new();
        match instances {
            Ok(list) => behind.instances.extend(list),
            Err(g) => gaps.push(g),
        }
        match interfaces {
            Ok(enis) => behind.interfaces.extend(
                enis.iter()
                    .map(network_interface)
                    .map(|n| (n.id.clone(), n)),
            ),
            Err(g) => gaps.push(g),
        }
        (behind, gaps)
    }
}

fn net(s: Option<&str>) -> Option<IpNet> {
    s?.parse().ok()
}

/// Converts a VPC, keeping its associated CIDR blocks.
pub fn vpc(v: &t::Vpc) -> Vpc {
    let mut cidrs: Vec<IpNet> = v
        .cidr_block_association_set()
        .iter()
        .filter(|a| {
            a.cidr_block_state()
                .and_then(|s| s.state())
                .is_none_or(|s| s.as_str() == "associated")
        })
        .filter_map(|a| net(a.cidr_block()))
        .collect();
    if cidrs.is_empty() {
        cidrs.extend(net(v.cidr_block()));
    }
    cidrs.extend(
        v.ipv6_cidr_block_association_set()
            .iter()
            .filter(|a| {
                a.ipv6_cidr_block_state()
                    .and_then(|s| s.state())
                    .is_none_or(|s| s.as_str() == "associated")
            })
            .filter_map(|a| net(a.ipv6_cidr_block())),
    );
    Vpc {
        id: v.vpc_id().unwrap_or_default().to_string(),
        cidrs,
        block_public_access: super::bpa::states(v.block_public_access_states()),
    }
}

/// Converts a subnet.
pub fn subnet(s: &t::Subnet) -> Subnet {
    let mut cidrs: Vec<IpNet> = net(s.cidr_block()).into_iter().collect();
    cidrs.extend(
        s.ipv6_cidr_block_association_set()
            .iter()
            .filter_map(|a| net(a.ipv6_cidr_block())),
    );
    Subnet {
        id: s.subnet_id().unwrap_or_default().to_string(),
        vpc_id: s.vpc_id().unwrap_or_default().to_string(),
        availability_zone: s.availability_zone().unwrap_or_default().to_string(),
        availability_zone_id: s.availability_zone_id().map(str::to_string),
        cidrs,
        block_public_access: super::bpa::states(s.block_public_access_states()),
        available_ip_addresses: s
            .available_ip_address_count()
            .and_then(|n| u32::try_from(n).ok()),
    }
}

/// Converts a route table with its explicit subnet associations.
pub fn route_table(rt: &t::RouteTable) -> RouteTable {
    let assocs = rt.associations();
    let mut subnet_ids: Vec<String> = assocs
        .iter()
        .filter_map(|a| a.subnet_id().map(str::to_string))
        .collect();
    subnet_ids.sort();
    let mut gateway_ids: Vec<String> = assocs
        .iter()
        .filter_map(|a| a.gateway_id().map(str::to_string))
        .collect();
    gateway_ids.sort();
    RouteTable {
        id: rt.route_table_id().unwrap_or_default().to_string(),
        vpc_id: rt.vpc_id().unwrap_or_default().to_string(),
        main: assocs.iter().any(|a| a.main().unwrap_or(false)),
        subnet_ids,
        gateway_ids,
        routes: rt.routes().iter().filter_map(route).collect(),
    }
}

fn route(r: &t::Route) -> Option<Route> {
    let destination =
        net(r.destination_cidr_block()).or_else(|| net(r.destination_ipv6_cidr_block()));
    let destination_prefix_list = r.destination_prefix_list_id().map(str::to_string);
    if destination.is_none() && destination_prefix_list.is_none() {
        return None;
    }
    let target = [
        r.gateway_id(),
        r.nat_gateway_id(),
        r.transit_gateway_id(),
        r.vpc_peering_connection_id(),
        r.egress_only_internet_gateway_id(),
        r.network_interface_id(),
        r.instance_id(),
        r.local_gateway_id(),
        r.carrier_gateway_id(),
        r.core_network_arn(),
    ]
    .into_iter()
    .flatten()
    .next()
    .unwrap_or("unknown")
    .to_string();
    let state = match r.state() {
        Some(t::RouteState::Blackhole) => RouteState::Blackhole,
        Some(t::RouteState::Active) => RouteState::Active,
        // Missing or new (`pending`): unknown, so the route's checks are not evaluated.
        Some(_) | None => RouteState::Unknown,
    };
    let origin = match r.origin() {
        Some(t::RouteOrigin::CreateRouteTable) => RouteOrigin::CreateRouteTable,
        Some(t::RouteOrigin::CreateRoute) => RouteOrigin::CreateRoute,
        Some(t::RouteOrigin::EnableVgwRoutePropagation) => RouteOrigin::EnableVgwRoutePropagation,
        _ => RouteOrigin::Unknown,
    };
    Some(Route {
        destination,
        destination_prefix_list,
        target,
        state,
        origin,
    })
}

fn attached(state: Option<&t::AttachmentStatus>) -> bool {
    state.is_none_or(|s| matches!(s.as_str(), "attached" | "available"))
}

/// Converts an internet gateway.
pub fn internet_gateway(g: &t::InternetGateway) -> Gateway {
    Gateway {
        id: g.internet_gateway_id().unwrap_or_default().to_string(),
        attached_vpcs: g
            .attachments()
            .iter()
            .filter(|a| attached(a.state()))
            .filter_map(|a| a.vpc_id().map(str::to_string))
            .collect(),
    }
}

/// Converts a virtual private gateway.
pub fn vpn_gateway(g: &t::VpnGateway) -> Gateway {
    Gateway {
        id: g.vpn_gateway_id().unwrap_or_default().to_string(),
        attached_vpcs: g
            .vpc_attachments()
            .iter()
            .filter(|a| attached(a.state()))
            .filter_map(|a| a.vpc_id().map(str::to_string))
            .collect(),
    }
}

/// Converts a security group.
pub fn security_group(g: &t::SecurityGroup) -> SecurityGroup {
    SecurityGroup {
        id: g.group_id().unwrap_or_default().to_string(),
        name: g.group_name().unwrap_or_default().to_string(),
        vpc_id: g.vpc_id().unwrap_or_default().to_string(),
        ingress: g.ip_permissions().iter().map(permission).collect(),
        egress: g.ip_permissions_egress().iter().map(permission).collect(),
    }
}

fn permission(p: &t::IpPermission) -> SgRule {
    let mut cidrs: Vec<IpNet> = p
        .ip_ranges()
        .iter()
        .filter_map(|r| net(r.cidr_ip()))
        .collect();
    cidrs.extend(p.ipv6_ranges().iter().filter_map(|r| net(r.cidr_ipv6())));
    SgRule {
        // A missing protocol stays empty, which the analysis reports as unknown (never `-1`).
        protocol: p.ip_protocol().unwrap_or_default().to_string(),
        from_port: p.from_port(),
        to_port: p.to_port(),
        cidrs,
        prefix_lists: p
            .prefix_list_ids()
            .iter()
            .filter_map(|l| l.prefix_list_id().map(str::to_string))
            .collect(),
        groups: p
            .user_id_group_pairs()
            .iter()
            .filter_map(|g| g.group_id().map(str::to_string))
            .collect(),
    }
}

/// Converts a network ACL.
pub fn network_acl(a: &t::NetworkAcl) -> NetworkAcl {
    let mut subnet_ids: Vec<String> = a
        .associations()
        .iter()
        .filter_map(|s| s.subnet_id().map(str::to_string))
        .collect();
    subnet_ids.sort();
    NetworkAcl {
        id: a.network_acl_id().unwrap_or_default().to_string(),
        vpc_id: a.vpc_id().unwrap_or_default().to_string(),
        default: a.is_default().unwrap_or(false),
        subnet_ids,
        entries: a.entries().iter().filter_map(acl_entry).collect(),
        unreadable_entries: a
            .entries()
            .iter()
            .filter(|e| acl_entry(e).is_none())
            .count(),
    }
}

fn acl_entry(e: &t::NetworkAclEntry) -> Option<AclEntry> {
    Some(AclEntry {
        rule_number: e.rule_number()?,
        egress: e.egress().unwrap_or(false),
        // A missing protocol stays empty, which the analysis reports as unknown (never `-1`).
        protocol: e.protocol().unwrap_or_default().to_string(),
        allow: matches!(e.rule_action(), Some(t::RuleAction::Allow)),
        cidr: net(e.cidr_block()).or_else(|| net(e.ipv6_cidr_block()))?,
        from_port: e.port_range().and_then(|r| r.from()),
        to_port: e.port_range().and_then(|r| r.to()),
    })
}

/// Converts a network interface.
pub fn network_interface(n: &t::NetworkInterface) -> NetworkInterface {
    let mut addresses: Vec<IpAddr> = n
        .private_ip_addresses()
        .iter()
        .filter_map(|a| a.private_ip_address()?.parse().ok())
        .collect();
    if addresses.is_empty() {
        addresses.extend(
            n.private_ip_address()
                .and_then(|a| a.parse::<IpAddr>().ok()),
        );
    }
    addresses.extend(
        n.ipv6_addresses()
            .iter()
            .filter_map(|a| a.ipv6_address()?.parse::<IpAddr>().ok()),
    );
    let mut public_addresses: Vec<IpAddr> = n
        .private_ip_addresses()
        .iter()
        .filter_map(|a| a.association()?.public_ip()?.parse().ok())
        .collect();
    if public_addresses.is_empty() {
        public_addresses.extend(
            n.association()
                .and_then(|a| a.public_ip())
                .and_then(|a| a.parse::<IpAddr>().ok()),
        );
    }
    NetworkInterface {
        id: n.network_interface_id().unwrap_or_default().to_string(),
        description: n.description().unwrap_or_default().to_string(),
        subnet_id: n.subnet_id().unwrap_or_default().to_string(),
        availability_zone: n.availability_zone().unwrap_or_default().to_string(),
        addresses,
        public_addresses,
        security_groups: n
            .groups()
            .iter()
            .filter_map(|g| g.group_id().map(str::to_string))
            .collect(),
        source_dest_check: n.source_dest_check(),
        instance_id: n
            .attachment()
            .filter(|a| {
                a.status()
                    .is_none_or(|s| matches!(s.as_str(), "attached" | "attaching"))
            })
            .and_then(|a| a.instance_id())
            .map(str::to_string),
        requester_managed: n.requester_managed(),
        requester_id: n.requester_id().map(str::to_string),
    }
}

/// Converts an instance.
pub fn instance(i: &t::Instance) -> Instance {
    Instance {
        id: i.instance_id().unwrap_or_default().to_string(),
        state: i
            .state()
            .and_then(|s| s.name())
            .map(|n| n.as_str().to_string())
            .unwrap_or_else(|| "unknown".to_string()),
        subnet_id: i.subnet_id().map(str::to_string),
        availability_zone: i
            .placement()
            .and_then(|p| p.availability_zone())
            .map(str::to_string),
        private_ip: i.private_ip_address().and_then(|a| a.parse().ok()),
        security_groups: i
            .security_groups()
            .iter()
            .filter_map(|g| g.group_id().map(str::to_string))
            .collect(),
        source_dest_check: i.source_dest_check(),
    }
}

impl Collector {
    /// The instances with these ids, by id, read as `dataset`: the targets' instances, or the
    /// appliances that routes send traffic to (a denial of one hides only its own checks).
    pub(super) async fn instances_by_id(
        &self,
        dataset: Dataset,
        ids: &[String],
    ) -> Result<Vec<(String, crate::model::Instance)>, Gap> {
        let reservations = self
            .caller
            .chunked(
                dataset,
                "ec2:DescribeInstances",
                ids,
                EC2_FILTER_VALUES,
                |chunk| {
                    self.ec2
                        .describe_instances()
                        .filters(filter("instance-id", chunk))
                        .into_paginator()
                        .items()
                        .send()
                        .try_collect()
                },
            )
            .await?;
        Ok(reservations
            .iter()
            .flat_map(|r| r.instances())
            .map(instance)
            .map(|i| (i.id.clone(), i))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two interfaces with an ALB node's description as DescribeNetworkInterfaces answers them:
    /// ELB's own (requester-managed by `amazon-elb`, attached by ELB) and one a member of the
    /// account made (not requester-managed, no requester).
    const NODE_INTERFACES: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>5e7f6a1b-0c2d-4e3f-8a9b-0c1d2e3f4a5b</requestId>
  <networkInterfaceSet>
    <item>
      <networkInterfaceId>eni-0elb</networkInterfaceId>
      <subnetId>subnet-0bb</subnetId>
      <vpcId>vpc-0a1b</vpcId>
      <availabilityZone>us-east-1b</availabilityZone>
      <description>ELB app/web/50dc6c495c0c9188</description>
      <ownerId>123456789012</ownerId>
      <requesterId>amazon-elb</requesterId>
      <requesterManaged>true</requesterManaged>
      <status>in-use</status>
      <macAddress>0e:12:34:56:78:9a</macAddress>
      <privateIpAddress>10.0.2.10</privateIpAddress>
      <sourceDestCheck>true</sourceDestCheck>
      <interfaceType>interface</interfaceType>
      <groupSet><item><groupId>sg-0alb</groupId><groupName>alb</groupName></item></groupSet>
      <attachment>
        <attachmentId>ela-attach-0a1b2c3d</attachmentId>
        <instanceOwnerId>amazon-elb</instanceOwnerId>
        <deviceIndex>1</deviceIndex>
        <status>attached</status>
        <deleteOnTermination>false</deleteOnTermination>
      </attachment>
      <privateIpAddressesSet>
        <item><privateIpAddress>10.0.2.10</privateIpAddress><primary>true</primary></item>
      </privateIpAddressesSet>
      <ipv6AddressesSet/>
      <tagSet/>
    </item>
    <item>
      <networkInterfaceId>eni-0member</networkInterfaceId>
      <subnetId>subnet-0bb</subnetId>
      <vpcId>vpc-0a1b</vpcId>
      <availabilityZone>us-east-1b</availabilityZone>
      <description>ELB app/web/50dc6c495c0c9188</description>
      <ownerId>123456789012</ownerId>
      <requesterManaged>false</requesterManaged>
      <status>available</status>
      <macAddress>0e:12:34:56:78:9b</macAddress>
      <privateIpAddress>10.0.2.99</privateIpAddress>
      <sourceDestCheck>true</sourceDestCheck>
      <interfaceType>interface</interfaceType>
      <groupSet/>
      <privateIpAddressesSet>
        <item><privateIpAddress>10.0.2.99</privateIpAddress><primary>true</primary></item>
      </privateIpAddressesSet>
      <ipv6AddressesSet/>
      <tagSet/>
    </item>
  </networkInterfaceSet>
</DescribeNetworkInterfacesResponse>"#;

    /// The collector records who manages each interface, as the SDK parses EC2's answer, so
    /// that only ELB's own stand for nodes.
    #[test]
    fn node_interfaces_record_who_manages_them() {
        let replay = crate::collect::replay::Replay::default().answer(
            "DescribeNetworkInterfaces",
            200,
            NODE_INTERFACES,
        );
        let collector = replay.collector();
        let enis = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(collector.interfaces_described(&["ELB app/web/50dc6c495c0c9188".to_string()]))
            .expect("read");
        let by_id = |id: &str| enis.iter().find(|n| n.id == id).expect(id);
        assert_eq!(by_id("eni-0elb").managed_by_elb(), Some(true));
        assert_eq!(
            by_id("eni-0elb").requester_id.as_deref(),
            Some("amazon-elb")
        );
        assert_eq!(by_id("eni-0member").managed_by_elb(), Some(false));
        assert_eq!(by_id("eni-0member").requester_id, None);
        assert!(replay.seen()[0].contains("Filter.1.Name=description"));
    }

    #[test]
    fn empty_and_odd_answers_convert() {
        let rt = route_table(
            &t::RouteTable::builder()
                .routes(t::Route::builder().build())
                .routes(
                    t::Route::builder()
                        .destination_cidr_block("not-a-cidr")
                        .gateway_id("igw-1")
                        .build(),
                )
                .routes(
                    t::Route::builder()
                        .destination_cidr_block("0.0.0.0/0")
                        .nat_gateway_id("nat-1")
                        .state(t::RouteState::from("pending-something-new"))
                        .build(),
                )
                .routes(
                    t::Route::builder()
                        .destination_cidr_block("10.9.0.0/16")
                        .gateway_id("vgw-1")
                        .build(),
                )
                .build(),
        );
        assert_eq!(
            rt.routes.len(),
            2,
            "routes without a usable destination are skipped"
        );
        assert_eq!(rt.routes[0].target, "nat-1");
        assert_eq!(rt.routes[0].state, RouteState::Unknown);
        assert_eq!(
            rt.routes[1].state,
            RouteState::Unknown,
            "a missing state is unknown, never active"
        );
        let acl = network_acl(
            &t::NetworkAcl::builder()
                .entries(t::NetworkAclEntry::builder().build())
                .entries(
                    t::NetworkAclEntry::builder()
                        .rule_number(100)
                        .cidr_block("0.0.0.0/0")
                        .rule_action(t::RuleAction::Allow)
                        .build(),
                )
                .entries(
                    t::NetworkAclEntry::builder()
                        .rule_number(90)
                        .protocol("-1")
                        .cidr_block("0.0.0.0/0 ")
                        .rule_action(t::RuleAction::Deny)
                        .build(),
                )
                .build(),
        );
        assert_eq!(acl.entries.len(), 1);
        assert_eq!(
            acl.entries[0].protocol, "",
            "a missing protocol is unknown, never -1 (all traffic)"
        );
        assert_eq!(
            acl.unreadable_entries, 2,
            "the entry without a rule number and the deny whose CIDR does not parse are counted"
        );
        let i = instance(&t::Instance::builder().build());
        assert_eq!(i.state, "unknown");
        assert!(i.private_ip.is_none());
        let sg = security_group(
            &t::SecurityGroup::builder()
                .ip_permissions(t::IpPermission::builder().build())
                .build(),
        );
        assert_eq!(sg.ingress[0].protocol, "", "a missing protocol is never -1");
        let eni = network_interface(
            &t::NetworkInterface::builder()
                .private_ip_address("bogus")
                .build(),
        );
        assert!(eni.addresses.is_empty());
        let g = internet_gateway(
            &t::InternetGateway::builder()
                .attachments(
                    t::InternetGatewayAttachment::builder()
                        .vpc_id("vpc-1")
                        .state(t::AttachmentStatus::Detached)
                        .build(),
                )
                .build(),
        );
        assert!(
            g.attached_vpcs.is_empty(),
            "a detached gateway routes nothing"
        );
    }
}
