//! Mutual TLS reads: a listener's `MutualAuthentication`, and for the trust stores that
//! listeners in `verify` mode name, their status (elasticloadbalancing:DescribeTrustStores,
//! batched), their CA bundle (GetTrustStoreCaCertificatesBundle answers a presigned URL, fetched
//! as [`super::presigned`] allows) and their revocation lists (DescribeTrustStoreRevocations,
//! then GetTrustStoreRevocationContent and its presigned URL). Listeners in `off` or
//! `passthrough` mode need none of these.
//!
//! A failed read is a gap for every ALB whose listener names the store, so only ALB306 is
//! `not_evaluated`. An API that does not exist in the region (`InvalidAction`,
//! `UnsupportedOperation`) means the feature is unavailable there: nothing to read, no gap.
//! A store that is not found (`TrustStoreNotFound`) stays in the snapshot without a status: it
//! was deleted.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_elasticloadbalancingv2::types as t;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::future::join_all;

use super::failure::gap;
use super::presigned::{MAX_BUNDLE_BYTES, MAX_CRL_BYTES};
use super::Collector;
use crate::model::trust_store::{
    MtlsMode, MutualAuthentication, Revocation, RevokedList, TrustStore,
};
use crate::model::{Dataset, Gap};

const DESCRIBE: &str = "elasticloadbalancing:DescribeTrustStores";
const BUNDLE: &str = "elasticloadbalancing:GetTrustStoreCaCertificatesBundle";
const REVOCATIONS: &str = "elasticloadbalancing:DescribeTrustStoreRevocations";
const CONTENT: &str = "elasticloadbalancing:GetTrustStoreRevocationContent";
/// The most ARNs DescribeTrustStores takes at once.
const ARNS_PER_CALL: usize = 20;

/// A listener's `MutualAuthentication`, when it reported one.
/// <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_MutualAuthenticationAttributes.html>
pub fn mutual_authentication(l: &t::Listener) -> Option<MutualAuthentication> {
    let m = l.mutual_authentication()?;
    Some(MutualAuthentication {
        mode: match m.mode().map(str::to_ascii_lowercase).as_deref() {
            Some("off") | None => MtlsMode::Off,
            Some("passthrough") => MtlsMode::Passthrough,
            Some("verify") => MtlsMode::Verify,
            Some(_) => MtlsMode::Unknown,
        },
        trust_store_arn: m.trust_store_arn().map(str::to_string),
        association_status: m
            .trust_store_association_status()
            .map(|s| s.as_str().to_string()),
        ignore_client_certificate_expiry: m.ignore_client_certificate_expiry().unwrap_or(false),
    })
}

/// Whether a failure says the API does not exist where it was called.
fn unavailable<E: ProvideErrorMetadata>(err: &E) -> bool {
    matches!(err.code(), Some("InvalidAction" | "UnsupportedOperation"))
}

fn not_found<E: ProvideErrorMetadata>(err: &E) -> bool {
    matches!(
        err.code(),
        Some("TrustStoreNotFound" | "RevocationIdNotFound")
    )
}

/// A failed read about one store: the gap, before it is given to the ALBs that use the store.
type Failed = (String, Gap);

