//! TLS on an ALB's HTTPS listeners, decided once for the rules ALB301–ALB305 to phrase: which
//! certificates a listener presents and what could be read of them, the moment their validity
//! is judged at, which host names a listener must cover and whether its certificates do, its
//! security policy, and the predefined policy that admits given clients.
//!
//! The semantics themselves are [`crate::net::tls_names`] (RFC 6125 name matching and
//! host-header patterns), [`crate::net::tls_validity`] and [`crate::net::tls_policy`]; this
//! module joins them with the snapshot.
//!
//! # Host names a listener must cover
//! Every `--hostname`, and every host-header value of a listener rule that forwards. A value
//! without `*` or `?` is one host: some certificate name must cover it. A value with wildcards
//! is an ELB pattern, where `*` matches any run of characters *including dots*; it is covered
//! when every host it admits is ([`crate::net::tls_names::pattern_coverage`]). Because a
//! certificate wildcard covers exactly one label, a pattern such as `*.example.com` is never
//! wholly covered (it admits `a.b.example.com`); what matters is whether its everyday hosts
//! are. So a pattern is also checked with each `*` standing for a single character
//! (`?.example.com`, i.e. one-label hosts like `a.example.com`): when those already escape the
//! certificates, the pattern's hosts are plainly uncovered ([`Coverage::NotCovered`] with
//! `everyday` true); when only longer hosts escape (`a.b.example.com`), it is worth knowing but
//! usually by design (`everyday` false).
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html#host-conditions>
//!
//! # Which certificate a client gets
//! The listener picks the certificate by the client's SNI name among the default certificate
//! and the certificate list; a client that sends no SNI name, or one no certificate covers,
//! gets the default certificate, whose names then do not match.
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/https-listener-certificates.html>

use crate::finding::{Judgement, Severity, Symptom};
use crate::model::tls::{Certificate, CertificateSource, ListenerCertificate, SslPolicy};
use crate::model::{Dataset, Listener, Snapshot};
use crate::net::tls_names::{covered_by, pattern_coverage, PatternCoverage};
use crate::net::tls_policy::TlsVersion;
use crate::net::tls_validity::parse_rfc3339;

/// `--cert-expiry-days` when not given: ACM starts renewing its own certificates 60 days
/// before they expire; a month's notice leaves time to replace one that nobody renews.
pub const DEFAULT_CERT_EXPIRY_DAYS: u32 = 30;

/// What the user asked of the HTTPS listeners beyond the snapshot itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsOptions {
    /// `--hostname`: host names clients use, which every HTTPS listener must cover.
    pub hostnames: Vec<String>,
    /// `--client-tls`: the TLS versions of the oldest clients that must still connect.
    pub client_tls: Vec<TlsVersion>,
    /// `--cert-expiry-days`: how long before a certificate that nobody renews expires to warn.
    pub cert_expiry_days: u32,
    /// `--client-cert`: a client's chain that mutual-TLS `verify` listeners must accept.
    pub client_cert: Option<crate::analysis::mtls::ClientChain>,
}

impl Default for TlsOptions {
    fn default() -> Self {
        TlsOptions {
            hostnames: Vec::new(),
            client_tls: Vec::new(),
            cert_expiry_days: DEFAULT_CERT_EXPIRY_DAYS,
            client_cert: None,
        }
    }
}

/// One certificate of a listener as far as it could be read.
#[derive(Clone, Debug)]
pub enum Presented<'a> {
    /// Described by ACM.
    Read(&'a Certificate),
    /// Not read: why, in one line that names the certificate.
    NotRead(String),
}

