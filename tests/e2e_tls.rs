//! TLS on HTTPS listeners end to end: moto holds ACM certificates generated at test time
//! (valid, expiring soon, expiring during the test, wildcard, several SANs, a requested one
//! still pending validation), HTTPS listeners with a default certificate, SNI certificate lists,
//! security policies and a host-header rule; the real binary collects them (through the
//! counting proxy, to hold the API budget) and ALB301–ALB305 fire where they should.
//!
//! What moto answers differs from AWS in ways the collector must absorb: DescribeListeners
//! names every certificate of a listener, none marked default (AWS names the default one
//! only), and a requested certificate pending validation has validity dates (AWS reports none).
//! Fields moto does not fill (an `AMAZON_ISSUED` certificate eligible for renewal, `REVOKED`,
//! IAM server certificates) are covered by the snapshot fixtures.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_acm::primitives::Blob;
use aws_sdk_elasticloadbalancingv2::types::{
    Certificate as ElbCertificate, HostHeaderConditionConfig, ProtocolEnum, RuleCondition,
};
use rcgen::{date_time_ymd, CertificateParams, DnType, KeyPair};
use serde_json::Value;

use common::proxy::{Fault, Proxy};
use common::world::{build, forward, tcp, Spec, World, REGION};
use common::{alb_audit, audit_live, fired, sdk_config, Moto};

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
const DAY: u64 = 86_400;

async fn import(acm: &aws_sdk_acm::Client, names: &[&str], not_after: u64) -> String {
    let pem = make_cert(names, Y2020, not_after);
    acm.import_certificate()
        .certificate(Blob::new(pem.cert.as_bytes()))
        .private_key(Blob::new(pem.key.as_bytes()))
        .send()
        .await
        .expect("import")
        .certificate_arn
        .expect("an ARN")
}

/// The world's ALB without listeners, its security group open on 443 and 8443.
async fn https_world(moto: &Moto) -> (World, aws_sdk_acm::Client) {
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
        .ip_permissions(tcp(8443, "0.0.0.0/0"))
        .send()
        .await
        .expect("ingress");
    let config = sdk_config(&moto.endpoint, REGION).await;
    (w, aws_sdk_acm::Client::new(&config))
}

/// An HTTPS listener forwarding to the world's group, with `policy`, the default certificate
/// `default` and the SNI certificates `sni`.
async fn https_listener(w: &World, port: i32, policy: &str, default: &str, sni: &[&str]) -> String {
    let arn = w
        .elb
        .create_listener()
        .load_balancer_arn(&w.alb_arn)
        .protocol(ProtocolEnum::Https)
        .port(port)
        .ssl_policy(policy)
        .certificates(ElbCertificate::builder().certificate_arn(default).build())
        .default_actions(forward(&w.tg_arn))
        .send()
        .await
        .expect("HTTPS listener")
        .listeners
        .unwrap_or_default()
        .remove(0)
        .listener_arn
        .expect("listener ARN");
    if !sni.is_empty() {
        let mut add = w.elb.add_listener_certificates().listener_arn(&arn);
        for cert in sni {
            add = add.certificates(ElbCertificate::builder().certificate_arn(*cert).build());
        }
        add.send().await.expect("SNI certificates");
    }
    arn
}

/// The findings of `rule` in the report.
fn findings<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["load_balancers"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

/// `alb-audit snapshot` of the ALB, as JSON.
fn snapshot(endpoint: &str, alb: &str) -> Value {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("snapshot.json");
    let out = alb_audit()
        .args([
            "snapshot",
            "--alb-arn",
            alb,
            "--endpoint-url",
            endpoint,
            "--output",
        ])
        .arg(&path)
        .output()
        .expect("run alb-audit");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("snapshot written"))
        .expect("snapshot JSON")
}

