//! VPC Block Public Access reads: the account's mode in the region
//! (ec2:DescribeVpcBlockPublicAccessOptions) and its exclusions
//! (ec2:DescribeVpcBlockPublicAccessExclusions), and the conversion of the
//! `BlockPublicAccessStates` that subnets and VPCs carry. Where the API does not exist (a
//! partition or region without the feature answers `InvalidAction` or `UnsupportedOperation`),
//! the feature is off there; any other failure is a gap, and the checks that need it are not
//! evaluated.

use aws_sdk_ec2::types as t;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::failure::gap;
use super::Collector;
use crate::model::bpa::{BlockMode, BlockPublicAccess, Exclusion, ExclusionMode};
use crate::model::{Dataset, Gap};

const OPTIONS: &str = "ec2:DescribeVpcBlockPublicAccessOptions";
const EXCLUSIONS: &str = "ec2:DescribeVpcBlockPublicAccessExclusions";

/// Whether a failure says the API does not exist where it was called.
fn unavailable<E: ProvideErrorMetadata>(err: &E) -> bool {
    matches!(err.code(), Some("InvalidAction" | "UnsupportedOperation"))
}

/// The mode a subnet's or VPC's `BlockPublicAccessStates` names; `None` when AWS said nothing.
pub fn states(s: Option<&t::BlockPublicAccessStates>) -> Option<BlockMode> {
    s?.internet_gateway_block_mode()
        .map(|m| mode_named(m.as_str()))
}

fn block_mode(m: &t::InternetGatewayBlockMode) -> BlockMode {
    mode_named(m.as_str())
}

fn mode_named(m: &str) -> BlockMode {
    match m {
        "off" => BlockMode::Off,
        "block-bidirectional" => BlockMode::BlockBidirectional,
        "block-ingress" => BlockMode::BlockIngress,
        _ => BlockMode::Unknown,
    }
}

/// Converts an exclusion; the resource id is the last part of its ARN
/// (`arn:aws:ec2:REGION:ACCOUNT:subnet/subnet-…`).
fn exclusion(e: &t::VpcBlockPublicAccessExclusion) -> Exclusion {
    let arn = e.resource_arn().unwrap_or_default();
    Exclusion {
        id: e.exclusion_id().unwrap_or_default().to_string(),
        resource_id: arn.rsplit('/').next().unwrap_or_default().to_string(),
        mode: match e.internet_gateway_exclusion_mode().map(|m| m.as_str()) {
            Some("allow-bidirectional") => ExclusionMode::AllowBidirectional,
            Some("allow-egress") => ExclusionMode::AllowEgress,
            _ => ExclusionMode::Unknown,
        },
        state: e
            .state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
    }
}

impl Collector {
    /// The account's mode and exclusions in this region, both read at once.
    pub(super) async fn block_public_access(&self) -> (BlockPublicAccess, Vec<Gap>) {
        let (options, exclusions) = tokio::join!(self.bpa_options(), self.bpa_exclusions());
        let mut out = BlockPublicAccess::default();
        let mut gaps = Vec::new();
        match options {
            Ok(Some((mode, allowed))) => {
                out.mode = Some(mode);
                out.exclusions_allowed = allowed;
            }
            Ok(None) => out.mode = Some(BlockMode::Off),
            Err(g) => gaps.push(g),
        }
        match exclusions {
            Ok(list) => out.exclusions = Some(list),
            Err(g) => gaps.push(g),
        }
        (out, gaps)
    }

    /// The mode and whether exclusions are allowed; `None` where the API does not exist.
    async fn bpa_options(&self) -> Result<Option<(BlockMode, bool)>, Gap> {
        let answer = self
            .caller
            .bounded(self.ec2.describe_vpc_block_public_access_options().send())
            .await;
        match answer {
            Ok(out) => {
                let o = out.vpc_block_public_access_options();
                Ok(Some((
                    o.and_then(|o| o.internet_gateway_block_mode())
                        .map(|m| block_mode(m))
                        .unwrap_or(BlockMode::Off),
                    o.and_then(|o| o.exclusions_allowed())
                        .is_none_or(|a| a.as_str() != "not-allowed"),
                )))
            }
            Err(e) if unavailable(&e) => Ok(None),
            Err(e) => Err(self.bpa_gap(Dataset::BlockPublicAccessOptions, OPTIONS, &e)),
        }
    }

    /// Every exclusion of the region, page by page; none where the API does not exist.
    async fn bpa_exclusions(&self) -> Result<Vec<Exclusion>, Gap> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let answer = self
                .caller
                .bounded(
                    self.ec2
                        .describe_vpc_block_public_access_exclusions()
                        .set_next_token(token.take())
                        .send(),
                )
                .await;
            let page = match answer {
                Ok(page) => page,
                Err(e) if unavailable(&e) => return Ok(Vec::new()),
                Err(e) => {
                    return Err(self.bpa_gap(Dataset::BlockPublicAccessExclusions, EXCLUSIONS, &e))
                }
            };
            out.extend(
                page.vpc_block_public_access_exclusions()
                    .iter()
                    .map(exclusion),
            );
            match page.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => return Ok(out),
            }
        }
    }

    fn bpa_gap<E>(&self, dataset: Dataset, api: &str, err: &E) -> Gap
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        gap(dataset, api, err, None, self.caller.timeout_secs())
    }
}
