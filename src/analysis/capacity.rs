//! Subnet capacity of an ALB's zones: an ALB node scales by adding addresses in its subnet, and
//! AWS asks for a subnet of at least /27 with at least 8 free addresses
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#subnets-load-balancer>).
//! Short of that, nothing breaks today, but the zone's node cannot scale or be replaced: a
//! warning, with no symptom.

use crate::finding::Severity;
use crate::model::{LoadBalancer, Network};

/// The most specific prefix length an ALB subnet may have.
pub const MIN_PREFIX: u8 = 27;
/// The fewest free addresses an ALB subnet needs.
pub const MIN_FREE: u32 = 8;

/// One ALB subnet short of room, judged.
#[derive(Clone, Debug)]
pub struct Short<'a> {
    /// The zone.
    pub zone: &'a str,
    /// The subnet.
    pub subnet_id: &'a str,
    /// Its IPv4 block's prefix length, when it has one.
    pub prefix: Option<u8>,
    /// Its free IPv4 addresses, when AWS said.
    pub free: Option<u32>,
    /// Judged: a warning.
    pub severity: Severity,
}

/// The ALB subnets short of room, and what could not be judged.
pub fn judge<'a>(network: &'a Network, lb: &'a LoadBalancer) -> (Vec<Short<'a>>, Vec<String>) {
    let mut short = Vec::new();
    let mut unknown = Vec::new();
    for az in &lb.availability_zones {
        let Some(subnet) = network.subnets.get(&az.subnet_id) else {
            unknown.push(format!("{} was not read", az.subnet_id));
            continue;
        };
        let prefix = subnet
            .cidrs
            .iter()
            .find(|c| matches!(c, ipnet::IpNet::V4(_)))
            .map(|c| c.prefix_len());
        let small = prefix.is_some_and(|p| p > MIN_PREFIX);
        let full = subnet.available_ip_addresses.is_some_and(|n| n < MIN_FREE);
        if subnet.available_ip_addresses.is_none() && !small {
            unknown.push(format!(
                "the free addresses of {} were not recorded",
                az.subnet_id
            ));
        }
        if small || full {
            short.push(Short {
                zone: &az.zone,
                subnet_id: &az.subnet_id,
                prefix,
                free: subnet.available_ip_addresses,
                severity: Severity::Warning,
            });
        }
    }
    (short, unknown)
}
