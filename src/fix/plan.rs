//! Building changes within AWS's default quotas: a fix that would not fit is no fix, and says
//! so, rather than a command that fails halfway.

use ipnet::IpNet;

use super::{Change, Peer, ACL_ENTRIES_PER_DIRECTION, ROUTES_PER_TABLE, SG_RULES_PER_DIRECTION};
use crate::model::{Network, NetworkAcl, RouteOrigin, RouteTable};
use crate::net::nacl::IMPLICIT_DENY;

/// One rule in `group` admitting `peer` on `ports`, if the group's rules in that direction
/// stay within the quota (each CIDR, prefix list or group of a permission is one rule).
pub fn sg_rule(
    network: &Network,
    group: &str,
    egress: bool,
    ports: (u16, u16),
    peer: Peer,
) -> Result<Change, String> {
    let sg = network
        .security_groups
        .get(group)
        .ok_or_else(|| format!("security group {group} was not read"))?;
    let rules = if egress { &sg.egress } else { &sg.ingress };
    let used: usize = rules
        .iter()
        .map(|r| (r.cidrs.len() + r.prefix_lists.len() + r.groups.len()).max(1))
        .sum();
    let new = match &peer {
        Peer::Cidrs(c) => c.len(),
        Peer::Group(_) => 1,
    };
    if new == 0 {
        return Err("no peer to admit".into());
    }
    if used + new > SG_RULES_PER_DIRECTION {
        return Err(format!(
            "{group} has {used} {} rules; {new} more would exceed the default quota of {SG_RULES_PER_DIRECTION}: use a managed prefix list or a wider block you choose",
            if egress { "outbound" } else { "inbound" }
        ));
    }
    Ok(Change::AddSgRule {
        group: group.to_string(),
        egress,
        ports,
        peer,
    })
}

/// `plan` (route changes for `table`, or a table of its own copied from it) if the table it
/// leaves holds no more static routes of each family than the quota.
pub fn routes_fit(table: &RouteTable, plan: Vec<Change>) -> Result<Vec<Change>, String> {
    for v4 in [true, false] {
        let of_family = |n: &IpNet| matches!(n, IpNet::V4(_)) == v4;
        let statics = table
            .routes
            .iter()
            .filter(|r| r.target != "local" && r.origin != RouteOrigin::EnableVgwRoutePropagation)
            .filter_map(|r| r.destination)
            .filter(of_family)
            .count();
        let mut total = statics;
        for change in &plan {
            match change {
                Change::AddRoute { destination, .. } if of_family(destination) => total += 1,
                Change::OwnRouteTable { routes, .. } => {
                    total = routes.iter().filter(|(d, _)| of_family(d)).count();
                }
                _ => {}
            }
        }
        if total > ROUTES_PER_TABLE {
            return Err(format!(
                "the route table would hold {total} static {} routes, more than the default quota of {ROUTES_PER_TABLE}: route a wider block you choose",
                if v4 { "IPv4" } else { "IPv6" }
            ));
        }
    }
    Ok(plan)
}

