//! End to end against moto for subnet capacity (ALB115), and for VPC Block Public Access
//! (ALB109) through the layer beside moto: moto implements no Block Public Access API and its
//! subnets carry no `blockPublicAccessStates`, so the layer answers them as AWS does (mode
//! `off` by default, or a mode the test configures).

mod common;

use common::layer;
use common::world::{build, Spec};
use common::{audit_live, finding, fired, Moto};

/// An account that turns Block Public Access on in mode block-ingress, no exclusion: every
/// node drops internet clients.
#[tokio::test(flavor = "multi_thread")]
async fn block_ingress_cuts_every_node() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    layer::block_public_access(&moto.layer, "block-ingress");
    let (code, report, stderr) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(
        fired(&report),
        vec!["ALB109:us-east-1a", "ALB109:us-east-1b"],
        "{report:#} {stderr}"
    );
    let f = finding(&report, "ALB109", Some("us-east-1b"));
    assert_eq!(f["resource"], w.alb_subnets[1].as_str());
    assert_eq!(f["symptom"], "timeout");
    assert_eq!(f["evidence"]["block_public_access_mode"], "block-ingress");
    assert_eq!(code, 1);
}

/// The defaults: mode off, no exclusion, every subnet `off`: a healthy world stays complete.
#[tokio::test(flavor = "multi_thread")]
async fn an_account_without_block_public_access_is_complete() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let (code, report, stderr) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    let lb = &report["load_balancers"][0];
    assert_eq!(
        lb["not_evaluated"].as_array().unwrap().len(),
        0,
        "{lb:#} {stderr}"
    );
    assert_eq!(code, 0);
}

/// The options read denied: only ALB109 is not evaluated.
#[tokio::test(flavor = "multi_thread")]
async fn denied_block_public_access_options_leave_only_alb109_unevaluated() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    moto.layer.answer(|call| {
        (call.action == "DescribeVpcBlockPublicAccessOptions").then(|| {
            layer::Reply::new(
                403,
                "text/xml;charset=UTF-8",
                "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>denied</Message></Error></Errors><RequestID>1</RequestID></Response>",
            )
        })
    });
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    let lb = &report["load_balancers"][0];
    let checks: Vec<&str> = lb["not_evaluated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["check"].as_str().unwrap())
        .collect();
    assert_eq!(checks, vec!["ALB109"], "{lb:#}");
    assert_eq!(code, 3);
}

/// Zone b's node moved (SetSubnets) to a /28 that four interfaces nearly fill: moto counts the
/// subnet's free addresses as AWS does (16 less the 5 AWS keeps, less one per interface), and
/// ALB115 names the subnet, its prefix and what is left. Zone a's /24 is fine.
#[tokio::test(flavor = "multi_thread")]
async fn a_nearly_full_small_subnet_cannot_scale_its_node() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let small = w.subnet("10.0.3.0/28", "us-east-1b").await;
    w.reassociate(&small, &w.public_rtb).await;
    for _ in 0..4 {
        w.ec2
            .create_network_interface()
            .subnet_id(&small)
            .send()
            .await
            .unwrap();
    }
    w.elb
        .set_subnets()
        .load_balancer_arn(&w.alb_arn)
        .subnets(&w.alb_subnets[0])
        .subnets(&small)
        .send()
        .await
        .unwrap();
    let (code, report, stderr) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    let f = finding(&report, "ALB115", Some("us-east-1b"));
    assert_eq!(f["resource"], small.as_str(), "{report:#} {stderr}");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["evidence"]["prefix_length"], 28);
    assert_eq!(f["evidence"]["available_ip_addresses"], 7);
    assert!(
        !fired(&report).contains(&"ALB115:us-east-1a".to_string()),
        "{report:#}"
    );
    assert_eq!(code, 0, "a warning alone does not fail the audit");
}
