//! Route lookup: which route a destination takes from a subnet. The subnet's explicitly
//! associated table, else the VPC's main table; longest prefix first, and among equal prefixes
//! AWS's route priority
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/route-tables.html#route-tables-priority>):
//! the `local` route, then static routes to a CIDR block, then routes to a prefix list, then
//! routes propagated from a virtual private gateway.

use std::collections::BTreeMap;

use ipnet::IpNet;

use super::addr_set::AddrSet;
use crate::model::{Network, PrefixList, Route, RouteOrigin, RouteTable};

/// What a route's target is, read from its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    /// The VPC's own range.
    Local,
    /// An internet gateway (`igw-`).
    InternetGateway,
    /// An egress-only internet gateway (`eigw-`): outbound IPv6 only.
    EgressOnlyInternetGateway,
    /// A NAT gateway (`nat-`): outbound only.
    NatGateway,
    /// A virtual private gateway (`vgw-`): VPN or Direct Connect.
    VpnGateway,
    /// A transit gateway (`tgw-`).
    TransitGateway,
    /// A VPC peering connection (`pcx-`).
    PeeringConnection,
    /// A VPC endpoint (`vpce-`): a gateway endpoint (S3, DynamoDB) or a Gateway Load Balancer
    /// or Network Firewall endpoint.
    VpcEndpoint,
    /// A network interface (`eni-`), e.g. an appliance's.
    NetworkInterface,
    /// An instance (`i-`): its primary interface, e.g. an appliance's.
    Instance,
    /// Anything else: a local or carrier gateway, a core network.
    Other,
}

/// Classifies a route target id.
pub fn target_kind(target: &str) -> TargetKind {
    match target {
        "local" => TargetKind::Local,
        t if t.starts_with("igw-") => TargetKind::InternetGateway,
        t if t.starts_with("eigw-") => TargetKind::EgressOnlyInternetGateway,
        t if t.starts_with("nat-") => TargetKind::NatGateway,
        t if t.starts_with("vgw-") => TargetKind::VpnGateway,
        t if t.starts_with("tgw-") => TargetKind::TransitGateway,
        t if t.starts_with("pcx-") => TargetKind::PeeringConnection,
        t if t.starts_with("vpce-") => TargetKind::VpcEndpoint,
        t if t.starts_with("eni-") => TargetKind::NetworkInterface,
        t if t.starts_with("i-") => TargetKind::Instance,
        _ => TargetKind::Other,
    }
}

/// Where a route stands among routes of the same prefix length: lower wins.
fn priority(route: &Route) -> u8 {
    if route.target == "local" || route.origin == RouteOrigin::CreateRouteTable {
        0
    } else if route.origin == RouteOrigin::EnableVgwRoutePropagation {
        3
    } else if route.destination.is_none() {
        2
    } else {
        1
    }
}

/// The route table a subnet uses: its explicit association, else its VPC's main table.
pub fn table_for_subnet<'a>(network: &'a Network, subnet_id: &str) -> Option<&'a RouteTable> {
    let explicit = network
        .route_tables
        .values()
        .find(|t| t.subnet_ids.iter().any(|s| s == subnet_id));
    explicit.or_else(|| {
        let vpc = &network.subnets.get(subnet_id)?.vpc_id;
        network
            .route_tables
            .values()
            .find(|t| t.main && &t.vpc_id == vpc)
    })
}

/// A part of the looked-up destinations and the route it takes (`None`: no route covers it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteHit<'a> {
    /// The destinations that take this route.
    pub addrs: AddrSet,
    /// The route, or `None` when nothing matches (dropped).
    pub route: Option<&'a Route>,
}

/// The routes of `table` that a route to `dest` would not take addresses from: CIDR routes
/// strictly inside `dest`, which win by the longest prefix (the `local` route aside, which
/// no fix moves). A fix that routes `dest` elsewhere must move them too.
pub fn more_specific<'a>(table: &'a RouteTable, dest: &IpNet) -> Vec<&'a Route> {
    table
        .routes
        .iter()
        .filter(|r| r.target != "local")
        .filter(|r| {
            r.destination
                .is_some_and(|d| d.prefix_len() > dest.prefix_len() && dest.contains(&d))
        })
        .collect()
}

