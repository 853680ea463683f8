//! Joining what the probe saw with what the audit predicted: each probe result is explained by
//! the findings whose symptom predicts it at that node and port, or left unexplained with the
//! suspects AWS's troubleshooting article leaves
//! (<https://repost.aws/knowledge-center/elb-alb-http-connection-errors>), and contradicts the
//! error findings that predicted a connect failure that did not happen.
//!
//! Which findings predict what, at which node and port, is `predict`'s one matching.
//!
//! Contradictions are only claimed for connect predictions: a backend or TLS finding can be
//! about a rule, target group or host name the one `GET` of the probe did not take, so a
//! success there proves nothing against it.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::plan::{AlbPlan, NotProbed};
use super::predict::{explaining, fingerprints, predicts, Prediction};
use super::{GeneratedBy, Outcome, ServedCertificate, TcpOutcome};
use crate::finding::{Finding, Severity};
use crate::net::{tls_names, tls_validity};

/// The probe of one ALB, as the JSON report carries it (`load_balancers[].probe`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AlbProbe {
    /// The `Host` header (and TLS SNI) sent: `--hostname`, else the ALB's DNS name.
    pub host: String,
    /// The request path of each `GET`.
    pub path: String,
    /// The ALB's DNS name as resolved from here, against its nodes.
    pub dns: DnsCheck,
    /// One result per node address and listener port, zone by zone.
    pub results: Vec<ProbeResult>,
    /// Enabled zones whose node could not be probed, and why.
    #[serde(default)]
    pub not_probed: Vec<NotProbed>,
    /// How many results failed.
    pub failed: usize,
}

/// The ALB's DNS name as this machine resolves it (or as `--resolve` pins it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DnsCheck {
    /// The name resolved.
    pub name: String,
    /// Whether `--resolve` gave the answer instead of DNS.
    pub overridden: bool,
    /// The addresses of the answer (A and AAAA), in answer order.
    pub addresses: Vec<IpAddr>,
    /// Enabled zones none of whose node addresses is in the answer: clients sent by DNS never
    /// reach that node (and a probe of it shows what they would see if they did).
    pub zones_missing: Vec<String>,
    /// Enabled zones left out of the answer as expected, because an ARC zonal shift has taken
    /// them out of DNS (ALB114): not a failure (additive).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones_shifted: Vec<String>,
    /// Addresses of the answer that belong to no node of the ALB as the snapshot has it.
    pub unknown_addresses: Vec<IpAddr>,
    /// Why the name could not be resolved, when it could not.
    pub error: Option<String>,
}

/// One probe: a node address and listener port, what happened, and how it joins the audit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProbeResult {
    /// The node's Availability Zone.
    pub zone: String,
    /// The node address connected to.
    pub address: IpAddr,
    /// The listener port.
    pub port: u16,
    /// The listener protocol, `HTTP` or `HTTPS`.
    pub protocol: String,
    /// TCP, TLS and HTTP phase by phase, and the time taken.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The served certificate judged against the host name and the probe's time: the engine
    /// accepts any certificate so that it can report it; a client would not.
    pub certificate_check: Option<CertificateCheck>,
    /// What failed, when something did: what a client here would see.
    pub failure: Option<Failure>,
    /// Fingerprints of the findings (errors and warnings) that predict this failure.
    pub explained_by: Vec<String>,
    /// For a failure no finding predicts: the suspects left, in words.
    pub unexplained: Vec<String>,
    /// Fingerprints of error findings that predicted a connect failure at this node and port
    /// that did not happen: the configuration changed since the snapshot, or this machine is
    /// not one of the clients the finding is about.
    pub contradicts: Vec<String>,
}

/// A served certificate as a client judges it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CertificateCheck {
    /// The name checked: the `Host` sent.
    pub host: String,
    /// Whether a name of the certificate covers `host` (RFC 6125); null when `host` is an IP
    /// address or the certificate could not be read.
    pub covers_host: Option<bool>,
    /// `valid`, `expired` or `not-yet-valid` at the probe's time; null when unreadable.
    pub validity: Option<String>,
}

/// A failed probe, classified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Failure {
    /// The kind, for dashboards.
    pub kind: FailureKind,
    /// What happened, in one line.
    pub message: String,
}

