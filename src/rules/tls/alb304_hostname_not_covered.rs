//! ALB304: a host name the ALB serves is covered by no certificate of the HTTPS listener.

use serde_json::Value;

use super::name_of;
use crate::analysis::tls::{
    coverage, is_pattern, judged_at, no_certificate_recorded, presented, served, uncovered,
    Coverage, NameSource, Presented,
};
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::model::tls::{Certificate, CertificateSource, CertificateStatus};
use crate::model::{Dataset, Listener};
use crate::net::tls_names::{covered_by, pattern_coverage, PatternCoverage};
use crate::net::tls_validity::{validity, Validity};
use crate::rules::{Emitter, Rule};

/// The rule: names clients use that the listener's certificates do not cover.
pub static RULE: Rule = Rule {
    code: "ALB304",
    name: "hostname-not-covered",
    severity: Severity::Error,
    title: "A host name the ALB serves is covered by no certificate of the HTTPS listener",
    symptom: "tls-error",
    resource: "listener ARN",
    needs: &[
        Dataset::Listeners,
        Dataset::ListenerRules,
        Dataset::ListenerCertificates,
    ],
    doc: r#"
## What it does
For every HTTPS listener, checks that its certificates (the default certificate and the SNI
certificate list) cover every host name clients use: each `--hostname`, and each host-header
value of a listener rule that forwards. Names match as TLS clients match them (RFC 6125): exactly,
ignoring case, or by a wildcard in the left-most label that stands for exactly one label —
`*.example.com` covers `www.example.com`, but neither `example.com` nor `a.b.example.com`.

A host-header value with wildcards (`*` for any run of characters, dots included; `?` for one
character) is checked for every host it admits. Since a certificate wildcard covers one label,
no certificate covers all of `*.example.com` (it admits `a.b.example.com`), so the pattern is
also checked with each `*` standing for one character: when even those one-label hosts escape
(no `*.example.com` certificate at all), it is an error; when only longer names do, a note
naming the shortest such host. Regular-expression conditions are listed as not evaluated.

## Why is this bad?
A client whose name no certificate covers gets the default certificate, whose names do not
match: browsers show `NET::ERR_CERT_COMMON_NAME_INVALID`, other TLS clients abort the
handshake. Requests for that name never reach the rule that was written for them.

## How to fix
Add a certificate that covers the name to the listener's certificate list (`aws elbv2
add-listener-certificates`): an existing ACM certificate when one covers it (the finding names
it), or a new one (`aws acm request-certificate`). Or narrow the host-header condition to the
names clients use.

## Example
The listener presents `*.example.com`; `--hostname example.com` is not covered (a wildcard
never covers the apex): ALB304 names the listener and the certificate to add.

## References
- [SSL certificates for your Application Load Balancer](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/https-listener-certificates.html)
- [Host conditions](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html#host-conditions)
- [RFC 6125 §6.4, Matching the DNS domain name portion](https://www.rfc-editor.org/rfc/rfc6125#section-6.4)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    for listener in ctx.lb.listeners.iter().filter(|l| l.is_https()) {
        let names = served(ctx.tls, listener);
        for regex in &listener.host_header_regexes {
            out.not_evaluated(format!(
                "host-header regular expression `{regex}` on the listener on port {} is not checked against its certificates",
                listener.port
            ));
        }
        if names.is_empty() {
            continue;
        }
        if listener.certificates.is_empty() {
            out.not_evaluated(no_certificate_recorded(listener));
            continue;
        }
        let certs = presented(ctx.snapshot, &ctx.lb.arn, listener);
        for (name, source) in names {
            match coverage(&certs, name) {
                Coverage::Covered | Coverage::NoHost => {}
                Coverage::Unknown(why) => out.not_evaluated(why),
                Coverage::NotCovered { example, everyday } => {
                    let default = certs.iter().find(|(entry, _)| entry.is_default);
                    let served = match default {
                        Some((_, Presented::Read(cert))) => format!(
                            "its default certificate {} ({})",
                            name_of(cert),
                            cert.names().join(", ")
                        ),
                        _ => "its default certificate".to_string(),
                    };
                    let subject = match (source, is_pattern(name)) {
                        (NameSource::Flag, _) => format!("{name} (--hostname)"),
                        (NameSource::HostHeader, false) => {
                            format!("{name} (host-header condition of a forwarding rule)")
                        }
                        (NameSource::HostHeader, true) => format!(
                            "{example} (admitted by the forwarding rule's host-header condition {name})"
                        ),
                    };
                    let mut message = format!(
                        "No certificate of the HTTPS listener on port {} covers {subject}: clients asking for it get {served}, which browsers refuse with NET::ERR_CERT_COMMON_NAME_INVALID (other TLS clients abort the handshake).",
                        listener.port
                    );
                    if !everyday {
                        message.push_str(&format!(
                            " Hosts of one label under the condition are covered; ELB's `*` also matches dots, so {name} admits deeper names that a certificate wildcard (one label) never covers."
                        ));
                    }
                    let fix = remediation(ctx, listener, name, &example, everyday);
                    let listed: Vec<Value> = certs
                        .iter()
                        .map(|(entry, p)| match p {
                            Presented::Read(c) => {
                                Value::from(format!("{} ({})", entry.arn, c.names().join(", ")))
                            }
                            Presented::NotRead(_) => Value::from(entry.arn.as_str()),
                        })
                        .collect();
                    let finding = RULE
                        .finding(&listener.arn, message, fix)
                        .port(listener.port)
                        .judged(uncovered(everyday))
                        .change(vec![listener.arn.clone()])
                        .cause_key(format!(
                            "{} {}",
                            listener.arn,
                            name.trim_end_matches('.').to_ascii_lowercase()
                        ))
                        .evidence("host", name)
                        .evidence(
                            "from",
                            match source {
                                NameSource::Flag => "--hostname",
                                NameSource::HostHeader => "host-header condition",
                            },
                        )
                        .evidence("uncovered_example", example.as_str())
                        .evidence("certificates", listed);
                    out.emit(finding);
                }
            }
        }
    }
}

/// Which certificate to add to which listener: an issued, currently valid ACM certificate of
/// the snapshot that covers the name (the whole pattern if one does, else the uncovered
/// example), else a new one to request.
fn remediation(
    ctx: &AlbContext,
    listener: &Listener,
    name: &str,
    example: &str,
    everyday: bool,
) -> String {
    let now = judged_at(ctx.snapshot).ok();
    let usable = |c: &&Certificate| {
        c.source == CertificateSource::Acm
            && c.status == Some(CertificateStatus::Issued)
            && now.is_none_or(|now| matches!(validity(c, now, 0), Ok(Some(Validity::Valid { .. }))))
    };
    let whole = |c: &&Certificate| {
        if is_pattern(name) {
            pattern_coverage(c.names(), name) == PatternCoverage::Covered
        } else {
            covered_by(c.names(), name)
        }
    };
    let certs = || ctx.snapshot.certificates.values().filter(usable);
    let found = certs()
        .find(whole)
        .or_else(|| certs().find(|c| covered_by(c.names(), example)));
    let add = |arn: &str| {
        format!(
            "`aws elbv2 add-listener-certificates --listener-arn {} --certificates CertificateArn={arn}`",
            listener.arn
        )
    };
    let fix = match found {
        Some(cert) => format!(
            "Add certificate {} ({}), which covers {example}, to the listener on port {}: {}.",
            name_of(cert),
            cert.arn,
            listener.port,
            add(&cert.arn)
        ),
        None => format!(
            "Request a certificate for {example} (`aws acm request-certificate --domain-name {example} --validation-method DNS`) and, once ACM has issued it, add it to the listener on port {}: {}.",
            listener.port,
            add("NEW_CERTIFICATE_ARN")
        ),
    };
    if everyday {
        return fix;
    }
    let mut chars = fix.chars();
    let fix: String = chars
        .next()
        .map(|c| c.to_ascii_lowercase())
        .into_iter()
        .chain(chars)
        .collect();
    format!("If clients use names like {example}: {fix} Otherwise narrow the condition {name} to the names clients use.")
}
