//! Rules about TLS on HTTPS listeners (ALB301–ALB305): the certificates a listener presents,
//! the host names they must cover and the clients its security policy admits. The decisions
//! are [`crate::analysis::tls`]'s; this module holds what the five rules say alike: which
//! certificates could be judged, which clients get a certificate, and the AWS CLI commands that
//! make the change.

pub mod alb301_certificate_expired;
pub mod alb302_certificate_expiring;
pub mod alb303_certificate_not_issued;
pub mod alb304_hostname_not_covered;
pub mod alb305_tls_policy_rejects_client;
pub mod alb306_mtls_trust_store_unusable;

use crate::analysis::tls::{no_certificate_recorded, presented, Presented};
use crate::analysis::AlbContext;
use crate::model::tls::{Certificate, CertificateKind, ListenerCertificate};
use crate::model::{Dataset, Listener};
use crate::rules::Emitter;

/// What the certificate rules read: the listeners and their certificate lists (a certificate
/// that ACM could not describe is judged not evaluated on its own, not the whole rule).
const CERTIFICATE_LISTS: [Dataset; 2] = [Dataset::Listeners, Dataset::ListenerCertificates];

/// Calls `judge` for every certificate of every HTTPS listener of the ALB that was read, and
/// reports the others (and listeners without a recorded certificate) as not evaluated.
fn each_certificate<'a>(
    ctx: &AlbContext<'a, '_>,
    out: &mut Emitter,
    mut judge: impl FnMut(&'a Listener, &'a ListenerCertificate, &'a Certificate, &mut Emitter),
) {
    for listener in ctx.lb.listeners.iter().filter(|l| l.is_https()) {
        if listener.certificates.is_empty() {
            out.not_evaluated(no_certificate_recorded(listener));
        }
        for (entry, state) in presented(ctx.snapshot, &ctx.lb.arn, listener) {
            match state {
                Presented::Read(cert) => judge(listener, entry, cert, out),
                Presented::NotRead(why) => out.not_evaluated(why),
            }
        }
    }
}

/// How messages name a certificate: its primary name, else its ARN.
fn name_of(cert: &Certificate) -> &str {
    if cert.domain_name.is_empty() {
        &cert.arn
    } else {
        &cert.domain_name
    }
}

/// Which clients the listener serves this certificate to.
fn served_to(entry: &ListenerCertificate) -> &'static str {
    if entry.is_default {
        "its default certificate, served to every client whose SNI name no other certificate of the listener covers"
    } else {
        "an SNI certificate, served to clients that ask for one of its names"
    }
}

/// The commands that put the certificate `new` in place of `entry` on `listener`: the
/// default certificate is replaced in place, an SNI certificate is added and the old one
/// removed.
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-update-certificates.html>
fn replace_commands(listener: &Listener, entry: &ListenerCertificate, new: &str) -> String {
    if entry.is_default {
        format!(
            "`aws elbv2 modify-listener --listener-arn {} --certificates CertificateArn={new}`",
            listener.arn
        )
    } else {
        format!(
            "`aws elbv2 add-listener-certificates --listener-arn {l} --certificates CertificateArn={new}`, then `aws elbv2 remove-listener-certificates --listener-arn {l} --certificates CertificateArn={old}`",
            l = listener.arn,
            old = entry.arn
        )
    }
}

/// How to put a valid certificate with `cert`'s names on `listener`: an imported certificate
/// is re-imported under the same ARN (every listener that presents it then serves the new
/// one); any other is replaced by a newly requested one.
/// <https://docs.aws.amazon.com/acm/latest/userguide/import-reimport.html>
fn renew(cert: &Certificate, listener: &Listener, entry: &ListenerCertificate) -> String {
    let names = cert.names();
    if cert.kind == Some(CertificateKind::Imported) {
        return format!(
            "Import a renewed certificate for {} into the same ARN, which every listener presenting it then serves: `aws acm import-certificate --certificate-arn {} --certificate fileb://cert.pem --private-key fileb://key.pem --certificate-chain fileb://chain.pem`.",
            names.join(", "),
            cert.arn
        );
    }
    let sans = if names.len() > 1 {
        format!(" --subject-alternative-names {}", names[1..].join(" "))
    } else {
        String::new()
    };
    let primary = names.first().copied().unwrap_or("example.com");
    format!(
        "Request a new certificate (`aws acm request-certificate --domain-name {primary}{sans} --validation-method DNS`) and, once ACM has issued it, put it on the listener on port {}: {}.",
        listener.port,
        replace_commands(listener, entry, "NEW_CERTIFICATE_ARN")
    )
}

/// A duration in whole days, for messages.
fn days(secs: i64) -> String {
    match secs / 86_400 {
        0 => "less than a day".to_string(),
        1 => "1 day".to_string(),
        n => format!("{n} days"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tls::CertificateSource;

    fn listener() -> Listener {
        Listener {
            arn: "L".into(),
            port: 443,
            protocol: "HTTPS".into(),
            forwards: vec![],
            ssl_policy: None,
            certificates: vec![],
            host_headers: vec![],
            host_header_regexes: vec![],
            rules: Vec::new(),
            mutual_authentication: None,
        }
    }

    fn entry(is_default: bool) -> ListenerCertificate {
        ListenerCertificate {
            arn: "OLD".into(),
            is_default,
        }
    }

    #[test]
    fn the_default_certificate_is_replaced_in_place() {
        assert_eq!(
            replace_commands(&listener(), &entry(true), "NEW"),
            "`aws elbv2 modify-listener --listener-arn L --certificates CertificateArn=NEW`"
        );
        let sni = replace_commands(&listener(), &entry(false), "NEW");
        assert!(sni.starts_with("`aws elbv2 add-listener-certificates --listener-arn L --certificates CertificateArn=NEW`"));
        assert!(sni.ends_with("`aws elbv2 remove-listener-certificates --listener-arn L --certificates CertificateArn=OLD`"));
    }

    #[test]
    fn imported_certificates_are_reimported_others_requested() {
        let mut cert = Certificate {
            arn: "C".into(),
            source: CertificateSource::Acm,
            status: None,
            kind: Some(CertificateKind::Imported),
            domain_name: "example.com".into(),
            subject_alternative_names: vec!["example.com".into(), "*.example.com".into()],
            not_before: None,
            not_after: None,
            renewal_eligibility: None,
            in_use_by: vec![],
        };
        let fix = renew(&cert, &listener(), &entry(true));
        assert!(
            fix.contains("aws acm import-certificate --certificate-arn C "),
            "{fix}"
        );
        cert.kind = Some(CertificateKind::AmazonIssued);
        let fix = renew(&cert, &listener(), &entry(true));
        assert!(
            fix.contains("aws acm request-certificate --domain-name example.com --subject-alternative-names *.example.com --validation-method DNS"),
            "{fix}"
        );
        assert!(fix.contains("modify-listener --listener-arn L"), "{fix}");
    }

    #[test]
    fn days_read_well() {
        assert_eq!(days(0), "less than a day");
        assert_eq!(days(86_399), "less than a day");
        assert_eq!(days(86_400), "1 day");
        assert_eq!(days(10 * 86_400 + 5), "10 days");
    }
}
