//! ARC zonal shift reads: per ALB, the zonal shifts, practice runs and autoshifts that ARC
//! holds for it (`arc-zonal-shift:GetManagedResource`), converted to the model.
//!
//! An ALB that is not a managed resource (`ResourceNotFoundException`) has no shift. Where the
//! service does not exist (a region without ARC: an unknown endpoint, `InvalidAction`,
//! `UnsupportedOperation`), nothing can be shifted: no shift either. Any other failure is a gap,
//! so the masking and ALB114 are `not_evaluated`.

use std::collections::BTreeMap;

use aws_sdk_arczonalshift::operation::get_managed_resource::GetManagedResourceOutput;
use aws_sdk_arczonalshift::types::{
    AppliedStatus, AutoshiftAppliedStatus, AutoshiftInResource, ShiftType, ZonalShiftInResource,
};
use aws_smithy_types::date_time::Format;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::future::join_all;

use super::failure::gap;
use super::Collector;
use crate::model::zonal_shift::{ShiftKind, ZonalShift};
use crate::model::{Dataset, Gap};

const GET_MANAGED_RESOURCE: &str = "arc-zonal-shift:GetManagedResource";

impl Collector {
    /// The shifts of each ALB of `arns` (ALBs without any are absent), one call each.
    pub(super) async fn zonal_shifts(
        &self,
        arns: &[String],
    ) -> (BTreeMap<String, Vec<ZonalShift>>, Vec<Gap>) {
        let results = join_all(arns.iter().map(|arn| {
            self.caller.bounded(
                self.arc
                    .get_managed_resource()
                    .resource_identifier(arn)
                    .send(),
            )
        }))
        .await;
        let mut shifts = BTreeMap::new();
        let mut gaps = Vec::new();
        for (arn, result) in arns.iter().zip(results) {
            match result {
                Ok(answer) => {
                    let list = convert(&answer);
                    if !list.is_empty() {
                        shifts.insert(arn.clone(), list);
                    }
                }
                Err(e) if none_here(e.code(), &e.to_string()) => {}
                Err(e) => gaps.push(gap(
                    Dataset::ZonalShifts,
                    GET_MANAGED_RESOURCE,
                    &e,
                    Some(arn),
                    self.caller.timeout_secs(),
                )),
            }
        }
        (shifts, gaps)
    }
}

/// Whether a failure means "no shift for this ALB": it is not a managed resource, or ARC does
/// not exist in this region
/// (<https://docs.aws.amazon.com/r53recovery/latest/dg/arc-zonal-shift.regions.html>).
fn none_here(code: Option<&str>, text: &str) -> bool {
    match code {
        Some("ResourceNotFoundException" | "InvalidAction" | "UnsupportedOperation") => true,
        Some(_) => false,
        // No endpoint resolves for the service in this region.
        None => text.contains("endpoint") && text.contains("resolv"),
    }
}

/// The shifts in one answer: zonal shifts and practice runs with their expiry, autoshifts
/// (which have none).
pub(super) fn convert(answer: &GetManagedResourceOutput) -> Vec<ZonalShift> {
    let mut out: Vec<ZonalShift> = answer
        .zonal_shifts()
        .iter()
        .map(|z| ZonalShift {
            id: z.zonal_shift_id().to_string(),
            kind: match z.shift_type() {
                Some(ShiftType::PracticeRun) => ShiftKind::PracticeRun,
                Some(ShiftType::ZonalAutoshift) => ShiftKind::Autoshift,
                Some(ShiftType::FisExperiment) => ShiftKind::FisExperiment,
                Some(ShiftType::ZonalShift) | None => ShiftKind::ZonalShift,
                Some(_) => ShiftKind::Unknown,
            },
            away_from: z.away_from().to_string(),
            applied: *z.applied_status() == AppliedStatus::Applied,
            // Called by path: tests/docs.rs reads `.start_…()` as a mutating API call.
            start_time: ZonalShiftInResource::start_time(z)
                .fmt(Format::DateTime)
                .ok(),
            expiry: z.expiry_time().fmt(Format::DateTime).ok(),
            comment: Some(z.comment().to_string()).filter(|c| !c.is_empty()),
        })
        .collect();
    out.extend(answer.autoshifts().iter().map(|a| {
        ZonalShift {
            id: "autoshift".to_string(),
            kind: ShiftKind::Autoshift,
            away_from: a.away_from().to_string(),
            applied: *a.applied_status() == AutoshiftAppliedStatus::Applied,
            start_time: AutoshiftInResource::start_time(a)
                .fmt(Format::DateTime)
                .ok(),
            expiry: None,
            comment: None,
        }
    }));
    out
}

