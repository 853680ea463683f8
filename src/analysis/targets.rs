//! Which target groups carry an ALB's requests and how healthy they are, decided once: the
//! forwards that point at each group (a weighted forward of weight 0 carries nothing), whether
//! the group keeps cross-zone load balancing, and how many healthy targets it has overall and
//! per zone. AWS routes only to healthy targets and fails open to all of them when none is
//! healthy (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html>);
//! with cross-zone off each node sends only to targets in its own zone
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/disable-cross-zone.html>).
//!
//! Every target rule's severity and symptom are judged here, once: a broken target the ALB can
//! route around costs capacity (a warning); a group no request reaches (only weight-0
//! forwards) breaks nothing today (a note).

use std::collections::BTreeMap;

use super::index::Index;
use super::shift::Shifts;
use crate::finding::{Judgement, Severity, Symptom};
use crate::model::{Forward, Listener, LoadBalancer, Snapshot, Target, TargetGroup, TargetType};

/// One target group an ALB forwards to, and how.
pub struct GroupUse<'a> {
    /// Its ARN.
    pub arn: &'a str,
    /// The group, when it was read.
    pub group: Option<&'a TargetGroup>,
    /// Every listener action that forwards to it.
    pub forwards: Vec<(&'a Listener, &'a Forward)>,
    /// The zone of each target, in the group's target order, when known.
    pub zones: Vec<Option<&'a str>>,
    /// Healthy targets per zone, counted once: rules ask for every unhealthy target.
    healthy: BTreeMap<Option<&'a str>, usize>,
}

impl<'a> GroupUse<'a> {
    /// The use of `group` (when read) through `forwards`, its targets in `zones`.
    fn new(
        arn: &'a str,
        group: Option<&'a TargetGroup>,
        forwards: Vec<(&'a Listener, &'a Forward)>,
        zones: Vec<Option<&'a str>>,
    ) -> Self {
        let mut healthy: BTreeMap<Option<&str>, usize> = BTreeMap::new();
        for (t, zone) in group
            .map(|g| g.targets.as_slice())
            .unwrap_or_default()
            .iter()
            .zip(&zones)
        {
            if is_healthy(t) {
                *healthy.entry(*zone).or_default() += 1;
            }
        }
        GroupUse {
            arn,
            group,
            forwards,
            zones,
            healthy,
        }
    }

    /// Whether any forward can send it a request: a weighted forward of weight 0 cannot.
    pub fn carries_traffic(&self) -> bool {
        self.forwards.iter().any(|(_, f)| f.weight != Some(0))
    }

    /// Whether each node sends only to targets in its own zone.
    pub fn zonal(&self) -> bool {
        self.group
            .is_some_and(|g| g.cross_zone_enabled == Some(false))
    }

    /// Whether the group's health checks are off because they are off by default (Lambda).
    pub fn health_checks_off_by_default(&self) -> bool {
        self.group.is_some_and(|g| {
            g.target_type == TargetType::Lambda && g.health_check_enabled != Some(true)
        })
    }

