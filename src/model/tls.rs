//! What an HTTPS listener presents to clients: its certificates (from ACM or IAM), and the
//! security policy that decides which TLS versions and cipher suites it accepts. These are
//! snapshot types like the rest of the model; the semantics built on them live in
//! [`crate::net::tls_names`] (which host names a certificate covers) and
//! [`crate::net::tls_policy`] (which clients a policy lets in) and [`crate::net::tls_validity`]
//! (expired, expiring, not yet valid).

use serde::{Deserialize, Serialize};

/// Where a certificate is stored, which decides how it can be read and renewed: ACM
/// certificates are described by `acm:DescribeCertificate`, IAM server certificates are not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CertificateSource {
    /// AWS Certificate Manager: `arn:PARTITION:acm:REGION:ACCOUNT:certificate/ID`.
    Acm,
    /// An IAM server certificate: `arn:PARTITION:iam::ACCOUNT:server-certificate/PATH/NAME`.
    Iam,
    /// An ARN of neither shape, or a source this build does not know.
    #[serde(other)]
    Unknown,
}

impl CertificateSource {
    /// Decides the store from the certificate ARN alone (any partition), as ELB accepts both
    /// kinds in a listener's certificate list.
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns>
    pub fn of_arn(arn: &str) -> CertificateSource {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        match parts.as_slice() {
            ["arn", _, "acm", _, _, resource] if resource.starts_with("certificate/") => {
                CertificateSource::Acm
            }
            ["arn", _, "iam", "", _, resource] if resource.starts_with("server-certificate/") => {
                CertificateSource::Iam
            }
            _ => CertificateSource::Unknown,
        }
    }
}

/// ACM's certificate status: only `ISSUED` certificates are served.
/// <https://docs.aws.amazon.com/acm/latest/APIReference/API_CertificateDetail.html>
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CertificateStatus {
    /// Valid and usable.
    Issued,
    /// Waiting for DNS or email validation.
    PendingValidation,
    /// Not used by the account any more (private CA certificates).
    Inactive,
    /// Past its `NotAfter`.
    Expired,
    /// Validation did not complete within 72 hours.
    ValidationTimedOut,
    /// Revoked by its CA.
    Revoked,
    /// Issuance failed (see ACM's `FailureReason`).
    Failed,
    /// A status this build does not know.
    #[serde(other)]
    Unknown,
}

/// How a certificate came into ACM, which decides whether ACM renews it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CertificateKind {
    /// Issued by ACM's public CA; renewed by ACM while it is in use and validated.
    AmazonIssued,
    /// Imported: never renewed by ACM.
    Imported,
    /// Issued by an AWS Private CA.
    Private,
    /// A type this build does not know.
    #[serde(other)]
    Unknown,
}

/// Whether ACM's managed renewal applies to the certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RenewalEligibility {
    /// ACM renews it before it expires.
    Eligible,
    /// Nobody renews it but its owner.
    Ineligible,
    /// A value this build does not know.
    #[serde(other)]
    Unknown,
}

/// A certificate a listener presents, as its store describes it. Fields a store did not
/// report stay empty: IAM certificates and unreadable ACM certificates carry only `arn` and
/// `source`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// The ARN listeners name it by.
    pub arn: String,
    /// ACM or IAM, from the ARN.
    pub source: CertificateSource,
    /// ACM status; `None` when the store did not say.
    #[serde(default)]
    pub status: Option<CertificateStatus>,
    /// ACM type (`AMAZON_ISSUED`, `IMPORTED`, `PRIVATE`); `None` when not reported.
    #[serde(default)]
    pub kind: Option<CertificateKind>,
    /// The primary name (the subject's CN for imported certificates); empty when not reported.
    #[serde(default)]
    pub domain_name: String,
    /// Every name the certificate covers, as ACM lists them (it repeats the primary name).
    #[serde(default)]
    pub subject_alternative_names: Vec<String>,
    /// Start of validity, RFC 3339 UTC with whole seconds (`2025-01-31T00:00:00Z`).
    #[serde(default)]
    pub not_before: Option<String>,
    /// End of validity, RFC 3339 UTC with whole seconds; clients refuse it after this.
    #[serde(default)]
    pub not_after: Option<String>,
    /// Whether ACM will renew it; `None` when not reported.
    #[serde(default)]
    pub renewal_eligibility: Option<RenewalEligibility>,
    /// ARNs of the resources (listeners, distributions) ACM says use it.
    #[serde(default)]
    pub in_use_by: Vec<String>,
}

