//! The vocabulary rules speak and reports print: findings, severities, symptoms and the
//! checks that could not be evaluated. Field names are the JSON report's (docs/report.md).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How bad a finding is; ordered so that `Note < Warning < Error`.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; often by design.
    Note,
    /// Likely a problem.
    Warning,
    /// Breaks a path.
    Error,
}

impl Severity {
    /// The lowercase name used in every format.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A verdict the analysis judged: how bad, and what the client sees (`None`: nothing certain).
/// Rules pass it to [`Finding::judged`] and never judge severity themselves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Judgement {
    /// How bad.
    pub severity: Severity,
    /// What the client sees, when that is certain.
    pub symptom: Option<Symptom>,
}

impl Judgement {
    /// A verdict; `symptom` is `None` when what the client sees is not certain (a target AWS
    /// reports with an unknown reason code, say).
    pub fn new(severity: Severity, symptom: Option<Symptom>) -> Self {
        Judgement { severity, symptom }
    }

    /// The same verdict at most `cap`: what breaks nothing today is a note.
    pub fn at_most(self, cap: Severity) -> Self {
        Judgement {
            severity: self.severity.min(cap),
            ..self
        }
    }
}

/// What a client sees when the finding's path is broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Symptom {
    /// Every connection to the ALB times out.
    Timeout,
    /// Connections to some ALB nodes time out.
    IntermittentTimeout,
    /// Bad gateway: the target closed or reset the connection.
    #[serde(rename = "http-502")]
    Http502,
    /// Service unavailable: no target to send to.
    #[serde(rename = "http-503")]
    Http503,
    /// Gateway timeout: no ALB node reaches the target.
    #[serde(rename = "http-504")]
    Http504,
    /// Service unavailable from some ALB nodes only.
    #[serde(rename = "intermittent-http-503")]
    IntermittentHttp503,
    /// Gateway timeout from some ALB nodes only.
    #[serde(rename = "intermittent-http-504")]
    IntermittentHttp504,
    /// Internal server error from the ALB itself (e.g. it cannot reach an identity provider).
    #[serde(rename = "http-500")]
    Http500,
    /// Internal server error from some ALB nodes only.
    #[serde(rename = "intermittent-http-500")]
    IntermittentHttp500,
    /// The request's protocol version does not fit the target group's.
    #[serde(rename = "http-464")]
    Http464,
    /// The TLS handshake fails or the client rejects the certificate.
    TlsError,
}

impl Symptom {
    /// The contract's name for the symptom.
    pub fn as_str(self) -> &'static str {
        match self {
            Symptom::Timeout => "timeout",
            Symptom::IntermittentTimeout => "intermittent-timeout",
            Symptom::Http502 => "http-502",
            Symptom::Http503 => "http-503",
            Symptom::Http504 => "http-504",
            Symptom::IntermittentHttp503 => "intermittent-http-503",
            Symptom::IntermittentHttp504 => "intermittent-http-504",
            Symptom::Http500 => "http-500",
            Symptom::IntermittentHttp500 => "intermittent-http-500",
            Symptom::Http464 => "http-464",
            Symptom::TlsError => "tls-error",
        }
    }
}

/// One broken (or notable) piece of configuration on one path.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Finding {
    /// Rule code, e.g. ALB104.
    pub rule: String,
    /// Rule name, e.g. public-subnet-no-igw-route.
    pub name: String,
    /// error, warning or note.
    pub severity: Severity,
    /// The rule's one-line title.
    pub title: String,
    /// What is wrong here, and what the client sees.
    pub message: String,
    /// The id or ARN to change.
    pub resource: String,
    /// The AZ of the broken ALB node, or null.
    pub availability_zone: Option<String>,
    /// The listener or target port involved, or null.
    pub port: Option<u16>,
    /// The target id, or null.
    pub target: Option<String>,
    /// What the client sees, or null.
    pub symptom: Option<Symptom>,
    /// The configuration that decided it.
    pub evidence: Map<String, Value>,
    /// How to fix it.
    pub remediation: String,
    /// What to edit: `sg-0alb`, `acl-0aa rule 90`, `rtb-0dd 0.0.0.0/0` (additive to schema 1).
    #[serde(default)]
    pub change: Vec<String>,
    /// Stable identity of the cause (rule, ALB, what to change, zone, port; never a target id
    /// or address), the same across runs and machines: what baselines and SARIF match on, and
    /// what the text report groups by.
    #[serde(default)]
    pub fingerprint: String,
    /// True when `--baseline` accepts the finding: it is still reported but does not fail.
    #[serde(default)]
    pub baselined: bool,
    /// Set when a `--suppressions` entry hides the finding: it is still reported but does
    /// not fail (additive to schema 1; absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<crate::report::suppress::Suppressed>,
    /// Set when an ARC zonal shift, autoshift or practice run has taken this finding's node
    /// out of DNS: until this moment (RFC 3339), or `autoshift` until AWS ends the autoshift,
    /// no client reaches the node, so the finding counts at most as a warning (ALB114 names
    /// the shift). Absent otherwise (additive to schema 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masked_until: Option<String>,
    /// What names the cause for the fingerprint when `change` alone does not (a target group
    /// and reason code for a target's health); empty: the resources in `change`.
    #[serde(skip)]
    pub cause_key: String,
    /// The fix as typed, commanded edits and whether it was verified against the snapshot
    /// (additive to schema 1); `verified: false` with no changes when no safe fix is known.
    #[serde(default)]
    pub fix: crate::fix::Fix,
    /// What names the ports of the cause for the fingerprint when they belong together (ECS
    /// dynamic host ports: `32768-65535`); empty: the finding's port.
    #[serde(skip)]
    pub cause_ports: String,
}