impl Collector {
    /// The trust stores named by `users` (store ARN -> the ALBs whose `verify` listeners name
    /// it), with what could not be read as gaps of those ALBs.
    pub(super) async fn trust_stores(
        &self,
        users: &BTreeMap<String, BTreeSet<String>>,
    ) -> (BTreeMap<String, TrustStore>, Vec<Gap>) {
        let arns: Vec<String> = users.keys().cloned().collect();
        if arns.is_empty() {
            return (BTreeMap::new(), Vec::new());
        }
        let mut failed: Vec<Failed> = Vec::new();
        let described = join_all(arns.chunks(ARNS_PER_CALL).map(|c| self.describe_stores(c)));
        let bundles = join_all(arns.iter().map(|arn| self.bundle(arn)));
        let revocations = join_all(arns.iter().map(|arn| self.revocations(arn)));
        let (described, bundles, revocations) = tokio::join!(described, bundles, revocations);
        let mut stores: BTreeMap<String, TrustStore> = arns
            .iter()
            .map(|arn| {
                let store = TrustStore {
                    arn: arn.clone(),
                    name: String::new(),
                    status: None,
                    number_of_ca_certificates: None,
                    ca_bundle_pem: None,
                    revocations: None,
                };
                (arn.clone(), store)
            })
            .collect();
        for ((found, batch_failed, exists), batch) in
            described.into_iter().zip(arns.chunks(ARNS_PER_CALL))
        {
            failed.extend(batch_failed);
            if !exists {
                // Where the feature does not exist, the stores are not read: never "deleted".
                for arn in batch {
                    stores.remove(arn);
                }
            }
            for s in found {
                if let Some(store) = stores.get_mut(&s.arn) {
                    store.name = s.name;
                    store.status = s.status;
                    store.number_of_ca_certificates = s.number_of_ca_certificates;
                }
            }
        }
        for (arn, result) in arns.iter().zip(bundles) {
            match (result, stores.get_mut(arn)) {
                (Ok(pem), Some(store)) => store.ca_bundle_pem = pem,
                (Ok(_), None) => {}
                (Err(f), _) => failed.push(f),
            }
        }
        for (arn, result) in arns.iter().zip(revocations) {
            match (result, stores.get_mut(arn)) {
                (Ok(list), Some(store)) => store.revocations = list,
                (Ok(_), None) => {}
                (Err(f), _) => failed.push(f),
            }
        }
        let mut gaps = Vec::new();
        for (arn, g) in failed {
            gaps.extend(users.get(&arn).into_iter().flatten().map(|lb| Gap {
                load_balancer: Some(lb.clone()),
                ..g.clone()
            }));
        }
        (stores, gaps)
    }

    /// One batch of DescribeTrustStores (all pages): the stores found, the failed reads, and
    /// whether the API exists here. A batch that names a deleted store fails whole with
    /// `TrustStoreNotFound`: its stores are then described one by one.
    async fn describe_stores(&self, arns: &[String]) -> (Vec<TrustStore>, Vec<Failed>, bool) {
        let (found, failed) = match self.describe_batch(arns).await {
            // No trust store API in the region: nothing can be said of these stores.
            Err(e) if unavailable(&e) => return (Vec::new(), Vec::new(), false),
            Ok(found) => (found, Vec::new()),
            Err(e) if not_found(&e) && arns.len() > 1 => {
                let each = join_all(arns.iter().map(|a| async move {
                    (a, self.describe_batch(std::slice::from_ref(a)).await)
                }))
                .await;
                let mut out = Vec::new();
                let mut failed = Vec::new();
                for (arn, r) in each {
                    match r {
                        Ok(found) => out.extend(found),
                        Err(e) if not_found(&e) => {}
                        Err(e) => failed.push((arn.clone(), self.store_gap(DESCRIBE, &e))),
                    }
                }
                (out, failed)
            }
            Err(e) if not_found(&e) => (Vec::new(), Vec::new()),
            Err(e) => (
                Vec::new(),
                arns.iter()
                    .map(|a| (a.clone(), self.store_gap(DESCRIBE, &e)))
                    .collect(),
            ),
        };
        (found, failed, true)
    }

    async fn describe_batch(
        &self,
        arns: &[String],
    ) -> Result<
        Vec<TrustStore>,
        aws_sdk_elasticloadbalancingv2::error::SdkError<
            aws_sdk_elasticloadbalancingv2::operation::describe_trust_stores::DescribeTrustStoresError,
        >,
    >{
        let found: Vec<t::TrustStore> = self
            .caller
            .bounded(
                self.elb
                    .describe_trust_stores()
                    .set_trust_store_arns(Some(arns.to_vec()))
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect(),
            )
            .await?;
        Ok(found.iter().filter_map(store).collect())
    }

