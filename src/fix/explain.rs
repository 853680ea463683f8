//! `alb-audit explain-fix`: one cause's fix, its commands, and the verdicts of the ALBs in its
//! VPC before and after the change, so a person sees what the fix does before making it.
//! It is text for a terminal: every string in it that comes from AWS goes through the text
//! report's escaper ([`crate::report::escape::text`]), as the text report's do.

use super::verify;
use crate::finding::Finding;
use crate::model::Snapshot;
use crate::report::escape::text::{commands, field};
use crate::rules::run::{evaluate_unverified, Options};

fn line(arn: &str, f: &Finding) -> String {
    format!(
        "  {} {} {} {}{}{} [{}] {}\n",
        f.rule,
        f.severity.as_str(),
        field(&f.resource),
        field(f.availability_zone.as_deref().unwrap_or("every zone")),
        f.port.map(|p| format!(" port {p}")).unwrap_or_default(),
        f.symptom
            .map(|s| format!(" ({})", s.as_str()))
            .unwrap_or_default(),
        &f.fingerprint[..f.fingerprint.len().min(12)],
        field(arn.rsplit('/').nth(1).unwrap_or(arn))
    )
}

/// The explanation of the fix of the cause `fingerprint`, or `None` when no finding of the
/// snapshot has it.
pub fn explain(snapshot: &Snapshot, options: &Options, fingerprint: &str) -> Option<String> {
    render(snapshot, options, fingerprint).map(|text| commands(&text))
}

/// [`explain`]'s text, each string from AWS escaped, before CI commands are neutralised.
fn render(snapshot: &Snapshot, options: &Options, fingerprint: &str) -> Option<String> {
    let outcomes = evaluate_unverified(snapshot, options);
    let (lb, finding) = outcomes.iter().find_map(|o| {
        o.findings
            .iter()
            .find(|f| f.fingerprint == fingerprint.trim())
            .map(|f| (o.lb, f.clone()))
    })?;
    let before: Vec<(String, Finding)> = outcomes
        .iter()
        .filter(|o| o.lb.vpc_id == lb.vpc_id)
        .flat_map(|o| o.findings.iter().map(|f| (o.lb.arn.clone(), f.clone())))
        .collect();
    let mut out = format!(
        "{} {} on {}: {}\n\n",
        finding.rule,
        finding.severity.as_str(),
        field(&finding.resource),
        field(&finding.message)
    );
    if finding.fix.plan.is_empty() {
        out.push_str(&format!(
            "No structured fix: {}\nRemediation: {}\n",
            field(finding.fix.note.as_deref().unwrap_or("none is known")),
            field(&finding.remediation)
        ));
        return Some(out);
    }
    out.push_str("Change:\n");
    for c in &finding.fix.plan {
        out.push_str(&format!(
            "  {}: {}\n    $ {}\n",
            field(c.resource()),
            field(&c.edit()),
            field(&c.command())
        ));
    }
    let v = verify(
        snapshot,
        options,
        &lb.arn,
        fingerprint.trim(),
        &finding.fix.plan,
        before,
    );
    out.push_str(&format!("\nVerdicts before ({}):\n", v.before.len()));
    for (arn, f) in &v.before {
        out.push_str(&line(arn, f));
    }
    out.push_str(&format!("\nVerdicts after ({}):\n", v.after.len()));
    for (arn, f) in &v.after {
        out.push_str(&line(arn, f));
    }
    out.push_str(&match &v.why {
        None => "\nVerified: the finding is gone and no finding is new or worse.\n".to_string(),
        Some(why) => format!("\nNot verified: {}.\n", field(why)),
    });
    Some(out)
}
