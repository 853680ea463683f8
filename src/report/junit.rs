//! JUnit XML for CI test reports (GitLab, Jenkins, CircleCI). One test suite per ALB, and in
//! it, per rule of the catalogue:
//!
//! - one test case per finding (classname = the ALB, name = rule and resource, qualified by
//!   zone, port and target where they tell findings apart). It fails (`<failure>`) when the
//!   finding is at or above `--fail-on` and not baselined; its diagnosis (message, what the
//!   client sees, what to change, the evidence the fix refers to, the fix) is the element's
//!   text, because GitLab and Jenkins show the text and not the `message` attribute. A finding
//!   that does not fail passes with the same diagnosis as `<system-out>`;
//! - one passing test case for a rule that ran and found nothing, so a clean ALB is a suite of
//!   passing checks, never an empty one;
//! - one `<error>` test case for a rule that was not evaluated (in full or in part), with the
//!   reasons as its text. An error, not `<skipped>`: GitLab and Jenkins count skipped tests as
//!   green, and an audit that did not see something must not look green.
//!
//! Checks not evaluated for the whole run (a region's listing) are `<error>` cases of an extra
//! suite. Element and attribute names follow the JUnit XML schema that GitLab documents
//! (<https://docs.gitlab.com/ci/testing/unit_test_reports/>).

use std::collections::BTreeMap;
use std::fmt::Write;

use super::group;
use super::{escape, evidence, AlbReport, FailOn, Report};
use crate::finding::{Finding, NotEvaluated};
use crate::rules::REGISTRY;

/// Escapes text for XML attributes and content (`escape::xml`).
fn esc(s: &str) -> String {
    escape::xml::escape(s)
}

/// Test cases of one suite, and its counts.
#[derive(Default)]
struct Suite {
    cases: String,
    tests: usize,
    failures: usize,
    errors: usize,
    /// Names used so far, to keep every case name unique within the suite.
    names: BTreeMap<String, usize>,
}

impl Suite {
    /// Adds a test case; `body` is its child element, if any.
    fn case(&mut self, classname: &str, name: &str, body: &str) {
        let seen = self.names.entry(name.to_string()).or_insert(0);
        *seen += 1;
        let name = if *seen == 1 {
            name.to_string()
        } else {
            format!("{name} #{seen}")
        };
        let _ = write!(
            self.cases,
            "    <testcase classname=\"{}\" name=\"{}\"",
            esc(classname),
            esc(&name)
        );
        if body.is_empty() {
            self.cases.push_str("/>\n");
        } else {
            let _ = writeln!(self.cases, ">\n      {body}\n    </testcase>");
        }
        self.tests += 1;
    }

    /// Adds an `<error>` case for checks that were not evaluated.
    fn not_evaluated(&mut self, classname: &str, name: &str, entries: &[&NotEvaluated]) {
        let reasons: Vec<&str> = entries.iter().map(|n| n.reason.as_str()).collect();
        let body = format!(
            "<error message=\"not evaluated: {}\" type=\"not-evaluated\">{}\nThe audit did not see this, so it cannot pass it.</error>",
            esc(&reasons.join("; ")),
            esc(&reasons.join("\n"))
        );
        self.case(classname, name, &body);
        self.errors += 1;
    }

    fn write(&self, out: &mut String, name: &str, timestamp: &str, properties: &[(&str, &str)]) {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" timestamp=\"{}\">",
            esc(name),
            self.tests,
            self.failures,
            self.errors,
            esc(timestamp)
        );
        if !properties.is_empty() {
            out.push_str("    <properties>\n");
            for (k, v) in properties {
                let _ = writeln!(
                    out,
                    "      <property name=\"{}\" value=\"{}\"/>",
                    esc(k),
                    esc(v)
                );
            }
            out.push_str("    </properties>\n");
        }
        out.push_str(&self.cases);
        out.push_str("  </testsuite>\n");
    }
}

/// Renders the report as JUnit XML: strings from AWS or a probed target are on one line without
/// controls (`escape::text`, as CI pages show the text), then escaped for XML (`escape::xml`).
pub fn render(report: &Report, fail_on: FailOn) -> String {
    let safe = escape::each_string(report, |s| escape::text::field(s).into_owned());
    render_safe(&safe, fail_on)
}