/// What a client at this machine sees; the article's symptoms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FailureKind {
    /// The connect got no answer.
    ConnectTimeout,
    /// The connect was refused.
    ConnectRefused,
    /// No route from here to the node.
    Unreachable,
    /// The TLS handshake failed.
    Tls,
    /// The handshake completed but a client would refuse the certificate.
    Certificate,
    /// Connected, but no response head came back.
    NoResponse,
    /// A 5xx status.
    Http5xx,
}

/// What a request was and what the join needs to know about the run.
pub struct Probed<'a> {
    /// The node's zone.
    pub zone: &'a str,
    /// The node address.
    pub address: IpAddr,
    /// The listener port.
    pub port: u16,
    /// `HTTP` or `HTTPS`.
    pub protocol: &'a str,
    /// The host name sent.
    pub host: &'a str,
    /// Whether the user named the host (`--hostname`): only then is a certificate that does
    /// not cover it a failure (clients do not use an ALB's own DNS name over HTTPS).
    pub host_given: bool,
    /// Whether the listener verifies client certificates (mutual TLS), which the probe does
    /// not present.
    pub client_cert_required: bool,
    /// What happened.
    pub outcome: Outcome,
}

/// Joins one probe with the ALB's findings; `now` is the probe's time in Unix seconds.
pub fn join(probed: Probed<'_>, findings: &[Finding], now: i64) -> ProbeResult {
    let certificate_check = probed
        .outcome
        .tls
        .as_ref()
        .and_then(|t| t.certificate.as_ref())
        .map(|c| check_certificate(c, probed.host, now));
    let failure = failure_of(&probed, certificate_check.as_ref());
    let explains: &[Prediction] = match failure.as_ref().map(|f| f.kind) {
        None | Some(FailureKind::ConnectRefused) => &[],
        Some(FailureKind::ConnectTimeout | FailureKind::Unreachable) => &[Prediction::Connect],
        Some(FailureKind::Tls | FailureKind::Certificate) => &[Prediction::Tls],
        Some(FailureKind::NoResponse) => &[Prediction::Http504, Prediction::Http502],
        Some(FailureKind::Http5xx) => match alb_status(&probed.outcome) {
            Some(504) => &[Prediction::Http504],
            Some(503) => &[Prediction::Http503],
            Some(502) => &[Prediction::Http502],
            _ => &[],
        },
    };
    let explained_by = explaining(findings, explains, probed.zone, Some(probed.port));
    let unexplained = match &failure {
        Some(failure) if explained_by.is_empty() => {
            let mut list = suspects(failure.kind, &probed.outcome);
            if failure.kind == FailureKind::Tls && probed.client_cert_required {
                list.insert(0, "the listener verifies client certificates (mutual TLS) and this probe presents none: the ALB refuses a handshake without one".to_string());
            }
            list
        }
        _ => Vec::new(),
    };
    let contradicts = if probed.outcome.tcp == TcpOutcome::Connected {
        fingerprints(findings, |f| {
            f.severity == Severity::Error
                && predicts(f, Prediction::Connect, probed.zone, Some(probed.port))
        })
    } else {
        Vec::new()
    };
    ProbeResult {
        zone: probed.zone.to_owned(),
        address: probed.address,
        port: probed.port,
        protocol: probed.protocol.to_owned(),
        outcome: probed.outcome,
        certificate_check,
        failure,
        explained_by,
        unexplained,
        contradicts,
    }
}

/// Compares the answer for the ALB's DNS name with its nodes: which zones the answer leaves
/// out, and which answered addresses are no node's.
pub fn dns_check(
    name: &str,
    overridden: bool,
    answer: Result<Vec<IpAddr>, String>,
    plan: &AlbPlan,
) -> DnsCheck {
    let (addresses, error) = match answer {
        Ok(addresses) => (addresses, None),
        Err(error) => (Vec::new(), Some(error)),
    };
    let left_out: Vec<String> = if error.is_some() {
        Vec::new()
    } else {
        plan.nodes
            .iter()
            .filter(|n| !n.addresses.iter().any(|a| addresses.contains(a)))
            .map(|n| n.zone.clone())
            .collect()
    };
    let (zones_shifted, zones_missing) =
        left_out.into_iter().partition(|z| plan.shifted.contains(z));
    let unknown_addresses = addresses
        .iter()
        .copied()
        .filter(|a| !plan.nodes.iter().any(|n| n.addresses.contains(a)))
        .collect();
    DnsCheck {
        name: name.to_owned(),
        overridden,
        addresses,
        zones_missing,
        zones_shifted,
        unknown_addresses,
        error,
    }
}

