//! Address sets in words, for messages, evidence and remediations. Messages may abbreviate;
//! evidence is complete; a remediation only names blocks that can be entered as written.

use ipnet::IpNet;

use super::addr_set::AddrSet;

/// A set for a message: as CIDR blocks, or as `0.0.0.0/0 except …` when that is shorter, at
/// most four blocks per family, then how many more.
pub fn brief(set: &AddrSet) -> String {
    describe(set, Some(4))
}

/// A set for evidence: like [`brief`], never truncated.
pub fn cidr_list(set: &AddrSet) -> serde_json::Value {
    describe(set, None).into()
}

/// The set as CIDR blocks that a security group rule, ACL entry or route accepts as written
/// (`198.51.100.7/32`, never `… except …`), with the whole family as `0.0.0.0/0` / `::/0`.
pub fn entries(set: &AddrSet) -> Vec<String> {
    set.to_cidrs().iter().map(IpNet::to_string).collect()
}

/// [`entries`] for a remediation sentence: at most four, then how many more and where the
/// whole list is.
pub fn entries_brief(set: &AddrSet) -> String {
    let all = entries(set);
    if all.len() <= 4 {
        all.join(", ")
    } else {
        format!(
            "{} and {} more (evidence `blocked` lists them)",
            all[..4].join(", "),
            all.len() - 4
        )
    }
}

fn describe(set: &AddrSet, limit: Option<usize>) -> String {
    let list = |nets: Vec<IpNet>| {
        let n = nets.len();
        let shown: Vec<String> = nets
            .iter()
            .take(limit.unwrap_or(usize::MAX))
            .map(|n| {
                // A single address reads as itself, not as a /32 or /128.
                if n.prefix_len() == n.max_prefix_len() {
                    n.addr().to_string()
                } else {
                    n.to_string()
                }
            })
            .collect();
        match limit {
            Some(l) if n > l => format!("{} and {} more blocks", shown.join(", "), n - l),
            _ => shown.join(", "),
        }
    };
    let mut parts = Vec::new();
    for (part, universe, any) in [
        (set.v4_part(), AddrSet::any_v4(), "0.0.0.0/0"),
        (set.v6_part(), AddrSet::any_v6(), "::/0"),
    ] {
        if part.is_empty() {
            continue;
        }
        let direct = part.to_cidrs();
        let missing = universe.difference(&part).to_cidrs();
        if missing.is_empty() {
            parts.push(any.to_string());
        } else if missing.len() < direct.len() {
            parts.push(format!("{any} except {}", list(missing)));
        } else {
            parts.push(list(direct));
        }
    }
    if parts.is_empty() {
        "no address".to_string()
    } else {
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(c: &[&str]) -> AddrSet {
        let nets: Vec<IpNet> = c.iter().map(|c| c.parse().unwrap()).collect();
        AddrSet::from_nets(&nets)
    }

    #[test]
    fn sets_read_compactly() {
        assert_eq!(brief(&AddrSet::empty()), "no address");
        assert_eq!(brief(&AddrSet::any_v4()), "0.0.0.0/0");
        assert_eq!(
            brief(&set(&["10.0.0.0/8", "192.168.0.0/16"])),
            "10.0.0.0/8, 192.168.0.0/16"
        );
        let most = AddrSet::any_v4().difference(&set(&["10.0.0.0/16"]));
        assert_eq!(brief(&most), "0.0.0.0/0 except 10.0.0.0/16");
        let both = most.union(&AddrSet::any_v6());
        assert_eq!(brief(&both), "0.0.0.0/0 except 10.0.0.0/16; ::/0");
        let many: Vec<String> = (0..6).map(|i| format!("10.{}.0.0/16", i * 2)).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(
            brief(&set(&many)),
            "10.0.0.0/16, 10.2.0.0/16, 10.4.0.0/16, 10.6.0.0/16 and 2 more blocks"
        );
        assert_eq!(
            cidr_list(&set(&many))
                .as_str()
                .unwrap()
                .matches('/')
                .count(),
            6
        );
    }

    #[test]
    fn entries_can_be_typed_in() {
        assert_eq!(entries(&set(&["198.51.100.7/32"])), ["198.51.100.7/32"]);
        assert_eq!(
            entries(&AddrSet::any_v4().union(&AddrSet::any_v6())),
            ["0.0.0.0/0", "::/0"]
        );
        let six: Vec<String> = (0..6).map(|i| format!("10.{}.0.0/16", i * 2)).collect();
        let six: Vec<&str> = six.iter().map(String::as_str).collect();
        let text = entries_brief(&set(&six));
        assert!(text.starts_with("10.0.0.0/16, 10.2.0.0/16, 10.4.0.0/16, 10.6.0.0/16 and 2 more"));
        assert!(!text.contains("except"));
    }
}
