//! A compact Markdown summary for pull-request comments and `$GITHUB_STEP_SUMMARY`: what the
//! run could not see, status per ALB, a table with one row per cause (the targets it hits
//! listed), then every cause most urgent first with what to change, the evidence the fix
//! refers to and the fix, what was not evaluated per ALB, and stale baseline entries.

use std::fmt::Write;

use super::group::{self, Cause};
use super::{escape, evidence, Report, Status};
use crate::finding::{Severity, Symptom};

/// Inline text from AWS, a probed target or the template: Markdown syntax escaped
/// (`escape::markdown`), so it is text in a table cell or a list item.
fn cell(s: &str) -> String {
    escape::markdown::inline(s)
}

/// An inline code span outside tables that holds any text exactly.
fn code(s: &str) -> String {
    escape::markdown::code(s, false)
}

fn status(s: Status) -> &'static str {
    match s {
        Status::Pass => "✅ pass",
        Status::Fail => "❌ fail",
        Status::Incomplete => "⚠️ incomplete",
    }
}

/// How urgent a cause is: new before baselined, errors first, then outages over partial ones.
fn urgency(c: &Cause<'_>) -> (bool, u8, u8) {
    let severity = match c.severity() {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Note => 2,
    };
    let reach = match c.lead.symptom {
        Some(Symptom::Timeout | Symptom::Http504 | Symptom::Http503) => 0,
        Some(Symptom::Http502) => 1,
        Some(_) => 2,
        None => 3,
    };
    (c.baselined(), severity, reach)
}

/// Renders the report as Markdown: strings from AWS or a probed target are on one line without
/// controls (`escape::text`), then escaped for where they stand (`escape::markdown`).
pub fn render(report: &Report) -> String {
    let safe = escape::each_string(report, |s| escape::text::field(s).into_owned());
    render_safe(&safe)
}

