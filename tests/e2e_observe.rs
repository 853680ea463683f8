//! `--observe` end to end against moto: metrics are put with the SDK's own PutMetricData and
//! read back with GetMetricData, both through the layer beside moto, which bridges the SDK's
//! RPC v2 CBOR to the JSON protocol moto serves (getmoto/moto issue 9195). Worlds: a broken
//! zone whose silence the metrics show (explained), keep-alive 502s no configuration explains,
//! connections that contradict a finding, a window with no data, and a denied GetMetricData.

mod common;

use std::time::{Duration, SystemTime};

use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};
use common::layer::cbor;
use common::world::{build, Spec, World, REGION};
use common::{alb_audit, audit_live, audit_snapshot, sdk_config, Moto};
use serde_json::Value;

/// Puts `value` of `metric` for the world's ALB in `zone`, five minutes ago.
async fn put(endpoint: &str, w: &World, zone: &str, metric: &str, value: f64) {
    let cw = aws_sdk_cloudwatch::Client::new(&sdk_config(endpoint, REGION).await);
    let lb = w
        .alb_arn
        .split_once(":loadbalancer/")
        .map(|(_, rest)| rest.to_string())
        .unwrap();
    let dim = |n: &str, v: &str| Dimension::builder().name(n).value(v).build();
    cw.put_metric_data()
        .namespace("AWS/ApplicationELB")
        .metric_data(
            MetricDatum::builder()
                .metric_name(metric)
                .dimensions(dim("LoadBalancer", &lb))
                .dimensions(dim("AvailabilityZone", zone))
                .timestamp((SystemTime::now() - Duration::from_secs(300)).into())
                .value(value)
                .build(),
        )
        .send()
        .await
        .expect("PutMetricData through the CBOR bridge");
}

/// Zone b's ALB subnet routes 0.0.0.0/0 to a NAT gateway: ALB104 in us-east-1b.
async fn broken_zone_b(w: &World) {
    w.route_through_nat(&w.alb_subnets[1]).await;
}

fn observed(report: &Value) -> &Value {
    &report["load_balancers"][0]["observed"]
}

