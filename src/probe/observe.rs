//! Joining what the ALB's own metrics counted (`--observe`) with what the audit predicted, the
//! way `join` does for the probe: each observed symptom of a zone is explained by the findings
//! whose symptom predicts it there (`predict`'s one matching, any port: metrics are per zone),
//! or left unexplained with the suspects AWS documents for it
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html>);
//! and error findings that said a node was unreachable are contradicted by the connections it
//! accepted.
//!
//! A client that never reached a node leaves no count there: the observed form of a timeout is
//! a zone with no new connections while the ALB's other zones have them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::predict::{explaining, fingerprints, predicts, Prediction};
use crate::finding::{Finding, Severity, Symptom};
use crate::model::observe::{AlbMetrics, Metric, Observation};

/// One ALB's observation as the JSON report carries it (`load_balancers[].observed`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Observed {
    /// Start of the window (RFC 3339 UTC).
    pub start: String,
    /// End of the window (RFC 3339 UTC).
    pub end: String,
    /// Why the metrics could not be read (`cloudwatch:GetMetricData: access denied`); the
    /// observation is then empty, and never a pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_evaluated: Option<String>,
    /// Whether the window holds no data point at all for this ALB: nothing is observed, and
    /// nothing is proved.
    #[serde(default)]
    pub no_data: bool,
    /// The figures, zone by zone.
    #[serde(default)]
    pub zones: Vec<ZoneFigures>,
    /// One entry per observed symptom and zone.
    #[serde(default)]
    pub symptoms: Vec<ObservedSymptom>,
    /// Error findings whose prediction the metrics refute.
    #[serde(default)]
    pub contradicts: Vec<Contradiction>,
}

/// What one zone's node counted over the window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ZoneFigures {
    /// The zone.
    pub availability_zone: String,
    /// Each metric with data, by CloudWatch name: the sum over the window.
    pub metrics: BTreeMap<String, u64>,
    /// The target groups' hosts in this zone.
    #[serde(default)]
    pub target_groups: Vec<GroupHosts>,
}

/// A target group's hosts in one zone over the window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GroupHosts {
    /// The target group ARN.
    pub target_group: String,
    /// The fewest healthy hosts at any minute (`HealthyHostCount`, minimum).
    pub healthy_min: Option<u64>,
    /// The most unhealthy hosts at any minute (`UnHealthyHostCount`, maximum).
    pub unhealthy_max: Option<u64>,
}

/// A symptom the metrics show in one zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ObservedSymptom {
    /// The zone.
    pub availability_zone: String,
    /// The symptom: the findings' vocabulary (`timeout`, `http-502`, `http-503`, `http-504`,
    /// `tls-error`) and what only metrics see (`http-500`, `http-464`, `target-5xx`,
    /// `target-connection-error`, `target-tls-error`, `rejected-connection`, `auth-error`).
    pub symptom: String,
    /// The metric it comes from.
    pub metric: String,
    /// How many over the window (0 for a silent zone's `timeout`).
    pub count: u64,
    /// Fingerprints of the findings (errors and warnings) that predict it in this zone.
    pub explained_by: Vec<String>,
    /// Whether no finding predicts it.
    pub unexplained: bool,
    /// When unexplained: what AWS documents as its causes, which configuration does not show.
    pub suspects: Vec<String>,
}

/// A finding the metrics refute, with the figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Contradiction {
    /// The finding's fingerprint.
    pub fingerprint: String,
    /// The zone whose figures refute it.
    pub availability_zone: String,
    /// The metric.
    pub metric: String,
    /// Its count over the window.
    pub count: u64,
}

/// How a metric reads as a symptom: its name, which predictions explain it, and its suspects.
struct Reading {
    symptom: &'static str,
    explained_by: &'static [Prediction],
    suspects: &'static [&'static str],
}

const CHANGED: &str =
    "a change since the configuration was read (security group, network ACL, route, listener, or targets)";

