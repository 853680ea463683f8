//! End to end against moto behind a fault-injecting proxy: snapshots replay live audits,
//! denied reads become `not_evaluated` with exit 3, throttling is retried away, and unknown
//! load balancers are bad input.

mod common;

use common::proxy::{Fault, Proxy};
use common::world::{build, Spec};
use common::{alb_audit, audit_live, audit_snapshot, fired, Moto};
use serde_json::Value;

fn without_time(mut report: Value) -> Value {
    report["generated_at"] = Value::Null;
    report
}

#[tokio::test(flavor = "multi_thread")]
async fn snapshot_replays_the_live_audit_offline() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snap.json");
    let out = alb_audit()
        .args(["snapshot", "--alb-arn", &w.alb_arn, "--output"])
        .arg(&file)
        // The SDK's own variable, instead of --endpoint-url.
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snapshot: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(snapshot["load_balancers"][0]["arn"], w.alb_arn.as_str());
    assert_eq!(
        snapshot["network"]["network_interfaces"]
            .as_object()
            .unwrap()
            .len(),
        2,
        "the ALB's two node interfaces"
    );
    assert_eq!(
        snapshot["network"]["instances"].as_object().unwrap().len(),
        2
    );
    drop(moto); // offline from here on
    let (code, replayed, _) = audit_snapshot(&file);
    assert_eq!(code, 0);
    assert_eq!(replayed["status"], "pass");
    assert_eq!(
        replayed["load_balancers"][0]["dns_name"],
        snapshot["load_balancers"][0]["dns_name"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn snapshot_and_live_reports_are_equal_for_a_broken_world() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let rtb = common::world::create_route_table(&w.ec2, &w.vpc).await;
    w.reassociate(&w.alb_subnets[0], &rtb).await; // subnet A loses its internet route
    let (live_code, live, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snap.json");
    let out = alb_audit()
        .args([
            "snapshot",
            "--alb-arn",
            &w.alb_arn,
            "--endpoint-url",
            &moto.endpoint,
            "--output",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success());
    let (code, replayed, _) = audit_snapshot(&file);
    assert_eq!(fired(&live), vec!["ALB104:us-east-1a"]);
    assert_eq!(
        (code, without_time(replayed)),
        (live_code, without_time(live))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn denied_network_acls_are_not_evaluated_and_exit_3() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let proxy = Proxy::start(
        &moto.endpoint,
        vec![("DescribeNetworkAcls", Fault::Ec2Unauthorized)],
    );
    let (code, report, stderr) = audit_live(&proxy.endpoint, &w.alb_arn, &[]);
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(report["status"], "incomplete");
    let lb = &report["load_balancers"][0];
    assert_eq!(lb["status"], "incomplete");
    assert_eq!(
        lb["not_evaluated"],
        serde_json::json!([
            {"check": "ALB102", "reason": "ec2:DescribeNetworkAcls: access denied"},
            {"check": "ALB103", "reason": "ec2:DescribeNetworkAcls: access denied"},
            {"check": "ALB203", "reason": "ec2:DescribeNetworkAcls: access denied"},
            {"check": "ALB204", "reason": "ec2:DescribeNetworkAcls: access denied"}
        ])
    );
    // The other checks still ran.
    assert_eq!(fired(&report), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn denied_load_balancer_read_evaluates_nothing() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let proxy = Proxy::start(
        &moto.endpoint,
        vec![("DescribeLoadBalancers", Fault::ElbAccessDenied)],
    );
    let (code, report, _) = audit_live(&proxy.endpoint, &w.alb_arn, &[]);
    assert_eq!(code, 3);
    assert_eq!(report["status"], "incomplete");
    let not_evaluated = report["load_balancers"][0]["not_evaluated"]
        .as_array()
        .unwrap();
    let rules = alb_audit().arg("rules").output().unwrap().stdout;
    let rule_count = String::from_utf8_lossy(&rules).lines().count();
    assert_eq!(
        not_evaluated.len(),
        rule_count,
        "every rule: {not_evaluated:#?}"
    );
    assert!(not_evaluated
        .iter()
        .all(|n| n["reason"] == "elasticloadbalancing:DescribeLoadBalancers: access denied"));
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_is_retried_and_changes_nothing() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let (_, calm, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    let proxy = Proxy::start(
        &moto.endpoint,
        vec![
            ("DescribeRouteTables", Fault::Ec2Throttle(2)),
            ("DescribeListeners", Fault::ElbThrottle(2)),
        ],
    );
    // Generous timeout: the adaptive retry's rate limiter may wait before retrying.
    let (code, throttled, stderr) =
        audit_live(&proxy.endpoint, &w.alb_arn, &["--call-timeout", "300"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(without_time(throttled), without_time(calm));
    let calls = proxy.calls();
    assert_eq!(
        calls["DescribeRouteTables"], 3,
        "two throttled, one answered"
    );
    assert_eq!(calls["DescribeListeners"], 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_load_balancer_is_bad_input() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let unknown = w.alb_arn.replace("/web/", "/gone/");
    let out = alb_audit()
        .args([
            "audit",
            "--alb-arn",
            &unknown,
            "--endpoint-url",
            &moto.endpoint,
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("load balancer not found"), "{stderr}");
    assert!(stderr.contains(&unknown), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(out.stdout.is_empty());
}

/// `--profile` reads the shared config: credentials, and the endpoint the profile names.
#[tokio::test(flavor = "multi_thread")]
async fn profile_from_the_shared_config_is_used() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        format!(
            "[profile audit]\nregion = us-east-1\naws_access_key_id = fromprofile\naws_secret_access_key = fromprofile\nendpoint_url = {}\n",
            moto.endpoint
        ),
    )
    .unwrap();
    let out = alb_audit()
        .env("AWS_CONFIG_FILE", &config)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args([
            "audit",
            "--alb-arn",
            &w.alb_arn,
            "--profile",
            "audit",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "pass");
}

/// Throttling that outlasts the SDK's retries is a gap, not a crash and never a pass.
#[tokio::test(flavor = "multi_thread")]
async fn throttling_beyond_retries_is_incomplete() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let proxy = Proxy::start(
        &moto.endpoint,
        vec![("DescribeNetworkAcls", Fault::Ec2Throttle(usize::MAX))],
    );
    let (code, report, stderr) = audit_live(&proxy.endpoint, &w.alb_arn, &["--call-timeout", "10"]);
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(report["status"], "incomplete");
    let reasons: Vec<&str> = report["load_balancers"][0]["not_evaluated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["reason"].as_str().unwrap())
        .collect();
    assert!(!reasons.is_empty());
    assert!(
        reasons
            .iter()
            .all(|r| r.starts_with("ec2:DescribeNetworkAcls: ")),
        "{reasons:?}"
    );
    // Whether the SDK retried or its adaptive rate limiter ran into --call-timeout first
    // varies from run to run; either way the read ends as a gap.
    assert!(proxy.calls().contains_key("DescribeNetworkAcls"));
}

/// `snapshot` that could not read everything writes the snapshot with its gaps, and exits 3.
#[tokio::test(flavor = "multi_thread")]
async fn snapshot_with_gaps_exits_3() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let proxy = Proxy::start(
        &moto.endpoint,
        vec![("DescribeNetworkAcls", Fault::Ec2Unauthorized)],
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snap.json");
    let out = alb_audit()
        .args([
            "snapshot",
            "--alb-arn",
            &w.alb_arn,
            "--endpoint-url",
            &proxy.endpoint,
            "--output",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snapshot: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(snapshot["gaps"][0]["api"], "ec2:DescribeNetworkAcls");
    assert_eq!(snapshot["gaps"][0]["error"], "access denied");
}

/// `audit --all` whose listing fails says so at the top of the report: incomplete, exit 3,
/// the reason in one line — never "0 load balancers" and nothing else.
#[tokio::test(flavor = "multi_thread")]
async fn a_failed_listing_is_reported_at_the_top() {
    let moto = Moto::start();
    build(&moto.endpoint, &Spec::default()).await;
    let proxy = Proxy::start(
        &moto.endpoint,
        vec![("DescribeLoadBalancers", Fault::ElbAccessDenied)],
    );
    let out = alb_audit()
        .args([
            "audit",
            "--all",
            "--region",
            "us-east-1",
            "--endpoint-url",
            &proxy.endpoint,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "incomplete");
    assert_eq!(
        report["not_evaluated"],
        serde_json::json!([{"check": "region us-east-1", "reason": "elasticloadbalancing:DescribeLoadBalancers: access denied"}])
    );
    let text = alb_audit()
        .args([
            "audit",
            "--all",
            "--region",
            "us-east-1",
            "--endpoint-url",
            &proxy.endpoint,
            "--format",
            "text",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("DescribeLoadBalancers: access denied"),
        "{text}"
    );
}
