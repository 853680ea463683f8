//! ALB303: a listener certificate's ACM status is not `ISSUED`.

use super::{each_certificate, name_of, renew, served_to, CERTIFICATE_LISTS};
use crate::analysis::AlbContext;
use crate::finding::{Severity, Symptom};
use crate::model::tls::CertificateStatus;
use crate::rules::{Emitter, Rule};

/// The rule: certificates ACM holds but has not issued, or no longer considers valid.
pub static RULE: Rule = Rule {
    code: "ALB303",
    name: "certificate-not-issued",
    severity: Severity::Error,
    title: "A listener certificate is not issued in ACM (revoked, failed, pending, inactive)",
    symptom: "tls-error",
    resource: "certificate ARN",
    needs: &CERTIFICATE_LISTS,
    doc: r#"
## What it does
Checks the ACM status of every certificate of every HTTPS listener: anything but `ISSUED` is
reported — `REVOKED`, `FAILED`, `PENDING_VALIDATION`, `VALIDATION_TIMED_OUT`, `INACTIVE`.
`EXPIRED` is ALB301's (judged by the dates at collection time). A status this build does not
know is reported as not evaluated, never passed.

## Why is this bad?
Only an issued certificate is a valid one. A revoked certificate is refused by clients that
check revocation (browsers show `NET::ERR_CERT_REVOKED`); a certificate that was never issued
or is no longer active has no valid chain to a trusted CA, so clients reject what the listener
presents (a TLS error such as `NET::ERR_CERT_AUTHORITY_INVALID`) or the handshake fails.

## How to fix
Request (or import) a new certificate for the same names, wait until ACM has issued it, and put
it on the listener in place of this one (`aws elbv2 modify-listener --certificates` for the
default certificate; `add-listener-certificates` then `remove-listener-certificates` for an SNI
certificate). For `PENDING_VALIDATION`, complete the DNS or email validation instead.

## Example
The CA revoked the certificate for `api.example.com` after a key compromise: ALB303 names its
ARN, the listener on port 443 and the commands to replace it.

## References
- [CertificateDetail (Status)](https://docs.aws.amazon.com/acm/latest/APIReference/API_CertificateDetail.html)
- [ACM DNS validation](https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html)
- [Update an HTTPS listener](https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-update-certificates.html)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    each_certificate(ctx, out, |listener, entry, cert, out| {
        let (status, sees) = match cert.status {
            Some(CertificateStatus::Issued | CertificateStatus::Expired) => return,
            Some(CertificateStatus::Revoked) => (
                "REVOKED",
                "clients that check revocation refuse it (browsers: NET::ERR_CERT_REVOKED)",
            ),
            Some(CertificateStatus::PendingValidation) => (
                "PENDING_VALIDATION",
                "ACM has not issued it yet, so it has no valid chain: clients reject it (e.g. NET::ERR_CERT_AUTHORITY_INVALID) or the handshake fails",
            ),
            Some(CertificateStatus::ValidationTimedOut) => (
                "VALIDATION_TIMED_OUT",
                "ACM never issued it, so it has no valid chain: clients reject it (e.g. NET::ERR_CERT_AUTHORITY_INVALID) or the handshake fails",
            ),
            Some(CertificateStatus::Failed) => (
                "FAILED",
                "ACM never issued it, so it has no valid chain: clients reject it (e.g. NET::ERR_CERT_AUTHORITY_INVALID) or the handshake fails",
            ),
            Some(CertificateStatus::Inactive) => (
                "INACTIVE",
                "it is no longer active, so clients reject it (e.g. NET::ERR_CERT_AUTHORITY_INVALID) or the handshake fails",
            ),
            Some(CertificateStatus::Unknown) | None => {
                return out.not_evaluated(format!(
                    "certificate {}: ACM reported a status this build does not know",
                    cert.arn
                ))
            }
        };
        let message = format!(
            "Certificate {} on the HTTPS listener on port {} ({}) has ACM status {status}: {sees}.",
            name_of(cert),
            listener.port,
            served_to(entry)
        );
        let mut remediation = renew(cert, listener, entry);
        if cert.status == Some(CertificateStatus::PendingValidation) {
            remediation = format!(
                "Complete its validation (`aws acm describe-certificate --certificate-arn {}` lists the DNS records ACM waits for). If it cannot be validated: {remediation}",
                cert.arn
            );
        }
        out.emit(
            RULE.finding(&cert.arn, message, remediation)
                .port(listener.port)
                .symptom(Symptom::TlsError)
                .change(vec![cert.arn.clone()])
                .evidence("listener", listener.arn.as_str())
                .evidence("default_certificate", entry.is_default)
                .evidence("names", cert.names())
                .evidence("status", status),
        );
    });
}