fn render_safe(report: &Report) -> String {
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
    let unaudited = report.unaudited();
    if unaudited.partly > 0 {
        let entirely = unaudited.not_at_all();
        let _ = writeln!(
            out,
            "**{} of {} load balancer(s) could not be audited completely{entirely}** (see *Not evaluated*).\n",
            unaudited.partly, s.load_balancers
        );
    }
    if !report.not_evaluated.is_empty() {
        out.push_str("### Not evaluated for the whole run\n\n");
        for (checks, reason) in group::by_reason(&report.not_evaluated) {
            let _ = writeln!(out, "- {}: {}", cell(&checks.join(", ")), cell(reason));
        }
        out.push('\n');
    }
    out.push_str(
        "| load balancer | scheme | status | causes | findings | not evaluated |\n|---|---|---|---|---|---|\n",
    );
    let causes: Vec<(&str, Vec<Cause<'_>>)> = report
        .load_balancers
        .iter()
        .map(|lb| (lb.name.as_str(), group::by_cause(&lb.findings)))
        .collect();
    for (lb, (_, lb_causes)) in report.load_balancers.iter().zip(&causes) {
        let scheme = serde_json::to_value(lb.scheme)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&lb.name),
            scheme,
            status(lb.status),
            lb_causes.len(),
            lb.findings.len(),
            lb.not_evaluated.len()
        );
    }
    let mut all: Vec<(&str, &Cause<'_>)> = causes
        .iter()
        .flat_map(|(lb, cs)| cs.iter().map(move |c| (*lb, c)))
        .collect();
    if !all.is_empty() {
        out.push_str("\n### Findings\n\n| severity | rule | load balancer | zone | port | affected | change | client sees | finding |\n|---|---|---|---|---|---|---|---|---|\n");
        for (lb, c) in &all {
            let f = c.lead;
            let symptoms: Vec<&str> = c
                .distinct(|f| f.symptom)
                .into_iter()
                .flatten()
                .map(|s| s.as_str())
                .collect();
            let _ = writeln!(
                out,
                "| {}{} | {} | {} | {} | {} | {} | {} | {} | {} |",
                c.severity().as_str(),
                if c.baselined() { " (baselined)" } else { "" },
                f.rule,
                cell(lb),
                cell(f.availability_zone.as_deref().unwrap_or("all")),
                c.ports(group::SHOWN).unwrap_or_default(),
                cell(&c.affected().label(group::SHOWN).unwrap_or_default()),
                changes(c, true),
                symptoms.join(", "),
                cell(&f.message)
            );
        }
        all.sort_by_key(|(_, c)| urgency(c));
        out.push_str("\n### What to change, most urgent first\n\n");
        for (i, (lb, c)) in all.iter().enumerate() {
            let f = c.lead;
            let affected = c
                .affected()
                .label(group::SHOWN)
                .map(|a| format!(", {a}"))
                .unwrap_or_default();
            let place = [
                Some(
                    f.availability_zone
                        .as_deref()
                        .unwrap_or("every node")
                        .to_string(),
                ),
                c.ports_phrase(group::SHOWN),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
            let _ = writeln!(
                out,
                "{}. **{} {}** on {}, {} ({}{}){}",
                i + 1,
                f.rule,
                f.name,
                cell(lb),
                cell(&place),
                c.severity().as_str(),
                if c.baselined() { ", baselined" } else { "" },
                cell(&affected)
            );
            let _ = writeln!(out, "   - change: {}", changes(c, false));
            for (key, value) in evidence::lines(c) {
                let _ = writeln!(out, "   - {key}: {}", code(&value));
            }
            for fix in c.distinct(|f| f.remediation.as_str()).iter().take(3) {
                let _ = writeln!(out, "   - fix: {}", cell(fix));
            }
            for fix in c.distinct(|f| &f.fix).iter().take(3) {
                for change in &fix.changes {
                    let _ = writeln!(
                        out,
                        "   - {} change of {}: {} {}",
                        if fix.verified {
                            "verified"
                        } else {
                            "unverified"
                        },
                        code(&change.resource),
                        cell(&change.edit),
                        code(&change.command)
                    );
                }
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
            group::by_reason(&lb.not_evaluated)
                .into_iter()
                .map(move |(checks, reason)| {
                    format!(
                        "- {}: {} — {}",
                        cell(&lb.name),
                        cell(&checks.join(", ")),
                        cell(reason)
                    )
                })
        }))
        .collect();
    if !missing.is_empty() {
        out.push_str("\n### Not evaluated\n\n");
        out.push_str(&missing.join("\n"));
        out.push('\n');
    }
    probe_section(&mut out, report);
    observed_section(&mut out, report);
    if let Some(stale) = report.baseline.as_ref().map(|b| &b.stale) {
        if !stale.is_empty() {
            let _ = writeln!(
                out,
                "\n### Stale baseline entries\n\n{} entr{} of the baseline match no finding: the cause is gone, or the entry is for another ALB. They do not change the result; `alb-audit baseline` rewrites the file.\n",
                stale.len(),
                if stale.len() == 1 { "y" } else { "ies" }
            );
            for e in stale {
                let _ = writeln!(out, "- {}", cell(&super::text::stale_line(e)));
            }
        }
    }
    out
}

/// Per observed ALB and zone: what its metrics counted, the symptoms (bold when no finding
/// explains them) with their explanation or suspects, and the findings contradicted.
fn observed_section(out: &mut String, report: &Report) {
    use super::observed::{empty_reason, figures, symptom_phrase};
    let observed: Vec<_> = report
        .load_balancers
        .iter()
        .filter_map(|lb| lb.observed.as_ref().map(|o| (lb, o)))
        .collect();
    if observed.is_empty() {
        return;
    }
    out.push_str("\n### Observed (the ALB's own metrics)\n\n");
    out.push_str("| load balancer | zone | counted | symptoms | explained by, or suspects |\n|---|---|---|---|---|\n");
    for (lb, o) in &observed {
        if let Some(reason) = empty_reason(lb) {
            let _ = writeln!(
                out,
                "| {} | — | {} to {}: {} | | |",
                cell(&lb.name),
                cell(&o.start),
                cell(&o.end),
                cell(&reason)
            );
            continue;
        }
        for zone in &o.zones {
            let here = |z: &str| z == zone.availability_zone;
            let mut symptoms = Vec::new();
            let mut why = Vec::new();
            for s in o.symptoms.iter().filter(|s| here(&s.availability_zone)) {
                if s.unexplained {
                    symptoms.push(format!("**{}**", cell(&symptom_phrase(s))));
                    why.push(format!(
                        "no finding; suspect: {}",
                        cell(&s.suspects.join("; "))
                    ));
                } else {
                    symptoms.push(cell(&symptom_phrase(s)));
                    why.push(cell(&super::probe::cite(lb, &s.explained_by).join("; ")));
                }
            }
            for c in o.contradicts.iter().filter(|c| here(&c.availability_zone)) {
                why.push(format!(
                    "contradicts {}: {} {}",
                    cell(&super::probe::cite(lb, std::slice::from_ref(&c.fingerprint)).join("; ")),
                    c.count,
                    c.metric
                ));
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                cell(&lb.name),
                zone.availability_zone,
                cell(&figures(zone)),
                symptoms.join("; "),
                why.join("; ")
            );
        }
    }
}

/// Per probed ALB: what DNS answered, then one row per node address and port.
fn probe_section(out: &mut String, report: &Report) {
    let probed: Vec<_> = report
        .load_balancers
        .iter()
        .filter_map(|lb| lb.probe.as_ref().map(|p| (lb, p)))
        .collect();
    if probed.is_empty() {
        return;
    }
    out.push_str("\n### Probe from here\n\n");
    for (lb, p) in &probed {
        let _ = writeln!(
            out,
            "- {}: {}; {}",
            cell(&lb.name),
            super::probe::verdict(p),
            cell(&super::probe::dns_line(p))
        );
    }
    out.push_str("\n| load balancer | zone | node | what a client here saw | explained by | contradicts |\n|---|---|---|---|---|---|\n");
    for (lb, p) in &probed {
        for r in &p.results {
            let outcome = super::probe::outcome_phrase(r);
            let seen = if r.failure.is_some() {
                format!("**{}**", cell(&outcome))
            } else {
                cell(&outcome)
            };
            let explained = if r.explained_by.is_empty() && r.failure.is_some() {
                "no finding".to_string()
            } else {
                cell(&super::probe::cite(lb, &r.explained_by).join("; "))
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {seen} | {explained} | {} |",
                cell(&lb.name),
                cell(&r.zone),
                escape::markdown::code(&super::probe::place(r), true),
                cell(&super::probe::cite(lb, &r.contradicts).join("; "))
            );
        }
        for n in &p.not_probed {
            let _ = writeln!(
                out,
                "| {} | {} | — | not probed: {} | | |",
                cell(&lb.name),
                cell(&n.availability_zone),
                cell(&n.reason)
            );
        }
    }
}

/// What to edit for a cause as code spans: each distinct `change` item (the resource where a
/// finding has none), the first few, then how many more; `in_table` for a table cell.
fn changes(c: &Cause<'_>, in_table: bool) -> String {
    let mut items: Vec<String> = Vec::new();
    for f in &c.findings {
        let own = if f.change.is_empty() {
            std::slice::from_ref(&f.resource)
        } else {
            f.change.as_slice()
        };
        for item in own {
            if !items.contains(item) {
                items.push(item.clone());
            }
        }
    }
    let mut out = items
        .iter()
        .take(group::SHOWN)
        .map(|i| escape::markdown::code(i, in_table))
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > group::SHOWN {
        out.push_str(&format!(" (+{} more)", items.len() - group::SHOWN));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::incomplete_report;

    #[test]
    fn what_the_run_did_not_see_is_said_before_the_table() {
        let md = render(&incomplete_report());
        let table = md.find("| load balancer |").unwrap();
        let count = md
            .find(
                "**2 of 3 load balancer(s) could not be audited completely, 1 of them not at all**",
            )
            .unwrap();
        let whole_run = md.find("### Not evaluated for the whole run").unwrap();
        assert!(count < table && whole_run < table, "{md}");
        assert!(md.contains("- half: ALB102, ALB103 — ec2:DescribeNetworkAcls: access denied\n"));
    }
}
