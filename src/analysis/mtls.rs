//! Mutual TLS: whether a listener in `verify` mode can accept any client (ALB306). AWS refuses
//! every client certificate when the trust store is not `ACTIVE` or no longer exists, when the
//! listener's association with it was removed, or when every CA of its bundle has expired; with
//! `--client-cert`, the user's own chain is verified against the bundle and the revocation lists
//! as the ALB does. `off` and `passthrough` listeners verify nothing and need nothing.
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/mutual-authentication.html>

use crate::model::trust_store::{MtlsMode, RevokedList, TrustStore};
use crate::model::{Listener, LoadBalancer, Snapshot};
use crate::net::mtls;
use crate::net::tls_validity::{validity, Validity};
use crate::probe::ServedCertificate;

/// `--client-cert`: a client's chain (leaf first), as read from its PEM file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientChain {
    /// The file it was read from, for messages.
    pub file: String,
    /// The certificates, DER, leaf first.
    pub der: Vec<Vec<u8>>,
}

impl ClientChain {
    /// The chain in a PEM text: its `CERTIFICATE` blocks, leaf first, each an X.509
    /// certificate; why not, in a few words.
    pub fn from_pem(file: &str, pem: &[u8]) -> Result<ClientChain, String> {
        let der = mtls::pem_certificates(pem);
        if der.is_empty() {
            return Err("no PEM CERTIFICATE block".to_string());
        }
        if let Some(i) = der
            .iter()
            .position(|d| ServedCertificate::from_der(d).is_none())
        {
            return Err(format!("certificate {} is not X.509", i + 1));
        }
        Ok(ClientChain {
            file: file.to_string(),
            der,
        })
    }
}

/// Why a `verify` listener refuses clients.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MtlsCause {
    /// The trust store's status is not `ACTIVE` (`CREATING`, or one this build does not know).
    NotActive {
        /// The status AWS reported.
        status: String,
    },
    /// DescribeTrustStores does not know the store: it was deleted.
    Deleted,
    /// The listener's `TrustStoreAssociationStatus` is `removed`.
    AssociationRemoved,
    /// Every CA certificate of the bundle has expired.
    CasExpired {
        /// How many CA certificates the bundle holds.
        count: usize,
        /// The latest `notAfter` among them.
        latest: String,
    },
    /// `--client-cert`: the chain does not verify against the bundle, or is revoked, or has
    /// expired.
    ClientRejected {
        /// The file.
        file: String,
        /// Why, in words.
        why: String,
    },
}

/// One listener that refuses clients, judged.
#[derive(Clone, Debug)]
pub struct Refusing<'a> {
    /// The listener.
    pub listener: &'a Listener,
    /// Its trust store's ARN.
    pub trust_store: &'a str,
    /// The store's name, when read.
    pub store_name: Option<&'a str>,
    /// Why.
    pub cause: MtlsCause,
}

