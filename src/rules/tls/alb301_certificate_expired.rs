//! ALB301: a certificate of an HTTPS listener has expired or is not valid yet.

use super::{
    days, each_certificate, name_of, renew, replace_commands, served_to, CERTIFICATE_LISTS,
};
use crate::analysis::tls::judged_at;
use crate::analysis::AlbContext;
use crate::finding::{Severity, Symptom};
use crate::model::tls::CertificateStatus;
use crate::net::tls_validity::{validity, Validity};
use crate::rules::{Emitter, Rule};

/// The rule: certificates outside their validity period when the snapshot was taken.
pub static RULE: Rule = Rule {
    code: "ALB301",
    name: "certificate-expired",
    severity: Severity::Error,
    title: "An HTTPS listener presents a certificate that has expired or is not valid yet",
    symptom: "tls-error",
    resource: "certificate ARN",
    needs: &CERTIFICATE_LISTS,
    doc: r#"
## What it does
Checks every certificate of every HTTPS listener (the default certificate and the SNI
certificate list) against its validity period, `NotBefore` through `NotAfter` inclusive, at
the moment the snapshot was collected (`collected_at`): a replayed snapshot gives the verdict
of the day it was taken, not of the day it is replayed. A certificate whose dates ACM did not
report but whose ACM status is `EXPIRED` counts as expired.

## Why is this bad?
Clients refuse a certificate outside its validity period: browsers show
`NET::ERR_CERT_DATE_INVALID`, other TLS clients abort the handshake. The default certificate
is served to every client whose SNI name no other certificate covers; an SNI certificate to
the clients that ask for its names.

## How to fix
An imported certificate: import the renewed one into the same ARN (`aws acm
import-certificate --certificate-arn ...`), and every listener that presents it serves the new
one. Otherwise request a new certificate and put it on the listener (`aws elbv2
modify-listener --certificates` for the default certificate, `add-listener-certificates` and
`remove-listener-certificates` for the SNI list). A certificate that is not valid yet: serve
one that is valid now until it starts.

## Example
An imported wildcard certificate for `*.example.com` expired on 2026-10-01; the snapshot was
taken on 2026-11-24: ALB301 names the certificate ARN and the listener on port 443.

## References
- [SSL certificates for your Application Load Balancer](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/https-listener-certificates.html)
- [RFC 5280 §4.1.2.5, Validity](https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.5)
- [Reimport a certificate](https://docs.aws.amazon.com/acm/latest/userguide/import-reimport.html)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    let now = judged_at(ctx.snapshot);
    each_certificate(ctx, out, |listener, entry, cert, out| {
        let now = match &now {
            Ok(now) => *now,
            Err(why) => return out.not_evaluated(why.clone()),
        };
        let state = match validity(cert, now, 0) {
            Ok(state) => state,
            Err(e) => return out.not_evaluated(format!("certificate {}: {e}", cert.arn)),
        };
        let when = match (state, cert.status) {
            (Some(Validity::Expired { expired_for }), _) => format!(
                "expired on {}, {} before this snapshot was taken",
                cert.not_after.as_deref().unwrap_or_default(),
                days(expired_for)
            ),
            (None, Some(CertificateStatus::Expired)) => {
                "has expired (ACM status EXPIRED; ACM reported no validity dates)".to_string()
            }
            (Some(Validity::NotYetValid { starts_in }), _) => format!(
                "is not valid until {}, {} after this snapshot was taken",
                cert.not_before.as_deref().unwrap_or_default(),
                days(starts_in)
            ),
            (None, Some(CertificateStatus::Issued)) => {
                return out.not_evaluated(format!(
                    "certificate {}: ACM reported no validity period",
                    cert.arn
                ))
            }
            // Not issued, and no dates to judge: ALB303 reports the status.
            _ => return,
        };
        let not_yet = matches!(state, Some(Validity::NotYetValid { .. }));
        let message = format!(
            "Certificate {} on the HTTPS listener on port {} ({}) {when}: browsers refuse it with NET::ERR_CERT_DATE_INVALID and other TLS clients abort the handshake.",
            name_of(cert),
            listener.port,
            served_to(entry)
        );
        let remediation = if not_yet {
            format!(
                "Until it becomes valid, present a certificate for {} that is valid now: {}.",
                cert.names().join(", "),
                replace_commands(listener, entry, "VALID_CERTIFICATE_ARN")
            )
        } else {
            renew(cert, listener, entry)
        };
        out.emit(
            RULE.finding(&cert.arn, message, remediation)
                .port(listener.port)
                .symptom(Symptom::TlsError)
                .change(vec![cert.arn.clone()])
                .evidence("listener", listener.arn.as_str())
                .evidence("default_certificate", entry.is_default)
                .evidence("names", cert.names())
                .evidence("not_before", cert.not_before.clone())
                .evidence("not_after", cert.not_after.clone())
                .evidence("judged_at", ctx.snapshot.collected_at.clone()),
        );
    });
}
