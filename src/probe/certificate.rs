//! Reading a served leaf certificate (RFC 5280) into the names and validity window the report
//! shows: subject CN, SAN `dNSName`s, `notBefore` and `notAfter` in RFC 3339 UTC.

use time::format_description::well_known::Rfc3339;
use time::UtcOffset;
use x509_parser::extensions::GeneralName;
use x509_parser::time::ASN1Time;

use super::ServedCertificate;

impl ServedCertificate {
    /// The certificate's names and validity, or `None` when `der` is not an X.509 certificate.
    ///
    /// A subject alternative name extension that does not parse (or appears twice, which
    /// RFC 5280 section 4.2 forbids) yields no `dns_names` rather than hiding the rest.
    pub fn from_der(der: &[u8]) -> Option<ServedCertificate> {
        let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
        let dns_names = match cert.subject_alternative_name() {
            Ok(Some(san)) => san
                .value
                .general_names
                .iter()
                .filter_map(|name| match name {
                    GeneralName::DNSName(dns) => Some((*dns).to_owned()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let subject_cn = cert
            .subject()
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .map(str::to_owned);
        Some(ServedCertificate {
            subject_cn,
            dns_names,
            not_before: rfc3339(&cert.validity().not_before)?,
            not_after: rfc3339(&cert.validity().not_after)?,
        })
    }
}

/// X.509 times are UTC (RFC 5280 section 4.1.2.5); rendered with a `Z` offset.
fn rfc3339(t: &ASN1Time) -> Option<String> {
    t.to_datetime()
        .to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_not_a_certificate() {
        assert_eq!(ServedCertificate::from_der(b"not a certificate"), None);
        assert_eq!(ServedCertificate::from_der(&[]), None);
    }

    #[test]
    fn only_dns_names_and_a_text_common_name_are_read() {
        let mut params =
            rcgen::CertificateParams::new(vec!["a.example.test".to_owned()]).expect("valid names");
        params
            .subject_alt_names
            .push(rcgen::SanType::IpAddress([192, 0, 2, 1].into()));
        params.subject_alt_names.push(rcgen::SanType::DnsName(
            "b.example.test".try_into().expect("a DNS name"),
        ));
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.not_before = rcgen::date_time_ymd(2024, 2, 29);
        params.not_after = rcgen::date_time_ymd(2024, 3, 1);
        let key = rcgen::KeyPair::generate().expect("a key pair");
        let cert = params.self_signed(&key).expect("a certificate");
        assert_eq!(
            ServedCertificate::from_der(cert.der()),
            Some(ServedCertificate {
                subject_cn: None,
                dns_names: vec!["a.example.test".into(), "b.example.test".into()],
                not_before: "2024-02-29T00:00:00Z".into(),
                not_after: "2024-03-01T00:00:00Z".into(),
            })
        );
    }

    #[test]
    fn times_render_as_rfc3339_utc() {
        let t = ASN1Time::from_timestamp(1_735_689_600).expect("a valid time"); // 2025-01-01
        assert_eq!(rfc3339(&t).as_deref(), Some("2025-01-01T00:00:00Z"));
        let t = ASN1Time::from_timestamp(2_524_607_999).expect("a valid time");
        assert_eq!(rfc3339(&t).as_deref(), Some("2049-12-31T23:59:59Z"));
    }
}
