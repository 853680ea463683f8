//! Baselines: the fingerprints of findings a team has accepted, so that CI fails only on new
//! problems. Baselined findings still appear in every report, marked `baselined`.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Report;
use crate::error::{Error, Result};

/// The baseline file (`alb-audit baseline` writes it, `--baseline` reads it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// File format version, 1.
    pub version: u32,
    /// Accepted finding fingerprints.
    pub fingerprints: BTreeSet<String>,
}

impl Baseline {
    /// Accepts every finding of `report`.
    pub fn from_report(report: &Report) -> Self {
        Baseline {
            version: 1,
            fingerprints: report
                .load_balancers
                .iter()
                .flat_map(|lb| &lb.findings)
                .map(|f| f.fingerprint.clone())
                .collect(),
        }
    }

    /// Reads a baseline file.
    pub fn load(path: &Path) -> Result<Self> {
        let bad = |why: String| Error::Input {
            what: "baseline",
            path: path.to_path_buf(),
            why,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let baseline: Baseline = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if baseline.version != 1 {
            return Err(bad(format!(
                "version {} is not supported",
                baseline.version
            )));
        }
        Ok(baseline)
    }

    /// Whether `fingerprint` is accepted.
    pub fn accepts(&self, fingerprint: &str) -> bool {
        self.fingerprints.contains(fingerprint)
    }
}
