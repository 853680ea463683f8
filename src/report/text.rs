//! The text report: what the run did not see first, then for each ALB the frontend (client ->
//! ALB node), the backend (ALB node -> target), the targets' state and TLS on the HTTPS
//! listeners, grouped by Availability Zone, one entry per cause (the targets it hits listed, not
//! repeated) with what the client sees, the exact thing to change, the evidence the fix refers
//! to, and the fix — the order of a troubleshooting walk-through. Stale baseline entries close it.
//! Severities and statuses carry ANSI styles; the CLI writes through `anstream`, which keeps
//! them only on a terminal and never with `NO_COLOR`. Strings from AWS reach neither raw: they
//! are escaped before rendering (`escape::text`).

use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use super::group::{self, Cause};
use super::{escape, evidence, AlbReport, Report, Status};
use crate::finding::{Finding, Severity};
use crate::model::Scheme;

/// Renders the report for a terminal or a log: every string from AWS or a probed target is
/// shown escaped and no line is a CI command (`escape::text`).
pub fn render(report: &Report) -> String {
    let safe = escape::each_string(report, |s| escape::text::field(s).into_owned());
    escape::text::commands(&render_safe(&safe))
}

fn render_safe(report: &Report) -> String {
    let mut out = String::new();
    let s = &report.summary;
    let causes: usize = report
        .load_balancers
        .iter()
        .map(|lb| group::by_cause(&lb.findings).len())
        .sum();
    let _ = writeln!(
        out,
        "alb-audit {}: {} load balancer{}, {} ({} error{}, {} warning{}, {} note{}{}{})",
        report.tool.version,
        s.load_balancers,
        plural(s.load_balancers),
        status_word(report.status),
        s.error,
        plural(s.error),
        s.warning,
        plural(s.warning),
        s.note,
        plural(s.note),
        if causes > 0 {
            format!(" from {causes} cause{}", plural(causes))
        } else {
            String::new()
        },
        s.probe_failures
            .map(|n| format!("; {n} failed probe{}", plural(n)))
            .unwrap_or_default()
    );
    let unaudited = report.unaudited();
    if unaudited.partly > 0 {
        let entirely = unaudited.not_at_all();
        let _ = writeln!(
            out,
            "{} of {} load balancer{} could not be audited completely{entirely}: see \"Not evaluated\" below.",
            unaudited.partly,
            s.load_balancers,
            plural(s.load_balancers)
        );
    }
    if !report.not_evaluated.is_empty() {
        let _ = writeln!(out, "\nNot evaluated for the whole run ({NOT_SEEN})");
        not_evaluated_lines(&mut out, &report.not_evaluated, "  ");
    }
    for lb in &report.load_balancers {
        render_alb(&mut out, lb);
    }
    if let Some(stale) = report.baseline.as_ref().map(|b| &b.stale) {
        if !stale.is_empty() {
            let _ = writeln!(
                out,
                "\nBaseline: {} entr{} match no finding (stale: the cause is gone, or the entry is for another ALB; `alb-audit baseline` rewrites the file)",
                stale.len(),
                if stale.len() == 1 { "y" } else { "ies" }
            );
            for e in stale {
                let _ = writeln!(out, "  {}", stale_line(e));
            }
        }
    }
    out
}

/// What a `not_evaluated` list means, said wherever one is shown.
const NOT_SEEN: &str = "the audit did not see this, so it cannot pass it";

/// `ALB101, ALB102, ALB104: ec2:DescribeVpcs: access denied`: one line per reason.
fn not_evaluated_lines(out: &mut String, entries: &[crate::finding::NotEvaluated], indent: &str) {
    for (checks, reason) in group::by_reason(entries) {
        let _ = writeln!(out, "{indent}{}: {reason}", checks.join(", "));
    }
}