/// The symptom a counted metric shows, or `None` for figures that are no symptom (requests,
/// connections, the 4XX and 5XX totals).
fn reading(metric: Metric) -> Option<Reading> {
    let r = |symptom, explained_by, suspects| {
        Some(Reading {
            symptom,
            explained_by,
            suspects,
        })
    };
    match metric {
        Metric::Elb502 => r(
            "http-502",
            &[Prediction::Http502],
            &[
                "the target closed a kept-alive connection before the ALB's idle timeout: set the target's keep-alive timeout longer than the ALB's",
                "the target reset the connection, or sent a malformed response or headers larger than the ALB accepts",
                "a Lambda target's response is malformed or larger than 1 MB",
                CHANGED,
            ],
        ),
        Metric::Elb503 => r(
            "http-503",
            &[Prediction::Http503],
            &[
                "the target group of the rule that served the request had no registered targets at that time (a deployment or scaling to zero)",
                CHANGED,
            ],
        ),
        Metric::Elb504 => r(
            "http-504",
            &[Prediction::Http504],
            &[
                "the target answers slower than the ALB's idle timeout",
                "the target accepted the connection but never answered (an overloaded or stuck process)",
                CHANGED,
            ],
        ),
        Metric::TargetConnectionErrorCount => r(
            "target-connection-error",
            &[Prediction::Http504, Prediction::Http502],
            &[
                "the target does not listen on its port, or firewall software on the target (iptables, Windows Firewall) drops the ALB",
                "the target is overloaded and refuses or ignores new connections",
                CHANGED,
            ],
        ),
        Metric::TargetTLSNegotiationErrorCount => r(
            "target-tls-error",
            &[Prediction::Http502],
            &[
                "the target's TLS: no protocol version or cipher in common with the ALB, or the target ends the handshake",
            ],
        ),
        Metric::ClientTLSNegotiationErrorCount => r(
            "tls-error",
            &[Prediction::Tls],
            &[
                "clients offer no protocol version or cipher the listener's security policy allows (old clients, scanners)",
                "clients that do not trust the certificate, or whose name it does not cover, end the handshake",
            ],
        ),
        Metric::Elb500 => r(
            "http-500",
            &[Prediction::Http500],
            &[
                "an authenticate action or an AWS WAF web ACL could not process the request",
                "an error inside the ALB itself: contact AWS Support when it persists",
            ],
        ),
        Metric::Elb464 => r(
            "http-464",
            &[Prediction::Http464],
            &["clients send a protocol version the target group does not take (HTTP/1.1 to a gRPC or HTTP/2 target group, or the reverse)"],
        ),
        Metric::Target5xx => r(
            "target-5xx",
            &[],
            &["the application on the target answered with a 5XX itself: the network path works; see its logs"],
        ),
        Metric::RejectedConnectionCount => r(
            "rejected-connection",
            &[],
            &["the ALB reached its maximum number of connections: a surge it had not scaled for (ask AWS about LCU reservation)"],
        ),
        Metric::ELBAuthError => r(
            "auth-error",
            &[],
            &["the identity provider's endpoints are unreachable from the ALB nodes, or the authenticate action's client id, secret or endpoints are wrong"],
        ),
        Metric::RequestCount
        | Metric::NewConnectionCount
        | Metric::Elb4xx
        | Metric::Elb5xx
        | Metric::Unknown => None,
    }
}

/// What a silent zone leaves to suspect when no finding says its node is unreachable.
const SILENT_ZONE: &[&str] = &[
    "DNS does not answer with this node's address (an unhealthy zone, a zonal shift), so clients never try it",
    "a device between the clients and the ALB drops traffic to this node's address",
    "too few clients in the window for every zone to get one",
    CHANGED,
];

/// The count of a figure, as the report writes it.
fn count(v: f64) -> u64 {
    if v.is_finite() && v > 0.0 {
        v.round() as u64
    } else {
        0
    }
}

