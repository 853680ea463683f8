//! VPC Block Public Access as read: the mode a subnet or VPC is under
//! (`BlockPublicAccessStates.InternetGatewayBlockMode` of DescribeSubnets / DescribeVpcs), and
//! the account's mode and exclusions in the region (DescribeVpcBlockPublicAccessOptions,
//! DescribeVpcBlockPublicAccessExclusions), which explain it. What they mean for a connection
//! is decided in [`crate::net::bpa`].

use serde::{Deserialize, Serialize};

/// `InternetGatewayBlockMode`: what VPC Block Public Access drops at internet gateways.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlockMode {
    /// Nothing is blocked.
    Off,
    /// Traffic to and from internet gateways and egress-only internet gateways is dropped.
    BlockBidirectional,
    /// Inbound internet traffic is dropped; only NAT gateways and egress-only internet
    /// gateways let connections out.
    BlockIngress,
    /// A mode this build does not know.
    #[serde(other)]
    Unknown,
}

/// `InternetGatewayExclusionMode`: what an exclusion lets through again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExclusionMode {
    /// Inbound and outbound internet traffic.
    AllowBidirectional,
    /// Outbound only: inbound internet traffic stays blocked.
    AllowEgress,
    /// A mode this build does not know: lifts nothing.
    #[serde(other)]
    Unknown,
}

/// The account's Block Public Access in the region. `None` fields were not read (see the
/// snapshot's gaps); an API that does not exist in the region reads as mode `off`, no
/// exclusions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockPublicAccess {
    /// The account's mode, when read.
    #[serde(default)]
    pub mode: Option<BlockMode>,
    /// `ExclusionsAllowed`: `false` when an organization's declarative policy forbids
    /// exclusions, which then lift nothing.
    #[serde(default = "yes")]
    pub exclusions_allowed: bool,
    /// The exclusions, when read.
    #[serde(default)]
    pub exclusions: Option<Vec<Exclusion>>,
}

impl Default for BlockPublicAccess {
    fn default() -> Self {
        BlockPublicAccess {
            mode: None,
            exclusions_allowed: true,
            exclusions: None,
        }
    }
}

fn yes() -> bool {
    true
}

/// One exclusion: a VPC or subnet exempted from the account's mode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exclusion {
    /// Its id (`vpcbpa-exclude-…`).
    pub id: String,
    /// The VPC or subnet id it applies to (from its resource ARN).
    pub resource_id: String,
    /// What it lets through.
    pub mode: ExclusionMode,
    /// `create-complete`, `update-complete`, … : only a complete one is in force.
    #[serde(default)]
    pub state: String,
}

impl Exclusion {
    /// Whether the exclusion is in force: created or updated, not being created, deleted or
    /// disabled (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcBlockPublicAccessExclusion.html>).
    pub fn in_force(&self) -> bool {
        matches!(self.state.as_str(), "create-complete" | "update-complete")
    }
}
