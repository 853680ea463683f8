//! Who "the internet" is, in one place. An internet-facing ALB is checked for clients anywhere
//! on the internet; that population never includes addresses no internet client can have:
//! private, shared, loopback, link-local, multicast and reserved ranges (the RFC 6890
//! special-purpose registries, <https://www.iana.org/assignments/iana-ipv4-special-registry>),
//! nor the VPC's own CIDR blocks, which its `local` route keeps inside the VPC.

use ipnet::IpNet;

use super::addr_set::AddrSet;

/// Address blocks from which no internet client connects.
pub fn special_purpose() -> AddrSet {
    let nets: Vec<IpNet> = [
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/8",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    ]
    .iter()
    .filter_map(|n| n.parse().ok())
    .collect();
    AddrSet::from_nets(&nets)
}

/// The internet in the families asked for, as seen from a VPC whose blocks are `vpc`.
pub fn internet(v4: bool, v6: bool, vpc: &AddrSet) -> AddrSet {
    let mut all = AddrSet::empty();
    if v4 {
        all = all.union(&AddrSet::any_v4());
    }
    if v6 {
        all = all.union(&AddrSet::any_v6());
    }
    all.difference(&special_purpose()).difference(vpc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(c: &str) -> AddrSet {
        AddrSet::from_net(&c.parse().unwrap())
    }

    #[test]
    fn the_internet_excludes_private_ranges_and_the_vpc() {
        let vpc = set("2600:1f18:0:100::/56").union(&set("198.51.100.0/24"));
        let inet = internet(true, true, &vpc);
        for inside in ["8.8.8.8", "2606:4700::1111", "203.0.113.9"] {
            assert!(inet.contains(inside.parse().unwrap()), "{inside}");
        }
        for outside in [
            "10.1.2.3",
            "192.168.1.1",
            "127.0.0.1",
            "fd00::1",
            "2600:1f18:0:1ff::1",
            "198.51.100.4",
        ] {
            assert!(!inet.contains(outside.parse().unwrap()), "{outside}");
        }
        assert!(internet(true, false, &AddrSet::empty())
            .v6_part()
            .is_empty());
        assert!(internet(false, true, &AddrSet::empty())
            .v4_part()
            .is_empty());
    }
}