/// The `verify` listeners of `lb` that refuse clients, and what could not be judged.
pub fn judge<'a>(
    snapshot: &'a Snapshot,
    lb: &'a LoadBalancer,
    client: Option<&ClientChain>,
) -> (Vec<Refusing<'a>>, Vec<String>) {
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    let now = crate::analysis::tls::judged_at(snapshot);
    for listener in &lb.listeners {
        let Some(m) = &listener.mutual_authentication else {
            continue;
        };
        match m.mode {
            MtlsMode::Off | MtlsMode::Passthrough => continue,
            MtlsMode::Verify => {}
            MtlsMode::Unknown => {
                unknown.push(format!(
                    "listener on port {}: a mutual-TLS mode this build does not know",
                    listener.port
                ));
                continue;
            }
        }
        let Some(arn) = m.trust_store_arn.as_deref() else {
            unknown.push(format!(
                "listener on port {}: verify mode without a trust store ARN",
                listener.port
            ));
            continue;
        };
        let store = snapshot.trust_stores.get(arn);
        let refusing = |cause| Refusing {
            listener,
            trust_store: arn,
            store_name: store.map(|s| s.name.as_str()).filter(|n| !n.is_empty()),
            cause,
        };
        if m.association_status.as_deref() == Some("removed") {
            out.push(refusing(MtlsCause::AssociationRemoved));
            continue;
        }
        let Some(store) = store else {
            unknown.push(format!("trust store {arn} was not read"));
            continue;
        };
        match store.status.as_deref() {
            Some("ACTIVE") => {}
            Some(status) => {
                out.push(refusing(MtlsCause::NotActive {
                    status: status.to_string(),
                }));
                continue;
            }
            None => {
                out.push(refusing(MtlsCause::Deleted));
                continue;
            }
        }
        let now = match &now {
            Ok(now) => *now,
            Err(why) => {
                unknown.push(why.clone());
                continue;
            }
        };
        let Some(pem) = &store.ca_bundle_pem else {
            unknown.push(format!("the CA bundle of trust store {arn} was not read"));
            continue;
        };
        let bundle = mtls::pem_certificates(pem.as_bytes());
        match bundle_state(&bundle, now) {
            Err(why) => {
                unknown.push(format!("trust store {arn}: {why}"));
                continue;
            }
            Ok(Some(cause)) => {
                out.push(refusing(cause));
                continue;
            }
            Ok(None) => {}
        }
        if let Some(chain) = client {
            match verify_client(
                chain,
                &bundle,
                store,
                now,
                m.ignore_client_certificate_expiry,
            ) {
                Ok(()) => {}
                Err(Verdict::Rejected(why)) => out.push(refusing(MtlsCause::ClientRejected {
                    file: chain.file.clone(),
                    why,
                })),
                Err(Verdict::Unknown(why)) => unknown.push(format!("trust store {arn}: {why}")),
            }
        }
    }
    (out, unknown)
}

/// `Some(CasExpired)` when every CA of the bundle has expired at `now`; an error when the bundle
/// holds nothing that parses.
fn bundle_state(bundle: &[Vec<u8>], now: i64) -> Result<Option<MtlsCause>, String> {
    let read: Vec<ServedCertificate> = bundle
        .iter()
        .filter_map(|der| ServedCertificate::from_der(der))
        .collect();
    if read.is_empty() {
        return Err("its CA bundle holds no certificate that parses".to_string());
    }
    let mut latest: Option<&str> = None;
    for c in &read {
        match state(c, now)? {
            Some(Validity::Expired { .. }) => {}
            _ => return Ok(None),
        }
        if latest.is_none_or(|l| c.not_after.as_str() > l) {
            latest = Some(&c.not_after);
        }
    }
    Ok(Some(MtlsCause::CasExpired {
        count: read.len(),
        latest: latest.unwrap_or_default().to_string(),
    }))
}

/// Where a parsed certificate's validity stands at `now`, through the same
/// [`crate::net::tls_validity::validity`] the listener certificate rules use.
fn state(c: &ServedCertificate, now: i64) -> Result<Option<Validity>, String> {
    let as_model = crate::model::tls::Certificate {
        arn: String::new(),
        source: crate::model::tls::CertificateSource::Acm,
        status: None,
        kind: None,
        domain_name: c.subject_cn.clone().unwrap_or_default(),
        subject_alternative_names: c.dns_names.clone(),
        not_before: Some(c.not_before.clone()),
        not_after: Some(c.not_after.clone()),
        renewal_eligibility: None,
        in_use_by: Vec::new(),
    };
    validity(&as_model, now, 0).map_err(|e| e.to_string())
}

/// The outcome of verifying a client chain that did not pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The ALB refuses it: why.
    Rejected(String),
    /// It cannot be judged: why.
    Unknown(String),
}

