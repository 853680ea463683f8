//! End to end against moto: the ALB node -> target path and the targets' state (ALB201–ALB209),
//! each rule firing and staying silent in worlds built with real SDK calls.

mod common;

use aws_sdk_ec2::types::{IpPermission, IpRange, PrefixListId};
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, ForwardActionConfig, RuleCondition, TargetGroupTuple, TargetTypeEnum,
};
use common::world::{
    build, forward, http_group, register, run_instance, tcp, tcp_from_group, Spec, World,
};
use common::{audit_live, finding, fired, Moto};

/// Replaces the app group's inbound rules with `rule`.
async fn app_ingress(w: &World, rule: IpPermission) {
    w.ec2
        .revoke_security_group_ingress()
        .group_id(&w.app_sg)
        .ip_permissions(tcp_from_group(8080, &w.alb_sg))
        .send()
        .await
        .unwrap();
    w.ec2
        .authorize_security_group_ingress()
        .group_id(&w.app_sg)
        .ip_permissions(rule)
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn security_group_references_in_both_directions() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    // ALB egress narrowed to the app group by reference: still reachable.
    w.ec2
        .revoke_security_group_egress()
        .group_id(&w.alb_sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("-1")
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    w.ec2
        .authorize_security_group_egress()
        .group_id(&w.alb_sg)
        .ip_permissions(tcp_from_group(8080, &w.app_sg))
        .send()
        .await
        .unwrap();
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(code, 0);
    // Egress by reference to a group the targets are not in: ALB201 from every node.
    w.ec2
        .revoke_security_group_egress()
        .group_id(&w.alb_sg)
        .ip_permissions(tcp_from_group(8080, &w.app_sg))
        .send()
        .await
        .unwrap();
    w.ec2
        .authorize_security_group_egress()
        .group_id(&w.alb_sg)
        .ip_permissions(tcp_from_group(8080, &w.alb_sg))
        .send()
        .await
        .unwrap();
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), vec!["ALB201:-", "ALB201:-"], "{report:#}");
    let f = finding(&report, "ALB201", None);
    assert_eq!(f["resource"], w.tg_arn.as_str());
    assert_eq!(f["symptom"], "http-504");
    assert_eq!(f["port"], 8080);
    assert_eq!(code, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn target_reachable_from_one_node_only() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    app_ingress(&w, tcp(8080, "10.0.1.0/24")).await;
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(
        fired(&report),
        vec!["ALB202:us-east-1b", "ALB202:us-east-1b"],
        "{report:#}"
    );
    let f = finding(&report, "ALB202", Some("us-east-1b"));
    assert_eq!(f["symptom"], "intermittent-http-504");
    assert!(w
        .instances
        .contains(&f["resource"].as_str().unwrap().to_string()));
    assert_eq!(f["evidence"]["node_subnet"], w.alb_subnets[1].as_str());
    assert_eq!(code, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn prefix_list_sources_are_resolved() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let pl = w.prefix_list("alb-subnets", "10.0.1.0/24").await;
    app_ingress(
        &w,
        IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(8080)
            .to_port(8080)
            .prefix_list_ids(PrefixListId::builder().prefix_list_id(&pl).build())
            .build(),
    )
    .await;
    let (_, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    // The list holds subnet A only: the node in B is refused.
    assert_eq!(
        fired(&report),
        vec!["ALB202:us-east-1b", "ALB202:us-east-1b"],
        "{report:#}"
    );
    assert_eq!(
        finding(&report, "ALB202", Some("us-east-1b"))["evidence"]["admitted"],
        "10.0.1.0/24"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn health_check_port_that_differs() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    w.elb
        .modify_target_group()
        .target_group_arn(&w.tg_arn)
        .health_check_port("8081")
        .send()
        .await
        .unwrap();
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), vec!["ALB202:-", "ALB202:-"], "{report:#}");
    let f = finding(&report, "ALB202", None);
    assert_eq!(f["port"], 8081);
    assert_eq!(f["evidence"]["port_role"], "health-check");
    assert_eq!(f["symptom"], "http-504");
    assert_eq!(code, 1);
}

/// A weighted forward to a second group, and a rule that forwards to a third, empty one.
#[tokio::test(flavor = "multi_thread")]
async fn weighted_forward_and_rule_only_groups() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let green = http_group(&w, "green", TargetTypeEnum::Instance, 9090).await;
    register(&w.elb, &green, [(w.instances[0].as_str(), None, None)]).await;
    w.elb
        .modify_listener()
        .listener_arn(&w.listener_arns[0])
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .forward_config(
                    ForwardActionConfig::builder()
                        .target_groups(
                            TargetGroupTuple::builder()
                                .target_group_arn(&w.tg_arn)
                                .weight(90)
                                .build(),
                        )
                        .target_groups(
                            TargetGroupTuple::builder()
                                .target_group_arn(&green)
                                .weight(10)
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let api = http_group(&w, "api", TargetTypeEnum::Instance, 9000).await;
    w.elb
        .create_rule()
        .listener_arn(&w.listener_arns[0])
        .priority(10)
        .conditions(
            RuleCondition::builder()
                .field("path-pattern")
                .values("/api/*")
                .build(),
        )
        .actions(forward(&api))
        .send()
        .await
        .unwrap();
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    // green's instance does not admit the ALB on 9090; api has no target at all.
    assert_eq!(fired(&report), vec!["ALB202:-", "ALB208:-"], "{report:#}");
    let f = finding(&report, "ALB202", None);
    assert_eq!(f["port"], 9090);
    assert_eq!(f["evidence"]["target_group"], green.as_str());
    let empty = finding(&report, "ALB208", None);
    assert_eq!(empty["resource"], api.as_str());
    assert_eq!(empty["symptom"], "http-503");
    assert_eq!(empty["evidence"]["via"], "rule 10");
    assert_eq!(code, 1);
}

/// An on-premises IP target: reachable through an attached VPN gateway, 504 without the route.
#[tokio::test(flavor = "multi_thread")]
async fn on_premises_ip_target_with_and_without_vpn_route() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let onprem = http_group(&w, "onprem", TargetTypeEnum::Ip, 8443).await;
    register(&w.elb, &onprem, [("192.168.10.5", None, Some("all"))]).await;
    w.elb
        .modify_listener()
        .listener_arn(&w.listener_arns[0])
        .default_actions(forward(&onprem))
        .send()
        .await
        .unwrap();
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), vec!["ALB205:-"], "{report:#}");
    let f = finding(&report, "ALB205", None);
    assert_eq!(f["resource"], w.public_rtb.as_str());
    assert_eq!(f["target"], "192.168.10.5");
    assert_eq!(f["symptom"], "http-504");
    assert_eq!(code, 1);

    let vgw = w.attached_vpn_gateway().await;
    w.ec2
        .create_route()
        .route_table_id(&w.public_rtb)
        .destination_cidr_block("192.168.0.0/16")
        .gateway_id(&vgw)
        .send()
        .await
        .unwrap();
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(code, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn stopped_instance_and_target_in_a_disabled_zone() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    w.ec2
        .stop_instances()
        .instance_ids(&w.instances[1])
        .send()
        .await
        .unwrap();
    // The other instance is healthy: the ALB sends it every request, with less capacity.
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), vec!["ALB209:-"], "{report:#}");
    let f = finding(&report, "ALB209", None);
    assert_eq!(f["resource"], w.instances[1].as_str());
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["symptom"], serde_json::Value::Null);
    assert_eq!(code, 0);
    // Both stopped: nothing healthy is left, requests fail.
    w.ec2
        .stop_instances()
        .instance_ids(&w.instances[0])
        .send()
        .await
        .unwrap();
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), vec!["ALB209:-", "ALB209:-"], "{report:#}");
    let f = finding(&report, "ALB209", None);
    assert_eq!(
        (f["severity"].as_str(), f["symptom"].as_str()),
        (Some("error"), Some("http-502"))
    );
    assert_eq!(code, 1);
    w.ec2
        .start_instances()
        .instance_ids(&w.instances[0])
        .send()
        .await
        .unwrap();

    // An instance in us-east-1c, where the ALB has no subnet.
    let subnet_c = w.subnet("10.0.13.0/24", "us-east-1c").await;
    let c = run_instance(&w.ec2, &subnet_c, &w.app_sg).await;
    register(&w.elb, &w.tg_arn, [(c.as_str(), None, None)]).await;
    let (_, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), vec!["ALB207:-", "ALB209:-"], "{report:#}");
    let f = finding(&report, "ALB207", None);
    assert_eq!(f["resource"], c.as_str());
    assert_eq!(f["evidence"]["target_zone"], "us-east-1c");
}
