//! Which clients the frontend checks are about, decided once per ALB and applied once, in the
//! analysis: rules never intersect with the scope again.
//!
//! Without `--client-cidr` an internet-facing ALB is checked for the internet in the families
//! it serves publicly ([`crate::net::internet`]), and a finding is an error only when a whole
//! family's internet is cut off (a partial restriction is by design: a note); an internal ALB is
//! checked for its VPC. With `--client-cidr` every address must get through, and addresses of a
//! family the ALB has no address for, from where they stand, are not served at all (ALB108).

use crate::finding::Severity;
use crate::model::{IpAddressType, LoadBalancer, Network, Scheme};
use crate::net::addr_set::AddrSet;
use crate::net::internet::internet;
use crate::net::render::{brief, cidr_list, entries_brief};

/// The clients that must reach the ALB, and how a blocked part is judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientScope {
    /// Every client address checked.
    pub clients: AddrSet,
    /// Whether the user named the clients (`--client-cidr`).
    pub explicit: bool,
    /// Explicit clients the ALB has no address for where they stand: IPv6 clients of an IPv4
    /// ALB, IPv4 clients outside the VPC of a `dualstack-without-public-ipv4` ALB.
    pub unserved: AddrSet,
    /// Why the clients in scope are unknown, when they are (the VPC's blocks were not read).
    pub unknown: Option<String>,
    /// Default mode: one population per family that must not be cut off entirely.
    populations: Vec<Population>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Population {
    addrs: AddrSet,
    /// `every IPv4 internet client`, `every client in vpc-1`.
    name: String,
    /// The block a remediation admits to let this whole population in.
    entry: String,
}

/// Which families an ALB answers on: (IPv4, IPv6) for clients on the internet.
fn public_families(lb: &LoadBalancer) -> (bool, bool) {
    match lb.ip_address_type {
        IpAddressType::Dualstack => (true, true),
        IpAddressType::DualstackWithoutPublicIpv4 => (false, true),
        IpAddressType::Ipv4 | IpAddressType::Unknown => (true, false),
    }
}

fn vpc_blocks(lb: &LoadBalancer, network: &Network) -> Result<AddrSet, String> {
    network
        .vpcs
        .get(&lb.vpc_id)
        .map(|v| AddrSet::from_nets(&v.cidrs))
        .ok_or_else(|| format!("the CIDR blocks of {} were not read", lb.vpc_id))
}

impl ClientScope {
    /// The scheme's default population: the internet (internet-facing) or the VPC (internal).
    pub fn default_for(lb: &LoadBalancer, network: &Network) -> Self {
        let vpc = match vpc_blocks(lb, network) {
            Ok(v) => v,
            Err(why) => return Self::unknown(why),
        };
        let populations = match lb.scheme {
            Scheme::Internal => {
                let served = match lb.ip_address_type {
                    IpAddressType::Ipv4 | IpAddressType::Unknown => vpc.v4_part(),
                    _ => vpc.clone(),
                };
                [served.v4_part(), served.v6_part()]
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .map(|p| Population {
                        entry: entries_brief(&p),
                        name: format!("all clients in {}", lb.vpc_id),
                        addrs: p,
                    })
                    .collect()
            }
            _ => {
                let (v4, v6) = public_families(lb);
                let mut out = Vec::new();
                if v4 {
                    out.push(Population {
                        addrs: internet(true, false, &vpc),
                        name: "all IPv4 internet clients".into(),
                        entry: "0.0.0.0/0".into(),
                    });
                }
                if v6 {
                    out.push(Population {
                        addrs: internet(false, true, &vpc),
                        name: "all IPv6 internet clients".into(),
                        entry: "::/0".into(),
                    });
                }
                out
            }
        };
        ClientScope {
            clients: populations
                .iter()
                .fold(AddrSet::empty(), |acc, p| acc.union(&p.addrs)),
            explicit: false,
            unserved: AddrSet::empty(),
            unknown: None,
            populations,
        }
    }