/// The article's neighbour, live: a wildcard default certificate, SNI certificates with a SAN
/// list and one imported certificate that expires in ten days, a host-header rule for a name
/// nothing covers, and a TLS 1.2-only policy; a second listener presents only the wildcard.
#[tokio::test(flavor = "multi_thread")]
async fn certificates_names_and_policies() {
    let moto = Moto::start();
    let (w, acm) = https_world(&moto).await;
    let wildcard = import(&acm, &["*.example.test"], Y2099).await;
    let sans = import(
        &acm,
        &["example.test", "www.example.test", "api.example.test"],
        Y2099,
    )
    .await;
    let soon = import(&acm, &["soon.example.test"], now_secs() + 10 * DAY).await;
    let main = https_listener(
        &w,
        443,
        "ELBSecurityPolicy-TLS-1-2-2017-01",
        &wildcard,
        &[&sans, &soon],
    )
    .await;
    let admin = https_listener(&w, 8443, "ELBSecurityPolicy-2016-08", &wildcard, &[]).await;
    w.elb
        .create_rule()
        .listener_arn(&main)
        .priority(10)
        .conditions(
            RuleCondition::builder()
                .field("host-header")
                .host_header_config(
                    HostHeaderConditionConfig::builder()
                        .values("admin.other.test")
                        .build(),
                )
                .build(),
        )
        .actions(forward(&w.tg_arn))
        .send()
        .await
        .expect("host-header rule");

    // What was collected, from the snapshot the binary writes.
    let snap = snapshot(&moto.endpoint, &w.alb_arn);
    let listeners = snap["load_balancers"][0]["listeners"].as_array().unwrap();
    let l443 = listeners.iter().find(|l| l["port"] == 443).unwrap();
    assert_eq!(l443["ssl_policy"], "ELBSecurityPolicy-TLS-1-2-2017-01");
    assert_eq!(
        l443["host_headers"],
        serde_json::json!(["admin.other.test"])
    );
    let listed: Vec<(&str, bool)> = l443["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["arn"].as_str().unwrap(),
                c["is_default"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (wildcard.as_str(), true),
            (sans.as_str(), false),
            (soon.as_str(), false)
        ]
    );
    let certs = snap["certificates"].as_object().unwrap();
    assert_eq!(certs.len(), 3, "each certificate once: {certs:?}");
    let several = &certs[&sans];
    assert_eq!(several["kind"], "IMPORTED");
    assert_eq!(several["status"], "ISSUED");
    assert_eq!(several["renewal_eligibility"], "INELIGIBLE");
    assert_eq!(several["not_after"], "2099-01-01T00:00:00Z");
    assert_eq!(
        several["subject_alternative_names"],
        serde_json::json!(["example.test", "www.example.test", "api.example.test"])
    );
    let policies = snap["ssl_policies"].as_object().unwrap();
    assert_eq!(policies.len(), 2, "{policies:?}");
    assert_eq!(
        policies["ELBSecurityPolicy-TLS-1-2-2017-01"]["protocols"],
        serde_json::json!(["TLSv1.2"])
    );
    assert!(snap["collected_at"].is_string());

    // Through the proxy: the audit, and what it cost.
    let proxy = Proxy::start(&moto.endpoint, vec![]);
    let (code, report, stderr) = audit_live(&proxy.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), ["ALB302:-", "ALB304:-"], "{report:#}");
    assert_eq!(code, 1, "{stderr}");
    let calls = proxy.calls();
    assert_eq!(calls["DescribeSSLPolicies"], 1, "{calls:?}");
    assert_eq!(calls["DescribeListenerCertificates"], 2, "{calls:?}");
    assert_eq!(calls["DescribeCertificate"], 3, "{calls:?}");

    let expiring = findings(&report, "ALB302")[0];
    assert_eq!(expiring["resource"], soon.as_str());
    assert_eq!(expiring["severity"], "warning");
    assert_eq!(expiring["port"], 443);
    assert!(expiring["symptom"].is_null());
    let message = expiring["message"].as_str().unwrap();
    assert!(
        message.contains("in 9 days") || message.contains("in 10 days"),
        "{message}"
    );
    assert!(message.contains("imported"), "{message}");
    assert!(expiring["remediation"].as_str().unwrap().contains(&format!(
        "aws acm import-certificate --certificate-arn {soon}"
    )));

    let uncovered = findings(&report, "ALB304")[0];
    assert_eq!(uncovered["resource"], main.as_str());
    assert_eq!(uncovered["change"], serde_json::json!([main]));
    assert_eq!(uncovered["symptom"], "tls-error");
    assert_eq!(uncovered["evidence"]["host"], "admin.other.test");
    assert!(uncovered["message"]
        .as_str()
        .unwrap()
        .contains("NET::ERR_CERT_COMMON_NAME_INVALID"));
    assert!(uncovered["remediation"]
        .as_str()
        .unwrap()
        .contains("aws acm request-certificate --domain-name admin.other.test"));

    // A window shorter than ten days: nothing expires soon.
    let (_, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &["--cert-expiry-days", "5"]);
    assert_eq!(fired(&report), ["ALB304:-"], "{report:#}");

    // Wildcard against apex and deeper names; a SAN list covers the apex.
    let (_, report, _) = audit_live(
        &moto.endpoint,
        &w.alb_arn,
        &[
            "--hostname",
            "example.test",
            "--hostname",
            "shop.example.test",
            "--hostname",
            "a.b.example.test",
            "--cert-expiry-days",
            "5",
        ],
    );
    let mut uncovered: Vec<(u64, &str)> = findings(&report, "ALB304")
        .iter()
        .map(|f| {
            (
                f["port"].as_u64().unwrap(),
                f["evidence"]["host"].as_str().unwrap(),
            )
        })
        .collect();
    uncovered.sort_unstable();
    assert_eq!(
        uncovered,
        [
            (443, "a.b.example.test"),
            (443, "admin.other.test"),
            (8443, "a.b.example.test"),
            (8443, "example.test"),
        ],
        "{report:#}"
    );
    // On 8443 the apex is missing, and the SAN certificate of 443 is the one to add.
    let apex = findings(&report, "ALB304")
        .into_iter()
        .find(|f| f["port"] == 8443 && f["evidence"]["host"] == "example.test")
        .unwrap();
    assert_eq!(apex["resource"], admin.as_str());
    assert!(
        apex["remediation"].as_str().unwrap().contains(&format!(
            "aws elbv2 add-listener-certificates --listener-arn {admin} --certificates CertificateArn={sans}"
        )),
        "{apex:#}"
    );

    // TLS 1.0 clients: the 2017 TLS 1.2 policy refuses them, 2016-08 on 8443 does not.
    let (code, report, _) = audit_live(
        &moto.endpoint,
        &w.alb_arn,
        &["--client-tls", "TLSv1.0", "--cert-expiry-days", "5"],
    );
    assert_eq!(fired(&report), ["ALB304:-", "ALB305:-"], "{report:#}");
    assert_eq!(code, 1);
    let policy = findings(&report, "ALB305")[0];
    assert_eq!(policy["resource"], main.as_str());
    assert_eq!(policy["port"], 443);
    assert_eq!(policy["symptom"], "tls-error");
    assert!(policy["message"]
        .as_str()
        .unwrap()
        .contains("protocol_version alert"));
    assert_eq!(
        policy["evidence"]["suggested_policy"],
        "ELBSecurityPolicy-TLS13-1-0-2021-06"
    );
    assert!(policy["remediation"].as_str().unwrap().contains(&format!(
        "aws elbv2 modify-listener --listener-arn {main} --ssl-policy ELBSecurityPolicy-TLS13-1-0-2021-06"
    )));
}

