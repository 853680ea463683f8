//! Mutual TLS verification as an ALB in `verify` mode does it: the client's chain must lead,
//! by signatures, to a CA of the trust store's bundle (RFC 5280 section 6, through the same
//! `webpki` path validation rustls servers use for client certificates), and no certificate of
//! the chain may be on a revocation list of the store (RFC 5280 section 5). Validity periods
//! are judged by the caller with [`crate::net::tls_validity`], the probe's path.
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/mutual-authentication.html>

use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::RootCertStore;
use x509_parser::pem::Pem;

use crate::model::trust_store::RevokedList;

/// The DER of every `CERTIFICATE` block of a PEM text, in order; other blocks are skipped.
pub fn pem_certificates(pem: &[u8]) -> Vec<Vec<u8>> {
    Pem::iter_from_buffer(pem)
        .map_while(Result::ok)
        .filter(|p| p.label == "CERTIFICATE")
        .map(|p| p.contents)
        .collect()
}

/// A revocation list (PEM `X509 CRL` or DER) as its issuer and revoked serial numbers; `None`
/// when it is neither.
pub fn parse_crl(bytes: &[u8]) -> Option<RevokedList> {
    let der = match Pem::iter_from_buffer(bytes)
        .map_while(Result::ok)
        .find(|p| p.label == "X509 CRL")
    {
        Some(p) => p.contents,
        None => bytes.to_vec(),
    };
    let (_, crl) = x509_parser::parse_x509_crl(&der).ok()?;
    Some(RevokedList {
        issuer: crl.issuer().to_string(),
        serials: crl
            .iter_revoked_certificates()
            .map(|r| serial_hex(r.raw_serial()))
            .collect(),
    })
}

/// A serial number as lowercase hex without leading zero bytes.
fn serial_hex(raw: &[u8]) -> String {
    let start = raw.iter().position(|b| *b != 0).unwrap_or(raw.len());
    let hex: String = raw[start..].iter().map(|b| format!("{b:02x}")).collect();
    if hex.is_empty() {
        "00".to_string()
    } else {
        hex
    }
}

/// Why a client chain does not lead to the bundle.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Untrusted {
    /// The bundle holds no CA certificate the verifier can use.
    #[error("the trust store's bundle holds no usable CA certificate")]
    NoUsableCa,
    /// Path validation failed (unknown issuer, bad signature, not a client certificate, …).
    #[error("{0}")]
    Path(String),
}

/// Whether `chain` (leaf first, then intermediates, DER) leads to a CA of `bundle` at `now`
/// (Unix seconds), as a TLS server that asks for client certificates checks it.
pub fn verify_path(chain: &[Vec<u8>], bundle: &[Vec<u8>], now: i64) -> Result<(), Untrusted> {
    let Some((leaf, intermediates)) = chain.split_first() else {
        return Err(Untrusted::Path("no certificate".to_string()));
    };
    let mut roots = RootCertStore::empty();
    let (added, _) =
        roots.add_parsable_certificates(bundle.iter().map(|c| CertificateDer::from(c.clone())));
    if added == 0 {
        return Err(Untrusted::NoUsableCa);
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|_| Untrusted::NoUsableCa)?;
    let intermediates: Vec<CertificateDer<'_>> = intermediates
        .iter()
        .map(|c| CertificateDer::from(c.as_slice()))
        .collect();
    let at = UnixTime::since_unix_epoch(Duration::from_secs(now.max(0).unsigned_abs()));
    verifier
        .verify_client_cert(&CertificateDer::from(leaf.as_slice()), &intermediates, at)
        .map(|_| ())
        .map_err(|e| Untrusted::Path(describe(&e)))
}

fn describe(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(C::UnknownIssuer) => {
            "it is not signed by a CA of the trust store's bundle (unknown issuer)".to_string()
        }
        rustls::Error::InvalidCertificate(C::BadSignature) => {
            "a signature does not verify".to_string()
        }
        rustls::Error::InvalidCertificate(C::InvalidPurpose) => {
            "it is not for client authentication (extended key usage)".to_string()
        }
        rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
            "a certificate of the path has expired".to_string()
        }
        other => other.to_string(),
    }
}

