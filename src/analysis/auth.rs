//! The way out to an identity provider, per ALB node. An `authenticate-oidc` or
//! `authenticate-cognito` action makes each node itself call the provider's token and
//! user-info endpoints, public HTTPS over IPv4
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-authenticate-users.html>:
//! "ensure that your load balancer's security group allows outbound connections to the IdP
//! ... and that the subnets have a route to the internet, a NAT gateway for an internal
//! load balancer"). A node that cannot get out answers HTTP 500.
//!
//! Each node is judged with the frontend's evaluators, towards the IPv4 internet (the
//! provider's addresses are not known): the ALB security groups' egress on 443, the subnet's
//! ACL outbound 443 and inbound on ephemeral ports, and the subnet's route (longest prefix,
//! AWS's priority) leading out, and VPC Block Public Access on the way out (`net::bpa`). Where part of the internet is allowed and part is not, the
//! node is not judged (the provider may sit in either part).

use super::index::Index;
use crate::finding::{Judgement, Severity, Symptom};
use crate::model::bpa::ExclusionMode;
use crate::model::{LoadBalancer, Network, Scheme, Snapshot};
use crate::net::addr_set::AddrSet;
use crate::net::bpa;
use crate::net::internet::internet;
use crate::net::nacl::evaluate_tcp;
use crate::net::port_set;
use crate::net::reach::{leads, Leads};
use crate::net::route::{describe, lookup, table_for_subnet, target_kind, TargetKind};
use crate::net::sg::{allows_tcp, Direction};
use crate::net::EPHEMERAL_PORTS;

/// The port the identity provider's endpoints answer on.
const HTTPS: u16 = 443;

/// What logins get when some nodes cannot reach the identity provider (ALB213): 500 from
/// every node when `every` node is cut, else from the nodes that are.
pub fn logins_fail(every: bool) -> Judgement {
    let symptom = if every {
        Symptom::Http500
    } else {
        Symptom::IntermittentHttp500
    };
    Judgement::new(Severity::Error, Some(symptom))
}

/// What one node's way out to the identity provider is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WayOut {
    /// Every piece lets the calls out and their answers back.
    Open,
    /// A piece stops them: which resource to change, and what it does.
    Blocked {
        /// The resource to change (a security group, an ACL, a route table).
        resource: String,
        /// What it does, in words.
        why: String,
    },
    /// Not judged, and why.
    Unknown(String),
}

/// One ALB node's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeWayOut {
    /// Its Availability Zone.
    pub zone: String,
    /// Its subnet.
    pub subnet_id: String,
    /// The verdict.
    pub way_out: WayOut,
}

/// Judges every node of `lb`.
pub fn ways_out(snapshot: &Snapshot, index: &Index, lb: &LoadBalancer) -> Vec<NodeWayOut> {
    let network = &snapshot.network;
    let vpc = network
        .vpcs
        .get(&lb.vpc_id)
        .map(|v| AddrSet::from_nets(&v.cidrs));
    lb.availability_zones
        .iter()
        .map(|az| NodeWayOut {
            zone: az.zone.clone(),
            subnet_id: az.subnet_id.clone(),
            way_out: match &vpc {
                None => WayOut::Unknown(format!("the CIDR blocks of {} are unknown", lb.vpc_id)),
                Some(vpc) => node(
                    network,
                    index,
                    lb,
                    &az.subnet_id,
                    &internet(true, false, vpc),
                ),
            },
        })
        .collect()
}

/// The first piece that blocks or is unknown, in path order: groups, ACL out, ACL in, route,
/// Block Public Access.
fn node(
    network: &Network,
    index: &Index,
    lb: &LoadBalancer,
    subnet: &str,
    idp: &AddrSet,
) -> WayOut {
    let checks = [
        security_groups(network, lb, idp),
        acl(index, subnet, idp),
        route(network, lb, subnet, idp),
        block_public_access(network, lb.scheme == Scheme::Internal, subnet),
    ];
    checks
        .into_iter()
        .find(|w| *w != WayOut::Open)
        .unwrap_or(WayOut::Open)
}

/// Whole, none or part of `idp` in `allowed`.
fn judge(
    idp: &AddrSet,
    allowed: &AddrSet,
    blocked: impl FnOnce() -> WayOut,
    part: String,
) -> WayOut {
    if idp.is_subset(allowed) {
        WayOut::Open
    } else if !idp.intersects(allowed) {
        blocked()
    } else {
        WayOut::Unknown(part)
    }
}

