//! The ALB attributes a verdict needs: `routing.http2.enabled`, which decides whether clients
//! of an HTTPS listener can speak HTTP/2 (and so reach an `HTTP2` or `GRPC` target group,
//! ALB212). Read per ALB in the first round, beside DescribeLoadBalancers, since the ARN is
//! all it needs.
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeLoadBalancerAttributes.html>

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types as t;
use futures::future::join_all;

use super::Collector;
use crate::model::{Dataset, Gap};

impl Collector {
    /// `routing.http2.enabled` per ALB ARN (`None`: the attribute was not listed), and the
    /// ALBs whose attributes could not be read.
    pub(super) async fn load_balancer_attributes(
        &self,
        lbs: &[String],
    ) -> (BTreeMap<String, Option<bool>>, Vec<Gap>) {
        let found = join_all(lbs.iter().map(|lb| {
            self.caller.run(
                Dataset::LoadBalancerAttributes,
                "elasticloadbalancing:DescribeLoadBalancerAttributes",
                Some(lb),
                self.elb
                    .describe_load_balancer_attributes()
                    .load_balancer_arn(lb)
                    .send(),
            )
        }))
        .await;
        let mut out = BTreeMap::new();
        let mut gaps = Vec::new();
        for (lb, result) in lbs.iter().zip(found) {
            match result {
                Ok(answer) => {
                    out.insert(lb.clone(), http2_enabled(answer.attributes()));
                }
                Err(g) => gaps.push(g),
            }
        }
        (out, gaps)
    }
}

/// The value of `routing.http2.enabled`, when listed and `true` or `false`.
pub fn http2_enabled(attributes: &[t::LoadBalancerAttribute]) -> Option<bool> {
    attributes
        .iter()
        .find(|a| a.key() == Some("routing.http2.enabled"))
        .and_then(|a| a.value())
        .and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(k: &str, v: &str) -> t::LoadBalancerAttribute {
        t::LoadBalancerAttribute::builder().key(k).value(v).build()
    }

    #[test]
    fn http2_comes_from_its_own_key() {
        assert_eq!(
            http2_enabled(&[
                attr("idle_timeout.timeout_seconds", "60"),
                attr("routing.http2.enabled", "false")
            ]),
            Some(false)
        );
        assert_eq!(
            http2_enabled(&[attr("routing.http2.enabled", "true")]),
            Some(true)
        );
        assert_eq!(
            http2_enabled(&[attr("routing.http2.enabled", "banana")]),
            None
        );
        assert_eq!(http2_enabled(&[]), None);
    }
}
