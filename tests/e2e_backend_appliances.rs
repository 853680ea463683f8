//! End to end against moto: an appliance on the backend path. The ALB subnets' route table
//! sends zone a's target subnet through a Gateway Load Balancer endpoint (a route more specific
//! than `local`, built as the inspection tests build theirs): that target's path is judged up
//! to the appliance, and what lies beyond it is not evaluated, never passed.

mod common;

use common::world::{build, Spec};
use common::{audit_live, fired, Moto};

fn not_evaluated(report: &serde_json::Value) -> Vec<(String, String)> {
    report["load_balancers"][0]["not_evaluated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["check"].as_str().unwrap().to_string(),
                n["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gwlb_endpoint_towards_the_targets_leaves_what_lies_beyond_unevaluated() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let (code, report, stderr) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(code, 0, "{report:#} {stderr}");

    let appliance_subnet = w.subnet("10.0.101.0/28", "us-east-1a").await;
    let endpoint = w.gwlb_endpoint(&appliance_subnet).await;
    w.ec2
        .create_route()
        .route_table_id(&w.public_rtb)
        .destination_cidr_block("10.0.11.0/24")
        .vpc_endpoint_id(&endpoint)
        .send()
        .await
        .unwrap();

    let (code, report, stderr) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), Vec::<String>::new(), "{report:#} {stderr}");
    assert_eq!(code, 3, "the unseen appliance leaves the audit incomplete");
    let unseen = not_evaluated(&report);
    for rule in ["ALB202", "ALB203", "ALB204"] {
        assert!(
            unseen
                .iter()
                .any(|(c, r)| c == rule && r.contains(&endpoint) && r.starts_with(&w.instances[0])),
            "{rule}: {unseen:?}"
        );
    }
    // The target in zone b is not behind the appliance: judged as before.
    assert!(
        unseen.iter().all(|(_, r)| !r.starts_with(&w.instances[1])),
        "{unseen:?}"
    );
}
