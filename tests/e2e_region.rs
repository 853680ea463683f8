//! Region-wide audits and the faults of a real account, against moto behind the proxy:
//! pagination past a page, tag filters, Network Load Balancers skipped, calls growing with
//! pages rather than ALBs, access denied on each API in turn, a hung call, and an ALB deleted
//! during the audit.

mod common;

use std::time::{Duration, Instant};

use common::proxy::{Fault, Proxy};
use common::world::{build, Spec, REGION};
use common::{alb_audit, Moto};
use serde_json::Value;

fn audit_all(endpoint: &str, extra: &[&str]) -> (i32, Value) {
    let out = alb_audit()
        .args([
            "audit",
            "--all",
            "--region",
            REGION,
            "--endpoint-url",
            endpoint,
            "--format",
            "json",
        ])
        .args(extra)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), report)
}

fn names(report: &Value) -> Vec<String> {
    let mut v: Vec<String> = report["load_balancers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|lb| lb["name"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn all_reads_every_page_skips_network_load_balancers_and_shares_the_vpc_fetch() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    // moto pages DescribeLoadBalancers at 50: 55 ALBs need two pages.
    for i in 0..54 {
        w.extra_load_balancer(&format!("bulk-{i:02}"), false).await;
    }
    w.extra_load_balancer("nlb", true).await;
    let proxy = Proxy::start(&moto.endpoint, vec![]);
    let (code, report) = audit_all(&proxy.endpoint, &[]);
    let found = names(&report);
    assert_eq!(found.len(), 55, "{found:?}");
    assert!(!found.contains(&"nlb".to_string()));
    assert_eq!(report["summary"]["load_balancers"], 55);
    // The bulk ALBs have no listener: ALB107 each, so the audit fails.
    assert_eq!(code, 1);
    let calls = proxy.calls();
    assert_eq!(calls["DescribeLoadBalancers"], 2, "{calls:?}");
    // One VPC: every EC2 read is a single call whatever the number of ALBs.
    for action in [
        "DescribeVpcs",
        "DescribeSubnets",
        "DescribeRouteTables",
        "DescribeInternetGateways",
        "DescribeVpnGateways",
        "DescribeSecurityGroups",
        "DescribeNetworkAcls",
    ] {
        assert_eq!(calls[action], 1, "{action}: {calls:?}");
    }
    // Target groups are listed once for the region; listeners once per ALB.
    assert_eq!(calls["DescribeTargetGroups"], 1, "{calls:?}");
    assert_eq!(calls["DescribeListeners"], 55, "{calls:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn tag_filters_select_albs() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let other = w.extra_load_balancer("other", false).await;
    let third = w.extra_load_balancer("third", false).await;
    for (arn, team) in [(&w.alb_arn, "web"), (&other, "web"), (&third, "data")] {
        w.elb
            .add_tags()
            .resource_arns(arn)
            .tags(
                aws_sdk_elasticloadbalancingv2::types::Tag::builder()
                    .key("team")
                    .value(team)
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
    let (_, report) = audit_all(&moto.endpoint, &["--tag", "team=web"]);
    assert_eq!(names(&report), ["other", "web"]);
    let (_, report) = audit_all(&moto.endpoint, &["--tag", "team=web", "--tag", "team=data"]);
    assert_eq!(names(&report), Vec::<String>::new());
    let out = alb_audit()
        .args([
            "audit",
            "--all",
            "--region",
            REGION,
            "--endpoint-url",
            &moto.endpoint,
            "--tag",
            "novalue",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Access denied on each API in turn: the checks that need it are not evaluated, the audit
/// finishes, exit 3, never a pass.
#[tokio::test(flavor = "multi_thread")]
async fn access_denied_on_each_api_in_turn() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    // A prefix list in the app group so that GetManagedPrefixListEntries is called too.
    let pl = w.prefix_list("office", "198.51.100.0/24").await;
    w.ec2
        .authorize_security_group_ingress()
        .group_id(&w.app_sg)
        .ip_permissions(
            aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .prefix_list_ids(
                    aws_sdk_ec2::types::PrefixListId::builder()
                        .prefix_list_id(pl)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let apis: &[(&str, Fault, &str)] = &[
        (
            "DescribeListeners",
            Fault::ElbAccessDenied,
            "elasticloadbalancing:DescribeListeners",
        ),
        (
            "DescribeRules",
            Fault::ElbAccessDenied,
            "elasticloadbalancing:DescribeRules",
        ),
        (
            "DescribeTargetGroups",
            Fault::ElbAccessDenied,
            "elasticloadbalancing:DescribeTargetGroups",
        ),
        (
            "DescribeTargetHealth",
            Fault::ElbAccessDenied,
            "elasticloadbalancing:DescribeTargetHealth",
        ),
        (
            "DescribeTargetGroupAttributes",
            Fault::ElbAccessDenied,
            "elasticloadbalancing:DescribeTargetGroupAttributes",
        ),
        (
            "DescribeLoadBalancerAttributes",
            Fault::ElbAccessDenied,
            "elasticloadbalancing:DescribeLoadBalancerAttributes",
        ),
        ("DescribeVpcs", Fault::Ec2Unauthorized, "ec2:DescribeVpcs"),
        (
            "DescribeSubnets",
            Fault::Ec2Unauthorized,
            "ec2:DescribeSubnets",
        ),
        (
            "DescribeRouteTables",
            Fault::Ec2Unauthorized,
            "ec2:DescribeRouteTables",
        ),
        (
            "DescribeInternetGateways",
            Fault::Ec2Unauthorized,
            "ec2:DescribeInternetGateways",
        ),
        (
            "DescribeVpnGateways",
            Fault::Ec2Unauthorized,
            "ec2:DescribeVpnGateways",
        ),
        (
            "DescribeSecurityGroups",
            Fault::Ec2Unauthorized,
            "ec2:DescribeSecurityGroups",
        ),
        (
            "GetManagedPrefixListEntries",
            Fault::Ec2Unauthorized,
            "ec2:GetManagedPrefixListEntries",
        ),
        (
            "DescribeNetworkAcls",
            Fault::Ec2Unauthorized,
            "ec2:DescribeNetworkAcls",
        ),
        (
            "DescribeNetworkInterfaces",
            Fault::Ec2Unauthorized,
            "ec2:DescribeNetworkInterfaces",
        ),
        (
            "DescribeInstances",
            Fault::Ec2Unauthorized,
            "ec2:DescribeInstances",
        ),
    ];
    for (action, fault, api) in apis {
        let proxy = Proxy::start(&moto.endpoint, vec![(action, fault.clone())]);
        let (code, report, stderr) = common::audit_live(&proxy.endpoint, &w.alb_arn, &[]);
        assert!(
            proxy.calls().contains_key(*action),
            "{action} was never called"
        );
        assert_eq!(code, 3, "{action}: {report:#} {stderr}");
        assert_eq!(report["status"], "incomplete", "{action}");
        let lb = &report["load_balancers"][0];
        let reasons: Vec<&str> = lb["not_evaluated"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["reason"].as_str().unwrap())
            .collect();
        assert!(!reasons.is_empty(), "{action}");
        assert!(
            reasons.iter().all(|r| r.starts_with(api)),
            "{action}: {reasons:?}"
        );
        // The rest still ran: every rule is either not evaluated or silent (the world is healthy).
        assert_eq!(
            lb["findings"].as_array().unwrap().len(),
            0,
            "{action}: {lb:#}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hung_call_times_out_into_not_evaluated() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let proxy = Proxy::start(
        &moto.endpoint,
        vec![("DescribeSecurityGroups", Fault::Hang)],
    );
    let started = Instant::now();
    let (code, report, stderr) =
        common::audit_live(&proxy.endpoint, &w.alb_arn, &["--call-timeout", "2"]);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(code, 3, "{stderr}");
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
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("ALB101: ec2:DescribeSecurityGroups")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .all(|r| r.contains("ec2:DescribeSecurityGroups")),
        "{reasons:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alb_deleted_during_the_audit_is_reported() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let proxy = Proxy::start(
        &moto.endpoint,
        vec![("DescribeListeners", Fault::ElbError("LoadBalancerNotFound"))],
    );
    let (code, report, stderr) = common::audit_live(&proxy.endpoint, &w.alb_arn, &[]);
    assert_eq!(code, 3, "{stderr}");
    let reasons: Vec<&str> = report["load_balancers"][0]["not_evaluated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.contains(&"elasticloadbalancing:DescribeListeners: LoadBalancerNotFound (deleted during the audit)"),
        "{reasons:?}"
    );
}
