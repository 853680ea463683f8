//! What to probe for one ALB, from the snapshot alone: per enabled zone, the node's addresses
//! a client of the ALB's scheme connects to, and per listener one request.
//!
//! An ALB node is the network interface described `ELB app/NAME/ID` in the zone's subnet
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#availability-zones>).
//! Clients of an internet-facing ALB connect to its public IPv4 addresses, and to its IPv6
//! addresses when it is dualstack; clients of an internal ALB to its private addresses
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#ip-address-type>).
//! A zone whose node has no such address is listed as not probed, with why: never skipped.
//!
//! The plan never leaves what the contract allows ("Safe output"): a private address must lie
//! inside the CIDR blocks of the node's subnet, a public one must be the interface's own, and
//! nothing link-local, loopback, unspecified, multicast or on AWS's metadata addresses is
//! probed unless `--resolve` names it. A planted interface or snapshot cannot aim the probe
//! at the metadata service or at a host outside the ALB.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::arn::AlbArn;
use crate::model::{Dataset, IpAddressType, LoadBalancer, NetworkInterface, Scheme, Snapshot};
use ipnet::IpNet;

/// The probes of one ALB.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlbPlan {
    /// Enabled zones whose node has addresses to probe, in the ALB's zone order.
    pub nodes: Vec<NodeAddresses>,
    /// Enabled zones whose node cannot be probed, and why.
    pub not_probed: Vec<NotProbed>,
    /// The listeners, in port order: one request per node address and listener.
    pub listeners: Vec<PlannedListener>,
    /// Zones an ARC zonal shift has taken out of DNS (ALB114): their nodes are still probed,
    /// but their absence from the DNS answer is expected.
    pub shifted: Vec<String>,
}

/// One node: the addresses its zone's clients connect to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeAddresses {
    /// The node's Availability Zone.
    pub zone: String,
    /// The ALB subnet the node sits in.
    pub subnet_id: String,
    /// The addresses to probe, IPv4 first, each once.
    pub addresses: Vec<IpAddr>,
}

/// A zone whose node the probe cannot reach, reported so that a silent gap is impossible.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NotProbed {
    /// The Availability Zone.
    pub availability_zone: String,
    /// Why there is no address to probe.
    pub reason: String,
}

/// A listener as the probe speaks to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedListener {
    /// The port clients connect to.
    pub port: u16,
    /// `HTTP` or `HTTPS`, as the listener says.
    pub protocol: String,
    /// Whether a TLS handshake comes first.
    pub tls: bool,
    /// Whether the listener verifies client certificates (mutual TLS `verify`), which the
    /// probe does not present.
    pub client_cert_required: bool,
}

