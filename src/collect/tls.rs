//! Conversion of what HTTPS listeners present, as ACM and ELB describe it, to the model:
//! `acm:DescribeCertificate`, `elasticloadbalancing:DescribeListenerCertificates` and
//! `elasticloadbalancing:DescribeSSLPolicies`.

use aws_sdk_acm::types as acm;
use aws_sdk_elasticloadbalancingv2::types as elb;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;

use crate::model::tls::{
    Certificate, CertificateKind, CertificateSource, CertificateStatus, ListenerCertificate,
    RenewalEligibility, SslPolicy,
};

/// Converts an ACM certificate description; `None` without an ARN, which is what listeners
/// name certificates by.
/// <https://docs.aws.amazon.com/acm/latest/APIReference/API_CertificateDetail.html>
pub(super) fn certificate(d: &acm::CertificateDetail) -> Option<Certificate> {
    let arn = d.certificate_arn()?.to_string();
    let status = d.status().map(|s| match s {
        acm::CertificateStatus::Issued => CertificateStatus::Issued,
        acm::CertificateStatus::PendingValidation => CertificateStatus::PendingValidation,
        acm::CertificateStatus::Inactive => CertificateStatus::Inactive,
        acm::CertificateStatus::Expired => CertificateStatus::Expired,
        acm::CertificateStatus::ValidationTimedOut => CertificateStatus::ValidationTimedOut,
        acm::CertificateStatus::Revoked => CertificateStatus::Revoked,
        acm::CertificateStatus::Failed => CertificateStatus::Failed,
        _ => CertificateStatus::Unknown,
    });
    let kind = d.r#type().map(|t| match t {
        acm::CertificateType::AmazonIssued => CertificateKind::AmazonIssued,
        acm::CertificateType::Imported => CertificateKind::Imported,
        acm::CertificateType::Private => CertificateKind::Private,
        _ => CertificateKind::Unknown,
    });
    let renewal_eligibility = d.renewal_eligibility().map(|r| match r {
        acm::RenewalEligibility::Eligible => RenewalEligibility::Eligible,
        acm::RenewalEligibility::Ineligible => RenewalEligibility::Ineligible,
        _ => RenewalEligibility::Unknown,
    });
    let mut in_use_by = d.in_use_by().to_vec();
    in_use_by.sort();
    Some(Certificate {
        source: CertificateSource::of_arn(&arn),
        arn,
        status,
        kind,
        domain_name: d.domain_name().unwrap_or_default().to_string(),
        subject_alternative_names: d.subject_alternative_names().to_vec(),
        not_before: d.not_before().and_then(rfc3339),
        not_after: d.not_after().and_then(rfc3339),
        renewal_eligibility,
        in_use_by,
    })
}

/// RFC 3339 UTC in whole seconds, the fraction dropped (X.509 validity has second precision,
/// and the canonical form keeps timestamps comparable as strings); `None` outside the years
/// RFC 3339 can write.
fn rfc3339(t: &DateTime) -> Option<String> {
    DateTime::from_secs(t.secs()).fmt(Format::DateTime).ok()
}

/// Converts a security policy; its ciphers in the policy's priority order (unprioritised
/// ones last); `None` without a name, which is what listeners name policies by.
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_SslPolicy.html>
pub(super) fn ssl_policy(p: &elb::SslPolicy) -> Option<SslPolicy> {
    let mut ciphers: Vec<(i32, &str)> = p
        .ciphers()
        .iter()
        .filter_map(|c| Some((c.priority().unwrap_or(i32::MAX), c.name()?)))
        .collect();
    ciphers.sort_by_key(|&(priority, _)| priority);
    Some(SslPolicy {
        name: p.name()?.to_string(),
        protocols: p.ssl_protocols().to_vec(),
        ciphers: ciphers.into_iter().map(|(_, n)| n.to_string()).collect(),
    })
}

/// Converts one entry of a listener's certificate list; `None` without an ARN.
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Certificate.html>
pub(super) fn listener_certificate(c: &elb::Certificate) -> Option<ListenerCertificate> {
    Some(ListenerCertificate {
        arn: c.certificate_arn()?.to_string(),
        is_default: c.is_default().unwrap_or(false),
    })
}

