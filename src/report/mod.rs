//! Reports: the findings of an audit, rendered as the contract's JSON or as text a person
//! reads. Only this module knows output formats.

pub mod asff;
pub mod baseline;
pub mod csv;
pub mod escape;
pub mod evidence;
pub mod group;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod observed;
pub mod ocsf;
pub mod probe;
pub mod sarif;
pub mod security;
pub mod suppress;
pub mod text;
pub mod topology;

use serde::{Deserialize, Serialize};

use crate::analysis::index::Index;
use crate::finding::{Finding, NotApplicable, NotEvaluated, Severity};
use crate::model::{Scheme, Snapshot, ZoneSubnet};
use crate::rules::AlbOutcome;

/// The JSON report's `schema_version`.
pub const SCHEMA_VERSION: u32 = 1;

/// `--fail-on`: the lowest severity that fails the audit, or never.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Errors fail.
    Error,
    /// Warnings and errors fail.
    Warning,
    /// Every finding fails.
    Note,
    /// Nothing fails (exit 0 unless incomplete).
    Never,
}

impl FailOn {
    /// Whether a finding of `severity` fails the audit.
    pub fn fails(self, severity: Severity) -> bool {
        self.threshold().is_some_and(|t| severity >= t)
    }

    /// The severity threshold, if any.
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Note => Some(Severity::Note),
            FailOn::Never => None,
        }
    }
}

/// `pass`, `fail` or `incomplete`, per ALB and overall.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Nothing at or above the threshold, and everything evaluated.
    Pass,
    /// A finding at or above the threshold.
    Fail,
    /// No failing finding, but something could not be evaluated: never a pass.
    Incomplete,
}

/// The JSON report, schema_version 1 (docs/report.md).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Report {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Which tool wrote it.
    pub tool: Tool,
    /// RFC 3339 UTC time of the run.
    pub generated_at: String,
    /// Overall status.
    pub status: Status,
    /// Counts.
    pub summary: Summary,
    /// One entry per audited ALB.
    pub load_balancers: Vec<AlbReport>,
    /// What could not be read that is not about one ALB (listing a region's ALBs, an
    /// account or region of a fleet): the audit is incomplete, never silently smaller.
    #[serde(default)]
    pub not_evaluated: Vec<NotEvaluated>,
    /// What `--baseline` matched nothing with (additive to schema 1); absent without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<baseline::BaselineReport>,
    /// What `--suppressions` matched nothing with, and its expired entries (additive to
    /// schema 1); absent without a suppressions file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressions: Option<suppress::SuppressionReport>,
}

/// The tool's name and version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Tool {
    /// `alb-audit`.
    pub name: String,
    /// The crate version.
    pub version: String,
}

/// Counts over all ALBs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Summary {
    /// ALBs audited.
    pub load_balancers: usize,
    /// Findings of severity error.
    pub error: usize,
    /// Findings of severity warning.
    pub warning: usize,
    /// Findings of severity note.
    pub note: usize,
    /// Findings accepted by the baseline (counted in the severities too).
    #[serde(default)]
    pub baselined: usize,
    /// Findings hidden by `--suppressions` (counted in the severities too; additive to
    /// schema 1, absent when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub suppressed: usize,
    /// Probe results that failed, over all ALBs (additive to schema 1); absent from `audit`
    /// reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_failures: Option<usize>,
}

/// One ALB's part of the report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AlbReport {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// The account that owns it, so fleet reports can be grouped.
    #[serde(default)]
    pub account_id: String,
    /// The region it lives in.
    #[serde(default)]
    pub region: String,
    /// internet-facing or internal.
    pub scheme: Scheme,
    /// VPC id.
    pub vpc_id: String,
    /// DNS name.
    pub dns_name: String,
    /// Enabled zones and their subnets.
    pub availability_zones: Vec<ZoneSubnet>,
    /// This ALB's status.
    pub status: Status,
    /// Findings.
    pub findings: Vec<Finding>,
    /// Checks not evaluated, and why.
    pub not_evaluated: Vec<NotEvaluated>,
    /// Forwarded target groups without a network path to check (additive to schema 1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_applicable: Vec<NotApplicable>,
    /// The paths as laid out (nodes, listeners, target groups, targets), so that a picture
    /// or a dashboard can place each finding on its edge without the snapshot.
    #[serde(default)]
    pub topology: topology::Topology,
    /// What `alb-audit probe` saw from where it ran, joined with the findings (additive to
    /// schema 1); absent from `audit` reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<crate::probe::join::AlbProbe>,
    /// What the ALB's own CloudWatch metrics counted over the `--observe` window, joined with
    /// the findings (additive to schema 1); absent without `--observe`. Never changes the
    /// status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed: Option<crate::probe::observe::Observed>,
}

