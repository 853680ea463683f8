//! Where a target is, as far as its path is concerned: inside the ALB's VPC (its subnet and
//! security groups, from the instance or the interface that owns its address) or an IP target
//! outside it, reached through a route. What cannot be known stays unknown: a target is never
//! "outside the VPC" because the VPC's blocks were not read.

use std::net::IpAddr;

use crate::analysis::index::Index;
use crate::model::{Instance, Snapshot, Subnet, Target, TargetGroup, TargetType};
use crate::net::addr_set::AddrSet;

/// Where a target is.
pub enum Placement<'a> {
    /// Inside the ALB's VPC.
    InVpc {
        /// The address the ALB connects to.
        addr: IpAddr,
        /// Its subnet, if known.
        subnet: Option<&'a Subnet>,
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

impl Placement<'_> {
    /// The target's address, when known.
    pub fn addr(&self) -> Option<IpAddr> {
        match self {
            Placement::InVpc { addr, .. } | Placement::External { addr } => Some(*addr),
            Placement::Unknown(_) => None,
        }
    }
}

/// Works out where `target` of `group` is, for an ALB in `vpc_id`.
pub fn place<'a>(
    snapshot: &'a Snapshot,
    index: &Index<'a>,
    vpc_id: &str,
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
                groups: Some(instance.security_groups.clone()),
                instance: Some(instance),
            }
        }
        _ => {
            let Ok(addr) = target.id.parse::<IpAddr>() else {
                return Placement::Unknown(format!("target {} is not an IP address", target.id));
            };
            let Some(vpc) = network.vpcs.get(vpc_id) else {
                return Placement::Unknown(format!(
                    "the CIDR blocks of {vpc_id} were not read, so whether {} is inside it is unknown",
                    target.id
                ));
            };
            if !AddrSet::from_nets(&vpc.cidrs).contains(addr) {
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
                groups: eni.map(|n| n.security_groups.clone()),
                instance: None,
            }
        }
    }
}
