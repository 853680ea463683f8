//! VPC Block Public Access: whether a subnet can be reached from the internet, or reach it,
//! through an internet gateway. One home for the decision, used by the frontend (ALB109, and
//! inspection endpoints' subnets on the path) and by whatever needs a way out (the nodes'
//! calls to an identity provider, NAT egress).
//!
//! <https://docs.aws.amazon.com/vpc/latest/userguide/security-vpc-bpa.html>: the account's mode
//! in a region is `off`, `block-bidirectional` (nothing in or out through internet gateways
//! and egress-only internet gateways) or `block-ingress` (nothing in; only NAT gateways and
//! egress-only internet gateways let connections out). An exclusion for a VPC or a subnet
//! lifts it: `allow-bidirectional` both ways, `allow-egress` only outbound (inbound stays
//! blocked). Subnets and VPCs carry the mode they are under
//! (`BlockPublicAccessStates`, <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_BlockPublicAccessStates.html>);
//! where that was not said, the account's mode stands in; where neither is known, the
//! verdict is unknown, never open.

use crate::model::bpa::{BlockMode, ExclusionMode};
use crate::model::Network;

/// Which way a connection crosses the internet gateway, from the subnet's side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// A client on the internet connects into the subnet.
    Inbound,
    /// Something in the subnet connects out directly through an internet gateway.
    Outbound,
    /// A NAT gateway in the subnet connects out for others.
    OutboundViaNat,
}

/// Where the mode that decides came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The subnet's own `BlockPublicAccessStates`.
    Subnet,
    /// Its VPC's `BlockPublicAccessStates`.
    Vpc,
    /// The account's mode in the region (the subnet's state was not said).
    Account,
}

/// Why a subnet is cut off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocked {
    /// The subnet.
    pub subnet: String,
    /// Its VPC.
    pub vpc: String,
    /// The mode that blocks.
    pub mode: BlockMode,
    /// Where that mode was read.
    pub source: Source,
    /// Exclusions in force for the subnet or VPC that do not lift this direction
    /// (`allow-egress` for inbound traffic), by id.
    pub partial_exclusions: Vec<String>,
    /// The account forbids exclusions (an organization's declarative policy).
    pub exclusions_forbidden: bool,
}

/// The verdict for one subnet and direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Block Public Access lets it through.
    Open,
    /// It is dropped.
    Blocked(Blocked),
    /// Not known, and why.
    Unknown(String),
}

fn blocks(mode: BlockMode, direction: Direction) -> Option<bool> {
    match (mode, direction) {
        (BlockMode::Off, _) => Some(false),
        (BlockMode::BlockBidirectional, _) => Some(true),
        (BlockMode::BlockIngress, Direction::OutboundViaNat) => Some(false),
        // A direct connection out needs its answers back in, which block-ingress drops.
        (BlockMode::BlockIngress, _) => Some(true),
        (BlockMode::Unknown, _) => None,
    }
}

fn lifts(mode: ExclusionMode, direction: Direction) -> bool {
    match mode {
        ExclusionMode::AllowBidirectional => true,
        ExclusionMode::AllowEgress => direction != Direction::Inbound,
        ExclusionMode::Unknown => false,
    }
}

/// Whether Block Public Access lets `direction` through an internet gateway for `subnet_id`.
pub fn verdict(network: &Network, subnet_id: &str, direction: Direction) -> Verdict {
    let Some(subnet) = network.subnets.get(subnet_id) else {
        return Verdict::Unknown(format!("{subnet_id} was not read"));
    };
    let account = &network.block_public_access;
    let vpc_mode = network
        .vpcs
        .get(&subnet.vpc_id)
        .and_then(|v| v.block_public_access);
    let (mode, source) = match (subnet.block_public_access, vpc_mode, account.mode) {
        (Some(m), _, _) => (m, Source::Subnet),
        (None, Some(m), _) => (m, Source::Vpc),
        (None, None, Some(m)) => (m, Source::Account),
        (None, None, None) => {
            return Verdict::Unknown(format!(
                "the VPC Block Public Access state of {subnet_id} is unknown (not recorded, and the account's mode was not read)"
            ))
        }
    };
    let Some(blocked) = blocks(mode, direction) else {
        return Verdict::Unknown(format!(
            "{subnet_id} is under a VPC Block Public Access mode this build does not know"
        ));
    };
    if !blocked {
        return Verdict::Open;
    }
    let mut partial = Vec::new();
    if account.exclusions_allowed {
        let Some(exclusions) = &account.exclusions else {
            return Verdict::Unknown(format!(
                "{subnet_id} is under VPC Block Public Access, and its exclusions were not read"
            ));
        };
        for e in exclusions.iter().filter(|e| {
            e.in_force() && (e.resource_id == subnet.id || e.resource_id == subnet.vpc_id)
        }) {
            if lifts(e.mode, direction) {
                return Verdict::Open;
            }
            partial.push(e.id.clone());
        }
    }
    Verdict::Blocked(Blocked {
        subnet: subnet.id.clone(),
        vpc: subnet.vpc_id.clone(),
        mode,
        source,
        partial_exclusions: partial,
        exclusions_forbidden: !account.exclusions_allowed,
    })
}