/// The plan for `lb` in `snapshot`; `named` are the addresses `--resolve` gives, the only
/// ones in special-purpose ranges that may be probed (inside their subnet all the same).
pub fn plan(snapshot: &Snapshot, lb: &LoadBalancer, named: &[IpAddr]) -> AlbPlan {
    let description = AlbArn::parse(&lb.arn).map(|a| a.interface_description());
    let unread = snapshot
        .gaps_for(&lb.arn, Dataset::NetworkInterfaces)
        .next()
        .map(|g| {
            format!(
                "its network interfaces were not read ({}: {})",
                g.api, g.error
            )
        });
    let mut nodes = Vec::new();
    let mut not_probed = Vec::new();
    for az in &lb.availability_zones {
        let why_not = |reason: String| NotProbed {
            availability_zone: az.zone.clone(),
            reason,
        };
        if lb.scheme == Scheme::Unknown {
            not_probed.push(why_not(
                "the ALB's scheme is unknown, so which of its addresses clients use is too".into(),
            ));
            continue;
        }
        if let Some(reason) = &unread {
            not_probed.push(why_not(reason.clone()));
            continue;
        }
        let Ok(description) = &description else {
            not_probed.push(why_not(format!(
                "the ARN {} does not parse, so the node's interface cannot be found",
                lb.arn
            )));
            continue;
        };
        let (enis, impostors): (Vec<&NetworkInterface>, Vec<&NetworkInterface>) = snapshot
            .network
            .network_interfaces
            .values()
            .filter(|n| n.description == *description && n.subnet_id == az.subnet_id)
            .partition(|n| n.managed_by_elb() != Some(false));
        for n in &impostors {
            not_probed.push(why_not(format!(
                "interface {} is described as its node, but Elastic Load Balancing does not manage it (requester-managed {}, requester {}): never probed",
                n.id,
                n.requester_managed.map_or("unknown".to_string(), |m| m.to_string()),
                n.requester_id.as_deref().unwrap_or("none")
            )));
        }
        if enis.is_empty() {
            not_probed.push(why_not(format!(
                "no network interface of Elastic Load Balancing described '{description}' in {}",
                az.subnet_id
            )));
            continue;
        }
        let mut addresses = client_addresses(lb, &enis);
        if !addresses.is_empty() {
            let subnet: &[IpNet] = snapshot
                .network
                .subnets
                .get(&az.subnet_id)
                .map(|s| s.cidrs.as_slice())
                .unwrap_or_default();
            let public = |a: &IpAddr| enis.iter().any(|n| n.public_addresses.contains(a));
            addresses.retain(|a| match refusal(*a, subnet, public(a), named) {
                None => true,
                Some(why) => {
                    not_probed.push(why_not(format!(
                        "address {a} of its interface is not probed: {why}"
                    )));
                    false
                }
            });
            if addresses.is_empty() {
                continue;
            }
        }
        if addresses.is_empty() {
            not_probed.push(why_not(format!(
                "the node's interface {} has no {} address",
                enis.iter()
                    .map(|n| n.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                wanted(lb)
            )));
            continue;
        }
        nodes.push(NodeAddresses {
            zone: az.zone.clone(),
            subnet_id: az.subnet_id.clone(),
            addresses,
        });
    }
    let listeners = lb
        .listeners
        .iter()
        .map(|l| PlannedListener {
            port: l.port,
            protocol: if l.protocol.is_empty() {
                "HTTP".into()
            } else {
                l.protocol.to_ascii_uppercase()
            },
            tls: l.is_https(),
            client_cert_required: l
                .mutual_authentication
                .as_ref()
                .is_some_and(|m| m.mode == crate::model::trust_store::MtlsMode::Verify),
        })
        .collect();
    let shifted = crate::analysis::shift::Shifts::analyse(snapshot, lb)
        .away
        .iter()
        .map(|a| a.zone.to_string())
        .collect();
    AlbPlan {
        nodes,
        not_probed,
        listeners,
        shifted,
    }
}

/// Why the probe must not connect to `addr` of a node in a subnet with CIDR blocks `subnet`
/// (`public`: the interface's own public address), or `None` when it may.
fn refusal(addr: IpAddr, subnet: &[IpNet], public: bool, named: &[IpAddr]) -> Option<String> {
    if let Some(range) = special(addr).filter(|_| !named.contains(&addr)) {
        return Some(format!("{range}, and --resolve does not name it"));
    }
    if public || subnet.iter().any(|n| n.contains(&addr)) {
        return None;
    }
    Some(if subnet.is_empty() {
        "its subnet's CIDR blocks are unknown".into()
    } else {
        "it is outside its subnet's CIDR blocks".into()
    })
}

/// The special-purpose range `addr` is in, if any: no ALB node has such an address
/// (<https://www.iana.org/assignments/iana-ipv4-special-registry/>,
/// <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html>).
fn special(addr: IpAddr) -> Option<&'static str> {
    const RANGES: &[(&str, &str)] = &[
        (
            "169.254.0.0/16",
            "link-local (with the instance metadata service)",
        ),
        ("fe80::/10", "link-local"),
        (
            "fd00:ec2::/64",
            "AWS's metadata, DNS and time service range",
        ),
        ("127.0.0.0/8", "loopback"),
        ("::1/128", "loopback"),
        ("0.0.0.0/8", "unspecified"),
        ("::/128", "unspecified"),
        ("224.0.0.0/3", "multicast or reserved"),
        ("ff00::/8", "multicast"),
    ];
    let addr = match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
        v4 => v4,
    };
    RANGES
        .iter()
        .find(|(net, _)| net.parse::<IpNet>().is_ok_and(|n| n.contains(&addr)))
        .map(|(_, what)| *what)
}