fn render_safe(report: &Report, fail_on: FailOn) -> String {
    let timestamp = report.generated_at.trim_end_matches('Z');
    let mut suites = String::new();
    let (mut tests, mut failures, mut errors) = (0, 0, 0);
    let mut add = |suite: &Suite| {
        tests += suite.tests;
        failures += suite.failures;
        errors += suite.errors;
    };
    if !report.not_evaluated.is_empty() {
        let mut suite = Suite::default();
        for (check, entries) in by_check(&report.not_evaluated) {
            suite.not_evaluated("alb-audit", &format!("{check} not evaluated"), &entries);
        }
        suite.write(&mut suites, "alb-audit (whole run)", timestamp, &[]);
        add(&suite);
    }
    for lb in &report.load_balancers {
        let label = label(report, lb);
        let suite = alb_suite(lb, &label, fail_on);
        let status = serde_json::to_value(lb.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        suite.write(
            &mut suites,
            &label,
            timestamp,
            &[("arn", &lb.arn), ("status", &status)],
        );
        add(&suite);
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"alb-audit\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\">\n{suites}</testsuites>\n"
    )
}

/// The ALB as classname and suite name: its name, with account and region where another ALB
/// of the report has the same name (a fleet report).
fn label(report: &Report, lb: &AlbReport) -> String {
    let same = report
        .load_balancers
        .iter()
        .filter(|other| other.name == lb.name)
        .count();
    if same > 1 {
        format!("{} ({} {})", lb.name, lb.account_id, lb.region)
    } else {
        lb.name.clone()
    }
}

/// `not_evaluated` entries by check, in check order.
fn by_check(entries: &[NotEvaluated]) -> BTreeMap<&str, Vec<&NotEvaluated>> {
    let mut out: BTreeMap<&str, Vec<&NotEvaluated>> = BTreeMap::new();
    for n in entries {
        out.entry(n.check.as_str()).or_default().push(n);
    }
    out
}

fn alb_suite(lb: &AlbReport, label: &str, fail_on: FailOn) -> Suite {
    let mut suite = Suite::default();
    let mut missing = by_check(&lb.not_evaluated);
    let rules = REGISTRY.iter().map(|r| (r.code, r.name));
    for (code, name) in rules {
        let findings: Vec<&Finding> = lb.findings.iter().filter(|f| f.rule == code).collect();
        let gaps = missing.remove(code);
        for f in &findings {
            let text = esc(&diagnosis(f));
            if !f.accepted() && fail_on.fails(f.severity) {
                let body = format!(
                    "<failure message=\"{}\" type=\"{}\">{text}</failure>",
                    esc(&f.message),
                    f.severity.as_str()
                );
                suite.case(label, &case_name(f), &body);
                suite.failures += 1;
            } else {
                let why = match (&f.suppressed, f.baselined) {
                    (Some(s), _) => format!("suppressed by entry {}: {}", s.entry, s.reason),
                    (None, true) => "accepted by the baseline".to_string(),
                    (None, false) => "below --fail-on".to_string(),
                };
                let body = format!(
                    "<system-out>{} ({})\n{text}</system-out>",
                    f.severity.as_str(),
                    esc(&why)
                );
                suite.case(label, &case_name(f), &body);
            }
        }
        match gaps {
            Some(entries) => {
                suite.not_evaluated(label, &format!("{code} {name} not evaluated"), &entries)
            }
            None if findings.is_empty() => suite.case(label, &format!("{code} {name}"), ""),
            None => {}
        }
    }
    // Checks outside the catalogue (none today) are still never dropped.
    for (check, entries) in missing {
        suite.not_evaluated(label, &format!("{check} not evaluated"), &entries);
    }
    probe_cases(&mut suite, lb, label);
    suite
}

/// One case per probe of `probe`: failed when a client here failed, with the join.
fn probe_cases(suite: &mut Suite, lb: &AlbReport, label: &str) {
    let Some(probe) = &lb.probe else {
        return;
    };
    for r in &probe.results {
        let name = format!("probe {} {}", r.zone, super::probe::place(r));
        let mut text = super::probe::outcome_phrase(r);
        if !r.explained_by.is_empty() {
            text.push_str(&format!(
                "\nexplained by {}",
                super::probe::cite(lb, &r.explained_by).join("; ")
            ));
        }
        for s in &r.unexplained {
            text.push_str(&format!("\nsuspect: {s}"));
        }
        match &r.failure {
            Some(f) => {
                let body = format!(
                    "<failure message=\"{}\" type=\"probe\">{}</failure>",
                    esc(&f.message),
                    esc(&text)
                );
                suite.case(label, &name, &body);
                suite.failures += 1;
            }
            None => suite.case(
                label,
                &name,
                &format!("<system-out>{}</system-out>", esc(&text)),
            ),
        }
    }
    for n in &probe.not_probed {
        let body = format!(
            "<error message=\"not probed: {}\" type=\"not-probed\">{}</error>",
            esc(&n.reason),
            esc(&n.reason)
        );
        suite.case(
            label,
            &format!("probe {} not probed", n.availability_zone),
            &body,
        );
        suite.errors += 1;
    }
}

/// `ALB202 i-0a1 (us-east-1a, port 8081)`: the rule and resource, and what tells this finding
/// apart from the rule's others.
fn case_name(f: &Finding) -> String {
    let qualifiers: Vec<String> = [
        f.availability_zone.clone(),
        f.port.map(|p| format!("port {p}")),
        f.target
            .as_ref()
            .filter(|t| **t != f.resource)
            .map(|t| format!("target {t}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if qualifiers.is_empty() {
        format!("{} {}", f.rule, f.resource)
    } else {
        format!("{} {} ({})", f.rule, f.resource, qualifiers.join(", "))
    }
}

/// The finding's diagnosis as the plain text a CI page shows.
fn diagnosis(f: &Finding) -> String {
    let mut text = format!(
        "{} {} {}: {}\n",
        f.rule,
        f.severity.as_str(),
        f.name,
        f.message
    );
    if let Some(s) = f.symptom {
        let _ = writeln!(text, "client sees: {}", s.as_str());
    }
    let change = if f.change.is_empty() {
        f.resource.clone()
    } else {
        f.change.join(", ")
    };
    let _ = writeln!(text, "change: {change}");
    let cause = group::by_cause(std::iter::once(f));
    for c in &cause {
        for (key, value) in evidence::lines(c) {
            let _ = writeln!(text, "{key}: {value}");
        }
    }
    let _ = write!(
        text,
        "fix: {}\nfingerprint: {}",
        f.remediation, f.fingerprint
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::report::group::tests::finding;

    #[test]
    fn escapes_markup_and_shows_control_characters_escaped() {
        assert_eq!(
            esc("a<b>&\"c'\u{1}\n"),
            "a&lt;b&gt;&amp;&quot;c&apos;\\x01\n"
        );
    }

    #[test]
    fn gaps_are_errors_and_a_clean_alb_is_a_suite_of_passing_checks() {
        let xml = render(&crate::report::tests::incomplete_report(), FailOn::Error);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let suites: Vec<_> = doc
            .root_element()
            .children()
            .filter(|n| n.has_tag_name("testsuite"))
            .collect();
        let names: Vec<&str> = suites.iter().filter_map(|s| s.attribute("name")).collect();
        assert_eq!(names, ["alb-audit (whole run)", "dark", "half", "clean"]);
        let errors =
            |s: &roxmltree::Node| s.descendants().filter(|n| n.has_tag_name("error")).count();
        assert_eq!(errors(&suites[0]), 1);
        assert_eq!(errors(&suites[1]), REGISTRY.len(), "no rule ran on dark");
        assert_eq!(errors(&suites[2]), 2);
        assert_eq!(errors(&suites[3]), 0);
        let clean_cases = suites[3]
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .count();
        assert_eq!(clean_cases, REGISTRY.len());
        assert_eq!(
            doc.root_element().attribute("errors"),
            Some((1 + REGISTRY.len() + 2).to_string().as_str())
        );
        let half_error = suites[2]
            .descendants()
            .find(|n| n.has_tag_name("error"))
            .unwrap();
        assert!(half_error
            .text()
            .unwrap()
            .starts_with("ec2:DescribeNetworkAcls: access denied"));
    }

    #[test]
    fn case_names_carry_what_tells_findings_apart() {
        let mut f = finding("aa", Some("i-0a1"), Severity::Error);
        assert_eq!(case_name(&f), "ALB202 i-0a1 (port 8080)");
        f.resource = "acl-0app".into();
        f.availability_zone = Some("us-east-1b".into());
        assert_eq!(
            case_name(&f),
            "ALB202 acl-0app (us-east-1b, port 8080, target i-0a1)"
        );
        let mut suite = Suite::default();
        suite.case("web", "ALB202 x", "");
        suite.case("web", "ALB202 x", "");
        assert!(suite.cases.contains("name=\"ALB202 x #2\""));
    }
}
