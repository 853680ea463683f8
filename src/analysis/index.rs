//! Lookups built once per snapshot, so that evaluating many ALBs stays linear: interfaces by
//! description and by address, and network ACLs by subnet.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::model::{NetworkAcl, NetworkInterface, Snapshot};

/// Indexes over the snapshot's network.
pub struct Index<'a> {
    by_description: HashMap<&'a str, Vec<&'a NetworkInterface>>,
    by_address: HashMap<IpAddr, &'a NetworkInterface>,
    acl_by_subnet: HashMap<&'a str, &'a NetworkAcl>,
}

impl<'a> Index<'a> {
    /// Builds the indexes.
    pub fn new(snapshot: &'a Snapshot) -> Self {
        let network = &snapshot.network;
        let mut by_description: HashMap<&str, Vec<&NetworkInterface>> = HashMap::new();
        let mut by_address = HashMap::new();
        for eni in network.network_interfaces.values() {
            by_description
                .entry(eni.description.as_str())
                .or_default()
                .push(eni);
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
            by_address,
            acl_by_subnet,
        }
    }

    /// Interfaces with exactly this description (an ALB's nodes: `ELB app/NAME/ID`).
    pub fn interfaces_described(&self, description: &str) -> &[&'a NetworkInterface] {
        self.by_description
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