/// Every certificate `listener` presents, in its list order, with what was read of it. IAM
/// server certificates are not read (alb-audit calls ACM only); an ACM certificate that is
/// missing or has no status was not read, for the reasons the snapshot's gaps give.
pub fn presented<'a>(
    snapshot: &'a Snapshot,
    lb_arn: &str,
    listener: &'a Listener,
) -> Vec<(&'a ListenerCertificate, Presented<'a>)> {
    listener
        .certificates
        .iter()
        .map(|entry| {
            let arn = &entry.arn;
            let known = snapshot.certificates.get(arn);
            let source = known.map_or_else(|| CertificateSource::of_arn(arn), |c| c.source);
            let state = match (source, known) {
                (CertificateSource::Acm, Some(cert)) if cert.status.is_some() => {
                    Presented::Read(cert)
                }
                (CertificateSource::Acm, _) => {
                    let reasons: Vec<String> = snapshot
                        .gaps_for(lb_arn, Dataset::Certificates)
                        .map(|g| format!("{}: {}", g.api, g.error))
                        .collect();
                    if reasons.is_empty() {
                        Presented::NotRead(format!("certificate {arn} was not read"))
                    } else {
                        Presented::NotRead(format!(
                            "certificate {arn} was not read ({})",
                            reasons.join("; ")
                        ))
                    }
                }
                (CertificateSource::Iam, _) => Presented::NotRead(format!(
                    "certificate {arn} is an IAM server certificate: alb-audit reads ACM certificates only"
                )),
                (CertificateSource::Unknown, _) => Presented::NotRead(format!(
                    "certificate {arn} is neither an ACM nor an IAM certificate ARN"
                )),
            };
            (entry, state)
        })
        .collect()
}

/// Why an HTTPS listener with an empty certificate list cannot be judged: AWS requires a
/// default certificate, so none recorded means none was read.
pub fn no_certificate_recorded(listener: &Listener) -> String {
    format!(
        "no certificate was recorded for the HTTPS listener on port {} (snapshots before format 3 hold none)",
        listener.port
    )
}

/// The moment certificate validity is judged at, in Unix seconds: when the snapshot was
/// collected, so that replaying a snapshot gives the live run's verdict.
pub fn judged_at(snapshot: &Snapshot) -> Result<i64, String> {
    let at = snapshot
        .collected_at
        .as_deref()
        .ok_or("the snapshot records no collection time (collected_at), so certificate validity cannot be judged")?;
    parse_rfc3339(at).map_err(|e| format!("collected_at: {e}"))
}

/// Where a host name a listener must cover comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameSource {
    /// `--hostname`.
    Flag,
    /// A host-header condition of a listener rule that forwards.
    HostHeader,
}

/// The host names and host-header patterns `listener` must cover: every `--hostname`, then
/// its rules' host-header values, each once (compared ignoring ASCII case and one trailing
/// dot, as TLS clients compare names).
pub fn served<'a>(options: &'a TlsOptions, listener: &'a Listener) -> Vec<(&'a str, NameSource)> {
    let mut out: Vec<(&str, NameSource)> = Vec::new();
    let flags = options.hostnames.iter().map(|h| (h, NameSource::Flag));
    let headers = listener
        .host_headers
        .iter()
        .map(|h| (h, NameSource::HostHeader));
    for (name, source) in flags.chain(headers) {
        let key = canonical(name);
        if !out.iter().any(|(known, _)| canonical(known) == key) {
            out.push((name.as_str(), source));
        }
    }
    out
}

fn canonical(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

/// Whether a host-header value is a pattern (holds `*` or `?`) rather than one host.
pub fn is_pattern(name: &str) -> bool {
    name.contains(['*', '?'])
}

/// Whether a listener's certificates cover a host name or host-header pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Coverage {
    /// Every host it stands for is covered by a certificate that was read.
    Covered,
    /// Some host it stands for is covered by no certificate of the listener.
    NotCovered {
        /// A shortest such host, in lowercase.
        example: String,
        /// True for a single host, and for a pattern whose one-label hosts already escape
        /// (see the module documentation); false when only longer hosts of a pattern do.
        everyday: bool,
    },
    /// Not decided: certificates that could not be read might cover it, or the pattern
    /// search gave up. The reason, in one line.
    Unknown(String),
    /// A pattern that admits no valid host name: nothing to cover.
    NoHost,
}

/// What an uncovered name does (ALB304): clients asking for an everyday name
/// ([`Coverage::NotCovered`]) fail the handshake (an error); deeper hosts only a pattern
/// admits, which few clients ask for, are a note.
pub fn uncovered(everyday: bool) -> Judgement {
    let severity = if everyday {
        Severity::Error
    } else {
        Severity::Note
    };
    Judgement::new(severity, Some(Symptom::TlsError))
}