/// Builds the report from the evaluation of `snapshot`.
pub fn build(
    snapshot: &Snapshot,
    outcomes: Vec<AlbOutcome<'_>>,
    fail_on: FailOn,
    baseline: Option<&baseline::Baseline>,
    generated_at: String,
) -> Report {
    build_fleet(
        vec![(snapshot, outcomes)],
        crate::model::fleet::unattached_gaps(snapshot),
        fail_on,
        baseline,
        generated_at,
    )
}

/// What a run accepts: a baseline of causes, and hand-written suppressions. Both are decided
/// on every finding independently (docs/report.md, "Suppressions and baselines together").
#[derive(Clone, Copy, Debug, Default)]
pub struct Accepting<'a> {
    /// `--baseline`.
    pub baseline: Option<&'a baseline::Baseline>,
    /// `--suppressions`.
    pub suppressions: Option<&'a suppress::Suppressions>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Builds one report from the evaluations of every part of a fleet (one snapshot per account
/// and region), plus `missing`: what could not be read that is about no one ALB, as
/// (scope, reason) — the report's top-level `not_evaluated`, which makes it incomplete.
pub fn build_fleet(
    parts: Vec<(&Snapshot, Vec<AlbOutcome<'_>>)>,
    missing: Vec<(String, String)>,
    fail_on: FailOn,
    baseline: Option<&baseline::Baseline>,
    generated_at: String,
) -> Report {
    let accepting = Accepting {
        baseline,
        suppressions: None,
    };
    build_accepting(parts, missing, fail_on, accepting, generated_at)
}

/// [`build_fleet`], with suppressions as well as a baseline.
pub fn build_accepting(
    parts: Vec<(&Snapshot, Vec<AlbOutcome<'_>>)>,
    missing: Vec<(String, String)>,
    fail_on: FailOn,
    accepting: Accepting<'_>,
    generated_at: String,
) -> Report {
    let baseline = accepting.baseline;
    // The day expiry dates are compared with: the report's own (UTC).
    let today = generated_at.get(..10).unwrap_or_default().to_string();
    let mut matched = vec![false; accepting.suppressions.map_or(0, |s| s.entries.len())];
    // `never` changes the exit status only; the status still says whether errors exist.
    let threshold = fail_on.threshold().unwrap_or(Severity::Error);
    let mut load_balancers: Vec<AlbReport> = Vec::new();
    for (snapshot, outcomes) in parts {
        let index = Index::new(snapshot);
        load_balancers.extend(outcomes.into_iter().map(|o| {
            let mut suppressing = accepting
                .suppressions
                .map(|s| (s, today.as_str(), &mut matched));
            alb_report(
                snapshot,
                &index,
                o,
                threshold,
                baseline,
                suppressing.as_mut(),
            )
        }));
    }
    let not_evaluated: Vec<NotEvaluated> = missing
        .into_iter()
        .map(|(check, reason)| NotEvaluated { check, reason })
        .collect();
    let count = |s: Severity| {
        load_balancers
            .iter()
            .flat_map(|l| &l.findings)
            .filter(|f| f.severity == s)
            .count()
    };
    let summary = Summary {
        load_balancers: load_balancers.len(),
        error: count(Severity::Error),
        warning: count(Severity::Warning),
        note: count(Severity::Note),
        baselined: load_balancers
            .iter()
            .flat_map(|l| &l.findings)
            .filter(|f| f.baselined)
            .count(),
        suppressed: load_balancers
            .iter()
            .flat_map(|l| &l.findings)
            .filter(|f| f.suppressed.is_some())
            .count(),
        probe_failures: None,
    };
    let status = if load_balancers.iter().any(|l| l.status == Status::Fail) {
        Status::Fail
    } else if load_balancers
        .iter()
        .any(|l| l.status == Status::Incomplete)
        || !not_evaluated.is_empty()
    {
        Status::Incomplete
    } else {
        Status::Pass
    };
    let baseline = baseline.map(|b| baseline::BaselineReport {
        stale: b.stale(
            load_balancers
                .iter()
                .flat_map(|l| &l.findings)
                .map(|f| f.fingerprint.as_str()),
        ),
    });
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        generated_at,
        status,
        summary,
        load_balancers,
        not_evaluated,
        baseline,
        suppressions: accepting.suppressions.map(|s| s.report(&matched, &today)),
    }
}

/// One ALB's part of the report, from its outcome in `snapshot`.
fn alb_report(
    snapshot: &Snapshot,
    index: &Index<'_>,
    mut o: AlbOutcome<'_>,
    threshold: Severity,
    baseline: Option<&baseline::Baseline>,
    suppressing: Option<&mut (&suppress::Suppressions, &str, &mut Vec<bool>)>,
) -> AlbReport {
    let arn = crate::arn::AlbArn::parse(&o.lb.arn).ok();
    let account_id = arn.as_ref().map(|a| a.account.clone()).unwrap_or_default();
    let region = arn
        .map(|a| a.region)
        .unwrap_or_else(|| snapshot.region.clone());
    for f in &mut o.findings {
        f.fingerprint = f.compute_fingerprint(&o.lb.arn);
        f.baselined = baseline.is_some_and(|b| b.accepts(&f.fingerprint, f.severity));
    }
    if let Some((suppressions, today, matched)) = suppressing {
        // Entries by tag cannot be judged on an ALB whose tags were not read: say so, rather
        // than let its findings look unsuppressible.
        if suppressions.by_tag() {
            if let Some(g) = snapshot
                .gaps_for(&o.lb.arn, crate::model::Dataset::Tags)
                .next()
            {
                o.not_evaluated.push(NotEvaluated {
                    check: suppress::CHECK.into(),
                    reason: format!("{}: {}", g.api, g.error),
                });
            }
        }
        for f in &mut o.findings {
            let subject = suppress::Subject {
                finding: f,
                account: &account_id,
                region: &region,
                alb_name: &o.lb.name,
                alb_arn: &o.lb.arn,
                tags: &o.lb.tags,
            };
            for (m, e) in matched.iter_mut().zip(&suppressions.entries) {
                *m |= e.matches(&subject);
            }
            let hidden = suppressions.hiding(&subject, today);
            f.suppressed = hidden;
        }
    }
    let status = if o
        .findings
        .iter()
        .any(|f| !f.accepted() && f.severity >= threshold)
    {
        Status::Fail
    } else if !o.not_evaluated.is_empty() {
        Status::Incomplete
    } else {
        Status::Pass
    };
    AlbReport {
        arn: o.lb.arn.clone(),
        name: o.lb.name.clone(),
        account_id,
        region,
        scheme: o.lb.scheme,
        vpc_id: o.lb.vpc_id.clone(),
        dns_name: o.lb.dns_name.clone(),
        availability_zones: o.lb.availability_zones.clone(),
        status,
        findings: o.findings,
        not_evaluated: o.not_evaluated,
        not_applicable: o.not_applicable,
        topology: topology::Topology::of(snapshot, index, o.lb),
        probe: None,
        observed: None,
    }
}

/// The JSON Schema of the report, generated from these types (docs/report.schema.json).
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Report);
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}