/// Entries in `acl` allowing `ports` to or from each of `cidrs`, numbered below `below` (the
/// first entry that denies the traffic) in free slots, if the ACL stays within the quota.
pub fn acl_entries(
    acl: &NetworkAcl,
    egress: bool,
    ports: (u16, u16),
    cidrs: &[IpNet],
    below: Option<i32>,
) -> Result<Vec<Change>, String> {
    if cidrs.is_empty() {
        return Err("no peer to allow".into());
    }
    let taken: Vec<i32> = acl
        .entries
        .iter()
        .filter(|e| e.egress == egress && e.rule_number != IMPLICIT_DENY)
        .map(|e| e.rule_number)
        .collect();
    if taken.len() + cidrs.len() > ACL_ENTRIES_PER_DIRECTION {
        return Err(format!(
            "{} has {} {} entries; {} more would exceed the default quota of {ACL_ENTRIES_PER_DIRECTION}",
            acl.id,
            taken.len(),
            if egress { "outbound" } else { "inbound" },
            cidrs.len()
        ));
    }
    let limit = below.unwrap_or(IMPLICIT_DENY);
    // Highest free numbers below the deny, so the new entries decide before it.
    let mut free = (1..limit).rev().filter(|n| !taken.contains(n));
    let mut out = Vec::new();
    for cidr in cidrs {
        let Some(rule_number) = free.next() else {
            return Err(format!("{} has no free rule number below {limit}", acl.id));
        };
        out.push(Change::AddAclEntry {
            acl: acl.id.clone(),
            egress,
            rule_number,
            ports,
            cidr: *cidr,
        });
    }
    out.reverse();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AclEntry;

    fn acl(numbers: &[i32]) -> NetworkAcl {
        NetworkAcl {
            unreadable_entries: Default::default(),
            id: "acl-1".into(),
            vpc_id: "vpc-1".into(),
            default: false,
            subnet_ids: vec![],
            entries: numbers
                .iter()
                .map(|&n| AclEntry {
                    rule_number: n,
                    egress: false,
                    protocol: "-1".into(),
                    allow: false,
                    cidr: "0.0.0.0/0".parse().unwrap(),
                    from_port: None,
                    to_port: None,
                })
                .collect(),
        }
    }

    #[test]
    fn entries_go_below_the_deny_in_free_slots() {
        let cidrs: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap(), "::/0".parse().unwrap()];
        let out = acl_entries(
            &acl(&[99, 100, 32767]),
            false,
            (443, 443),
            &cidrs,
            Some(100),
        )
        .unwrap();
        let numbers: Vec<i32> = out
            .iter()
            .map(|c| match c {
                Change::AddAclEntry { rule_number, .. } => *rule_number,
                _ => 0,
            })
            .collect();
        assert_eq!(numbers, vec![97, 98]);
        assert!(acl_entries(&acl(&[1, 32767]), false, (443, 443), &cidrs, Some(1)).is_err());
    }

    #[test]
    fn quota_is_never_exceeded() {
        let many: Vec<i32> = (1..=19).collect();
        let cidrs: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap(), "::/0".parse().unwrap()];
        let err = acl_entries(&acl(&many), false, (443, 443), &cidrs, None).unwrap_err();
        assert!(err.contains("quota of 20"), "{err}");
    }

    #[test]
    fn routes_stay_within_the_quota_per_family() {
        let route = |i: usize, origin| crate::model::Route {
            destination: Some(format!("10.{i}.0.0/16").parse().unwrap()),
            destination_prefix_list: None,
            target: "vgw-1".into(),
            state: crate::model::RouteState::Active,
            origin,
        };
        let table = |n: usize, origin| RouteTable {
            id: "rtb-1".into(),
            vpc_id: "vpc-1".into(),
            main: false,
            subnet_ids: vec![],
            gateway_ids: vec![],
            routes: (0..n).map(|i| route(i, origin)).collect(),
        };
        let add = |d: &str| Change::AddRoute {
            table: "rtb-1".into(),
            destination: d.parse().unwrap(),
            target: "vgw-1".into(),
        };
        let full = table(ROUTES_PER_TABLE, RouteOrigin::CreateRoute);
        let err = routes_fit(&full, vec![add("192.168.0.0/16")]).unwrap_err();
        assert!(err.contains("51 static IPv4 routes"), "{err}");
        // IPv6 is counted apart, and propagated routes not at all.
        assert!(routes_fit(&full, vec![add("2001:db8::/32")]).is_ok());
        let propagated = table(ROUTES_PER_TABLE, RouteOrigin::EnableVgwRoutePropagation);
        assert!(routes_fit(&propagated, vec![add("192.168.0.0/16")]).is_ok());
        // A table of its own holds exactly the routes it lists.
        let own = |n: usize| Change::OwnRouteTable {
            subnet: "subnet-1".into(),
            vpc: "vpc-1".into(),
            from: "rtb-1".into(),
            explicit: true,
            routes: (0..n)
                .map(|i| (format!("10.{i}.0.0/16").parse().unwrap(), "vgw-1".into()))
                .collect(),
        };
        assert!(routes_fit(&full, vec![own(ROUTES_PER_TABLE)]).is_ok());
        assert!(routes_fit(&full, vec![own(ROUTES_PER_TABLE + 1)]).is_err());
    }
}