/// Whether the certificates of `presented` cover `name` (a host or a host-header pattern).
pub fn coverage(presented: &[(&ListenerCertificate, Presented)], name: &str) -> Coverage {
    let names: Vec<&str> = presented
        .iter()
        .filter_map(|(_, p)| match p {
            Presented::Read(cert) => Some(cert.names()),
            Presented::NotRead(_) => None,
        })
        .flatten()
        .collect();
    let unread: Vec<&str> = presented
        .iter()
        .filter_map(|(_, p)| match p {
            Presented::NotRead(why) => Some(why.as_str()),
            Presented::Read(_) => None,
        })
        .collect();
    let not_covered = |example: String, everyday: bool| {
        if unread.is_empty() {
            Coverage::NotCovered { example, everyday }
        } else {
            Coverage::Unknown(format!(
                "{name}: no certificate that was read covers it, and {}",
                unread.join("; ")
            ))
        }
    };
    if !is_pattern(name) {
        return if covered_by(names.iter().copied(), name) {
            Coverage::Covered
        } else {
            not_covered(canonical(name), true)
        };
    }
    match pattern_coverage(names.iter().copied(), name) {
        PatternCoverage::Covered => Coverage::Covered,
        PatternCoverage::MatchesNoHost => Coverage::NoHost,
        PatternCoverage::Undecided => Coverage::Unknown(format!(
            "{name}: too many certificate names and wildcards to decide whether they cover every host it admits"
        )),
        PatternCoverage::NotCovered { example } => {
            match pattern_coverage(names.iter().copied(), &name.replace('*', "?")) {
                PatternCoverage::NotCovered { example } => not_covered(example, true),
                _ => not_covered(example, false),
            }
        }
    }
}

/// The security policy of an HTTPS listener, or why it is not known.
pub fn policy<'a>(
    snapshot: &'a Snapshot,
    lb_arn: &str,
    listener: &Listener,
) -> Result<&'a SslPolicy, String> {
    let Some(name) = listener.ssl_policy.as_deref() else {
        return Err(format!(
            "no security policy was recorded for the HTTPS listener on port {}",
            listener.port
        ));
    };
    snapshot.ssl_policies.get(name).ok_or_else(|| {
        let reasons: Vec<String> = snapshot
            .gaps_for(lb_arn, Dataset::SslPolicies)
            .map(|g| format!("{}: {}", g.api, g.error))
            .collect();
        if reasons.is_empty() {
            format!("security policy {name} was not read")
        } else {
            format!(
                "security policy {name} was not read ({})",
                reasons.join("; ")
            )
        }
    })
}