/// A listener's certificate list from `DescribeListenerCertificates` pages, each ARN once:
/// AWS lists the default certificate twice when it is also in the SNI list (once with
/// `IsDefault` true, once false), so an ARN is the default if any entry says so. Order is
/// kept (first appearance).
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeListenerCertificates.html>
pub(super) fn listener_certificates<'a>(
    entries: impl IntoIterator<Item = &'a elb::Certificate>,
) -> Vec<ListenerCertificate> {
    let mut out: Vec<ListenerCertificate> = Vec::new();
    for cert in entries.into_iter().filter_map(listener_certificate) {
        match out.iter_mut().find(|c| c.arn == cert.arn) {
            Some(known) => known.is_default |= cert.is_default,
            None => out.push(cert),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACM_ARN: &str = "arn:aws:acm:us-east-1:123456789012:certificate/0f5c8d1e";

    #[test]
    fn full_acm_description() {
        let d = acm::CertificateDetail::builder()
            .certificate_arn(ACM_ARN)
            .domain_name("example.com")
            .subject_alternative_names("example.com")
            .subject_alternative_names("*.example.com")
            .status(acm::CertificateStatus::Issued)
            .r#type(acm::CertificateType::AmazonIssued)
            .not_before(DateTime::from_secs(1_735_689_600))
            .not_after(DateTime::from_fractional_secs(1_767_225_599, 0.75))
            .renewal_eligibility(acm::RenewalEligibility::Eligible)
            .in_use_by("arn:b")
            .in_use_by("arn:a")
            .build();
        let c = certificate(&d).unwrap();
        assert_eq!(
            c,
            Certificate {
                arn: ACM_ARN.into(),
                source: CertificateSource::Acm,
                status: Some(CertificateStatus::Issued),
                kind: Some(CertificateKind::AmazonIssued),
                domain_name: "example.com".into(),
                subject_alternative_names: vec!["example.com".into(), "*.example.com".into()],
                not_before: Some("2025-01-01T00:00:00Z".into()),
                not_after: Some("2025-12-31T23:59:59Z".into()),
                renewal_eligibility: Some(RenewalEligibility::Eligible),
                in_use_by: vec!["arn:a".into(), "arn:b".into()],
            }
        );
    }

    #[test]
    fn every_acm_enum_value() {
        let statuses = [
            (acm::CertificateStatus::Issued, CertificateStatus::Issued),
            (
                acm::CertificateStatus::PendingValidation,
                CertificateStatus::PendingValidation,
            ),
            (
                acm::CertificateStatus::Inactive,
                CertificateStatus::Inactive,
            ),
            (acm::CertificateStatus::Expired, CertificateStatus::Expired),
            (
                acm::CertificateStatus::ValidationTimedOut,
                CertificateStatus::ValidationTimedOut,
            ),
            (acm::CertificateStatus::Revoked, CertificateStatus::Revoked),
            (acm::CertificateStatus::Failed, CertificateStatus::Failed),
            (
                acm::CertificateStatus::from("SUSPENDED"),
                CertificateStatus::Unknown,
            ),
        ];
        for (sdk, want) in statuses {
            let d = acm::CertificateDetail::builder()
                .certificate_arn(ACM_ARN)
                .status(sdk)
                .build();
            assert_eq!(certificate(&d).unwrap().status, Some(want));
        }
        let kinds = [
            (
                acm::CertificateType::AmazonIssued,
                CertificateKind::AmazonIssued,
            ),
            (acm::CertificateType::Imported, CertificateKind::Imported),
            (acm::CertificateType::Private, CertificateKind::Private),
            (
                acm::CertificateType::from("GIFTED"),
                CertificateKind::Unknown,
            ),
        ];
        for (sdk, want) in kinds {
            let d = acm::CertificateDetail::builder()
                .certificate_arn(ACM_ARN)
                .r#type(sdk)
                .build();
            assert_eq!(certificate(&d).unwrap().kind, Some(want));
        }
        let eligibility = [
            (
                acm::RenewalEligibility::Eligible,
                RenewalEligibility::Eligible,
            ),
            (
                acm::RenewalEligibility::Ineligible,
                RenewalEligibility::Ineligible,
            ),
            (
                acm::RenewalEligibility::from("MAYBE"),
                RenewalEligibility::Unknown,
            ),
        ];
        for (sdk, want) in eligibility {
            let d = acm::CertificateDetail::builder()
                .certificate_arn(ACM_ARN)
                .renewal_eligibility(sdk)
                .build();
            assert_eq!(certificate(&d).unwrap().renewal_eligibility, Some(want));
        }
    }

    #[test]
    fn sparse_acm_descriptions() {
        assert_eq!(
            certificate(&acm::CertificateDetail::builder().build()),
            None
        );
        let c = certificate(
            &acm::CertificateDetail::builder()
                .certificate_arn("arn:aws:iam::123456789012:server-certificate/web")
                .build(),
        )
        .unwrap();
        assert_eq!(c.source, CertificateSource::Iam);
        assert_eq!(
            (c.status, c.kind, c.renewal_eligibility),
            (None, None, None)
        );
        assert!(c.domain_name.is_empty() && c.subject_alternative_names.is_empty());
        assert!(c.not_before.is_none() && c.not_after.is_none() && c.in_use_by.is_empty());
        // A date RFC 3339 cannot write (year 10000) is left out rather than mangled.
        let far = acm::CertificateDetail::builder()
            .certificate_arn(ACM_ARN)
            .not_after(DateTime::from_secs(253_402_300_800))
            .build();
        assert_eq!(certificate(&far).unwrap().not_after, None);
    }

    #[test]
    fn policy_ciphers_in_priority_order() {
        let cipher = |name: &str, priority: Option<i32>| {
            elb::Cipher::builder()
                .name(name)
                .set_priority(priority)
                .build()
        };
        let p = elb::SslPolicy::builder()
            .name("ELBSecurityPolicy-TLS13-1-2-2021-06")
            .ssl_protocols("TLSv1.3")
            .ssl_protocols("TLSv1.2")
            .ciphers(cipher("ECDHE-RSA-AES128-GCM-SHA256", Some(5)))
            .ciphers(cipher("MYSTERY", None))
            .ciphers(cipher("TLS_AES_128_GCM_SHA256", Some(1)))
            .ciphers(elb::Cipher::builder().priority(2).build())
            .build();
        assert_eq!(
            ssl_policy(&p).unwrap(),
            SslPolicy {
                name: "ELBSecurityPolicy-TLS13-1-2-2021-06".into(),
                protocols: vec!["TLSv1.3".into(), "TLSv1.2".into()],
                ciphers: vec![
                    "TLS_AES_128_GCM_SHA256".into(),
                    "ECDHE-RSA-AES128-GCM-SHA256".into(),
                    "MYSTERY".into(),
                ],
            }
        );
        assert_eq!(ssl_policy(&elb::SslPolicy::builder().build()), None);
        let bare = ssl_policy(&elb::SslPolicy::builder().name("p").build()).unwrap();
        assert!(bare.protocols.is_empty() && bare.ciphers.is_empty());
    }

    #[test]
    fn listener_certificate_entries() {
        let default = elb::Certificate::builder()
            .certificate_arn(ACM_ARN)
            .is_default(true)
            .build();
        assert_eq!(
            listener_certificate(&default),
            Some(ListenerCertificate {
                arn: ACM_ARN.into(),
                is_default: true
            })
        );
        let sni = elb::Certificate::builder().certificate_arn("c").build();
        assert!(!listener_certificate(&sni).unwrap().is_default);
        assert_eq!(
            listener_certificate(&elb::Certificate::builder().build()),
            None
        );
    }

    #[test]
    fn default_listed_twice_is_one_default_entry() {
        let entry = |arn: &str, is_default: Option<bool>| {
            elb::Certificate::builder()
                .certificate_arn(arn)
                .set_is_default(is_default)
                .build()
        };
        let page = [
            entry("sni-a", Some(false)),
            entry("default", Some(false)),
            entry("default", Some(true)),
            elb::Certificate::builder().build(),
            entry("sni-b", None),
        ];
        let want = |arn: &str, is_default| ListenerCertificate {
            arn: arn.into(),
            is_default,
        };
        assert_eq!(
            listener_certificates(&page),
            [
                want("sni-a", false),
                want("default", true),
                want("sni-b", false)
            ]
        );
    }
}