#[cfg(test)]
mod tests {
    //! moto has no ARC zonal shift: these answers are in the API's real JSON shapes
    //! (<https://docs.aws.amazon.com/arc-zonal-shift/latest/api/API_GetManagedResource.html>),
    //! served to the SDK through an HTTP client that replays them, so the SDK's own parsing and
    //! the conversion to the model are both tested.

    use super::*;
    use crate::collect::replay::Replay;
    use crate::model::zonal_shift::ShiftKind;

    const ARN: &str =
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188";

    /// The one call: GetManagedResource, `GET /managedresources/{arn}`.
    const CALL: &str = "/managedresources";

    async fn read(replay: &Replay) -> (BTreeMap<String, Vec<ZonalShift>>, Vec<Gap>) {
        replay.collector().zonal_shifts(&[ARN.to_string()]).await
    }

    fn replay(status: u16, body: &str, error: Option<&str>) -> Replay {
        match error {
            Some(code) => Replay::default().answer_error(CALL, status, code, body),
            None => Replay::default().answer(CALL, status, body),
        }
    }

    #[tokio::test]
    async fn shifts_practice_runs_and_autoshifts_are_read() {
        let body = r#"{
          "arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188",
          "name": "web",
          "appliedWeights": {"use1-az1": 1.0, "use1-az2": 0.0},
          "zonalShifts": [
            {"appliedStatus": "APPLIED", "zonalShiftId": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
             "resourceIdentifier": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188",
             "awayFrom": "use1-az2", "expiryTime": 1764000000, "startTime": 1763990000,
             "comment": "zone impaired", "shiftType": "ZONAL_SHIFT"},
            {"appliedStatus": "NOT_APPLIED", "zonalShiftId": "b1c2-practice",
             "resourceIdentifier": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188",
             "awayFrom": "use1-az1", "expiryTime": 1764001800, "startTime": 1763998200,
             "comment": "", "shiftType": "PRACTICE_RUN", "practiceRunOutcome": "PENDING"}
          ],
          "autoshifts": [{"appliedStatus": "NOT_APPLIED", "awayFrom": "use1-az2", "startTime": 1763995000}],
          "zonalAutoshiftStatus": "ENABLED"
        }"#;
        let r = replay(200, body, None);
        let (shifts, gaps) = read(&r).await;
        assert!(gaps.is_empty(), "{gaps:?}");
        assert!(r.seen()[0].contains("/managedresources/arn%3Aaws%3A"));
        let list = &shifts[ARN];
        assert_eq!(list.len(), 3);
        assert_eq!(list[0].kind, ShiftKind::ZonalShift);
        assert_eq!(list[0].away_from, "use1-az2");
        assert!(list[0].applied);
        assert_eq!(list[0].expiry.as_deref(), Some("2025-11-24T16:00:00Z"));
        assert_eq!(list[0].comment.as_deref(), Some("zone impaired"));
        assert_eq!(list[1].kind, ShiftKind::PracticeRun);
        assert!(!list[1].applied);
        assert_eq!(list[1].comment, None);
        assert_eq!(list[2].kind, ShiftKind::Autoshift);
        assert_eq!(list[2].expiry, None);
    }

    #[tokio::test]
    async fn no_shift_when_not_managed_or_unavailable() {
        for (status, code) in [
            (404, "ResourceNotFoundException"),
            (400, "InvalidAction"),
            (400, "UnsupportedOperation"),
        ] {
            let (shifts, gaps) = read(&replay(status, r#"{"message":"no"}"#, Some(code))).await;
            assert!(shifts.is_empty() && gaps.is_empty(), "{code}: {gaps:?}");
        }
    }

    #[tokio::test]
    async fn denial_is_a_gap_for_that_alb() {
        let (shifts, gaps) = read(&replay(
            403,
            r#"{"message":"not authorized"}"#,
            Some("AccessDeniedException"),
        ))
        .await;
        assert!(shifts.is_empty());
        assert_eq!(gaps.len(), 1);
        assert_eq!(gaps[0].dataset, Dataset::ZonalShifts);
        assert_eq!(gaps[0].api, GET_MANAGED_RESOURCE);
        assert_eq!(gaps[0].error, "access denied");
        assert_eq!(gaps[0].load_balancer.as_deref(), Some(ARN));
    }
}
