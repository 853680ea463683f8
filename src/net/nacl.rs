//! Network ACL evaluation: stateless, one direction at a time, entries in rule-number order,
//! the first entry that matches protocol, address and port decides, and whatever no entry
//! matches is denied (the final `*` entry, whether or not the API lists it).

use std::collections::BTreeMap;

use super::addr_set::AddrSet;
use super::port_set::PortSet;
use super::{port_bounds, protocol_covers_tcp};
use crate::model::{AclEntry, NetworkAcl};

/// The rule number shown for the implicit final deny.
pub const IMPLICIT_DENY: i32 = 32767;

/// Which addresses an ACL drops for a TCP query, and which entries drop them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AclVerdict {
    /// Addresses for which at least one queried port is dropped.
    pub denied: AddrSet,
    /// Per deciding deny entry (rule number; [`IMPLICIT_DENY`] for `*`): addresses and ports.
    pub denials: BTreeMap<i32, (AddrSet, PortSet)>,
}

impl AclVerdict {
    /// The deny entries as `rule N` / `*` with what they drop, for a report's evidence.
    pub fn describe(&self) -> Vec<String> {
        self.denials
            .iter()
            .map(|(rule, (addrs, ports))| {
                let name = if *rule == IMPLICIT_DENY {
                    "*".to_string()
                } else {
                    rule.to_string()
                };
                format!(
                    "rule {name} denies {addrs} on port {}",
                    super::port_set::fmt_ports(ports)
                )
            })
            .collect()
    }
}

/// Evaluates TCP traffic with peer addresses `peers` and destination ports `ports` against the
/// inbound (`egress == false`) or outbound entries of `acl`.
pub fn evaluate_tcp(
    acl: &NetworkAcl,
    egress: bool,
    peers: &AddrSet,
    ports: &PortSet,
) -> AclVerdict {
    let mut entries: Vec<&AclEntry> = acl
        .entries
        .iter()
        .filter(|e| e.egress == egress && protocol_covers_tcp(&e.protocol))
        .collect();
    entries.sort_by_key(|e| e.rule_number);
    let bounds: Vec<(u16, u16)> = entries
        .iter()
        .map(|e| port_bounds(&e.protocol, e.from_port, e.to_port))
        .collect();

    let mut verdict = AclVerdict::default();
    for segment in elementary_segments(ports, &bounds) {
        let mut undecided = peers.clone();
        for (entry, (lo, hi)) in entries.iter().zip(&bounds) {
            if undecided.is_empty() {
                break;
            }
            if segment.0 < *lo || segment.0 > *hi {
                continue;
            }
            let matched = undecided.intersection(&AddrSet::from_net(&entry.cidr));
            if matched.is_empty() {
                continue;
            }
            undecided = undecided.difference(&matched);
            if !entry.allow {
                record(&mut verdict, entry.rule_number, matched, segment);
            }
        }
        if !undecided.is_empty() {
            record(&mut verdict, IMPLICIT_DENY, undecided, segment);
        }
    }
    verdict
}

fn record(verdict: &mut AclVerdict, rule: i32, addrs: AddrSet, (lo, hi): (u16, u16)) {
    verdict.denied = verdict.denied.union(&addrs);
    let slot = verdict.denials.entry(rule).or_default();
    slot.0 = slot.0.union(&addrs);
    slot.1 = slot.1.union(&PortSet::from_range(lo, hi));
}

