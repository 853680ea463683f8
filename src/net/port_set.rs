//! TCP/UDP port sets, the port half of every rule evaluation.

use super::range_set::RangeSet;

/// A set of ports, as exact ranges over the whole `u16` port space.
pub type PortSet = RangeSet<u16>;

/// The ports from `lo` to `hi` inclusive (empty when `lo > hi`), as a rule states them.
pub fn ports(lo: u16, hi: u16) -> PortSet {
    PortSet::from_range(lo, hi)
}

/// Renders a port set for people: "80", "1024-65535", "80, 443, 8000-8080", "none" or "all".
pub fn fmt_ports(set: &PortSet) -> String {
    if set.is_empty() {
        return "none".to_owned();
    }
    if set.is_full() {
        return "all".to_owned();
    }
    set.ranges()
        .iter()
        .map(|&(lo, hi)| {
            if lo == hi {
                lo.to_string()
            } else {
                format!("{lo}-{hi}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_examples() {
        assert_eq!(fmt_ports(&ports(80, 80)), "80");
        assert_eq!(fmt_ports(&ports(1024, 65535)), "1024-65535");
        let mixed = ports(443, 443)
            .union(&ports(8000, 8080))
            .union(&ports(80, 80));
        assert_eq!(fmt_ports(&mixed), "80, 443, 8000-8080");
        assert_eq!(fmt_ports(&PortSet::empty()), "none");
        assert_eq!(fmt_ports(&ports(9, 3)), "none");
        assert_eq!(fmt_ports(&PortSet::full()), "all");
        assert_eq!(fmt_ports(&ports(0, 65535)), "all");
        assert_eq!(fmt_ports(&ports(0, 0)), "0");
        assert_eq!(fmt_ports(&ports(0, 65534)), "0-65534");
        assert_eq!(
            fmt_ports(&PortSet::full().difference(&ports(22, 22))),
            "0-21, 23-65535"
        );
        assert_eq!(fmt_ports(&ports(80, 81).union(&ports(82, 90))), "80-90");
    }
}