/// Joins one ALB's metrics with its findings: `zones` are the ALB's enabled zones, `ports` its
/// listener ports (a finding about one port is refuted by a zone's connections only when the
/// ALB listens on that port alone).
pub fn join(
    observation: &Observation,
    lb_arn: &str,
    zones: &[String],
    ports: &[u16],
    findings: &[Finding],
) -> Observed {
    let mut out = Observed {
        start: observation.start.clone(),
        end: observation.end.clone(),
        not_evaluated: observation.error.clone(),
        ..Observed::default()
    };
    if out.not_evaluated.is_some() {
        return out;
    }
    let empty = AlbMetrics::default();
    let metrics = observation.load_balancers.get(lb_arn).unwrap_or(&empty);
    let none = BTreeMap::new();
    let of = |zone: &str| metrics.zones.get(zone).unwrap_or(&none);
    out.no_data = zones.iter().all(|z| of(z).is_empty())
        && metrics
            .target_groups
            .values()
            .flat_map(|z| z.values())
            .all(|h| h.healthy_min.is_none() && h.unhealthy_max.is_none());
    for zone in zones {
        out.zones.push(ZoneFigures {
            availability_zone: zone.clone(),
            metrics: of(zone)
                .iter()
                .map(|(m, v)| (m.name().to_string(), count(*v)))
                .collect(),
            target_groups: metrics
                .target_groups
                .iter()
                .filter_map(|(tg, by_zone)| {
                    let h = by_zone.get(zone)?;
                    Some(GroupHosts {
                        target_group: tg.clone(),
                        healthy_min: h.healthy_min.map(count),
                        unhealthy_max: h.unhealthy_max.map(count),
                    })
                })
                .collect(),
        });
    }
    if out.no_data {
        return out;
    }
    let connections = |zone: &str| {
        of(zone)
            .get(&Metric::NewConnectionCount)
            .map_or(0, |v| count(*v))
    };
    let any_connected = zones.iter().any(|z| connections(z) > 0);
    for zone in zones {
        for (metric, value) in of(zone) {
            let Some(reading) = reading(*metric) else {
                continue;
            };
            if count(*value) == 0 {
                continue;
            }
            out.symptoms.push(symptom(
                zone,
                reading.symptom,
                metric.name(),
                count(*value),
                explaining(findings, reading.explained_by, zone, None),
                reading.suspects,
            ));
        }
        let connected = connections(zone);
        if connected == 0 && any_connected {
            out.symptoms.push(symptom(
                zone,
                Symptom::Timeout.as_str(),
                Metric::NewConnectionCount.name(),
                0,
                explaining(findings, &[Prediction::Connect], zone, None),
                SILENT_ZONE,
            ));
        }
        if connected > 0 {
            let refuted = fingerprints(findings, |f| {
                let port_ok = f.port.is_none_or(|p| ports == [p]);
                f.severity == Severity::Error
                    && port_ok
                    && predicts(f, Prediction::Connect, zone, None)
            });
            out.contradicts
                .extend(refuted.into_iter().map(|fingerprint| Contradiction {
                    fingerprint,
                    availability_zone: zone.clone(),
                    metric: Metric::NewConnectionCount.name().to_string(),
                    count: connected,
                }));
        }
    }
    out
}

fn symptom(
    zone: &str,
    symptom: &str,
    metric: &str,
    count: u64,
    explained_by: Vec<String>,
    suspects: &[&str],
) -> ObservedSymptom {
    let unexplained = explained_by.is_empty();
    ObservedSymptom {
        availability_zone: zone.to_string(),
        symptom: symptom.to_string(),
        metric: metric.to_string(),
        count,
        explained_by,
        unexplained,
        suspects: if unexplained {
            suspects.iter().map(|s| s.to_string()).collect()
        } else {
            Vec::new()
        },
    }
}

