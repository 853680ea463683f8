//! CloudWatch reads for `--observe`: the ALBs' own metrics per Availability Zone, and their
//! target groups' healthy and unhealthy hosts per zone, over the window ending now.
//!
//! Every figure is one `GetMetricData` query whose period is the whole window, so each query
//! answers one number; queries go 500 to a call (the API's bound), across ALBs, zones and
//! target groups, and each call's pages are followed (`NextToken`)
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html>).
//! A failed call drops the whole observation to its reason: a figure is complete or absent.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use aws_sdk_cloudwatch::types as t;
use futures::future::join_all;

use super::Collector;
use crate::model::observe::{AlbMetrics, Metric, Observation};
use crate::model::{Dataset, LoadBalancer};

/// The most queries one GetMetricData call carries.
const QUERIES_PER_CALL: usize = 500;
const GET_METRIC_DATA: &str = "cloudwatch:GetMetricData";
const NAMESPACE: &str = "AWS/ApplicationELB";

/// What one query reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Figure {
    /// A load-balancer metric of one zone (`Sum`).
    Zone(Metric),
    /// `HealthyHostCount` (`Minimum`) of a target group in one zone.
    Healthy(String),
    /// `UnHealthyHostCount` (`Maximum`) of a target group in one zone.
    Unhealthy(String),
}

/// One query: for which ALB and zone, and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Query {
    pub lb: String,
    pub zone: String,
    pub figure: Figure,
}

/// Every query for `lbs` and the (ALB, target group) pairs: each zone's metrics, and each
/// target group's hosts in each zone of the ALB that forwards to it.
pub(super) fn queries(lbs: &[(String, Vec<String>)], groups: &[(String, String)]) -> Vec<Query> {
    let mut out = Vec::new();
    for (lb, zones) in lbs {
        for zone in zones {
            out.extend(Metric::ALL.iter().map(|m| Query {
                lb: lb.clone(),
                zone: zone.clone(),
                figure: Figure::Zone(*m),
            }));
            for (_, tg) in groups.iter().filter(|(l, _)| l == lb) {
                for figure in [Figure::Healthy(tg.clone()), Figure::Unhealthy(tg.clone())] {
                    out.push(Query {
                        lb: lb.clone(),
                        zone: zone.clone(),
                        figure,
                    });
                }
            }
        }
    }
    out
}

/// The `LoadBalancer` or `TargetGroup` dimension value: the ARN's resource part
/// (`app/NAME/ID`, `targetgroup/NAME/ID`).
fn dimension_value(arn: &str, resource: &str) -> String {
    match arn.split_once(&format!(":{resource}/")) {
        Some((_, rest)) if resource == "loadbalancer" => rest.to_string(),
        Some((_, rest)) => format!("{resource}/{rest}"),
        None => arn.to_string(),
    }
}

/// The SDK query with id `m{index}`.
fn sdk_query(index: usize, q: &Query, period: i32) -> t::MetricDataQuery {
    let dim = |name: &str, value: String| t::Dimension::builder().name(name).value(value).build();
    let mut dims = vec![
        dim("LoadBalancer", dimension_value(&q.lb, "loadbalancer")),
        dim("AvailabilityZone", q.zone.clone()),
    ];
    let (name, stat) = match &q.figure {
        Figure::Zone(m) => (m.name(), "Sum"),
        Figure::Healthy(tg) => {
            dims.push(dim("TargetGroup", dimension_value(tg, "targetgroup")));
            ("HealthyHostCount", "Minimum")
        }
        Figure::Unhealthy(tg) => {
            dims.push(dim("TargetGroup", dimension_value(tg, "targetgroup")));
            ("UnHealthyHostCount", "Maximum")
        }
    };
    let metric = t::Metric::builder()
        .namespace(NAMESPACE)
        .metric_name(name)
        .set_dimensions(Some(dims))
        .build();
    t::MetricDataQuery::builder()
        .id(format!("m{index}"))
        .metric_stat(
            t::MetricStat::builder()
                .metric(metric)
                .period(period)
                .stat(stat)
                .build(),
        )
        .return_data(true)
        .build()
}

/// Folds each query's values (by query index) into the model: sums for zone metrics, the
/// minimum of healthy hosts, the maximum of unhealthy ones. A query without values leaves its
/// figure absent.
pub(super) fn fold(
    queries: &[Query],
    values: &BTreeMap<usize, Vec<f64>>,
) -> BTreeMap<String, AlbMetrics> {
    let mut out: BTreeMap<String, AlbMetrics> = BTreeMap::new();
    for (i, q) in queries.iter().enumerate() {
        let alb = out.entry(q.lb.clone()).or_default();
        alb.zones.entry(q.zone.clone()).or_default();
        let Some(vs) = values.get(&i).filter(|v| !v.is_empty()) else {
            continue;
        };
        match &q.figure {
            Figure::Zone(m) => {
                alb.zones
                    .entry(q.zone.clone())
                    .or_default()
                    .insert(*m, vs.iter().sum());
            }
            Figure::Healthy(tg) => {
                let min = vs.iter().copied().fold(f64::INFINITY, f64::min);
                alb.target_groups
                    .entry(tg.clone())
                    .or_default()
                    .entry(q.zone.clone())
                    .or_default()
                    .healthy_min = Some(min);
            }
            Figure::Unhealthy(tg) => {
                let max = vs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                alb.target_groups
                    .entry(tg.clone())
                    .or_default()
                    .entry(q.zone.clone())
                    .or_default()
                    .unhealthy_max = Some(max);
            }
        }
    }
    out
}

