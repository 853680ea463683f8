//! The one verification every fix goes through: apply the changes to a copy of the snapshot
//! and audit again the ALBs of the same VPC.

use super::Change;
use crate::finding::Finding;
use crate::model::Snapshot;
use crate::rules::run::{evaluate_unverified, Options};

/// Why a fix is not verified when it leaves its own cause: a plan that does so is a defect of
/// the plan (the fix property in tests/verdicts.rs holds every plan to removing its cause).
pub const STILL_THERE: &str = "the finding is still there after the change";

/// The verdicts of the ALBs in the VPC of a finding, before and after its fix.
#[derive(Clone, Debug)]
pub struct Verification {
    /// True when the finding is gone and no finding is new or worse.
    pub verified: bool,
    /// Why not, when not.
    pub why: Option<String>,
    /// Findings (ALB ARN, finding) before the change.
    pub before: Vec<(String, Finding)>,
    /// Findings after it.
    pub after: Vec<(String, Finding)>,
}

/// Applies `plan` to a copy of `snapshot` and audits again every ALB in the VPC of `lb_arn`.
/// `before` are those ALBs' findings without the change. Verified when no finding with
/// `fingerprint` remains and every finding after has a finding before with the same
/// fingerprint at the same or a higher severity (nothing new, nothing worse: no other
/// subnet's route, ACL or security-group verdict got worse).
pub fn verify(
    snapshot: &Snapshot,
    options: &Options,
    lb_arn: &str,
    fingerprint: &str,
    plan: &[Change],
    before: Vec<(String, Finding)>,
) -> Verification {
    let vpc = snapshot
        .load_balancers
        .iter()
        .find(|lb| lb.arn == lb_arn)
        .map(|lb| lb.vpc_id.clone())
        .unwrap_or_default();
    let mut copy = snapshot.clone();
    copy.load_balancers.retain(|lb| lb.vpc_id == vpc);
    for change in plan {
        change.apply(&mut copy);
    }
    let after: Vec<(String, Finding)> = evaluate_unverified(&copy, options)
        .into_iter()
        .flat_map(|o| {
            let arn = o.lb.arn.clone();
            o.findings.into_iter().map(move |f| (arn.clone(), f))
        })
        .collect();
    let why = if after
        .iter()
        .any(|(arn, f)| arn == lb_arn && f.fingerprint == fingerprint)
    {
        Some(STILL_THERE.to_string())
    } else {
        after
            .iter()
            .find(|(arn, a)| {
                !before.iter().any(|(b_arn, b)| {
                    b_arn == arn && b.fingerprint == a.fingerprint && b.severity >= a.severity
                })
            })
            .map(|(_, a)| {
                format!(
                    "the change would cause {} {} on {}",
                    a.rule,
                    a.severity.as_str(),
                    a.resource
                )
            })
    };
    Verification {
        verified: why.is_none(),
        why,
        before,
        after,
    }
}
