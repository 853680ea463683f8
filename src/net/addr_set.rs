//! Exact sets of IPv4 and IPv6 addresses, so reachability questions are answered by set
//! arithmetic over CIDR blocks rather than by comparing rule strings.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::range_set::RangeSet;

/// A set of IPv4 and IPv6 addresses, each family kept as its own canonical range set.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct AddrSet {
    v4: RangeSet<u32>,
    v6: RangeSet<u128>,
}

/// Splits the inclusive range `lo..=hi` of a `bits`-wide address space into the fewest
/// aligned blocks, as `(first address, prefix length)` in ascending order.
fn split_range(mut lo: u128, hi: u128, bits: u32) -> Vec<(u128, u8)> {
    let mut out = Vec::new();
    while lo <= hi {
        // The largest block starting at `lo` is limited by `lo`'s alignment and by the
        // number of addresses left (`hi - lo + 1`, which overflows only for the whole space).
        let fit = match (hi - lo).checked_add(1) {
            Some(count) => 127 - count.leading_zeros(),
            None => 128,
        };
        let size_log2 = lo.trailing_zeros().min(bits).min(fit);
        let last = lo | u128::MAX.checked_shr(128 - size_log2).unwrap_or(0);
        // `size_log2 <= bits <= 128`, so the prefix length always fits in a `u8`.
        out.push((lo, u8::try_from(bits - size_log2).unwrap_or(0)));
        match last.checked_add(1) {
            Some(next) => lo = next,
            None => break,
        }
    }
    out
}

impl AddrSet {
    /// The set with no addresses, the identity of union.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Every IPv4 address (`0.0.0.0/0`).
    pub fn any_v4() -> Self {
        Self {
            v4: RangeSet::full(),
            v6: RangeSet::empty(),
        }
    }

    /// Every IPv6 address (`::/0`).
    pub fn any_v6() -> Self {
        Self {
            v4: RangeSet::empty(),
            v6: RangeSet::full(),
        }
    }

    /// The addresses of one CIDR block; host bits set in `net` are ignored.
    pub fn from_net(net: &IpNet) -> Self {
        match net {
            IpNet::V4(n) => Self {
                v4: RangeSet::from_range(u32::from(n.network()), u32::from(n.broadcast())),
                v6: RangeSet::empty(),
            },
            IpNet::V6(n) => Self {
                v4: RangeSet::empty(),
                v6: RangeSet::from_range(u128::from(n.network()), u128::from(n.broadcast())),
            },
        }
    }

    /// The union of many CIDR blocks, as listed in a rule or a route table.
    pub fn from_nets<'a>(nets: impl IntoIterator<Item = &'a IpNet>) -> Self {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for net in nets {
            match net {
                IpNet::V4(n) => v4.push((u32::from(n.network()), u32::from(n.broadcast()))),
                IpNet::V6(n) => v6.push((u128::from(n.network()), u128::from(n.broadcast()))),
            }
        }
        Self {
            v4: RangeSet::from_ranges(v4),
            v6: RangeSet::from_ranges(v6),
        }
    }

    /// The addresses in either set.
    pub fn union(&self, other: &Self) -> Self {
        Self {
            v4: self.v4.union(&other.v4),
            v6: self.v6.union(&other.v6),
        }
    }

    /// The addresses in both sets.
    pub fn intersection(&self, other: &Self) -> Self {
        Self {
            v4: self.v4.intersection(&other.v4),
            v6: self.v6.intersection(&other.v6),
        }
    }

    /// The addresses in `self` but not in `other`.
    pub fn difference(&self, other: &Self) -> Self {
        Self {
            v4: self.v4.difference(&other.v4),
            v6: self.v6.difference(&other.v6),
        }
    }

    /// Whether the set has no addresses of either family.
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// Whether every address of `self` is in `other`.
    pub fn is_subset(&self, other: &Self) -> bool {
        self.v4.is_subset(&other.v4) && self.v6.is_subset(&other.v6)
    }

    /// Whether the sets share at least one address.
    pub fn intersects(&self, other: &Self) -> bool {
        self.v4.intersects(&other.v4) || self.v6.intersects(&other.v6)
    }

    /// Whether one address is in the set (IPv4-mapped IPv6 addresses count as IPv6).
    pub fn contains(&self, addr: IpAddr) -> bool {
        match addr {
            IpAddr::V4(a) => self.v4.contains(u32::from(a)),
            IpAddr::V6(a) => self.v6.contains(u128::from(a)),
        }
    }

    /// Only the IPv4 addresses, for checks that apply to one family.
    pub fn v4_part(&self) -> AddrSet {
        Self {
            v4: self.v4.clone(),
            v6: RangeSet::empty(),
        }
    }

    /// Only the IPv6 addresses, for checks that apply to one family.
    pub fn v6_part(&self) -> AddrSet {
        Self {
            v4: RangeSet::empty(),
            v6: self.v6.clone(),
        }
    }

    /// The fewest CIDR blocks whose union is exactly the set: IPv4 first, each ascending.
    pub fn to_cidrs(&self) -> Vec<IpNet> {
        let mut out = Vec::new();
        for &(lo, hi) in self.v4.ranges() {
            for (start, prefix) in split_range(u128::from(lo), u128::from(hi), 32) {
                // `start` came from a `u32` range and the prefix is at most 32, so both
                // conversions always succeed.
                if let Ok(addr) = u32::try_from(start) {
                    if let Ok(n) = Ipv4Net::new(Ipv4Addr::from(addr), prefix) {
                        out.push(IpNet::V4(n));
                    }
                }
            }
        }
        for &(lo, hi) in self.v6.ranges() {
            for (start, prefix) in split_range(lo, hi, 128) {
                // The prefix is at most 128 by construction.
                if let Ok(n) = Ipv6Net::new(Ipv6Addr::from(start), prefix) {
                    out.push(IpNet::V6(n));
                }
            }
        }
        out
    }
}

