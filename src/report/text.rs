//! The text report: for each ALB, the frontend (client -> ALB node), then the backend (ALB node
//! -> target) and the targets' state, grouped by Availability Zone, each finding with what the
//! client sees and the exact thing to change — the order of a troubleshooting walk-through.
//! Severities and statuses carry ANSI styles; the CLI writes through `anstream`, which keeps
//! them only on a terminal and never with `NO_COLOR`.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use super::{AlbReport, Report, Status};
use crate::finding::{Finding, Severity};
use crate::model::Scheme;

/// Renders the report for a terminal or a log.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let s = &report.summary;
    let _ = writeln!(
        out,
        "alb-audit {}: {} load balancer{}, {} ({} error{}, {} warning{}, {} note{})",
        report.tool.version,
        s.load_balancers,
        plural(s.load_balancers),
        status_word(report.status),
        s.error,
        plural(s.error),
        s.warning,
        plural(s.warning),
        s.note,
        plural(s.note)
    );
    if !report.not_evaluated.is_empty() {
        let _ = writeln!(out, "\nNot read (the audit is incomplete):");
        for n in &report.not_evaluated {
            let _ = writeln!(out, "  - {}: {}", n.check, n.reason);
        }
    }
    for lb in &report.load_balancers {
        render_alb(&mut out, lb);
    }
    out
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
    let sections: [(&str, Belongs); 3] = [
        ("Frontend: client -> ALB node", |f| {
            f.rule.as_str() < "ALB200"
        }),
        ("Backend: ALB node -> target", |f| {
            f.rule.as_str() >= "ALB200" && f.rule.as_str() < "ALB206"
        }),
        ("Targets", |f| f.rule.as_str() >= "ALB206"),
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
            let here: Vec<&&Finding> = findings
                .iter()
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
            for f in here {
                render_finding(out, f);
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
    if !lb.not_evaluated.is_empty() {
        let _ = writeln!(
            out,
            "\n  Not evaluated (the audit did not see this, so it cannot pass it)"
        );
        for n in &lb.not_evaluated {
            let _ = writeln!(out, "    {}: {}", n.check, n.reason);
        }
    }
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

fn render_finding(out: &mut String, f: &Finding) {
    let style = severity_style(f.severity);
    let mark = paint(
        style,
        match f.severity {
            Severity::Error => "x",
            Severity::Warning => "!",
            Severity::Note => "i",
        },
    );
    let mut place = String::new();
    if let Some(p) = f.port {
        let _ = write!(place, " port {p}");
    }
    if let Some(t) = &f.target {
        let _ = write!(place, " target {t}");
    }
    let accepted = if f.baselined { " (baselined)" } else { "" };
    let _ = writeln!(
        out,
        "      {mark} {} {}{accepted} {}{place}: {}",
        f.rule,
        paint(style, f.severity.as_str()),
        f.name,
        f.message
    );
    if let Some(s) = f.symptom {
        let _ = writeln!(out, "          client sees: {}", s.as_str());
    }
    let change = if f.change.is_empty() {
        f.resource.clone()
    } else {
        f.change.join(", ")
    };
    let _ = writeln!(out, "          change: {change}");
    let _ = writeln!(out, "          fix: {}", f.remediation);
}

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
