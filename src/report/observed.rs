//! The `--observe` part of the reports for people: per ALB and zone, what its own metrics
//! counted, each observed symptom with the findings that explain it or the suspects left, and
//! the findings the figures contradict.

use std::fmt::Write;

use super::probe::cite;
use super::AlbReport;
use crate::probe::observe::{ObservedSymptom, ZoneFigures};

/// What a zone counted, in words: `4000 new connections, 5200 requests, 12 ELB 502, …`.
pub fn figures(zone: &ZoneFigures) -> String {
    const WORDS: [(&str, &str); 15] = [
        ("NewConnectionCount", "new connections"),
        ("RequestCount", "requests"),
        ("RejectedConnectionCount", "rejected connections"),
        ("HTTPCode_ELB_500_Count", "ELB 500"),
        ("HTTPCode_ELB_502_Count", "ELB 502"),
        ("HTTPCode_ELB_503_Count", "ELB 503"),
        ("HTTPCode_ELB_504_Count", "ELB 504"),
        ("HTTPCode_ELB_464_Count", "ELB 464"),
        ("HTTPCode_ELB_4XX_Count", "ELB 4XX"),
        ("HTTPCode_ELB_5XX_Count", "ELB 5XX"),
        ("HTTPCode_Target_5XX_Count", "target 5XX"),
        ("TargetConnectionErrorCount", "target connection errors"),
        ("ClientTLSNegotiationErrorCount", "client TLS errors"),
        ("TargetTLSNegotiationErrorCount", "target TLS errors"),
        ("ELBAuthError", "auth errors"),
    ];
    let mut parts: Vec<String> = WORDS
        .iter()
        .filter_map(|(metric, words)| {
            let n = zone.metrics.get(*metric)?;
            Some(format!("{n} {words}"))
        })
        .collect();
    if !zone.metrics.contains_key("NewConnectionCount") {
        parts.insert(0, "no new connections".into());
    }
    for tg in &zone.target_groups {
        let name = tg
            .target_group
            .rsplit(':')
            .next()
            .unwrap_or(&tg.target_group);
        let n = |v: Option<u64>| v.map_or("?".to_string(), |v| v.to_string());
        parts.push(format!(
            "{name}: healthy at least {}, unhealthy at most {}",
            n(tg.healthy_min),
            n(tg.unhealthy_max)
        ));
    }
    parts.join(", ")
}

/// `http-502 (12 HTTPCode_ELB_502_Count)`.
pub fn symptom_phrase(s: &ObservedSymptom) -> String {
    format!("{} ({} {})", s.symptom, s.count, s.metric)
}

/// Why there is nothing to show, when there is nothing: unread metrics, or no data.
pub fn empty_reason(lb: &AlbReport) -> Option<String> {
    let o = lb.observed.as_ref()?;
    if let Some(reason) = &o.not_evaluated {
        return Some(format!("not evaluated: {reason}"));
    }
    o.no_data
        .then(|| "no data in the window: nothing observed, nothing proved".to_string())
}

