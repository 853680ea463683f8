//! End to end against moto: `--suppressions` entries that match by tag read the ALBs' tags
//! (DescribeTags) whatever selects the ALBs (`--alb-arn` here, not only `--all --tag`), a
//! `snapshot` keeps them for the audits made from it, and a denied DescribeTags leaves only the
//! suppressions `not_evaluated` (the findings stay unsuppressed), through the fault proxy.

mod common;

use common::proxy::{Fault, Proxy};
use common::world::{build, Spec, World};
use common::{alb_audit, audit_live, fired, Moto};
use serde_json::Value;

/// A world whose ALB is tagged `env=sandbox` and whose security group misses listener port 443
/// (ALB101, an error).
async fn sandbox(endpoint: &str) -> World {
    let spec = Spec {
        listener_ports: vec![80, 443],
        ..Spec::default()
    };
    let w = build(endpoint, &spec).await;
    w.ec2
        .revoke_security_group_ingress()
        .group_id(&w.alb_sg)
        .ip_protocol("tcp")
        .from_port(443)
        .to_port(443)
        .cidr_ip("0.0.0.0/0")
        .send()
        .await
        .unwrap();
    w.elb
        .add_tags()
        .resource_arns(&w.alb_arn)
        .tags(
            aws_sdk_elasticloadbalancingv2::types::Tag::builder()
                .key("env")
                .value("sandbox")
                .build(),
        )
        .send()
        .await
        .unwrap();
    w
}

fn suppressions(dir: &std::path::Path, tag: &str) -> String {
    let file = dir.join("suppressions.toml");
    std::fs::write(
        &file,
        format!(
            "[[suppress]]\ntag = \"{tag}\"\nseverity = \"error\"\nreason = \"sandbox ALBs are closed on purpose\"\n"
        ),
    )
    .unwrap();
    file.to_str().unwrap().to_string()
}

fn alb101(report: &Value) -> &Value {
    report["load_balancers"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "ALB101")
        .expect("ALB101")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_entry_by_tag_hides_the_findings_of_an_alb_named_by_arn() {
    let moto = Moto::start();
    let w = sandbox(&moto.endpoint).await;
    let dir = tempfile::tempdir().unwrap();

    let file = suppressions(dir.path(), "env=sandbox");
    let (code, report, stderr) = audit_live(&moto.endpoint, &w.alb_arn, &["--suppressions", &file]);
    assert_eq!(fired(&report), vec!["ALB101:-"], "{report:#}");
    assert_eq!(alb101(&report)["suppressed"]["entry"], 1, "{report:#}");
    assert_eq!(report["suppressions"]["stale"], serde_json::json!([]));
    assert_eq!(
        report["load_balancers"][0]["not_evaluated"],
        serde_json::json!([])
    );
    assert_eq!(code, 0, "{stderr}");

    // Another value of the tag hides nothing, and the entry is stale.
    let file = suppressions(dir.path(), "env=prod");
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &["--suppressions", &file]);
    assert!(alb101(&report)["suppressed"].is_null());
    assert_eq!(report["suppressions"]["stale"][0]["entry"], 1);
    assert_eq!(code, 1);

    // A snapshot keeps the tags: the audit made from it hides the same finding.
    let snapshot = dir.path().join("snapshot.json");
    let out = alb_audit()
        .args([
            "snapshot",
            "--alb-arn",
            &w.alb_arn,
            "--endpoint-url",
            &moto.endpoint,
        ])
        .arg("--output")
        .arg(&snapshot)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&snapshot).unwrap()).unwrap();
    assert_eq!(written["load_balancers"][0]["tags"]["env"], "sandbox");
    let file = suppressions(dir.path(), "env=sandbox");
    let out = alb_audit()
        .args(["audit", "--format", "json", "--snapshot"])
        .arg(&snapshot)
        .args(["--suppressions", &file])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(alb101(&report)["suppressed"]["entry"], 1, "{report:#}");
    assert_eq!(out.status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn denied_tags_leave_only_the_suppressions_not_evaluated() {
    let moto = Moto::start();
    let w = sandbox(&moto.endpoint).await;
    let dir = tempfile::tempdir().unwrap();
    let proxy = Proxy::start(
        &moto.endpoint,
        vec![("DescribeTags", Fault::ElbAccessDenied)],
    );
    let file = suppressions(dir.path(), "env=sandbox");
    let (code, report, stderr) =
        audit_live(&proxy.endpoint, &w.alb_arn, &["--suppressions", &file]);
    assert_eq!(proxy.calls()["DescribeTags"], 1, "one call per 20 ALBs");
    let lb = &report["load_balancers"][0];
    assert_eq!(
        lb["not_evaluated"],
        serde_json::json!([
            {"check": "suppressions", "reason": "elasticloadbalancing:DescribeTags: access denied"}
        ]),
        "{stderr}"
    );
    // Every rule still ran; the finding is not hidden, and it fails the run.
    assert_eq!(fired(&report), vec!["ALB101:-"]);
    assert!(alb101(&report)["suppressed"].is_null());
    assert_eq!(code, 1);

    // Without an entry by tag, tags are not read at all.
    proxy.reset();
    let file = dir.path().join("by-rule.toml");
    std::fs::write(
        &file,
        "[[suppress]]\nrule = \"ALB101\"\nseverity = \"error\"\nreason = \"known\"\n",
    )
    .unwrap();
    let (code, report, _) = audit_live(
        &proxy.endpoint,
        &w.alb_arn,
        &["--suppressions", file.to_str().unwrap()],
    );
    assert_eq!(proxy.calls().get("DescribeTags"), None);
    assert_eq!(
        report["load_balancers"][0]["not_evaluated"],
        serde_json::json!([])
    );
    assert_eq!(code, 0);
}
