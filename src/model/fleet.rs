//! A fleet snapshot: one file holding the snapshot of every (account, region) a fleet run read,
//! and what could not be read at all (an account whose role could not be assumed, a region that
//! is not enabled), so that `audit --snapshot` replays the fleet's report gaps included.
//!
//! A file with `parts` is a fleet; any other is a single [`Snapshot`], as written before fleets
//! existed, and loads as a fleet of one part.

use serde::{Deserialize, Serialize};

use super::{Gap, Snapshot, SNAPSHOT_FORMAT};

/// Every (account, region) snapshot of one fleet run and what could not be read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Fleet {
    /// Snapshot format version ([`SNAPSHOT_FORMAT`]), the same for the fleet and its parts.
    pub format: u32,
    /// One snapshot per (account, region) that could be read, in account then region order.
    pub parts: Vec<Snapshot>,
    /// Accounts, regions or the organization's account list that could not be read.
    #[serde(default)]
    pub unread: Vec<Unread>,
}

impl Fleet {
    /// A fleet of one snapshot, which is how a single-region file is audited.
    pub fn single(snapshot: Snapshot) -> Fleet {
        Fleet {
            format: snapshot.format,
            parts: vec![snapshot],
            unread: Vec::new(),
        }
    }

    /// An empty fleet in this build's format.
    pub fn new() -> Fleet {
        Fleet {
            format: SNAPSHOT_FORMAT,
            ..Fleet::default()
        }
    }

    /// Whether anything could not be read: unread accounts or regions, or a gap in any part.
    pub fn is_incomplete(&self) -> bool {
        !self.unread.is_empty() || self.parts.iter().any(|p| !p.gaps.is_empty())
    }

    /// What is not tied to one ALB and would otherwise vanish from the report: every unread
    /// account or region, and the gaps of parts that hold no ALB (a region whose listing
    /// failed), each as (scope, reason).
    pub fn missing(&self) -> Vec<(String, String)> {
        let unread = self
            .unread
            .iter()
            .map(|u| (u.scope.clone(), format!("{}: {}", u.api, u.error)));
        let empty_parts = self.parts.iter().flat_map(unattached_gaps);
        unread.chain(empty_parts).collect()
    }
}

/// The gaps no ALB of a snapshot carries (its region's listing failed, or the snapshot holds no
/// ALB at all), as (scope, reason): they must be said at the top of the report.
pub fn unattached_gaps(snapshot: &Snapshot) -> Vec<(String, String)> {
    let place = scope(snapshot.account_id.as_deref(), Some(&snapshot.region));
    let alone = snapshot.load_balancers.is_empty();
    snapshot
        .gaps
        .iter()
        // The listing of the ALBs (or their tags) failed: no ALB can carry it, whatever else
        // was read.
        .filter(|g| {
            alone
                || (g.load_balancer.is_none() && g.dataset == crate::model::Dataset::LoadBalancers)
        })
        .map(|g: &Gap| (place.clone(), format!("{}: {}", g.api, g.error)))
        .collect()
}

/// Something a fleet run could not read at all: where (an account, an account's region, the
/// organization's account list), through which `service:Action`, and why in one line.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Unread {
    /// Where, as the report's top-level `not_evaluated` names it: see [`scope`].
    pub scope: String,
    /// The failed call, e.g. `sts:AssumeRole`.
    pub api: String,
    /// One human line, e.g. `access denied`.
    pub error: String,
}

/// How the organization's account list is named when it cannot be read.
pub const ORGANIZATION: &str = "organization";

/// Names a place of a fleet for a person: `account 111111111111 region eu-west-1`,
/// `account 111111111111`, `region eu-west-1` (the caller's own account, whose id the run
/// does not know), or `calling account`.
pub fn scope(account: Option<&str>, region: Option<&str>) -> String {
    match (account, region) {
        (Some(a), Some(r)) => format!("account {a} region {r}"),
        (Some(a), None) => format!("account {a}"),
        (None, Some(r)) => format!("region {r}"),
        (None, None) => "calling account".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Dataset;

    fn part(account: Option<&str>, region: &str, gaps: Vec<Gap>) -> Snapshot {
        Snapshot {
            format: SNAPSHOT_FORMAT,
            region: region.to_string(),
            account_id: account.map(str::to_string),
            gaps,
            ..Snapshot::default()
        }
    }

    fn listing_denied() -> Gap {
        Gap {
            dataset: Dataset::LoadBalancers,
            api: "elasticloadbalancing:DescribeLoadBalancers".into(),
            error: "access denied".into(),
            load_balancer: None,
        }
    }

    #[test]
    fn missing_names_unread_places_and_failed_listings_only() {
        let mut fleet = Fleet::new();
        fleet
            .parts
            .push(part(Some("111111111111"), "us-east-1", vec![]));
        fleet.parts.push(part(
            Some("111111111111"),
            "eu-west-1",
            vec![listing_denied()],
        ));
        fleet
            .parts
            .push(part(None, "us-west-2", vec![listing_denied()]));
        fleet.unread.push(Unread {
            scope: scope(Some("222222222222"), None),
            api: "sts:AssumeRole".into(),
            error: "access denied".into(),
        });
        fleet.unread.push(Unread {
            scope: ORGANIZATION.into(),
            api: "organizations:ListAccounts".into(),
            error: "access denied".into(),
        });
        assert!(fleet.is_incomplete());
        assert_eq!(
            fleet.missing(),
            vec![
                (
                    "account 222222222222".to_string(),
                    "sts:AssumeRole: access denied".to_string()
                ),
                (
                    "organization".to_string(),
                    "organizations:ListAccounts: access denied".to_string()
                ),
                (
                    "account 111111111111 region eu-west-1".to_string(),
                    "elasticloadbalancing:DescribeLoadBalancers: access denied".to_string()
                ),
                (
                    "region us-west-2".to_string(),
                    "elasticloadbalancing:DescribeLoadBalancers: access denied".to_string()
                ),
            ]
        );
        let clean = Fleet::single(part(None, "us-east-1", vec![]));
        assert!(!clean.is_incomplete());
        assert!(clean.missing().is_empty());
    }

    #[test]
    fn a_fleet_file_round_trips_and_an_old_snapshot_has_no_account() {
        let mut fleet = Fleet::new();
        fleet
            .parts
            .push(part(Some("111111111111"), "us-east-1", vec![]));
        let json = serde_json::to_string(&fleet).unwrap();
        assert_eq!(serde_json::from_str::<Fleet>(&json).unwrap(), fleet);
        let old: Snapshot =
            serde_json::from_str(r#"{"format": 1, "region": "us-east-1", "load_balancers": []}"#)
                .unwrap();
        assert_eq!(old.account_id, None);
        let written = serde_json::to_value(&old).unwrap();
        assert!(written.get("account_id").is_none(), "{written}");
    }
}
