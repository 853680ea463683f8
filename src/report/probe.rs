//! The probe part of the reports for people: per ALB, what was sent, what DNS answered, and per
//! zone and node address what a client here saw and which finding explains it, in the order
//! of AWS's troubleshooting walk-through (connect, TLS, response).

use std::fmt::Write;

use super::AlbReport;
use crate::finding::Finding;
use crate::probe::join::{AlbProbe, ProbeResult};
use crate::probe::TcpOutcome;

/// The "Probe from here" section of the text report, empty without a probe.
pub fn text_section(out: &mut String, lb: &AlbReport) {
    let Some(probe) = &lb.probe else {
        return;
    };
    let _ = writeln!(
        out,
        "\n  Probe from here (GET {} with Host {}): {}",
        probe.path,
        probe.host,
        verdict(probe)
    );
    let _ = writeln!(out, "    {}", dns_line(probe));
    for zone in &lb.availability_zones {
        for r in probe.results.iter().filter(|r| r.zone == zone.zone) {
            result_lines(out, lb, r, "    ");
        }
        for n in probe
            .not_probed
            .iter()
            .filter(|n| n.availability_zone == zone.zone)
        {
            let _ = writeln!(out, "    {}  not probed: {}", n.availability_zone, n.reason);
        }
    }
}

/// `2 of 4 probes failed`, or `every probe answered`.
pub fn verdict(probe: &AlbProbe) -> String {
    match (probe.failed, probe.results.len()) {
        (_, 0) => "nothing to probe".into(),
        (0, n) => format!("all {n} probe{} succeeded", if n == 1 { "" } else { "s" }),
        (f, n) => format!("{f} of {n} probe{} failed", if n == 1 { "" } else { "s" }),
    }
}

/// What DNS answered for the ALB's name, and which zones it leaves out.
pub fn dns_line(probe: &AlbProbe) -> String {
    let dns = &probe.dns;
    if let Some(error) = &dns.error {
        return format!("DNS {}: {error}", dns.name);
    }
    let addrs: Vec<String> = dns.addresses.iter().map(ToString::to_string).collect();
    let mut line = format!(
        "DNS {} -> {}{}",
        dns.name,
        addrs.join(", "),
        if dns.overridden { " (--resolve)" } else { "" }
    );
    if !dns.zones_missing.is_empty() {
        let _ = write!(
            line,
            "; no address of the node in {} (clients DNS sends elsewhere never reach it)",
            dns.zones_missing.join(", ")
        );
    }
    if !dns.zones_shifted.is_empty() {
        let _ = write!(
            line,
            "; {} left out as expected (a zonal shift, ALB114)",
            dns.zones_shifted.join(", ")
        );
    }
    if !dns.unknown_addresses.is_empty() {
        let unknown: Vec<String> = dns
            .unknown_addresses
            .iter()
            .map(ToString::to_string)
            .collect();
        let _ = write!(line, "; {} belong to no node", unknown.join(", "));
    }
    line
}

/// One probe: the place, what happened, and how it joins the findings.
fn result_lines(out: &mut String, lb: &AlbReport, r: &ProbeResult, indent: &str) {
    let _ = writeln!(
        out,
        "{indent}{} {}  {}",
        r.zone,
        place(r),
        outcome_phrase(r)
    );
    if !r.explained_by.is_empty() {
        let _ = writeln!(
            out,
            "{indent}  explained by {}",
            cite(lb, &r.explained_by).join("; ")
        );
    }
    if !r.unexplained.is_empty() {
        let _ = writeln!(
            out,
            "{indent}  no finding explains it; suspect what the audit cannot see:"
        );
        for s in &r.unexplained {
            let _ = writeln!(out, "{indent}    - {s}");
        }
    }
    if !r.contradicts.is_empty() {
        let _ = writeln!(
            out,
            "{indent}  contradicts {} (predicted to fail here: the configuration changed, or this machine is not a client that finding is about)",
            cite(lb, &r.contradicts).join("; ")
        );
    }
}

/// `127.0.1.10:443 HTTPS`, with IPv6 addresses in brackets.
pub fn place(r: &ProbeResult) -> String {
    let addr = if r.address.is_ipv6() {
        format!("[{}]", r.address)
    } else {
        r.address.to_string()
    };
    format!("{addr}:{} {}", r.port, r.protocol)
}