    /// The CA bundle's PEM text; `None` where the store or the API does not exist.
    async fn bundle(&self, arn: &str) -> Result<Option<String>, Failed> {
        let answer = self
            .caller
            .bounded(
                self.elb
                    .get_trust_store_ca_certificates_bundle()
                    .trust_store_arn(arn)
                    .send(),
            )
            .await;
        let location = match answer {
            Ok(out) => out.location().unwrap_or_default().to_string(),
            Err(e) if not_found(&e) || unavailable(&e) => return Ok(None),
            Err(e) => return Err((arn.to_string(), self.store_gap(BUNDLE, &e))),
        };
        let body = self
            .fetcher
            .get(&location, MAX_BUNDLE_BYTES)
            .await
            .map_err(|why| (arn.to_string(), fetch_gap(BUNDLE, "the CA bundle", &why)))?;
        Ok(Some(String::from_utf8_lossy(&body).into_owned()))
    }

    /// The store's revocation lists with their content; `None` where the store or the API does
    /// not exist.
    async fn revocations(&self, arn: &str) -> Result<Option<Vec<Revocation>>, Failed> {
        let answer: Result<Vec<t::DescribeTrustStoreRevocation>, _> = self
            .caller
            .bounded(
                self.elb
                    .describe_trust_store_revocations()
                    .trust_store_arn(arn)
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect(),
            )
            .await;
        let listed = match answer {
            Ok(list) => list,
            Err(e) if not_found(&e) || unavailable(&e) => return Ok(None),
            Err(e) => return Err((arn.to_string(), self.store_gap(REVOCATIONS, &e))),
        };
        let contents = join_all(
            listed
                .iter()
                .map(|r| self.revocation_content(arn, r.revocation_id().unwrap_or_default())),
        )
        .await;
        let mut out = Vec::new();
        for (r, content) in listed.iter().zip(contents) {
            out.push(Revocation {
                id: r.revocation_id().unwrap_or_default(),
                kind: r
                    .revocation_type()
                    .map(|k| k.as_str().to_string())
                    .unwrap_or_default(),
                entries: r.number_of_revoked_entries(),
                revoked: Some(content?),
            });
        }
        Ok(Some(out))
    }

    async fn revocation_content(&self, arn: &str, id: i64) -> Result<RevokedList, Failed> {
        let answer = self
            .caller
            .bounded(
                self.elb
                    .get_trust_store_revocation_content()
                    .trust_store_arn(arn)
                    .revocation_id(id)
                    .send(),
            )
            .await;
        let location = match answer {
            Ok(out) => out.location().unwrap_or_default().to_string(),
            Err(e) => return Err((arn.to_string(), self.store_gap(CONTENT, &e))),
        };
        let what = format!("revocation list {id}");
        let body = self
            .fetcher
            .get(&location, MAX_CRL_BYTES)
            .await
            .map_err(|why| (arn.to_string(), fetch_gap(CONTENT, &what, &why)))?;
        crate::net::mtls::parse_crl(&body)
            .ok_or_else(|| (arn.to_string(), fetch_gap(CONTENT, &what, "not a CRL")))
    }

    fn store_gap<E>(&self, api: &str, err: &E) -> Gap
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        gap(
            Dataset::TrustStores,
            api,
            err,
            None,
            self.caller.timeout_secs(),
        )
    }
}

/// A presigned URL that could not be read, as a gap of the API that gave it.
fn fetch_gap(api: &str, what: &str, why: &str) -> Gap {
    Gap {
        dataset: Dataset::TrustStores,
        api: api.to_string(),
        error: format!("{what} at its presigned URL: {why}"),
        load_balancer: None,
    }
}

/// A described store.
fn store(s: &t::TrustStore) -> Option<TrustStore> {
    Some(TrustStore {
        arn: s.trust_store_arn()?.to_string(),
        name: s.name().unwrap_or_default().to_string(),
        status: s.status().map(|st| st.as_str().to_string()),
        number_of_ca_certificates: s.number_of_ca_certificates(),
        ca_bundle_pem: None,
        revocations: None,
    })
}

