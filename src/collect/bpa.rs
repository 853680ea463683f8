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
                        .map(block_mode)
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

#[cfg(test)]
mod tests {
    //! The collector against AWS's own answers, replayed (moto implements none of these APIs).
    use super::*;
    use crate::collect::replay::{ec2_error, Replay};

    const OPTIONS_ACTION: &str = "DescribeVpcBlockPublicAccessOptions";
    const EXCLUSIONS_ACTION: &str = "DescribeVpcBlockPublicAccessExclusions";

    fn options(mode: &str, allowed: &str) -> String {
        format!(
            r#"<DescribeVpcBlockPublicAccessOptionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>8f7e0000-0000-4000-8000-000000000001</requestId>
  <vpcBlockPublicAccessOptions>
    <awsAccountId>123456789012</awsAccountId>
    <awsRegion>us-east-1</awsRegion>
    <state>update-complete</state>
    <internetGatewayBlockMode>{mode}</internetGatewayBlockMode>
    <lastUpdateTimestamp>2026-11-20T10:00:00.000Z</lastUpdateTimestamp>
    <managedBy>account</managedBy>
    <exclusionsAllowed>{allowed}</exclusionsAllowed>
  </vpcBlockPublicAccessOptions>
</DescribeVpcBlockPublicAccessOptionsResponse>"#
        )
    }

    fn exclusions(items: &[(&str, &str, &str, &str)], next: Option<&str>) -> String {
        let items: String = items
            .iter()
            .map(|(id, arn, mode, state)| {
                format!(
                    "<item><exclusionId>{id}</exclusionId><internetGatewayExclusionMode>{mode}</internetGatewayExclusionMode><resourceArn>{arn}</resourceArn><state>{state}</state><creationTimestamp>2026-11-20T10:00:00.000Z</creationTimestamp><tagSet/></item>"
                )
            })
            .collect();
        format!(
            r#"<DescribeVpcBlockPublicAccessExclusionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>8f7e0000-0000-4000-8000-000000000002</requestId>
  <vpcBlockPublicAccessExclusionSet>{items}</vpcBlockPublicAccessExclusionSet>
  {}
</DescribeVpcBlockPublicAccessExclusionsResponse>"#,
            next.map(|n| format!("<nextToken>{n}</nextToken>"))
                .unwrap_or_default()
        )
    }

    fn run(replay: &Replay) -> (BlockPublicAccess, Vec<Gap>) {
        let collector = replay.collector();
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(collector.block_public_access())
    }

    #[test]
    fn options_give_the_accounts_mode_and_whether_exclusions_are_allowed() {
        let replay = Replay::default()
            .answer(
                OPTIONS_ACTION,
                200,
                &options("block-ingress", "not-allowed"),
            )
            .answer(EXCLUSIONS_ACTION, 200, &exclusions(&[], None));
        let (bpa, gaps) = run(&replay);
        assert!(gaps.is_empty(), "{gaps:?}");
        assert_eq!(bpa.mode, Some(BlockMode::BlockIngress));
        assert!(!bpa.exclusions_allowed);
        assert_eq!(bpa.exclusions, Some(vec![]));
    }

    #[test]
    fn denied_options_are_a_gap_and_the_exclusions_are_still_read() {
        let replay = Replay::default()
            .answer(OPTIONS_ACTION, 403, &ec2_error("UnauthorizedOperation"))
            .answer(EXCLUSIONS_ACTION, 200, &exclusions(&[], None));
        let (bpa, gaps) = run(&replay);
        assert_eq!(bpa.mode, None, "a denied read is unknown, never off");
        assert_eq!(bpa.exclusions, Some(vec![]));
        assert_eq!(gaps.len(), 1);
        assert_eq!(gaps[0].dataset, Dataset::BlockPublicAccessOptions);
        assert_eq!(gaps[0].api, OPTIONS);
        assert_eq!(gaps[0].error, "access denied");
    }