/// The predefined policy AWS recommends among those that still admit clients as old as
/// `oldest`, and the versions it allows: the TLS 1.3 policies of 2021 keep TLS 1.3 for
/// current clients and reach down to 1.0, 1.1 or 1.2 (the last is AWS's recommended policy).
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html>
pub fn policy_admitting(oldest: TlsVersion) -> (&'static str, &'static str) {
    match oldest {
        TlsVersion::Tls1_0 => ("ELBSecurityPolicy-TLS13-1-0-2021-06", "TLS 1.0 to 1.3"),
        TlsVersion::Tls1_1 => ("ELBSecurityPolicy-TLS13-1-1-2021-06", "TLS 1.1 to 1.3"),
        TlsVersion::Tls1_2 | TlsVersion::Tls1_3 => {
            ("ELBSecurityPolicy-TLS13-1-2-2021-06", "TLS 1.2 and 1.3")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tls::CertificateStatus;
    use crate::model::Gap;
    use crate::net::tls_names::covers;
    use crate::net::tls_policy::handshake;
    use proptest::prelude::*;

    const LB: &str = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/web/1";

    fn cert(arn: &str, names: &[&str]) -> Certificate {
        Certificate {
            arn: arn.into(),
            source: CertificateSource::of_arn(arn),
            status: Some(CertificateStatus::Issued),
            kind: None,
            domain_name: names.first().copied().unwrap_or_default().into(),
            subject_alternative_names: names.iter().map(|n| n.to_string()).collect(),
            not_before: None,
            not_after: None,
            renewal_eligibility: None,
            in_use_by: vec![],
        }
    }

    fn acm(id: &str) -> String {
        format!("arn:aws:acm:us-east-1:1:certificate/{id}")
    }

    fn https(certs: &[&str]) -> Listener {
        Listener {
            arn: "l443".into(),
            port: 443,
            protocol: "HTTPS".into(),
            forwards: vec![],
            ssl_policy: Some("p".into()),
            certificates: certs
                .iter()
                .enumerate()
                .map(|(i, arn)| ListenerCertificate {
                    arn: arn.to_string(),
                    is_default: i == 0,
                })
                .collect(),
            host_headers: vec![],
            host_header_regexes: vec![],
            rules: Vec::new(),
            mutual_authentication: None,
        }
    }

    fn snapshot(certs: Vec<Certificate>) -> Snapshot {
        Snapshot {
            certificates: certs.into_iter().map(|c| (c.arn.clone(), c)).collect(),
            ..Snapshot::default()
        }
    }

    #[test]
    fn what_could_not_be_read_says_why() {
        let iam = "arn:aws:iam::1:server-certificate/web";
        let (read, failed, missing) = (acm("a"), acm("b"), acm("c"));
        let mut snap = snapshot(vec![
            cert(&read, &["a.example.com"]),
            Certificate {
                status: None,
                ..cert(&failed, &[])
            },
        ]);
        snap.gaps.push(Gap {
            dataset: Dataset::Certificates,
            api: "acm:DescribeCertificate".into(),
            error: "access denied".into(),
            load_balancer: Some(LB.into()),
        });
        let l = https(&[&read, &failed, &missing, iam, "junk"]);
        let got: Vec<String> = presented(&snap, LB, &l)
            .into_iter()
            .map(|(_, p)| match p {
                Presented::Read(c) => format!("read {}", c.domain_name),
                Presented::NotRead(why) => why,
            })
            .collect();
        assert_eq!(
            got,
            [
                "read a.example.com".to_string(),
                format!("certificate {failed} was not read (acm:DescribeCertificate: access denied)"),
                format!("certificate {missing} was not read (acm:DescribeCertificate: access denied)"),
                format!("certificate {iam} is an IAM server certificate: alb-audit reads ACM certificates only"),
                "certificate junk is neither an ACM nor an IAM certificate ARN".to_string(),
            ]
        );
        // Another ALB's gap is not this one's.
        let other = presented(&snap, "other", &l);
        assert!(matches!(&other[2].1, Presented::NotRead(why) if why.ends_with("was not read")));
    }

    #[test]
    fn validity_is_judged_when_collected() {
        let mut snap = Snapshot::default();
        assert!(judged_at(&snap).unwrap_err().contains("collected_at"));
        snap.collected_at = Some("2026-11-24T12:00:00Z".into());
        assert_eq!(judged_at(&snap), Ok(1_795_521_600));
        snap.collected_at = Some("yesterday".into());
        assert!(judged_at(&snap)
            .unwrap_err()
            .starts_with("collected_at: 'yesterday'"));
    }

    #[test]
    fn served_names_come_once_flags_first() {
        let options = TlsOptions {
            hostnames: vec!["WWW.example.com".into(), "api.example.com".into()],
            ..TlsOptions::default()
        };
        let mut l = https(&[]);
        l.host_headers = vec!["www.example.com.".into(), "*.example.com".into()];
        assert_eq!(
            served(&options, &l),
            [
                ("WWW.example.com", NameSource::Flag),
                ("api.example.com", NameSource::Flag),
                ("*.example.com", NameSource::HostHeader),
            ]
        );
    }

    #[test]
    fn coverage_of_hosts_and_patterns() {
        let (wild, apex) = (acm("w"), acm("x"));
        let snap = snapshot(vec![
            cert(&wild, &["*.example.com"]),
            cert(&apex, &["example.com", "www.example.org"]),
        ]);
        let l = https(&[&wild, &apex]);
        let p = presented(&snap, LB, &l);
        assert_eq!(coverage(&p, "Shop.Example.com."), Coverage::Covered);
        assert_eq!(coverage(&p, "example.com"), Coverage::Covered);
        assert_eq!(
            coverage(&p, "a.b.example.com"),
            Coverage::NotCovered {
                example: "a.b.example.com".into(),
                everyday: true
            }
        );
        // One-label hosts are covered; only deeper ones escape.
        assert_eq!(
            coverage(&p, "*.example.com"),
            Coverage::NotCovered {
                example: "a.a.example.com".into(),
                everyday: false
            }
        );
        assert_eq!(
            coverage(&p, "*.example.org"),
            Coverage::NotCovered {
                example: "a.example.org".into(),
                everyday: true
            }
        );
        assert_eq!(
            coverage(&p, "www.example.???"),
            Coverage::NotCovered {
                example: "www.example.aaa".into(),
                everyday: true
            }
        );
        assert_eq!(
            coverage(&p, "ww?.example.org"),
            Coverage::NotCovered {
                example: "wwa.example.org".into(),
                everyday: true
            }
        );
        assert_eq!(coverage(&p, "a..b*"), Coverage::NoHost);
        // Something unread might cover it: unknown, never a finding.
        let unread = https(&[&wild, "arn:aws:iam::1:server-certificate/x"]);
        let p = presented(&snap, LB, &unread);
        assert_eq!(coverage(&p, "a.example.com"), Coverage::Covered);
        assert!(
            matches!(coverage(&p, "example.org"), Coverage::Unknown(why) if why.contains("IAM"))
        );
    }

    #[test]
    fn recommended_policies_admit_what_they_claim() {
        // The protocols of AWS's TLS 1.3 policies of 2021-06, as the security policy page
        // lists them, each with one cipher usable at every version it allows.
        let protocols = |oldest: &str| -> Vec<String> {
            ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
                .iter()
                .skip_while(|p| **p != oldest)
                .map(|p| p.to_string())
                .collect()
        };
        for oldest in TlsVersion::ALL {
            let (name, _) = policy_admitting(oldest);
            let lowest = match name {
                "ELBSecurityPolicy-TLS13-1-0-2021-06" => "TLSv1",
                "ELBSecurityPolicy-TLS13-1-1-2021-06" => "TLSv1.1",
                "ELBSecurityPolicy-TLS13-1-2-2021-06" => "TLSv1.2",
                other => panic!("unexpected {other}"),
            };
            let p = SslPolicy {
                name: name.into(),
                protocols: protocols(lowest),
                ciphers: vec![
                    "TLS_AES_128_GCM_SHA256".into(),
                    "ECDHE-RSA-AES128-GCM-SHA256".into(),
                    "ECDHE-RSA-AES128-SHA".into(),
                ],
            };
            for v in TlsVersion::ALL.into_iter().filter(|v| *v >= oldest) {
                assert_eq!(handshake(&p, v), Ok(()), "{name} {v}");
            }
        }
    }

    /// Host names over a small alphabet, so that collisions with certificate names are common.
    fn host() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(vec!["a", "b", "ab"]), 1..=4)
            .prop_map(|labels| labels.join("."))
    }

    fn cert_name() -> impl Strategy<Value = String> {
        (any::<bool>(), host()).prop_map(|(wild, h)| if wild { format!("*.{h}") } else { h })
    }

    proptest! {
        /// A single host is covered exactly when some name of some readable certificate
        /// covers it; certificates that were not read turn a miss into "unknown", never
        /// into a finding.
        #[test]
        fn host_coverage_matches_the_names(
            certs in prop::collection::vec(prop::collection::vec(cert_name(), 1..3), 0..3),
            unread in any::<bool>(),
            host in host(),
        ) {
            let mut arns: Vec<String> = Vec::new();
            let mut list = Vec::new();
            for (i, names) in certs.iter().enumerate() {
                let arn = acm(&i.to_string());
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                list.push(cert(&arn, &refs));
                arns.push(arn);
            }
            if unread {
                arns.push("arn:aws:iam::1:server-certificate/x".into());
            }
            let snap = snapshot(list);
            let refs: Vec<&str> = arns.iter().map(String::as_str).collect();
            let l = https(&refs);
            let got = coverage(&presented(&snap, LB, &l), &host);
            let oracle = certs.iter().flatten().any(|n| covers(n, &host));
            match got {
                Coverage::Covered => prop_assert!(oracle),
                Coverage::NotCovered { example, everyday } => {
                    prop_assert!(!oracle && !unread && everyday);
                    prop_assert_eq!(example, host);
                }
                Coverage::Unknown(_) => prop_assert!(!oracle && unread),
                Coverage::NoHost => prop_assert!(false, "a host is not a pattern"),
            }
        }
    }
}