fn security_groups(network: &Network, lb: &LoadBalancer, idp: &AddrSet) -> WayOut {
    let groups: Vec<_> = lb
        .security_groups
        .iter()
        .filter_map(|g| network.security_groups.get(g))
        .collect();
    if groups.len() != lb.security_groups.len() {
        return WayOut::Unknown("a security group of the ALB was not found".into());
    }
    let allows = allows_tcp(&groups, Direction::Egress, HTTPS, &network.prefix_lists);
    if !allows.unresolved_prefix_lists.is_empty() && !idp.is_subset(&allows.addrs) {
        return WayOut::Unknown(
            "entries of a prefix list in the ALB's egress rules are unknown".into(),
        );
    }
    judge(
        idp,
        &allows.addrs,
        || WayOut::Blocked {
            resource: lb.security_groups.first().cloned().unwrap_or_default(),
            why: format!(
                "no security group of the ALB ({}) allows outbound TCP 443 to the internet",
                lb.security_groups.join(", ")
            ),
        },
        "the ALB's security groups allow outbound TCP 443 to part of the internet only".into(),
    )
}

fn acl(index: &Index, subnet: &str, idp: &AddrSet) -> WayOut {
    let Some(acl) = index.acl_of(subnet) else {
        return WayOut::Unknown(format!("no network ACL is associated with {subnet}"));
    };
    let any_v4 = AddrSet::any_v4();
    for (egress, ports, words) in [
        (true, port_set::ports(HTTPS, HTTPS), "outbound TCP 443 to"),
        (
            false,
            port_set::ports(EPHEMERAL_PORTS.0, EPHEMERAL_PORTS.1),
            "inbound answers on ephemeral ports from",
        ),
    ] {
        let verdict = evaluate_tcp(acl, egress, &any_v4, &ports);
        let allowed = any_v4.difference(&verdict.denied);
        let found = judge(
            idp,
            &allowed,
            || WayOut::Blocked {
                resource: acl.id.clone(),
                why: format!(
                    "network ACL {} of {subnet} drops {words} the internet ({})",
                    acl.id,
                    verdict.describe().join("; ")
                ),
            },
            format!("network ACL {} drops {words} part of the internet", acl.id),
        );
        if found != WayOut::Open {
            return found;
        }
    }
    WayOut::Open
}

/// The route must lead out: an attached internet gateway (internet-facing nodes have public
/// addresses) or a NAT gateway. Private connectivity, appliances and a transit gateway may
/// lead out through a network this tool does not see: not judged.
fn route(network: &Network, lb: &LoadBalancer, subnet: &str, idp: &AddrSet) -> WayOut {
    let Some(table) = table_for_subnet(network, subnet) else {
        return WayOut::Unknown(format!("no route table is associated with {subnet}"));
    };
    let hits = match lookup(table, idp, &network.prefix_lists) {
        Ok(h) => h,
        Err(pl) => return WayOut::Unknown(format!("entries of prefix list {pl} are unknown")),
    };
    let mut out = AddrSet::empty();
    let mut unsure = Vec::new();
    let mut stuck = Vec::new();
    for hit in &hits {
        let Some(r) = hit.route else {
            stuck.push("no route".to_string());
            continue;
        };
        let leads_out = match leads(r, &lb.vpc_id, network) {
            Leads::Internet => lb.scheme != Scheme::Internal,
            Leads::Private | Leads::Appliance => {
                unsure.push(describe(r));
                continue;
            }
            Leads::Elsewhere(_) => target_kind(&r.target) == TargetKind::NatGateway,
            Leads::Local | Leads::ServiceEndpoint | Leads::Blackhole => false,
        };
        if leads_out {
            out = out.union(&hit.addrs);
        } else {
            stuck.push(describe(r));
        }
    }
    if idp.is_subset(&out) {
        return WayOut::Open;
    }
    if !unsure.is_empty() || idp.intersects(&out) {
        return WayOut::Unknown(format!(
            "route table {} sends the internet through {}, which may or may not lead out",
            table.id,
            if unsure.is_empty() {
                stuck.join(", ")
            } else {
                unsure.join(", ")
            }
        ));
    }
    let how = if lb.scheme == Scheme::Internal {
        "an internal ALB's nodes need a NAT gateway to get out"
    } else {
        "the nodes need an attached internet gateway to get out"
    };
    WayOut::Blocked {
        resource: table.id.clone(),
        why: format!(
            "route table {} of {subnet} has no way out to the internet ({}): {how}",
            table.id,
            stuck.join(", ")
        ),
    }
}