    /// The group's targets with their zones.
    pub fn targets(&self) -> impl Iterator<Item = (&'a Target, Option<&'a str>)> + '_ {
        self.group
            .map(|g| g.targets.as_slice())
            .unwrap_or_default()
            .iter()
            .zip(self.zones.iter().copied())
    }

    /// Healthy targets per zone (`None`: zone unknown).
    pub fn healthy_by_zone(&self) -> &BTreeMap<Option<&'a str>, usize> {
        &self.healthy
    }

    /// Whether the ALB still has a healthy target of this group to send requests to instead
    /// of one in `zone`: anywhere (cross-zone on) or in that zone (cross-zone off).
    pub fn has_healthy_for(&self, zone: Option<&str>) -> bool {
        if self.zonal() {
            self.healthy.get(&zone).is_some_and(|n| *n > 0)
        } else {
            self.healthy.values().any(|n| *n > 0)
        }
    }

    /// Whether DNS failover takes a node out when its zone has no healthy target
    /// (`target_group_health.dns_failover.minimum_healthy_targets.count`, default 1).
    pub fn dns_failover(&self) -> bool {
        self.group
            .and_then(|g| g.dns_failover_minimum_healthy_targets.as_deref())
            .is_none_or(|c| c != "off")
    }

    /// `judgement` for a group that may carry no request: then it breaks nothing today.
    fn in_use(&self, judgement: Judgement) -> Judgement {
        if self.carries_traffic() {
            judgement
        } else {
            judgement.at_most(Severity::Note)
        }
    }

    /// A target AWS reports in `state` for `reason`, in `zone` (ALB206); `None`: nothing to
    /// report. A broken target is an error only when the ALB has no healthy one to use instead.
    pub fn unhealthy(
        &self,
        state: &str,
        reason: Option<&str>,
        zone: Option<&str>,
    ) -> Option<TargetVerdict> {
        let judgement = health(state, reason)?;
        Some(self.broken_target(judgement, zone))
    }

    /// An instance target that is not running (ALB209): its requests fail with 502 unless the
    /// ALB has healthy targets instead.
    pub fn not_running(&self, zone: Option<&str>) -> TargetVerdict {
        self.broken_target(
            Judgement::new(Severity::Error, Some(Symptom::Http502)),
            zone,
        )
    }

    fn broken_target(&self, judgement: Judgement, zone: Option<&str>) -> TargetVerdict {
        let spare = judgement.severity == Severity::Error && self.has_healthy_for(zone);
        let judgement = if spare {
            Judgement::new(Severity::Warning, None)
        } else {
            judgement
        };
        TargetVerdict {
            judgement: self.in_use(judgement),
            spare,
        }
    }

    /// A target in a zone the ALB does not enable (ALB207): it gets no request, so the group
    /// has less capacity than it seems.
    pub fn outside_enabled_zones(&self) -> Judgement {
        self.in_use(Judgement::new(Severity::Warning, None))
    }

    /// A group with no registered target (ALB208): the requests forwarded to it get 503.
    pub fn empty(&self) -> Judgement {
        self.in_use(Judgement::new(Severity::Error, Some(Symptom::Http503)))
    }

    /// A Lambda function of the group that cannot be invoked (ALB211): its requests fail with
    /// `symptom`.
    pub fn not_invocable(&self, symptom: Symptom) -> Judgement {
        self.in_use(Judgement::new(Severity::Error, Some(symptom)))
    }

    /// Requests from `listener` that the group's protocol version refuses (ALB212): 464, when
    /// a forward of that listener can send any.
    pub fn refused_from(&self, listener: &Listener) -> Judgement {
        let carries = self
            .forwards
            .iter()
            .any(|(l, f)| l.arn == listener.arn && f.weight != Some(0));
        let judgement = Judgement::new(Severity::Error, Some(Symptom::Http464));
        if carries {
            judgement
        } else {
            judgement.at_most(Severity::Note)
        }
    }

    /// The enabled zones where a group without cross-zone load balancing has no healthy
    /// target (ALB210), judged over the nodes in DNS: a node in DNS shares its clients with
    /// the other nodes in DNS only; a node a zonal shift keeps out of DNS is judged as it will
    /// be when the shift ends. Empty when the group keeps cross-zone on.
    pub fn zones_without_healthy(&self, zones: &[&'a str], shifts: &Shifts) -> Vec<EmptyZone<'a>> {
        if !self.zonal() {
            return Vec::new();
        }
        let healthy_in = |z: &str| self.healthy.get(&Some(z)).copied().unwrap_or(0);
        let in_dns = |z: &str| shifts.away_from(z).is_none();
        let mut out = Vec::new();
        for &zone in zones {
            if healthy_in(zone) > 0 {
                continue;
            }
            let registered = self.zones.iter().filter(|z| **z == Some(zone)).count();
            let others = zones
                .iter()
                .any(|z| *z != zone && healthy_in(z) > 0 && (!in_dns(zone) || in_dns(z)));
            let healthy_only_in: Vec<&'a str> = zones
                .iter()
                .copied()
                .filter(|z| *z != zone && healthy_in(z) > 0 && in_dns(zone) && !in_dns(z))
                .collect();
            let (outcome, severity, symptom) = match (others, self.dns_failover()) {
                (true, true) => (ZoneOutcome::FailsOver, Severity::Warning, None),
                (true, false) => (
                    ZoneOutcome::Unavailable,
                    Severity::Error,
                    Some(Symptom::IntermittentHttp503),
                ),
                (false, _) if registered > 0 => (
                    ZoneOutcome::FailsOpen { healthy_only_in },
                    Severity::Error,
                    None,
                ),
                (false, _) => (
                    ZoneOutcome::NoneLeft { healthy_only_in },
                    Severity::Error,
                    Some(Symptom::Http503),
                ),
            };
            out.push(EmptyZone {
                zone,
                registered,
                outcome,
                judgement: self.in_use(Judgement::new(severity, symptom)),
            });
        }
        out
    }
}

/// A broken target, judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TargetVerdict {
    /// How bad the broken target is for clients, and what they see.
    pub judgement: Judgement,
    /// The ALB sends the target's share to healthy targets instead: capacity, not errors.
    pub spare: bool,
}

