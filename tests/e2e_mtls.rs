//! Mutual TLS (ALB306) end to end through the layer beside moto. moto knows neither a
//! listener's `MutualAuthentication` nor any trust store API, so the layer gives the HTTPS
//! listener the `verify` mode AWS would report and answers DescribeTrustStores,
//! GetTrustStoreCaCertificatesBundle (whose presigned URL points at a loopback server holding
//! the CA bundle made at test time) and DescribeTrustStoreRevocations as AWS does. Everything
//! else (the ALB, its HTTPS listener and certificate, the network) is moto's.

mod common;

use aws_sdk_acm::primitives::Blob;
use aws_sdk_elasticloadbalancingv2::types::{Certificate as ElbCertificate, ProtocolEnum};

use common::layer::{self, Call, Layer};
use common::servers::{self, Server, TestCert};
use common::world::{build, forward, tcp, Spec, World, REGION};
use common::{audit_live, finding, fired, sdk_config, Moto};

const STORE: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:truststore/partners/0a1b2c3d4e5f6a7b";
const NS: &str = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";

/// The world's ALB with one HTTPS listener on 443 (a certificate imported into moto's ACM).
async fn https_world(moto: &Moto) -> World {
    let w = build(
        &moto.endpoint,
        &Spec {
            listener_ports: vec![],
            ..Spec::default()
        },
    )
    .await;
    w.ec2
        .authorize_security_group_ingress()
        .group_id(&w.alb_sg)
        .ip_permissions(tcp(443, "0.0.0.0/0"))
        .send()
        .await
        .expect("ingress");
    let acm = aws_sdk_acm::Client::new(&sdk_config(&moto.endpoint, REGION).await);
    let cert = TestCert::new(
        "www.example.com",
        &["www.example.com"],
        (2025, 1, 1),
        (2099, 1, 1),
    );
    let cert_arn = acm
        .import_certificate()
        .certificate(Blob::new(cert.pem.0.as_bytes()))
        .private_key(Blob::new(cert.pem.1.as_bytes()))
        .send()
        .await
        .expect("import")
        .certificate_arn
        .expect("an ARN");
    w.elb
        .create_listener()
        .load_balancer_arn(&w.alb_arn)
        .protocol(ProtocolEnum::Https)
        .port(443)
        .ssl_policy("ELBSecurityPolicy-TLS13-1-2-2021-06")
        .certificates(ElbCertificate::builder().certificate_arn(cert_arn).build())
        .default_actions(forward(&w.tg_arn))
        .send()
        .await
        .expect("HTTPS listener");
    w
}

fn ok(action: &str, result: &str) -> layer::Reply {
    layer::Reply::xml(format!(
        r#"<{action}Response xmlns="{NS}"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>layer</RequestId></ResponseMetadata></{action}Response>"#
    ))
}

/// An account whose HTTPS listener verifies clients against trust store `partners` in
/// `status`, whose CA bundle is the PEM text `bundle`, served on a loopback server.
fn mutual_tls(layer: &Layer, status: &'static str, bundle: String) -> Server {
    let body = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{bundle}",
        bundle.len()
    );
    let server = Server::http("127.0.0.1", servers::Reply::With(body));
    let location = format!(
        "http://{}/partners/bundle.pem?X-Amz-Expires=600&amp;X-Amz-Signature=0a1b",
        server.addr
    );
    layer.rewrite(|call: &Call, reply: &mut layer::Reply| {
        if call.action == "DescribeListeners" && reply.status == 200 {
            let text = reply.text().replace(
                "<Protocol>HTTPS</Protocol>",
                &format!("<Protocol>HTTPS</Protocol><MutualAuthentication><Mode>verify</Mode><TrustStoreArn>{STORE}</TrustStoreArn><IgnoreClientCertificateExpiry>false</IgnoreClientCertificateExpiry><TrustStoreAssociationStatus>active</TrustStoreAssociationStatus></MutualAuthentication>"),
            );
            reply.body = text.into_bytes();
        }
    });
    layer.answer(move |call| match call.action {
        "DescribeTrustStores" => Some(ok(
            "DescribeTrustStores",
            &format!("<TrustStores><member><Name>partners</Name><TrustStoreArn>{STORE}</TrustStoreArn><Status>{status}</Status><NumberOfCaCertificates>1</NumberOfCaCertificates><TotalRevokedEntries>0</TotalRevokedEntries></member></TrustStores>"),
        )),
        "GetTrustStoreCaCertificatesBundle" => Some(ok(
            "GetTrustStoreCaCertificatesBundle",
            &format!("<Location>{location}</Location>"),
        )),
        "DescribeTrustStoreRevocations" => Some(ok(
            "DescribeTrustStoreRevocations",
            "<TrustStoreRevocations/>",
        )),
        _ => None,
    });
    server
}