/// The status of a response the ALB generated itself (`Server: awselb/2.0`).
fn alb_status(outcome: &Outcome) -> Option<u16> {
    let http = outcome.http.as_ref()?;
    (http.generated_by == Some(GeneratedBy::Alb))
        .then_some(http.status)
        .flatten()
}

fn failure_of(p: &Probed<'_>, cert: Option<&CertificateCheck>) -> Option<Failure> {
    let o = &p.outcome;
    let fail = |kind, message: String| Some(Failure { kind, message });
    match o.tcp {
        TcpOutcome::Timeout => {
            return fail(
                FailureKind::ConnectTimeout,
                "connect timed out: no answer to the SYN".into(),
            )
        }
        TcpOutcome::Refused => {
            return fail(
                FailureKind::ConnectRefused,
                "connection refused: the address answered with a reset".into(),
            )
        }
        TcpOutcome::Unreachable => {
            return fail(
                FailureKind::Unreachable,
                "unreachable: this machine has no route to the node".into(),
            )
        }
        TcpOutcome::Connected => {}
    }
    if let Some(tls) = &o.tls {
        if tls.result != "ok" {
            return fail(FailureKind::Tls, format!("TLS handshake: {}", tls.result));
        }
    }
    if let Some(check) = cert {
        if let Some(validity) = check.validity.as_deref().filter(|v| *v != "valid") {
            return fail(
                FailureKind::Certificate,
                format!("the served certificate is {}", validity.replace('-', " ")),
            );
        }
        if p.host_given && check.covers_host == Some(false) {
            return fail(
                FailureKind::Certificate,
                format!("the served certificate does not cover {}", check.host),
            );
        }
    }
    let http = o.http.as_ref()?;
    match (http.status, &http.error) {
        (Some(status), _) if status >= 500 => {
            let by = match http.generated_by {
                Some(GeneratedBy::Alb) => "the ALB",
                _ => "a target",
            };
            fail(FailureKind::Http5xx, format!("HTTP {status} from {by}"))
        }
        (None, Some(error)) => fail(
            FailureKind::NoResponse,
            format!("no response after connecting: {error}"),
        ),
        _ => None,
    }
}

/// The served certificate against `host` and `now`, as a client checks it: subject
/// alternative names when there are any, else the common name (RFC 6125 section 6.4.4).
fn check_certificate(c: &ServedCertificate, host: &str, now: i64) -> CertificateCheck {
    let names: Vec<&str> = if c.dns_names.is_empty() {
        c.subject_cn.iter().map(String::as_str).collect()
    } else {
        c.dns_names.iter().map(String::as_str).collect()
    };
    let covers_host = (host.parse::<IpAddr>().is_err())
        .then(|| tls_names::covered_by(names.iter().copied(), host));
    let at = |s: &str| tls_validity::parse_rfc3339(s).ok();
    let validity = match (at(&c.not_before), at(&c.not_after)) {
        (Some(from), _) if now < from => Some("not-yet-valid"),
        (_, Some(until)) if now > until => Some("expired"),
        (Some(_), Some(_)) => Some("valid"),
        _ => None,
    };
    CertificateCheck {
        host: host.to_owned(),
        covers_host,
        validity: validity.map(str::to_owned),
    }
}