/// Why `--observe` over a snapshot shows nothing: it recorded no metrics.
pub fn not_recorded() -> Observed {
    Observed {
        not_evaluated: Some(
            "the snapshot holds no metrics: write it with `alb-audit snapshot --observe DURATION`"
                .to_string(),
        ),
        ..Observed::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::observe::HostCounts;

    const LB: &str = "arn:lb";

    fn finding(rule: &str, zone: Option<&str>, port: Option<u16>, symptom: Symptom) -> Finding {
        let mut f = crate::rules::find(rule)
            .expect("a rule")
            .finding("res", "msg", "fix")
            .symptom(symptom);
        f.availability_zone = zone.map(str::to_owned);
        f.port = port;
        f.fingerprint = format!("{rule}-{}-{}", zone.unwrap_or("all"), port.unwrap_or(0));
        f
    }

    fn zones() -> Vec<String> {
        vec!["us-east-1a".into(), "us-east-1b".into()]
    }

    /// An observation of zone a and b with these figures.
    fn observed(a: &[(Metric, f64)], b: &[(Metric, f64)]) -> Observation {
        let mut alb = AlbMetrics::default();
        alb.zones
            .insert("us-east-1a".into(), a.iter().copied().collect());
        alb.zones
            .insert("us-east-1b".into(), b.iter().copied().collect());
        Observation {
            start: "2026-01-01T00:00:00Z".into(),
            end: "2026-01-01T01:00:00Z".into(),
            error: None,
            load_balancers: [(LB.to_string(), alb)].into_iter().collect(),
        }
    }

    fn one(metric: Metric, findings: &[Finding]) -> ObservedSymptom {
        let o = observed(
            &[(metric, 5.0), (Metric::NewConnectionCount, 10.0)],
            &[(Metric::NewConnectionCount, 10.0)],
        );
        let r = join(&o, LB, &zones(), &[80], findings);
        assert_eq!(r.symptoms.len(), 1, "{metric:?}: {:?}", r.symptoms);
        r.symptoms.into_iter().next().unwrap()
    }

    #[test]
    fn every_metric_maps_to_its_symptom_or_to_none() {
        let expected = [
            (Metric::RequestCount, None),
            (Metric::NewConnectionCount, None),
            (Metric::RejectedConnectionCount, Some("rejected-connection")),
            (Metric::Elb500, Some("http-500")),
            (Metric::Elb502, Some("http-502")),
            (Metric::Elb503, Some("http-503")),
            (Metric::Elb504, Some("http-504")),
            (Metric::Elb464, Some("http-464")),
            (Metric::Elb4xx, None),
            (Metric::Elb5xx, None),
            (Metric::Target5xx, Some("target-5xx")),
            (
                Metric::TargetConnectionErrorCount,
                Some("target-connection-error"),
            ),
            (Metric::ClientTLSNegotiationErrorCount, Some("tls-error")),
            (
                Metric::TargetTLSNegotiationErrorCount,
                Some("target-tls-error"),
            ),
            (Metric::ELBAuthError, Some("auth-error")),
        ];
        assert_eq!(expected.len(), Metric::ALL.len());
        for (metric, symptom) in expected {
            assert_eq!(reading(metric).map(|r| r.symptom), symptom, "{metric:?}");
            if let Some(symptom) = symptom {
                let s = one(metric, &[]);
                assert_eq!(s.symptom, symptom);
                assert_eq!(s.metric, metric.name());
                assert_eq!(s.count, 5);
                assert_eq!(s.availability_zone, "us-east-1a");
                assert!(s.unexplained && !s.suspects.is_empty(), "{metric:?}");
            }
        }
    }

    #[test]
    fn every_suspect_list_names_what_aws_documents() {
        let first = |m| one(m, &[]).suspects[0].clone();
        assert!(
            first(Metric::Elb502).contains("kept-alive connection before the ALB's idle timeout")
        );
        assert!(first(Metric::Elb503).contains("no registered targets"));
        assert!(first(Metric::Elb504).contains("slower than the ALB's idle timeout"));
        assert!(first(Metric::TargetConnectionErrorCount).contains("does not listen on its port"));
        assert!(first(Metric::TargetTLSNegotiationErrorCount).contains("target's TLS"));
        assert!(first(Metric::ClientTLSNegotiationErrorCount).contains("security policy"));
        assert!(first(Metric::Elb500).contains("authenticate action"));
        assert!(first(Metric::Elb464).contains("protocol version"));
        assert!(first(Metric::Target5xx).contains("application on the target"));
        assert!(first(Metric::RejectedConnectionCount).contains("maximum number of connections"));
        assert!(first(Metric::ELBAuthError).contains("identity provider"));
        let o = observed(&[(Metric::NewConnectionCount, 9.0)], &[]);
        let r = join(&o, LB, &zones(), &[80], &[]);
        assert_eq!(r.symptoms[0].suspects, SILENT_ZONE);
    }

    #[test]
    fn metrics_are_explained_by_findings_of_their_zone_at_any_port() {
        let findings = vec![
            finding("ALB202", None, Some(8080), Symptom::Http504),
            finding(
                "ALB210",
                Some("us-east-1b"),
                None,
                Symptom::IntermittentHttp503,
            ),
            finding("ALB206", None, Some(8080), Symptom::Http502),
            finding("ALB304", None, Some(443), Symptom::TlsError),
        ];
        let s = one(Metric::Elb504, &findings);
        assert_eq!(s.explained_by, vec!["ALB202-all-8080"]);
        assert!(!s.unexplained && s.suspects.is_empty());
        assert!(one(Metric::Elb503, &findings).unexplained, "zone b only");
        assert_eq!(
            one(Metric::Elb502, &findings).explained_by,
            vec!["ALB206-all-8080"]
        );
        assert_eq!(
            one(Metric::TargetConnectionErrorCount, &findings).explained_by,
            vec!["ALB202-all-8080", "ALB206-all-8080"]
        );
        assert_eq!(
            one(Metric::ClientTLSNegotiationErrorCount, &findings).explained_by,
            vec!["ALB304-all-443"]
        );
        assert!(one(Metric::Target5xx, &findings).unexplained);
    }

    #[test]
    fn a_silent_zone_is_an_observed_timeout_explained_by_its_nodes_findings() {
        let findings = vec![finding(
            "ALB102",
            Some("us-east-1b"),
            Some(80),
            Symptom::IntermittentTimeout,
        )];
        let o = observed(
            &[(Metric::NewConnectionCount, 4000.0)],
            &[(Metric::RequestCount, 0.0)],
        );
        let r = join(&o, LB, &zones(), &[80, 443], &findings);
        assert_eq!(r.symptoms.len(), 1);
        let s = &r.symptoms[0];
        assert_eq!(
            (s.symptom.as_str(), s.availability_zone.as_str(), s.count),
            ("timeout", "us-east-1b", 0)
        );
        assert_eq!(s.explained_by, vec!["ALB102-us-east-1b-80"]);
        assert!(r.contradicts.is_empty());
        // Every zone silent: no zone is singled out.
        let o = observed(
            &[(Metric::RequestCount, 0.0)],
            &[(Metric::RequestCount, 0.0)],
        );
        assert!(join(&o, LB, &zones(), &[80], &findings).symptoms.is_empty());
    }

    #[test]
    fn connections_contradict_error_findings_that_said_the_node_unreachable() {
        let findings = vec![
            finding(
                "ALB102",
                Some("us-east-1b"),
                Some(80),
                Symptom::IntermittentTimeout,
            ),
            finding("ALB101", None, Some(443), Symptom::Timeout),
        ];
        let o = observed(
            &[(Metric::NewConnectionCount, 10.0)],
            &[(Metric::NewConnectionCount, 3000.0)],
        );
        let r = join(&o, LB, &zones(), &[80], &findings);
        assert_eq!(
            r.contradicts,
            vec![Contradiction {
                fingerprint: "ALB102-us-east-1b-80".into(),
                availability_zone: "us-east-1b".into(),
                metric: "NewConnectionCount".into(),
                count: 3000,
            }],
            "the port-443 finding is about a port the ALB does not listen on alone"
        );
        // Two listeners: the connections may all have been on the other port.
        assert!(join(&o, LB, &zones(), &[80, 443], &findings)
            .contradicts
            .is_empty());
        // A port-less error for every zone is refuted in each zone that connected.
        let everywhere = vec![finding("ALB105", None, None, Symptom::Timeout)];
        let r = join(&o, LB, &zones(), &[80, 443], &everywhere);
        assert_eq!(r.contradicts.len(), 2);
        // Warnings are never contradicted.
        let mut warning = findings.clone();
        warning[0].severity = Severity::Warning;
        assert!(join(&o, LB, &zones(), &[80], &warning)
            .contradicts
            .is_empty());
    }

    #[test]
    fn no_data_and_unread_metrics_say_so_and_claim_nothing() {
        let o = observed(&[], &[]);
        let findings = vec![finding("ALB101", None, None, Symptom::Timeout)];
        let r = join(&o, LB, &zones(), &[80], &findings);
        assert!(r.no_data);
        assert!(r.symptoms.is_empty() && r.contradicts.is_empty());
        assert_eq!(r.zones.len(), 2);
        let denied = Observation {
            error: Some("cloudwatch:GetMetricData: access denied".into()),
            ..o
        };
        let r = join(&denied, LB, &zones(), &[80], &findings);
        assert_eq!(
            r.not_evaluated.as_deref(),
            Some("cloudwatch:GetMetricData: access denied")
        );
        assert!(!r.no_data && r.zones.is_empty() && r.symptoms.is_empty());
    }

    #[test]
    fn host_counts_are_shown_per_zone() {
        let mut o = observed(&[(Metric::RequestCount, 1.0)], &[]);
        o.load_balancers.get_mut(LB).unwrap().target_groups.insert(
            "arn:tg".into(),
            [(
                "us-east-1b".to_string(),
                HostCounts {
                    healthy_min: Some(0.0),
                    unhealthy_max: Some(2.0),
                },
            )]
            .into_iter()
            .collect(),
        );
        let r = join(&o, LB, &zones(), &[80], &[]);
        assert!(r.zones[0].target_groups.is_empty());
        assert_eq!(
            r.zones[1].target_groups,
            vec![GroupHosts {
                target_group: "arn:tg".into(),
                healthy_min: Some(0),
                unhealthy_max: Some(2),
            }]
        );
    }
}