/// How many ALBs the audit did not see completely, said at the top of the reports for people
/// so that an incomplete fleet audit cannot be read as a smaller, clean one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Unaudited {
    /// ALBs with anything in `not_evaluated`.
    pub partly: usize,
    /// Of those, the ALBs on which no rule of the catalogue ran at all.
    pub entirely: usize,
}

impl Unaudited {
    /// `, 2 of them not at all`, or nothing: how the summaries for people finish the count.
    pub fn not_at_all(&self) -> String {
        if self.entirely > 0 {
            format!(", {} of them not at all", self.entirely)
        } else {
            String::new()
        }
    }
}

impl Report {
    /// Counts the ALBs the audit did not see completely ([`Unaudited`]).
    pub fn unaudited(&self) -> Unaudited {
        let mut out = Unaudited::default();
        for lb in &self.load_balancers {
            if lb.not_evaluated.is_empty() {
                continue;
            }
            out.partly += 1;
            let none_ran = crate::rules::REGISTRY
                .iter()
                .all(|r| lb.not_evaluated.iter().any(|n| n.check == r.code));
            if none_ran {
                out.entirely += 1;
            }
        }
        out
    }

    /// Whether anything at all was not evaluated, for one ALB or for the whole run: such a
    /// run is incomplete whatever its findings, and CI formats say so.
    pub fn is_incomplete(&self) -> bool {
        !self.not_evaluated.is_empty()
            || self
                .load_balancers
                .iter()
                .any(|l| !l.not_evaluated.is_empty())
    }

