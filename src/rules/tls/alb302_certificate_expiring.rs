//! ALB302: a listener certificate that nobody renews expires soon.

use super::{days, each_certificate, name_of, renew, served_to, CERTIFICATE_LISTS};
use crate::analysis::tls::judged_at;
use crate::analysis::AlbContext;
use crate::finding::Severity;
use crate::model::tls::{CertificateKind, RenewalEligibility};
use crate::net::tls_validity::{validity, Validity};
use crate::rules::{Emitter, Rule};

/// The rule: certificates within `--cert-expiry-days` of expiry that ACM will not renew.
pub static RULE: Rule = Rule {
    code: "ALB302",
    name: "certificate-expiring",
    severity: Severity::Warning,
    title: "A listener certificate expires soon and is not renewed by ACM",
    symptom: "null (nothing fails yet; tls-error once it expires, ALB301)",
    resource: "certificate ARN",
    needs: &CERTIFICATE_LISTS,
    doc: r#"
## What it does
Checks every certificate of every HTTPS listener for one that is still valid when the snapshot
was collected but expires within `--cert-expiry-days` days (default 30) and is not eligible for
ACM's managed renewal (`RenewalEligibility` other than `ELIGIBLE`: every imported certificate,
and ACM certificates that are not in use or cannot be validated). ACM renews eligible
certificates itself, so those are not reported.

## Why is this bad?
Nothing fails yet, but on the expiry date every client of the certificate starts refusing it
(`NET::ERR_CERT_DATE_INVALID`, ALB301), and nobody but its owner will renew it.

## How to fix
An imported certificate: import the renewed one into the same ARN before it expires (`aws acm
import-certificate --certificate-arn ...`). Otherwise request a new certificate and put it on
the listener in place of this one.

## Example
An imported certificate for `www.example.com` expires in 12 days: ALB302 warns with the expiry
date and the re-import command; `--cert-expiry-days 7` silences it for now.

## References
- [Managed certificate renewal in ACM](https://docs.aws.amazon.com/acm/latest/userguide/managed-renewal.html)
- [Reimport a certificate](https://docs.aws.amazon.com/acm/latest/userguide/import-reimport.html)
- [CertificateDetail (RenewalEligibility)](https://docs.aws.amazon.com/acm/latest/APIReference/API_CertificateDetail.html)
"#,
    check,
};

fn check(ctx: &AlbContext, out: &mut Emitter) {
    let now = judged_at(ctx.snapshot);
    let window_days = ctx.tls.cert_expiry_days;
    let window = u64::from(window_days) * 86_400;
    each_certificate(ctx, out, |listener, entry, cert, out| {
        if cert.renewal_eligibility == Some(RenewalEligibility::Eligible) {
            return;
        }
        let now = match &now {
            Ok(now) => *now,
            Err(why) => return out.not_evaluated(why.clone()),
        };
        let expires_in = match validity(cert, now, window) {
            Ok(Some(Validity::Expiring { expires_in })) => expires_in,
            Ok(_) => return,
            Err(e) => return out.not_evaluated(format!("certificate {}: {e}", cert.arn)),
        };
        let why_not_renewed = match (cert.kind, cert.renewal_eligibility) {
            (Some(CertificateKind::Imported), _) => {
                "it is imported, and ACM never renews imported certificates"
            }
            (_, Some(RenewalEligibility::Ineligible)) => {
                "ACM reports it ineligible for managed renewal"
            }
            _ => "ACM does not report it eligible for managed renewal",
        };
        let message = format!(
            "Certificate {} on the HTTPS listener on port {} ({}) expires on {}, in {} (within {window_days} days), and {why_not_renewed}: from then on browsers refuse it with NET::ERR_CERT_DATE_INVALID.",
            name_of(cert),
            listener.port,
            served_to(entry),
            cert.not_after.as_deref().unwrap_or_default(),
            days(expires_in)
        );
        out.emit(
            RULE.finding(&cert.arn, message, renew(cert, listener, entry))
                .port(listener.port)
                .change(vec![cert.arn.clone()])
                .evidence("listener", listener.arn.as_str())
                .evidence("default_certificate", entry.is_default)
                .evidence("names", cert.names())
                .evidence("not_after", cert.not_after.clone())
                .evidence("expires_in_days", expires_in / 86_400)
                .evidence(
                    "renewal_eligibility",
                    serde_json::to_value(cert.renewal_eligibility).unwrap_or_default(),
                )
                .evidence("judged_at", ctx.snapshot.collected_at.clone()),
        );
    });
}
