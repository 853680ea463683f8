//! A compact Markdown summary for pull-request comments and `$GITHUB_STEP_SUMMARY`: status per
//! ALB, a table of findings, what to fix first, and what was not evaluated.

use std::fmt::Write;

use super::{Report, Status};
use crate::finding::{Finding, Severity, Symptom};

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn status(s: Status) -> &'static str {
    match s {
        Status::Pass => "✅ pass",
        Status::Fail => "❌ fail",
        Status::Incomplete => "⚠️ incomplete",
    }
}

/// How urgent a finding is: errors first, then outages over partial ones.
fn urgency(f: &Finding) -> (u8, u8) {
    let severity = match f.severity {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Note => 2,
    };
    let reach = match f.symptom {
        Some(Symptom::Timeout | Symptom::Http504 | Symptom::Http503) => 0,
        Some(Symptom::Http502) => 1,
        Some(_) => 2,
        None => 3,
    };
    (severity, reach)
}

/// Renders the report as Markdown.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let s = &report.summary;
    let _ = writeln!(out, "## alb-audit: {}\n", status(report.status));
    let _ = writeln!(
        out,
        "{} load balancer(s) · {} error(s) · {} warning(s) · {} note(s){}\n",
        s.load_balancers,
        s.error,
        s.warning,
        s.note,
        if s.baselined > 0 {
            format!(" · {} baselined", s.baselined)
        } else {
            String::new()
        }
    );
    out.push_str(
        "| load balancer | scheme | status | findings | not evaluated |\n|---|---|---|---|---|\n",
    );
    for lb in &report.load_balancers {
        let scheme = serde_json::to_value(lb.scheme)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            cell(&lb.name),
            scheme,
            status(lb.status),
            lb.findings.len(),
            lb.not_evaluated.len()
        );
    }
    let mut all: Vec<(&str, &Finding)> = report
        .load_balancers
        .iter()
        .flat_map(|lb| lb.findings.iter().map(move |f| (lb.name.as_str(), f)))
        .collect();
    if !all.is_empty() {
        out.push_str("\n### Findings\n\n| severity | rule | load balancer | zone | resource | client sees | finding |\n|---|---|---|---|---|---|---|\n");
        for (lb, f) in &all {
            let _ = writeln!(
                out,
                "| {}{} | {} | {} | {} | `{}` | {} | {} |",
                f.severity.as_str(),
                if f.baselined { " (baselined)" } else { "" },
                f.rule,
                cell(lb),
                f.availability_zone.as_deref().unwrap_or("all"),
                cell(&f.resource),
                f.symptom.map_or("", |s| s.as_str()),
                cell(&f.message)
            );
        }
        all.retain(|(_, f)| !f.baselined);
        all.sort_by_key(|(_, f)| urgency(f));
        if !all.is_empty() {
            out.push_str("\n### Fix first\n\n");
            for (i, (lb, f)) in all.iter().take(5).enumerate() {
                let _ = writeln!(
                    out,
                    "{}. **{} {}** on {}: {}",
                    i + 1,
                    f.rule,
                    f.name,
                    cell(lb),
                    cell(&f.remediation)
                );
            }
        }
    }
    // What could not be read at all (an account, a region) comes first: no ALB carries it.
    let unread = report
        .not_evaluated
        .iter()
        .map(|n| format!("- {} — {}", cell(&n.check), cell(&n.reason)));
    let missing: Vec<String> = unread
        .chain(report.load_balancers.iter().flat_map(|lb| {
            lb.not_evaluated
                .iter()
                .map(move |n| format!("- {}: {} — {}", cell(&lb.name), n.check, cell(&n.reason)))
        }))
        .collect();
    if !missing.is_empty() {
        out.push_str("\n### Not evaluated\n\n");
        out.push_str(&missing.join("\n"));
        out.push('\n');
    }
    out
}
