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
    let (rtb, nat) = w.route_through_nat(&w.alb_subnets[1]).await;
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

#[tokio::test(flavor = "multi_thread")]
async fn security_group_without_the_listener_port() {
    let moto = Moto::start();
    let spec = Spec {
        listener_ports: vec![80, 443],
        ..Spec::default()
    };
    let w = build(&moto.endpoint, &spec).await;
    // Close 443 again: only port 80 stays open.
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
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), vec!["ALB101:-"], "{report:#}");
    let f = finding(&report, "ALB101", None);
    assert_eq!(f["port"], 443);
    assert_eq!(f["symptom"], "timeout");
    assert_eq!(f["resource"], w.listener_arns[1].as_str());
    assert_eq!(code, 1);
    // An explicit client range is named as the blocked part.
    let (code, report, _) = audit_live(
        &moto.endpoint,
        &w.alb_arn,
        &["--client-cidr", "203.0.113.0/24", "--fail-on", "warning"],
    );
    assert_eq!(fired(&report), vec!["ALB101:-"]);
    assert_eq!(
        finding(&report, "ALB101", None)["evidence"]["blocked"],
        "203.0.113.0/24"
    );
    assert_eq!(code, 1);
}

/// A custom ACL on subnet B: requests to 80 denied by rule 90; outbound without ephemeral ports.
#[tokio::test(flavor = "multi_thread")]
async fn network_acl_in_one_subnet_drops_requests_and_responses() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let acl = w
        .ec2
        .create_network_acl()
        .vpc_id(&w.vpc)
        .send()
        .await
        .unwrap()
        .network_acl
        .unwrap()
        .network_acl_id
        .unwrap();
    let entry = |n: i32, egress: bool, allow: bool, from: i32, to: i32| {
        w.ec2
            .create_network_acl_entry()
            .network_acl_id(&acl)
            .rule_number(n)
            .egress(egress)
            .protocol("6")
            .rule_action(if allow {
                aws_sdk_ec2::types::RuleAction::Allow
            } else {
                aws_sdk_ec2::types::RuleAction::Deny
            })
            .cidr_block("0.0.0.0/0")
            .port_range(
                aws_sdk_ec2::types::PortRange::builder()
                    .from(from)
                    .to(to)
                    .build(),
            )
            .send()
    };
    entry(90, false, false, 80, 80).await.unwrap();
    entry(100, false, true, 0, 65535).await.unwrap();
    entry(100, true, true, 32768, 65535).await.unwrap();
    // Associate the ACL with subnet B, replacing the default association.
    let current = w
        .ec2
        .describe_network_acls()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("association.subnet-id")
                .values(&w.alb_subnets[1])
                .build(),
        )
        .send()
        .await
        .unwrap();
    let association = current.network_acls.unwrap()[0]
        .associations
        .as_ref()
        .unwrap()
        .iter()
        .find(|a| a.subnet_id.as_deref() == Some(&w.alb_subnets[1]))
        .unwrap()
        .network_acl_association_id
        .clone()
        .unwrap();
    w.ec2
        .replace_network_acl_association()
        .association_id(association)
        .network_acl_id(&acl)
        .send()
        .await
        .unwrap();
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    // The same ACL also drops node B's own requests to the targets on 8080 (outbound allows
    // only 32768-65535): the backend path from B is broken too, once per target.
    assert_eq!(
        fired(&report),
        vec![
            "ALB102:us-east-1b",
            "ALB103:us-east-1b",
            "ALB203:us-east-1b",
            "ALB203:us-east-1b"
        ],
        "{report:#}"
    );
    let backend = finding(&report, "ALB203", Some("us-east-1b"));
    assert_eq!(backend["resource"], acl.as_str());
    assert_eq!(backend["symptom"], "intermittent-http-504");
    assert_eq!(backend["evidence"]["direction"], "outbound");
    let request = finding(&report, "ALB102", Some("us-east-1b"));
    assert_eq!(request["resource"], acl.as_str());
    assert_eq!(request["port"], 80);
    assert_eq!(request["symptom"], "intermittent-timeout");
    assert_eq!(
        request["evidence"]["denied_by"][0],
        "rule 90 denies 0.0.0.0/0 on port 80"
    );
    let response = finding(&report, "ALB103", Some("us-east-1b"));
    assert_eq!(response["port"], serde_json::Value::Null);
    assert!(response["message"].as_str().unwrap().contains("1024-32767"));
    assert_eq!(code, 1);
}

/// Internal ALB: a VPN gateway route in subnet A's table only.
#[tokio::test(flavor = "multi_thread")]
async fn internal_alb_with_private_route_in_one_subnet() {
    let moto = Moto::start();
    let spec = Spec {
        internal: true,
        ..Spec::default()
    };
    let w = build(&moto.endpoint, &spec).await;
    let vgw = w.attached_vpn_gateway().await;
    let rtb_b = create_route_table(&w.ec2, &w.vpc).await;
    w.reassociate(&w.alb_subnets[1], &rtb_b).await;
    w.ec2
        .create_route()
        .route_table_id(&w.public_rtb)
        .destination_cidr_block("192.168.0.0/16")
        .gateway_id(&vgw)
        .send()
        .await
        .unwrap();
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), vec!["ALB106:us-east-1b"], "{report:#}");
    let f = finding(&report, "ALB106", Some("us-east-1b"));
    assert_eq!(f["symptom"], "intermittent-timeout");
    assert_eq!(f["evidence"]["route_table"], rtb_b.as_str());
    assert_eq!(code, 1);
    // On-premises clients named explicitly: B lacks the route; A has it.
    let (_, report, _) = audit_live(
        &moto.endpoint,
        &w.alb_arn,
        &["--client-cidr", "192.168.7.0/24"],
    );
    assert_eq!(
        fired(&report),
        vec!["ALB101:-", "ALB106:us-east-1b"],
        "{report:#}"
    );
    // ...and the ALB's group admits only 10.0.0.0/8, so ALB101 names the on-premises range.
    assert_eq!(
        finding(&report, "ALB101", None)["evidence"]["blocked"],
        "192.168.7.0/24"
    );
    // Clients inside the VPC need no private route.
    let (code, report, _) = audit_live(
        &moto.endpoint,
        &w.alb_arn,
        &["--client-cidr", "10.0.5.0/24"],
    );
    assert_eq!(fired(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(code, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn alb_without_listeners() {
    let moto = Moto::start();
    let spec = Spec {
        listener_ports: vec![],
        ..Spec::default()
    };
    let w = build(&moto.endpoint, &spec).await;
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), vec!["ALB107:-"], "{report:#}");
    assert_eq!(
        finding(&report, "ALB107", None)["resource"],
        w.alb_arn.as_str()
    );
    assert_eq!(code, 1);
}
