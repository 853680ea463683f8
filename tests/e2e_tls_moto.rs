//! What moto answers for the TLS side of an HTTPS listener, converted through the collector's
//! conversion functions: `acm:DescribeCertificate` for imported certificates (valid, expired,
//! wildcard, several SANs), `elasticloadbalancing:DescribeListenerCertificates` for a listener
//! with a default and SNI certificates, and `elasticloadbalancing:DescribeSSLPolicies`.
//!
//! This pins down which fields moto fills, so that rules needing the others are tested from
//! snapshot fixtures instead. Certificates are generated at test time with rcgen.

mod common;

/// The collector's conversions are `pub(super)` inside the library until the collector calls
/// them, so this test compiles the module itself; this alias makes its `crate::model::tls`
/// paths name the library's model types.
mod model {
    pub use alb_audit::model::tls;
}
#[path = "../src/collect/tls.rs"]
mod tls;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_acm::primitives::Blob;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, Certificate as ElbCertificate, ProtocolEnum,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use rcgen::{date_time_ymd, CertificateParams, DnType, KeyPair};

use alb_audit::model::tls::{
    Certificate, CertificateKind, CertificateSource, CertificateStatus, ListenerCertificate,
    RenewalEligibility, SslPolicy,
};
use alb_audit::net::tls_names::covered_by;
use alb_audit::net::tls_policy::{handshake, TlsVersion};
use common::world::{build, Spec, REGION};
use common::{sdk_config, Moto};

/// A self-signed certificate and its key, PEM-encoded.
struct Pem {
    cert: String,
    key: String,
}

