//! Which zones an ARC zonal shift, autoshift or practice run has taken out of the ALB's DNS
//! at the moment of collection, judged once per ALB.
//!
//! A shift moves traffic away from one Availability Zone: the ALB's DNS stops answering with
//! that zone's node until the shift expires (a zonal shift or practice run) or AWS ends it (an
//! autoshift) (<https://docs.aws.amazon.com/r53recovery/latest/dg/arc-zonal-shift.how-it-works.html>).
//! Shifts name zones by id (`use1-az1`), so the node is found through its subnet's zone id.
//! A shift counts when ARC applies it (`appliedStatus: APPLIED`) and it had not expired when
//! the snapshot was taken. Were every node shifted away, DNS would fail open and answer with
//! all of them: then no node counts as shifted.

use crate::finding::{Finding, Severity};
use crate::model::zonal_shift::ZonalShift;
use crate::model::{Dataset, LoadBalancer, Snapshot};
use crate::net::tls_validity::parse_rfc3339;

/// What `masked_until` says for a shift without an expiry (an autoshift lasts until AWS ends
/// it).
pub const UNTIL_AUTOSHIFT_ENDS: &str = "autoshift";

/// One node out of DNS and the shift that took it out.
#[derive(Clone, Debug)]
pub struct Away<'a> {
    /// The node (index into the ALB's `availability_zones`).
    pub node: usize,
    /// Its zone name.
    pub zone: &'a str,
    /// The shift in force.
    pub shift: &'a ZonalShift,
}

impl Away<'_> {
    /// Until when the node is out: the expiry, or [`UNTIL_AUTOSHIFT_ENDS`].
    pub fn until(&self) -> String {
        self.shift
            .expiry
            .clone()
            .unwrap_or_else(|| UNTIL_AUTOSHIFT_ENDS.to_string())
    }
}

/// The shifts of one ALB in force at collection time.
#[derive(Clone, Debug, Default)]
pub struct Shifts<'a> {
    /// Nodes out of DNS, in node order.
    pub away: Vec<Away<'a>>,
    /// Shifts that could not be judged, and why (ALB114 lists them as not evaluated).
    pub unknown: Vec<String>,
    in_dns: Vec<bool>,
}

impl<'a> Shifts<'a> {
    /// Judges the shifts of `lb`; none when they could not be read (a gap), so that every
    /// other verdict is judged as if no shift were in force.
    pub fn analyse(snapshot: &'a Snapshot, lb: &'a LoadBalancer) -> Self {
        let nodes = lb.availability_zones.len();
        let mut out = Shifts {
            in_dns: vec![true; nodes],
            ..Shifts::default()
        };
        if snapshot
            .gaps_for(&lb.arn, Dataset::ZonalShifts)
            .next()
            .is_some()
        {
            return out;
        }
        let Some(shifts) = snapshot.zonal_shifts.get(&lb.arn) else {
            return out;
        };
        let now = snapshot
            .collected_at
            .as_deref()
            .and_then(|t| parse_rfc3339(t).ok());
        for shift in shifts.iter().filter(|s| s.applied) {
            if let Some(expiry) = &shift.expiry {
                match (parse_rfc3339(expiry), now) {
                    (Err(e), _) => {
                        out.unknown
                            .push(format!("{} {}: {e}", shift.kind.as_str(), shift.id));
                        continue;
                    }
                    (Ok(end), Some(now)) if end <= now => continue,
                    _ => {}
                }
            }
            let node = lb.availability_zones.iter().position(|az| {
                snapshot
                    .network
                    .subnets
                    .get(&az.subnet_id)
                    .and_then(|s| s.availability_zone_id.as_deref())
                    == Some(shift.away_from.as_str())
            });
            match node {
                Some(i) if out.in_dns[i] => {
                    out.in_dns[i] = false;
                    out.away.push(Away {
                        node: i,
                        zone: &lb.availability_zones[i].zone,
                        shift,
                    });
                }
                Some(_) => {}
                None if lb.availability_zones.iter().any(|az| {
                    snapshot
                        .network
                        .subnets
                        .get(&az.subnet_id)
                        .and_then(|s| s.availability_zone_id.as_ref())
                        .is_none()
                }) =>
                {
                    out.unknown.push(format!(
                        "{} {} moves traffic away from zone id {}, and the zone ids of the ALB's subnets are unknown",
                        shift.kind.as_str(),
                        shift.id,
                        shift.away_from
                    ));
                }
                // A zone the ALB does not use: no node of it moves.
                None => {}
            }
        }
        if nodes > 0 && out.away.len() == nodes {
            out.away.clear();
            out.in_dns = vec![true; nodes];
        }
        out.away.sort_by_key(|a| a.node);
        out
    }

    /// Whether node `i` is in the ALB's DNS (true for a node this ALB does not have).
    pub fn in_dns(&self, i: usize) -> bool {
        self.in_dns.get(i).copied().unwrap_or(true)
    }

    /// Per node, whether it is in DNS.
    pub fn in_dns_all(&self) -> &[bool] {
        &self.in_dns
    }

