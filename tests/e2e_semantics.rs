//! End to end against moto: the contract's "Semantics that decide a verdict", in worlds built
//! with real SDK calls (dualstack VPCs and subnets, egress-only gateways, group-reference
//! sources, weighted forwards, target group attributes, gateway endpoints, rule-only groups, a
//! denied DescribeVpcs through the fault proxy). Route origins and health reasons moto cannot
//! produce are covered by the snapshot fixtures (tests/fixtures.rs).

mod common;

use aws_sdk_ec2::types::{IpPermission, IpRange, Ipv6Range, RuleAction};
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, ForwardActionConfig, IpAddressType, RuleCondition,
    TargetGroupAttribute, TargetGroupTuple, TargetTypeEnum,
};
use common::proxy::{Fault, Proxy};
use common::world::{
    build, create_route_table, forward, http_group, register, run_instance, tcp, tcp_from_group,
    Spec, World,
};
use common::{audit_live, finding, fired, Moto};

/// Gives the VPC, the ALB subnets and the ALB's node interfaces IPv6, makes the ALB dualstack,
/// opens its group and the default ACL to `::/0`, and routes `::/0` to the internet gateway.
/// Returns the subnets' IPv6 blocks.
async fn make_dualstack(w: &World) -> Vec<String> {
    let vpc_block = w
        .ec2
        .associate_vpc_cidr_block()
        .vpc_id(&w.vpc)
        .amazon_provided_ipv6_cidr_block(true)
        .send()
        .await
        .unwrap()
        .ipv6_cidr_block_association
        .unwrap()
        .ipv6_cidr_block
        .unwrap();
    let prefix = vpc_block.trim_end_matches("00::/56").to_string();
    let mut blocks = Vec::new();
    for (i, subnet) in w.alb_subnets.iter().enumerate() {
        let block = format!("{prefix}0{}::/64", i + 1);
        w.ec2
            .associate_subnet_cidr_block()
            .subnet_id(subnet)
            .ipv6_cidr_block(&block)
            .send()
            .await
            .unwrap();
        w.ec2
            .assign_ipv6_addresses()
            .network_interface_id(&w.alb_enis[i])
            .ipv6_addresses(format!("{prefix}0{}::10", i + 1))
            .send()
            .await
            .unwrap();
        blocks.push(block);
    }
    w.elb
        .set_ip_address_type()
        .load_balancer_arn(&w.alb_arn)
        .ip_address_type(IpAddressType::Dualstack)
        .send()
        .await
        .unwrap();
    w.ec2
        .authorize_security_group_ingress()
        .group_id(&w.alb_sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(80)
                .to_port(80)
                .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let acl = w
        .ec2
        .describe_network_acls()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(&w.vpc)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .network_acls
        .unwrap()
        .into_iter()
        .find(|a| a.is_default == Some(true))
        .unwrap()
        .network_acl_id
        .unwrap();
    for egress in [false, true] {
        w.ec2
            .create_network_acl_entry()
            .network_acl_id(&acl)
            .rule_number(101)
            .egress(egress)
            .protocol("-1")
            .rule_action(RuleAction::Allow)
            .ipv6_cidr_block("::/0")
            .send()
            .await
            .unwrap();
    }
    w.ec2
        .create_route()
        .route_table_id(&w.public_rtb)
        .destination_ipv6_cidr_block("::/0")
        .gateway_id(&w.igw)
        .send()
        .await
        .unwrap();
    blocks
}

/// A dualstack ALB with IPv4 targets whose group admits only the ALB subnets' IPv4 blocks
/// passes; routing subnet B's `::/0` to an egress-only gateway cuts the IPv6 internet off node
/// B: an error, intermittent, and only there.
#[tokio::test(flavor = "multi_thread")]
async fn dualstack_alb_and_an_egress_only_route() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    make_dualstack(&w).await;
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
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(8080)
                .to_port(8080)
                .ip_ranges(IpRange::builder().cidr_ip("10.0.1.0/24").build())
                .ip_ranges(IpRange::builder().cidr_ip("10.0.2.0/24").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let (code, report, stderr) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), Vec::<String>::new(), "{report:#} {stderr}");
    assert_eq!(code, 0);

    let eigw = w
        .ec2
        .create_egress_only_internet_gateway()
        .vpc_id(&w.vpc)
        .send()
        .await
        .unwrap()
        .egress_only_internet_gateway
        .unwrap()
        .egress_only_internet_gateway_id
        .unwrap();
    let rtb_b = create_route_table(&w.ec2, &w.vpc).await;
    w.ec2
        .create_route()
        .route_table_id(&rtb_b)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&w.igw)
        .send()
        .await
        .unwrap();
    w.ec2
        .create_route()
        .route_table_id(&rtb_b)
        .destination_ipv6_cidr_block("::/0")
        .egress_only_internet_gateway_id(&eigw)
        .send()
        .await
        .unwrap();
    w.reassociate(&w.alb_subnets[1], &rtb_b).await;
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), vec!["ALB104:us-east-1b"], "{report:#}");
    let f = finding(&report, "ALB104", Some("us-east-1b"));
    assert_eq!(f["severity"], "error");
    assert_eq!(f["symptom"], "intermittent-timeout");
    assert_eq!(f["change"][0], format!("{rtb_b} ::/0").as_str());
    assert_eq!(f["evidence"]["blocked"], "all IPv6 internet clients");
    assert_eq!(code, 1);
}

