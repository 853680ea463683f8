//! Building changes within AWS's default quotas: a fix that would not fit is no fix, and says
//! so, rather than a command that fails halfway.

use ipnet::IpNet;

use super::{Change, Peer, ACL_ENTRIES_PER_DIRECTION, ROUTES_PER_TABLE, SG_RULES_PER_DIRECTION};
use crate::model::{Network, NetworkAcl, RouteOrigin, RouteTable};
use crate::net::addr_set::AddrSet;
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

/// One plan for a cause whose findings each proposed their own (one per target, say targets in
/// two subnets behind one ACL): identical changes once; ACL entries and security-group rules
/// that let more peers through the same way are planned again together, so that their rule
/// numbers do not collide, adjacent blocks join, and the quota holds for the whole.
pub fn merge(network: &Network, plans: &[&[Change]]) -> Result<Vec<Change>, String> {
    type Way = (String, bool, (u16, u16));
    let mut out: Vec<Change> = Vec::new();
    let mut entries: Vec<(Way, Vec<IpNet>, i32)> = Vec::new();
    let mut rules: Vec<(Way, Vec<IpNet>)> = Vec::new();
    for change in plans.iter().flat_map(|p| p.iter()) {
        match change {
            Change::AddAclEntry {
                acl,
                egress,
                rule_number,
                ports,
                cidr,
            } => {
                let way = (acl.clone(), *egress, *ports);
                match entries.iter_mut().find(|(w, _, _)| *w == way) {
                    Some((_, cidrs, lowest)) => {
                        cidrs.push(*cidr);
                        *lowest = (*lowest).min(*rule_number);
                    }
                    None => entries.push((way, vec![*cidr], *rule_number)),
                }
            }
            Change::AddSgRule {
                group,
                egress,
                ports,
                peer: Peer::Cidrs(cidrs),
            } => {
                let way = (group.clone(), *egress, *ports);
                match rules.iter_mut().find(|(w, _)| *w == way) {
                    Some((_, all)) => all.extend(cidrs),
                    None => rules.push((way, cidrs.clone())),
                }
            }
            other if !out.contains(other) => out.push(other.clone()),
            _ => {}
        }
    }
    let joined = |nets: &[IpNet]| AddrSet::from_nets(nets).to_cidrs();
    for ((group, egress, ports), cidrs) in rules {
        out.push(sg_rule(
            network,
            &group,
            egress,
            ports,
            Peer::Cidrs(joined(&cidrs)),
        )?);
    }
    for ((id, egress, ports), cidrs, lowest) in entries {
        let acl = network
            .network_acls
            .get(&id)
            .ok_or_else(|| format!("network ACL {id} was not read"))?;
        // Below the lowest number any finding chose: before every deny each one found.
        out.extend(acl_entries(
            acl,
            egress,
            ports,
            &joined(&cidrs),
            Some(lowest + 1),
        )?);
    }
    Ok(out)
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

    #[test]
    fn plans_of_one_cause_merge_without_colliding() {
        let mut network: Network = serde_json::from_value(serde_json::json!({
            "security_groups": {"sg-1": {"id": "sg-1"}},
        }))
        .unwrap();
        network
            .network_acls
            .insert("acl-1".into(), acl(&[99, 130, 32767]));
        let numbered = |cidr: &str, rule_number| Change::AddAclEntry {
            acl: "acl-1".into(),
            egress: false,
            rule_number,
            ports: (1024, 65535),
            cidr: cidr.parse().unwrap(),
        };
        // Each finding alone takes 129, the slot below the deny at 130.
        let entry = |cidr: &str| numbered(cidr, 129);
        let rule = |cidr: &str| Change::AddSgRule {
            group: "sg-1".into(),
            egress: true,
            ports: (8080, 8080),
            peer: Peer::Cidrs(vec![cidr.parse().unwrap()]),
        };
        let route = Change::AddRoute {
            table: "rtb-1".into(),
            destination: "0.0.0.0/0".parse().unwrap(),
            target: "igw-1".into(),
        };
        let a = [entry("10.0.1.0/24"), rule("10.0.2.0/25"), route.clone()];
        let b = [entry("10.0.3.0/24"), rule("10.0.2.128/25"), route.clone()];
        let merged = merge(&network, &[&a, &b]).unwrap();
        assert_eq!(
            merged,
            vec![
                route,
                Change::AddSgRule {
                    group: "sg-1".into(),
                    egress: true,
                    ports: (8080, 8080),
                    peer: Peer::Cidrs(vec!["10.0.2.0/24".parse().unwrap()]),
                },
                numbered("10.0.3.0/24", 128),
                numbered("10.0.1.0/24", 129),
            ]
        );
        // The quota holds for the whole, not per finding.
        let many: Vec<Vec<Change>> = (0..20)
            .map(|i| vec![entry(&format!("10.{i}.0.0/24"))])
            .collect();
        let plans: Vec<&[Change]> = many.iter().map(Vec::as_slice).collect();
        let err = merge(&network, &plans).unwrap_err();
        assert!(err.contains("quota of 20"), "{err}");
    }
}