/// The certificates of `bundle` whose subject is the issuer of `der`: the CAs that may have
/// signed it. (A trust anchor's own validity is not part of path validation in `webpki`, so
/// the caller judges theirs.)
pub fn issuers_in<'b>(der: &[u8], bundle: &'b [Vec<u8>]) -> Vec<&'b [u8]> {
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        return Vec::new();
    };
    let issuer = cert.issuer().to_string();
    bundle
        .iter()
        .filter(|ca| {
            x509_parser::parse_x509_certificate(ca)
                .is_ok_and(|(_, ca)| ca.subject().to_string() == issuer)
        })
        .map(Vec::as_slice)
        .collect()
}

/// The revocation list that revokes `der`, if any: one whose issuer is the certificate's
/// issuer and that lists its serial number.
pub fn revoked_by<'l>(der: &[u8], lists: &'l [(i64, &RevokedList)]) -> Option<(i64, &'l str)> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let issuer = cert.issuer().to_string();
    let serial = serial_hex(cert.raw_serial());
    lists.iter().find_map(|(id, list)| {
        (list.issuer == issuer)
            .then(|| list.serials.iter().find(|s| **s == serial))
            .flatten()
            .map(|s| (*id, s.as_str()))
    })
}

/// Tests only: a small PKI generated on the spot (a CA, client certificates it signs, a
/// revocation list), for the verification tests here and in the collector and analysis.
#[cfg(test)]
pub(crate) mod test_pki {
    use rcgen::{
        BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType,
        ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
        RevokedCertParams, SerialNumber,
    };

    /// A CA valid from `from` to `until` (years), with its issuer for signing.
    pub struct Ca {
        /// The CA certificate, PEM.
        pub pem: String,
        issuer: Issuer<'static, KeyPair>,
    }

