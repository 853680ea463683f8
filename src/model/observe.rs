//! What the ALBs' own CloudWatch metrics counted over a window (`--observe`), kept with the
//! snapshot so that `audit --snapshot` replays the same observation. Plain numbers: which
//! metrics mean which symptom is judged in `probe::observe`, not here.
//!
//! The metrics are those of the `AWS/ApplicationELB` namespace
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html>).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The metrics read for every audited ALB of one (account, region), or why they could not be.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// Start of the window (RFC 3339 UTC).
    pub start: String,
    /// End of the window: when the metrics were read (RFC 3339 UTC).
    pub end: String,
    /// Why the metrics could not be read (`cloudwatch:GetMetricData: access denied`); `None`
    /// when they were. Partial reads are dropped: a figure is complete or absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Per ALB ARN.
    #[serde(default)]
    pub load_balancers: BTreeMap<String, AlbMetrics>,
}

/// One ALB's figures over the window.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AlbMetrics {
    /// Per Availability Zone, the sum of each load-balancer metric over the window; a metric
    /// without data points in the window is absent.
    #[serde(default)]
    pub zones: BTreeMap<String, BTreeMap<Metric, f64>>,
    /// Per target group ARN and zone, the healthy and unhealthy hosts.
    #[serde(default)]
    pub target_groups: BTreeMap<String, BTreeMap<String, HostCounts>>,
}

/// A target group's hosts in one zone over the window.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HostCounts {
    /// The fewest healthy hosts at any minute (`HealthyHostCount`, minimum).
    #[serde(default)]
    pub healthy_min: Option<f64>,
    /// The most unhealthy hosts at any minute (`UnHealthyHostCount`, maximum).
    #[serde(default)]
    pub unhealthy_max: Option<f64>,
}

/// A load-balancer metric read per Availability Zone (statistic `Sum`), by its CloudWatch name.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub enum Metric {
    /// Requests the ALB received.
    RequestCount,
    /// New TCP connections from clients to the ALB node.
    NewConnectionCount,
    /// Connections refused because the ALB reached its maximum number of connections.
    RejectedConnectionCount,
    /// 500s the ALB generated itself.
    #[serde(rename = "HTTPCode_ELB_500_Count")]
    Elb500,
    /// 502s the ALB generated itself.
    #[serde(rename = "HTTPCode_ELB_502_Count")]
    Elb502,
    /// 503s the ALB generated itself.
    #[serde(rename = "HTTPCode_ELB_503_Count")]
    Elb503,
    /// 504s the ALB generated itself.
    #[serde(rename = "HTTPCode_ELB_504_Count")]
    Elb504,
    /// 464s: the client's protocol version is one the target group does not take.
    #[serde(rename = "HTTPCode_ELB_464_Count")]
    Elb464,
    /// Every 4XX the ALB generated.
    #[serde(rename = "HTTPCode_ELB_4XX_Count")]
    Elb4xx,
    /// Every 5XX the ALB generated.
    #[serde(rename = "HTTPCode_ELB_5XX_Count")]
    Elb5xx,
    /// 5XX responses from targets.
    #[serde(rename = "HTTPCode_Target_5XX_Count")]
    Target5xx,
    /// Connections the ALB could not open to a target.
    TargetConnectionErrorCount,
    /// TLS handshakes with clients that failed.
    ClientTLSNegotiationErrorCount,
    /// TLS handshakes with targets that failed.
    TargetTLSNegotiationErrorCount,
    /// Authenticate actions that failed (identity provider errors, misconfiguration).
    ELBAuthError,
    /// A name this build does not know.
    #[serde(other)]
    Unknown,
}

impl Metric {
    /// Every metric read per zone, in reading order.
    pub const ALL: [Metric; 15] = [
        Metric::RequestCount,
        Metric::NewConnectionCount,
        Metric::RejectedConnectionCount,
        Metric::Elb500,
        Metric::Elb502,
        Metric::Elb503,
        Metric::Elb504,
        Metric::Elb464,
        Metric::Elb4xx,
        Metric::Elb5xx,
        Metric::Target5xx,
        Metric::TargetConnectionErrorCount,
        Metric::ClientTLSNegotiationErrorCount,
        Metric::TargetTLSNegotiationErrorCount,
        Metric::ELBAuthError,
    ];

    /// The CloudWatch metric name.
    pub fn name(self) -> &'static str {
        match self {
            Metric::RequestCount => "RequestCount",
            Metric::NewConnectionCount => "NewConnectionCount",
            Metric::RejectedConnectionCount => "RejectedConnectionCount",
            Metric::Elb500 => "HTTPCode_ELB_500_Count",
            Metric::Elb502 => "HTTPCode_ELB_502_Count",
            Metric::Elb503 => "HTTPCode_ELB_503_Count",
            Metric::Elb504 => "HTTPCode_ELB_504_Count",
            Metric::Elb464 => "HTTPCode_ELB_464_Count",
            Metric::Elb4xx => "HTTPCode_ELB_4XX_Count",
            Metric::Elb5xx => "HTTPCode_ELB_5XX_Count",
            Metric::Target5xx => "HTTPCode_Target_5XX_Count",
            Metric::TargetConnectionErrorCount => "TargetConnectionErrorCount",
            Metric::ClientTLSNegotiationErrorCount => "ClientTLSNegotiationErrorCount",
            Metric::TargetTLSNegotiationErrorCount => "TargetTLSNegotiationErrorCount",
            Metric::ELBAuthError => "ELBAuthError",
            Metric::Unknown => "Unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names_are_cloudwatch_names_both_ways() {
        for m in Metric::ALL {
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(json, format!("\"{}\"", m.name()));
            assert_eq!(serde_json::from_str::<Metric>(&json).unwrap(), m);
        }
        assert_eq!(
            serde_json::from_str::<Metric>("\"SomethingNew\"").unwrap(),
            Metric::Unknown
        );
    }
}