/// An internet-facing ALB whose group admits the listener port only from another group: no
/// internet client gets in, an error.
#[tokio::test(flavor = "multi_thread")]
async fn a_group_reference_admits_no_internet_client() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    w.ec2
        .revoke_security_group_ingress()
        .group_id(&w.alb_sg)
        .ip_permissions(tcp(80, "0.0.0.0/0"))
        .send()
        .await
        .unwrap();
    w.ec2
        .authorize_security_group_ingress()
        .group_id(&w.alb_sg)
        .ip_permissions(tcp_from_group(80, &w.app_sg))
        .send()
        .await
        .unwrap();
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), vec!["ALB101:-"], "{report:#}");
    let f = finding(&report, "ALB101", None);
    assert_eq!(f["severity"], "error");
    assert_eq!(f["change"][0], w.alb_sg.as_str());
    assert_eq!(code, 1);
}

/// A weighted forward of weight 0 to an empty group carries no request: a note. A rule-only
/// group's instances are read and checked like any other's.
#[tokio::test(flavor = "multi_thread")]
async fn weight_zero_and_rule_only_groups() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let green = http_group(&w, "green", TargetTypeEnum::Instance, 8080).await;
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
                                .weight(1)
                                .build(),
                        )
                        .target_groups(
                            TargetGroupTuple::builder()
                                .target_group_arn(&green)
                                .weight(0)
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), vec!["ALB208:-"], "{report:#}");
    assert_eq!(finding(&report, "ALB208", None)["severity"], "note");
    assert_eq!(code, 0);

    // /api goes to a group whose instance's group does not admit the ALB.
    let api = http_group(&w, "api", TargetTypeEnum::Instance, 8080).await;
    let closed = w
        .ec2
        .create_security_group()
        .group_name("closed")
        .description("closed")
        .vpc_id(&w.vpc)
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    let i = run_instance(&w.ec2, &w.app_subnets[0], &closed).await;
    register(&w.elb, &api, [(i.as_str(), Some(8080), None)]).await;
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
    let f = finding(&report, "ALB202", None);
    assert_eq!(f["target"], i.as_str());
    assert_eq!(f["change"][0], closed.as_str());
    assert!(
        report["load_balancers"][0]["not_evaluated"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{report:#}"
    );
    assert_eq!(code, 1);
}

/// Cross-zone load balancing off: node B never sends to zone A's targets (no finding for its
/// path to them), and zone B without a target is ALB210.
#[tokio::test(flavor = "multi_thread")]
async fn cross_zone_off_is_read_from_the_target_group() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    w.elb
        .deregister_targets()
        .target_group_arn(&w.tg_arn)
        .targets(
            aws_sdk_elasticloadbalancingv2::types::TargetDescription::builder()
                .id(&w.instances[1])
                .port(8080)
                .build(),
        )
        .send()
        .await
        .unwrap();
    w.ec2
        .authorize_security_group_ingress()
        .group_id(&w.app_sg)
        .ip_permissions(tcp(8080, "10.0.1.0/24"))
        .send()
        .await
        .unwrap();
    w.ec2
        .revoke_security_group_ingress()
        .group_id(&w.app_sg)
        .ip_permissions(tcp_from_group(8080, &w.alb_sg))
        .send()
        .await
        .unwrap();
    // Cross-zone on: node B's path to the target in zone A is broken.
    let (_, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), vec!["ALB202:us-east-1b"], "{report:#}");
    w.elb
        .modify_target_group_attributes()
        .target_group_arn(&w.tg_arn)
        .attributes(
            TargetGroupAttribute::builder()
                .key("load_balancing.cross_zone.enabled")
                .value("false")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), vec!["ALB210:us-east-1b"], "{report:#}");
    let f = finding(&report, "ALB210", Some("us-east-1b"));
    assert_eq!(f["severity"], "warning", "DNS failover takes the node out");
    assert_eq!(code, 0);
}

/// A gateway endpoint route to S3's prefix list covers S3's addresses, never a client.
#[tokio::test(flavor = "multi_thread")]
async fn gateway_endpoint_routes_are_not_client_routes() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    w.ec2
        .create_vpc_endpoint()
        .vpc_id(&w.vpc)
        .service_name("com.amazonaws.us-east-1.s3")
        .vpc_endpoint_type(aws_sdk_ec2::types::VpcEndpointType::Gateway)
        .route_table_ids(&w.public_rtb)
        .send()
        .await
        .unwrap();
    let (code, report, stderr) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), Vec::<String>::new(), "{report:#} {stderr}");
    assert_eq!(code, 0);
}

/// DescribeVpcs denied with IP targets: whether they are in the VPC is unknown, so their paths
/// are not evaluated and the audit is incomplete — never a pass.
#[tokio::test(flavor = "multi_thread")]
async fn unread_vpc_blocks_leave_ip_targets_unevaluated() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let ips = http_group(&w, "ips", TargetTypeEnum::Ip, 8080).await;
    register(
        &w.elb,
        &ips,
        [("10.0.11.50", Some(8080), Some("us-east-1a"))],
    )
    .await;
    w.elb
        .modify_listener()
        .listener_arn(&w.listener_arns[0])
        .default_actions(forward(&ips))
        .send()
        .await
        .unwrap();
    let proxy = Proxy::start(
        &moto.endpoint,
        vec![("DescribeVpcs", Fault::Ec2Unauthorized)],
    );
    let (code, report, _) = audit_live(&proxy.endpoint, &w.alb_arn, &[]);
    assert_eq!(code, 3, "{report:#}");
    assert_eq!(report["status"], "incomplete");
    let unknown: Vec<&str> = report["load_balancers"][0]["not_evaluated"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["check"] == "ALB202")
        .map(|n| n["reason"].as_str().unwrap())
        .collect();
    assert!(
        unknown.iter().any(|r| r.contains("were not read")),
        "{report:#}"
    );
}