impl Certificate {
    /// Every name clients may match against: the primary name and the alternative names,
    /// each once, in that order (what [`crate::net::tls_names::covered_by`] takes).
    pub fn names(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        let all = std::iter::once(self.domain_name.as_str())
            .chain(self.subject_alternative_names.iter().map(String::as_str));
        for name in all {
            if !name.is_empty() && !out.contains(&name) {
                out.push(name);
            }
        }
        out
    }
}

/// An ELB security policy: the TLS versions and cipher suites an HTTPS listener accepts, as
/// `elasticloadbalancing:DescribeSSLPolicies` lists them.
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html>
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SslPolicy {
    /// Its name, e.g. `ELBSecurityPolicy-TLS13-1-2-2021-06`.
    pub name: String,
    /// Protocol versions as ELB names them: `TLSv1` (1.0), `TLSv1.1`, `TLSv1.2`, `TLSv1.3`.
    #[serde(default)]
    pub protocols: Vec<String>,
    /// Cipher suites in the policy's priority order, OpenSSL-style as ELB names them
    /// (`ECDHE-RSA-AES128-GCM-SHA256`), TLS 1.3 suites by their IANA names
    /// (`TLS_AES_128_GCM_SHA256`).
    #[serde(default)]
    pub ciphers: Vec<String>,
}

/// One certificate of an HTTPS listener: the default one is served to clients that send no
/// SNI name or one no other certificate covers; the others are picked by SNI.
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/https-listener-certificates.html>
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenerCertificate {
    /// The ACM or IAM certificate ARN.
    pub arn: String,
    /// Whether it is the listener's default certificate.
    #[serde(default)]
    pub is_default: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_from_arn() {
        let cases = [
            (
                "arn:aws:acm:us-east-1:123456789012:certificate/0f5c8d1e-aaaa",
                CertificateSource::Acm,
            ),
            (
                "arn:aws-cn:acm:cn-north-1:123456789012:certificate/x",
                CertificateSource::Acm,
            ),
            (
                "arn:aws:iam::123456789012:server-certificate/prod/web",
                CertificateSource::Iam,
            ),
            (
                "arn:aws-us-gov:iam::123456789012:server-certificate/web",
                CertificateSource::Iam,
            ),
            // A region in an IAM ARN, a user instead of a certificate, junk.
            (
                "arn:aws:iam:us-east-1:123456789012:server-certificate/web",
                CertificateSource::Unknown,
            ),
            (
                "arn:aws:iam::123456789012:user/bob",
                CertificateSource::Unknown,
            ),
            ("arn:aws:acm:us-east-1:1:key/k", CertificateSource::Unknown),
            ("certificate/abc", CertificateSource::Unknown),
            ("", CertificateSource::Unknown),
        ];
        for (arn, want) in cases {
            assert_eq!(CertificateSource::of_arn(arn), want, "{arn}");
        }
    }

    #[test]
    fn names_deduplicate_the_primary_name() {
        let c = Certificate {
            arn: "a".into(),
            source: CertificateSource::Acm,
            status: None,
            kind: None,
            domain_name: "example.com".into(),
            subject_alternative_names: vec!["example.com".into(), "*.example.com".into()],
            not_before: None,
            not_after: None,
            renewal_eligibility: None,
            in_use_by: vec![],
        };
        assert_eq!(c.names(), ["example.com", "*.example.com"]);
    }

    #[test]
    fn api_values_round_trip_and_newer_ones_load() {
        let json = r#"{"arn":"a","source":"acm","status":"PENDING_VALIDATION",
            "kind":"AMAZON_ISSUED","renewal_eligibility":"INELIGIBLE"}"#;
        let c: Certificate = serde_json::from_str(json).unwrap();
        assert_eq!(c.status, Some(CertificateStatus::PendingValidation));
        assert_eq!(c.kind, Some(CertificateKind::AmazonIssued));
        assert_eq!(c.renewal_eligibility, Some(RenewalEligibility::Ineligible));
        assert!(c.subject_alternative_names.is_empty() && c.not_after.is_none());
        let back: Certificate = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
        let newer = r#"{"arn":"a","source":"vault","status":"QUANTUM","kind":"GIFTED",
            "renewal_eligibility":"MAYBE"}"#;
        let c: Certificate = serde_json::from_str(newer).unwrap();
        assert_eq!(c.source, CertificateSource::Unknown);
        assert_eq!(c.status, Some(CertificateStatus::Unknown));
        assert_eq!(c.kind, Some(CertificateKind::Unknown));
        assert_eq!(c.renewal_eligibility, Some(RenewalEligibility::Unknown));
        let p: SslPolicy = serde_json::from_str(r#"{"name":"p"}"#).unwrap();
        assert!(p.protocols.is_empty() && p.ciphers.is_empty());
        let l: ListenerCertificate = serde_json::from_str(r#"{"arn":"c"}"#).unwrap();
        assert!(!l.is_default);
    }
}
