//! Which target groups carry an ALB's requests and how healthy they are, decided once: the
//! forwards that point at each group (a weighted forward of weight 0 carries nothing), whether
//! the group keeps cross-zone load balancing, and how many healthy targets it has overall and
//! per zone. AWS routes only to healthy targets and fails open to all of them when none is
//! healthy (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html>);
//! with cross-zone off each node sends only to targets in its own zone
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/disable-cross-zone.html>).

use std::collections::BTreeMap;

use super::index::Index;
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
        })
        .collect()
}