    /// Attaches each ALB's probe (same order as `load_balancers`): a failed probe fails its
    /// ALB and the run, whatever the findings, because a client here fails now.
    pub fn attach_probes(&mut self, probes: Vec<crate::probe::join::AlbProbe>) {
        let mut failures = 0;
        for (lb, probe) in self.load_balancers.iter_mut().zip(probes) {
            failures += probe.failed;
            if probe.failed > 0 {
                lb.status = Status::Fail;
                self.status = Status::Fail;
            }
            // A probe that sent nothing checked nothing: never a pass.
            if probe.results.is_empty() {
                lb.not_evaluated.push(NotEvaluated {
                    check: "probe-plan".into(),
                    reason: "nothing was probed: no node address could be planned".into(),
                });
                if lb.status == Status::Pass {
                    lb.status = Status::Incomplete;
                }
                if self.status == Status::Pass {
                    self.status = Status::Incomplete;
                }
            }
            lb.probe = Some(probe);
        }
        self.summary.probe_failures = Some(failures);
    }

    /// The process exit status the contract assigns: 1 for a finding at or above `fail_on` or
    /// a failed probe, else 3 when incomplete, else 0.
    pub fn exit_code(&self, fail_on: FailOn) -> u8 {
        let failing = fail_on.threshold().is_some_and(|t| {
            self.load_balancers
                .iter()
                .flat_map(|l| &l.findings)
                .any(|f| !f.accepted() && f.severity >= t)
        });
        if failing || self.summary.probe_failures.unwrap_or(0) > 0 {
            1
        } else if self.status == Status::Incomplete || self.is_incomplete() {
            3
        } else {
            0
        }
    }

    /// The outcome in one line: `FAIL: 2 load balancers, 1 error, 0 warnings, 3 notes`.
    pub fn one_line(&self) -> String {
        let s = &self.summary;
        let status = match self.status {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Incomplete => "INCOMPLETE",
        };
        let probes = s
            .probe_failures
            .map(|n| format!(", {n} failed probe(s)"))
            .unwrap_or_default();
        format!(
            "{status}: {} load balancer(s), {} error(s), {} warning(s), {} note(s){probes}",
            s.load_balancers, s.error, s.warning, s.note
        )
    }

