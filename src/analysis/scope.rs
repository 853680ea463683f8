//! Which clients the frontend checks are about (CONTRACT.md, "Without --client-cidr").

use crate::finding::Severity;
use crate::model::{IpAddressType, LoadBalancer, Network, Scheme};
use crate::net::addr_set::AddrSet;

/// The clients that must reach the ALB, and how a blocked part is judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientScope {
    /// Every client address considered.
    pub clients: AddrSet,
    /// Whether the user named the clients (`--client-cidr`).
    pub explicit: bool,
    /// Default mode: the populations (one per address family) that must not be cut off
    /// entirely; a partial block is only a note.
    populations: Vec<AddrSet>,
}

impl ClientScope {
    /// Internet-facing: the whole internet (IPv6 too when dualstack). Internal: the VPC.
    pub fn default_for(lb: &LoadBalancer, network: &Network) -> Self {
        let populations = match lb.scheme {
            Scheme::Internal => {
                let cidrs = network
                    .vpcs
                    .get(&lb.vpc_id)
                    .map(|v| AddrSet::from_nets(&v.cidrs))
                    .unwrap_or_default();
                let cidrs = restrict_to_families(lb, &cidrs);
                vec![cidrs.v4_part(), cidrs.v6_part()]
            }
            _ => match lb.ip_address_type {
                IpAddressType::Dualstack => vec![AddrSet::any_v4(), AddrSet::any_v6()],
                IpAddressType::DualstackWithoutPublicIpv4 => vec![AddrSet::any_v6()],
                _ => vec![AddrSet::any_v4()],
            },
        };
        let populations: Vec<AddrSet> = populations.into_iter().filter(|p| !p.is_empty()).collect();
        let clients = populations
            .iter()
            .fold(AddrSet::empty(), |acc, p| acc.union(p));
        // An internet client never has a private, loopback, link-local or multicast address,
        // so blocking those alone (the VPC's own range, say) is not cutting the internet off.
        let populations = match lb.scheme {
            Scheme::Internal => populations,
            _ => {
                let private = AddrSet::from_nets(&not_internet());
                populations.iter().map(|p| p.difference(&private)).collect()
            }
        };
        ClientScope {
            clients,
            explicit: false,
            populations,
        }
    }

    /// `--client-cidr`: every address must get through. Addresses of a family the ALB does not
    /// answer on are dropped from the scope (such clients get no DNS answer, not a timeout).
    pub fn explicit(lb: &LoadBalancer, clients: AddrSet) -> Self {
        ClientScope {
            clients: restrict_to_families(lb, &clients),
            explicit: true,
            populations: Vec::new(),
        }
    }

    /// How bad it is that `blocked` clients cannot get through: `None` when no client in scope
    /// is blocked; with explicit clients any block is an error; by default an error only when
    /// a whole population is cut off, else a note.
    pub fn judge(&self, blocked: &AddrSet) -> Option<Severity> {
        let blocked = blocked.intersection(&self.clients);
        if self.explicit {
            return (!blocked.is_empty()).then_some(Severity::Error);
        }
        // By default only the populations count: blocking addresses no such client can have
        // (a private range behind an internet-facing ALB) is not a finding.
        if !self.populations.iter().any(|p| p.intersects(&blocked)) {
            None
        } else if self.populations.iter().any(|p| p.is_subset(&blocked)) {
            Some(Severity::Error)
        } else {
            Some(Severity::Note)
        }
    }
}

/// Address blocks no internet client can come from (RFC 6890 special-purpose ranges that are
/// not globally reachable).
fn not_internet() -> Vec<ipnet::IpNet> {
    [
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
    .collect()
}

fn restrict_to_families(lb: &LoadBalancer, set: &AddrSet) -> AddrSet {
    match lb.ip_address_type {
        IpAddressType::Dualstack | IpAddressType::DualstackWithoutPublicIpv4 => set.clone(),
        _ => set.v4_part(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Vpc, ZoneSubnet};

    fn lb(scheme: Scheme, ip: IpAddressType) -> LoadBalancer {
        LoadBalancer {
            arn: "arn".into(),
            name: "web".into(),
            scheme,
            ip_address_type: ip,
            vpc_id: "vpc-1".into(),
            dns_name: String::new(),
            availability_zones: vec![ZoneSubnet {
                zone: "z".into(),
                subnet_id: "s".into(),
            }],
            security_groups: vec![],
            listeners: vec![],
        }
    }

    fn set(c: &[&str]) -> AddrSet {
        let nets: Vec<ipnet::IpNet> = c.iter().map(|c| c.parse().unwrap()).collect();
        AddrSet::from_nets(&nets)
    }

    #[test]
    fn internet_default_judges_the_public_internet() {
        let s = ClientScope::default_for(
            &lb(Scheme::InternetFacing, IpAddressType::Ipv4),
            &Network::default(),
        );
        assert_eq!(s.clients, AddrSet::any_v4());
        // Everything but the VPC's own range blocked: the internet is cut off.
        let blocked = AddrSet::any_v4().difference(&set(&["10.0.0.0/16"]));
        assert_eq!(s.judge(&blocked), Some(Severity::Error));
        // Only private ranges blocked: no internet client is affected.
        assert_eq!(s.judge(&set(&["192.168.0.0/16", "10.0.0.0/8"])), None);
        // Only a partner range blocked: by design, a note.
        assert_eq!(s.judge(&set(&["198.51.100.0/24"])), Some(Severity::Note));
        assert_eq!(s.judge(&AddrSet::empty()), None);
        // IPv6 is out of scope for an IPv4 ALB.
        assert_eq!(s.judge(&AddrSet::any_v6()), None);
    }

    #[test]
    fn dualstack_families_are_judged_apart() {
        let s = ClientScope::default_for(
            &lb(Scheme::InternetFacing, IpAddressType::Dualstack),
            &Network::default(),
        );
        assert_eq!(s.judge(&AddrSet::any_v6()), Some(Severity::Error));
    }

    #[test]
    fn internal_default_is_the_vpc_and_explicit_is_strict() {
        let mut net = Network::default();
        net.vpcs.insert(
            "vpc-1".into(),
            Vpc {
                id: "vpc-1".into(),
                cidrs: vec![
                    "10.0.0.0/16".parse().unwrap(),
                    "2600:1f18::/56".parse().unwrap(),
                ],
            },
        );
        let l = lb(Scheme::Internal, IpAddressType::Ipv4);
        let s = ClientScope::default_for(&l, &net);
        assert_eq!(s.clients, set(&["10.0.0.0/16"]));
        assert_eq!(s.judge(&set(&["10.0.0.0/8"])), Some(Severity::Error));
        assert_eq!(s.judge(&set(&["10.0.5.0/24"])), Some(Severity::Note));
        let e = ClientScope::explicit(&l, set(&["192.168.0.0/24", "2001:db8::/32"]));
        assert_eq!(e.clients, set(&["192.168.0.0/24"]));
        assert_eq!(e.judge(&set(&["192.168.0.7/32"])), Some(Severity::Error));
        assert_eq!(e.judge(&set(&["192.168.1.0/24"])), None);
    }
}