/// VPC Block Public Access on the way out
/// (<https://docs.aws.amazon.com/vpc/latest/userguide/security-vpc-bpa.html>). An
/// internet-facing node connects out through the internet gateway from its own subnet
/// (`block-ingress` drops the answers too). An internal node's calls leave through a NAT
/// gateway, from the NAT gateway's subnet, which is not read: `block-ingress` lets them out,
/// `block-bidirectional` cuts them unless an exclusion lifts egress for that subnet or its VPC.
/// An exclusion for some subnet might be the NAT gateway's: not judged then.
fn block_public_access(network: &Network, internal: bool, subnet: &str) -> WayOut {
    let direction = if internal {
        bpa::Direction::OutboundViaNat
    } else {
        bpa::Direction::Outbound
    };
    let lifting_subnet_exclusions: Vec<&str> = network
        .block_public_access
        .exclusions
        .iter()
        .flatten()
        .filter(|e| e.in_force() && e.mode != ExclusionMode::Unknown)
        .map(|e| e.resource_id.as_str())
        .filter(|r| r.starts_with("subnet-"))
        .collect();
    match bpa::verdict(network, subnet, direction) {
        bpa::Verdict::Open => {
            if internal && lifting_subnet_exclusions.contains(&subnet) {
                WayOut::Unknown(format!(
                    "an exclusion lifts VPC Block Public Access for {subnet}, but the NAT gateway's subnet, where the calls leave, was not read"
                ))
            } else {
                WayOut::Open
            }
        }
        bpa::Verdict::Unknown(why) => WayOut::Unknown(why),
        bpa::Verdict::Blocked(b) => {
            if internal && !lifting_subnet_exclusions.is_empty() {
                return WayOut::Unknown(format!(
                    "{} is under VPC Block Public Access `{}`, and an exclusion for a subnet ({}) may lift it for the NAT gateway's subnet, which was not read",
                    b.vpc,
                    bpa::mode_name(b.mode),
                    lifting_subnet_exclusions.join(", ")
                ));
            }
            let from = if internal {
                format!("the NAT gateways of {}", b.vpc)
            } else {
                subnet.to_string()
            };
            WayOut::Blocked {
                resource: b.vpc.clone(),
                why: format!(
                    "VPC Block Public Access `{}` drops connections out to the internet from {from}",
                    bpa::mode_name(b.mode)
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::bpa::BlockMode;

    fn network(mode: BlockMode, exclusions: Vec<(&str, ExclusionMode)>) -> Network {
        let mut n = bpa::tests::network(Some(mode), Some(mode));
        if let Some(vpc) = n.vpcs.get_mut("vpc-1") {
            vpc.block_public_access = Some(mode);
        }
        n.block_public_access.exclusions_allowed = true;
        n.block_public_access.exclusions = Some(
            exclusions
                .into_iter()
                .map(|(resource, mode)| bpa::tests::exclusion(resource, mode, "create-complete"))
                .collect(),
        );
        n
    }

    fn blocked(w: &WayOut) -> bool {
        matches!(w, WayOut::Blocked { resource, .. } if resource == "vpc-1")
    }

    #[test]
    fn internet_facing_nodes_go_out_from_their_own_subnet() {
        for (mode, cut) in [
            (BlockMode::Off, false),
            (BlockMode::BlockIngress, true),
            (BlockMode::BlockBidirectional, true),
        ] {
            let w = block_public_access(&network(mode, vec![]), false, "subnet-a");
            assert_eq!(blocked(&w), cut, "{mode:?}: {w:?}");
            assert_eq!(w == WayOut::Open, !cut, "{mode:?}: {w:?}");
        }
        let lifted = network(
            BlockMode::BlockBidirectional,
            vec![("subnet-a", ExclusionMode::AllowEgress)],
        );
        assert_eq!(
            block_public_access(&lifted, false, "subnet-a"),
            WayOut::Open
        );
    }

    #[test]
    fn internal_nodes_go_out_through_a_nat_gateway_elsewhere() {
        // block-ingress lets NAT gateways out; block-bidirectional does not.
        let ingress = network(BlockMode::BlockIngress, vec![]);
        assert_eq!(
            block_public_access(&ingress, true, "subnet-a"),
            WayOut::Open
        );
        let both = network(BlockMode::BlockBidirectional, vec![]);
        assert!(blocked(&block_public_access(&both, true, "subnet-a")));
        // A VPC exclusion lifts it for the NAT gateway's subnet too.
        let vpc = network(
            BlockMode::BlockBidirectional,
            vec![("vpc-1", ExclusionMode::AllowEgress)],
        );
        assert_eq!(block_public_access(&vpc, true, "subnet-a"), WayOut::Open);
        // A subnet exclusion (the node's own, or another that may be the NAT gateway's)
        // cannot be judged without the NAT gateway's subnet.
        for excluded in ["subnet-a", "subnet-nat"] {
            let one = network(
                BlockMode::BlockBidirectional,
                vec![(excluded, ExclusionMode::AllowBidirectional)],
            );
            assert!(
                matches!(
                    block_public_access(&one, true, "subnet-a"),
                    WayOut::Unknown(_)
                ),
                "{excluded}"
            );
        }
        let mut unknown = network(BlockMode::Off, vec![]);
        unknown
            .subnets
            .get_mut("subnet-a")
            .unwrap()
            .block_public_access = None;
        unknown.vpcs.get_mut("vpc-1").unwrap().block_public_access = None;
        unknown.block_public_access.mode = None;
        assert!(matches!(
            block_public_access(&unknown, true, "subnet-a"),
            WayOut::Unknown(_)
        ));
    }
}
