//! What to probe for one ALB, from the snapshot alone: per enabled zone, the node's addresses
//! a client of the ALB's scheme connects to, and per listener one request.
//!
//! An ALB node is the network interface described `ELB app/NAME/ID` in the zone's subnet
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#availability-zones>).
//! Clients of an internet-facing ALB connect to its public IPv4 addresses, and to its IPv6
//! addresses when it is dualstack; clients of an internal ALB to its private addresses
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#ip-address-type>).
//! A zone whose node has no such address is listed as not probed, with why: never skipped.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::arn::AlbArn;
use crate::model::{Dataset, IpAddressType, LoadBalancer, NetworkInterface, Scheme, Snapshot};

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
}

/// The plan for `lb` in `snapshot`.
pub fn plan(snapshot: &Snapshot, lb: &LoadBalancer) -> AlbPlan {
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
        let enis: Vec<&NetworkInterface> = snapshot
            .network
            .network_interfaces
            .values()
            .filter(|n| n.description == *description && n.subnet_id == az.subnet_id)
            .collect();
        if enis.is_empty() {
            not_probed.push(why_not(format!(
                "no network interface described '{description}' in {}",
                az.subnet_id
            )));
            continue;
        }
        let addresses = client_addresses(lb, &enis);
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
    use crate::model::{Gap, Listener, ZoneSubnet};

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
            instance_id: None,
        }
    }

    fn world(scheme: Scheme, kind: IpAddressType, enis: Vec<NetworkInterface>) -> Snapshot {
        let mut snapshot = Snapshot::default();
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
                },
            ],
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
        let p = plan(&s, &s.load_balancers[0]);
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
                    tls: false
                },
                PlannedListener {
                    port: 443,
                    protocol: "HTTPS".into(),
                    tls: true
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
        let p = plan(&s, &s.load_balancers[0]);
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
        let p = plan(&s, &s.load_balancers[0]);
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
        let p = plan(&s, &s.load_balancers[0]);
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
        let p = plan(&s, &s.load_balancers[0]);
        assert_eq!(
            p.not_probed[0].reason,
            "no network interface described 'ELB app/web/0123456789abcdef' in subnet-b"
        );
        let mut s = s;
        s.gaps.push(Gap {
            dataset: Dataset::NetworkInterfaces,
            api: "ec2:DescribeNetworkInterfaces".into(),
            error: "UnauthorizedOperation".into(),
            load_balancer: None,
        });
        let p = plan(&s, &s.load_balancers[0]);
        assert!(p.nodes.is_empty());
        assert_eq!(p.not_probed.len(), 2);
        assert_eq!(
            p.not_probed[0].reason,
            "its network interfaces were not read (ec2:DescribeNetworkInterfaces: UnauthorizedOperation)"
        );
    }
}