impl Collector {
    /// Reads the metrics of `lbs` (and of the target groups in `groups`, as (ALB, target
    /// group) ARN pairs) over the `window` ending now.
    pub(super) async fn observe(
        &self,
        window: Duration,
        lbs: &[LoadBalancer],
        groups: &[(String, String)],
    ) -> Observation {
        let end = SystemTime::now();
        let start = end.checked_sub(window).unwrap_or(SystemTime::UNIX_EPOCH);
        let mut observation = Observation {
            start: humantime::format_rfc3339_seconds(start).to_string(),
            end: humantime::format_rfc3339_seconds(end).to_string(),
            ..Observation::default()
        };
        let zones: Vec<(String, Vec<String>)> = lbs
            .iter()
            .map(|lb| {
                let zones = lb.availability_zones.iter().map(|z| z.zone.clone());
                (lb.arn.clone(), zones.collect())
            })
            .collect();
        let queries = queries(&zones, groups);
        // One period covering the window: a multiple of 60 seconds, as the API requires.
        let period = i32::try_from(window.as_secs().div_ceil(60).max(1) * 60).unwrap_or(i32::MAX);
        let sdk: Vec<t::MetricDataQuery> = queries
            .iter()
            .enumerate()
            .map(|(i, q)| sdk_query(i, q, period))
            .collect();
        let calls = sdk.chunks(QUERIES_PER_CALL).map(|chunk| {
            self.metrics_caller.run(
                Dataset::Metrics,
                GET_METRIC_DATA,
                None,
                self.cw
                    .get_metric_data()
                    .set_metric_data_queries(Some(chunk.to_vec()))
                    .start_time(start.into())
                    .end_time(end.into())
                    .into_paginator()
                    .send()
                    .try_collect(),
            )
        });
        let mut values: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
        for pages in join_all(calls).await {
            match pages {
                Ok(pages) => {
                    for result in pages.iter().flat_map(|p| p.metric_data_results()) {
                        let index = result
                            .id()
                            .and_then(|id| id.strip_prefix('m'))
                            .and_then(|n| n.parse::<usize>().ok());
                        if let Some(i) = index.filter(|i| *i < queries.len()) {
                            values.entry(i).or_default().extend(result.values());
                        }
                    }
                }
                Err(gap) => {
                    observation.error = Some(format!("{}: {}", gap.api, gap.error));
                    return observation;
                }
            }
        }
        observation.load_balancers = fold(&queries, &values);
        observation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LB: &str =
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188";
    const TG: &str =
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/73e2d6bc24d8a067";

    #[test]
    fn dimensions_are_the_arns_resource_parts() {
        assert_eq!(
            dimension_value(LB, "loadbalancer"),
            "app/web/50dc6c495c0c9188"
        );
        assert_eq!(
            dimension_value(TG, "targetgroup"),
            "targetgroup/api/73e2d6bc24d8a067"
        );
    }

    #[test]
    fn every_zone_gets_every_metric_and_each_group_its_hosts() {
        let lbs = vec![(
            LB.to_string(),
            vec!["us-east-1a".into(), "us-east-1b".into()],
        )];
        let q = queries(&lbs, &[(LB.into(), TG.into()), ("other".into(), TG.into())]);
        assert_eq!(q.len(), 2 * (Metric::ALL.len() + 2));
        let healthy = q
            .iter()
            .filter(|q| matches!(&q.figure, Figure::Healthy(tg) if tg == TG))
            .count();
        assert_eq!(healthy, 2, "one per zone, none for the other ALB");
    }

    #[test]
    fn values_fold_by_statistic_and_absent_data_stays_absent() {
        let lbs = vec![(LB.to_string(), vec!["us-east-1a".into()])];
        let q = queries(&lbs, &[(LB.into(), TG.into())]);
        let at = |f: &Figure| q.iter().position(|x| &x.figure == f).unwrap();
        let mut values = BTreeMap::new();
        values.insert(at(&Figure::Zone(Metric::Elb502)), vec![3.0, 4.0]);
        values.insert(at(&Figure::Healthy(TG.into())), vec![2.0, 0.0, 1.0]);
        values.insert(at(&Figure::Unhealthy(TG.into())), vec![0.0, 2.0]);
        values.insert(at(&Figure::Zone(Metric::RequestCount)), vec![]);
        let folded = fold(&q, &values);
        let alb = &folded[LB];
        let zone = &alb.zones["us-east-1a"];
        assert_eq!(zone.get(&Metric::Elb502), Some(&7.0));
        assert_eq!(zone.get(&Metric::RequestCount), None);
        let hosts = &alb.target_groups[TG]["us-east-1a"];
        assert_eq!(hosts.healthy_min, Some(0.0));
        assert_eq!(hosts.unhealthy_max, Some(2.0));
    }
}