/// A certificate that expires while the test runs is judged at collection time, in the live
/// audit and when its snapshot is replayed; a requested certificate still pending validation
/// is not issued.
#[tokio::test(flavor = "multi_thread")]
async fn expired_and_pending_certificates() {
    let moto = Moto::start();
    let (w, acm) = https_world(&moto).await;
    let valid = import(&acm, &["www.example.test"], Y2099).await;
    // Valid for a few seconds (an expired certificate cannot be imported, in moto as in ACM).
    let expiry = now_secs() + 4;
    let short = import(&acm, &["soon.example.test"], expiry).await;
    let pending = acm
        .request_certificate()
        .domain_name("new.example.test")
        .send()
        .await
        .expect("request")
        .certificate_arn
        .expect("an ARN");
    https_listener(
        &w,
        443,
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        &valid,
        &[&short, &pending],
    )
    .await;
    // Wait for the clock, bounded so that a broken clock cannot hang the test.
    for _ in 0..100 {
        if now_secs() > expiry + 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("snapshot.json");
    std::fs::write(
        &path,
        serde_json::to_string(&snapshot(&moto.endpoint, &w.alb_arn)).unwrap(),
    )
    .unwrap();
    for (code, report) in [
        {
            let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
            (code, report)
        },
        {
            let (code, report, _) = common::audit_snapshot(&path);
            (code, report)
        },
    ] {
        assert_eq!(fired(&report), ["ALB301:-", "ALB303:-"], "{report:#}");
        assert_eq!(code, 1);
        let expired = findings(&report, "ALB301")[0];
        assert_eq!(expired["resource"], short.as_str());
        assert_eq!(expired["change"], serde_json::json!([short]));
        assert!(expired["message"]
            .as_str()
            .unwrap()
            .contains("NET::ERR_CERT_DATE_INVALID"));
        let not_issued = findings(&report, "ALB303")[0];
        assert_eq!(not_issued["resource"], pending.as_str());
        assert_eq!(not_issued["evidence"]["status"], "PENDING_VALIDATION");
    }
}

/// acm:DescribeCertificate denied: the certificate rules are not evaluated for the
/// certificates it hides (never passed), and the audit is incomplete.
#[tokio::test(flavor = "multi_thread")]
async fn certificate_read_denied_is_not_evaluated() {
    let moto = Moto::start();
    let (w, acm) = https_world(&moto).await;
    let cert = import(&acm, &["www.example.test"], Y2099).await;
    https_listener(&w, 443, "ELBSecurityPolicy-TLS13-1-2-2021-06", &cert, &[]).await;
    let proxy = Proxy::start(
        &moto.endpoint,
        vec![("DescribeCertificate", Fault::JsonAccessDenied)],
    );
    let (code, report, stderr) = audit_live(
        &proxy.endpoint,
        &w.alb_arn,
        &["--hostname", "www.example.test"],
    );
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(report["status"], "incomplete");
    assert_eq!(fired(&report), Vec::<String>::new(), "{report:#}");
    let reasons: Vec<String> = report["load_balancers"][0]["not_evaluated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            format!(
                "{}: {}",
                n["check"].as_str().unwrap(),
                n["reason"].as_str().unwrap()
            )
        })
        .collect();
    let why = format!("certificate {cert} was not read (acm:DescribeCertificate: access denied)");
    for rule in ["ALB301", "ALB302", "ALB303"] {
        assert!(reasons.contains(&format!("{rule}: {why}")), "{reasons:#?}");
    }
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("ALB304: www.example.test:")),
        "{reasons:#?}"
    );
    assert!(proxy.calls()["DescribeCertificate"] >= 1);
}