    /// `--client-cidr`: every address must get through; the part the ALB does not serve is
    /// set apart for ALB108.
    pub fn explicit(lb: &LoadBalancer, network: &Network, clients: AddrSet) -> Self {
        let served = match (lb.scheme, lb.ip_address_type) {
            (_, IpAddressType::Ipv4 | IpAddressType::Unknown) => Ok(clients.v4_part()),
            (Scheme::InternetFacing, IpAddressType::DualstackWithoutPublicIpv4) => {
                vpc_blocks(lb, network)
                    .map(|vpc| clients.v6_part().union(&clients.intersection(&vpc)))
            }
            _ => Ok(clients.clone()),
        };
        match served {
            Ok(served) => ClientScope {
                unserved: clients.difference(&served),
                clients: served,
                explicit: true,
                unknown: None,
                populations: Vec::new(),
            },
            Err(why) => Self::unknown(why),
        }
    }

    fn unknown(why: String) -> Self {
        ClientScope {
            clients: AddrSet::empty(),
            explicit: false,
            unserved: AddrSet::empty(),
            unknown: Some(why),
            populations: Vec::new(),
        }
    }

    /// How bad it is that `blocked` clients cannot get through: `None` when no client in scope
    /// is blocked; with explicit clients any block is an error; by default an error only when
    /// a whole population is cut off, else a note.
    pub fn judge(&self, blocked: &AddrSet) -> Option<Severity> {
        let blocked = blocked.intersection(&self.clients);
        if blocked.is_empty() {
            None
        } else if self.explicit || self.populations.iter().any(|p| p.addrs.is_subset(&blocked)) {
            Some(Severity::Error)
        } else {
            Some(Severity::Note)
        }
    }

    /// `blocked` in words for a message: a whole population by its name, else its blocks.
    pub fn describe(&self, blocked: &AddrSet) -> String {
        self.per_family(blocked, |p| p.name.clone(), brief, " and ")
    }

    /// `blocked` for evidence: a whole population by its name, else every block.
    pub fn evidence(&self, blocked: &AddrSet) -> String {
        self.per_family(
            blocked,
            |p| p.name.clone(),
            |s| cidr_list(s).as_str().unwrap_or_default().to_string(),
            "; ",
        )
    }

    /// The source blocks a rule or route must cover to let `blocked` through, as they can be
    /// entered: a whole internet population is `0.0.0.0/0` / `::/0`.
    pub fn entries(&self, blocked: &AddrSet) -> String {
        self.per_family(blocked, |p| p.entry.clone(), entries_brief, ", ")
    }

    /// The blocks of [`ClientScope::entries`] as a fix enters them: a whole population by its
    /// entry (`0.0.0.0/0`, the VPC's blocks), else the exact CIDR blocks.
    pub fn entry_nets(&self, blocked: &AddrSet) -> Vec<ipnet::IpNet> {
        let mut out = Vec::new();
        for family in [blocked.v4_part(), blocked.v6_part()] {
            if family.is_empty() {
                continue;
            }
            match self
                .populations
                .iter()
                .find(|p| !p.addrs.is_empty() && p.addrs.is_subset(&family))
            {
                Some(p) => match p.entry.parse::<ipnet::IpNet>() {
                    Ok(net) => out.push(net),
                    Err(_) => out.extend(p.addrs.to_cidrs()),
                },
                None => out.extend(family.to_cidrs()),
            }
        }
        out
    }