/// An enabled zone where a zonal group has no healthy target, judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmptyZone<'a> {
    /// The zone whose node has no healthy target of the group.
    pub zone: &'a str,
    /// How many of the group's targets are registered there (none healthy).
    pub registered: usize,
    /// What happens to the node's clients.
    pub outcome: ZoneOutcome<'a>,
    /// How bad it is for the node's clients, and what they see.
    pub judgement: Judgement,
}

/// What happens to the clients of a node whose zone has no healthy target of a zonal group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZoneOutcome<'a> {
    /// DNS failover takes the node out; its clients move to the other nodes in DNS.
    FailsOver,
    /// DNS failover is off: the node's clients get 503.
    Unavailable,
    /// No node in DNS has a healthy target, and this zone has registered ones: each node
    /// fails open to its zone's unhealthy targets (ALB206 says what they do).
    FailsOpen {
        /// Zones with healthy targets that a zonal shift keeps out of DNS.
        healthy_only_in: Vec<&'a str>,
    },
    /// No node in DNS has a healthy target and this zone has none registered: 503.
    NoneLeft {
        /// Zones with healthy targets that a zonal shift keeps out of DNS.
        healthy_only_in: Vec<&'a str>,
    },
}

/// What a target's health state means for requests, by AWS's reason codes
/// (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html#target-health-reason-codes>),
/// before the group's other targets are considered; `None`: nothing to report.
pub fn health(state: &str, reason: Option<&str>) -> Option<Judgement> {
    let severity = match state {
        "unhealthy" | "unhealthy.draining" => Severity::Error,
        "unused" | "unavailable" => Severity::Warning,
        _ => return None,
    };
    let symptom = match reason {
        Some("Target.Timeout") => Some(Symptom::Http504),
        Some(
            "Target.ResponseCodeMismatch"
            | "Target.FailedHealthChecks"
            | "Target.InvalidState"
            | "Target.IpUnusable",
        ) => Some(Symptom::Http502),
        Some("Elb.InternalError" | "Target.NotRegistered") => Some(Symptom::Http503),
        _ => None,
    };
    Some(Judgement::new(severity, symptom))
}

/// Whether the ALB routes to this target.
pub fn is_healthy(t: &Target) -> bool {
    t.state.as_deref() == Some("healthy")
}

/// Where a target sits: its instance's zone, the interface that owns its address, or the zone
/// it was registered in (never `all`, which marks an IP target outside the VPC).
pub fn zone_of<'a>(
    snapshot: &'a Snapshot,
    index: &Index<'a>,
    group: &TargetGroup,
    target: &'a Target,
) -> Option<&'a str> {
    let network = &snapshot.network;
    let found = match group.target_type {
        TargetType::Instance => network
            .instances
            .get(&target.id)
            .and_then(|i| i.availability_zone.as_deref()),
        _ => target
            .id
            .parse()
            .ok()
            .and_then(|a| index.interface_at(a))
            .map(|n| n.availability_zone.as_str())
            .filter(|z| !z.is_empty()),
    };
    found.or(target.availability_zone.as_deref().filter(|z| *z != "all"))
}

