//! End to end against moto: what a listener's rules and actions decide (ALB212–ALB214). moto
//! stores rule conditions, authenticate actions and target-group protocol versions as given,
//! so every world here is built with real SDK calls; VPC Block Public Access, which moto
//! lacks, comes from the layer beside it.

mod common;

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, AuthenticateOidcActionConfig, ProtocolEnum, RuleCondition,
};
use common::world::{build, create_group, forward, Spec, World};
use common::{audit_live, fired, layer, Moto};

/// A target group with no targets.
async fn empty_group(w: &World, name: &str, version: Option<&str>) -> String {
    create_group(
        w.elb
            .create_target_group()
            .name(name)
            .protocol(ProtocolEnum::Http)
            .set_protocol_version(version.map(str::to_string))
            .port(8080)
            .vpc_id(&w.vpc),
    )
    .await
}

fn rule_findings<'a>(report: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    report["load_balancers"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

/// The ECS reference architecture: rule 1 `path-pattern *` in front of a default action that
/// forwards to an empty group. No request reaches the default action: no ALB208 error, a note.
#[tokio::test(flavor = "multi_thread")]
async fn a_catch_all_rule_shadows_the_default_action() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let empty = empty_group(&w, "default-empty", None).await;
    w.elb
        .modify_listener()
        .listener_arn(&w.listener_arns[0])
        .default_actions(forward(&empty))
        .send()
        .await
        .unwrap();
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    // Without the catch-all, the empty default group is an error.
    assert_eq!(fired(&report), vec!["ALB208:-"], "{report:#}");
    assert_eq!(code, 1);
    w.elb
        .create_rule()
        .listener_arn(&w.listener_arns[0])
        .priority(1)
        .conditions(
            RuleCondition::builder()
                .field("path-pattern")
                .values("*")
                .build(),
        )
        .actions(forward(&w.tg_arn))
        .send()
        .await
        .unwrap();
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(fired(&report), vec!["ALB214:-"], "{report:#}");
    let note = &rule_findings(&report, "ALB214")[0];
    assert_eq!(note["severity"], "note");
    assert_eq!(note["evidence"]["via"], "default");
    assert_eq!(note["evidence"]["shadowed_by"], "rule 1");
    assert_eq!(note["evidence"]["target_groups"][0], empty.as_str());
    assert_eq!(code, 0);
}

/// A GRPC target group behind the HTTP listener: its HTTP/1.1 clients get 464.
#[tokio::test(flavor = "multi_thread")]
async fn a_grpc_group_behind_an_http_listener_answers_464() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    let grpc = empty_group(&w, "grpc", Some("GRPC")).await;
    w.elb
        .create_rule()
        .listener_arn(&w.listener_arns[0])
        .priority(5)
        .conditions(
            RuleCondition::builder()
                .field("path-pattern")
                .values("/svc.Api/*")
                .build(),
        )
        .actions(forward(&grpc))
        .send()
        .await
        .unwrap();
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    let found = rule_findings(&report, "ALB212");
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["resource"], grpc.as_str());
    assert_eq!(found[0]["symptom"], "http-464");
    assert_eq!(found[0]["port"], 80);
    assert_eq!(found[0]["evidence"]["via"], "rule 5");
    assert_eq!(code, 1);
}

/// An internal ALB whose first listener authenticates users: its nodes must reach the
/// identity provider themselves.
async fn internal_alb_with_logins(moto: &Moto) -> World {
    let spec = Spec {
        internal: true,
        ..Spec::default()
    };
    let w = build(&moto.endpoint, &spec).await;
    authenticate_default_action(&w).await;
    w
}

/// The first listener's default action authenticates users (OIDC), then forwards.
async fn authenticate_default_action(w: &World) {
    let authenticate = Action::builder()
        .r#type(ActionTypeEnum::AuthenticateOidc)
        .order(1)
        .authenticate_oidc_config(
            AuthenticateOidcActionConfig::builder()
                .issuer("https://idp.example.com")
                .authorization_endpoint("https://idp.example.com/authorize")
                .token_endpoint("https://idp.example.com/token")
                .user_info_endpoint("https://idp.example.com/userinfo")
                .client_id("client")
                .client_secret("secret")
                .build(),
        )
        .build();
    let mut then = forward(&w.tg_arn);
    then.order = Some(2);
    w.elb
        .modify_listener()
        .listener_arn(&w.listener_arns[0])
        .default_actions(authenticate)
        .default_actions(then)
        .send()
        .await
        .unwrap();
}

/// An internal ALB authenticates users (OIDC): zone a's subnet routes to a NAT gateway, zone
/// b's has no way out. One error, in us-east-1b, `intermittent-http-500`.
#[tokio::test(flavor = "multi_thread")]
async fn an_internal_alb_without_nat_in_one_zone_fails_logins_there() {
    let moto = Moto::start();
    let w = internal_alb_with_logins(&moto).await;
    let (_, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    // Neither node has a way out yet: every login fails.
    let found = rule_findings(&report, "ALB213");
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["symptom"], "http-500");
    assert!(found[0]["availability_zone"].is_null());

    w.route_through_nat(&w.alb_subnets[0]).await;
    let (code, report, _) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    let found = rule_findings(&report, "ALB213");
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["availability_zone"], "us-east-1b");
    assert_eq!(found[0]["severity"], "error");
    assert_eq!(found[0]["symptom"], "intermittent-http-500");
    assert_eq!(found[0]["resource"], w.listener_arns[0].as_str());
    assert_eq!(
        found[0]["evidence"]["endpoints"][0],
        "https://idp.example.com/token"
    );
    assert_eq!(code, 1);
}

/// Both zones route to a NAT gateway, but the account turns VPC Block Public Access on in mode
/// block-bidirectional: the NAT gateway cannot get out, every login fails (one finding, no
/// zone). block-ingress lets NAT gateways out: no finding.
#[tokio::test(flavor = "multi_thread")]
async fn block_bidirectional_cuts_the_nat_gateways_way_to_the_identity_provider() {
    for (mode, cut) in [("block-bidirectional", true), ("block-ingress", false)] {
        let moto = Moto::start();
        let w = internal_alb_with_logins(&moto).await;
        let nat = w.nat_gateway().await;
        w.ec2
            .create_route()
            .route_table_id(&w.public_rtb)
            .destination_cidr_block("0.0.0.0/0")
            .nat_gateway_id(&nat)
            .send()
            .await
            .unwrap();
        layer::block_public_access(&moto.layer, mode);
        let (code, report, stderr) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
        let found = rule_findings(&report, "ALB213");
        if cut {
            assert_eq!(found.len(), 1, "{mode}: {report:#} {stderr}");
            assert!(found[0]["availability_zone"].is_null(), "{mode}");
            assert_eq!(found[0]["symptom"], "http-500");
            assert_eq!(found[0]["change"][0], w.vpc.as_str());
            assert_eq!(code, 1, "{mode}");
        } else {
            assert!(found.is_empty(), "{mode}: {report:#}");
        }
        assert!(
            report["load_balancers"][0]["not_evaluated"]
                .as_array()
                .unwrap()
                .iter()
                .all(|n| n["check"] != "ALB213"),
            "{mode}: {report:#}"
        );
    }
}