/// Splits `ports` at every entry boundary so that each piece is either inside or outside each
/// entry's port range.
fn elementary_segments(ports: &PortSet, bounds: &[(u16, u16)]) -> Vec<(u16, u16)> {
    let mut cuts: Vec<u32> = bounds
        .iter()
        .flat_map(|&(lo, hi)| [u32::from(lo), u32::from(hi) + 1])
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = Vec::new();
    for &(lo, hi) in ports.ranges() {
        let mut start = u32::from(lo);
        let end = u32::from(hi);
        for &cut in &cuts {
            if cut > start && cut <= end {
                out.push((start as u16, (cut - 1) as u16));
                start = cut;
            }
        }
        out.push((start as u16, end as u16));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::port_set::ports;
    use ipnet::IpNet;
    use proptest::prelude::*;
    use std::net::{IpAddr, Ipv4Addr};

    fn entry(
        n: i32,
        egress: bool,
        proto: &str,
        allow: bool,
        cidr: &str,
        p: Option<(i32, i32)>,
    ) -> AclEntry {
        AclEntry {
            rule_number: n,
            egress,
            protocol: proto.into(),
            allow,
            cidr: cidr.parse().unwrap(),
            from_port: p.map(|p| p.0),
            to_port: p.map(|p| p.1),
        }
    }

    fn acl(entries: Vec<AclEntry>) -> NetworkAcl {
        NetworkAcl {
            id: "acl-1".into(),
            vpc_id: "vpc-1".into(),
            default: false,
            subnet_ids: vec![],
            entries,
            unreadable_entries: 0,
        }
    }

    fn set(c: &str) -> AddrSet {
        AddrSet::from_net(&c.parse().unwrap())
    }

    #[test]
    fn first_match_wins_and_implicit_deny() {
        let a = acl(vec![
            entry(200, false, "6", true, "0.0.0.0/0", Some((443, 443))),
            entry(100, false, "6", false, "198.51.100.0/24", Some((443, 443))),
        ]);
        let v = evaluate_tcp(&a, false, &AddrSet::any_v4(), &ports(443, 443));
        assert_eq!(v.denied, set("198.51.100.0/24"));
        assert_eq!(
            v.describe(),
            vec!["rule 100 denies 198.51.100.0/24 on port 443"]
        );
        // Port 80 matches nothing: the implicit deny drops everyone.
        let v = evaluate_tcp(&a, false, &AddrSet::any_v4(), &ports(80, 80));
        assert_eq!(v.denied, AddrSet::any_v4());
        assert_eq!(v.describe(), vec!["rule * denies 0.0.0.0/0 on port 80"]);
        // Outbound has no entries: everything is dropped.
        let v = evaluate_tcp(&a, true, &AddrSet::any_v4(), &ports(1024, 65535));
        assert_eq!(v.denied, AddrSet::any_v4());
    }

    #[test]
    fn response_ports_partly_covered() {
        let a = acl(vec![entry(
            100,
            true,
            "6",
            true,
            "0.0.0.0/0",
            Some((32768, 65535)),
        )]);
        let v = evaluate_tcp(&a, true, &AddrSet::any_v4(), &ports(1024, 65535));
        assert_eq!(v.denied, AddrSet::any_v4());
        assert_eq!(
            v.describe(),
            vec!["rule * denies 0.0.0.0/0 on port 1024-32767"]
        );
    }

    #[test]
    fn ipv6_entries_only_match_ipv6() {
        let a = acl(vec![
            entry(100, false, "-1", true, "0.0.0.0/0", None),
            entry(101, false, "-1", true, "::/0", None),
            entry(90, false, "17", false, "::/0", Some((0, 65535))),
        ]);
        let all = AddrSet::any_v4().union(&AddrSet::any_v6());
        assert!(evaluate_tcp(&a, false, &all, &ports(80, 80))
            .denied
            .is_empty());
        let only_v4 = acl(vec![entry(100, false, "-1", true, "0.0.0.0/0", None)]);
        assert_eq!(
            evaluate_tcp(&only_v4, false, &all, &ports(80, 80)).denied,
            AddrSet::any_v6()
        );
    }

    /// The brute-force oracle: first matching entry for one address and one port.
    fn oracle_allows(entries: &[AclEntry], egress: bool, addr: IpAddr, port: u16) -> bool {
        let mut sorted: Vec<&AclEntry> = entries.iter().filter(|e| e.egress == egress).collect();
        sorted.sort_by_key(|e| e.rule_number);
        for e in sorted {
            if !protocol_covers_tcp(&e.protocol) {
                continue;
            }
            let (lo, hi) = port_bounds(&e.protocol, e.from_port, e.to_port);
            if port >= lo && port <= hi && e.cidr.contains(&addr) {
                return e.allow;
            }
        }
        false
    }

    fn arb_entry() -> impl Strategy<Value = AclEntry> {
        (
            1..50i32,
            any::<bool>(),
            prop::sample::select(vec!["6", "-1", "17"]),
            any::<bool>(),
            0u8..=255,
            24u8..=32,
            0u16..12,
            0u16..12,
        )
            .prop_map(|(n, egress, proto, allow, host, len, a, b)| {
                let net = IpNet::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, host)), len)
                    .unwrap()
                    .trunc();
                AclEntry {
                    rule_number: n * 10,
                    egress,
                    protocol: proto.into(),
                    allow,
                    cidr: net,
                    from_port: Some(i32::from(a.min(b))),
                    to_port: Some(i32::from(a.max(b))),
                }
            })
    }

    proptest! {
        #[test]
        fn matches_brute_force(entries in prop::collection::vec(arb_entry(), 0..8),
                               egress in any::<bool>(), lo in 0u16..12, span in 0u16..6) {
            let hi = (lo + span).min(13);
            let a = acl(entries.clone());
            let universe = set("10.0.0.0/24");
            let v = evaluate_tcp(&a, egress, &universe, &ports(lo, hi));
            for host in 0..=255u8 {
                let addr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, host));
                let dropped = (lo..=hi).any(|p| !oracle_allows(&entries, egress, addr, p));
                prop_assert_eq!(v.denied.contains(addr), dropped, "host {}", host);
            }
            // Nothing outside the queried peers is ever reported.
            prop_assert!(v.denied.is_subset(&universe));
        }
    }
}
