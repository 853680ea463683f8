//! JUnit XML for CI test reports (GitLab, Jenkins, CircleCI): one test suite per ALB, one test
//! case per rule, a failure per finding at or above `--fail-on` (baselined ones pass), and
//! skipped for rules that were not evaluated.

use std::fmt::Write;

use super::{FailOn, Report};
use crate::rules::REGISTRY;

/// Escapes text for XML attributes and content.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// Renders the report as JUnit XML.
pub fn render(report: &Report, fail_on: FailOn) -> String {
    let mut suites = String::new();
    let (mut total, mut total_failures, mut total_skipped) = (0, 0, 0);
    for lb in &report.load_balancers {
        let mut cases = String::new();
        let (mut failures, mut skipped) = (0, 0);
        for rule in REGISTRY {
            let failing: Vec<_> = lb
                .findings
                .iter()
                .filter(|f| f.rule == rule.code && !f.baselined && fail_on.fails(f.severity))
                .collect();
            let missing: Vec<_> = lb
                .not_evaluated
                .iter()
                .filter(|n| n.check == rule.code)
                .collect();
            let _ = writeln!(
                cases,
                "    <testcase classname=\"alb-audit.{}\" name=\"{} {}\">",
                esc(&lb.name),
                rule.code,
                rule.name
            );
            if !failing.is_empty() {
                failures += 1;
                for f in failing {
                    let place = [
                        Some(format!("resource: {}", f.resource)),
                        f.availability_zone.as_ref().map(|z| format!("zone: {z}")),
                        f.port.map(|p| format!("port: {p}")),
                        f.target.as_ref().map(|t| format!("target: {t}")),
                        f.symptom.map(|s| format!("client sees: {}", s.as_str())),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("\n");
                    let _ = writeln!(
                        cases,
                        "      <failure message=\"{}\" type=\"{}\">{}\nfix: {}</failure>",
                        esc(&f.message),
                        f.severity.as_str(),
                        esc(&place),
                        esc(&f.remediation)
                    );
                }
            } else if !missing.is_empty() {
                skipped += 1;
                let reasons: Vec<&str> = missing.iter().map(|n| n.reason.as_str()).collect();
                let _ = writeln!(
                    cases,
                    "      <skipped message=\"{}\"/>",
                    esc(&reasons.join("; "))
                );
            }
            cases.push_str("    </testcase>\n");
        }
        let tests = REGISTRY.len();
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" timestamp=\"{}\">\n    <properties>\n      <property name=\"arn\" value=\"{}\"/>\n      <property name=\"status\" value=\"{}\"/>\n    </properties>\n{cases}  </testsuite>",
            esc(&lb.name),
            esc(report.generated_at.trim_end_matches('Z')),
            esc(&lb.arn),
            serde_json::to_value(lb.status).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
        );
        total += tests;
        total_failures += failures;
        total_skipped += skipped;
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"alb-audit\" tests=\"{total}\" failures=\"{total_failures}\" errors=\"0\" skipped=\"{total_skipped}\">\n{suites}</testsuites>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(esc("a<b>&\"c'\u{1}\n"), "a&lt;b&gt;&amp;&quot;c&apos;\n");
    }
}