    fn per_family(
        &self,
        blocked: &AddrSet,
        whole: impl Fn(&Population) -> String,
        part: impl Fn(&AddrSet) -> String,
        joiner: &str,
    ) -> String {
        let mut out = Vec::new();
        for family in [blocked.v4_part(), blocked.v6_part()] {
            if family.is_empty() {
                continue;
            }
            match self
                .populations
                .iter()
                .find(|p| !p.addrs.is_empty() && p.addrs.is_subset(&family))
            {
                Some(p) => out.push(whole(p)),
                None => out.push(part(&family)),
            }
        }
        if out.is_empty() {
            part(blocked)
        } else {
            out.join(joiner)
        }
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
            tags: Default::default(),
            security_groups: vec![],
            listeners: vec![],
            http2_enabled: None,
        }
    }

    fn set(c: &[&str]) -> AddrSet {
        let nets: Vec<ipnet::IpNet> = c.iter().map(|c| c.parse().unwrap()).collect();
        AddrSet::from_nets(&nets)
    }

    fn network() -> Network {
        let mut net = Network::default();
        net.vpcs.insert(
            "vpc-1".into(),
            Vpc {
                id: "vpc-1".into(),
                cidrs: vec![
                    "10.0.0.0/16".parse().unwrap(),
                    "2600:1f18::/56".parse().unwrap(),
                ],
                block_public_access: None,
            },
        );
        net
    }

    #[test]
    fn internet_default_judges_the_public_internet() {
        let s =
            ClientScope::default_for(&lb(Scheme::InternetFacing, IpAddressType::Ipv4), &network());
        // Everything but private ranges blocked: the internet is cut off.
        let blocked = AddrSet::any_v4().difference(&set(&["10.0.0.0/16"]));
        assert_eq!(s.judge(&blocked), Some(Severity::Error));
        assert_eq!(s.describe(&blocked), "all IPv4 internet clients");
        assert_eq!(s.entries(&blocked), "0.0.0.0/0");
        // Only private ranges blocked: no internet client is affected.
        assert_eq!(s.judge(&set(&["192.168.0.0/16", "10.0.0.0/8"])), None);
        // Only a partner range blocked: by design, a note.
        assert_eq!(s.judge(&set(&["198.51.100.0/24"])), Some(Severity::Note));
        assert_eq!(s.entries(&set(&["198.51.100.0/24"])), "198.51.100.0/24");
        assert_eq!(s.judge(&AddrSet::empty()), None);
        // IPv6 is out of scope for an IPv4 ALB.
        assert_eq!(s.judge(&AddrSet::any_v6()), None);
    }

    #[test]
    fn the_vpcs_own_ipv6_block_is_not_the_internet() {
        let s = ClientScope::default_for(
            &lb(Scheme::InternetFacing, IpAddressType::Dualstack),
            &network(),
        );
        // `::/0 -> eigw` leaves only the VPC's own block routed: the IPv6 internet is cut off.
        let cut = AddrSet::any_v6().difference(&set(&["2600:1f18::/56"]));
        assert_eq!(s.judge(&cut), Some(Severity::Error));
        assert_eq!(s.describe(&cut), "all IPv6 internet clients");
        let only_v6 = ClientScope::default_for(
            &lb(
                Scheme::InternetFacing,
                IpAddressType::DualstackWithoutPublicIpv4,
            ),
            &network(),
        );
        assert_eq!(only_v6.judge(&AddrSet::any_v4()), None);
    }

    #[test]
    fn internal_default_is_the_vpc_and_unknown_without_it() {
        let l = lb(Scheme::Internal, IpAddressType::Ipv4);
        let s = ClientScope::default_for(&l, &network());
        assert_eq!(s.clients, set(&["10.0.0.0/16"]));
        assert_eq!(s.judge(&set(&["10.0.0.0/8"])), Some(Severity::Error));
        assert_eq!(s.judge(&set(&["10.0.5.0/24"])), Some(Severity::Note));
        let blind = ClientScope::default_for(&l, &Network::default());
        assert!(blind.unknown.unwrap().contains("vpc-1"));
    }

    #[test]
    fn explicit_clients_are_strict_and_unserved_families_set_apart() {
        let l = lb(Scheme::Internal, IpAddressType::Ipv4);
        let e = ClientScope::explicit(&l, &network(), set(&["192.168.0.0/24", "2001:db8::/32"]));
        assert_eq!(e.clients, set(&["192.168.0.0/24"]));
        assert_eq!(e.unserved, set(&["2001:db8::/32"]));
        assert_eq!(e.judge(&set(&["192.168.0.7/32"])), Some(Severity::Error));
        assert_eq!(e.judge(&set(&["192.168.1.0/24"])), None);
        let v6only = lb(
            Scheme::InternetFacing,
            IpAddressType::DualstackWithoutPublicIpv4,
        );
        let e = ClientScope::explicit(
            &v6only,
            &network(),
            set(&["10.0.1.0/24", "198.51.100.0/24", "2001:db8::/32"]),
        );
        assert_eq!(e.unserved, set(&["198.51.100.0/24"]));
        assert_eq!(e.clients, set(&["10.0.1.0/24", "2001:db8::/32"]));
    }
}