/// A CA bundle whose only CA expired: every client is refused.
#[tokio::test(flavor = "multi_thread")]
async fn a_trust_store_with_only_expired_cas_refuses_every_client() {
    let moto = Moto::start();
    let w = https_world(&moto).await;
    let ca = TestCert::new("Partners CA", &[], (2020, 1, 1), (2025, 1, 1));
    let server = mutual_tls(&moto.layer, "ACTIVE", ca.pem.0.clone());
    let (code, report, stderr) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), vec!["ALB306:-"], "{report:#} {stderr}");
    let f = finding(&report, "ALB306", None);
    assert_eq!(f["symptom"], "tls-error");
    assert_eq!(f["evidence"]["cause"], "ca_certificates_expired");
    assert_eq!(f["evidence"]["latest_not_after"], "2025-01-01T00:00:00Z");
    assert_eq!(code, 1);
    // The bundle was fetched from exactly the presigned URL, once.
    let seen = server.seen();
    assert_eq!(seen.requests.len(), 1, "{:?}", seen.requests);
    assert!(
        seen.requests[0]
            .starts_with("GET /partners/bundle.pem?X-Amz-Expires=600&X-Amz-Signature=0a1b "),
        "{:?}",
        seen.requests
    );
}

/// A current CA in an active store: nothing to report, and the audit is complete.
#[tokio::test(flavor = "multi_thread")]
async fn an_active_trust_store_with_a_current_ca_passes() {
    let moto = Moto::start();
    let w = https_world(&moto).await;
    let ca = TestCert::new("Partners CA", &[], (2025, 1, 1), (2099, 1, 1));
    let _server = mutual_tls(&moto.layer, "ACTIVE", ca.pem.0.clone());
    let (code, report, stderr) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    let lb = &report["load_balancers"][0];
    assert_eq!(fired(&report), Vec::<String>::new(), "{report:#} {stderr}");
    assert_eq!(lb["not_evaluated"].as_array().unwrap().len(), 0, "{lb:#}");
    assert_eq!(code, 0);
}

/// DescribeTrustStores denied: only ALB306 is not evaluated.
#[tokio::test(flavor = "multi_thread")]
async fn a_denied_trust_store_read_leaves_only_alb306_unevaluated() {
    let moto = Moto::start();
    let w = https_world(&moto).await;
    let ca = TestCert::new("Partners CA", &[], (2025, 1, 1), (2099, 1, 1));
    let _server = mutual_tls(&moto.layer, "ACTIVE", ca.pem.0.clone());
    moto.layer.answer(|call| {
        (call.action == "DescribeTrustStores").then(|| {
            layer::Reply::new(
                403,
                "text/xml;charset=UTF-8",
                format!("<ErrorResponse xmlns=\"{NS}\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>denied</Message></Error><RequestId>1</RequestId></ErrorResponse>"),
            )
        })
    });
    let (code, report, stderr) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    let lb = &report["load_balancers"][0];
    let checks: Vec<&str> = lb["not_evaluated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["check"].as_str().unwrap())
        .collect();
    assert_eq!(checks, vec!["ALB306"], "{lb:#} {stderr}");
    assert_eq!(code, 3);
}