    /// The shift that took the node of `zone` out of DNS, if any.
    pub fn away_from(&self, zone: &str) -> Option<&Away<'a>> {
        self.away.iter().find(|a| a.zone == zone)
    }

    /// Marks a finding about a shifted-away node: it stays, carries `masked_until`, and counts
    /// at most as a warning, as no client reaches that node until the shift ends.
    pub fn mask(&self, finding: &mut Finding) {
        let Some(away) = finding
            .availability_zone
            .as_deref()
            .and_then(|z| self.away_from(z))
        else {
            return;
        };
        finding.masked_until = Some(away.until());
        finding.severity = finding.severity.min(Severity::Warning);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::zonal_shift::ShiftKind;
    use crate::model::{IpAddressType, Scheme, Subnet, ZoneSubnet};

    fn world(zone_ids: bool, shifts: Vec<ZonalShift>) -> Snapshot {
        let mut s = Snapshot {
            collected_at: Some("2026-11-24T12:00:00Z".into()),
            ..Snapshot::default()
        };
        let mut zones = Vec::new();
        for (i, z) in ["a", "b"].iter().enumerate() {
            let id = format!("subnet-{z}");
            s.network.subnets.insert(
                id.clone(),
                Subnet {
                    id: id.clone(),
                    vpc_id: "vpc-1".into(),
                    availability_zone: format!("us-east-1{z}"),
                    availability_zone_id: zone_ids.then(|| format!("use1-az{}", i + 1)),
                    cidrs: vec![],
                    block_public_access: None,
                    available_ip_addresses: None,
                },
            );
            zones.push(ZoneSubnet {
                zone: format!("us-east-1{z}"),
                subnet_id: id,
            });
        }
        s.load_balancers.push(LoadBalancer {
            arn: "lb".into(),
            name: "web".into(),
            scheme: Scheme::InternetFacing,
            ip_address_type: IpAddressType::Ipv4,
            vpc_id: "vpc-1".into(),
            dns_name: String::new(),
            availability_zones: zones,
            security_groups: vec![],
            listeners: vec![],
            tags: Default::default(),
            http2_enabled: None,
        });
        s.zonal_shifts.insert("lb".into(), shifts);
        s
    }

    fn shift(away: &str, expiry: Option<&str>, applied: bool) -> ZonalShift {
        ZonalShift {
            id: "z1".into(),
            kind: ShiftKind::ZonalShift,
            away_from: away.into(),
            applied,
            start_time: None,
            expiry: expiry.map(str::to_string),
            comment: None,
        }
    }

    #[test]
    fn applied_unexpired_shifts_take_their_node_out() {
        let s = world(
            true,
            vec![shift("use1-az2", Some("2026-11-24T13:00:00Z"), true)],
        );
        let shifts = Shifts::analyse(&s, &s.load_balancers[0]);
        assert_eq!(shifts.in_dns_all(), &[true, false]);
        let rule = crate::rules::REGISTRY
            .iter()
            .find(|r| r.code == "ALB102")
            .unwrap();
        let mut f = rule.finding("acl-1", "m", "r").zone("us-east-1b");
        shifts.mask(&mut f);
        assert_eq!(f.masked_until.as_deref(), Some("2026-11-24T13:00:00Z"));
        assert_eq!(f.severity, Severity::Warning);
        let mut other = f.clone().zone("us-east-1a");
        other.masked_until = None;
        other.severity = Severity::Error;
        shifts.mask(&mut other);
        assert_eq!(
            (other.masked_until, other.severity),
            (None, Severity::Error)
        );
    }

    #[test]
    fn expired_unapplied_and_every_zone_shifts_move_nothing() {
        for shifts in [
            vec![shift("use1-az2", Some("2026-11-24T12:00:00Z"), true)],
            vec![shift("use1-az2", None, false)],
            vec![shift("use1-az9", None, true)],
            vec![shift("use1-az1", None, true), shift("use1-az2", None, true)],
        ] {
            let s = world(true, shifts.clone());
            let judged = Shifts::analyse(&s, &s.load_balancers[0]);
            assert_eq!(judged.in_dns_all(), &[true, true], "{shifts:?}");
            assert!(judged.unknown.is_empty());
        }
    }

    #[test]
    fn unknown_zone_ids_and_gaps_are_not_guessed() {
        let s = world(false, vec![shift("use1-az2", None, true)]);
        let judged = Shifts::analyse(&s, &s.load_balancers[0]);
        assert_eq!(judged.in_dns_all(), &[true, true]);
        assert_eq!(judged.unknown.len(), 1);
        let mut s = world(true, vec![shift("use1-az2", None, true)]);
        s.gaps.push(crate::model::Gap {
            dataset: Dataset::ZonalShifts,
            api: "arc-zonal-shift:GetManagedResource".into(),
            error: "access denied".into(),
            load_balancer: None,
        });
        let judged = Shifts::analyse(&s, &s.load_balancers[0]);
        assert_eq!(judged.in_dns_all(), &[true, true]);
    }
}