/// One stale baseline entry: what it accepted, and its fingerprint.
pub(super) fn stale_line(e: &super::baseline::Entry) -> String {
    let what: Vec<&str> = [e.rule.as_deref(), e.resource.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let on = e
        .load_balancer
        .as_deref()
        .map(|lb| format!(" on {lb}"))
        .unwrap_or_default();
    if what.is_empty() {
        format!("{} ({} accepted)", e.fingerprint, e.severity.as_str())
    } else {
        format!(
            "{}{on}, {} accepted (fingerprint {})",
            what.join(" "),
            e.severity.as_str(),
            e.fingerprint
        )
    }
}

fn render_alb(out: &mut String, lb: &AlbReport) {
    let scheme = match lb.scheme {
        Scheme::InternetFacing => "internet-facing",
        Scheme::Internal => "internal",
        Scheme::Unknown => "unknown scheme",
    };
    let _ = writeln!(
        out,
        "\n{} ({scheme}, {}): {}",
        lb.name,
        lb.vpc_id,
        status_word(lb.status)
    );
    let _ = writeln!(out, "  {}", lb.arn);
    if !lb.dns_name.is_empty() {
        let _ = writeln!(out, "  DNS {}", lb.dns_name);
    }
    let nodes: Vec<String> = lb
        .availability_zones
        .iter()
        .map(|z| format!("{} {}", z.zone, z.subnet_id))
        .collect();
    let _ = writeln!(out, "  nodes: {}", nodes.join(", "));

    type Belongs = fn(&Finding) -> bool;
    // ALB215 (a firewall on the backend path) came after the target rules' codes.
    fn backend(f: &Finding) -> bool {
        (f.rule.as_str() >= "ALB200" && f.rule.as_str() < "ALB206") || f.rule == "ALB215"
    }
    let sections: [(&str, Belongs); 4] = [
        ("Frontend: client -> ALB node", |f| {
            f.rule.as_str() < "ALB200"
        }),
        ("Backend: ALB node -> target", backend),
        ("Targets", |f| {
            f.rule.as_str() >= "ALB206" && f.rule.as_str() < "ALB300" && !backend(f)
        }),
        ("TLS: client -> HTTPS listener", |f| {
            f.rule.as_str() >= "ALB300"
        }),
    ];
    for (title, belongs) in sections {
        let _ = writeln!(out, "\n  {title}");
        let findings: Vec<&Finding> = lb.findings.iter().filter(|f| belongs(f)).collect();
        if findings.is_empty() {
            let _ = writeln!(out, "    no finding");
            continue;
        }
        let mut zones: Vec<Option<&str>> = vec![None];
        zones.extend(lb.availability_zones.iter().map(|z| Some(z.zone.as_str())));
        for f in &findings {
            if !zones.contains(&f.availability_zone.as_deref()) {
                zones.push(f.availability_zone.as_deref());
            }
        }
        for zone in zones {
            let here: Vec<&Finding> = findings
                .iter()
                .copied()
                .filter(|f| f.availability_zone.as_deref() == zone)
                .collect();
            if here.is_empty() {
                continue;
            }
            let heading = match zone {
                None => "every node".to_string(),
                Some(z) => {
                    let subnet = lb
                        .availability_zones
                        .iter()
                        .find(|a| a.zone == z)
                        .map(|a| format!(" ({})", a.subnet_id))
                        .unwrap_or_default();
                    format!("{z}{subnet}")
                }
            };
            let _ = writeln!(out, "    {heading}");
            for cause in group::by_cause(here) {
                render_cause(out, &cause);
            }
        }
    }
    for n in &lb.not_applicable {
        let _ = writeln!(
            out,
            "\n  No network path for {}: {}",
            n.target_group, n.reason
        );
    }
    for n in &lb.topology.ignored_interfaces {
        let _ = writeln!(out, "\n  Ignored: {}", super::topology::ignored_line(n));
    }
    if !lb.not_evaluated.is_empty() {
        let _ = writeln!(out, "\n  Not evaluated ({NOT_SEEN})");
        not_evaluated_lines(out, &lb.not_evaluated, "    ");
    }
    super::probe::text_section(out, lb);
    super::observed::text_section(out, lb);
}

/// Wraps `text` in `style`'s escape codes; the writer strips them where colour is unwanted.
fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

fn severity_style(s: Severity) -> Style {
    let color = match s {
        Severity::Error => AnsiColor::Red,
        Severity::Warning => AnsiColor::Yellow,
        Severity::Note => AnsiColor::Cyan,
    };
    Style::new().fg_color(Some(color.into())).bold()
}

/// One cause: its rule and what it hits, what the client sees, what to change, the evidence
/// the fix refers to, and the fix.
fn render_cause(out: &mut String, cause: &Cause<'_>) {
    let f = cause.lead;
    let severity = cause.severity();
    let style = severity_style(severity);
    let mark = paint(
        style,
        match severity {
            Severity::Error => "x",
            Severity::Warning => "!",
            Severity::Note => "i",
        },
    );
    let port = cause
        .ports_phrase(group::SHOWN)
        .map(|p| format!(" {p}"))
        .unwrap_or_default();
    let accepted = if cause.baselined() {
        " (baselined)"
    } else {
        ""
    };
    let head = format!(
        "      {mark} {} {}{accepted} {}{port}",
        f.rule,
        paint(style, severity.as_str()),
        f.name
    );
    let affected = cause.affected().label(group::SHOWN);
    if cause.findings.len() == 1 {
        let place = affected.map(|a| format!(" {a}")).unwrap_or_default();
        let _ = writeln!(out, "{head}{place}: {}", f.message);
    } else {
        let place = affected
            .map(|a| format!(", {a}"))
            .unwrap_or_else(|| format!(", {} findings", cause.findings.len()));
        let _ = writeln!(out, "{head}{place}");
        let _ = writeln!(out, "          e.g. {}", f.message);
    }
    let symptoms: Vec<&str> = cause
        .distinct(|f| f.symptom)
        .into_iter()
        .flatten()
        .map(|s| s.as_str())
        .collect();
    if !symptoms.is_empty() {
        let _ = writeln!(
            out,
            "          client sees: {}",
            group::joined(&symptoms, group::SHOWN)
        );
    }
    if let Some(until) = &f.masked_until {
        let _ = writeln!(
            out,
            "          masked until: {until} (a zonal shift keeps clients away from this node, ALB114)"
        );
    }
    let changes = cause.distinct(|f| {
        if f.change.is_empty() {
            f.resource.clone()
        } else {
            f.change.join(", ")
        }
    });
    let _ = writeln!(
        out,
        "          change: {}",
        group::joined(&changes, group::SHOWN)
    );
    for (i, (key, value)) in evidence::lines(cause).into_iter().enumerate() {
        let lead = if i == 0 { "evidence:" } else { "" };
        let _ = writeln!(out, "          {lead:<9} {key}: {value}");
    }
    let fixes = cause.distinct(|f| f.remediation.as_str());
    for fix in fixes.iter().take(FIXES_SHOWN) {
        let _ = writeln!(out, "          fix: {fix}");
    }
    for fix in cause.distinct(|f| &f.fix).iter().take(FIXES_SHOWN) {
        let state = if fix.verified {
            "verified on a copy of the snapshot"
        } else {
            "not verified"
        };
        for c in &fix.changes {
            let _ = writeln!(out, "          {state}: {}: {}", c.resource, c.edit);
            let _ = writeln!(out, "            $ {}", c.command);
        }
    }
    if fixes.len() > FIXES_SHOWN {
        let _ = writeln!(
            out,
            "          (+{} more fixes, one per target: see the JSON report)",
            fixes.len() - FIXES_SHOWN
        );
    }
}

/// How many differing remediations one cause's entry prints.
const FIXES_SHOWN: usize = 3;

fn status_word(s: Status) -> String {
    let (word, color) = match s {
        Status::Pass => ("PASS", AnsiColor::Green),
        Status::Fail => ("FAIL", AnsiColor::Red),
        Status::Incomplete => ("INCOMPLETE", AnsiColor::Yellow),
    };
    paint(Style::new().fg_color(Some(color.into())).bold(), word)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::incomplete_report;

    #[test]
    fn what_the_run_did_not_see_comes_first_and_reasons_are_grouped() {
        let text = render(&incomplete_report());
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].contains("INCOMPLETE"), "{text}");
        assert_eq!(
            lines[1],
            "2 of 3 load balancers could not be audited completely, 1 of them not at all: see \"Not evaluated\" below."
        );
        let whole_run = text.find("Not evaluated for the whole run").unwrap();
        assert!(whole_run < text.find("\ndark ").unwrap(), "{text}");
        assert!(text.contains(
            "\n  ALL: eu-west-1: elasticloadbalancing:DescribeLoadBalancers: throttled beyond retries\n"
        ));
        assert!(text.contains("\n    ALB102, ALB103: ec2:DescribeNetworkAcls: access denied\n"));
        // Every rule of `dark` shares one reason: one line naming them all.
        let codes: Vec<&str> = crate::rules::REGISTRY.iter().map(|r| r.code).collect();
        assert!(text.contains(&format!(
            "\n    {}: elasticloadbalancing:DescribeLoadBalancers: access denied\n",
            codes.join(", ")
        )));
    }
}