    /// A CA named `name`, valid from 1 January of `from` to 1 January of `until`.
    pub fn ca(name: &str, from: i32, until: i32) -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        p.distinguished_name.push(DnType::CommonName, name);
        p.not_before = rcgen::date_time_ymd(from, 1, 1);
        p.not_after = rcgen::date_time_ymd(until, 1, 1);
        let cert = p.self_signed(&key).unwrap();
        Ca {
            pem: cert.pem(),
            issuer: Issuer::new(p, key),
        }
    }

    impl Ca {
        /// A client certificate for `name` with serial `serial`, valid `from` to `until`
        /// (years), signed by this CA.
        pub fn client(&self, name: &str, serial: u64, from: i32, until: i32) -> (String, Vec<u8>) {
            let key = KeyPair::generate().unwrap();
            let mut p = CertificateParams::new(vec![name.to_string()]).unwrap();
            p.distinguished_name.push(DnType::CommonName, name);
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
            p.serial_number = Some(SerialNumber::from(serial));
            p.not_before = rcgen::date_time_ymd(from, 1, 1);
            p.not_after = rcgen::date_time_ymd(until, 1, 1);
            let cert = p.signed_by(&key, &self.issuer).unwrap();
            (cert.pem(), cert.der().to_vec())
        }

        /// A revocation list of this CA revoking `serials`, PEM.
        pub fn crl(&self, serials: &[u64]) -> String {
            CertificateRevocationListParams {
                this_update: rcgen::date_time_ymd(2026, 1, 1),
                next_update: rcgen::date_time_ymd(2027, 1, 1),
                crl_number: SerialNumber::from(1u64),
                issuing_distribution_point: None,
                revoked_certs: serials
                    .iter()
                    .map(|s| RevokedCertParams {
                        serial_number: SerialNumber::from(*s),
                        revocation_time: rcgen::date_time_ymd(2026, 1, 1),
                        reason_code: None,
                        invalidity_date: None,
                    })
                    .collect(),
                key_identifier_method: KeyIdMethod::Sha256,
            }
            .signed_by(&self.issuer)
            .unwrap()
            .pem()
            .unwrap()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_pki::ca;
    use super::*;

    /// 2026-06-01T00:00:00Z.
    const NOW: i64 = 1_780_272_000;

    #[test]
    fn a_chain_to_a_ca_of_the_bundle_verifies_and_another_does_not() {
        let ours = ca("Partners CA", 2025, 2030);
        let theirs = ca("Other CA", 2025, 2030);
        let (_, leaf) = ours.client("client.example.test", 7, 2026, 2027);
        let bundle = pem_certificates(format!("{}{}", theirs.pem, ours.pem).as_bytes());
        assert_eq!(bundle.len(), 2);
        assert_eq!(
            verify_path(std::slice::from_ref(&leaf), &bundle, NOW),
            Ok(())
        );
        let only_other = pem_certificates(theirs.pem.as_bytes());
        assert_eq!(
            verify_path(std::slice::from_ref(&leaf), &only_other, NOW),
            Err(Untrusted::Path(
                "it is not signed by a CA of the trust store's bundle (unknown issuer)".into()
            ))
        );
        assert_eq!(
            verify_path(&[leaf], &[b"junk".to_vec()], NOW),
            Err(Untrusted::NoUsableCa)
        );
    }

    #[test]
    fn a_path_through_an_expired_ca_does_not_verify() {
        let old = ca("Old CA", 2020, 2025);
        let (_, leaf) = old.client("client.example.test", 9, 2024, 2024 + 1);
        let bundle = pem_certificates(old.pem.as_bytes());
        assert!(verify_path(&[leaf], &bundle, NOW).is_err());
    }

    #[test]
    fn revocation_lists_parse_from_pem_and_der_and_name_the_revoked_serial() {
        let ours = ca("Partners CA", 2025, 2030);
        let crl_pem = ours.crl(&[7, 0x1f2a]);
        let list = parse_crl(crl_pem.as_bytes()).expect("a CRL");
        assert_eq!(list.serials, vec!["07".to_string(), "1f2a".to_string()]);
        assert!(list.issuer.contains("Partners CA"), "{}", list.issuer);
        let der = pem_certificates(crl_pem.replace("X509 CRL", "CERTIFICATE").as_bytes());
        assert_eq!(parse_crl(&der[0]), Some(list.clone()));
        assert_eq!(parse_crl(b"not a crl"), None);

        let (_, revoked) = ours.client("a.example.test", 7, 2026, 2027);
        let (_, fine) = ours.client("b.example.test", 8, 2026, 2027);
        let lists = [(3, &list)];
        assert_eq!(revoked_by(&revoked, &lists), Some((3, "07")));
        assert_eq!(revoked_by(&fine, &lists), None);
        // Same serial from another issuer: not revoked by this list.
        let other = ca("Other CA", 2025, 2030);
        let (_, same_serial) = other.client("c.example.test", 7, 2026, 2027);
        assert_eq!(revoked_by(&same_serial, &lists), None);
    }

    /// The oracle for a serial number's text: its value in hex, an even number of digits.
    fn oracle_hex(n: u64) -> String {
        let h = format!("{n:x}");
        if h.len() % 2 == 1 {
            format!("0{h}")
        } else {
            h
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        #[test]
        fn serial_text_is_the_value_in_hex(n in proptest::prelude::any::<u64>(), pad in 0usize..4) {
            let mut raw = vec![0u8; pad];
            raw.extend(n.to_be_bytes());
            proptest::prop_assert_eq!(serial_hex(&raw), oracle_hex(n));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(16))]
        /// A certificate is revoked exactly when a list of its issuer names its serial (the
        /// brute-force oracle: membership in the set of revoked serials).
        #[test]
        fn revoked_exactly_when_listed(
            revoked in proptest::collection::btree_set(1u64..64, 0..8),
            probe in 1u64..64,
        ) {
            let ours = ca("Partners CA", 2025, 2030);
            let list = parse_crl(ours.crl(&revoked.iter().copied().collect::<Vec<_>>()).as_bytes()).unwrap();
            let want: Vec<String> = revoked.iter().map(|n| oracle_hex(*n)).collect();
            proptest::prop_assert_eq!(&list.serials, &want);
            let (_, der) = ours.client("p.example.test", probe, 2026, 2027);
            let lists = [(1, &list)];
            proptest::prop_assert_eq!(revoked_by(&der, &lists).is_some(), revoked.contains(&probe));
        }
    }

    #[test]
    fn serials_drop_leading_zero_bytes() {
        assert_eq!(serial_hex(&[0, 0, 0x1f]), "1f");
        assert_eq!(serial_hex(&[0]), "00");
        assert_eq!(serial_hex(&[0x80, 0]), "8000");
    }
}