impl fmt::Display for AddrSet {
    /// Renders the minimal CIDR list joined by ", ", or "none" when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cidrs = self.to_cidrs();
        if cidrs.is_empty() {
            return f.write_str("none");
        }
        for (i, net) in cidrs.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{net}")?;
        }
        Ok(())
    }
}

impl Serialize for AddrSet {
    /// Writes the minimal CIDR list as an array of strings.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.to_cidrs().iter().map(ToString::to_string))
    }
}

impl<'de> Deserialize<'de> for AddrSet {
    /// Reads an array of CIDR strings as their union, rejecting any that does not parse.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let strings = Vec::<String>::deserialize(deserializer)?;
        let nets = strings
            .iter()
            .map(|s| {
                s.parse::<IpNet>()
                    .map_err(|e| D::Error::custom(format!("invalid CIDR {s:?}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::from_nets(&nets))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn net(s: &str) -> IpNet {
        s.parse().expect("test CIDR parses")
    }

    fn set(cidrs: &[&str]) -> AddrSet {
        AddrSet::from_nets(&cidrs.iter().map(|s| net(s)).collect::<Vec<_>>())
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address parses")
    }

    /// Small blocks crowded into 10.0.0.0/20 and 2001:db8::/116 so they overlap and touch
    /// often, with the occasional whole-family or half-family block.
    fn small_net() -> impl Strategy<Value = IpNet> {
        let v4 = (0u32..4096, 22u8..=32).prop_map(|(low, prefix)| {
            let base = u32::from(Ipv4Addr::new(10, 0, 0, 0));
            IpNet::V4(Ipv4Net::new(Ipv4Addr::from(base | low), prefix).expect("prefix <= 32"))
        });
        let v6 = (0u128..4096, 118u8..=128).prop_map(|(low, prefix)| {
            let base = u128::from(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0));
            IpNet::V6(Ipv6Net::new(Ipv6Addr::from(base | low), prefix).expect("prefix <= 128"))
        });
        prop_oneof![
            8 => v4,
            8 => v6,
            1 => Just(net("0.0.0.0/0")),
            1 => Just(net("128.0.0.0/1")),
            1 => Just(net("::/0")),
            1 => Just(net("8000::/1")),
        ]
    }

    /// A set built as (union of some blocks) minus (union of others), so it has ragged edges.
    fn addr_set() -> impl Strategy<Value = AddrSet> {
        (
            prop::collection::vec(small_net(), 0..8),
            prop::collection::vec(small_net(), 0..4),
        )
            .prop_map(|(plus, minus)| {
                AddrSet::from_nets(&plus).difference(&AddrSet::from_nets(&minus))
            })
    }

    fn family(n: &IpNet) -> u8 {
        match n {
            IpNet::V4(_) => 4,
            IpNet::V6(_) => 6,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn to_cidrs_round_trips(s in addr_set()) {
            let cidrs = s.to_cidrs();
            prop_assert_eq!(AddrSet::from_nets(&cidrs), s);
        }

        #[test]
        fn to_cidrs_is_minimal_and_sorted(s in addr_set()) {
            let cidrs = s.to_cidrs();
            for n in &cidrs {
                prop_assert_eq!(n.trunc(), *n, "host bits set in {}", n);
            }
            for w in cidrs.windows(2) {
                let (a, b) = (w[0], w[1]);
                prop_assert!(family(&a) <= family(&b), "v4 must come first: {} {}", a, b);
                if family(&a) == family(&b) {
                    prop_assert!(a.broadcast() < b.network(), "overlap or order: {} {}", a, b);
                    // Two blocks merge only if they are siblings, which sort next to each other.
                    prop_assert!(!a.is_sibling(&b), "mergeable: {} {}", a, b);
                }
            }
        }

        #[test]
        fn contains_agrees_with_blocks(
            plus in prop::collection::vec(small_net(), 0..8),
            probe_v4 in 0u32..8192,
            probe_v6 in 0u128..8192,
        ) {
            let s = AddrSet::from_nets(&plus);
            let probes = [
                IpAddr::V4(Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 0, 0, 0)) + probe_v4)),
                IpAddr::V6(Ipv6Addr::from(
                    u128::from(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0)) + probe_v6,
                )),
            ];
            for p in probes {
                prop_assert_eq!(s.contains(p), plus.iter().any(|n| n.contains(&p)), "{}", p);
            }
        }

        #[test]
        fn serde_round_trips(s in addr_set()) {
            let json = serde_json::to_string(&s).expect("serialises");
            let back: AddrSet = serde_json::from_str(&json).expect("deserialises");
            prop_assert_eq!(back, s);
        }
    }

