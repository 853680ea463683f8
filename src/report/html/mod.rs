//! `--format html`: one self-contained page for people at an incident (README.md,
//! `--format html`). The summary first, then per ALB a picture of its paths (clients -> each zone's
//! node -> target groups and targets) with every broken edge coloured and labelled by its rule
//! and symptom, and the findings beside it.
//!
//! The page fetches nothing: CSS and SVG are inline, there is no script, and the status filter
//! and collapsed sections are plain HTML (`<details>`, radio inputs with `:checked ~`
//! selectors), so it opens offline, from a CI artifact, in any current browser.
//!
//! Pieces: [`placement`] decides which element each finding marks, [`layout`] computes the
//! geometry, [`svg`] draws it, [`escape`] makes report strings inert, and this file writes the
//! page around them.

mod escape;
mod layout;
mod placement;
mod svg;

use std::fmt::Write;

use self::escape::escape;
use super::{AlbReport, Report, Status};
use crate::finding::{Finding, NotEvaluated, Severity};
use crate::model::Scheme;

/// The page's stylesheet, inlined into its `<head>`.
const STYLE: &str = include_str!("style.css");

/// Above this many ALBs every section starts collapsed, so a fleet's page opens as a list.
const OPEN_AT_MOST: usize = 5;

/// What a `not_evaluated` list means, said wherever one is shown.
const NOT_EVALUATED: &str = "not evaluated: the audit did not see this, so it cannot pass it";

/// The statuses the filter offers, in its order.
const FILTERS: [(&str, Option<Status>); 4] = [
    ("all", None),
    ("fail", Some(Status::Fail)),
    ("incomplete", Some(Status::Incomplete)),
    ("pass", Some(Status::Pass)),
];