impl Finding {
    /// Sets the Availability Zone.
    pub fn zone(mut self, zone: impl Into<String>) -> Self {
        self.availability_zone = Some(zone.into());
        self
    }

    /// Sets the port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Sets the target.
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// Sets the symptom.
    pub fn symptom(mut self, symptom: Symptom) -> Self {
        self.symptom = Some(symptom);
        self
    }

    /// Sets the severity the analysis judged (never one a rule decides).
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Sets the severity and, when certain, the symptom the analysis judged.
    pub fn judged(mut self, judgement: Judgement) -> Self {
        self.severity = judgement.severity;
        self.symptom = judgement.symptom;
        self
    }

    /// Sets what to edit.
    pub fn change(mut self, change: Vec<String>) -> Self {
        self.change = change;
        self
    }

    /// Proposes a fix (verified later, by [`crate::rules::run`]).
    pub fn fix(mut self, fix: crate::fix::Fix) -> Self {
        self.fix = fix;
        self
    }

    /// Names the cause for the fingerprint (see [`Finding::cause_key`]).
    pub fn cause_key(mut self, key: impl Into<String>) -> Self {
        self.cause_key = key.into();
        self
    }

    /// Adds one evidence field.
    pub fn evidence(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.evidence.insert(key.to_string(), value.into());
        self
    }

    /// Computes [`Finding::fingerprint`] for this finding of the ALB `lb_arn`: SHA-256 over the
    /// rule, the ALB, the cause (the ids in `change`, or [`Finding::cause_key`]), the zone and
    /// the port, never the message (which may be reworded) nor a target; first 16 bytes in hex.
    pub fn compute_fingerprint(&self, lb_arn: &str) -> String {
        use sha2::{Digest, Sha256};
        let port = if self.cause_ports.is_empty() {
            self.port.map(|p| p.to_string()).unwrap_or_default()
        } else {
            self.cause_ports.clone()
        };
        let cause = if self.cause_key.is_empty() {
            let mut ids: Vec<&str> = self
                .change
                .iter()
                .filter_map(|c| c.split_whitespace().next())
                .collect();
            ids.sort_unstable();
            ids.dedup();
            if ids.is_empty() {
                self.resource.clone()
            } else {
                ids.join(",")
            }
        } else {
            self.cause_key.clone()
        };
        let key = [
            "alb-audit/2",
            lb_arn,
            &self.rule,
            &cause,
            self.availability_zone.as_deref().unwrap_or(""),
            &port,
        ]
        .join("\u{1f}");
        let digest = Sha256::digest(key.as_bytes());
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether a baseline or a suppression accepts the finding: then it never fails a run.
    pub fn accepted(&self) -> bool {
        self.baselined || self.suppressed.is_some()
    }

    /// The order findings are reported in: rule, zone, port, resource, target.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            &self.rule,
            &self.availability_zone,
            self.port,
            &self.resource,
            &self.target,
        )
    }
}

/// A check that did not run, or ran on part of the data, and why: never a silent pass.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct NotEvaluated {
    /// The rule code.
    pub check: String,
    /// What was missing, e.g. `ec2:DescribeNetworkAcls: AccessDenied`.
    pub reason: String,
}

/// A forwarded target group whose targets have no network path to evaluate (Lambda functions,
/// other ALBs): said explicitly rather than guessed at or silently passed.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct NotApplicable {
    /// The target group ARN.
    pub target_group: String,
    /// Why no path is checked.
    pub reason: String,
}
