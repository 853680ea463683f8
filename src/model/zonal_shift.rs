//! ARC zonal shifts and zonal autoshifts of the ALBs, as `arc-zonal-shift:GetManagedResource`
//! reports them: an applied shift takes its zone's node out of the ALB's DNS until it ends
//! (<https://docs.aws.amazon.com/r53recovery/latest/dg/arc-zonal-shift.how-it-works.html>).

use serde::{Deserialize, Serialize};

/// What started a shift; a practice run and an autoshift shift traffic as a zonal shift does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShiftKind {
    /// A zonal shift someone started (`ZONAL_SHIFT`).
    ZonalShift,
    /// A zonal autoshift practice run (`PRACTICE_RUN`).
    PracticeRun,
    /// A zonal autoshift AWS started because it saw the zone impaired (`ZONAL_AUTOSHIFT`).
    Autoshift,
    /// An AWS Fault Injection Service experiment (`FIS_EXPERIMENT`).
    FisExperiment,
    /// A kind this build does not know.
    #[serde(other)]
    Unknown,
}

impl ShiftKind {
    /// How the report names it.
    pub fn as_str(self) -> &'static str {
        match self {
            ShiftKind::ZonalShift => "zonal shift",
            ShiftKind::PracticeRun => "autoshift practice run",
            ShiftKind::Autoshift => "zonal autoshift",
            ShiftKind::FisExperiment => "fault injection experiment",
            ShiftKind::Unknown => "shift",
        }
    }
}

/// One shift of an ALB's traffic away from a zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZonalShift {
    /// The zonal shift's id; `autoshift` for an autoshift, which has none.
    pub id: String,
    /// What started it.
    pub kind: ShiftKind,
    /// The Availability Zone id (`use1-az1`, not the zone name) traffic is moved away from.
    pub away_from: String,
    /// Whether ARC applies it to the resource now (`appliedStatus: APPLIED`): a shift not
    /// applied (another takes precedence) moves no traffic.
    pub applied: bool,
    /// When it started (RFC 3339).
    #[serde(default)]
    pub start_time: Option<String>,
    /// When it expires (RFC 3339); `None` for an autoshift, which lasts until AWS ends it.
    #[serde(default)]
    pub expiry: Option<String>,
    /// The comment its starter gave.
    #[serde(default)]
    pub comment: Option<String>,
}
