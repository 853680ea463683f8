//! Security group evaluation: stateful, a union of allows, no denies. A peer is admitted on a
//! port when any rule of any group covers the port and names the peer's address (CIDR or
//! prefix list entry) or a security group the peer belongs to.

use std::collections::{BTreeMap, BTreeSet};

use super::addr_set::AddrSet;
use super::{port_bounds, protocol_covers_tcp};
use crate::model::{PrefixList, SecurityGroup};

/// Which side of a group's rules to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Inbound rules: peers are sources.
    Ingress,
    /// Outbound rules: peers are destinations.
    Egress,
}

/// The peers a set of security groups allows on one TCP port in one direction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SgAllows {
    /// Addresses allowed by CIDR and prefix-list rules.
    pub addrs: AddrSet,
    /// Security groups whose members are allowed.
    pub groups: BTreeSet<String>,
    /// Prefix lists a matching rule names but whose entries are unknown.
    pub unresolved_prefix_lists: BTreeSet<String>,
}

impl SgAllows {
    /// Whether a peer at `addr`-set `peer` with security groups `peer_groups` is fully admitted:
    /// every address admitted by CIDR, or the peer a member of an admitted group.
    pub fn admits(&self, peer: &AddrSet, peer_groups: &[String]) -> bool {
        peer_groups.iter().any(|g| self.groups.contains(g)) || peer.is_subset(&self.addrs)
    }
}

/// What `groups` allow for TCP on `port` in `direction`.
pub fn allows_tcp(
    groups: &[&SecurityGroup],
    direction: Direction,
    port: u16,
    prefix_lists: &BTreeMap<String, PrefixList>,
) -> SgAllows {
    let mut out = SgAllows::default();
    for group in groups {
        let rules = match direction {
            Direction::Ingress => &group.ingress,
            Direction::Egress => &group.egress,
        };
        for rule in rules {
            if !protocol_covers_tcp(&rule.protocol) {
                continue;
            }
            let (lo, hi) = port_bounds(&rule.protocol, rule.from_port, rule.to_port);
            if port < lo || port > hi {
                continue;
            }
            out.addrs = out.addrs.union(&AddrSet::from_nets(&rule.cidrs));
            out.groups.extend(rule.groups.iter().cloned());
            for pl in &rule.prefix_lists {
                match prefix_lists.get(pl) {
                    Some(list) => {
                        out.addrs = out.addrs.union(&AddrSet::from_nets(&list.cidrs));
                    }
                    None => {
                        out.unresolved_prefix_lists.insert(pl.clone());
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SgRule;

    fn rule(protocol: &str, from: i32, to: i32, cidrs: &[&str]) -> SgRule {
        SgRule {
            protocol: protocol.into(),
            from_port: Some(from),
            to_port: Some(to),
            cidrs: cidrs.iter().map(|c| c.parse().unwrap()).collect(),
            prefix_lists: vec![],
            groups: vec![],
        }
    }

    fn group(id: &str, ingress: Vec<SgRule>) -> SecurityGroup {
        SecurityGroup {
            id: id.into(),
            name: id.into(),
            vpc_id: "vpc-1".into(),
            ingress,
            egress: vec![],
        }
    }

    fn set(cidrs: &[&str]) -> AddrSet {
        let nets: Vec<ipnet::IpNet> = cidrs.iter().map(|c| c.parse().unwrap()).collect();
        AddrSet::from_nets(&nets)
    }

    #[test]
    fn union_of_groups_and_port_ranges() {
        let a = group("sg-a", vec![rule("tcp", 80, 80, &["10.0.0.0/8"])]);
        let b = group(
            "sg-b",
            vec![
                rule("tcp", 443, 443, &["0.0.0.0/0"]),
                rule("6", 70, 90, &["192.168.0.0/16", "2001:db8::/32"]),
            ],
        );
        let pls = BTreeMap::new();
        let on80 = allows_tcp(&[&a, &b], Direction::Ingress, 80, &pls);
        assert_eq!(
            on80.addrs,
            set(&["10.0.0.0/8", "192.168.0.0/16", "2001:db8::/32"])
        );
        let on443 = allows_tcp(&[&a, &b], Direction::Ingress, 443, &pls);
        assert_eq!(on443.addrs, set(&["0.0.0.0/0"]));
        let on22 = allows_tcp(&[&a, &b], Direction::Ingress, 22, &pls);
        assert!(on22.addrs.is_empty() && on22.groups.is_empty());
        // Egress rules are not read for ingress.
        assert!(allows_tcp(&[&a], Direction::Egress, 80, &pls)
            .addrs
            .is_empty());
    }

    #[test]
    fn all_protocols_and_non_tcp() {
        let g = group(
            "sg-a",
            vec![
                rule("-1", 0, 0, &["10.1.0.0/16"]),
                rule("udp", 0, 65535, &["10.2.0.0/16"]),
                rule("icmp", -1, -1, &["10.3.0.0/16"]),
            ],
        );
        let got = allows_tcp(&[&g], Direction::Ingress, 8080, &BTreeMap::new());
        assert_eq!(got.addrs, set(&["10.1.0.0/16"]));
    }

    #[test]
    fn prefix_lists_and_group_references() {
        let mut r = rule("tcp", 443, 443, &[]);
        r.prefix_lists = vec!["pl-1".into(), "pl-missing".into()];
        r.groups = vec!["sg-clients".into()];
        let g = group("sg-alb", vec![r]);
        let pls = BTreeMap::from([(
            "pl-1".to_string(),
            PrefixList {
                id: "pl-1".into(),
                name: "office".into(),
                cidrs: vec!["203.0.113.0/24".parse().unwrap()],
            },
        )]);
        let got = allows_tcp(&[&g], Direction::Ingress, 443, &pls);
        assert_eq!(got.addrs, set(&["203.0.113.0/24"]));
        assert_eq!(
            got.unresolved_prefix_lists,
            ["pl-missing".to_string()].into()
        );
        assert!(got.admits(&set(&["10.9.9.9/32"]), &["sg-clients".into()]));
        assert!(got.admits(&set(&["203.0.113.7/32"]), &[]));
        assert!(!got.admits(&set(&["203.0.112.0/23"]), &[]));
    }
}