/// Splits `dest` by the route each address takes in `table` (longest prefix match, then route
/// priority). Fails with the id of a destination prefix list whose entries are unknown.
pub fn lookup<'a>(
    table: &'a RouteTable,
    dest: &AddrSet,
    prefix_lists: &BTreeMap<String, PrefixList>,
) -> Result<Vec<RouteHit<'a>>, String> {
    let mut prefixes: Vec<(IpNet, usize)> = Vec::new();
    for (i, route) in table.routes.iter().enumerate() {
        if let Some(net) = route.destination {
            prefixes.push((net, i));
        } else if let Some(pl) = &route.destination_prefix_list {
            let list = prefix_lists.get(pl).ok_or_else(|| pl.clone())?;
            prefixes.extend(list.cidrs.iter().map(|net| (*net, i)));
        }
    }
    // Longest prefix first, then route priority; the sort is stable, so API order only
    // decides where AWS itself picks one of two equal routes.
    prefixes.sort_by_key(|(net, i)| {
        (
            std::cmp::Reverse(net.prefix_len()),
            priority(&table.routes[*i]),
        )
    });
    let mut remaining = dest.clone();
    let mut parts: Vec<(AddrSet, usize)> = Vec::new();
    for (net, i) in prefixes {
        if remaining.is_empty() {
            break;
        }
        let hit = remaining.intersection(&AddrSet::from_net(&net));
        if hit.is_empty() {
            continue;
        }
        remaining = remaining.difference(&hit);
        match parts.iter_mut().find(|(_, j)| *j == i) {
            Some((addrs, _)) => *addrs = addrs.union(&hit),
            None => parts.push((hit, i)),
        }
    }
    let mut hits: Vec<RouteHit<'a>> = parts
        .into_iter()
        .map(|(addrs, i)| RouteHit {
            addrs,
            route: Some(&table.routes[i]),
        })
        .collect();
    if !remaining.is_empty() {
        hits.push(RouteHit {
            addrs: remaining,
            route: None,
        });
    }
    Ok(hits)
}