/// The mode as AWS spells it.
pub fn mode_name(mode: BlockMode) -> &'static str {
    match mode {
        BlockMode::Off => "off",
        BlockMode::BlockBidirectional => "block-bidirectional",
        BlockMode::BlockIngress => "block-ingress",
        BlockMode::Unknown => "unknown",
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::bpa::Exclusion;
    use crate::model::{Subnet, Vpc};

    /// vpc-1 with subnet-a, the subnet's and the account's modes, no exclusions: the world
    /// the Block Public Access tests of other modules start from too.
    pub(crate) fn network(subnet: Option<BlockMode>, account: Option<BlockMode>) -> Network {
        let mut n = Network::default();
        n.vpcs.insert(
            "vpc-1".into(),
            Vpc {
                id: "vpc-1".into(),
                cidrs: vec![],
                block_public_access: None,
            },
        );
        n.subnets.insert(
            "subnet-a".into(),
            Subnet {
                id: "subnet-a".into(),
                vpc_id: "vpc-1".into(),
                availability_zone: "us-east-1a".into(),
                availability_zone_id: None,
                cidrs: vec![],
                block_public_access: subnet,
                available_ip_addresses: None,
            },
        );
        n.block_public_access.mode = account;
        n.block_public_access.exclusions = Some(vec![]);
        n
    }

    /// An exclusion of `resource` in `state`.
    pub(crate) fn exclusion(resource: &str, mode: ExclusionMode, state: &str) -> Exclusion {
        Exclusion {
            id: format!("vpcbpa-exclude-{resource}"),
            resource_id: resource.into(),
            mode,
            state: state.into(),
        }
    }

    const DIRECTIONS: [Direction; 3] = [
        Direction::Inbound,
        Direction::Outbound,
        Direction::OutboundViaNat,
    ];

    /// Every mode, exclusion mode, exclusion target and state against the table the AWS page
    /// gives, written out case by case.
    #[test]
    fn modes_and_exclusions_decide_as_documented() {
        let modes = [
            BlockMode::Off,
            BlockMode::BlockBidirectional,
            BlockMode::BlockIngress,
        ];
        let exclusions = [
            None,
            Some(ExclusionMode::AllowBidirectional),
            Some(ExclusionMode::AllowEgress),
        ];
        for mode in modes {
            for ex in exclusions {
                for target in ["subnet-a", "vpc-1", "subnet-other"] {
                    for state in [
                        "create-complete",
                        "update-complete",
                        "create-in-progress",
                        "disable-complete",
                    ] {
                        for d in DIRECTIONS {
                            let mut n = network(Some(mode), Some(mode));
                            if let Some(m) = ex {
                                n.block_public_access.exclusions =
                                    Some(vec![exclusion(target, m, state)]);
                            }
                            let applies = ex.is_some()
                                && target != "subnet-other"
                                && state.ends_with("-complete")
                                && !state.starts_with("disable");
                            let blocked_by_mode = match mode {
                                BlockMode::Off => false,
                                BlockMode::BlockBidirectional => true,
                                _ => d != Direction::OutboundViaNat,
                            };
                            let lifted = applies
                                && match ex.unwrap() {
                                    ExclusionMode::AllowBidirectional => true,
                                    _ => d != Direction::Inbound,
                                };
                            let expect_blocked = blocked_by_mode && !lifted;
                            let got = verdict(&n, "subnet-a", d);
                            assert_eq!(
                                matches!(got, Verdict::Blocked(_)),
                                expect_blocked,
                                "{mode:?} {ex:?} on {target} ({state}) {d:?}: {got:?}"
                            );
                            assert!(!matches!(got, Verdict::Unknown(_)));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn an_egress_exclusion_is_named_when_inbound_stays_blocked() {
        let mut n = network(Some(BlockMode::BlockBidirectional), None);
        n.block_public_access.exclusions = Some(vec![exclusion(
            "subnet-a",
            ExclusionMode::AllowEgress,
            "create-complete",
        )]);
        let Verdict::Blocked(b) = verdict(&n, "subnet-a", Direction::Inbound) else {
            panic!("inbound must stay blocked")
        };
        assert_eq!(b.partial_exclusions, vec!["vpcbpa-exclude-subnet-a"]);
        assert_eq!(b.source, Source::Subnet);
    }

    #[test]
    fn unknown_is_never_open() {
        let n = network(None, None);
        for d in DIRECTIONS {
            assert!(matches!(verdict(&n, "subnet-a", d), Verdict::Unknown(_)));
        }
        assert!(matches!(
            verdict(&n, "subnet-gone", Direction::Inbound),
            Verdict::Unknown(_)
        ));
        // The account's mode stands in for an unrecorded subnet state.
        let n = network(None, Some(BlockMode::Off));
        assert_eq!(verdict(&n, "subnet-a", Direction::Inbound), Verdict::Open);
        let mut n = network(None, Some(BlockMode::BlockIngress));
        assert!(matches!(
            verdict(&n, "subnet-a", Direction::Inbound),
            Verdict::Blocked(Blocked {
                source: Source::Account,
                ..
            })
        ));
        // Blocked, and the exclusions that could lift it were not read.
        n.block_public_access.exclusions = None;
        assert!(matches!(
            verdict(&n, "subnet-a", Direction::Inbound),
            Verdict::Unknown(w) if w.contains("exclusions")
        ));
        // Exclusions forbidden by the organization lift nothing, read or not.
        n.block_public_access.exclusions_allowed = false;
        assert!(matches!(
            verdict(&n, "subnet-a", Direction::Inbound),
            Verdict::Blocked(Blocked {
                exclusions_forbidden: true,
                ..
            })
        ));
        let n = network(Some(BlockMode::Unknown), None);
        assert!(matches!(
            verdict(&n, "subnet-a", Direction::Inbound),
            Verdict::Unknown(_)
        ));
    }
}