/// Verifies `chain` against the trust store's `bundle` and revocation lists at `now`, as the ALB
/// does: every certificate within its validity (the leaf's end ignored when the listener
/// ignores client certificate expiry), a path to a CA of the bundle, nothing revoked.
pub fn verify_client(
    chain: &ClientChain,
    bundle: &[Vec<u8>],
    store: &TrustStore,
    now: i64,
    ignore_expiry: bool,
) -> Result<(), Verdict> {
    let mut path_time = now;
    for (i, der) in chain.der.iter().enumerate() {
        let c = ServedCertificate::from_der(der)
            .ok_or_else(|| Verdict::Rejected(format!("certificate {} is not X.509", i + 1)))?;
        let who = c
            .subject_cn
            .clone()
            .unwrap_or_else(|| format!("certificate {}", i + 1));
        match state(&c, now).map_err(Verdict::Unknown)? {
            Some(Validity::Expired { .. }) if i == 0 && ignore_expiry => {
                // The ALB ignores the leaf's expiry: check its path as of its last valid second.
                path_time = crate::net::tls_validity::parse_rfc3339(&c.not_after)
                    .map_err(|e| Verdict::Unknown(e.to_string()))?;
            }
            Some(Validity::Expired { .. }) => {
                return Err(Verdict::Rejected(format!(
                    "{who} expired on {}",
                    c.not_after
                )))
            }
            Some(Validity::NotYetValid { .. }) => {
                return Err(Verdict::Rejected(format!(
                    "{who} is not valid before {}",
                    c.not_before
                )))
            }
            _ => {}
        }
    }
    mtls::verify_path(&chain.der, bundle, path_time)
        .map_err(|e| Verdict::Rejected(e.to_string()))?;
    // The CA the path ends at must be within its validity too.
    let top = chain.der.last().expect("verified: not empty");
    let anchors: Vec<ServedCertificate> = mtls::issuers_in(top, bundle)
        .into_iter()
        .filter_map(ServedCertificate::from_der)
        .collect();
    let mut expired_anchor = None;
    for ca in &anchors {
        match state(ca, now).map_err(Verdict::Unknown)? {
            Some(Validity::Expired { .. } | Validity::NotYetValid { .. }) => {
                expired_anchor.get_or_insert(ca);
            }
            _ => {
                expired_anchor = None;
                break;
            }
        }
    }
    if let Some(ca) = expired_anchor {
        let who = ca.subject_cn.as_deref().unwrap_or("its CA");
        return Err(Verdict::Rejected(format!(
            "its CA {who} is outside its validity ({} to {})",
            ca.not_before, ca.not_after
        )));
    }
    let Some(revocations) = &store.revocations else {
        return Err(Verdict::Unknown(
            "its revocation lists were not read".to_string(),
        ));
    };
    let mut lists: Vec<(i64, &RevokedList)> = Vec::new();
    for r in revocations {
        match &r.revoked {
            Some(list) => lists.push((r.id, list)),
            None => {
                return Err(Verdict::Unknown(format!(
                    "revocation list {} was not read",
                    r.id
                )))
            }
        }
    }
    for (i, der) in chain.der.iter().enumerate() {
        if let Some((id, serial)) = mtls::revoked_by(der, &lists) {
            return Err(Verdict::Rejected(format!(
                "certificate {} (serial {serial}) is revoked by revocation list {id}",
                i + 1
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::trust_store::{MutualAuthentication, Revocation};
    use crate::net::mtls::test_pki::ca;

    const STORE: &str =
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:truststore/partners/0a1b2c3d4e5f6a7b";

    fn store(status: Option<&str>, bundle: &str, revocations: Vec<Revocation>) -> TrustStore {
        TrustStore {
            arn: STORE.into(),
            name: "partners".into(),
            status: status.map(str::to_string),
            number_of_ca_certificates: Some(1),
            ca_bundle_pem: Some(bundle.to_string()),
            revocations: Some(revocations),
        }
    }

    fn world(mode: MtlsMode, association: Option<&str>, s: Option<TrustStore>) -> Snapshot {
        let mut snap: Snapshot = serde_json::from_value(serde_json::json!({
            "format": 3, "region": "us-east-1", "collected_at": "2026-06-01T00:00:00Z",
            "load_balancers": [{
                "arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/1",
                "name": "web", "scheme": "internet-facing", "ip_address_type": "ipv4", "vpc_id": "vpc-1", "availability_zones": [],
                "listeners": [{"arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/1/2", "port": 443, "protocol": "HTTPS"}]
            }]
        }))
        .unwrap();
        snap.load_balancers[0].listeners[0].mutual_authentication = Some(MutualAuthentication {
            mode,
            trust_store_arn: Some(STORE.into()),
            association_status: association.map(str::to_string),
            ignore_client_certificate_expiry: false,
        });
        if let Some(s) = s {
            snap.trust_stores.insert(STORE.into(), s);
        }
        snap
    }

    fn causes(snap: &Snapshot, client: Option<&ClientChain>) -> (Vec<MtlsCause>, Vec<String>) {
        let (r, unknown) = judge(snap, &snap.load_balancers[0], client);
        (r.into_iter().map(|r| r.cause).collect(), unknown)
    }

    #[test]
    fn off_and_passthrough_need_nothing() {
        for mode in [MtlsMode::Off, MtlsMode::Passthrough] {
            assert_eq!(causes(&world(mode, None, None), None), (vec![], vec![]));
        }
    }

    #[test]
    fn an_active_store_with_a_current_ca_passes() {
        let good = ca("Partners CA", 2025, 2030);
        let snap = world(
            MtlsMode::Verify,
            Some("active"),
            Some(store(Some("ACTIVE"), &good.pem, vec![])),
        );
        assert_eq!(causes(&snap, None), (vec![], vec![]));
    }

    #[test]
    fn inactive_deleted_removed_and_expired_stores_refuse_everyone() {
        let good = ca("Partners CA", 2025, 2030);
        let snap = world(
            MtlsMode::Verify,
            Some("active"),
            Some(store(Some("CREATING"), &good.pem, vec![])),
        );
        assert_eq!(
            causes(&snap, None).0,
            vec![MtlsCause::NotActive {
                status: "CREATING".into()
            }]
        );
        let snap = world(
            MtlsMode::Verify,
            Some("active"),
            Some(store(None, &good.pem, vec![])),
        );
        assert_eq!(causes(&snap, None).0, vec![MtlsCause::Deleted]);
        let snap = world(MtlsMode::Verify, Some("removed"), None);
        assert_eq!(causes(&snap, None).0, vec![MtlsCause::AssociationRemoved]);
        let old = ca("Old CA", 2020, 2025);
        let older = ca("Older CA", 2019, 2024);
        let bundle = format!("{}{}", old.pem, older.pem);
        let snap = world(
            MtlsMode::Verify,
            Some("active"),
            Some(store(Some("ACTIVE"), &bundle, vec![])),
        );
        assert_eq!(
            causes(&snap, None).0,
            vec![MtlsCause::CasExpired {
                count: 2,
                latest: "2025-01-01T00:00:00Z".into()
            }]
        );
        // One current CA among expired ones is enough.
        let bundle = format!("{}{}", old.pem, good.pem);
        let snap = world(
            MtlsMode::Verify,
            Some("active"),
            Some(store(Some("ACTIVE"), &bundle, vec![])),
        );
        assert_eq!(causes(&snap, None), (vec![], vec![]));
    }

    #[test]
    fn an_unread_store_or_bundle_is_not_evaluated() {
        let snap = world(MtlsMode::Verify, Some("active"), None);
        let (c, unknown) = causes(&snap, None);
        assert!(c.is_empty());
        assert_eq!(unknown.len(), 1, "{unknown:?}");
        let mut s = store(Some("ACTIVE"), "", vec![]);
        s.ca_bundle_pem = None;
        let snap = world(MtlsMode::Verify, Some("active"), Some(s));
        assert_eq!(causes(&snap, None).1.len(), 1);
        let snap = world(
            MtlsMode::Verify,
            Some("active"),
            Some(store(Some("ACTIVE"), "no pem here", vec![])),
        );
        assert!(causes(&snap, None).1[0].contains("no certificate that parses"));
    }

    fn chain(pem: &str) -> ClientChain {
        ClientChain::from_pem("client.pem", pem.as_bytes()).unwrap()
    }

    #[test]
    fn client_chains_are_verified_against_the_bundle_and_revocations() {
        let ours = ca("Partners CA", 2025, 2030);
        let theirs = ca("Other CA", 2025, 2030);
        let crl = crate::net::mtls::parse_crl(ours.crl(&[66]).as_bytes()).unwrap();
        let revocations = vec![Revocation {
            id: 4,
            kind: "CRL".into(),
            entries: Some(1),
            revoked: Some(crl),
        }];
        let snap = world(
            MtlsMode::Verify,
            Some("active"),
            Some(store(Some("ACTIVE"), &ours.pem, revocations)),
        );
        let rejected = |pem: &str| match causes(&snap, Some(&chain(pem))).0.as_slice() {
            [MtlsCause::ClientRejected { file, why }] => {
                assert_eq!(file, "client.pem");
                why.clone()
            }
            other => panic!("{other:?}"),
        };
        let (good, _) = ours.client("ok.example.test", 65, 2026, 2027);
        assert_eq!(causes(&snap, Some(&chain(&good))), (vec![], vec![]));
        let (revoked, _) = ours.client("revoked.example.test", 66, 2026, 2027);
        assert_eq!(
            rejected(&revoked),
            "certificate 1 (serial 42) is revoked by revocation list 4"
        );
        let (expired, _) = ours.client("expired.example.test", 67, 2025, 2026);
        assert_eq!(
            rejected(&expired),
            "expired.example.test expired on 2026-01-01T00:00:00Z"
        );
        let (future, _) = ours.client("later.example.test", 68, 2027, 2028);
        assert!(rejected(&future).contains("not valid before 2027-01-01"));
        let (stranger, _) = theirs.client("stranger.example.test", 69, 2026, 2027);
        assert!(rejected(&stranger).contains("unknown issuer"));
    }

    #[test]
    fn ignoring_client_expiry_accepts_an_expired_leaf_but_not_a_revoked_one() {
        let ours = ca("Partners CA", 2020, 2030);
        let crl = crate::net::mtls::parse_crl(ours.crl(&[70]).as_bytes()).unwrap();
        let s = store(
            Some("ACTIVE"),
            &ours.pem,
            vec![Revocation {
                id: 1,
                kind: "CRL".into(),
                entries: Some(1),
                revoked: Some(crl),
            }],
        );
        let bundle = crate::net::mtls::pem_certificates(ours.pem.as_bytes());
        let (expired, _) = ours.client("old.example.test", 71, 2024, 2025);
        assert!(verify_client(&chain(&expired), &bundle, &s, 1_780_272_000, false).is_err());
        assert_eq!(
            verify_client(&chain(&expired), &bundle, &s, 1_780_272_000, true),
            Ok(())
        );
        let (revoked, _) = ours.client("gone.example.test", 70, 2024, 2025);
        assert!(matches!(
            verify_client(&chain(&revoked), &bundle, &s, 1_780_272_000, true),
            Err(Verdict::Rejected(_))
        ));
        let mut unread = s.clone();
        unread.revocations = None;
        let (fresh, _) = ours.client("new.example.test", 72, 2026, 2027);
        assert!(matches!(
            verify_client(&chain(&fresh), &bundle, &unread, 1_780_272_000, false),
            Err(Verdict::Unknown(_))
        ));
    }

    #[test]
    fn a_chain_whose_ca_has_expired_is_refused_though_another_ca_is_current() {
        let old = ca("Old CA", 2020, 2026);
        let current = ca("Current CA", 2025, 2030);
        let bundle_pem = format!("{}{}", old.pem, current.pem);
        let snap = world(
            MtlsMode::Verify,
            Some("active"),
            Some(store(Some("ACTIVE"), &bundle_pem, vec![])),
        );
        let (leaf, _) = old.client("device.example.test", 5, 2025, 2027);
        let (c, unknown) = causes(&snap, Some(&chain(&leaf)));
        assert!(unknown.is_empty(), "{unknown:?}");
        assert_eq!(
            c,
            vec![MtlsCause::ClientRejected {
                file: "client.pem".into(),
                why: "its CA Old CA is outside its validity (2020-01-01T00:00:00Z to 2026-01-01T00:00:00Z)".into()
            }]
        );
        let (fine, _) = current.client("device.example.test", 6, 2026, 2027);
        assert_eq!(causes(&snap, Some(&chain(&fine))), (vec![], vec![]));
    }

    #[test]
    fn a_client_cert_file_must_hold_x509_certificates() {
        assert_eq!(
            ClientChain::from_pem("f", b"hello"),
            Err("no PEM CERTIFICATE block".into())
        );
        assert_eq!(
            ClientChain::from_pem(
                "f",
                b"-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n"
            ),
            Err("certificate 1 is not X.509".into())
        );
    }
}