/// Every target group `lb` forwards to from a rule (or default action) that requests reach,
/// in ARN order: a group only shadowed rules forward to is not used
/// ([`super::reachable`]).
pub fn forwarded<'a>(
    snapshot: &'a Snapshot,
    index: &Index<'a>,
    lb: &'a LoadBalancer,
) -> Vec<GroupUse<'a>> {
    let mut by_arn: BTreeMap<&'a str, Vec<(&'a Listener, &'a Forward)>> = BTreeMap::new();
    for l in &lb.listeners {
        let shadowed = super::reachable::unreachable(l);
        for f in l
            .forwards
            .iter()
            .filter(|f| !shadowed.contains_key(f.via.as_str()))
        {
            by_arn
                .entry(f.target_group_arn.as_str())
                .or_default()
                .push((l, f));
        }
    }
    by_arn
        .into_iter()
        .map(|(arn, forwards)| {
            let group = snapshot.target_groups.get(arn);
            let zones: Vec<Option<&str>> = group
                .map(|g| {
                    g.targets
                        .iter()
                        .map(|t| zone_of(snapshot, index, g, t))
                        .collect()
                })
                .unwrap_or_default();
            GroupUse::new(arn, group, forwards, zones)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn group(cross_zone: bool, failover: &str, targets: &[(&str, &str)]) -> TargetGroup {
        serde_json::from_value(json!({
            "arn": "tg", "name": "web", "target_type": "ip", "port": 80,
            "cross_zone_enabled": cross_zone,
            "dns_failover_minimum_healthy_targets": failover,
            "targets": targets.iter().enumerate().map(|(i, (zone, state))| json!({
                "id": format!("10.0.0.{i}"), "availability_zone": zone, "state": state,
                "reason": (*state != "healthy").then_some("Target.Timeout"),
            })).collect::<Vec<_>>(),
        }))
        .unwrap()
    }

    fn listener(arn: &str, weight: Option<i32>) -> Listener {
        serde_json::from_value(json!({
            "arn": arn, "port": 80, "protocol": "HTTP",
            "forwards": [{"target_group_arn": "tg", "via": "default", "weight": weight}],
        }))
        .unwrap()
    }

    fn used<'a>(g: &'a TargetGroup, listeners: &'a [Listener]) -> GroupUse<'a> {
        let forwards = listeners.iter().map(|l| (l, &l.forwards[0])).collect();
        let zones = g
            .targets
            .iter()
            .map(|t| t.availability_zone.as_deref())
            .collect();
        GroupUse::new("tg", Some(g), forwards, zones)
    }

    const A: &str = "us-east-1a";
    const B: &str = "us-east-1b";

    #[test]
    fn a_broken_target_is_an_error_only_when_the_alb_has_no_healthy_one_instead() {
        let on = [listener("l", None)];
        let g = group(true, "1", &[(A, "unhealthy"), (B, "healthy")]);
        let spare = used(&g, &on).unhealthy("unhealthy", Some("Target.Timeout"), Some(A));
        assert_eq!(
            spare,
            Some(TargetVerdict {
                judgement: Judgement::new(Severity::Warning, None),
                spare: true
            })
        );
        // Cross-zone off: the healthy target in B does not serve A's node.
        let g = group(false, "1", &[(A, "unhealthy"), (B, "healthy")]);
        let v = used(&g, &on).not_running(Some(A));
        assert_eq!(
            v.judgement,
            Judgement::new(Severity::Error, Some(Symptom::Http502))
        );
        assert!(!v.spare);
        let g = group(true, "1", &[(A, "unhealthy"), (B, "unhealthy")]);
        let v = used(&g, &on).unhealthy("unhealthy", Some("Target.Timeout"), Some(A));
        assert_eq!(
            v.map(|v| v.judgement),
            Some(Judgement::new(Severity::Error, Some(Symptom::Http504)))
        );
    }

    #[test]
    fn a_group_no_request_reaches_breaks_nothing_today() {
        let idle = [listener("l", Some(0))];
        let g = group(true, "1", &[(A, "unhealthy")]);
        let u = used(&g, &idle);
        let note = |symptom| Judgement::new(Severity::Note, symptom);
        assert_eq!(
            u.unhealthy("unhealthy", Some("Target.Timeout"), Some(A))
                .map(|v| v.judgement),
            Some(note(Some(Symptom::Http504)))
        );
        assert_eq!(u.empty(), note(Some(Symptom::Http503)));
        assert_eq!(u.outside_enabled_zones(), note(None));
        assert_eq!(
            u.not_invocable(Symptom::Http502),
            note(Some(Symptom::Http502))
        );
        // One listener sends nothing, the other sends requests: judged per listener.
        let both = [listener("idle", Some(0)), listener("busy", Some(1))];
        let u = used(&g, &both);
        assert_eq!(u.refused_from(&both[0]), note(Some(Symptom::Http464)));
        assert_eq!(
            u.refused_from(&both[1]),
            Judgement::new(Severity::Error, Some(Symptom::Http464))
        );
    }

    #[test]
    fn a_zone_without_healthy_targets_is_judged_by_dns_failover_and_the_other_zones() {
        let on = [listener("l", None)];
        fn judged<'a>(
            g: &'a TargetGroup,
            on: &'a [Listener],
        ) -> Vec<(&'a str, ZoneOutcome<'a>, Judgement)> {
            used(g, on)
                .zones_without_healthy(&[A, B], &Shifts::default())
                .into_iter()
                .map(|e| (e.zone, e.outcome, e.judgement))
                .collect()
        }
        let g = group(false, "1", &[(A, "unhealthy"), (B, "healthy")]);
        assert_eq!(
            judged(&g, &on),
            [(
                A,
                ZoneOutcome::FailsOver,
                Judgement::new(Severity::Warning, None)
            )]
        );
        let g = group(false, "off", &[(A, "unhealthy"), (B, "healthy")]);
        assert_eq!(
            judged(&g, &on),
            [(
                A,
                ZoneOutcome::Unavailable,
                Judgement::new(Severity::Error, Some(Symptom::IntermittentHttp503))
            )]
        );
        let g = group(false, "1", &[(A, "unhealthy")]);
        let none = || Vec::new();
        assert_eq!(
            judged(&g, &on),
            [
                (
                    A,
                    ZoneOutcome::FailsOpen {
                        healthy_only_in: none()
                    },
                    Judgement::new(Severity::Error, None)
                ),
                (
                    B,
                    ZoneOutcome::NoneLeft {
                        healthy_only_in: none()
                    },
                    Judgement::new(Severity::Error, Some(Symptom::Http503))
                ),
            ]
        );
        // Cross-zone on: every node sends to every healthy target.
        assert!(judged(&group(true, "1", &[(A, "unhealthy")]), &on).is_empty());
    }

    #[test]
    fn every_documented_reason_maps() {
        let judged = |severity, symptom| Some(Judgement::new(severity, symptom));
        assert_eq!(health("healthy", None), None);
        assert_eq!(health("initial", Some("Elb.InitialHealthChecking")), None);
        assert_eq!(
            health("draining", Some("Target.DeregistrationInProgress")),
            None
        );
        assert_eq!(
            health("unhealthy", Some("Target.Timeout")),
            judged(Severity::Error, Some(Symptom::Http504))
        );
        assert_eq!(
            health("unhealthy", Some("Target.FailedHealthChecks")),
            judged(Severity::Error, Some(Symptom::Http502))
        );
        assert_eq!(
            health("unused", Some("Target.NotRegistered")),
            judged(Severity::Warning, Some(Symptom::Http503))
        );
        assert_eq!(
            health("unavailable", Some("Target.HealthCheckDisabled")),
            judged(Severity::Warning, None)
        );
        assert_eq!(
            health("unhealthy", Some("Target.SomethingNew")),
            judged(Severity::Error, None)
        );
    }
}
