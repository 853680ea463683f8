//! Lookups built once per snapshot, so that evaluating many ALBs stays linear: interfaces by
//! description and by address, and network ACLs by subnet.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::model::{NetworkAcl, NetworkInterface, Snapshot};

/// Indexes over the snapshot's network.
pub struct Index<'a> {
    /// **Only interfaces ELB manages (or whose manager is not recorded) stand for nodes.**
    by_description: HashMap<&'a str, Vec<&'a NetworkInterface>>,
    /// Interfaces described as a node that ELB does not manage: ignored, and named.
    impostors: HashMap<&'a str, Vec<&'a NetworkInterface>>,
    by_address: HashMap<IpAddr, &'a NetworkInterface>,
    acl_by_subnet: HashMap<&'a str, &'a NetworkAcl>,
}

impl<'a> Index<'a> {
    /// Builds the indexes.
    pub fn new(snapshot: &'a Snapshot) -> Self {
        let network = &snapshot.network;
        let mut by_description: HashMap<&str, Vec<&NetworkInterface>> = HashMap::new();
        let mut impostors: HashMap<&str, Vec<&NetworkInterface>> = HashMap::new();
        let mut by_address = HashMap::new();
        for eni in network.network_interfaces.values() {
            let slot = match eni.managed_by_elb() {
                Some(false) => &mut impostors,
                Some(true) | None => &mut by_description,
            };
            slot.entry(eni.description.as_str()).or_default().push(eni);
            for addr in &eni.addresses {
                by_address.entry(*addr).or_insert(eni);
            }
        }
        let mut acl_by_subnet = HashMap::new();
        for acl in network.network_acls.values() {
            for subnet in &acl.subnet_ids {
                acl_by_subnet.entry(subnet.as_str()).or_insert(acl);
            }
        }
        Index {
            by_description,
            impostors,
            by_address,
            acl_by_subnet,
        }
    }

    /// Interfaces with exactly this description that ELB manages (an ALB's nodes:
    /// `ELB app/NAME/ID`).
    pub fn interfaces_described(&self, description: &str) -> &[&'a NetworkInterface] {
        self.by_description
            .get(description)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Interfaces with this description that Elastic Load Balancing does not manage: anyone in
    /// the account can describe an interface as an ALB's node, so these are never taken as one.
    pub fn impostors_described(&self, description: &str) -> &[&'a NetworkInterface] {
        self.impostors
            .get(description)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The interface that owns `addr`, if any.
    pub fn interface_at(&self, addr: IpAddr) -> Option<&'a NetworkInterface> {
        self.by_address.get(&addr).copied()
    }

    /// The network ACL associated with `subnet`.
    pub fn acl_of(&self, subnet: &str) -> Option<&'a NetworkAcl> {
        self.acl_by_subnet.get(subnet).copied()
    }
}