    /// The report as pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|e| {
            // Serialising plain structs of strings and numbers cannot fail; say so if it does.
            format!("{{\"error\": \"cannot serialise report: {e}\"}}")
        });
        s.push('\n');
        s
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::fleet::Fleet;
    use crate::rules::{evaluate, Options, REGISTRY};

    /// A fleet run that did not see everything: the listing of one region failed (top-level
    /// `not_evaluated`), ALB `dark` could not be described (no rule ran) and ALB `half` lost
    /// its network ACLs.
    pub(crate) fn incomplete_report() -> Report {
        let every_rule: Vec<serde_json::Value> = REGISTRY
            .iter()
            .map(|r| serde_json::json!({"check": r.code, "reason": "elasticloadbalancing:DescribeLoadBalancers: access denied"}))
            .collect();
        let alb = |name: &str, not_evaluated: serde_json::Value| {
            serde_json::json!({
                "arn": format!("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/{name}/0123456789abcdef"),
                "name": name, "scheme": "internet-facing", "vpc_id": "vpc-0a1b", "dns_name": "",
                "availability_zones": [], "status": "incomplete", "findings": [],
                "not_evaluated": not_evaluated,
            })
        };
        serde_json::from_value(serde_json::json!({
            "schema_version": 1,
            "tool": {"name": "alb-audit", "version": "0.0.0"},
            "generated_at": "2026-01-01T00:00:00Z",
            "status": "incomplete",
            "summary": {"load_balancers": 3, "error": 0, "warning": 0, "note": 0},
            "load_balancers": [
                alb("dark", serde_json::Value::from(every_rule)),
                alb("half", serde_json::json!([
                    {"check": "ALB102", "reason": "ec2:DescribeNetworkAcls: access denied"},
                    {"check": "ALB103", "reason": "ec2:DescribeNetworkAcls: access denied"},
                ])),
                alb("clean", serde_json::json!([])),
            ],
            "not_evaluated": [
                {"check": "ALL", "reason": "eu-west-1: elasticloadbalancing:DescribeLoadBalancers: throttled beyond retries"},
            ],
        }))
        .expect("a valid report")
    }

    #[test]
    fn unaudited_albs_are_counted_partly_and_entirely() {
        let report = incomplete_report();
        assert_eq!(
            report.unaudited(),
            Unaudited {
                partly: 2,
                entirely: 1
            }
        );
        assert!(report.is_incomplete());
        assert_eq!(report.exit_code(FailOn::Error), 3);
    }

    #[test]
    fn a_top_level_gap_alone_makes_the_run_incomplete() {
        let mut report = incomplete_report();
        report.load_balancers.clear();
        report.status = Status::Pass;
        assert!(report.is_incomplete());
        assert_eq!(report.exit_code(FailOn::Never), 3);
        report.not_evaluated.clear();
        assert!(!report.is_incomplete());
        assert_eq!(report.exit_code(FailOn::Never), 0);
    }

    /// A fleet whose one readable region holds no ALB and whose other account was not read.
    fn unread_account() -> Fleet {
        let mut fleet = Fleet::new();
        fleet.parts.push(Snapshot {
            format: crate::model::SNAPSHOT_FORMAT,
            region: "us-east-1".into(),
            account_id: Some("111111111111".into()),
            ..Snapshot::default()
        });
        fleet.unread.push(crate::model::fleet::Unread {
            scope: "account 222222222222".into(),
            api: "sts:AssumeRole".into(),
            error: "access denied".into(),
        });
        fleet
    }

    #[test]
    fn an_unread_account_makes_the_fleet_incomplete_and_is_said_in_every_summary() {
        let fleet = unread_account();
        let parts = fleet
            .parts
            .iter()
            .map(|p| (p, evaluate(p, &Options::default())))
            .collect();
        let report = build_fleet(parts, fleet.missing(), FailOn::Error, None, String::new());
        assert_eq!(report.status, Status::Incomplete);
        assert_eq!(report.exit_code(FailOn::Error), 3);
        assert_eq!(report.exit_code(FailOn::Never), 3);
        assert_eq!(
            report.not_evaluated,
            vec![NotEvaluated {
                check: "account 222222222222".into(),
                reason: "sts:AssumeRole: access denied".into(),
            }]
        );
        let line = "account 222222222222: sts:AssumeRole: access denied";
        assert!(text::render(&report).contains(line));
        assert!(markdown::render(&report)
            .contains("- account 222222222222 — sts:AssumeRole: access denied"));

        let complete = build_fleet(
            vec![(&fleet.parts[0], Vec::new())],
            Vec::new(),
            FailOn::Error,
            None,
            String::new(),
        );
        assert_eq!(complete.status, Status::Pass);
        assert_eq!(complete.exit_code(FailOn::Error), 0);
    }
}