/// The "Observed" section of the text report, empty without `--observe`.
pub fn text_section(out: &mut String, lb: &AlbReport) {
    let Some(o) = &lb.observed else {
        return;
    };
    let _ = writeln!(
        out,
        "\n  Observed from {} to {} (the ALB's own metrics)",
        o.start, o.end
    );
    if let Some(reason) = empty_reason(lb) {
        let _ = writeln!(out, "    {reason}");
        return;
    }
    for zone in &o.zones {
        let _ = writeln!(out, "    {}  {}", zone.availability_zone, figures(zone));
        for s in o
            .symptoms
            .iter()
            .filter(|s| s.availability_zone == zone.availability_zone)
        {
            let _ = writeln!(out, "      {}", symptom_phrase(s));
            if s.unexplained {
                let _ = writeln!(
                    out,
                    "        no finding explains it; suspect what the configuration cannot show:"
                );
                for suspect in &s.suspects {
                    let _ = writeln!(out, "          - {suspect}");
                }
            } else {
                let _ = writeln!(
                    out,
                    "        explained by {}",
                    cite(lb, &s.explained_by).join("; ")
                );
            }
        }
        for c in o
            .contradicts
            .iter()
            .filter(|c| c.availability_zone == zone.availability_zone)
        {
            let _ = writeln!(
                out,
                "      contradicts {}: {} {} (the configuration changed, or these clients are not the ones the finding is about)",
                cite(lb, std::slice::from_ref(&c.fingerprint)).join("; "),
                c.count,
                c.metric
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::observe::{Contradiction, GroupHosts, Observed};
    use crate::report::tests::incomplete_report;
    use crate::report::{markdown, text};

    fn observed() -> Observed {
        Observed {
            start: "2026-01-01T00:00:00Z".into(),
            end: "2026-01-01T01:00:00Z".into(),
            zones: vec![
                ZoneFigures {
                    availability_zone: "us-east-1a".into(),
                    metrics: [
                        ("NewConnectionCount".to_string(), 4000),
                        ("HTTPCode_ELB_502_Count".to_string(), 12),
                    ]
                    .into_iter()
                    .collect(),
                    target_groups: vec![GroupHosts {
                        target_group: "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/api/1"
                            .into(),
                        healthy_min: Some(2),
                        unhealthy_max: Some(0),
                    }],
                },
                ZoneFigures {
                    availability_zone: "us-east-1b".into(),
                    metrics: Default::default(),
                    target_groups: vec![],
                },
            ],
            symptoms: vec![
                ObservedSymptom {
                    availability_zone: "us-east-1a".into(),
                    symptom: "http-502".into(),
                    metric: "HTTPCode_ELB_502_Count".into(),
                    count: 12,
                    explained_by: vec![],
                    unexplained: true,
                    suspects: vec!["the target closed a kept-alive connection".into()],
                },
                ObservedSymptom {
                    availability_zone: "us-east-1b".into(),
                    symptom: "timeout".into(),
                    metric: "NewConnectionCount".into(),
                    count: 0,
                    explained_by: vec!["fp-1".into()],
                    unexplained: false,
                    suspects: vec![],
                },
            ],
            contradicts: vec![Contradiction {
                fingerprint: "fp-2".into(),
                availability_zone: "us-east-1a".into(),
                metric: "NewConnectionCount".into(),
                count: 4000,
            }],
            ..Observed::default()
        }
    }

    #[test]
    fn text_and_markdown_show_figures_symptoms_and_contradictions_per_zone() {
        let mut report = incomplete_report();
        report.load_balancers[2].observed = Some(observed());
        let t = text::render(&report);
        assert!(t.contains("us-east-1a  4000 new connections, 12 ELB 502, targetgroup/api/1: healthy at least 2, unhealthy at most 0"), "{t}");
        assert!(t.contains("us-east-1b  no new connections"));
        assert!(t.contains("http-502 (12 HTTPCode_ELB_502_Count)"));
        assert!(t.contains("- the target closed a kept-alive connection"));
        assert!(t.contains("explained by fp-1"));
        assert!(t.contains("contradicts fp-2: 4000 NewConnectionCount"));
        let m = markdown::render(&report);
        assert!(m.contains("### Observed"), "{m}");
        assert!(m.contains("| clean | us-east-1a | 4000 new connections, 12 ELB 502"));
        // Markdown escapes the metric's underscores (report/escape/markdown.rs).
        assert!(
            m.contains("**http-502 (12 HTTPCode\\_ELB\\_502\\_Count)**"),
            "{m}"
        );
        assert!(m.contains("contradicts fp-2"));

        let mut denied = observed();
        denied.not_evaluated = Some("cloudwatch:GetMetricData: access denied".into());
        report.load_balancers[2].observed = Some(denied);
        assert!(text::render(&report)
            .contains("not evaluated: cloudwatch:GetMetricData: access denied"));
        assert!(markdown::render(&report)
            .contains("not evaluated: cloudwatch:GetMetricData: access denied"));
    }
}
