//! End to end against moto: worlds built with real SDK calls, audited by the built binary.

mod common;

use common::world::{build, create_route_table, Spec};
use common::{audit_live, finding, fired, Moto};

#[tokio::test(flavor = "multi_thread")]
async fn healthy_world_passes() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let (code, report, stderr) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(report["status"], "pass", "{stderr}");
    assert_eq!(code, 0);
    let lb = &report["load_balancers"][0];
    assert_eq!(lb["vpc_id"], w.vpc.as_str());
    assert_eq!(lb["not_evaluated"].as_array().unwrap().len(), 0, "{lb:#}");
}

/// The article's case: subnet B routes 0.0.0.0/0 to a NAT gateway.
#[tokio::test(flavor = "multi_thread")]
async fn nat_route_in_one_subnet_is_intermittent() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let nat = w.nat_gateway().await;
    let rtb = create_route_table(&w.ec2, &w.vpc).await;
    w.ec2
        .create_route()
        .route_table_id(&rtb)
        .destination_cidr_block("0.0.0.0/0")
        .nat_gateway_id(&nat)
        .send()
        .await
        .unwrap();
    w.reassociate(&w.alb_subnets[1], &rtb).await;
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), vec!["ALB104:us-east-1b"], "{report:#}");
    let f = finding(&report, "ALB104", Some("us-east-1b"));
    assert_eq!(f["resource"], w.alb_subnets[1].as_str());
    assert_eq!(f["symptom"], "intermittent-timeout");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["evidence"]["route_table"], rtb.as_str());
    assert_eq!(f["evidence"]["route"], format!("0.0.0.0/0 -> {nat}"));
    assert_eq!(code, 1);
}