/// What is left to suspect when no finding explains a failure: what the audit cannot see.
fn suspects(kind: FailureKind, outcome: &Outcome) -> Vec<String> {
    let outside = "an intermediate device outside AWS, such as a corporate proxy or firewall, between this machine and the ALB";
    let here = "this machine's own network: a local firewall, or no route toward the ALB's network (an internal ALB is reachable only from networks connected to its VPC)";
    let changed = "a change since the configuration was read (security group, network ACL, route, listener, or targets)";
    let list: Vec<&str> = match kind {
        FailureKind::ConnectTimeout | FailureKind::Unreachable => vec![outside, here, changed],
        FailureKind::ConnectRefused => vec![
            "nothing listens on this port at this address: the listener was removed, or the address no longer belongs to the ALB (nodes are replaced; check its DNS name)",
            outside,
            here,
        ],
        FailureKind::Tls => vec![
            "the listener's security policy and this probe share no protocol version or cipher (the probe speaks TLS 1.2 and 1.3)",
            outside,
            changed,
        ],
        FailureKind::Certificate => vec![
            "the listener chose another certificate for this name (SNI) than the ones the audit checked, or the certificate changed since",
            "the host name is not one the audit was told about: pass it with --hostname",
        ],
        FailureKind::NoResponse | FailureKind::Http5xx => {
            let from_target = outcome
                .http
                .as_ref()
                .is_some_and(|h| h.status.is_some() && h.generated_by != Some(GeneratedBy::Alb));
            if from_target {
                vec!["the application on the target answered with this status itself: the network path works; see its logs"]
            } else {
                vec![
                    "the target does not listen on its port, or firewall software on the target (iptables, Windows Firewall) drops the ALB",
                    "the target answers slower than the ALB's idle timeout, or closes connections sooner than it (keep-alive shorter than the ALB's)",
                    changed,
                ]
            }
        }
    };
    list.into_iter().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Symptom;
    use crate::probe::{HttpOutcome, TlsOutcome};

    fn finding(rule: &str, zone: Option<&str>, port: Option<u16>, symptom: Symptom) -> Finding {
        let mut f = crate::rules::find(rule)
            .expect("a rule")
            .finding("res", "msg", "fix")
            .symptom(symptom);
        f.availability_zone = zone.map(str::to_owned);
        f.port = port;
        f.fingerprint = format!("{rule}-{}-{}", zone.unwrap_or("all"), port.unwrap_or(0));
        f
    }

    fn outcome(tcp: TcpOutcome, http: Option<(Option<u16>, Option<&str>)>) -> Outcome {
        Outcome {
            tcp,
            tls: None,
            http: http.map(|(status, server)| HttpOutcome {
                status,
                server: server.map(str::to_owned),
                generated_by: status.map(|_| GeneratedBy::from_server_header(server)),
                error: status.is_none().then(|| "timed out after 3 s".to_owned()),
            }),
            elapsed_ms: 5,
        }
    }

    fn probed(zone: &str, port: u16, outcome: Outcome) -> Probed<'_> {
        Probed {
            zone,
            address: "10.0.2.10".parse().unwrap(),
            port,
            protocol: "HTTP",
            host: "www.example.com",
            host_given: true,
            client_cert_required: false,
            outcome,
        }
    }

    fn findings() -> Vec<Finding> {
        vec![
            finding(
                "ALB102",
                Some("us-east-1b"),
                Some(80),
                Symptom::IntermittentTimeout,
            ),
            finding("ALB101", None, Some(443), Symptom::Timeout),
            finding("ALB202", None, Some(8080), Symptom::Http504),
            finding(
                "ALB210",
                Some("us-east-1a"),
                None,
                Symptom::IntermittentHttp503,
            ),
            finding("ALB206", None, Some(8080), Symptom::Http502),
            finding("ALB304", None, Some(443), Symptom::TlsError),
        ]
    }

    #[test]
    fn a_timeout_is_explained_by_connect_findings_of_its_node_and_port_only() {
        let r = join(
            probed("us-east-1b", 80, outcome(TcpOutcome::Timeout, None)),
            &findings(),
            0,
        );
        assert_eq!(r.failure.unwrap().kind, FailureKind::ConnectTimeout);
        assert_eq!(r.explained_by, vec!["ALB102-us-east-1b-80"]);
        assert!(r.unexplained.is_empty());
        let r = join(
            probed("us-east-1a", 80, outcome(TcpOutcome::Timeout, None)),
            &findings(),
            0,
        );
        assert!(r.explained_by.is_empty());
        assert_eq!(r.unexplained.len(), 3);
        assert!(r.unexplained[0].contains("intermediate device outside AWS"));
    }

    #[test]
    fn alb_5xx_are_explained_by_backend_and_target_findings_by_zone() {
        let r = join(
            probed(
                "us-east-1a",
                80,
                outcome(TcpOutcome::Connected, Some((Some(504), Some("awselb/2.0")))),
            ),
            &findings(),
            0,
        );
        assert_eq!(r.failure.as_ref().unwrap().message, "HTTP 504 from the ALB");
        assert_eq!(r.explained_by, vec!["ALB202-all-8080"]);
        let r503 = |zone| {
            join(
                probed(
                    zone,
                    80,
                    outcome(TcpOutcome::Connected, Some((Some(503), Some("awselb/2.0")))),
                ),
                &findings(),
                0,
            )
        };
        assert_eq!(r503("us-east-1a").explained_by, vec!["ALB210-us-east-1a-0"]);
        assert!(r503("us-east-1b").explained_by.is_empty());
        let r = join(
            probed(
                "us-east-1b",
                80,
                outcome(TcpOutcome::Connected, Some((Some(502), Some("awselb/2.0")))),
            ),
            &findings(),
            0,
        );
        assert_eq!(r.explained_by, vec!["ALB206-all-8080"]);
    }

    #[test]
    fn a_target_own_503_is_not_the_albs() {
        let r = join(
            probed(
                "us-east-1a",
                80,
                outcome(TcpOutcome::Connected, Some((Some(503), Some("nginx")))),
            ),
            &findings(),
            0,
        );
        assert_eq!(
            r.failure.as_ref().unwrap().message,
            "HTTP 503 from a target"
        );
        assert!(r.explained_by.is_empty());
        assert!(r.unexplained[0].contains("application on the target"));
    }

    #[test]
    fn no_response_in_time_is_explained_by_504_and_502_predictions() {
        let r = join(
            probed(
                "us-east-1b",
                80,
                outcome(TcpOutcome::Connected, Some((None, None))),
            ),
            &findings(),
            0,
        );
        assert_eq!(r.failure.unwrap().kind, FailureKind::NoResponse);
        assert_eq!(r.explained_by, vec!["ALB202-all-8080", "ALB206-all-8080"]);
    }

    #[test]
    fn a_connect_that_worked_contradicts_error_connect_predictions() {
        let r = join(
            probed(
                "us-east-1b",
                80,
                outcome(TcpOutcome::Connected, Some((Some(200), Some("nginx")))),
            ),
            &findings(),
            0,
        );
        assert_eq!(r.failure, None);
        assert!(r.explained_by.is_empty() && r.unexplained.is_empty());
        assert_eq!(r.contradicts, vec!["ALB102-us-east-1b-80"]);
        let mut warning = findings();
        warning[0].severity = Severity::Warning;
        let r = join(
            probed(
                "us-east-1b",
                80,
                outcome(TcpOutcome::Connected, Some((Some(200), None))),
            ),
            &warning,
            0,
        );
        assert!(r.contradicts.is_empty(), "only errors are contradicted");
    }

    #[test]
    fn a_refusal_is_never_explained() {
        let r = join(
            probed("us-east-1b", 80, outcome(TcpOutcome::Refused, None)),
            &findings(),
            0,
        );
        assert_eq!(r.failure.unwrap().kind, FailureKind::ConnectRefused);
        assert!(r.explained_by.is_empty());
        assert!(r.unexplained[0].starts_with("nothing listens on this port"));
    }

    #[test]
    fn a_tls_failure_on_a_mutual_tls_listener_names_the_missing_client_certificate() {
        let refused = || tls_outcome("alert: certificate required", &[], "2027-01-01T00:00:00Z");
        let mut p = probed("us-east-1a", 8443, refused());
        p.client_cert_required = true;
        let r = join(p, &[], 0);
        assert_eq!(r.failure.unwrap().kind, FailureKind::Tls);
        assert!(
            r.unexplained[0].starts_with("the listener verifies client certificates"),
            "{:?}",
            r.unexplained
        );
        let r = join(probed("us-east-1a", 8443, refused()), &[], 0);
        assert!(r
            .unexplained
            .iter()
            .all(|s| !s.contains("client certificates")));
    }

    fn tls_outcome(result: &str, names: &[&str], not_after: &str) -> Outcome {
        Outcome {
            tcp: TcpOutcome::Connected,
            tls: Some(TlsOutcome {
                result: result.into(),
                version: Some("TLSv1.3".into()),
                certificate: Some(ServedCertificate {
                    subject_cn: Some("ignored.example.com".into()),
                    dns_names: names.iter().map(|n| n.to_string()).collect(),
                    not_before: "2025-01-01T00:00:00Z".into(),
                    not_after: not_after.into(),
                }),
            }),
            http: None,
            elapsed_ms: 5,
        }
    }

    #[test]
    fn served_certificates_are_judged_and_explained_by_tls_findings_of_the_port() {
        let now = tls_validity::parse_rfc3339("2026-06-01T00:00:00Z").unwrap();
        let mut p = probed(
            "us-east-1a",
            443,
            tls_outcome("ok", &["*.example.com"], "2027-01-01T00:00:00Z"),
        );
        p.protocol = "HTTPS";
        let r = join(p, &findings(), now);
        assert_eq!(
            r.certificate_check,
            Some(CertificateCheck {
                host: "www.example.com".into(),
                covers_host: Some(true),
                validity: Some("valid".into()),
            })
        );
        assert_eq!(r.failure, None);

        let p = probed(
            "us-east-1a",
            443,
            tls_outcome("ok", &["api.example.org"], "2027-01-01T00:00:00Z"),
        );
        let r = join(p, &findings(), now);
        assert_eq!(
            r.failure.as_ref().unwrap().message,
            "the served certificate does not cover www.example.com"
        );
        assert_eq!(r.explained_by, vec!["ALB304-all-443"]);

        let p = probed(
            "us-east-1a",
            443,
            tls_outcome("ok", &["www.example.com"], "2026-01-01T00:00:00Z"),
        );
        let r = join(p, &findings(), now);
        assert_eq!(
            r.failure.as_ref().unwrap().message,
            "the served certificate is expired"
        );

        let mut p = probed(
            "us-east-1a",
            443,
            tls_outcome("ok", &["api.example.org"], "2027-01-01T00:00:00Z"),
        );
        p.host_given = false;
        let r = join(p, &findings(), now);
        assert_eq!(r.failure, None, "the ALB's own name is not judged");
        assert_eq!(r.certificate_check.unwrap().covers_host, Some(false));

        let p = probed(
            "us-east-1a",
            443,
            tls_outcome(
                "handshake failure: alert HandshakeFailure",
                &[],
                "2027-01-01T00:00:00Z",
            ),
        );
        let r = join(p, &findings(), now);
        assert_eq!(r.failure.unwrap().kind, FailureKind::Tls);
        assert_eq!(r.explained_by, vec!["ALB304-all-443"]);
    }

    #[test]
    fn notes_explain_nothing() {
        let mut f = findings();
        for x in &mut f {
            x.severity = Severity::Note;
        }
        let r = join(
            probed("us-east-1b", 80, outcome(TcpOutcome::Timeout, None)),
            &f,
            0,
        );
        assert!(r.explained_by.is_empty());
        assert!(!r.unexplained.is_empty());
    }

    #[test]
    fn dns_answers_are_compared_with_the_nodes() {
        use crate::probe::plan::NodeAddresses;
        let plan = AlbPlan {
            nodes: ["a", "b"]
                .iter()
                .enumerate()
                .map(|(i, z)| NodeAddresses {
                    zone: format!("us-east-1{z}"),
                    subnet_id: format!("subnet-{z}"),
                    addresses: vec![format!("127.0.{}.10", i + 1).parse().unwrap()],
                })
                .collect(),
            not_probed: Vec::new(),
            listeners: Vec::new(),
            shifted: Vec::new(),
        };
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let d = dns_check(
            "web.elb",
            true,
            Ok(vec![ip("127.0.1.10"), ip("127.0.9.9")]),
            &plan,
        );
        assert_eq!(d.zones_missing, vec!["us-east-1b"]);
        assert_eq!(d.unknown_addresses, vec![ip("127.0.9.9")]);
        let d = dns_check("web.elb", false, Err("no such host".into()), &plan);
        assert!(
            d.zones_missing.is_empty(),
            "an unanswered name says nothing of zones"
        );
        assert_eq!(d.error.as_deref(), Some("no such host"));
        // A zone a zonal shift took out of DNS is expected to be missing.
        let shifted = AlbPlan {
            shifted: vec!["us-east-1b".into()],
            ..plan
        };
        let d = dns_check("web.elb", true, Ok(vec![ip("127.0.1.10")]), &shifted);
        assert!(d.zones_missing.is_empty());
        assert_eq!(d.zones_shifted, vec!["us-east-1b"]);
    }
}