fn fingerprint(report: &Value, rule: &str) -> String {
    report["load_balancers"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no {rule} in {report:#}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_broken_zone_is_the_observed_timeout_its_finding_explains() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    broken_zone_b(&w).await;
    put(
        &moto.endpoint,
        &w,
        "us-east-1a",
        "NewConnectionCount",
        4000.0,
    )
    .await;
    put(&moto.endpoint, &w, "us-east-1a", "RequestCount", 5200.0).await;
    let (code, report, stderr) = audit_live(&moto.endpoint, &w.alb_arn, &["--observe", "1h"]);
    assert_eq!(code, 1, "the finding fails as without --observe: {stderr}");
    let o = observed(&report);
    assert_eq!(o["no_data"], false, "{o:#}");
    assert_eq!(o["zones"][0]["availability_zone"], "us-east-1a");
    assert_eq!(o["zones"][0]["metrics"]["NewConnectionCount"], 4000);
    assert_eq!(o["zones"][0]["metrics"]["RequestCount"], 5200);
    let symptoms = o["symptoms"].as_array().unwrap();
    assert_eq!(symptoms.len(), 1, "{o:#}");
    let s = &symptoms[0];
    assert_eq!(s["availability_zone"], "us-east-1b");
    assert_eq!(s["symptom"], "timeout");
    assert_eq!(s["metric"], "NewConnectionCount");
    assert_eq!(s["count"], 0);
    assert_eq!(s["unexplained"], false);
    assert_eq!(
        s["explained_by"],
        serde_json::json!([fingerprint(&report, "ALB104")])
    );
    assert_eq!(o["contradicts"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn keep_alive_502s_are_unexplained_with_that_suspect() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    for zone in ["us-east-1a", "us-east-1b"] {
        put(&moto.endpoint, &w, zone, "NewConnectionCount", 900.0).await;
    }
    put(
        &moto.endpoint,
        &w,
        "us-east-1a",
        "HTTPCode_ELB_502_Count",
        37.0,
    )
    .await;
    let (code, report, stderr) = audit_live(&moto.endpoint, &w.alb_arn, &["--observe", "3d"]);
    assert_eq!(code, 0, "observation never fails an audit: {stderr}");
    assert_eq!(report["status"], "pass");
    let symptoms = observed(&report)["symptoms"].as_array().unwrap().clone();
    assert_eq!(symptoms.len(), 1, "{symptoms:#?}");
    let s = &symptoms[0];
    assert_eq!(s["symptom"], "http-502");
    assert_eq!(s["metric"], "HTTPCode_ELB_502_Count");
    assert_eq!(s["count"], 37);
    assert_eq!(s["unexplained"], true);
    assert!(s["suspects"][0]
        .as_str()
        .unwrap()
        .contains("closed a kept-alive connection before the ALB's idle timeout"));

    // The text report shows the figures per zone beside the findings.
    let out = alb_audit()
        .args([
            "audit",
            "--alb-arn",
            &w.alb_arn,
            "--endpoint-url",
            &moto.endpoint,
        ])
        .args(["--observe", "3d", "--format", "text"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("us-east-1a  900 new connections, 37 ELB 502"),
        "{text}"
    );
    assert!(text.contains("http-502 (37 HTTPCode_ELB_502_Count)"));
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_in_a_zone_said_unreachable_contradict_the_finding() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    broken_zone_b(&w).await;
    for zone in ["us-east-1a", "us-east-1b"] {
        put(&moto.endpoint, &w, zone, "NewConnectionCount", 3000.0).await;
    }
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &["--observe", "15m"]);
    assert_eq!(code, 1);
    let o = observed(&report);
    assert_eq!(
        o["contradicts"],
        serde_json::json!([{
            "fingerprint": fingerprint(&report, "ALB104"),
            "availability_zone": "us-east-1b",
            "metric": "NewConnectionCount",
            "count": 3000,
        }])
    );
    assert_eq!(o["symptoms"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_window_without_data_says_so_and_a_snapshot_replays_the_observation() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &["--observe", "1h"]);
    assert_eq!(code, 0);
    let o = observed(&report);
    assert_eq!(o["no_data"], true, "{o:#}");
    assert_eq!(o["symptoms"], serde_json::json!([]));
    assert_eq!(o["zones"].as_array().unwrap().len(), 2);

    put(&moto.endpoint, &w, "us-east-1a", "NewConnectionCount", 10.0).await;
    put(
        &moto.endpoint,
        &w,
        "us-east-1a",
        "HTTPCode_Target_5XX_Count",
        4.0,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snap.json");
    let out = alb_audit()
        .args(["snapshot", "--alb-arn", &w.alb_arn, "--observe", "1h"])
        .args(["--endpoint-url", &moto.endpoint, "--output"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (live_code, live, _) = audit_live(&moto.endpoint, &w.alb_arn, &["--observe", "1h"]);
    drop(moto);
    let replay = |observe: bool| {
        let mut cmd = alb_audit();
        cmd.args(["audit", "--format", "json", "--snapshot"])
            .arg(&file);
        if observe {
            cmd.args(["--observe", "1h"]);
        }
        let out = cmd.output().unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code().unwrap(), report)
    };
    let (code, replayed) = replay(true);
    assert_eq!(code, live_code);
    let (a, b) = (observed(&replayed), observed(&live));
    assert_eq!(a["zones"], b["zones"]);
    assert_eq!(a["symptoms"], b["symptoms"]);
    assert_eq!(a["symptoms"][0]["symptom"], "target-5xx");
    let (_, plain) = replay(false);
    assert!(plain["load_balancers"][0].get("observed").is_none());
    let (_, plain, _) = audit_snapshot(&file);
    assert!(plain["load_balancers"][0].get("observed").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_denied_get_metric_data_is_not_evaluated_and_changes_no_exit_status() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    put(&moto.endpoint, &w, "us-east-1a", "NewConnectionCount", 10.0).await;
    moto.layer.answer(|call| {
        (call.action == "GetMetricData").then(|| {
            cbor::error(
                400,
                "AccessDenied",
                "User is not authorized to perform: cloudwatch:GetMetricData",
            )
        })
    });
    let (code, report, stderr) = audit_live(&moto.endpoint, &w.alb_arn, &["--observe", "1h"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report["status"], "pass");
    assert_eq!(
        report["load_balancers"][0]["not_evaluated"],
        serde_json::json!([])
    );
    let o = observed(&report);
    assert_eq!(
        o["not_evaluated"], "cloudwatch:GetMetricData: access denied",
        "{o:#}"
    );
    assert_eq!(o["symptoms"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn one_get_metric_data_call_serves_every_alb_of_a_region() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    for i in 0..4 {
        w.add_forwarding_alb(&format!("more{i}")).await;
    }
    let proxy = common::proxy::Proxy::start(&moto.endpoint, vec![]);
    let out = alb_audit()
        .args([
            "audit",
            "--all",
            "--region",
            REGION,
            "--endpoint-url",
            &proxy.endpoint,
        ])
        .args(["--observe", "1h", "--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["load_balancers"].as_array().unwrap().len(), 5);
    for lb in report["load_balancers"].as_array().unwrap() {
        assert_eq!(lb["observed"]["no_data"], true, "{lb:#}");
    }
    assert_eq!(
        proxy.calls().get("GetMetricData").copied(),
        Some(1),
        "5 ALBs x 2 zones x (15 + 2 per target group) queries in one call: {:?}",
        proxy.calls()
    );
}