    #[test]
    fn apis_missing_in_the_region_mean_the_feature_is_off() {
        let replay = Replay::default()
            .answer(OPTIONS_ACTION, 400, &ec2_error("InvalidAction"))
            .answer(EXCLUSIONS_ACTION, 400, &ec2_error("UnsupportedOperation"));
        let (bpa, gaps) = run(&replay);
        assert!(gaps.is_empty(), "{gaps:?}");
        assert_eq!(bpa.mode, Some(BlockMode::Off));
        assert_eq!(bpa.exclusions, Some(vec![]));
        // Any other failure is a gap, not "off".
        let replay = Replay::default()
            .answer(OPTIONS_ACTION, 400, &ec2_error("InvalidParameterValue"))
            .answer(EXCLUSIONS_ACTION, 200, &exclusions(&[], None));
        let (bpa, gaps) = run(&replay);
        assert_eq!(bpa.mode, None);
        assert_eq!(gaps.len(), 1);
        assert!(
            gaps[0].error.starts_with("InvalidParameterValue"),
            "{gaps:?}"
        );
    }

    #[test]
    fn exclusions_are_read_page_by_page() {
        let subnet = "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0aa";
        let vpc = "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0a1b";
        let replay = Replay::default()
            .answer(
                OPTIONS_ACTION,
                200,
                &options("block-bidirectional", "allowed"),
            )
            .answer(
                EXCLUSIONS_ACTION,
                200,
                &exclusions(
                    &[(
                        "vpcbpa-exclude-1",
                        subnet,
                        "allow-egress",
                        "create-complete",
                    )],
                    Some("page-2"),
                ),
            )
            .answer(
                EXCLUSIONS_ACTION,
                200,
                &exclusions(
                    &[(
                        "vpcbpa-exclude-2",
                        vpc,
                        "allow-bidirectional",
                        "update-complete",
                    )],
                    None,
                ),
            );
        let (bpa, gaps) = run(&replay);
        assert!(gaps.is_empty(), "{gaps:?}");
        let got = bpa.exclusions.expect("read");
        assert_eq!(
            got,
            vec![
                Exclusion {
                    id: "vpcbpa-exclude-1".into(),
                    resource_id: "subnet-0aa".into(),
                    mode: ExclusionMode::AllowEgress,
                    state: "create-complete".into(),
                },
                Exclusion {
                    id: "vpcbpa-exclude-2".into(),
                    resource_id: "vpc-0a1b".into(),
                    mode: ExclusionMode::AllowBidirectional,
                    state: "update-complete".into(),
                },
            ]
        );
        assert!(
            replay.seen().iter().any(|b| b.contains("NextToken=page-2")),
            "the second page is asked for with the first page's token"
        );
    }

    #[test]
    fn denied_exclusions_are_a_gap_of_their_own() {
        let replay = Replay::default()
            .answer(OPTIONS_ACTION, 200, &options("block-ingress", "allowed"))
            .answer(EXCLUSIONS_ACTION, 403, &ec2_error("UnauthorizedOperation"));
        let (bpa, gaps) = run(&replay);
        assert_eq!(bpa.mode, Some(BlockMode::BlockIngress));
        assert_eq!(bpa.exclusions, None, "unread, not empty");
        assert_eq!(gaps.len(), 1);
        assert_eq!(gaps[0].dataset, Dataset::BlockPublicAccessExclusions);
        assert_eq!(gaps[0].api, EXCLUSIONS);
        assert_eq!(gaps[0].error, "access denied");
    }

    #[test]
    fn subnet_and_vpc_states_convert() {
        let states = |m: &str| {
            t::BlockPublicAccessStates::builder()
                .internet_gateway_block_mode(t::BlockPublicAccessMode::from(m))
                .build()
        };
        let s = crate::collect::ec2::subnet(
            &t::Subnet::builder()
                .subnet_id("subnet-0aa")
                .cidr_block("10.0.1.0/28")
                .available_ip_address_count(3)
                .block_public_access_states(states("block-bidirectional"))
                .build(),
        );
        assert_eq!(s.block_public_access, Some(BlockMode::BlockBidirectional));
        assert_eq!(s.available_ip_addresses, Some(3));
        let v = crate::collect::ec2::vpc(
            &t::Vpc::builder()
                .vpc_id("vpc-1")
                .block_public_access_states(states("off"))
                .build(),
        );
        assert_eq!(v.block_public_access, Some(BlockMode::Off));
        let bare = crate::collect::ec2::subnet(&t::Subnet::builder().build());
        assert_eq!(bare.block_public_access, None, "not said is unknown");
    }
}
