//! The ALB's nodes as the backend sees them: where each sits and which source address it uses
//! toward a target group. An ALB talks to targets in the target group's address family only
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#target-group-ip-address-type>),
//! so a dualstack node's IPv6 address never meets an IPv4 target's rules.

use crate::analysis::index::Index;
use crate::arn::AlbArn;
use crate::model::{LoadBalancer, Network, NetworkAcl, RouteTable, TargetIpAddressType};
use crate::net::addr_set::AddrSet;
use crate::net::route::table_for_subnet;

/// One ALB node.
pub struct Node<'a> {
    /// Its zone.
    pub zone: &'a str,
    /// Its subnet.
    pub subnet_id: &'a str,
    /// Its security groups.
    pub groups: Vec<String>,
    /// Its addresses (both families), or why they are unknown.
    pub addrs: Result<AddrSet, String>,
    /// True when `addrs` is the subnet's CIDR because no `ELB app/…` interface was found.
    pub from_subnet_cidr: bool,
    /// The subnet's network ACL.
    pub acl: Option<&'a NetworkAcl>,
    /// The subnet's route table.
    pub table: Option<&'a RouteTable>,
}

impl Node<'_> {
    /// The node's source addresses toward targets of `family`.
    pub fn addrs_for(&self, family: TargetIpAddressType) -> Result<AddrSet, String> {
        let all = self.addrs.as_ref().map_err(Clone::clone)?;
        let (part, name) = match family {
            TargetIpAddressType::Ipv6 => (all.v6_part(), "IPv6"),
            _ => (all.v4_part(), "IPv4"),
        };
        if part.is_empty() {
            Err(format!(
                "the ALB node in {} has no {name} address for an {name} target group",
                self.zone
            ))
        } else {
            Ok(part)
        }
    }
}

/// The nodes of `lb`, one per enabled zone: addresses from the ALB's network interfaces
/// (description `ELB app/NAME/ID`), else the subnet's CIDR blocks, conservatively.
pub fn nodes<'a>(network: &'a Network, index: &Index<'a>, lb: &'a LoadBalancer) -> Vec<Node<'a>> {
    let description = AlbArn::parse(&lb.arn).map(|a| a.interface_description());
    lb.availability_zones
        .iter()
        .map(|az| {
            let enis: Vec<_> = match &description {
                Ok(d) => index
                    .interfaces_described(d)
                    .iter()
                    .filter(|n| n.subnet_id == az.subnet_id)
                    .collect(),
                Err(_) => Vec::new(),
            };
            let (addrs, groups, from_subnet_cidr) = if description.is_err() {
                (
                    Err(format!(
                        "the ALB's ARN {} does not parse, so its network interfaces cannot be found",
                        lb.arn
                    )),
                    lb.security_groups.clone(),
                    false,
                )
            } else if enis.is_empty() {
                let cidrs = network
                    .subnets
                    .get(&az.subnet_id)
                    .map(|s| AddrSet::from_nets(&s.cidrs))
                    .ok_or_else(|| format!("subnet {} was not read", az.subnet_id));
                (cidrs, lb.security_groups.clone(), true)
            } else {
                let nets: Vec<ipnet::IpNet> = enis
                    .iter()
                    .flat_map(|n| n.addresses.iter().map(|a| ipnet::IpNet::from(*a)))
                    .collect();
                let mut groups: Vec<String> = enis
                    .iter()
                    .flat_map(|n| n.security_groups.iter().cloned())
                    .collect();
                groups.sort();
                groups.dedup();
                (Ok(AddrSet::from_nets(&nets)), groups, false)
            };
            Node {
                zone: &az.zone,
                subnet_id: &az.subnet_id,
                groups,
                addrs,
                from_subnet_cidr,
                acl: index.acl_of(&az.subnet_id),
                table: table_for_subnet(network, &az.subnet_id),
            }
        })
        .collect()
}