/// Renders the report as one self-contained HTML page.
pub fn render(report: &Report) -> String {
    let mut out = String::with_capacity(16_384 + report.load_balancers.len() * 16_384);
    let s = &report.summary;
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>alb-audit: {} · {} load balancer{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        status_word(report.status),
        s.load_balancers,
        plural(s.load_balancers)
    );
    summary(&mut out, report);
    out.push_str("<main>\n");
    filter(&mut out, report);
    out.push_str("<div class=\"albs\">\n");
    let open_when_failing = report.load_balancers.len() <= OPEN_AT_MOST;
    for (i, lb) in report.load_balancers.iter().enumerate() {
        alb(
            &mut out,
            i,
            lb,
            open_when_failing && lb.status != Status::Pass,
        );
    }
    if report.load_balancers.is_empty() {
        out.push_str("<p class=\"none\">No load balancer was audited.</p>\n");
    }
    out.push_str("</div>\n</main>\n");
    let _ = write!(
        out,
        "<footer>{} {} · {} · this page is self-contained and fetches nothing</footer>\n</body>\n</html>\n",
        escape(&report.tool.name),
        escape(&report.tool.version),
        escape(&report.generated_at)
    );
    out
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Incomplete => "incomplete",
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn count(n: usize, word: &str) -> String {
    format!("{n} {word}{}", plural(n))
}

fn status_badge(out: &mut String, s: Status) {
    let _ = write!(
        out,
        "<span class=\"status st-{w}\">{w}</span>",
        w = status_word(s)
    );
}

/// Overall status, counts, ALBs by status, and what was not evaluated for the whole run.
fn summary(out: &mut String, report: &Report) {
    let s = &report.summary;
    out.push_str("<header class=\"summary\">\n<h1>alb-audit report ");
    status_badge(out, report.status);
    out.push_str("</h1>\n");
    let _ = writeln!(
        out,
        "<p class=\"meta\">Generated {} by {} {}.</p>",
        escape(&report.generated_at),
        escape(&report.tool.name),
        escape(&report.tool.version)
    );
    out.push_str("<ul class=\"counts\">\n");
    let counts = [
        ("", s.load_balancers, "load balancer", true),
        ("sev-error", s.error, "error", true),
        ("sev-warning", s.warning, "warning", true),
        ("sev-note", s.note, "note", true),
        ("", s.baselined, "baselined", false),
    ];
    for (class, n, word, pluralise) in counts {
        let suffix = if pluralise { plural(n) } else { "" };
        let _ = writeln!(out, "<li class=\"{class}\"><b>{n}</b> {word}{suffix}</li>");
    }
    out.push_str("</ul>\n<p class=\"by-status\">Load balancers by status: ");
    let by_status: Vec<String> = [Status::Fail, Status::Incomplete, Status::Pass]
        .into_iter()
        .map(|st| {
            let n = report
                .load_balancers
                .iter()
                .filter(|l| l.status == st)
                .count();
            format!(
                "<span class=\"st-{w}-text\"><b>{n}</b> {w}</span>",
                w = status_word(st)
            )
        })
        .collect();
    out.push_str(&by_status.join(" · "));
    out.push_str("</p>\n");
    not_evaluated(out, &report.not_evaluated, "h2");
    out.push_str("</header>\n");
}

/// The status filter: radio inputs before the ALB list, so `:checked ~ .albs` hides the others.
fn filter(out: &mut String, report: &Report) {
    for (i, (word, _)) in FILTERS.iter().enumerate() {
        let _ = writeln!(
            out,
            "<input type=\"radio\" name=\"status-filter\" class=\"filter-input\" id=\"filter-{word}\"{}>",
            if i == 0 { " checked" } else { "" }
        );
    }
    out.push_str("<nav class=\"filter\" aria-label=\"Show load balancers by status\">Show: ");
    for (word, status) in FILTERS {
        let n = report
            .load_balancers
            .iter()
            .filter(|l| status.is_none_or(|s| l.status == s))
            .count();
        let _ = write!(out, "<label for=\"filter-{word}\">{word} ({n})</label>");
    }
    out.push_str("</nav>\n");
}

/// One ALB's section: facts, the picture with its findings, then the findings.
fn alb(out: &mut String, index: usize, lb: &AlbReport, open: bool) {
    let scheme = match lb.scheme {
        Scheme::InternetFacing => "internet-facing",
        Scheme::Internal => "internal",
        Scheme::Unknown => "unknown scheme",
    };
    let by_severity = |s: Severity| lb.findings.iter().filter(|f| f.severity == s).count();
    let _ = write!(
        out,
        "<details class=\"alb st-{}\" id=\"alb-{index}\"{}>\n<summary>",
        status_word(lb.status),
        if open { " open" } else { "" }
    );
    status_badge(out, lb.status);
    let _ = writeln!(
        out,
        " <span class=\"alb-name\">{}</span> <span class=\"alb-meta\">{} · {} · {scheme}</span> \
         <span class=\"alb-counts\">{} · {} · {}{}</span></summary>",
        escape(&lb.name),
        escape(&lb.account_id),
        escape(&lb.region),
        count(by_severity(Severity::Error), "error"),
        count(by_severity(Severity::Warning), "warning"),
        count(by_severity(Severity::Note), "note"),
        if lb.not_evaluated.is_empty() {
            String::new()
        } else {
            format!(" · {} not evaluated", lb.not_evaluated.len())
        }
    );
    out.push_str("<div class=\"alb-body\">\n<dl class=\"facts\">");
    let facts = [
        ("account", lb.account_id.as_str()),
        ("region", lb.region.as_str()),
        ("VPC", lb.vpc_id.as_str()),
        ("scheme", scheme),
        ("DNS name", lb.dns_name.as_str()),
        ("ARN", lb.arn.as_str()),
    ];
    for (key, value) in facts {
        let value = if value.is_empty() { "unknown" } else { value };
        let _ = write!(out, "<dt>{key}</dt><dd>{}</dd>", escape(value));
    }
    out.push_str("</dl>\n<div class=\"alb-grid\">\n");
    let placement = placement::place(&lb.topology, &lb.findings);
    let diagram = layout::layout(&lb.topology, &placement);
    out.push_str("<figure class=\"diagram\">");
    svg::render(
        out,
        &lb.name,
        lb.scheme,
        &lb.topology,
        &placement,
        &diagram,
        lb.observed.as_ref(),
    );
    out.push_str(
        "<figcaption><span class=\"key-error\">error</span> <span class=\"key-warning\">warning</span> \
         <span class=\"key-note\">note</span> <span class=\"key-baselined\">baselined</span> \
         <span class=\"dim\">· edges and boxes are coloured by the worst finding on them</span>",
    );
    if lb.topology.nodes.is_empty() {
        out.push_str("<br>The report holds no node layout for this load balancer.");
    }
    if !placement.unplaced.is_empty() {
        out.push_str("<br>Not on the picture: ");
        let names: Vec<String> = placement
            .unplaced
            .iter()
            .filter_map(|&i| lb.findings.get(i))
            .map(|f| escape(&placement::label(f)))
            .collect();
        out.push_str(&names.join(", "));
    }
    out.push_str("</figcaption></figure>\n<section class=\"side\">\n");
    findings(out, &lb.findings);
    observed(out, lb);
    not_evaluated(out, &lb.not_evaluated, "h3");
    if !lb.not_applicable.is_empty() {
        out.push_str("<h3>No network path to check</h3>\n<ul class=\"plain\">\n");
        for n in &lb.not_applicable {
            let _ = writeln!(
                out,
                "<li><code>{}</code>: {}</li>",
                escape(&n.target_group),
                escape(&n.reason)
            );
        }
        out.push_str("</ul>\n");
    }
    if !lb.topology.ignored_interfaces.is_empty() {
        out.push_str("<h3>Ignored interfaces</h3>\n<ul class=\"plain\">\n");
        for n in &lb.topology.ignored_interfaces {
            let _ = writeln!(
                out,
                "<li>{}</li>",
                escape(&crate::report::topology::ignored_line(n))
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n</div>\n</div>\n</details>\n");
}

/// What the ALB's own metrics counted per zone (`--observe`), each symptom with the findings
/// that explain it or the suspects left.
fn observed(out: &mut String, lb: &AlbReport) {
    use super::observed::{empty_reason, figures, symptom_phrase};
    let Some(o) = &lb.observed else {
        return;
    };
    let _ = writeln!(
        out,
        "<h3>Observed</h3>\n<p class=\"dim\">the ALB's own metrics, {} to {}</p>",
        escape(&o.start),
        escape(&o.end)
    );
    if let Some(reason) = empty_reason(lb) {
        let _ = writeln!(out, "<p class=\"none\">{}</p>", escape(&reason));
        return;
    }
    out.push_str("<ul class=\"plain observed\">\n");
    for zone in &o.zones {
        let _ = write!(
            out,
            "<li><b>{}</b> {}",
            escape(&zone.availability_zone),
            escape(&figures(zone))
        );
        let here = |z: &str| z == zone.availability_zone;
        let mut lines = Vec::new();
        for s in o.symptoms.iter().filter(|s| here(&s.availability_zone)) {
            let why = if s.unexplained {
                format!("no finding explains it; suspect: {}", s.suspects.join("; "))
            } else {
                format!(
                    "explained by {}",
                    super::probe::cite(lb, &s.explained_by).join("; ")
                )
            };
            lines.push(format!(
                "<li class=\"{}\">{}: {}</li>",
                if s.unexplained {
                    "unexplained"
                } else {
                    "explained"
                },
                escape(&symptom_phrase(s)),
                escape(&why)
            ));
        }
        for c in o.contradicts.iter().filter(|c| here(&c.availability_zone)) {
            lines.push(format!(
                "<li class=\"contradicts\">contradicts {}: {} {}</li>",
                escape(&super::probe::cite(lb, std::slice::from_ref(&c.fingerprint)).join("; ")),
                c.count,
                escape(&c.metric)
            ));
        }
        if !lines.is_empty() {
            let _ = write!(out, "<ul>{}</ul>", lines.concat());
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n");
}

/// The findings, worst first, each with what it says, what to change and how to fix it.
fn findings(out: &mut String, findings: &[Finding]) {
    let _ = writeln!(out, "<h3>Findings ({})</h3>", findings.len());
    if findings.is_empty() {
        out.push_str("<p class=\"none\">No finding.</p>\n");
        return;
    }
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out.push_str("<ol class=\"findings\">\n");
    for f in sorted {
        let _ = write!(
            out,
            "<li class=\"finding sev-{s}\"><p class=\"head\"><span class=\"sev\">{s}</span> \
             <b>{}</b> {}{}",
            escape(&f.rule),
            escape(&f.name),
            if f.baselined {
                " <span class=\"baselined-tag\">baselined</span>"
            } else {
                ""
            },
            s = f.severity.as_str()
        );
        let mut place = vec![match &f.availability_zone {
            Some(z) => format!("zone {}", escape(z)),
            None => "all zones".to_string(),
        }];
        if let Some(p) = f.port {
            place.push(format!("port {p}"));
        }
        if let Some(t) = &f.target {
            place.push(format!("target <code>{}</code>", escape(t)));
        }
        let _ = write!(out, " <span class=\"where\">{}</span>", place.join(" · "));
        if let Some(sym) = f.symptom {
            let _ = write!(
                out,
                " <span class=\"symptom\">client sees <b>{}</b></span>",
                sym.as_str()
            );
        }
        let _ = write!(out, "</p>\n<p>{}</p>\n", escape(&f.message));
        if !f.resource.is_empty() {
            let _ = writeln!(
                out,
                "<p><span class=\"key\">change</span> <code>{}</code></p>",
                escape(&f.resource)
            );
        }
        let _ = writeln!(
            out,
            "<p><span class=\"key\">fix</span> {}</p>",
            escape(&f.remediation)
        );
        for c in &f.fix.changes {
            let _ = writeln!(
                out,
                "<p><span class=\"key\">{}</span> {}: {} <code>{}</code></p>",
                if f.fix.verified {
                    "verified change"
                } else {
                    "unverified change"
                },
                escape(&c.resource),
                escape(&c.edit),
                escape(&c.command)
            );
        }
        if !f.evidence.is_empty() {
            let evidence = serde_json::to_string_pretty(&f.evidence).unwrap_or_default();
            let _ = writeln!(
                out,
                "<details class=\"evidence\"><summary>evidence</summary><pre>{}</pre></details>",
                escape(&evidence)
            );
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ol>\n");
}

/// What could not be evaluated, with what that means.
fn not_evaluated(out: &mut String, items: &[NotEvaluated], heading: &str) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<section class=\"not-evaluated\"><{heading}>Not evaluated ({})</{heading}>\n<p>{NOT_EVALUATED}.</p>\n<ul>",
        items.len()
    );
    for n in items {
        let _ = writeln!(
            out,
            "<li><b>{}</b>: {}</li>",
            escape(&n.check),
            escape(&n.reason)
        );
    }
    out.push_str("</ul></section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Summary, Tool};

    fn alb(name: &str, status: Status, findings: Vec<Finding>) -> AlbReport {
        AlbReport {
            arn: format!(
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/{name}/1"
            ),
            name: name.to_string(),
            account_id: "123456789012".to_string(),
            region: "us-east-1".to_string(),
            scheme: Scheme::InternetFacing,
            vpc_id: "vpc-1".to_string(),
            dns_name: String::new(),
            availability_zones: Vec::new(),
            status,
            findings,
            not_evaluated: Vec::new(),
            not_applicable: Vec::new(),
            topology: placement::tests::topology(),
            probe: None,
            observed: None,
        }
    }

    fn report(load_balancers: Vec<AlbReport>) -> Report {
        Report {
            schema_version: 1,
            tool: Tool {
                name: "alb-audit".to_string(),
                version: "0.0.0".to_string(),
            },
            generated_at: "2024-01-01T00:00:00Z".to_string(),
            status: Status::Fail,
            summary: Summary {
                load_balancers: load_balancers.len(),
                error: 0,
                warning: 0,
                note: 0,
                baselined: 0,
                suppressed: 0,
                probe_failures: None,
            },
            load_balancers,
            not_evaluated: Vec::new(),
            baseline: None,
            suppressions: None,
        }
    }

    #[test]
    fn failing_sections_are_open_when_few_and_passing_ones_closed() {
        let page = render(&report(vec![
            alb("a", Status::Fail, Vec::new()),
            alb("b", Status::Pass, Vec::new()),
            alb("c", Status::Incomplete, Vec::new()),
        ]));
        assert!(page.contains("<details class=\"alb st-fail\" id=\"alb-0\" open>"));
        assert!(page.contains("<details class=\"alb st-pass\" id=\"alb-1\">"));
        assert!(page.contains("<details class=\"alb st-incomplete\" id=\"alb-2\" open>"));
    }

    #[test]
    fn every_section_is_closed_for_a_fleet() {
        let lbs = (0..=OPEN_AT_MOST)
            .map(|i| alb(&format!("lb{i}"), Status::Fail, Vec::new()))
            .collect();
        let page = render(&report(lbs));
        assert_eq!(
            page.matches("<details class=\"alb").count(),
            OPEN_AT_MOST + 1
        );
        assert!(!page.contains("\" open>"));
        assert!(page.contains("<label for=\"filter-fail\">fail (6)</label>"));
        assert!(page.contains("<label for=\"filter-pass\">pass (0)</label>"));
    }

    #[test]
    fn findings_not_evaluated_and_account_are_shown_and_escaped() {
        let mut f = placement::tests::finding("ALB102", Severity::Error).zone("a");
        f.message = "drops <tcp> & \"udp\"".to_string();
        f.resource = "acl-<1>".to_string();
        f.remediation = "allow 'it'".to_string();
        let mut lb = alb("<b>web</b>", Status::Incomplete, vec![f]);
        lb.not_evaluated = vec![NotEvaluated {
            check: "ALB203".to_string(),
            reason: "ec2:DescribeNetworkAcls: <denied>".to_string(),
        }];
        let mut r = report(vec![lb]);
        r.not_evaluated = vec![NotEvaluated {
            check: "listing".to_string(),
            reason: "eu-west-1 & more".to_string(),
        }];
        let page = render(&r);
        assert!(page.contains("drops &lt;tcp&gt; &amp; &quot;udp&quot;"));
        assert!(page.contains("<span class=\"key\">change</span> <code>acl-&lt;1&gt;</code>"));
        assert!(page.contains("allow &#39;it&#39;"));
        assert!(page.contains("&lt;b&gt;web&lt;/b&gt;"));
        assert!(!page.contains("<b>web</b>"));
        assert!(page.contains("123456789012 · us-east-1"));
        assert_eq!(
            page.matches(NOT_EVALUATED).count(),
            2,
            "per ALB and top level"
        );
        assert!(page.contains("ec2:DescribeNetworkAcls: &lt;denied&gt;"));
        assert!(page.contains("eu-west-1 &amp; more"));
    }

    #[test]
    fn the_page_references_nothing_outside_itself() {
        let page = render(&report(vec![alb("a", Status::Pass, Vec::new())]));
        for needle in [
            "http:", "https:", "//", "@import", "url(", "<script", "<link",
        ] {
            let outside_style = page.replace(STYLE, "");
            assert!(
                !outside_style.contains(needle) && !STYLE.contains(needle),
                "{needle}"
            );
        }
    }

    #[test]
    fn unplaced_findings_are_named_under_the_picture() {
        let f = placement::tests::finding("ALB999", Severity::Note);
        let page = render(&report(vec![alb("a", Status::Pass, vec![f])]));
        assert!(page.contains("Not on the picture: ALB999"));
    }

    #[test]
    fn findings_are_listed_worst_first() {
        let page = render(&report(vec![alb(
            "a",
            Status::Fail,
            vec![
                placement::tests::finding("ALB106", Severity::Note),
                placement::tests::finding("ALB104", Severity::Error),
                placement::tests::finding("ALB105", Severity::Warning),
            ],
        )]));
        let at = |rule: &str| page.find(&format!("<b>{rule}</b>")).unwrap_or(usize::MAX);
        assert!(at("ALB104") < at("ALB105") && at("ALB105") < at("ALB106"));
    }
}