/// `DEST -> TARGET` for a report.
pub fn describe(route: &Route) -> String {
    let dest = match (&route.destination, &route.destination_prefix_list) {
        (Some(net), _) => net.to_string(),
        (None, Some(pl)) => pl.clone(),
        (None, None) => "?".to_string(),
    };
    format!("{dest} -> {}", route.target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RouteState, Subnet};
    use proptest::prelude::*;
    use std::net::{IpAddr, Ipv4Addr};

    fn route(dest: &str, target: &str) -> Route {
        Route {
            destination: Some(dest.parse().unwrap()),
            destination_prefix_list: None,
            target: target.into(),
            state: RouteState::Active,
            origin: RouteOrigin::CreateRoute,
        }
    }

    fn table(routes: Vec<Route>) -> RouteTable {
        RouteTable {
            id: "rtb-1".into(),
            vpc_id: "vpc-1".into(),
            main: false,
            subnet_ids: vec![],
            gateway_ids: vec![],
            routes,
        }
    }

    #[test]
    fn more_specific_routes_are_those_a_wider_route_never_takes_from() {
        let t = table(vec![
            route("10.0.0.0/16", "local"),
            route("0.0.0.0/0", "nat-1"),
            route("198.51.100.0/24", "vgw-1"),
            route("198.51.100.0/25", "tgw-1"),
            route("198.51.100.128/26", "pcx-1"),
        ]);
        let inner = |d: &str| -> Vec<String> {
            more_specific(&t, &d.parse().unwrap())
                .iter()
                .map(|r| describe(r))
                .collect()
        };
        assert_eq!(
            inner("198.51.100.0/24"),
            ["198.51.100.0/25 -> tgw-1", "198.51.100.128/26 -> pcx-1"]
        );
        // Neither the route itself, nor wider ones, nor `local`.
        assert_eq!(inner("198.51.100.0/25"), Vec::<String>::new());
        assert_eq!(inner("10.0.0.0/8"), Vec::<String>::new());
        // A lookup agrees: the wider route keeps only what the inner ones leave.
        let hits = lookup(&t, &set("198.51.100.0/24"), &BTreeMap::new()).unwrap();
        let wide = hits
            .iter()
            .filter(|h| h.route.is_some_and(|r| r.target == "vgw-1"))
            .fold(AddrSet::empty(), |acc, h| acc.union(&h.addrs));
        assert_eq!(wide, set("198.51.100.192/26"));
    }

    fn set(c: &str) -> AddrSet {
        AddrSet::from_net(&c.parse().unwrap())
    }

    #[test]
    fn longest_prefix_wins() {
        let t = table(vec![
            route("0.0.0.0/0", "igw-1"),
            route("10.0.0.0/16", "local"),
            route("192.168.0.0/16", "vgw-1"),
            route("192.168.5.0/24", "tgw-1"),
        ]);
        let hits = lookup(&t, &AddrSet::any_v4(), &BTreeMap::new()).unwrap();
        let by_target: BTreeMap<&str, AddrSet> = hits
            .iter()
            .map(|h| (h.route.unwrap().target.as_str(), h.addrs.clone()))
            .collect();
        assert_eq!(by_target["tgw-1"], set("192.168.5.0/24"));
        assert_eq!(
            by_target["vgw-1"],
            set("192.168.0.0/16").difference(&set("192.168.5.0/24"))
        );
        assert_eq!(by_target["local"], set("10.0.0.0/16"));
        assert_eq!(hits.len(), 4);
    }

    #[test]
    fn uncovered_part_has_no_route() {
        let t = table(vec![route("10.0.0.0/16", "local")]);
        let hits = lookup(&t, &set("0.0.0.0/0"), &BTreeMap::new()).unwrap();
        let none: Vec<_> = hits.iter().filter(|h| h.route.is_none()).collect();
        assert_eq!(none.len(), 1);
        assert_eq!(
            none[0].addrs,
            AddrSet::any_v4().difference(&set("10.0.0.0/16"))
        );
        // IPv6 destinations are not covered by IPv4 routes.
        let hits = lookup(&t, &AddrSet::any_v6(), &BTreeMap::new()).unwrap();
        assert_eq!(hits.len(), 1);
        assert!(hits[0].route.is_none());
    }

    #[test]
    fn prefix_list_destinations() {
        let mut r = route("0.0.0.0/0", "tgw-1");
        r.destination = None;
        r.destination_prefix_list = Some("pl-1".into());
        let t = table(vec![r, route("0.0.0.0/0", "nat-1")]);
        let pls = BTreeMap::from([(
            "pl-1".to_string(),
            PrefixList {
                id: "pl-1".into(),
                name: "onprem".into(),
                cidrs: vec!["172.16.0.0/12".parse().unwrap()],
            },
        )]);
        let hits = lookup(&t, &set("172.16.1.0/24"), &pls).unwrap();
        assert_eq!(hits[0].route.unwrap().target, "tgw-1");
        assert_eq!(
            lookup(&t, &set("172.16.1.0/24"), &BTreeMap::new()),
            Err("pl-1".into())
        );
    }

    #[test]
    fn equal_prefixes_follow_route_priority() {
        let mut propagated = route("192.168.0.0/16", "vgw-1");
        propagated.origin = RouteOrigin::EnableVgwRoutePropagation;
        let mut listed = route("0.0.0.0/0", "tgw-1");
        listed.destination = None;
        listed.destination_prefix_list = Some("pl-1".into());
        let pls = BTreeMap::from([(
            "pl-1".to_string(),
            PrefixList {
                id: "pl-1".into(),
                name: String::new(),
                cidrs: vec!["192.168.0.0/16".parse().unwrap()],
            },
        )]);
        let target_of = |routes: Vec<Route>| {
            let t = table(routes);
            let hits = lookup(&t, &set("192.168.1.0/24"), &pls).unwrap();
            assert_eq!(hits.len(), 1);
            hits[0].route.unwrap().target.clone()
        };
        // Whatever the API order: static over prefix list over propagated.
        assert_eq!(
            target_of(vec![
                propagated.clone(),
                listed.clone(),
                route("192.168.0.0/16", "pcx-1")
            ]),
            "pcx-1"
        );
        assert_eq!(target_of(vec![propagated.clone(), listed.clone()]), "tgw-1");
        assert_eq!(target_of(vec![listed, propagated.clone()]), "tgw-1");
        // A longer prefix wins whatever its origin.
        let mut narrow = route("192.168.1.0/24", "vgw-1");
        narrow.origin = RouteOrigin::EnableVgwRoutePropagation;
        assert_eq!(
            target_of(vec![route("192.168.0.0/16", "pcx-1"), narrow]),
            "vgw-1"
        );
    }

    #[test]
    fn explicit_association_then_main_table() {
        let mut net = Network::default();
        net.subnets.insert(
            "subnet-a".into(),
            Subnet {
                id: "subnet-a".into(),
                vpc_id: "vpc-1".into(),
                availability_zone: "us-east-1a".into(),
                availability_zone_id: None,
                cidrs: vec![],
                block_public_access: None,
                available_ip_addresses: None,
            },
        );
        let mut main = table(vec![]);
        main.id = "rtb-main".into();
        main.main = true;
        net.route_tables.insert("rtb-main".into(), main);
        assert_eq!(table_for_subnet(&net, "subnet-a").unwrap().id, "rtb-main");
        let mut explicit = table(vec![]);
        explicit.id = "rtb-a".into();
        explicit.subnet_ids = vec!["subnet-a".into()];
        net.route_tables.insert("rtb-a".into(), explicit);
        assert_eq!(table_for_subnet(&net, "subnet-a").unwrap().id, "rtb-a");
        assert!(table_for_subnet(&net, "subnet-unknown").is_none());
    }

    #[test]
    fn target_kinds() {
        assert_eq!(target_kind("local"), TargetKind::Local);
        assert_eq!(target_kind("igw-1"), TargetKind::InternetGateway);
        assert_eq!(target_kind("eigw-1"), TargetKind::EgressOnlyInternetGateway);
        assert_eq!(target_kind("nat-1"), TargetKind::NatGateway);
        assert_eq!(target_kind("vgw-1"), TargetKind::VpnGateway);
        assert_eq!(target_kind("tgw-1"), TargetKind::TransitGateway);
        assert_eq!(target_kind("pcx-1"), TargetKind::PeeringConnection);
        assert_eq!(target_kind("vpce-1"), TargetKind::VpcEndpoint);
        assert_eq!(target_kind("eni-1"), TargetKind::NetworkInterface);
        assert_eq!(target_kind("i-1"), TargetKind::Instance);
    }

    proptest! {
        /// Against a brute-force oracle: every address takes the longest matching prefix, and
        /// a static route over a propagated one of the same prefix, whatever the API order.
        #[test]
        fn matches_brute_force(routes in prop::collection::vec((0u8..=255, 24u8..=32, 0usize..4, any::<bool>()), 0..8)) {
            let targets = ["igw-1", "nat-1", "vgw-1", "tgw-1"];
            let mut seen = std::collections::BTreeSet::new();
            let mut rs = Vec::new();
            for (host, len, t, propagated) in routes {
                let net = IpNet::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, host)), len).unwrap().trunc();
                if seen.insert((net, propagated)) {
                    let mut r = route(&net.to_string(), targets[t]);
                    if propagated {
                        r.origin = RouteOrigin::EnableVgwRoutePropagation;
                    }
                    rs.push(r);
                }
            }
            let t = table(rs.clone());
            let hits = lookup(&t, &set("10.0.0.0/24"), &BTreeMap::new()).unwrap();
            for host in 0..=255u8 {
                let addr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, host));
                let expected = rs.iter().filter(|r| r.destination.unwrap().contains(&addr))
                    .max_by_key(|r| (r.destination.unwrap().prefix_len(), r.origin != RouteOrigin::EnableVgwRoutePropagation));
                let got: Vec<_> = hits.iter().filter(|h| h.addrs.contains(addr)).collect();
                prop_assert_eq!(got.len(), 1);
                prop_assert_eq!(got[0].route, expected);
            }
        }
    }
}