/// The addresses clients of `lb`'s scheme and address type connect to, IPv4 first.
fn client_addresses(lb: &LoadBalancer, enis: &[&NetworkInterface]) -> Vec<IpAddr> {
    let ipv6 = matches!(
        lb.ip_address_type,
        IpAddressType::Dualstack | IpAddressType::DualstackWithoutPublicIpv4
    );
    let public_v4 = lb.scheme == Scheme::InternetFacing
        && lb.ip_address_type != IpAddressType::DualstackWithoutPublicIpv4;
    let mut out: Vec<IpAddr> = Vec::new();
    for eni in enis {
        let v4: Vec<IpAddr> = match lb.scheme {
            Scheme::InternetFacing if public_v4 => eni.public_addresses.clone(),
            Scheme::InternetFacing => Vec::new(),
            Scheme::Internal => eni.addresses.clone(),
            Scheme::Unknown => Vec::new(),
        };
        out.extend(v4.into_iter().filter(IpAddr::is_ipv4));
    }
    if ipv6 {
        for eni in enis {
            out.extend(eni.addresses.iter().copied().filter(IpAddr::is_ipv6));
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|a| seen.insert(*a));
    out
}

/// The kind of address the scheme's clients need, for the reason a node is not probed.
fn wanted(lb: &LoadBalancer) -> &'static str {
    match (lb.scheme, lb.ip_address_type) {
        (Scheme::InternetFacing, IpAddressType::DualstackWithoutPublicIpv4) => "IPv6",
        (Scheme::InternetFacing, IpAddressType::Dualstack) => "public IPv4 or IPv6",
        (Scheme::InternetFacing, _) => "public IPv4",
        (
            Scheme::Internal,
            IpAddressType::Dualstack | IpAddressType::DualstackWithoutPublicIpv4,
        ) => "private IPv4 or IPv6",
        (Scheme::Internal, _) => "private IPv4",
        (Scheme::Unknown, _) => "known",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Gap, Listener, Subnet, ZoneSubnet};

    const ARN: &str =
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/0123456789abcdef";

    fn eni(id: &str, subnet: &str, private: &[&str], public: &[&str]) -> NetworkInterface {
        NetworkInterface {
            id: id.into(),
            description: "ELB app/web/0123456789abcdef".into(),
            subnet_id: subnet.into(),
            availability_zone: String::new(),
            addresses: private.iter().map(|a| a.parse().unwrap()).collect(),
            public_addresses: public.iter().map(|a| a.parse().unwrap()).collect(),
            security_groups: Vec::new(),
            source_dest_check: None,
            requester_managed: Some(true),
            requester_id: Some("amazon-elb".into()),
            instance_id: None,
        }
    }

    fn world(scheme: Scheme, kind: IpAddressType, enis: Vec<NetworkInterface>) -> Snapshot {
        let mut snapshot = Snapshot::default();
        for (id, cidrs) in [
            ("subnet-a", ["10.0.1.0/24", "2001:db8::/64"]),
            ("subnet-b", ["10.0.2.0/24", "2001:db8:0:1::/64"]),
        ] {
            snapshot.network.subnets.insert(
                id.into(),
                Subnet {
                    id: id.into(),
                    vpc_id: "vpc-1".into(),
                    availability_zone: String::new(),
                    cidrs: cidrs.iter().map(|c| c.parse().unwrap()).collect(),
                    block_public_access: None,
                    available_ip_addresses: None,
                    availability_zone_id: None,
                },
            );
        }
        for n in enis {
            snapshot.network.network_interfaces.insert(n.id.clone(), n);
        }
        snapshot.load_balancers.push(LoadBalancer {
            arn: ARN.into(),
            name: "web".into(),
            scheme,
            ip_address_type: kind,
            vpc_id: "vpc-1".into(),
            dns_name: "web-1.us-east-1.elb.amazonaws.com".into(),
            availability_zones: ["a", "b"]
                .iter()
                .map(|z| ZoneSubnet {
                    zone: format!("us-east-1{z}"),
                    subnet_id: format!("subnet-{z}"),
                })
                .collect(),
            tags: Default::default(),
            security_groups: Vec::new(),
            listeners: vec![
                Listener {
                    arn: "l-80".into(),
                    port: 80,
                    protocol: "HTTP".into(),
                    forwards: Vec::new(),
                    ssl_policy: None,
                    certificates: Vec::new(),
                    host_headers: Vec::new(),
                    host_header_regexes: Vec::new(),
                    rules: Vec::new(),
                    mutual_authentication: None,
                },
                Listener {
                    arn: "l-443".into(),
                    port: 443,
                    protocol: "HTTPS".into(),
                    forwards: Vec::new(),
                    ssl_policy: None,
                    certificates: Vec::new(),
                    host_headers: Vec::new(),
                    host_header_regexes: Vec::new(),
                    rules: Vec::new(),
                    mutual_authentication: None,
                },
            ],
            http2_enabled: None,
        });
        snapshot
    }

    fn addrs(p: &AlbPlan) -> Vec<(String, Vec<String>)> {
        p.nodes
            .iter()
            .map(|n| {
                (
                    n.zone.clone(),
                    n.addresses.iter().map(ToString::to_string).collect(),
                )
            })
            .collect()
    }

    /// An interface a member of the account made with the node's description (not
    /// requester-managed by `amazon-elb`) is never probed, beside the real node or alone.
    #[test]
    fn interfaces_elb_does_not_manage_are_never_probed() {
        let spoofed = |id: &str, subnet: &str, addr: &str| NetworkInterface {
            requester_managed: Some(false),
            requester_id: Some("AIDAEXAMPLEMEMBER".into()),
            ..eni(id, subnet, &[addr], &[addr])
        };
        let s = world(
            Scheme::InternetFacing,
            IpAddressType::Ipv4,
            vec![
                eni("eni-a", "subnet-a", &["10.0.1.10"], &["198.51.100.1"]),
                spoofed("eni-x", "subnet-a", "198.51.100.66"),
                spoofed("eni-y", "subnet-b", "198.51.100.77"),
            ],
        );
        let p = plan(&s, &s.load_balancers[0], &[]);
        assert_eq!(
            addrs(&p),
            vec![("us-east-1a".into(), vec!["198.51.100.1".into()])]
        );
        let reasons: Vec<(&str, &str)> = p
            .not_probed
            .iter()
            .map(|n| (n.availability_zone.as_str(), n.reason.as_str()))
            .collect();
        assert_eq!(reasons.len(), 3, "{reasons:?}");
        assert!(reasons[0].0 == "us-east-1a" && reasons[0].1.starts_with("interface eni-x is described as its node, but Elastic Load Balancing does not manage it (requester-managed false, requester AIDAEXAMPLEMEMBER)"), "{reasons:?}");
        assert!(
            reasons[1].0 == "us-east-1b" && reasons[1].1.starts_with("interface eni-y"),
            "{reasons:?}"
        );
        assert!(
            reasons[2].0 == "us-east-1b"
                && reasons[2]
                    .1
                    .starts_with("no network interface of Elastic Load Balancing"),
            "{reasons:?}"
        );
    }

    #[test]
    fn internet_facing_nodes_are_probed_on_their_public_addresses() {
        let s = world(
            Scheme::InternetFacing,
            IpAddressType::Ipv4,
            vec![
                eni("eni-a", "subnet-a", &["10.0.1.10"], &["198.51.100.1"]),
                eni("eni-b", "subnet-b", &["10.0.2.10"], &["198.51.100.2"]),
            ],
        );
        let p = plan(&s, &s.load_balancers[0], &[]);
        assert_eq!(
            addrs(&p),
            vec![
                ("us-east-1a".into(), vec!["198.51.100.1".into()]),
                ("us-east-1b".into(), vec!["198.51.100.2".into()]),
            ]
        );
        assert!(p.not_probed.is_empty());
        assert_eq!(
            p.listeners,
            vec![
                PlannedListener {
                    port: 80,
                    protocol: "HTTP".into(),
                    tls: false,
                    client_cert_required: false
                },
                PlannedListener {
                    port: 443,
                    protocol: "HTTPS".into(),
                    tls: true,
                    client_cert_required: false
                },
            ]
        );
    }

    #[test]
    fn a_node_without_a_public_address_is_reported_not_skipped() {
        let s = world(
            Scheme::InternetFacing,
            IpAddressType::Ipv4,
            vec![
                eni("eni-a", "subnet-a", &["10.0.1.10"], &["198.51.100.1"]),
                eni("eni-b", "subnet-b", &["10.0.2.10"], &[]),
            ],
        );
        let p = plan(&s, &s.load_balancers[0], &[]);
        assert_eq!(p.nodes.len(), 1);
        assert_eq!(
            p.not_probed,
            vec![NotProbed {
                availability_zone: "us-east-1b".into(),
                reason: "the node's interface eni-b has no public IPv4 address".into(),
            }]
        );
    }

    #[test]
    fn internal_dualstack_nodes_are_probed_on_private_ipv4_then_ipv6() {
        let s = world(
            Scheme::Internal,
            IpAddressType::Dualstack,
            vec![
                eni("eni-a", "subnet-a", &["2001:db8::a", "10.0.1.10"], &[]),
                eni("eni-b", "subnet-b", &["10.0.2.10"], &[]),
            ],
        );
        let p = plan(&s, &s.load_balancers[0], &[]);
        assert_eq!(
            addrs(&p),
            vec![
                (
                    "us-east-1a".into(),
                    vec!["10.0.1.10".into(), "2001:db8::a".into()]
                ),
                ("us-east-1b".into(), vec!["10.0.2.10".into()]),
            ]
        );
    }

    #[test]
    fn internet_facing_dualstack_without_public_ipv4_is_probed_on_ipv6_only() {
        let s = world(
            Scheme::InternetFacing,
            IpAddressType::DualstackWithoutPublicIpv4,
            vec![
                eni("eni-a", "subnet-a", &["10.0.1.10", "2001:db8::a"], &[]),
                eni("eni-b", "subnet-b", &["10.0.2.10"], &["198.51.100.2"]),
            ],
        );
        let p = plan(&s, &s.load_balancers[0], &[]);
        assert_eq!(
            addrs(&p),
            vec![("us-east-1a".into(), vec!["2001:db8::a".into()])]
        );
        assert_eq!(
            p.not_probed[0].reason,
            "the node's interface eni-b has no IPv6 address"
        );
    }

    #[test]
    fn missing_or_unread_interfaces_are_said() {
        let s = world(
            Scheme::Internal,
            IpAddressType::Ipv4,
            vec![eni("eni-a", "subnet-a", &["10.0.1.10"], &[])],
        );
        let p = plan(&s, &s.load_balancers[0], &[]);
        assert_eq!(
            p.not_probed[0].reason,
            "no network interface of Elastic Load Balancing described 'ELB app/web/0123456789abcdef' in subnet-b"
        );
        let mut s = s;
        s.gaps.push(Gap {
            dataset: Dataset::NetworkInterfaces,
            api: "ec2:DescribeNetworkInterfaces".into(),
            error: "UnauthorizedOperation".into(),
            load_balancer: None,
        });
        let p = plan(&s, &s.load_balancers[0], &[]);
        assert!(p.nodes.is_empty());
        assert_eq!(p.not_probed.len(), 2);
        assert_eq!(
            p.not_probed[0].reason,
            "its network interfaces were not read (ec2:DescribeNetworkInterfaces: UnauthorizedOperation)"
        );
    }

    #[test]
    fn planted_addresses_outside_the_subnet_or_in_special_ranges_are_never_probed() {
        let s = world(
            Scheme::Internal,
            IpAddressType::Dualstack,
            vec![
                eni("eni-a", "subnet-a", &["10.0.9.10", "169.254.169.254"], &[]),
                eni(
                    "eni-b",
                    "subnet-b",
                    &["127.0.0.1", "10.0.2.10", "fe80::1"],
                    &[],
                ),
            ],
        );
        let p = plan(&s, &s.load_balancers[0], &[]);
        assert_eq!(
            addrs(&p),
            vec![("us-east-1b".into(), vec!["10.0.2.10".into()])],
            "only the address inside its subnet is planned"
        );
        let reasons: Vec<&str> = p.not_probed.iter().map(|n| n.reason.as_str()).collect();
        assert_eq!(
            reasons,
            vec![
                "address 10.0.9.10 of its interface is not probed: it is outside its subnet's CIDR blocks",
                "address 169.254.169.254 of its interface is not probed: link-local (with the instance metadata service), and --resolve does not name it",
                "address 127.0.0.1 of its interface is not probed: loopback, and --resolve does not name it",
                "address fe80::1 of its interface is not probed: link-local, and --resolve does not name it",
            ]
        );
        // --resolve naming a special address lets it through inside its subnet, never outside.
        let mut s = s;
        s.network
            .subnets
            .get_mut("subnet-b")
            .unwrap()
            .cidrs
            .push("127.0.0.0/24".parse().unwrap());
        let named: Vec<IpAddr> = vec!["127.0.0.1".parse().unwrap(), "10.0.9.10".parse().unwrap()];
        let p = plan(&s, &s.load_balancers[0], &named);
        assert_eq!(
            addrs(&p),
            vec![(
                "us-east-1b".into(),
                vec!["127.0.0.1".into(), "10.0.2.10".into()]
            )]
        );
        let s = world(
            Scheme::InternetFacing,
            IpAddressType::Ipv4,
            vec![
                eni("eni-a", "subnet-a", &["10.0.1.10"], &["169.254.169.254"]),
                eni("eni-b", "subnet-b", &["10.0.2.10"], &["::ffff:127.0.0.1"]),
            ],
        );
        assert!(plan(&s, &s.load_balancers[0], &[]).nodes.is_empty());
    }

    #[test]
    fn a_node_in_an_unknown_subnet_is_not_probed() {
        let mut s = world(
            Scheme::Internal,
            IpAddressType::Ipv4,
            vec![
                eni("eni-a", "subnet-a", &["10.0.1.10"], &[]),
                eni("eni-b", "subnet-b", &["10.0.2.10"], &[]),
            ],
        );
        s.network.subnets.remove("subnet-b");
        let p = plan(&s, &s.load_balancers[0], &[]);
        assert_eq!(
            addrs(&p),
            vec![("us-east-1a".into(), vec!["10.0.1.10".into()])]
        );
        assert_eq!(
            p.not_probed[0].reason,
            "address 10.0.2.10 of its interface is not probed: its subnet's CIDR blocks are unknown"
        );
    }
}