    #[test]
    fn display_examples() {
        assert_eq!(AddrSet::empty().to_string(), "none");
        assert_eq!(AddrSet::any_v4().to_string(), "0.0.0.0/0");
        assert_eq!(AddrSet::any_v6().to_string(), "::/0");
        assert_eq!(
            AddrSet::any_v6().union(&AddrSet::any_v4()).to_string(),
            "0.0.0.0/0, ::/0"
        );
        assert_eq!(set(&["11.0.0.0/8", "10.0.0.0/8"]).to_string(), "10.0.0.0/7");
        assert_eq!(set(&["10.0.0.5/24"]).to_string(), "10.0.0.0/24");
        let ragged = set(&["10.0.0.0/29"]).difference(&set(&["10.0.0.0/32", "10.0.0.7/32"]));
        assert_eq!(
            ragged.to_string(),
            "10.0.0.1/32, 10.0.0.2/31, 10.0.0.4/31, 10.0.0.6/32"
        );
        let no_private = AddrSet::any_v4().difference(&set(&["10.0.0.0/8"]));
        assert_eq!(
            no_private.to_string(),
            "0.0.0.0/5, 8.0.0.0/7, 11.0.0.0/8, 12.0.0.0/6, 16.0.0.0/4, 32.0.0.0/3, \
             64.0.0.0/2, 128.0.0.0/1"
        );
        assert_eq!(
            set(&[
                "255.255.255.255/32",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"
            ])
            .to_string(),
            "255.255.255.255/32, ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"
        );
        assert_eq!(
            set(&["2001:db8::/33", "2001:db8:8000::/33", "::/128"]).to_string(),
            "::/128, 2001:db8::/32"
        );
    }

    #[test]
    fn contains_v4_and_v6() {
        let s = set(&["10.0.0.0/16", "2001:db8::/32"]);
        assert!(s.contains(ip("10.0.255.255")));
        assert!(!s.contains(ip("10.1.0.0")));
        assert!(s.contains(ip("2001:db8:ffff::1")));
        assert!(!s.contains(ip("2001:db9::")));
        // Families stay separate, even for IPv4-mapped IPv6 addresses.
        assert!(!s.contains(ip("::ffff:10.0.0.1")));
        assert!(AddrSet::any_v4().contains(ip("0.0.0.0")));
        assert!(AddrSet::any_v4().contains(ip("255.255.255.255")));
        assert!(!AddrSet::any_v4().contains(ip("::")));
        assert!(AddrSet::any_v6().contains(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
        assert!(!AddrSet::empty().contains(ip("10.0.0.1")));
    }

    #[test]
    fn family_parts_and_relations() {
        let s = set(&["10.0.0.0/16", "2001:db8::/32"]);
        assert_eq!(s.v4_part(), set(&["10.0.0.0/16"]));
        assert_eq!(s.v6_part(), set(&["2001:db8::/32"]));
        assert_eq!(s.v4_part().union(&s.v6_part()), s);
        assert!(s.v4_part().is_subset(&AddrSet::any_v4()));
        assert!(!s.is_subset(&AddrSet::any_v4()));
        assert!(s.intersects(&AddrSet::any_v6()));
        assert!(!s.v4_part().intersects(&AddrSet::any_v6()));
        assert!(s.intersection(&AddrSet::any_v6()).v4_part().is_empty());
        assert!(AddrSet::empty().is_empty() && !s.is_empty());
        assert_eq!(AddrSet::from_net(&net("0.0.0.0/0")), AddrSet::any_v4());
        assert_eq!(AddrSet::from_net(&net("::/0")), AddrSet::any_v6());
    }

    #[test]
    fn serde_format() {
        let s = set(&["10.0.0.0/9", "10.128.0.0/9", "::/0"]);
        let json = serde_json::to_string(&s).expect("serialises");
        assert_eq!(json, r#"["10.0.0.0/8","::/0"]"#);
        assert_eq!(
            serde_json::to_string(&AddrSet::empty()).expect("serialises"),
            "[]"
        );
        let parsed: AddrSet =
            serde_json::from_str(r#"["10.0.1.0/24", "10.0.0.0/24", "10.0.0.9/8"]"#)
                .expect("deserialises");
        assert_eq!(parsed, set(&["10.0.0.0/8"]));
        for bad in [
            r#"["nope"]"#,
            r#"["10.0.0.0/33"]"#,
            r#"["10.0.0.1"]"#,
            r#""10.0.0.0/8""#,
        ] {
            assert!(serde_json::from_str::<AddrSet>(bad).is_err(), "{bad}");
        }
    }
}