/// What a client here saw: the failure, or every phase that worked, with the time taken.
pub fn outcome_phrase(r: &ProbeResult) -> String {
    let o = &r.outcome;
    let took = if o.elapsed_ms < 1000 {
        format!("{} ms", o.elapsed_ms)
    } else {
        format!("{:.1} s", o.elapsed_ms as f64 / 1000.0)
    };
    if let Some(f) = &r.failure {
        return format!("{} ({took})", f.message);
    }
    let mut parts = vec![match o.tcp {
        TcpOutcome::Connected => "connected".to_string(),
        other => format!("{other:?}").to_lowercase(),
    }];
    if let Some(tls) = &o.tls {
        parts.push(format!(
            "{} handshake ok",
            tls.version.as_deref().unwrap_or("TLS")
        ));
        if let Some(c) = &tls.certificate {
            let names = if c.dns_names.is_empty() {
                c.subject_cn.clone().unwrap_or_default()
            } else {
                c.dns_names.join(", ")
            };
            parts.push(format!("certificate {names} until {}", c.not_after));
        }
    }
    if let Some(http) = &o.http {
        if let Some(status) = http.status {
            let server = http
                .server
                .as_deref()
                .map(|s| format!(", Server: {s}"))
                .unwrap_or_default();
            let by = match http.generated_by {
                Some(crate::probe::GeneratedBy::Alb) => "the ALB",
                _ => "a target",
            };
            parts.push(format!("HTTP {status} from {by}{server}"));
        }
    }
    format!("{} ({took})", parts.join(", "))
}

/// `ALB104 (rtb-0dd 0.0.0.0/0)`: each fingerprint as its rule and what to change.
pub fn cite(lb: &AlbReport, fingerprints: &[String]) -> Vec<String> {
    fingerprints
        .iter()
        .map(
            |fp| match lb.findings.iter().find(|f| &f.fingerprint == fp) {
                Some(f) => format!("{} ({})", f.rule, what_to_change(f)),
                None => fp.clone(),
            },
        )
        .collect()
}

