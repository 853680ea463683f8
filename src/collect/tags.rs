//! The selected ALBs' tags, read when something matches by tag: `--suppressions` entries with
//! a `tag` key, or every `snapshot` (so that an audit of it can apply them). One DescribeTags
//! call per 20 ALBs, in the first round beside DescribeLoadBalancers, since the ARNs are all it
//! needs. No rule needs tags: a failed read is a `Tags` gap, which the report turns into
//! `not_evaluated` for the suppressions only (docs/report.md, "Suppressions").
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeTags.html>

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types as t;

use super::{Collector, ELB_ARNS_PER_CALL};
use crate::model::{Dataset, Gap};

/// An ALB ARN's tags, by key.
pub type Tags = BTreeMap<String, BTreeMap<String, String>>;

/// The action, as the IAM policy names it.
pub const DESCRIBE_TAGS: &str = "elasticloadbalancing:DescribeTags";

impl Collector {
    /// The tags of every ALB of `arns`, or the gap of `dataset` when they could not be read.
    pub(super) async fn tags(&self, dataset: Dataset, arns: &[String]) -> Result<Tags, Gap> {
        let described = self
            .caller
            .chunked(
                dataset,
                DESCRIBE_TAGS,
                arns,
                ELB_ARNS_PER_CALL,
                |chunk| async move {
                    self.elb
                        .describe_tags()
                        .set_resource_arns(Some(chunk.to_vec()))
                        .send()
                        .await
                        .map(|o| o.tag_descriptions().to_vec())
                },
            )
            .await?;
        Ok(by_arn(&described))
    }

    /// [`Collector::tags`] when this run reads tags (an empty map otherwise), and its gap.
    pub(super) async fn tags_when_asked(&self, arns: &[String]) -> (Tags, Vec<Gap>) {
        if !self.read_tags || arns.is_empty() {
            return (Tags::new(), Vec::new());
        }
        match self.tags(Dataset::Tags, arns).await {
            Ok(tags) => (tags, Vec::new()),
            Err(g) => (Tags::new(), vec![g]),
        }
    }
}

/// The answers' tags by ARN; a tag without key or value is not one.
pub fn by_arn(descriptions: &[t::TagDescription]) -> Tags {
    descriptions
        .iter()
        .filter_map(|d| {
            let all = d
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
                .collect();
            Some((d.resource_arn()?.to_string(), all))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_kept_by_arn() {
        let d = t::TagDescription::builder()
            .resource_arn("arn:a")
            .tags(t::Tag::builder().key("env").value("sandbox").build())
            .tags(t::Tag::builder().key("no-value").build())
            .build();
        let tags = by_arn(&[d, t::TagDescription::builder().build()]);
        assert_eq!(tags.len(), 1);
        assert_eq!(
            tags["arn:a"].get("env").map(String::as_str),
            Some("sandbox")
        );
        assert!(!tags["arn:a"].contains_key("no-value"));
    }
}