/// A certificate for `names` (the first is also the subject CN), valid from `not_before`
/// until `not_after` (seconds since the Unix epoch).
fn make_cert(names: &[&str], not_before: u64, not_after: u64) -> Pem {
    let mut params =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .expect("valid names");
    params.distinguished_name.push(DnType::CommonName, names[0]);
    let epoch = date_time_ymd(1970, 1, 1);
    params.not_before = epoch + Duration::from_secs(not_before);
    params.not_after = epoch + Duration::from_secs(not_after);
    let key = KeyPair::generate().expect("a key");
    let cert = params.self_signed(&key).expect("a certificate");
    Pem {
        cert: cert.pem(),
        key: key.serialize_pem(),
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// 2020-01-01T00:00:00Z and 2099-01-01T00:00:00Z.
const Y2020: u64 = 1_577_836_800;
const Y2099: u64 = 4_070_908_800;

async fn import(acm: &aws_sdk_acm::Client, pem: &Pem) -> String {
    acm.import_certificate()
        .certificate(Blob::new(pem.cert.as_bytes()))
        .private_key(Blob::new(pem.key.as_bytes()))
        .send()
        .await
        .expect("import")
        .certificate_arn
        .expect("an ARN")
}

async fn describe(acm: &aws_sdk_acm::Client, arn: &str) -> Certificate {
    let out = acm
        .describe_certificate()
        .certificate_arn(arn)
        .send()
        .await
        .expect("describe");
    tls::certificate(out.certificate().expect("a certificate")).expect("an ARN")
}

/// What moto fills for an imported certificate: every field the model keeps, with `Type`
/// IMPORTED and `RenewalEligibility` INELIGIBLE, as AWS does.
fn imported(
    arn: &str,
    domain: &str,
    sans: &[&str],
    not_after: &str,
    in_use_by: &[&str],
) -> Certificate {
    Certificate {
        arn: arn.to_string(),
        source: CertificateSource::Acm,
        status: Some(CertificateStatus::Issued),
        kind: Some(CertificateKind::Imported),
        domain_name: domain.to_string(),
        subject_alternative_names: sans.iter().map(|s| s.to_string()).collect(),
        not_before: Some("2020-01-01T00:00:00Z".to_string()),
        not_after: Some(not_after.to_string()),
        renewal_eligibility: Some(RenewalEligibility::Ineligible),
        in_use_by: in_use_by.iter().map(|s| s.to_string()).collect(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_tls_answers_convert() {
    let moto = Moto::start();
    let spec = Spec {
        listener_ports: vec![],
        ..Spec::default()
    };
    let w = build(&moto.endpoint, &spec).await;
    let config = sdk_config(&moto.endpoint, REGION).await;
    let acm = aws_sdk_acm::Client::new(&config);

    // An expired certificate cannot be imported, in moto as in ACM.
    let expired = make_cert(&["old.example.test"], Y2020, Y2020 + 86_400);
    let err = acm
        .import_certificate()
        .certificate(Blob::new(expired.cert.as_bytes()))
        .private_key(Blob::new(expired.key.as_bytes()))
        .send()
        .await
        .expect_err("moto refuses an expired certificate");
    assert_eq!(err.code(), Some("ValidationException"), "{err:?}");

    let valid = import(&acm, &make_cert(&["www.example.test"], Y2020, Y2099)).await;
    let wildcard = import(&acm, &make_cert(&["*.example.test"], Y2020, Y2099)).await;
    let multi = import(
        &acm,
        &make_cert(
            &["example.test", "www.example.test", "api.example.test"],
            Y2020,
            Y2099,
        ),
    )
    .await;
    // Valid for a few seconds: it expires while the test runs.
    let expiry = now_secs() + 5;
    let short = import(&acm, &make_cert(&["soon.example.test"], Y2020, expiry)).await;

    let listener = w
        .elb
        .create_listener()
        .load_balancer_arn(&w.alb_arn)
        .protocol(ProtocolEnum::Https)
        .port(443)
        .ssl_policy("ELBSecurityPolicy-TLS13-1-2-2021-06")
        .certificates(ElbCertificate::builder().certificate_arn(&valid).build())
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(&w.tg_arn)
                .build(),
        )
        .send()
        .await
        .expect("HTTPS listener")
        .listeners
        .unwrap_or_default()
        .remove(0);
    let listener_arn = listener.listener_arn.clone().expect("listener ARN");
    assert_eq!(
        listener.ssl_policy.as_deref(),
        Some("ELBSecurityPolicy-TLS13-1-2-2021-06")
    );
    let mut sni = w
        .elb
        .add_listener_certificates()
        .listener_arn(&listener_arn);
    for arn in [&wildcard, &multi, &short] {
        sni = sni.certificates(ElbCertificate::builder().certificate_arn(arn).build());
    }
    sni.send().await.expect("SNI certificates");

    // DescribeListenerCertificates: moto lists the default first with IsDefault true, the
    // SNI certificates after it with IsDefault false (AWS also lists the default a second
    // time, with IsDefault false, when it is in the SNI list).
    let listed = tls::listener_certificates(
        w.elb
            .describe_listener_certificates()
            .listener_arn(&listener_arn)
            .send()
            .await
            .expect("listener certificates")
            .certificates(),
    );
    let entry = |arn: &str, is_default| ListenerCertificate {
        arn: arn.to_string(),
        is_default,
    };
    assert_eq!(
        listed,
        [
            entry(&valid, true),
            entry(&wildcard, false),
            entry(&multi, false),
            entry(&short, false),
        ]
    );

    // DescribeCertificate for imported certificates. moto records InUseBy only for the
    // certificate given to CreateListener, as the listener's ARN (AWS names the load
    // balancer); certificates added by AddListenerCertificates stay unused.
    assert_eq!(
        describe(&acm, &valid).await,
        imported(
            &valid,
            "www.example.test",
            &["www.example.test"],
            "2099-01-01T00:00:00Z",
            &[&listener_arn]
        )
    );
    let wild = describe(&acm, &wildcard).await;
    assert_eq!(
        wild,
        imported(
            &wildcard,
            "*.example.test",
            &["*.example.test"],
            "2099-01-01T00:00:00Z",
            &[]
        )
    );
    assert!(covered_by(wild.names(), "shop.example.test"));
    assert!(!covered_by(wild.names(), "example.test"));
    let several = describe(&acm, &multi).await;
    assert_eq!(
        several,
        imported(
            &multi,
            "example.test",
            &["example.test", "www.example.test", "api.example.test"],
            "2099-01-01T00:00:00Z",
            &[]
        )
    );
    assert_eq!(
        several.names(),
        ["example.test", "www.example.test", "api.example.test"]
    );

    // DescribeListeners: AWS names only the default certificate there; moto names every
    // certificate of the listener, none with IsDefault.
    let described = w
        .elb
        .describe_listeners()
        .listener_arns(&listener_arn)
        .send()
        .await
        .expect("listeners");
    let on_listener: Vec<ListenerCertificate> = described.listeners()[0]
        .certificates()
        .iter()
        .filter_map(tls::listener_certificate)
        .collect();
    assert_eq!(
        on_listener,
        [
            entry(&valid, false),
            entry(&wildcard, false),
            entry(&multi, false),
            entry(&short, false),
        ]
    );

    // A requested (Amazon-issued) certificate starts PENDING_VALIDATION in moto, with a
    // validity moto invents (365 days) and RenewalEligibility INELIGIBLE.
    let requested = acm
        .request_certificate()
        .domain_name("new.example.test")
        .send()
        .await
        .expect("request")
        .certificate_arn
        .expect("an ARN");
    let pending = describe(&acm, &requested).await;
    assert_eq!(pending.status, Some(CertificateStatus::PendingValidation));
    assert_eq!(pending.kind, Some(CertificateKind::AmazonIssued));
    assert_eq!(
        pending.renewal_eligibility,
        Some(RenewalEligibility::Ineligible)
    );
    assert_eq!(pending.domain_name, "new.example.test");
    assert_eq!(pending.subject_alternative_names, ["new.example.test"]);
    assert!(pending.not_before.is_some() && pending.not_after.is_some());

    // Once its NotAfter has passed, moto reports the certificate EXPIRED. The loop waits
    // for the clock, bounded so that a broken clock cannot hang the test.
    for _ in 0..100 {
        if now_secs() > expiry + 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let gone = describe(&acm, &short).await;
    assert_eq!(gone.status, Some(CertificateStatus::Expired));
    assert_eq!(gone.domain_name, "soon.example.test");
    assert_eq!(gone.not_after.as_deref(), Some(rfc3339(expiry).as_str()));

    // DescribeSSLPolicies: the four policies the TLS tests are written against, as moto
    // lists them (protocols newest first, ciphers in priority order).
    let names = [
        "ELBSecurityPolicy-2016-08",
        "ELBSecurityPolicy-TLS-1-2-2017-01",
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "ELBSecurityPolicy-TLS13-1-3-2021-06",
    ];
    let mut req = w.elb.describe_ssl_policies();
    for n in names {
        req = req.names(n);
    }
    let out = req.send().await.expect("SSL policies");
    assert!(
        out.ssl_policies()
            .iter()
            .all(|p| p.supported_load_balancer_types().is_empty()),
        "moto does not fill SupportedLoadBalancerTypes"
    );
    let policies: Vec<SslPolicy> = out
        .ssl_policies()
        .iter()
        .filter_map(tls::ssl_policy)
        .collect();
    let got: Vec<&str> = policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(got.len(), 4, "{got:?}");
    let policy = |name: &str| policies.iter().find(|p| p.name == name).expect(name);
    let p2016 = policy("ELBSecurityPolicy-2016-08");
    assert_eq!(p2016.protocols, ["TLSv1.2", "TLSv1.1", "TLSv1"]);
    assert_eq!(p2016.ciphers.len(), 18);
    assert_eq!(p2016.ciphers[0], "ECDHE-ECDSA-AES128-GCM-SHA256");
    assert_eq!(
        policy("ELBSecurityPolicy-TLS13-1-3-2021-06").ciphers,
        [
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256"
        ]
    );
    // Which client versions each policy lets in, decided on moto's answers.
    let expected = [
        ("ELBSecurityPolicy-2016-08", [true, true, true, false]),
        (
            "ELBSecurityPolicy-TLS-1-2-2017-01",
            [false, false, true, false],
        ),
        (
            "ELBSecurityPolicy-TLS13-1-2-2021-06",
            [false, false, true, true],
        ),
        (
            "ELBSecurityPolicy-TLS13-1-3-2021-06",
            [false, false, false, true],
        ),
    ];
    for (name, outcome) in expected {
        let got: Vec<bool> = TlsVersion::ALL
            .into_iter()
            .map(|v| handshake(policy(name), v).is_ok())
            .collect();
        assert_eq!(got, outcome, "{name}");
    }
}

/// RFC 3339 UTC of a Unix time, written independently of the conversion under test.
fn rfc3339(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}