fn what_to_change(f: &Finding) -> String {
    if f.change.is_empty() {
        f.resource.clone()
    } else {
        f.change.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::join::{DnsCheck, Failure, FailureKind};
    use crate::probe::plan::NotProbed;
    use crate::probe::{GeneratedBy, HttpOutcome, Outcome};
    use crate::report::tests::incomplete_report;
    use crate::report::{markdown, text, FailOn, Status};

    fn result(zone: &str, address: &str, tcp: TcpOutcome) -> ProbeResult {
        let failed = tcp != TcpOutcome::Connected;
        ProbeResult {
            zone: zone.into(),
            address: address.parse().unwrap(),
            port: 443,
            protocol: "HTTP".into(),
            outcome: Outcome {
                tcp,
                tls: None,
                http: (!failed).then(|| HttpOutcome {
                    status: Some(200),
                    server: Some("nginx".into()),
                    generated_by: Some(GeneratedBy::Target),
                    error: None,
                }),
                elapsed_ms: if failed { 3004 } else { 12 },
            },
            certificate_check: None,
            failure: failed.then(|| Failure {
                kind: FailureKind::ConnectTimeout,
                message: "connect timed out: no answer to the SYN".into(),
            }),
            explained_by: if failed {
                vec!["fp-acl".into()]
            } else {
                Vec::new()
            },
            unexplained: Vec::new(),
            contradicts: Vec::new(),
        }
    }

    /// The `clean` ALB of the incomplete report, probed: node a answers, node b times out
    /// (explained by an ACL finding), zone c has no address.
    fn probed() -> crate::report::Report {
        let mut report = incomplete_report();
        let mut acl = crate::rules::find("ALB102")
            .unwrap()
            .finding("acl-0bb", "drops requests", "allow them")
            .zone("us-east-1b");
        acl.change = vec!["acl-0bb rule 90".into()];
        acl.fingerprint = "fp-acl".into();
        report.load_balancers[2].findings.push(acl);
        for zone in ["us-east-1a", "us-east-1b", "us-east-1c"] {
            report.load_balancers[2]
                .availability_zones
                .push(crate::model::ZoneSubnet {
                    zone: zone.into(),
                    subnet_id: format!("subnet-{zone}"),
                });
        }
        let probe = AlbProbe {
            host: "www.example.com".into(),
            path: "/".into(),
            dns: DnsCheck {
                name: "clean-1.elb.amazonaws.com".into(),
                overridden: false,
                addresses: vec!["198.51.100.1".parse().unwrap()],
                zones_missing: vec!["us-east-1b".into()],
                zones_shifted: Vec::new(),
                unknown_addresses: Vec::new(),
                error: None,
            },
            results: vec![
                result("us-east-1a", "198.51.100.1", TcpOutcome::Connected),
                result("us-east-1b", "198.51.100.2", TcpOutcome::Timeout),
            ],
            not_probed: vec![NotProbed {
                availability_zone: "us-east-1c".into(),
                reason: "the node's interface eni-c has no public IPv4 address".into(),
            }],
            failed: 1,
        };
        let empty = |host: &str| AlbProbe {
            host: host.into(),
            path: "/".into(),
            dns: probe.dns.clone(),
            results: Vec::new(),
            not_probed: Vec::new(),
            failed: 0,
        };
        report.attach_probes(vec![empty("dark"), empty("half"), probe]);
        report
    }

    #[test]
    fn a_probe_that_sent_nothing_is_incomplete_never_pass() {
        // Only the `clean` ALB, complete and passing, before the probe.
        let mut report = incomplete_report();
        report.load_balancers.drain(..2);
        report.load_balancers[0].status = Status::Pass;
        report.not_evaluated.clear();
        report.status = Status::Pass;
        assert_eq!(report.exit_code(FailOn::Never), 0);
        let nothing = || AlbProbe {
            host: "clean-1.elb.amazonaws.com".into(),
            path: "/".into(),
            dns: DnsCheck {
                name: "clean-1.elb.amazonaws.com".into(),
                overridden: false,
                addresses: Vec::new(),
                zones_missing: Vec::new(),
                zones_shifted: Vec::new(),
                unknown_addresses: Vec::new(),
                error: Some("no such host".into()),
            },
            results: Vec::new(),
            not_probed: Vec::new(),
            failed: 0,
        };
        report.attach_probes(vec![nothing()]);
        let clean = &report.load_balancers[0];
        assert_eq!(clean.status, Status::Incomplete);
        assert!(clean.not_evaluated.iter().any(|n| n.check == "probe-plan"));
        assert_eq!(report.exit_code(FailOn::Never), 3);
    }

    #[test]
    fn a_failed_probe_fails_its_alb_and_the_run() {
        let report = probed();
        assert_eq!(report.load_balancers[2].status, Status::Fail);
        assert_eq!(report.status, Status::Fail);
        assert_eq!(report.summary.probe_failures, Some(1));
        assert_eq!(report.exit_code(FailOn::Never), 1);
        assert!(report.one_line().ends_with(", 1 failed probe(s)"));
    }

    #[test]
    fn text_walks_zone_by_zone_and_cites_what_to_change() {
        let text = text::render(&probed());
        let section = &text[text.rfind("  Probe from here").expect("a probe section")..];
        let expected = "  Probe from here (GET / with Host www.example.com): 1 of 2 probes failed
    DNS clean-1.elb.amazonaws.com -> 198.51.100.1; no address of the node in us-east-1b (clients DNS sends elsewhere never reach it)
    us-east-1a 198.51.100.1:443 HTTP  connected, HTTP 200 from a target, Server: nginx (12 ms)
    us-east-1b 198.51.100.2:443 HTTP  connect timed out: no answer to the SYN (3.0 s)
      explained by ALB102 (acl-0bb rule 90)
    us-east-1c  not probed: the node's interface eni-c has no public IPv4 address
";
        assert!(section.starts_with(expected), "{section}");
        assert!(text.lines().next().unwrap().ends_with("; 1 failed probe)"));
    }

    #[test]
    fn markdown_and_junit_list_every_probe() {
        let report = probed();
        let md = markdown::render(&report);
        assert!(md.contains("### Probe from here"), "{md}");
        assert!(md.contains("| clean | us-east-1b | `198.51.100.2:443 HTTP` | **connect timed out: no answer to the SYN (3.0 s)** | ALB102 (acl-0bb rule 90) |  |"), "{md}");
        assert!(md.contains("| clean | us-east-1c | — | not probed: the node's interface eni-c has no public IPv4 address | | |"), "{md}");
        let xml = crate::report::junit::render(&report, FailOn::Error);
        let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
        let probe_cases: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .filter(|n| n.attribute("name").is_some_and(|a| a.starts_with("probe ")))
            .collect();
        assert_eq!(probe_cases.len(), 3);
        let failed: Vec<_> = probe_cases
            .iter()
            .filter(|n| n.children().any(|c| c.has_tag_name("failure")))
            .map(|n| n.attribute("name").unwrap())
            .collect();
        assert_eq!(failed, vec!["probe us-east-1b 198.51.100.2:443 HTTP"]);
    }
}
