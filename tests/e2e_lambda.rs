//! Lambda targets (ALB211) against moto, which serves Lambda functions, their resource policies
//! (AddPermission / GetPolicy) and reserved concurrency without running any function, and
//! registers a function in a `lambda` target group with RegisterTargets as ELB does.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;

use aws_sdk_elasticloadbalancingv2::types::{RuleCondition, TargetTypeEnum};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};
use common::proxy::{Fault, Proxy};
use common::world::{build, forward, register, Spec, REGION};
use common::{audit_live, sdk_config, Moto};
use serde_json::Value;

const ROLE: &str = "arn:aws:iam::123456789012:role/lambda-role";

/// The execution role CreateFunction asks for, created with IAM's query API (moto checks
/// that the role exists; the tool never reads IAM).
fn create_role(upstream: &str) {
    let host = upstream.trim_start_matches("http://");
    let body =
        "Action=CreateRole&Version=2010-05-08&RoleName=lambda-role&AssumeRolePolicyDocument=%7B%7D";
    let mut s = TcpStream::connect(host).expect("moto");
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/iam/aws4_request, SignedHeaders=host, Signature=0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// An empty zip archive (its end-of-central-directory record alone): the code is never run.
fn empty_zip() -> Vec<u8> {
    let mut z = b"PK\x05\x06".to_vec();
    z.extend([0u8; 18]);
    z
}

struct Lambda {
    client: aws_sdk_lambda::Client,
    elb: aws_sdk_elasticloadbalancingv2::Client,
    listener: String,
    priority: i32,
}

impl Lambda {
    /// A function `name` in a new Lambda target group, forwarded to by a rule for `/name*`.
    /// Returns (function ARN, target group ARN).
    async fn function_behind_rule(&mut self, name: &str) -> (String, String) {
        let function = self
            .client
            .create_function()
            .function_name(name)
            .runtime(Runtime::Python312)
            .role(ROLE)
            .handler("index.handler")
            .code(
                FunctionCode::builder()
                    .zip_file(Blob::new(empty_zip()))
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .function_arn
            .unwrap();
        let tg = self
            .elb
            .create_target_group()
            .name(name)
            .target_type(TargetTypeEnum::Lambda)
            .send()
            .await
            .unwrap()
            .target_groups
            .unwrap()
            .remove(0)
            .target_group_arn
            .unwrap();
        register(&self.elb, &tg, [(function.as_str(), None, None)]).await;
        self.priority += 1;
        self.elb
            .create_rule()
            .listener_arn(&self.listener)
            .priority(self.priority)
            .conditions(
                RuleCondition::builder()
                    .field("path-pattern")
                    .values(format!("/{name}*"))
                    .build(),
            )
            .actions(forward(&tg))
            .send()
            .await
            .unwrap();
        (function, tg)
    }

    async fn allow(&self, function: &str, source: &str) {
        self.client
            .add_permission()
            .function_name(function)
            .statement_id("elb")
            .principal("elasticloadbalancing.amazonaws.com")
            .action("lambda:InvokeFunction")
            .source_arn(source)
            .send()
            .await
            .unwrap();
    }
}

fn alb211(report: &Value) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = report["load_balancers"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "ALB211")
        .map(|f| {
            (
                f["evidence"]["function"].as_str().unwrap().to_string(),
                f["evidence"]["error_reason"].as_str().unwrap().to_string(),
                f["symptom"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn functions_the_alb_cannot_invoke_and_reads_denied() {
    let moto = Moto::start();
    let w = build(&moto.endpoint, &Spec::default()).await;
    create_role(&moto.upstream);
    let config = sdk_config(&moto.endpoint, REGION).await;
    let mut l = Lambda {
        client: aws_sdk_lambda::Client::new(&config),
        elb: w.elb.clone(),
        listener: w.listener_arns[0].clone(),
        priority: 0,
    };
    let (ok, ok_tg) = l.function_behind_rule("ok").await;
    l.allow(&ok, &ok_tg).await;
    let (gone, gone_tg) = l.function_behind_rule("gone").await;
    l.allow(&gone, &gone_tg).await;
    l.client
        .delete_function()
        .function_name(&gone)
        .send()
        .await
        .unwrap();
    // Allowed for another target group only.
    let (denied, _) = l.function_behind_rule("denied").await;
    l.allow(&denied, &ok_tg).await;
    let (throttled, throttled_tg) = l.function_behind_rule("throttled").await;
    l.allow(&throttled, &throttled_tg).await;
    l.client
        .put_function_concurrency()
        .function_name(&throttled)
        .reserved_concurrent_executions(0)
        .send()
        .await
        .unwrap();

    let (code, report, stderr) = audit_live(&moto.endpoint, &w.alb_arn, &[]);
    assert_eq!(code, 1, "{report:#} {stderr}");
    assert_eq!(
        alb211(&report),
        vec![
            (
                denied.clone(),
                "LambdaAccessDenied".into(),
                "http-502".into()
            ),
            (
                gone.clone(),
                "LambdaResourceNotFound".into(),
                "http-502".into()
            ),
            (
                throttled.clone(),
                "LambdaThrottling".into(),
                "http-503".into()
            ),
        ],
        "{report:#}"
    );
    assert!(
        report["load_balancers"][0]["not_evaluated"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{report:#}"
    );

    // Each Lambda read denied in turn: only ALB211 is not evaluated, nothing else changes.
    for (action, api) in [
        ("GET /2015-03-31", "lambda:Get"),
        ("GET /2019-09-30", "lambda:GetFunctionConcurrency"),
    ] {
        let proxy = Proxy::start(&moto.endpoint, vec![(action, Fault::JsonAccessDenied)]);
        let (code, report, stderr) = audit_live(&proxy.endpoint, &w.alb_arn, &[]);
        assert!(
            proxy.calls().contains_key(action),
            "{action} was never called"
        );
        assert_eq!(code, 3, "{action}: {report:#} {stderr}");
        let lb = &report["load_balancers"][0];
        let not_evaluated = lb["not_evaluated"].as_array().unwrap();
        assert!(!not_evaluated.is_empty(), "{action}");
        for n in not_evaluated {
            assert_eq!(n["check"], "ALB211", "{action}: {n}");
            let reason = n["reason"].as_str().unwrap();
            assert!(
                reason.starts_with(api) && reason.ends_with("access denied"),
                "{action}: {reason}"
            );
        }
        assert!(alb211(&report).is_empty(), "{action}: {lb:#}");
        assert_eq!(
            lb["findings"].as_array().unwrap().len(),
            0,
            "{action}: {lb:#}"
        );
    }
}