#[cfg(test)]
mod tests {
    //! moto implements no trust store API: these answers are in Elastic Load Balancing's real
    //! XML shapes (<https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeTrustStores.html>
    //! and the pages beside it), served to the SDK by the replay client, and the presigned URLs
    //! they answer with point at a small server on the loopback interface, so the SDK's
    //! parsing, the conversion and the fetches are all tested. One test per read, including its
    //! denial.

    use super::*;
    use crate::collect::replay::Replay;
    use crate::net::mtls::test_pki::ca;
    use std::io::{Read, Write};

    const LB: &str =
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188";
    const STORE: &str =
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:truststore/partners/0a1b2c3d4e5f6a7b";
    const NS: &str = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";

    /// Serves each `(path, body)` once, on one loopback port, in any order.
    fn serve(files: Vec<(&'static str, String)>) -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for _ in 0..files.len() {
                let Ok((mut s, _)) = listener.accept() else {
                    return;
                };
                let mut buf = [0u8; 4096];
                let n = s.read(&mut buf).unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = head.split(' ').nth(1).unwrap_or_default().to_string();
                let answer = match files.iter().find(|(p, _)| path.starts_with(p)) {
                    Some((_, body)) => format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    ),
                    None => {
                        "HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                            .to_string()
                    }
                };
                let _ = s.write_all(answer.as_bytes());
            }
        });
        port
    }

    fn ok(action: &str, result: &str) -> String {
        format!(
            r#"<{action}Response xmlns="{NS}"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>a1b2</RequestId></ResponseMetadata></{action}Response>"#
        )
    }

    fn elb_error(code: &str) -> String {
        format!(
            r#"<ErrorResponse xmlns="{NS}"><Error><Type>Sender</Type><Code>{code}</Code><Message>{code} (replayed)</Message></Error><RequestId>a1b2</RequestId></ErrorResponse>"#
        )
    }

    fn described(status: &str) -> String {
        ok(
            "DescribeTrustStores",
            &format!("<TrustStores><member><Name>partners</Name><TrustStoreArn>{STORE}</TrustStoreArn><Status>{status}</Status><NumberOfCaCertificates>1</NumberOfCaCertificates><TotalRevokedEntries>1</TotalRevokedEntries></member></TrustStores>"),
        )
    }

    fn location(action: &str, url: &str) -> String {
        ok(
            action,
            &format!("<Location>{}</Location>", url.replace('&', "&amp;")),
        )
    }

    fn revocations(ids: &[i64]) -> String {
        let members: String = ids
            .iter()
            .map(|id| format!("<member><TrustStoreArn>{STORE}</TrustStoreArn><RevocationId>{id}</RevocationId><RevocationType>CRL</RevocationType><NumberOfRevokedEntries>1</NumberOfRevokedEntries></member>"))
            .collect();
        ok(
            "DescribeTrustStoreRevocations",
            &format!("<TrustStoreRevocations>{members}</TrustStoreRevocations>"),
        )
    }

    async fn read(replay: &Replay) -> (BTreeMap<String, TrustStore>, Vec<Gap>) {
        let users = BTreeMap::from([(STORE.to_string(), BTreeSet::from([LB.to_string()]))]);
        replay.collector().trust_stores(&users).await
    }

    /// A replay where every read succeeds, with the bundle and one revocation list served on
    /// the loopback interface.
    fn healthy(port: u16) -> Replay {
        let base = format!("http://127.0.0.1:{port}");
        Replay::default()
            .answer("DescribeTrustStores", 200, &described("ACTIVE"))
            .answer(
                "GetTrustStoreCaCertificatesBundle",
                200,
                &location(
                    "GetTrustStoreCaCertificatesBundle",
                    &format!("{base}/bundle.pem?X-Amz-Signature=ab12&X-Amz-Expires=300"),
                ),
            )
            .answer("DescribeTrustStoreRevocations", 200, &revocations(&[1]))
            .answer(
                "GetTrustStoreRevocationContent",
                200,
                &location("GetTrustStoreRevocationContent", &format!("{base}/crl.pem")),
            )
    }

    #[tokio::test]
    async fn a_store_its_bundle_and_its_revocations_are_read() {
        let root = ca("Partners CA", 2025, 2030);
        let port = serve(vec![
            ("/bundle.pem", root.pem.clone()),
            ("/crl.pem", root.crl(&[0x2a])),
        ]);
        let replay = healthy(port);
        let (stores, gaps) = read(&replay).await;
        assert!(gaps.is_empty(), "{gaps:?}");
        let s = &stores[STORE];
        assert_eq!(s.name, "partners");
        assert_eq!(s.status.as_deref(), Some("ACTIVE"));
        assert_eq!(s.number_of_ca_certificates, Some(1));
        assert_eq!(s.ca_bundle_pem.as_deref(), Some(root.pem.as_str()));
        let r = &s.revocations.as_ref().expect("read")[0];
        assert_eq!((r.id, r.kind.as_str(), r.entries), (1, "CRL", Some(1)));
        assert_eq!(r.revoked.as_ref().expect("content").serials, vec!["2a"]);
        let seen = replay.seen();
        assert!(
            seen.iter().any(|b| b.contains("Action=DescribeTrustStores")
                && b.contains("TrustStoreArns.member.1=arn%3Aaws%3Aelasticloadbalancing")),
            "{seen:?}"
        );
        assert!(seen
            .iter()
            .any(|b| b.contains("Action=GetTrustStoreRevocationContent")
                && b.contains("RevocationId=1")));
    }

    /// Each read denied in turn: a gap for the ALB that uses the store, under that read's own
    /// action, and nothing passed off as read.
    #[tokio::test]
    async fn each_denied_read_is_a_gap_of_the_alb() {
        let root = ca("Partners CA", 2025, 2030);
        for denied in [
            "DescribeTrustStores",
            "GetTrustStoreCaCertificatesBundle",
            "DescribeTrustStoreRevocations",
            "GetTrustStoreRevocationContent",
        ] {
            let port = serve(vec![
                ("/bundle.pem", root.pem.clone()),
                ("/crl.pem", root.crl(&[])),
            ]);
            let mut replay = Replay::default();
            for (action, answer) in [
                ("DescribeTrustStores", described("ACTIVE")),
                (
                    "GetTrustStoreCaCertificatesBundle",
                    location(
                        "GetTrustStoreCaCertificatesBundle",
                        &format!("http://127.0.0.1:{port}/bundle.pem"),
                    ),
                ),
                ("DescribeTrustStoreRevocations", revocations(&[1])),
                (
                    "GetTrustStoreRevocationContent",
                    location(
                        "GetTrustStoreRevocationContent",
                        &format!("http://127.0.0.1:{port}/crl.pem"),
                    ),
                ),
            ] {
                replay = if action == denied {
                    replay.answer(action, 403, &elb_error("AccessDenied"))
                } else {
                    replay.answer(action, 200, &answer)
                };
            }
            let (stores, gaps) = read(&replay).await;
            assert_eq!(gaps.len(), 1, "{denied}: {gaps:?}");
            assert_eq!(gaps[0].dataset, Dataset::TrustStores);
            assert_eq!(gaps[0].api, format!("elasticloadbalancing:{denied}"));
            assert_eq!(gaps[0].error, "access denied");
            assert_eq!(gaps[0].load_balancer.as_deref(), Some(LB));
            let s = &stores[STORE];
            match denied {
                "DescribeTrustStores" => assert_eq!(s.status, None),
                "GetTrustStoreCaCertificatesBundle" => assert_eq!(s.ca_bundle_pem, None),
                _ => assert_eq!(s.revocations, None),
            }
        }
    }

    #[tokio::test]
    async fn a_presigned_url_that_fails_is_a_gap() {
        // Only the CRL is served: the bundle's URL answers 403.
        let root = ca("Partners CA", 2025, 2030);
        let port = serve(vec![
            ("/crl.pem", root.crl(&[])),
            ("/nothing", String::new()),
        ]);
        let (stores, gaps) = read(&healthy(port)).await;
        assert_eq!(gaps.len(), 1, "{gaps:?}");
        assert_eq!(gaps[0].api, BUNDLE);
        assert_eq!(
            gaps[0].error,
            "the CA bundle at its presigned URL: the presigned URL answered HTTP 403"
        );
        assert_eq!(stores[STORE].ca_bundle_pem, None);
        assert!(stores[STORE].revocations.is_some());
    }

    #[tokio::test]
    async fn a_deleted_store_is_kept_without_status_and_others_in_its_batch_are_read() {
        let other = "arn:aws:elasticloadbalancing:us-east-1:123456789012:truststore/other/1";
        let replay = Replay::default()
            .answer("DescribeTrustStores", 400, &elb_error("TrustStoreNotFound"))
            .answer("DescribeTrustStores", 400, &elb_error("TrustStoreNotFound"))
            .answer("DescribeTrustStores", 200, &described("CREATING"))
            .answer(
                "GetTrustStoreCaCertificatesBundle",
                400,
                &elb_error("TrustStoreNotFound"),
            )
            .answer(
                "GetTrustStoreCaCertificatesBundle",
                400,
                &elb_error("TrustStoreNotFound"),
            )
            .answer(
                "DescribeTrustStoreRevocations",
                400,
                &elb_error("TrustStoreNotFound"),
            )
            .answer(
                "DescribeTrustStoreRevocations",
                400,
                &elb_error("TrustStoreNotFound"),
            );
        let users = BTreeMap::from([
            (STORE.to_string(), BTreeSet::from([LB.to_string()])),
            (other.to_string(), BTreeSet::from([LB.to_string()])),
        ]);
        let (stores, gaps) = replay.collector().trust_stores(&users).await;
        assert!(gaps.is_empty(), "{gaps:?}");
        // The batch failed whole; each store was then described alone (in the order the
        // replay answered: the first not found, the second CREATING).
        let statuses: Vec<Option<&str>> = stores.values().map(|s| s.status.as_deref()).collect();
        assert_eq!(statuses.iter().filter(|s| s.is_none()).count(), 1);
        assert_eq!(
            statuses.iter().filter(|s| **s == Some("CREATING")).count(),
            1
        );
    }

    #[tokio::test]
    async fn apis_missing_in_the_region_are_no_gap() {
        let replay = Replay::default()
            .answer("DescribeTrustStores", 400, &elb_error("InvalidAction"))
            .answer(
                "GetTrustStoreCaCertificatesBundle",
                400,
                &elb_error("UnsupportedOperation"),
            )
            .answer(
                "DescribeTrustStoreRevocations",
                400,
                &elb_error("InvalidAction"),
            );
        let (stores, gaps) = read(&replay).await;
        assert!(gaps.is_empty(), "{gaps:?}");
        assert!(
            stores.is_empty(),
            "unread, never taken for deleted: {stores:?}"
        );
    }

    #[test]
    fn listener_mutual_authentication_converts() {
        let l = t::Listener::builder()
            .mutual_authentication(
                t::MutualAuthenticationAttributes::builder()
                    .mode("verify")
                    .trust_store_arn(STORE)
                    .trust_store_association_status(t::TrustStoreAssociationStatusEnum::Removed)
                    .ignore_client_certificate_expiry(true)
                    .build(),
            )
            .build();
        assert_eq!(
            mutual_authentication(&l),
            Some(MutualAuthentication {
                mode: MtlsMode::Verify,
                trust_store_arn: Some(STORE.into()),
                association_status: Some("removed".into()),
                ignore_client_certificate_expiry: true,
            })
        );
        let off = t::Listener::builder()
            .mutual_authentication(
                t::MutualAuthenticationAttributes::builder()
                    .mode("passthrough")
                    .build(),
            )
            .build();
        assert_eq!(
            mutual_authentication(&off).unwrap().mode,
            MtlsMode::Passthrough
        );
        assert_eq!(mutual_authentication(&t::Listener::builder().build()), None);
    }
}
